//! Nested stacks: the parent's module calls match the converted children (every
//! parameter passed exists in the child, every required one is passed, every output
//! read exists), in Bicep and in Terraform; cycles and unresolved locations stay
//! manual with a decision, and never hang.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use aws2azure::run::{Outcome, Target};

fn files(o: &Outcome) -> BTreeMap<String, String> {
    o.files.iter().cloned().collect()
}

/// `a/b` + `../c/d` → `a/c/d` (paths relative to OUT).
fn join(dir: &str, rel: &str) -> String {
    let mut segs: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for s in rel.split('/') {
        match s {
            "" | "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    segs.join("/")
}

fn ident_after<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.match_indices(prefix)
        .map(|(at, _)| {
            let rest = &text[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

/// Bicep `module sym 'path' = {… params: {…}}`: (symbol, path, parameter names).
fn bicep_modules(text: &str) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        let Some(rest) = l.strip_prefix("module ") else {
            continue;
        };
        let sym = rest.split(' ').next().unwrap().to_string();
        let path = rest.split('\'').nth(1).unwrap().to_string();
        let mut params = Vec::new();
        for b in lines.by_ref() {
            if b == "}" {
                break;
            }
            if let Some(p) = b.strip_prefix("    ")
                && !p.starts_with(' ')
                && let Some((k, _)) = p.split_once(':')
            {
                params.push(k.to_string());
            }
        }
        out.push((sym, path, params));
    }
    out
}

/// A Bicep file's parameters (name, required).
fn bicep_params(text: &str) -> Vec<(String, bool)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("param "))
        .map(|l| {
            let name = l.split(' ').next().unwrap().to_string();
            (name, !l.contains(" = "))
        })
        .collect()
}

#[test]
fn bicep_module_calls_match_their_children() {
    let dir = common::root().join("fixtures/nested-stacks");
    let o = common::convert(&[dir.as_path()]);
    assert_eq!(o.exit_code, 0);
    let f = files(&o);
    let parent = &f["template/main.bicep"];
    let modules = bicep_modules(parent);
    assert_eq!(modules.len(), 2, "{parent}");
    for (sym, path, passed) in &modules {
        let child_path = join("template", path);
        let child = f
            .get(&child_path)
            .unwrap_or_else(|| panic!("{sym}: no file {child_path}"));
        let params = bicep_params(child);
        for p in passed {
            assert!(
                params.iter().any(|(n, _)| n == p),
                "{sym} passes {p}, which {child_path} does not declare"
            );
        }
        for (n, required) in &params {
            assert!(
                !required || passed.contains(n),
                "{sym} does not pass the required {n} of {child_path}"
            );
        }
        let outputs: Vec<&str> = child
            .lines()
            .filter_map(|l| l.strip_prefix("output "))
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        for read in ident_after(parent, &format!("{sym}.outputs.")) {
            assert!(
                outputs.contains(&read),
                "{sym}.outputs.{read} is not an output of {child_path}"
            );
        }
    }
    // The parameter the converted child no longer has is not passed.
    assert!(!parent.contains("keyName"));
    let report = o.report.unwrap();
    let data = report
        .decisions
        .iter()
        .find(|d| d.id == "nested-stack-module:template.yaml#Data")
        .expect("the Data decision");
    assert!(data.context.contains("matched by name"), "{}", data.context);
}

#[test]
fn terraform_module_calls_match_their_children() {
    let dir = common::root().join("fixtures/nested-stacks");
    let o = common::convert_to(&[dir.as_path()], Some(Target::Terraform));
    assert_eq!(o.exit_code, 0);
    let f = files(&o);
    let parent = &f["template/main.tf"];
    let mut calls = 0;
    let mut lines = parent.lines();
    while let Some(l) = lines.next() {
        let Some(rest) = l.strip_prefix("module \"") else {
            continue;
        };
        calls += 1;
        let name = rest.split('"').next().unwrap().to_string();
        let mut source = String::new();
        let mut passed = Vec::new();
        for b in lines.by_ref() {
            if b == "}" {
                break;
            }
            if let Some((k, v)) = b.trim().split_once(" = ") {
                let k = k.trim();
                if k == "source" {
                    source = v.trim_matches('"').to_string();
                } else if !["depends_on", "count", "for_each", "providers"].contains(&k) {
                    // Meta-arguments are Terraform's, not the child's inputs.
                    passed.push(k.to_string());
                }
            }
        }
        let child = join("template", &source);
        let vars = &f[&format!("{child}/variables.tf")];
        let mut declared = Vec::new();
        let mut var_lines = vars.lines();
        while let Some(v) = var_lines.next() {
            if let Some(rest) = v.strip_prefix("variable \"") {
                let n = rest.split('"').next().unwrap().to_string();
                let mut has_default = false;
                for b in var_lines.by_ref() {
                    if b == "}" {
                        break;
                    }
                    has_default |= b.trim_start().starts_with("default");
                }
                declared.push((n, !has_default));
            }
        }
        for p in &passed {
            assert!(
                declared.iter().any(|(n, _)| n == p),
                "module {name} sets {p}, which {child} does not declare"
            );
        }
        for (n, required) in &declared {
            assert!(
                !required || passed.contains(n),
                "module {name} does not set the required {n} of {child}"
            );
        }
        let outputs = &f[&format!("{child}/outputs.tf")];
        for read in parent
            .lines()
            .chain(f["template/outputs.tf"].lines())
            .flat_map(|l| ident_after(l, &format!("module.{name}.")))
        {
            assert!(
                outputs.contains(&format!("output \"{read}\"")),
                "module.{name}.{read} is not an output of {child}"
            );
        }
    }
    assert_eq!(calls, 2);
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn stack(id: &str, url: &str) -> String {
    format!(
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  {id}:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: {url}\n  Queue:\n    Type: AWS::SQS::Queue\nOutputs:\n  QueueName:\n    Value: !GetAtt Queue.QueueName\n"
    )
}

#[test]
fn cycles_and_unresolved_locations_stay_manual() {
    let tmp = std::env::temp_dir().join(format!("aws2azure-nested-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    write(&tmp, "a.yaml", &stack("B", "./b.yaml"));
    write(&tmp, "b.yaml", &stack("A", "./a.yaml"));
    write(&tmp, "self.yaml", &stack("Me", "self.yaml"));
    write(
        &tmp,
        "ssm.yaml",
        &stack("P", "'{{resolve:ssm:/templates/p}}'"),
    );
    write(&tmp, "up.yaml", &stack("U", "../elsewhere/u.yaml"));
    write(
        &tmp,
        "url.yaml",
        &stack("N", "https://b.s3.amazonaws.com/x/none.yaml"),
    );
    let o = common::convert(&[tmp.as_path()]);
    let _ = std::fs::remove_dir_all(&tmp);
    assert_eq!(o.exit_code, 0);
    let f = files(&o);
    let report = o.report.unwrap();
    let manual = |id: &str| {
        report
            .decisions
            .iter()
            .find(|d| d.id == id)
            .unwrap_or_else(|| panic!("no decision {id}"))
            .context
            .clone()
    };
    // The cycle is broken once: a.yaml's link; b.yaml calls the converted a.yaml.
    assert!(manual("nested-stack-manual:a.yaml#B").contains("cycle"));
    assert!(
        report
            .decisions
            .iter()
            .any(|d| d.id == "nested-stack-module:b.yaml#A")
    );
    assert!(manual("nested-stack-manual:self.yaml#Me").contains("cycle"));
    assert!(manual("nested-stack-manual:ssm.yaml#P").contains("at deployment"));
    assert!(manual("nested-stack-manual:up.yaml#U").contains("outside the converted folder"));
    assert!(manual("nested-stack-manual:url.yaml#N").contains("no template of this run"));
    assert!(f["b/main.bicep"].contains("module a '../a/main.bicep'"));
}
