//! One fixture folder = one test case: `fixtures/<case>/template.{yaml,json}` or a
//! Terraform module (`*.tf`) beside its snapshots. Cases named `error-*` or
//! `tf-error-*` must fail with a diagnostic; every other case must convert without
//! an error, like for like and into the other language. Invariants run on every case.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use aws2azure::run::Target;

/// Snapshot name of a generated file: the unit's own folder is dropped
/// (`template/main.tf` → `main.tf`), deeper folders are kept (`modules__storage__main.tf`).
fn snapshot_name(path: &str, unit_dir: &str) -> String {
    let rel = if unit_dir.is_empty() {
        path
    } else {
        path.strip_prefix(&format!("{unit_dir}/")).unwrap_or(path)
    };
    rel.replace('/', "__")
}

fn is_code(path: &str) -> bool {
    path.ends_with(".bicep")
        || path.ends_with(".tf")
        || path.ends_with(".tfvars")
        || path.ends_with(".bicepparam")
        // State machine definitions kept beside the output for the rewrite.
        || path.ends_with(".asl.json")
}

/// Checks and snapshots the other language's output of a case; adds the snapshot
/// names it asserted to `snaps`.
fn run_other(dir: &Path, name: &str, terraform_input: bool, snaps: &mut BTreeSet<String>) {
    let target = if terraform_input {
        Target::Bicep
    } else {
        Target::Terraform
    };
    let outcome = common::convert_to(&[dir], Some(target));
    let errors: Vec<&str> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: errors converting to {target:?}: {errors:#?}"
    );
    let unit_dir = unit_dir(&outcome, terraform_input);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (path, text) in &outcome.files {
            if is_code(path) {
                if path.ends_with(".bicep")
                    && let Some(e) = common::bicep_syntax_error(text)
                {
                    panic!("{name}: {path} is not valid Bicep: {e}\n{text}");
                }
                let snap = snapshot_name(path, &unit_dir);
                snaps.insert(snap.clone());
                insta::assert_snapshot!(snap, text);
            }
        }
    });
}

/// The folder a CloudFormation case's output goes to (`template`); none for Terraform.
fn unit_dir(outcome: &aws2azure::run::Outcome, terraform_input: bool) -> String {
    if terraform_input {
        return String::new();
    }
    outcome
        .files
        .iter()
        .find(|(p, _)| is_code(p))
        .and_then(|(p, _)| p.split_once('/').map(|(d, _)| d.to_string()))
        .unwrap_or_default()
}

