//! Architecture decision records (`OUT/decisions/NNNN-slug.md`): stable numbers across
//! reruns into the same OUT, superseded rather than deleted, `check` current on an OUT
//! with records, and the same bytes for the same input and OUT state.

mod common;

use std::path::{Path, PathBuf};

use aws2azure::run::{Options, run};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aws2azure-records-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn options(input: &Path, out: &Path) -> Options {
    Options {
        paths: vec![input.to_path_buf()],
        out: out.to_path_buf(),
        mappings: None,
        config: None,
        force: false,
        to: None,
    }
}

fn convert(input: &Path, out: &Path) {
    let o = run(&options(input, out));
    assert_eq!(o.exit_code, 0, "{:#?}", o.rendered(false));
}

/// Every file under `dir` (relative path, text), sorted.
fn tree(dir: &Path) -> Vec<(String, String)> {
    fn walk(d: &Path, base: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, base, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read_to_string(&p).unwrap_or_default()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The records of OUT: file name → (decision id, status).
fn records(out: &Path) -> Vec<(String, String, String)> {
    tree(&out.join("decisions"))
        .into_iter()
        .map(|(name, text)| {
            let field = |k: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(k))
                    .unwrap_or_default()
                    .trim_matches('`')
                    .to_string()
            };
            (name, field("- Id: "), field("- Status: "))
        })
        .collect()
}

fn number_of(records: &[(String, String, String)], id: &str) -> String {
    records
        .iter()
        .find(|(_, i, _)| i == id)
        .map(|(n, _, _)| n[..4].to_string())
        .unwrap_or_else(|| panic!("no record for {id}: {records:#?}"))
}

const HEAD: &str = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n";
const QUEUE: &str =
    "  Orders:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: 60\n";
const BUCKET: &str = "  Uploads:\n    Type: AWS::S3::Bucket\n";
const TOPIC: &str = "  Notices:\n    Type: AWS::SNS::Topic\n";
const TABLE: &str = "  Sessions:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: PAY_PER_REQUEST\n      AttributeDefinitions:\n        - AttributeName: pk\n          AttributeType: S\n      KeySchema:\n        - AttributeName: pk\n          KeyType: HASH\n";

fn write_template(dir: &Path, parts: &[&str]) {
    std::fs::write(
        dir.join("template.yaml"),
        format!("{HEAD}{}", parts.concat()),
    )
    .unwrap();
}

#[test]
fn a_rerun_with_a_changed_input_keeps_numbers_and_supersedes() {
    let dir = tmp("rerun");
    let input = dir.join("in");
    let out = dir.join("out");
    std::fs::create_dir_all(&input).unwrap();
    write_template(&input, &[QUEUE, BUCKET, TOPIC]);
    convert(&input, &out);
    let first = records(&out);
    assert!(first.iter().all(|(_, _, s)| s == "accepted"), "{first:#?}");
    let highest = first
        .iter()
        .map(|(n, _, _)| n[..4].to_string())
        .max()
        .unwrap();
    let queue = number_of(&first, "sqs-service-bus:template.yaml");
    let bucket = number_of(&first, "storage-account-name:template.yaml#Uploads");
    let topic = number_of(&first, "sns-service-bus:template.yaml");

    // The queue goes, a table comes.
    write_template(&input, &[BUCKET, TOPIC, TABLE]);
    convert(&input, &out);
    let second = records(&out);
    // Unchanged decisions keep their numbers (and files).
    for (n, id, _) in &first {
        let again = second.iter().find(|(m, _, _)| m == n).expect("kept");
        assert_eq!(&again.1, id, "{n} renumbered");
        if *id != "sqs-service-bus:template.yaml" {
            assert_eq!(again.2, "accepted", "{n}");
        }
    }
    assert_eq!(
        number_of(&second, "storage-account-name:template.yaml#Uploads"),
        bucket
    );
    assert_eq!(number_of(&second, "sns-service-bus:template.yaml"), topic);
    // The removed one is still there, superseded.
    let q = second
        .iter()
        .find(|(n, _, _)| n.starts_with(&queue))
        .unwrap();
    assert_eq!(q.2, "superseded", "{second:#?}");
    let q_text = std::fs::read_to_string(out.join("decisions").join(&q.0)).unwrap();
    assert!(q_text.contains("No longer applies"), "{q_text}");
    // The new ones follow the highest number used before, in order.
    let new: Vec<&(String, String, String)> = second
        .iter()
        .filter(|(_, id, _)| !first.iter().any(|(_, i, _)| i == id))
        .collect();
    assert!(!new.is_empty(), "{second:#?}");
    let expect_first = format!("{:04}", highest.parse::<u32>().unwrap() + 1);
    assert_eq!(new[0].0[..4], expect_first, "{second:#?}");
    for (i, w) in new.windows(2).enumerate() {
        let a: u32 = w[0].0[..4].parse().unwrap();
        let b: u32 = w[1].0[..4].parse().unwrap();
        assert_eq!(b, a + 1, "new records {i}: {new:#?}");
    }
    assert!(new.iter().all(|(_, _, s)| s == "accepted"), "{new:#?}");
    // The index lists the superseded record, and the JSON carries record numbers.
    let md = std::fs::read_to_string(out.join("MIGRATION.md")).unwrap();
    assert!(md.contains("Superseded records"), "{md}");
    assert!(
        md.contains(&format!("[{queue}](decisions/{})", q.0)),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("migration-report.json")).unwrap())
            .unwrap();
    for d in json["decisions"].as_array().unwrap() {
        let file = d["record_file"].as_str().unwrap();
        let n = d["record"].as_u64().unwrap();
        assert!(file.starts_with(&format!("decisions/{n:04}-")), "{d}");
        assert!(out.join(file).is_file(), "{file}");
    }
    assert_eq!(
        json["superseded_records"][0]["id"],
        "sqs-service-bus:template.yaml"
    );

    // The queue comes back: the same number, accepted again; the table's go.
    write_template(&input, &[QUEUE, BUCKET, TOPIC]);
    convert(&input, &out);
    let third = records(&out);
    let q = third
        .iter()
        .find(|(n, _, _)| n.starts_with(&queue))
        .unwrap();
    assert_eq!(q.2, "accepted", "{third:#?}");
    assert_eq!(
        std::fs::read_to_string(out.join("decisions").join(&q.0)).unwrap(),
        first_text(&first, &queue, &dir, &input),
        "an accepted-again record reads as it did"
    );
    for (n, _, _) in &new {
        let r = third
            .iter()
            .find(|(m, _, _)| m == n)
            .expect("never deleted");
        assert_eq!(r.2, "superseded", "{n}");
    }
    assert_eq!(third.len(), second.len());
}

