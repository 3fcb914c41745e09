//! The Azure model does not depend on the back end: every fixture is mapped once and
//! that one model is printed as Bicep and as Terraform; each must equal what a run
//! with `--to bicep` or `--to terraform` writes.

mod common;

use std::path::Path;
use std::sync::Arc;

use aws2azure::frontend::{cfn, terraform};
use aws2azure::run::{Converted, Tables, Target, convert_file, convert_module, print_both};
use aws2azure::source::{FileId, SourceMap};

/// The files of a case: CloudFormation templates, or a Terraform module's `.tf` and
/// `.tfvars` files (its own folder only).
enum Case {
    Template(FileId),
    Module(Vec<FileId>, Vec<FileId>),
}

fn load(sources: &mut SourceMap, dir: &Path, name: &str) -> Vec<Case> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    let mut add = |p: &Path| {
        let text = std::fs::read_to_string(p).unwrap();
        let file = p.file_name().unwrap().to_string_lossy().to_string();
        sources.add(format!("{name}/{file}"), Arc::from(text.as_str()))
    };
    let ext = |p: &Path, e: &str| p.extension().is_some_and(|x| x == e);
    let tf: Vec<&std::path::PathBuf> = entries.iter().filter(|p| ext(p, "tf")).collect();
    if !tf.is_empty() {
        let tf_ids = tf.iter().map(|p| add(p)).collect();
        let vars = entries.iter().filter(|p| ext(p, "tfvars")).map(|p| add(p));
        return vec![Case::Module(tf_ids, vars.collect())];
    }
    entries
        .iter()
        .filter(|p| {
            p.file_stem().is_some_and(|s| s == "template")
                && (ext(p, "yaml") || ext(p, "yml") || ext(p, "json"))
        })
        .map(|p| Case::Template(add(p)))
        .collect()
}

/// The Bicep or Terraform files of a run (not the files kept beside them, such as a
/// state machine's ASL definition).
fn code(c: &Converted) -> Vec<(String, String)> {
    c.files
        .iter()
        // Side files: ASL definitions, the Bicep modules that deploy children of existing
        // parents at another scope (`modules/*.bicep`), and data written beside the output
        // (S3 object contents, table items).
        .filter(|(p, _)| !p.ends_with(".asl.json"))
        .filter(|(p, _)| !(p.ends_with(".bicep") && p.contains("modules/")))
        .filter(|(p, _)| !p.split('/').any(|s| s == "blobs" || s == "items"))
        .map(|(p, t)| (p.rsplit('/').next().unwrap_or(p).to_string(), t.clone()))
        .collect()
}

#[test]
fn one_model_prints_as_both_languages() {
    let mut sources = SourceMap::default();
    let (tables, _) = Tables::load(&mut sources, None);
    let root = common::root().join("fixtures");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut compared = 0;
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if name.contains("error") {
            continue;
        }
        for case in load(&mut sources, &dir, &name) {
            let (parsed, bicep_run, tf_run) = match &case {
                Case::Template(id) => (
                    cfn::parse(&sources, *id),
                    convert_file(&sources, *id, &tables, "main.bicep"),
                    convert_template_to_terraform(&sources, *id, &tables),
                ),
                Case::Module(tf, vars) => {
                    let module = |target| {
                        convert_module(
                            &sources,
                            tf,
                            vars,
                            "",
                            None,
                            &tables,
                            "",
                            target,
                            &Default::default(),
                        )
                    };
                    (
                        terraform::parse_module(&sources, tf, vars, "", &tables.lift),
                        module(Target::Bicep),
                        module(Target::Terraform),
                    )
                }
            };
            let Some((bicep, tf_files)) = print_both(&sources, parsed, &tables) else {
                panic!("{name}: did not map");
            };
            let bicep_files = code(&bicep_run);
            assert_eq!(bicep_files.len(), 1, "{name}: one Bicep file");
            assert_eq!(
                bicep, bicep_files[0].1,
                "{name}: Bicep from the shared model differs from a --to bicep run"
            );
            let tf_expected = code(&tf_run);
            let names: Vec<&str> = tf_files.iter().map(|(n, _)| n.as_str()).collect();
            let expected_names: Vec<&str> = tf_expected.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(names, expected_names, "{name}: Terraform files");
            for ((n, text), (_, want)) in tf_files.iter().zip(&tf_expected) {
                assert_eq!(
                    text, want,
                    "{name}: {n} from the shared model differs from a --to terraform run"
                );
            }
            compared += 1;
        }
    }
    assert!(compared > 60, "only {compared} fixtures compared");
}

/// A template converted `--to terraform` (files relative to the module folder).
fn convert_template_to_terraform(sources: &SourceMap, id: FileId, tables: &Tables) -> Converted {
    let parsed = cfn::parse(sources, id);
    let source = sources.get(id).path.clone();
    aws2azure::run::convert_parsed(
        sources,
        parsed,
        source,
        "cloudformation",
        tables,
        "",
        Target::Terraform,
    )
}
