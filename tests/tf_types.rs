//! Every Terraform variable the output declares has the type its uses need (a type
//! pass over the generated HCL, in place of `terraform validate`): fixtures here, the
//! corpus in `corpus.rs`.

mod common;

use aws2azure::run::Target;

#[test]
fn the_check_finds_mistyped_variables() {
    common::tf_types::self_test();
}

#[test]
fn fixture_variables_have_the_types_their_uses_need() {
    let cases = common::fixture_dirs();
    let mut findings = Vec::new();
    let mut folders = 0;
    for case in &cases {
        for to in [None, Some(Target::Terraform)] {
            let outcome = common::convert_to(&[case.as_path()], to);
            let f = common::tf_types::folders(&outcome.files);
            folders += f.len();
            findings.extend(
                common::tf_types::check(&f)
                    .into_iter()
                    .map(|x| format!("{}: {x}", case.display())),
            );
        }
    }
    assert!(folders > 20, "only {folders} Terraform folders checked");
    assert!(findings.is_empty(), "{findings:#?}");
}

/// The generated module of `tf-stand-in-types` with one stand-in's type set back to
/// `string`, as the converter used to write it: the check must reject it.
#[test]
fn a_stand_in_typed_string_but_used_as_a_list_is_found() {
    let dir = common::root().join("fixtures/tf-stand-in-types");
    let outcome = common::convert(&[dir.as_path()]);
    let mut files = outcome.files.clone();
    let (_, vars) = files
        .iter_mut()
        .find(|(p, _)| p == "variables.tf")
        .expect("variables.tf");
    let typed = "variable \"module_vpc_private_subnets\" {\n  type        = list(any)";
    assert!(vars.contains(typed), "{vars}");
    *vars = vars.replace(
        typed,
        "variable \"module_vpc_private_subnets\" {\n  type        = string",
    );
    let found = common::tf_types::check(&common::tf_types::folders(&files));
    let names: Vec<&str> = found.iter().map(|f| f.variable.as_str()).collect();
    assert!(
        names.len() >= 4 && names.iter().all(|n| *n == "module_vpc_private_subnets"),
        "{found:#?}"
    );
}