/// Runs one case; returns the names of the snapshots it asserted.
fn run_case(dir: &Path) -> BTreeSet<String> {
    let mut snaps = BTreeSet::new();
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let terraform_input = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .any(|e| e.path().extension().is_some_and(|x| x == "tf"));
    let outcome = common::convert(&[dir]);
    let report = outcome.report.as_ref().expect("a report");
    let rendered: Vec<String> = outcome.rendered(false);
    let errors = outcome.diagnostics.iter().filter(|d| d.is_error()).count();
    // The schema gate trips on no fixture (see run_other for the other language).
    assert!(
        !outcome
            .diagnostics
            .iter()
            .any(|d| d.code.id == "map::schema" || d.code.id == "map::unchecked-type"),
        "{name}: the schema check tripped"
    );
    let error_case = name.starts_with("error-") || name.starts_with("tf-error-");
    if error_case {
        assert!(errors > 0, "{name}: expected an error diagnostic");
        assert_eq!(outcome.exit_code, 1, "{name}: errors exit 1");
        for d in outcome.diagnostics.iter().filter(|d| d.is_error()) {
            assert!(
                d.span.is_some(),
                "{name}: error without a location: {}",
                d.message
            );
            assert!(
                d.help.is_some(),
                "{name}: error without help: {}",
                d.message
            );
        }
    } else {
        assert_eq!(
            errors,
            0,
            "{name}: unexpected errors:\n{}",
            rendered.join("\n")
        );
        assert_eq!(outcome.exit_code, 0);
    }
    // Invariants on every case: each Bicep file parses; each resource is in the report once.
    for (path, text) in &outcome.files {
        if path.ends_with(".bicep")
            && let Some(e) = common::bicep_syntax_error(text)
        {
            panic!("{name}: {path} is not valid Bicep: {e}\n{text}");
        }
    }
    for s in &report.stacks {
        let mut ids: Vec<&str> = s.resources.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len(), "{name}: a resource is listed twice");
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let unit = unit_dir(&outcome, terraform_input);
    settings.bind(|| {
        for (path, text) in &outcome.files {
            if is_code(path) {
                let snap = snapshot_name(path, &unit);
                snaps.insert(snap.clone());
                insta::assert_snapshot!(snap, text);
            }
        }
        let md = outcome
            .files
            .iter()
            .find(|(p, _)| p == "MIGRATION.md")
            .map(|(_, t)| t.as_str())
            .unwrap_or("");
        snaps.insert("MIGRATION.md".into());
        insta::assert_snapshot!("MIGRATION.md", md);
        if !rendered.is_empty() {
            snaps.insert("diagnostics".into());
            insta::assert_snapshot!("diagnostics", rendered.join("\n"));
        }
        // Repositories (several inputs, a project file): the decision records and the
        // pull-request summary of a first conversion too.
        if is_repository(dir) && !error_case {
            snaps.insert("decisions".into());
            insta::assert_snapshot!("decisions", records(&outcome.files));
            let changes =
                aws2azure::commands::review::compare(&dir.join("no-such-out"), &outcome.files);
            let errors = aws2azure::commands::review::error_lines(report);
            let summary =
                aws2azure::commands::review::summary(report, None, &changes, &errors, false);
            snaps.insert("summary".into());
            insta::assert_snapshot!("summary", summary);
        }
    });
    if !error_case {
        run_other(dir, &name, terraform_input, &mut snaps);
    }
    snaps
}

/// A case with more than one input file (nested stacks, parameter files, modules, a
/// project file).
fn is_repository(dir: &Path) -> bool {
    fn count(d: &Path) -> usize {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| {
                let p = e.path();
                if p.is_dir() {
                    count(&p)
                } else {
                    usize::from(p.extension().is_none_or(|x| x != "snap"))
                }
            })
            .sum()
    }
    count(dir) > 1
}

/// The decision records of a run (`decisions/NNNN-slug.md`), one after the other.
fn records(files: &[(String, String)]) -> String {
    let mut records: Vec<&(String, String)> = files
        .iter()
        .filter(|(p, _)| p.starts_with("decisions/"))
        .collect();
    records.sort();
    let mut text = String::new();
    for (path, body) in records {
        text.push_str(&format!("=== {path}\n{body}\n"));
    }
    text
}

/// `.snap` files in a case folder that no assertion of the case read: stale output
/// that reviewers would take for the real thing.
fn unreferenced(dir: &Path, snaps: &BTreeSet<String>) -> Vec<String> {
    let mut stale: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|f| {
            f.strip_suffix(".snap")
                .is_some_and(|name| !snaps.contains(name))
        })
        .collect();
    stale.sort();
    stale
}

#[test]
fn fixtures() {
    let cases = common::fixture_dirs();
    assert!(cases.len() >= 50, "fixture folders missing");
    let mut failures = Vec::new();
    for case in &cases {
        let result = std::panic::catch_unwind(|| run_case(case));
        if let Ok(snaps) = &result {
            let stale = unreferenced(case, snaps);
            if !stale.is_empty() {
                failures.push(format!(
                    "{}: snapshots no test reads (delete them): {}",
                    case.display(),
                    stale.join(", ")
                ));
            }
        }
        if let Err(e) = result {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!(
                "{}: {}",
                case.display(),
                msg.lines().take(15).collect::<Vec<_>>().join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
