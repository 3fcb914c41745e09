//! No input makes the converter panic: every fixture cut short at many points
//! and with characters replaced by YAML/JSON punctuation still yields either a
//! conversion or diagnostics with a location.

mod common;

use std::sync::Arc;

use aws2azure::run::Tables;
use aws2azure::run::{Target, convert_file, convert_module};
use aws2azure::source::SourceMap;

fn variants(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    let n = bounds.len();
    for k in 1..24 {
        let cut = bounds[n * k / 24];
        out.push(text[..cut].to_string());
    }
    // Every number made huge: arithmetic on user values must not overflow.
    let mut huge = String::new();
    let mut in_digits = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                huge.push_str("9223372036854775807");
            }
            in_digits = true;
        } else {
            in_digits = false;
            huge.push(c);
        }
    }
    out.push(huge);
    for (k, junk) in [
        "{", "[", ":", "!", "\"", "'", "- ", "\t", "${", "}}", "=", "<<EOT\n", "%{", "[*]",
    ]
    .iter()
    .enumerate()
    {
        let at = bounds[(n * (k + 1) * 7 / 80).min(n - 1)];
        let mut t = text.to_string();
        t.insert_str(at, junk);
        out.push(t);
    }
    out
}

#[test]
fn mangled_fixtures_never_panic() {
    let mut sources = SourceMap::default();
    let (tables, _) = Tables::load(&mut sources, None);
    let root = common::root().join("fixtures");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    let mut runs = 0;
    for case in cases {
        for name in ["template.yaml", "template.json"] {
            let Ok(text) = std::fs::read_to_string(case.join(name)) else {
                continue;
            };
            for (k, v) in variants(&text).into_iter().enumerate() {
                let path = format!("{}#{k}/{name}", case.file_name().unwrap().to_string_lossy());
                let id = sources.add(path.clone(), Arc::from(v.as_str()));
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    convert_file(&sources, id, &tables, "main.bicep")
                }));
                let c = r.unwrap_or_else(|_| panic!("panicked on {path}:\n{v}"));
                for d in c.diagnostics.iter().filter(|d| d.is_error()) {
                    assert!(
                        d.span.is_some(),
                        "{path}: error without location: {}",
                        d.message
                    );
                }
                if let Some(b) = &c.bicep {
                    assert!(
                        common::bicep_syntax_error(b).is_none(),
                        "{path}: invalid Bicep\n{b}"
                    );
                }
                runs += 1;
            }
        }
    }
    assert!(runs > 1000, "only {runs} variants ran");
}

#[test]
fn mangled_terraform_modules_never_panic() {
    let mut sources = SourceMap::default();
    let (tables, _) = Tables::load(&mut sources, None);
    let root = common::root().join("fixtures");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("tf-"))
        })
        .collect();
    cases.sort();
    let mut runs = 0;
    for case in cases {
        let Some(main) = std::fs::read_to_string(case.join("main.tf")).ok() else {
            continue;
        };
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        for (k, v) in variants(&main).into_iter().enumerate() {
            let path = format!("{name}#{k}/main.tf");
            let id = sources.add(path.clone(), Arc::from(v.as_str()));
            for target in [Target::Terraform, Target::Bicep] {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    convert_module(
                        &sources,
                        &[id],
                        &[],
                        &name,
                        None,
                        &tables,
                        &name,
                        target,
                        &Default::default(),
                    )
                }));
                let c = r.unwrap_or_else(|_| panic!("panicked on {path}:\n{v}"));
                for d in c.diagnostics.iter().filter(|d| d.is_error()) {
                    assert!(
                        d.span.is_some(),
                        "{path}: error without location: {}",
                        d.message
                    );
                    assert!(
                        d.help.is_some(),
                        "{path}: error without help: {}",
                        d.message
                    );
                }
                if let Some(b) = c.files.iter().find(|(p, _)| p.ends_with(".bicep")) {
                    assert!(
                        common::bicep_syntax_error(&b.1).is_none(),
                        "{path}: invalid Bicep\n{}",
                        b.1
                    );
                }
                runs += 1;
            }
        }
    }
    assert!(runs > 500, "only {runs} variants ran");
}

#[test]
fn an_error_in_a_long_line_renders_a_short_frame_with_the_true_location() {
    // A 200 KB template on one line, broken near its end. miette used to print the
    // whole line, and panicked ("Formatting argument out of range") past 65,535 columns.
    let tags: Vec<String> = (0..6000)
        .map(|i| format!("{{\"Key\": \"k{i}\", \"Value\": \"v{i}\"}}"))
        .collect();
    let text = format!(
        "{{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {{\"Q\": {{\"Type\": \"AWS::SQS::Queue\", \"Properties\": {{\"Tags\": [{}]}} ,}}}}}}",
        tags.join(", ")
    );
    assert!(text.len() > 200_000 && !text.contains('\n'));
    let at = text.rfind(" ,").unwrap() + 2;
    let mut sources = SourceMap::default();
    let (tables, _) = Tables::load(&mut sources, None);
    let id = sources.add("long.json".into(), Arc::from(text.as_str()));
    let c = convert_file(&sources, id, &tables, "main.bicep");
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .expect("a syntax error");
    assert_eq!(d.span.unwrap().start as usize, at);
    let (_, line, col) = sources.locate(d.span.unwrap());
    assert_eq!((line, col), (1, at + 1));
    let out = aws2azure::diag::render_plain(d, &sources);
    assert!(out.len() < 2048, "{} bytes:\n{out}", out.len());
    assert!(out.contains(&format!("[long.json:1:{}]", at + 1)), "{out}");
    assert!(out.contains("…") && out.contains("\"v5999\"}]}"), "{out}");
}