/// The text record `number` had on a fresh first conversion of the first input.
fn first_text(
    first: &[(String, String, String)],
    number: &str,
    dir: &Path,
    input: &Path,
) -> String {
    let fresh = dir.join("fresh");
    let _ = std::fs::remove_dir_all(&fresh);
    convert(input, &fresh);
    let (name, _, _) = first
        .iter()
        .find(|(n, _, _)| n.starts_with(number))
        .unwrap();
    std::fs::read_to_string(fresh.join("decisions").join(name)).unwrap()
}

#[test]
fn check_is_current_on_an_out_with_records() {
    let dir = tmp("check");
    let input = dir.join("in");
    let out = dir.join("out");
    std::fs::create_dir_all(&input).unwrap();
    write_template(&input, &[QUEUE, BUCKET]);
    convert(&input, &out);
    write_template(&input, &[BUCKET, TABLE]);
    convert(&input, &out);
    // Records superseded and added: the in-memory run reads the same numbering.
    let checked = aws2azure::commands::review::check(&options(&input, &out), None);
    assert_eq!(checked.outcome.exit_code, 0, "{:?}", checked.stderr);
    assert!(checked.stdout.is_empty(), "{}", checked.stdout);
    // The earlier input again: its record would be accepted again, so OUT is stale.
    write_template(&input, &[QUEUE, BUCKET]);
    let checked = aws2azure::commands::review::check(&options(&input, &out), None);
    assert_eq!(
        checked.outcome.exit_code,
        aws2azure::commands::review::STALE
    );
    let diff = &checked.stdout;
    assert!(
        diff.contains("\n-- Status: superseded\n") && diff.contains("\n+- Status: accepted\n"),
        "{diff}"
    );
}

#[test]
fn the_same_input_and_out_give_the_same_bytes() {
    let dir = tmp("determinism");
    let input = common::root().join("fixtures").join("web-app");
    let (a, b) = (dir.join("a"), dir.join("b"));
    convert(&input, &a);
    convert(&input, &b);
    let first = tree(&a);
    assert_eq!(first, tree(&b));
    assert!(first.iter().any(|(p, _)| p.starts_with("decisions/0001-")));
    // A rerun into the same OUT writes nothing new.
    let o = aws2azure::output::write(&a, &run_files(&input, &a), false).unwrap();
    assert_eq!(o.written, 0, "{o:?}");
    convert(&input, &a);
    assert_eq!(tree(&a), first);
}

fn run_files(input: &Path, out: &Path) -> Vec<(String, String)> {
    aws2azure::run::plan(&options(input, out)).files
}

#[test]
fn decision_records_of_one_case() {
    let dir = tmp("snapshot");
    let out = dir.join("out");
    convert(&common::root().join("fixtures").join("sqs-fifo"), &out);
    let text: Vec<String> = tree(&out.join("decisions"))
        .into_iter()
        .map(|(name, text)| format!("==> decisions/{name} <==\n{text}"))
        .collect();
    insta::assert_snapshot!("sqs_fifo_decisions", text.join("\n"));
}

#[test]
fn a_decision_made_twice_has_one_record() {
    // Two templates use one Rain module: its resources' decisions come once per template,
    // under the same id. One record each, and a rerun changes nothing.
    let dir = tmp("shared-module");
    let input = dir.join("in");
    let out = dir.join("out");
    std::fs::create_dir_all(input.join("modules")).unwrap();
    let modules = common::root().join("fixtures/rain-module/modules");
    for m in ["queue.yaml", "alerts.yaml"] {
        std::fs::copy(modules.join(m), input.join("modules").join(m)).unwrap();
    }
    for name in ["orders", "billing"] {
        std::fs::write(
            input.join(format!("{name}.yaml")),
            format!(
                "{HEAD}  Work:\n    Type: !Rain::Module ./modules/queue.yaml\n    Properties:\n      QueueName: {name}\n"
            ),
        )
        .unwrap();
    }
    convert(&input, &out);
    let report = aws2azure::run::plan(&options(&input, &out)).report.unwrap();
    let mut ids: Vec<&str> = report.decisions.iter().map(|d| d.id.as_str()).collect();
    let all = ids.len();
    ids.dedup();
    assert!(ids.len() < all, "no decision made twice: {ids:#?}");
    let recs = records(&out);
    assert_eq!(recs.len(), ids.len(), "{recs:#?}");
    assert!(recs.iter().all(|(_, _, s)| s == "accepted"), "{recs:#?}");
    let before = tree(&out);
    let checked = aws2azure::commands::review::check(&options(&input, &out), None);
    assert_eq!(checked.outcome.exit_code, 0, "{}", checked.stdout);
    convert(&input, &out);
    assert_eq!(tree(&out), before);
}
