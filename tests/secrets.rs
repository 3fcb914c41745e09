//! Literal secrets of the input never reach the output. For every fixture and every
//! input of `../shared/corpus` (skipped with a notice when absent), the secret values
//! are collected from the input files as written (properties, environment variables,
//! module inputs and locals named like credentials, Secrets Manager values, defaults and
//! `terraform.tfvars` values of secret variables); the inputs that have any are
//! converted in memory into Bicep and into Terraform, and no generated file (the
//! report included) may contain one.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aws2azure::mapping::secrets::{is_secret_name, is_secret_text};
use aws2azure::run::Target;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Body, Structure};
use serde_yaml::Value;

/// Values shorter than this are too likely to occur in the output for other reasons.
const MIN_LEN: usize = 6;

/// A placeholder rather than a secret: one plain word (`String`, `KeyValue`,
/// `changeme`), which other text of the output may well contain.
fn placeholder(v: &str) -> bool {
    v.len() <= 10 && v.chars().all(|c| c.is_ascii_alphabetic())
}

fn keep(v: &str, out: &mut Vec<String>) {
    let v = v.trim();
    if v.chars().count() >= MIN_LEN
        && !placeholder(v)
        && is_secret_text(v)
        && !v.contains("{{resolve:")
        && !v.contains("${")
    {
        out.push(v.to_string());
    }
}

/// A literal string or number (a `!Sub` without variables counts), never an intrinsic.
fn yaml_literal(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Tagged(t) if t.tag == "!Sub" => match &t.value {
            Value::String(s) if !s.contains("${") => Some(s.clone()),
            _ => None,
        },
        Value::Mapping(m) if m.len() == 1 => match m.iter().next() {
            Some((Value::String(k), Value::String(s))) if k == "Fn::Sub" && !s.contains("${") => {
                Some(s.clone())
            }
            _ => None,
        },
        _ => None,
    }
}

fn is_intrinsic(m: &serde_yaml::Mapping) -> bool {
    m.len() == 1
        && m.keys()
            .next()
            .and_then(|k| k.as_str())
            .is_some_and(|k| k == "Ref" || k.starts_with("Fn::"))
}

/// Values under secret names, anywhere below `v` (intrinsic functions are not entered).
fn yaml_walk(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Mapping(m) if !is_intrinsic(m) => {
            let pair = m
                .iter()
                .find(|(k, _)| matches!(k.as_str(), Some("Name" | "name" | "OptionName")))
                .and_then(|(_, n)| n.as_str())
                .filter(|n| is_secret_name(n));
            for (k, x) in m {
                let Some(k) = k.as_str() else { continue };
                let secret =
                    is_secret_name(k) || (pair.is_some() && (k == "Value" || k == "value"));
                match yaml_literal(x) {
                    Some(s) if secret => keep(&s, out),
                    _ => yaml_walk(x, out),
                }
            }
        }
        Value::Sequence(s) => s.iter().for_each(|x| yaml_walk(x, out)),
        _ => {}
    }
}

/// The literal secrets of a CloudFormation template.
fn cfn_secrets(text: &str) -> Vec<String> {
    let doc: Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(_) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(j) => serde_yaml::to_value(j).unwrap_or(Value::Null),
            Err(_) => return Vec::new(),
        },
    };
    let mut out = Vec::new();
    if let Some(res) = doc.get("Resources").and_then(|r| r.as_mapping()) {
        for (_, r) in res {
            let ty = r.get("Type").and_then(|t| t.as_str()).unwrap_or_default();
            let Some(props) = r.get("Properties") else {
                continue;
            };
            let own = match ty {
                "AWS::SecretsManager::Secret" => Some("SecretString"),
                "AWS::ApiGateway::ApiKey" => Some("Value"),
                "AWS::SSM::Parameter"
                    if props.get("Type").and_then(|t| t.as_str()) == Some("SecureString") =>
                {
                    Some("Value")
                }
                _ => None,
            };
            if let Some(s) = own.and_then(|k| props.get(k)).and_then(yaml_literal) {
                keep(&s, &mut out);
            }
            yaml_walk(props, &mut out);
        }
    }
    if let Some(g) = doc.get("Globals") {
        yaml_walk(g, &mut out);
    }
    if let Some(params) = doc.get("Parameters").and_then(|p| p.as_mapping()) {
        for (name, p) in params {
            let name = name.as_str().unwrap_or_default();
            let no_echo = p
                .get("NoEcho")
                .is_some_and(|n| n.as_bool() == Some(true) || n.as_str() == Some("true"));
            let string = p
                .get("Type")
                .and_then(|t| t.as_str())
                .is_none_or(|t| t == "String");
            if (no_echo || (string && is_secret_name(name)))
                && let Some(d) = p.get("Default").and_then(yaml_literal)
            {
                keep(&d, &mut out);
            }
        }
    }
    out
}

