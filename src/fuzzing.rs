//! Entry points for the fuzz targets in `fuzz/` and for `tests/fuzz_smoke.rs`: each
//! takes arbitrary bytes, runs one reader (or the whole pipeline) and panics when an
//! invariant breaks — a panic inside the library, an error without a location, a span
//! outside its file, or generated Terraform that does not parse. Not a stable API.

use std::sync::{Arc, OnceLock};

use crate::diag::{Diagnostic, render_plain};
use crate::frontend::node::{Node, NodeKind, Scalar};
use crate::frontend::terraform::expr::{Conv, Scope};
use crate::frontend::{cfn, json, terraform, yaml};
use crate::model::expr::ExprKind;
use crate::run::{self, Tables, Target};
use crate::source::{FileId, SourceMap, Span};

/// A Bicep syntax checker supplied by the caller (the library has no Bicep parser):
/// `Some(message)` when the text does not parse.
pub type BicepCheck<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The built-in tables, loaded once, and the source map that holds their files.
fn tables() -> &'static (Tables, SourceMap) {
    static T: OnceLock<(Tables, SourceMap)> = OnceLock::new();
    T.get_or_init(|| {
        let mut sources = SourceMap::default();
        let (tables, diags) = Tables::load(&mut sources, None);
        assert!(diags.iter().all(|d| !d.is_error()), "built-in tables");
        (tables, sources)
    })
}

/// More aliases than this and a YAML input is skipped: an alias bomb is a known
/// problem handled elsewhere (an expansion budget in the YAML reader).
pub const MAX_ALIASES: usize = 8;

/// Counts `*name` aliases (roughly: a `*` directly followed by an anchor character).
pub fn alias_count(text: &str) -> usize {
    let b = text.as_bytes();
    (0..b.len())
        .filter(|&i| {
            b[i] == b'*'
                && b.get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
        })
        .count()
}