/// A string written out in HCL (no interpolation).
fn hcl_literal(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().to_string()),
        Expression::Number(n) => Some(n.value().to_string()),
        _ => None,
    }
}

fn hcl_walk(e: &Expression, out: &mut Vec<String>) {
    match e {
        Expression::Object(o) => {
            let pair = o
                .iter()
                .find(|(k, _)| key_name(k).as_deref() == Some("name"))
                .and_then(|(_, v)| hcl_literal(v.expr()))
                .filter(|n| is_secret_name(n));
            for (k, v) in o.iter() {
                let name = key_name(k).unwrap_or_default();
                let secret = is_secret_name(&name) || (pair.is_some() && name == "value");
                match hcl_literal(v.expr()) {
                    Some(s) if secret => keep(&s, out),
                    _ => hcl_walk(v.expr(), out),
                }
            }
        }
        Expression::Array(a) => a.iter().for_each(|x| hcl_walk(x, out)),
        Expression::FuncCall(f) => f.args.iter().for_each(|x| hcl_walk(x, out)),
        Expression::Parenthesis(p) => hcl_walk(p.inner(), out),
        _ => {}
    }
}

fn key_name(k: &ObjectKey) -> Option<String> {
    match k {
        ObjectKey::Ident(i) => Some(i.value().to_string()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.value().to_string()),
        _ => None,
    }
}

/// Attributes under secret names in a block body, and in its nested blocks.
fn hcl_body(b: &Body, out: &mut Vec<String>) {
    let pair = b
        .get_attribute("name")
        .and_then(|a| hcl_literal(&a.value))
        .filter(|n| is_secret_name(n));
    for s in b.iter() {
        match s {
            Structure::Attribute(a) => {
                let k = a.key.value().as_str();
                let secret = is_secret_name(k) || (pair.is_some() && k == "value");
                match hcl_literal(&a.value) {
                    Some(v) if secret => keep(&v, out),
                    _ => hcl_walk(&a.value, out),
                }
            }
            Structure::Block(inner) => hcl_body(&inner.body, out),
        }
    }
}

/// The literal secrets of a Terraform module folder (its `.tf` and `.tfvars` files).
fn tf_secrets(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let mut out = Vec::new();
    let mut secret_vars = Vec::new();
    for f in files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
    {
        let Ok(body) = hcl_edit::parser::parse_body(&read(f)) else {
            continue;
        };
        for b in body.blocks() {
            let label = |i: usize| {
                b.labels.get(i).map(|l| match l {
                    hcl_edit::structure::BlockLabel::String(s) => s.value().to_string(),
                    hcl_edit::structure::BlockLabel::Ident(i) => i.value().to_string(),
                })
            };
            match b.ident.value().as_str() {
                "resource" | "module" | "locals" | "provider" => hcl_body(&b.body, &mut out),
                "variable" => {
                    let name = label(0).unwrap_or_default();
                    let sensitive = matches!(
                        b.body.get_attribute("sensitive").map(|a| &a.value),
                        Some(Expression::Bool(v)) if *v.value()
                    );
                    let ty = b
                        .body
                        .get_attribute("type")
                        .map(|a| a.value.to_string().trim().to_string());
                    let string = ty.as_deref().is_none_or(|t| t == "string");
                    if sensitive || (string && is_secret_name(&name)) {
                        if let Some(d) = b
                            .body
                            .get_attribute("default")
                            .and_then(|a| hcl_literal(&a.value))
                        {
                            keep(&d, &mut out);
                        }
                        secret_vars.push(name);
                    }
                }
                _ => {}
            }
        }
    }
    for f in files.iter().filter(|p| {
        let n = p.file_name().unwrap_or_default().to_string_lossy();
        n == "terraform.tfvars" || n.ends_with(".auto.tfvars")
    }) {
        let Ok(body) = hcl_edit::parser::parse_body(&read(f)) else {
            continue;
        };
        for a in body.attributes() {
            if secret_vars.iter().any(|v| v == a.key.value().as_str())
                && let Some(v) = hcl_literal(&a.value)
            {
                keep(&v, &mut out);
            }
        }
    }
    out
}

/// Every input under `root`: CloudFormation files and Terraform module folders, with
/// their literal secrets.
fn inputs(root: &Path, found: &mut Vec<(PathBuf, Vec<String>)>, scanned: &mut usize) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    let mut module = false;
    for p in &entries {
        let name = p
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if p.is_dir() {
            if !name.starts_with('.') && name != "node_modules" {
                inputs(p, found, scanned);
            }
            continue;
        }
        let ext = p.extension().and_then(|x| x.to_str()).unwrap_or_default();
        match ext {
            "tf" => module = true,
            "yaml" | "yml" | "json" | "template" => {
                let text =
                    String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
                if !text.contains("AWS::") && !text.contains("AWSTemplateFormatVersion") {
                    continue;
                }
                *scanned += 1;
                let s = cfn_secrets(&text);
                if !s.is_empty() {
                    found.push((p.clone(), s));
                }
            }
            _ => {}
        }
    }
    if module {
        *scanned += 1;
        let s = tf_secrets(root);
        if !s.is_empty() {
            found.push((root.to_path_buf(), s));
        }
    }
}

/// Converts the inputs that hold secrets, into both languages; returns the leaks.
fn leaks(found: &[(PathBuf, Vec<String>)]) -> Vec<String> {
    let mut leaks = Vec::new();
    if found.is_empty() {
        return leaks;
    }
    let paths: Vec<&Path> = found.iter().map(|(p, _)| p.as_path()).collect();
    let mut values: BTreeMap<&str, &Path> = BTreeMap::new();
    for (p, vs) in found {
        for v in vs {
            values.entry(v.as_str()).or_insert(p.as_path());
        }
    }
    for target in [Target::Bicep, Target::Terraform] {
        let outcome = common::convert_to(&paths, Some(target));
        assert!(
            outcome.files.iter().any(|(p, _)| p == "MIGRATION.md"),
            "no report converting to {target:?}"
        );
        let rendered = outcome.rendered(false).join("\n");
        let all = outcome
            .files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .chain([("(diagnostics)", rendered.as_str())]);
        for (path, text) in all {
            for (v, from) in &values {
                if text.contains(v) {
                    let shown: String = v.chars().take(3).collect();
                    leaks.push(format!(
                        "{target:?}: {path} holds the secret `{shown}…` of {}",
                        from.display()
                    ));
                }
            }
        }
    }
    leaks
}

#[test]
fn literal_secrets_of_fixtures_never_reach_the_output() {
    let mut found = Vec::new();
    let mut scanned = 0;
    inputs(&common::root().join("fixtures"), &mut found, &mut scanned);
    let n: usize = found.iter().map(|(_, v)| v.len()).sum();
    eprintln!(
        "fixtures: {scanned} inputs scanned, {} with literal secrets, {n} secret values checked",
        found.len()
    );
    // The fixtures written for this must be found, or the test checks nothing.
    for case in ["secrets-literal", "tf-secrets-sensitive"] {
        assert!(
            found
                .iter()
                .any(|(p, _)| p.to_string_lossy().contains(case)),
            "no secret found in fixtures/{case}"
        );
    }
    let leaks = leaks(&found);
    assert!(
        leaks.is_empty(),
        "{} leak(s):\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

#[test]
fn literal_secrets_of_the_corpus_never_reach_the_output() {
    let Some(root) = common::corpus() else {
        eprintln!("notice: ../shared/corpus not found; corpus secrets test skipped");
        return;
    };
    let mut found = Vec::new();
    let mut scanned = 0;
    inputs(&root, &mut found, &mut scanned);
    let n: usize = found.iter().map(|(_, v)| v.len()).sum();
    eprintln!(
        "corpus: {scanned} inputs scanned, {} with literal secrets, {n} secret values checked",
        found.len()
    );
    let leaks = leaks(&found);
    assert!(
        leaks.is_empty(),
        "{} leak(s):\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