fn text_of(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

fn check_span(sources: &SourceMap, s: Span, what: &str) {
    let len = sources.get(s.file).text.len() as u32;
    assert!(
        s.start <= s.end && s.end <= len,
        "{what}: span {}..{} outside its file ({len} bytes)",
        s.start,
        s.end
    );
}

/// Every error has a location inside its file (and every located diagnostic renders).
fn check_diagnostics(diags: &[Diagnostic], sources: &SourceMap, need_help: bool) {
    for (k, d) in diags.iter().enumerate() {
        if d.is_error() {
            assert!(d.span.is_some(), "error without a location: {}", d.message);
            if need_help {
                assert!(d.help.is_some(), "error without help: {}", d.message);
            }
        }
        if let Some(s) = d.span {
            check_span(sources, s, &d.message);
            for (r, _) in &d.related {
                check_span(sources, *r, &d.message);
            }
        }
        // Rendering is slow; a few are enough to exercise it.
        if k < 8 {
            let _ = render_plain(d, sources);
        }
    }
}

fn check_node(n: &Node, sources: &SourceMap, depth: usize) {
    check_span(sources, n.span, "node");
    assert!(depth <= 300, "tree deeper than the reader's limit");
    match &n.kind {
        NodeKind::Scalar(_) => {}
        NodeKind::Seq(items) => items.iter().for_each(|i| check_node(i, sources, depth + 1)),
        NodeKind::Map(entries) => {
            for (k, v) in entries {
                check_span(sources, k.span, "key");
                check_node(v, sources, depth + 1);
            }
        }
    }
}

/// One source map with the tables' files and the given inputs.
fn sources_with(files: &[(String, String)]) -> (SourceMap, Vec<FileId>) {
    let mut sources = tables().1.clone();
    let ids = files
        .iter()
        .map(|(p, t)| sources.add(p.clone(), Arc::from(t.as_str())))
        .collect();
    (sources, ids)
}

/// Does the JSON reader agree with serde_json on what serde_json accepts?
fn same_json(n: &Node, v: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (&n.kind, v) {
        (NodeKind::Scalar(Scalar::Null), Value::Null) => true,
        (NodeKind::Scalar(Scalar::Bool(a)), Value::Bool(b)) => a == b,
        (NodeKind::Scalar(Scalar::Str(a)), Value::String(b)) => a == b,
        (NodeKind::Scalar(Scalar::Number(a)), Value::Number(b)) => {
            match (a.parse::<f64>(), b.as_f64()) {
                (Ok(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
                _ => false,
            }
        }
        (NodeKind::Seq(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_json(x, y))
        }
        (NodeKind::Map(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&str> =
                a.iter().map(|(k, _)| k.name.as_str()).collect();
            keys.len() == b.len()
                && b.iter()
                    .all(|(k, y)| n.get(k).is_some_and(|x| same_json(x, y)))
        }
        _ => false,
    }
}

/// The CloudFormation JSON reader: a tree with spans inside the text, or a located
/// syntax error; valid JSON (as serde_json reads it) always parses, to the same values.
pub fn cfn_json(data: &[u8]) {
    let text = text_of(data);
    let (sources, ids) = sources_with(&[("fuzz.json".into(), text.clone())]);
    match json::parse(&text, ids[0]) {
        Ok(n) => check_node(&n, &sources, 0),
        Err(e) => assert!(e.offset <= text.len(), "error offset past the end"),
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
        let n = json::parse(&text, ids[0])
            .unwrap_or_else(|e| panic!("valid JSON rejected: {} at {}", e.message, e.offset));
        assert!(same_json(&n, &v), "JSON read differently from serde_json");
    }
    let parsed = cfn::parse(&sources, ids[0]);
    check_diagnostics(&parsed.diagnostics, &sources, false);
}

/// The YAML reader: a tree with spans inside the text, or a located syntax error;
/// a single document serde_yaml accepts also parses here.
pub fn cfn_yaml(data: &[u8]) {
    let text = text_of(data);
    if alias_count(&text) > MAX_ALIASES {
        return;
    }
    let (sources, ids) = sources_with(&[("fuzz.yaml".into(), text.clone())]);
    let file = sources.get(ids[0]);
    match yaml::parse(file, ids[0]) {
        Ok(n) => check_node(&n, &sources, 0),
        Err(e) => {
            let at = yaml::error_offset(file, &e);
            assert!(at <= text.len(), "error offset past the end");
            // serde_yaml reads a byte-order mark as a character of the first line, so its
            // keys sit one column right of where YAML puts them: compare without it.
            let accepted =
                serde_yaml::from_str::<serde_yaml::Value>(text.trim_start_matches('\u{feff}'))
                    .is_ok();
            let ours = e.message.starts_with("a mapping key must be")
                || e.message.starts_with("nesting deeper");
            assert!(
                !accepted || ours,
                "YAML that serde_yaml reads was rejected: {}",
                e.message
            );
        }
    }
    let parsed = cfn::parse(&sources, ids[0]);
    check_diagnostics(&parsed.diagnostics, &sources, false);
}

/// The input split into Terraform files at NUL bytes (at most 4); a part starting
/// with `#tfvars` is `terraform.tfvars`.
fn tf_files(data: &[u8]) -> (Vec<(String, String)>, usize) {
    let mut files = Vec::new();
    let mut tf = 0;
    for (k, part) in data.split(|&b| b == 0).take(4).enumerate() {
        let text = text_of(part);
        if text.starts_with("#tfvars") {
            files.push(("m/terraform.tfvars".to_string(), text));
        } else {
            files.insert(tf, (format!("m/f{k}.tf"), text));
            tf += 1;
        }
    }
    (files, tf)
}

/// The Terraform reader: a module of one to four files gives a model or located
/// diagnostics with help.
pub fn terraform(data: &[u8]) {
    let (files, n_tf) = tf_files(data);
    let (sources, ids) = sources_with(&files);
    let parsed =
        terraform::parse_module(&sources, &ids[..n_tf], &ids[n_tf..], "m", &tables().0.lift);
    check_diagnostics(&parsed.diagnostics, &sources, true);
    if let Some(t) = &parsed.template {
        for r in &t.resources {
            check_span(&sources, r.span, &r.id);
        }
    }
}

/// The `Fn::Sub` grammar on its own, then inside a template converted both ways.
pub fn fn_sub(data: &[u8]) {
    use crate::model::sub::{Piece, parse};
    let s = text_of(data);
    let pieces = parse(&s);
    for w in pieces.windows(2) {
        assert!(
            !matches!(w, [Piece::Lit(_), Piece::Lit(_)]),
            "two literal pieces in a row"
        );
    }
    for p in &pieces {
        match p {
            Piece::Lit(l) => assert!(!l.is_empty(), "empty literal piece"),
            Piece::Var(v) => assert!(!v.contains('}') && v.trim() == v, "variable {v:?}"),
        }
    }
    if !s.contains("${") || !s[s.find("${").unwrap_or(0)..].contains('}') {
        let want: Vec<Piece> = if s.is_empty() {
            vec![]
        } else {
            vec![Piece::Lit(s.clone())]
        };
        assert_eq!(pieces, want, "text without a closed `${{…}}` is literal");
    }
    let lit = serde_json::to_string(&s).unwrap_or_default();
    let template = format!(
        "{{\"Parameters\":{{\"Env\":{{\"Type\":\"String\"}}}},\"Resources\":{{\
         \"Q\":{{\"Type\":\"AWS::SQS::Queue\"}},\
         \"B\":{{\"Type\":\"AWS::S3::Bucket\",\"Properties\":{{\
         \"Tags\":[{{\"Key\":\"k\",\"Value\":{{\"Fn::Sub\":{lit}}}}}]}}}}}},\
         \"Outputs\":{{\"O\":{{\"Value\":{{\"Fn::Sub\":[{lit},{{\"X\":{{\"Ref\":\"Q\"}}}}]}}}}}}}}"
    );
    convert_cfn(&template, None, false);
}

/// The Terraform template grammar (`${…}` and `%{…}`): as a quoted template lowered on
/// its own, and as the text of an indented heredoc inside a module.
pub fn tf_template(data: &[u8]) {
    let text = text_of(data);
    let (sources, ids) = sources_with(&[("t.tf".into(), text.clone())]);
    if let Ok(t) = hcl_edit::parser::parse_template(&text) {
        let scope = Scope::default();
        let mut conv = Conv::new(&sources, &scope, ids[0]);
        let e = hcl_edit::expr::Expression::StringTemplate(t.into());
        let x = conv.expr(&e);
        check_diagnostics(&conv.diagnostics, &sources, false);
        x.walk(&mut |x| check_span(&sources, x.span, "template expression"));
        // A literal written back by the Terraform printer reads as the same literal.
        if let ExprKind::Str(s) = &x.kind {
            let quoted = crate::backend::terraform::hcl::quote(s);
            let back = hcl_edit::parser::parse_expr(&quoted)
                .unwrap_or_else(|e| panic!("printed string {quoted} does not parse: {e}"));
            let (src2, id2) = sources_with(&[("q.tf".into(), quoted.clone())]);
            let mut conv = Conv::new(&src2, &scope, id2[0]);
            let y = conv.expr(&back);
            assert!(
                matches!(&y.kind, ExprKind::Str(t) if t == s),
                "{s:?} printed as {quoted} reads back as {:?}",
                y.kind
            );
        }
    }
    if !text.lines().any(|l| l.trim() == "EOT") {
        let body = format!("locals {{\n  t = <<-EOT\n{text}\nEOT\n  u = \"{text}\"\n}}\n");
        terraform(body.as_bytes());
    }
}

/// Converts a CloudFormation text both ways; `bicep` checks generated Bicep; `report`
/// also builds the report (slow: the MIGRATION.md template is compiled each time).
fn convert_cfn(text: &str, bicep: Option<BicepCheck>, report: bool) {
    if alias_count(text) > MAX_ALIASES {
        return;
    }
    let name = if text.trim_start().starts_with('{') {
        "template.json"
    } else {
        "template.yaml"
    };
    let (sources, ids) = sources_with(&[(name.into(), text.to_string())]);
    let tables = &tables().0;
    let mut converted = Vec::new();
    for (target, out) in [(Target::Bicep, "t/main.bicep"), (Target::Terraform, "t")] {
        let parsed = cfn::parse(&sources, ids[0]);
        let c = run::convert_parsed(
            &sources,
            parsed,
            name.into(),
            "cloudformation",
            tables,
            out,
            target,
        );
        check_diagnostics(&c.diagnostics, &sources, false);
        check_files(&c.files, bicep);
        converted.push(c);
    }
    if report {
        check_report(converted, &sources);
    }
}

/// Converts a Terraform module (files as in [`terraform`]) both ways.
fn convert_tf(data: &[u8], bicep: Option<BicepCheck>) {
    let (files, n_tf) = tf_files(data);
    let (sources, ids) = sources_with(&files);
    let tables = &tables().0;
    let mut converted = Vec::new();
    for (target, out) in [(Target::Terraform, "m"), (Target::Bicep, "m/main.bicep")] {
        let c = run::convert_module(
            &sources,
            &ids[..n_tf],
            &ids[n_tf..],
            "m",
            None,
            tables,
            out,
            target,
            &Default::default(),
        );
        check_diagnostics(&c.diagnostics, &sources, true);
        check_files(&c.files, bicep);
        converted.push(c);
    }
    check_report(converted, &sources);
}

fn check_files(files: &[(String, String)], bicep: Option<BicepCheck>) {
    for (path, text) in files {
        if path.ends_with(".tf") || path.ends_with(".tfvars") {
            if let Err(e) = hcl_edit::parser::parse_body(text) {
                panic!("generated {path} does not parse: {e}\n{text}");
            }
        } else if path.ends_with(".bicep")
            && let Some(check) = bicep
            && let Some(e) = check(text)
        {
            panic!("generated {path} does not parse: {e}\n{text}");
        }
    }
}

fn check_report(converted: Vec<run::Converted>, sources: &SourceMap) {
    let diags: Vec<Diagnostic> = converted
        .iter()
        .flat_map(|c| c.diagnostics.iter().cloned())
        .collect();
    let report = run::build_report(converted, &diags, sources, 0);
    let _ = report.to_markdown();
    let json = report.to_json();
    assert!(
        serde_json::from_str::<serde_json::Value>(&json).is_ok(),
        "migration-report.json is not JSON"
    );
}

/// The whole pipeline: the bytes as a CloudFormation template and as a Terraform
/// module, each converted to Bicep and to Terraform, with the report.
pub fn pipeline(data: &[u8], bicep: Option<BicepCheck>) {
    convert_cfn(&text_of(data), bicep, true);
    convert_tf(data, bicep);
}
