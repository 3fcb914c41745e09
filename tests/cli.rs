//! The binary end to end: exit codes, what is written, what is never overwritten.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aws2azure"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("aws2azure-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn convert(args: &[&Path], out: &Path, extra: &[&str]) -> (i32, String) {
    let mut c = bin();
    c.arg("convert");
    for a in args {
        c.arg(a);
    }
    c.arg("-o").arg(out).args(extra);
    let o = c.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> PathBuf {
    common::root().join("fixtures").join(name)
}

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(d: &Path, base: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), base, out);
            } else {
                out.push(
                    e.path()
                        .strip_prefix(base)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn converts_and_writes_the_report() {
    let out = tmp("ok").join("out");
    let (code, err) = convert(&[&fixture("sqs-queue-dlq")], &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        files(&out),
        vec![
            ".aws2azure-manifest",
            "MIGRATION.md",
            "decisions/0001-aws-sqs-queue-properties-azure-handles-differently.md",
            "decisions/0002-ordersqueue-redrive-policy-becomes-dead-lettering-with.md",
            "decisions/0003-sqs-queues-become-service-bus-queues.md",
            "migration-report.json",
            "template/main.bicep"
        ]
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("migration-report.json")).unwrap())
            .unwrap();
    assert_eq!(json["version"], 1);
    let r = &json["stacks"][0]["resources"][0];
    for k in ["id", "type", "file", "line", "status", "azure", "decisions"] {
        assert!(!r[k].is_null(), "resource field {k} missing");
    }
    assert_eq!(r["file"], "template.yaml");
    // A second run recognises its own files and rewrites them.
    let (code, err) = convert(&[&fixture("sqs-queue-dlq")], &out, &[]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn never_overwrites_a_foreign_file() {
    let out = tmp("foreign");
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let (code, err) = convert(&[&fixture("s3-bucket")], &out, &[]);
    assert_eq!(code, 1);
    assert!(err.contains("out::foreign-file"), "{err}");
    assert_eq!(files(&out), vec!["notes.txt"], "nothing may be written");
    let (code, _) = convert(&[&fixture("s3-bucket")], &out, &["--force"]);
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn output_is_deterministic() {
    let a = tmp("det-a");
    let b = tmp("det-b");
    let (f1, f2) = (fixture("ec2-security-group"), fixture("lambda-function"));
    assert_eq!(convert(&[&f1, &f2], &a, &[]).0, 0);
    assert_eq!(convert(&[&f2, &f1], &b, &[]).0, 0);
    for f in files(&a) {
        assert_eq!(
            std::fs::read(a.join(&f)).unwrap(),
            std::fs::read(b.join(&f)).unwrap(),
            "{f} differs between runs"
        );
    }
}

#[test]
fn colliding_templates_get_distinct_folders_and_other_files_are_skipped() {
    let input = tmp("collide");
    let text = std::fs::read_to_string(fixture("sqs-fifo").join("template.yaml")).unwrap();
    std::fs::write(input.join("x.yaml"), &text).unwrap();
    std::fs::write(
        input.join("x.json"),
        std::fs::read_to_string(fixture("json-template").join("template.json")).unwrap(),
    )
    .unwrap();
    std::fs::write(
        input.join("package.json"),
        "{\"name\": \"not-cloudformation\"}",
    )
    .unwrap();
    std::fs::create_dir_all(input.join("node_modules/dep")).unwrap();
    std::fs::write(input.join("node_modules/dep/t.yaml"), &text).unwrap();
    let out = input.join("out");
    let (code, err) = convert(&[&input], &out, &[]);
    assert_eq!(code, 0, "{err}");
    let f = files(&out);
    assert!(
        f.contains(&"x-json/main.bicep".to_string())
            && f.contains(&"x-yaml/main.bicep".to_string()),
        "{f:?}"
    );
    assert!(!f.iter().any(|p| p.contains("node_modules")));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("migration-report.json")).unwrap())
            .unwrap();
    assert_eq!(json["summary"]["skipped_files"], 1);
}

#[test]
fn errors_in_one_template_do_not_stop_the_others() {
    let out = tmp("mixed").join("out");
    let (code, err) = convert(
        &[&fixture("error-undefined-ref"), &fixture("sqs-fifo")],
        &out,
        &[],
    );
    assert_eq!(code, 1);
    assert!(err.contains("cfn::undefined-reference"), "{err}");
    assert!(out.join("template-2/main.bicep").exists() || out.join("template/main.bicep").exists());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("migration-report.json")).unwrap())
            .unwrap();
    let d = &json["diagnostics"][0];
    assert!(d["line"].as_u64().unwrap() > 0 && d["column"].as_u64().unwrap() > 0);
}

#[test]
fn usage_errors_exit_2() {
    let out = tmp("usage");
    let empty = tmp("empty");
    assert_eq!(
        convert(&[&empty], &out.join("o"), &[]).0,
        2,
        "no template found"
    );
    assert_eq!(
        convert(&[&empty.join("missing")], &out.join("o"), &[]).0,
        2,
        "missing path"
    );
    assert_eq!(
        convert(&[&fixture("s3-bucket")], &out.join("o"), &["--to", "cobol"]).0,
        2,
        "unknown output language"
    );
    let bad = tmp("badmap");
    std::fs::write(
        bad.join("sqs.yaml"),
        "AWS::SQS::Queue:\n  service: x\n  status: nope\n",
    )
    .unwrap();
    let (code, err) = convert(
        &[&fixture("s3-bucket")],
        &out.join("o"),
        &["--mappings", bad.to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("map::invalid-table") && err.contains("sqs.yaml:3"),
        "{err}"
    );
    let o = bin().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("aws2azure "));
}

#[test]
fn user_mappings_supply_an_image() {
    let maps = tmp("maps");
    std::fs::write(
        maps.join("images.yaml"),
        "table: images\nkey: ImageId\nentries:\n  ami-0c55b159cbfafe1f0: {publisher: Canonical, offer: ubuntu-24_04-lts, sku: server, version: latest}\n",
    )
    .unwrap();
    let out = tmp("maps-out");
    let (code, err) = convert(
        &[&fixture("ec2-instance")],
        &out,
        &["--mappings", maps.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let bicep = std::fs::read_to_string(out.join("template/main.bicep")).unwrap();
    assert!(
        bicep.contains("publisher: 'Canonical'") && !bicep.contains("param imageReference"),
        "{bicep}"
    );
}

#[test]
fn secrets_never_reach_the_report() {
    let input = tmp("secrets");
    std::fs::write(
        input.join("template.yaml"),
        "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  DbPassword:\n    Type: String\n    NoEcho: true\n    Default: s3cr3t-Default-Value\nResources:\n  AppSecret:\n    Type: AWS::SecretsManager::Secret\n    Properties:\n      Name: app/literal\n      SecretString: literal-secret-value-42\n  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: postgres\n      DBInstanceClass: db.t3.micro\n      AllocatedStorage: '20'\n      MasterUsername: admin\n      MasterUserPassword: !Ref DbPassword\n",
    )
    .unwrap();
    let out = input.join("out");
    let (code, err) = convert(&[&input], &out, &[]);
    assert_eq!(code, 0, "{err}");
    for f in ["MIGRATION.md", "migration-report.json"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(
            !text.contains("s3cr3t-Default-Value") && !text.contains("literal-secret-value-42"),
            "{f} leaks a secret"
        );
    }
    let bicep = std::fs::read_to_string(out.join("template/main.bicep")).unwrap();
    assert!(
        bicep.contains("@secure()\nparam dbPassword string\n"),
        "secure parameter without its default:\n{bicep}"
    );
    assert!(!bicep.contains("s3cr3t-Default-Value"));
}

#[test]
fn terraform_modules_convert_like_for_like_and_across() {
    let out = tmp("tf-out");
    // A module folder as PATH: its files land in OUT itself, never beside it.
    let (code, err) = convert(&[&fixture("tf-meta-count")], &out.join("o"), &[]);
    assert_eq!(code, 0, "{err}");
    for f in [
        "main.tf",
        "variables.tf",
        "outputs.tf",
        "providers.tf",
        "MIGRATION.md",
    ] {
        assert!(out.join("o").join(f).exists(), "missing {f}");
    }
    let entries: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().collect();
    assert_eq!(entries.len(), 1, "nothing is written outside OUT");
    let providers = std::fs::read_to_string(out.join("o/providers.tf")).unwrap();
    assert!(providers.contains("hashicorp/azurerm") && providers.contains("features {}"));
    // Local modules stay modules, at the same relative place, with the call pointing there.
    let (code, err) = convert(&[&fixture("tf-modules-local")], &out.join("m"), &[]);
    assert_eq!(code, 0, "{err}");
    let main = std::fs::read_to_string(out.join("m/main.tf")).unwrap();
    assert!(main.contains("source = \"./modules/storage\""), "{main}");
    assert!(out.join("m/modules/storage/main.tf").exists());
    // Terraform → Bicep, and CloudFormation → Terraform.
    let (code, err) = convert(
        &[&fixture("tf-vpc-routes")],
        &out.join("b"),
        &["--to", "bicep"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.join("b/main.bicep").exists());
    let (code, err) = convert(
        &[&fixture("sqs-queue-dlq")],
        &out.join("t"),
        &["--to", "terraform"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.join("t/template/main.tf").exists());
}

#[test]
fn terraform_errors_are_located_and_other_modules_still_convert() {
    let out = tmp("tf-errors");
    let input = tmp("tf-errors-in");
    for case in ["tf-error-unknown-variable", "tf-meta-count"] {
        let dst = input.join(case);
        std::fs::create_dir_all(&dst).unwrap();
        for e in std::fs::read_dir(fixture(case)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "tf") {
                std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
            }
        }
    }
    let (code, err) = convert(&[&input], &out.join("o"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("tf::undefined-reference"), "{err}");
    assert!(err.contains("main.tf:"), "a file:line:col location: {err}");
    assert!(out.join("o/tf-meta-count/main.tf").exists());
    assert!(!out.join("o/tf-error-unknown-variable/main.tf").exists());
}

#[test]
fn local_modules_outside_path_are_read_and_written_inside_out() {
    let base = tmp("tf-outside");
    std::fs::create_dir_all(base.join("app")).unwrap();
    std::fs::create_dir_all(base.join("lib/bucket")).unwrap();
    std::fs::write(
        base.join("app/main.tf"),
        "module \"logs\" {\n  source = \"../lib/bucket\"\n  name   = \"logs\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        base.join("lib/bucket/main.tf"),
        "variable \"name\" {\n  type = string\n}\n\nresource \"aws_s3_bucket\" \"this\" {\n  bucket = var.name\n}\n",
    )
    .unwrap();
    let out = base.join("out");
    let (code, err) = convert(&[&base.join("app")], &out, &[]);
    assert_eq!(code, 0, "{err}");
    let main = std::fs::read_to_string(out.join("main.tf")).unwrap();
    assert!(main.contains("source = \"./_modules/bucket\""), "{main}");
    assert!(out.join("_modules/bucket/main.tf").exists());
    assert!(
        !base.join("lib/bucket/variables.tf").exists(),
        "inputs are never written"
    );
}

fn report(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("migration-report.json")).unwrap())
        .unwrap()
}

#[test]
fn invalid_utf8_is_located_and_the_other_inputs_still_convert() {
    let input = tmp("utf8");
    let good = std::fs::read_to_string(fixture("sqs-fifo").join("template.yaml")).unwrap();
    std::fs::write(input.join("good.yaml"), &good).unwrap();
    // A byte-order mark is fine.
    std::fs::write(input.join("bom.yaml"), format!("\u{feff}{good}")).unwrap();
    std::fs::write(
        input.join("bad.yaml"),
        b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Logs:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: caf\xE9-logs\n",
    )
    .unwrap();
    std::fs::create_dir_all(input.join("tf-bad")).unwrap();
    std::fs::write(
        input.join("tf-bad/main.tf"),
        b"resource \"aws_sqs_queue\" \"q\" {\n  name = \"caf\xE9\"\n}\n",
    )
    .unwrap();
    std::fs::create_dir_all(input.join("tf-good")).unwrap();
    std::fs::copy(
        fixture("tf-meta-count").join("main.tf"),
        input.join("tf-good/main.tf"),
    )
    .unwrap();
    let out = tmp("utf8-out");
    let (code, err) = convert(&[&input], &out, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("input::encoding"), "{err}");
    assert!(err.contains("[bad.yaml:6:22]"), "{err}");
    assert!(err.contains("[tf-bad/main.tf:2:14]"), "{err}");
    assert!(err.contains("save the file as UTF-8"), "{err}");
    let f = files(&out);
    for written in ["good/main.bicep", "bom/main.bicep", "tf-good/main.tf"] {
        assert!(f.contains(&written.to_string()), "{written} missing: {f:?}");
    }
    assert!(
        !f.iter()
            .any(|p| p.starts_with("bad/") || p.starts_with("tf-bad/")),
        "{f:?}"
    );
    let json = report(&out);
    let d: Vec<_> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "input::encoding")
        .map(|d| {
            (
                d["file"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(d, vec![("bad.yaml", 6, 22), ("tf-bad/main.tf", 2, 14)]);
    assert_eq!(json["summary"]["failed"], 2);
    assert_eq!(json["summary"]["converted"], 3);
}

#[test]
fn modules_read_from_outside_path_are_checked_for_utf8_too() {
    let base = tmp("tf-outside-utf8");
    std::fs::create_dir_all(base.join("app")).unwrap();
    std::fs::create_dir_all(base.join("lib/bucket")).unwrap();
    std::fs::write(
        base.join("app/main.tf"),
        "module \"logs\" {\n  source = \"../lib/bucket\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        base.join("lib/bucket/main.tf"),
        b"resource \"aws_s3_bucket\" \"this\" {\n  bucket = \"caf\xE9\"\n}\n",
    )
    .unwrap();
    let out = base.join("out");
    let (code, err) = convert(&[&base.join("app")], &out, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("input::encoding") && err.contains("[../lib/bucket/main.tf:2:16]"),
        "{err}"
    );
    assert!(!out.join("_modules/bucket/main.tf").exists());
}

#[test]
fn files_over_the_size_limit_are_refused_and_the_others_convert() {
    let input = tmp("huge");
    std::fs::copy(
        fixture("sqs-fifo").join("template.yaml"),
        input.join("good.yaml"),
    )
    .unwrap();
    // Sparse files: 33 MiB long, nothing written past the first line.
    for (name, head) in [
        ("huge.yaml", "AWSTemplateFormatVersion: '2010-09-09'\n"),
        ("tf-huge/main.tf", "resource \"aws_sqs_queue\" \"q\" {}\n"),
    ] {
        let p = input.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, head).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(33 * 1024 * 1024)
            .unwrap();
    }
    let out = tmp("huge-out");
    let t = std::time::Instant::now();
    let (code, err) = convert(&[&input], &out, &[]);
    assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("input::too-large"), "{err}");
    assert!(
        err.contains(
            "huge.yaml is 33 MiB (34603008 bytes), larger than the 32 MiB aws2azure reads"
        ),
        "{err}"
    );
    assert!(
        err.contains("[huge.yaml:1:1]") && err.contains("[tf-huge/main.tf:1:1]"),
        "{err}"
    );
    let f = files(&out);
    assert!(f.contains(&"good/main.bicep".to_string()), "{f:?}");
    assert!(
        !f.iter()
            .any(|p| p.starts_with("huge/") || p.starts_with("tf-huge/")),
        "{f:?}"
    );
}

#[test]
fn an_alias_bomb_fails_fast_and_located() {
    let out = tmp("bomb");
    let t = std::time::Instant::now();
    let (code, err) = convert(
        &[&fixture("error-yaml-alias-bomb"), &fixture("sqs-fifo")],
        &out,
        &[],
    );
    // Well under a second in a release build; a debug build on a busy machine is slower.
    assert!(t.elapsed().as_secs() < 5, "took {:?}", t.elapsed());
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("input::alias-limit") && err.contains("[template.yaml:58:67]"),
        "{err}"
    );
    assert!(files(&out).iter().any(|p| p.ends_with("main.bicep")));
}

/// Runs `convert` in `dir` with `--mappings my-tables` given relative to it.
fn convert_with_tables(dir: &Path, input: &Path) -> (i32, String) {
    let o = bin()
        .current_dir(dir)
        .arg("convert")
        .arg(input)
        .args(["-o", "out", "--force", "--mappings", "my-tables"])
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn mappings_errors_name_the_users_file() {
    let base = tmp("user-tables");
    for (rel, text) in [
        (
            "aws/s3.yaml",
            "AWS::SQS::Queue:\n  service: x\n  status: nope\n",
        ),
        // Still read as a Terraform lift table by its folder, whatever it holds.
        ("terraform/extra.yaml", "aws_thing:\n  bogus: 1\n"),
    ] {
        let p = base.join("my-tables").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (code, err) = convert_with_tables(&base, &fixture("sqs-fifo"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("[my-tables/aws/s3.yaml:3:"), "{err}");
    assert!(err.contains("[my-tables/terraform/extra.yaml:2:"), "{err}");
    assert!(!err.contains("mappings/aws/s3.yaml"), "{err}");
}

#[test]
fn a_user_entry_with_an_unknown_arm_type_or_api_version_is_an_error_at_its_line() {
    let base = tmp("user-tables-unchecked");
    let p = base.join("my-tables/aws/queue.yaml");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(
        &p,
        "AWS::SQS::Queue:\n  service: Azure Service Bus\n  status: translated\n  resources:\n    - symbol: \"{sym}\"\n      type: Microsoft.ServiceBus/namespaces/queuez\n      api: \"2026-01-01\"\n      name: \"{kebab}\"\n    - symbol: \"{sym}Ns\"\n      type: Microsoft.ServiceBus/namespaces\n      api: \"2024-13-01\"\n      name: \"{kebab}\"\n    - symbol: \"{sym}Old\"\n      type: Microsoft.ServiceBus/namespaces\n      api: \"2022-10-01-preview\"\n      name: \"{kebab}\"\n",
    )
    .unwrap();
    let (code, err) = convert_with_tables(&base, &fixture("sqs-fifo"));
    assert_eq!(code, 2, "a table error stops the run: {err}");
    assert_eq!(err.matches("map::schema").count(), 2, "{err}");
    assert!(
        err.contains("[my-tables/aws/queue.yaml:6:13]") && err.contains("unknown ARM type"),
        "{err}"
    );
    assert!(
        err.contains("[my-tables/aws/queue.yaml:11:13]") && err.contains("unknown API version"),
        "{err}"
    );
    // A real type and version whose properties aws2azure does not carry: a warning.
    assert_eq!(err.matches("map::unchecked-type").count(), 1, "{err}");
    assert!(err.contains("[my-tables/aws/queue.yaml:15:13]"), "{err}");
}

#[test]
fn a_user_entry_azure_rejects_is_an_error_at_the_yaml_line_and_nothing_is_written() {
    let base = tmp("user-tables-schema");
    let p = base.join("my-tables/aws/s3.yaml");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    // An invented property, a value outside a closed enum, a missing required
    // property (`kind`) and a nested one (`sku.name`).
    std::fs::write(
        &p,
        "AWS::S3::Bucket:\n  service: Azure Blob Storage\n  status: translated\n  resources:\n    - symbol: \"{sym}\"\n      type: Microsoft.Storage/storageAccounts\n      api: \"2026-04-01\"\n      name: \"st{lower}\"\n      location: true\n      body:\n        sku:\n          tier: Standard\n        properties:\n          minimumTlsVerison: TLS1_2\n          accessTier: Warm\n  ignored:\n    BucketName: x\n    VersioningConfiguration: x\n    BucketEncryption: x\n    PublicAccessBlockConfiguration: x\n    LifecycleConfiguration: x\n    Tags: x\n",
    )
    .unwrap();
    let (code, err) = convert_with_tables(&base, &fixture("s3-bucket"));
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.matches("map::schema").count(), 4, "{err}");
    for (place, label) in [
        ("[my-tables/aws/s3.yaml:14:11]", "unknown property"),
        ("[my-tables/aws/s3.yaml:15:11]", "value not allowed"),
        (
            "[my-tables/aws/s3.yaml:11:9]",
            "missing a required property",
        ),
        (
            "[my-tables/aws/s3.yaml:6:7]",
            "resource missing a required property",
        ),
    ] {
        assert!(
            err.contains(place) && err.contains(label),
            "{place} {label}: {err}"
        );
    }
    let flat = err
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for message in [
        "is not a property here (did you mean `minimumTlsVersion`?)",
        "`Warm` is not an allowed value",
        "the required property `sku.name` is missing",
        "the required property `kind` is missing",
    ] {
        assert!(flat.contains(message), "{message}: {err}");
    }
    assert!(
        !files(&base.join("out"))
            .iter()
            .any(|f| f.ends_with(".bicep")),
        "nothing invalid is written"
    );
    // The same entry with Terraform output: the ARM check runs on the model first.
    let o = bin()
        .current_dir(&base)
        .arg("convert")
        .arg(fixture("s3-bucket"))
        .args([
            "-o",
            "out-tf",
            "--to",
            "terraform",
            "--mappings",
            "my-tables",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("map::schema").count(), 4, "{err}");
    assert!(
        !files(&base.join("out-tf"))
            .iter()
            .any(|f| f.ends_with(".tf"))
    );
}

#[test]
fn pipes_and_devices_in_path_are_never_read() {
    // A named pipe that looks like a template: opening it would block forever.
    let dir = tmp("fifo-in");
    std::fs::copy(
        fixture("s3-bucket").join("template.yaml"),
        dir.join("template.yaml"),
    )
    .unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("pipe.yaml"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("notice: mkfifo not available; test skipped");
        return;
    }
    let out = tmp("fifo-out");
    let (code, err) = convert(&[&dir], &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.join("template/main.bicep").exists());
}

#[test]
#[cfg(unix)]
fn a_tf_file_linked_from_elsewhere_in_path_is_the_modules_own() {
    // Modules often share `versions.tf` or `variables.tf` through a symbolic link.
    let dir = tmp("symlink-in");
    std::fs::create_dir_all(dir.join("shared")).unwrap();
    std::fs::create_dir_all(dir.join("queue")).unwrap();
    std::fs::write(
        dir.join("shared/variables.tf"),
        "variable \"queue_name\" {\n  type    = string\n  default = \"orders\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("queue/main.tf"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = var.queue_name\n}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("../shared/variables.tf", dir.join("queue/variables.tf")).unwrap();
    let out = tmp("symlink-out");
    let (code, err) = convert(&[&dir], &out, &[]);
    assert_eq!(code, 0, "{err}");
    let vars = std::fs::read_to_string(out.join("queue/variables.tf")).unwrap();
    assert!(vars.contains("variable \"queue_name\""), "{vars}");
    let main = std::fs::read_to_string(out.join("queue/main.tf")).unwrap();
    assert!(main.contains("var.queue_name"), "{main}");
}

#[test]
fn provisioner_keywords_are_terraform_not_references() {
    let dir = tmp("provisioner-in");
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_sqs_queue\" \"q\" {\n  name = \"orders\"\n}\n\nresource \"null_resource\" \"hook\" {\n  triggers = { id = aws_sqs_queue.q.id }\n\n  provisioner \"local-exec\" {\n    when       = destroy\n    on_failure = continue\n    command    = \"echo ${self.triggers.id}\"\n  }\n\n  provisioner \"local-exec\" {\n    when    = create\n    command = \"echo hi\"\n  }\n}\n",
    )
    .unwrap();
    let out = tmp("provisioner-out");
    let (code, err) = convert(&[&dir], &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("undefined"), "{err}");
    let main = std::fs::read_to_string(out.join("main.tf")).unwrap();
    assert!(main.contains("when       = destroy"), "{main}");
    assert!(main.contains("on_failure = continue"), "{main}");
}

fn run(args: &[&str]) -> (i32, String, String) {
    let o = bin().args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn mappings_list_shows_every_type_with_its_rule_file() {
    let (code, out, err) = run(&["mappings", "list"]);
    assert_eq!(code, 0, "{err}");
    // A few rows and the totals (every row's rule file and line is checked below).
    let picked: Vec<&str> = out
        .lines()
        .filter(|l| {
            l.starts_with("AWS TYPE")
                || l.ends_with("types lift to them.")
                || [
                    "AWS::EC2::VPCPeeringConnection ",
                    "AWS::S3::Bucket ",
                    "AWS::Lambda::Function ",
                    "AWS::Glue ",
                    "AWS::Glue::Job ",
                ]
                .iter()
                .any(|t| l.starts_with(t))
        })
        .map(|l| l.split("  mappings/").next().unwrap_or(l).trim_end())
        .collect();
    insta::assert_snapshot!("mappings_list", picked.join("\n"));
    // Every line names a rule file and line that exist.
    for l in out.lines().skip(1).take_while(|l| !l.is_empty()) {
        let rule = l.split_whitespace().last().unwrap();
        let (file, line) = rule.rsplit_once(':').unwrap();
        let text = std::fs::read_to_string(common::root().join(file)).unwrap();
        let n: usize = line.parse().unwrap();
        let ty = l.split_whitespace().next().unwrap();
        assert!(
            text.lines().nth(n - 1).unwrap().contains(ty),
            "{rule} does not open {ty}"
        );
    }
    let (code, json, _) = run(&["mappings", "list", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let types = v["types"].as_array().unwrap();
    assert!(types.len() > 200);
    let s3 = types
        .iter()
        .find(|t| t["type"] == "AWS::S3::Bucket")
        .unwrap();
    assert_eq!(s3["status"], "translated");
    assert!(
        s3["terraform"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "aws_s3_bucket")
    );
}

#[test]
fn mappings_show_explains_one_rule() {
    for (name, ty) in [
        ("mappings_show_peering", "AWS::EC2::VPCPeeringConnection"),
        ("mappings_show_tf_mount_target", "aws_efs_mount_target"),
        ("mappings_show_service_hint", "AWS::Glue::Job"),
        ("mappings_show_unlifted", "aws_glue_job"),
    ] {
        let (code, out, err) = run(&["mappings", "show", ty]);
        assert_eq!(code, 0, "{ty}: {err}");
        // Rule files keep their name; their line moves with every edit above the entry.
        let out: String = out
            .lines()
            .map(|l| match l.split_once(".yaml:") {
                Some((file, line)) if line.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
                    let rest: String = line.chars().skip_while(|c| c.is_ascii_digit()).collect();
                    format!("{file}.yaml:N{rest}\n")
                }
                _ => format!("{l}\n"),
            })
            .collect();
        insta::assert_snapshot!(name, out);
    }
    let (code, out, err) = run(&["mappings", "show", "AWS::Nope::Thing"]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("no mapping entry or service hint for `AWS::Nope::Thing`"));
}

#[test]
fn coverage_measures_without_writing() {
    let dir = tmp("coverage");
    std::fs::copy(
        fixture("efs-file-system").join("template.yaml"),
        dir.join("template.yaml"),
    )
    .unwrap();
    std::fs::copy(fixture("tf-efs").join("main.tf"), dir.join("main.tf")).unwrap();
    let before = files(&dir);
    let (code, out, err) = run(&["coverage", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(files(&dir), before, "coverage wrote files");
    insta::assert_snapshot!("coverage_table", out);
    let (code, json, _) = run(&["coverage", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["cloudformation"]["resources"], 8);
    assert_eq!(v["cloudformation"]["manual"], 1);
    assert_eq!(
        v["cloudformation"]["top_manual"][0]["type"],
        "AWS::EFS::AccessPoint"
    );
    assert_eq!(v["terraform"]["manual"], 0);
    let (code, _, err) = run(&["coverage", dir.join("nothing-here").to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
}

/// Every file under `dir` with its bytes.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files(dir)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(dir.join(&f)).unwrap();
            (f, bytes)
        })
        .collect()
}

#[test]
fn check_compares_with_out_and_never_writes_there() {
    let dir = tmp("check");
    let out = dir.join("out");
    let (a, b) = (fixture("web-app"), fixture("tf-vpc-routes"));
    let (code, err) = convert(&[&a, &b], &out, &[]);
    assert_eq!(code, 0, "{err}");
    let (a, b, o) = (
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let check = || run(&["check", a, b, "-o", o]);

    // Just converted: current, nothing on stdout.
    let before = contents(&out);
    let (code, diff, err) = check();
    assert_eq!(code, 0, "{err}");
    assert!(diff.is_empty(), "{diff}");
    assert!(err.contains("is current (73 files)"), "{err}");
    assert_eq!(contents(&out), before, "check wrote into OUT");

    // A hand edit and a deleted file: stale, exit 3, a unified diff of both.
    let bicep = out.join("template/main.bicep");
    let text = std::fs::read_to_string(&bicep).unwrap();
    std::fs::write(
        &bicep,
        text.replacen("param location string", "param region string", 1),
    )
    .unwrap();
    std::fs::remove_file(out.join("outputs.tf")).unwrap();
    let before = contents(&out);
    let (code, diff, err) = check();
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("1 file(s) changed, 1 missing, 0 no longer generated"),
        "{err}"
    );
    assert!(
        diff.contains("--- a/template/main.bicep\n+++ b/template/main.bicep\n"),
        "{diff}"
    );
    assert!(diff.contains("\n-param region string"), "{diff}");
    assert!(diff.contains("\n+param location string"), "{diff}");
    assert!(diff.contains("--- /dev/null\n+++ b/outputs.tf\n"), "{diff}");
    assert!(
        !diff.contains("a/main.tf"),
        "an unchanged file is in the diff: {diff}"
    );
    assert_eq!(contents(&out), before, "check wrote into OUT");

    // One input fewer: the other's files are no longer generated.
    let (code, diff, err) = run(&["check", a, "-o", o]);
    assert_eq!(code, 3, "{err}");
    assert!(diff.contains("--- a/main.tf\n+++ /dev/null\n"), "{diff}");

    // Converting again makes it current; a usage error keeps its own exit code.
    let (code, err) = convert(&[Path::new(a), Path::new(b)], &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(check().0, 0);
    let (code, _, _) = run(&["check", dir.join("none").to_str().unwrap(), "-o", o]);
    assert_eq!(code, 2);
}

#[test]
fn the_summary_is_short_and_compares_with_the_committed_report() {
    let dir = tmp("summary");
    let out = dir.join("out");
    let summary = dir.join("summary.md");
    let (a, b) = (fixture("web-app"), fixture("tf-vpc-routes"));
    let s = summary.to_str().unwrap();
    // First run: nothing to compare with.
    let (code, err) = convert(&[&a], &out, &["--summary", s]);
    assert_eq!(code, 0, "{err}");
    let first = std::fs::read_to_string(&summary).unwrap();
    assert!(first.lines().count() <= 60, "{first}");
    assert!(
        first.contains("no earlier report in OUT to compare with"),
        "{first}"
    );
    // A second input: its decisions are added, its files too; `check --summary` says
    // the same before anything is written.
    let (code, _, err) = run(&[
        "check",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--summary",
        s,
    ]);
    assert_eq!(code, 3, "{err}");
    let checked = std::fs::read_to_string(&summary).unwrap();
    let (code, err) = convert(&[&a, &b], &out, &["--summary", s]);
    assert_eq!(code, 0, "{err}");
    let second = std::fs::read_to_string(&summary).unwrap();
    assert!(second.lines().count() <= 60, "{second}");
    assert_eq!(
        checked.replace("that would change in OUT", "written to OUT"),
        second
    );
    insta::assert_snapshot!("summary_second_input", second);
    // A summary inside OUT would be a foreign file there: refused before anything runs.
    let inside = out.join("summary.md");
    let before = contents(&out);
    let (code, err) = convert(&[&a], &out, &["--summary", inside.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is inside OUT"), "{err}");
    assert_eq!(contents(&out), before);
}

#[test]
fn a_project_file_with_an_unknown_key_is_a_located_error_and_nothing_is_written() {
    let repo = tmp("config-typo");
    std::fs::copy(
        fixture("project-config").join("template.yaml"),
        repo.join("template.yaml"),
    )
    .unwrap();
    std::fs::write(
        repo.join("aws2azure.toml"),
        "[azure]\nregion = \"swedencentral\"\n\n[instance_type]\n\"m5.large\" = \"Standard_D2as_v5\"\n",
    )
    .unwrap();
    let out = tmp("config-typo-out").join("o");
    let (code, err) = convert(&[&repo], &out, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("config::invalid") && err.contains("aws2azure.toml:4:2"),
        "{err}"
    );
    assert!(err.contains("instance_type"), "{err}");
    assert!(!out.exists(), "nothing is written");
    // `--config FILE` names another file; the typo in PATH's file is then not read.
    let good = tmp("config-good").join("answers.toml");
    std::fs::write(&good, "[azure]\nregion = \"swedencentral\"\n").unwrap();
    let (code, err) = convert(&[&repo], &out, &["--config", good.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let bicep = std::fs::read_to_string(out.join("template/main.bicep")).unwrap();
    assert!(bicep.contains("param location string = 'swedencentral'"));
}

#[test]
fn project_file_prefix_existing_and_targets_errors_are_located() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[azure]\nprefix = \"Contoso_Prod\"\n",
            "aws2azure.toml:2:10",
            "Contoso_Prod",
        ),
        (
            "[targets]\n\"AWS::SQS::Queue\" = \"storage-queues\"\n",
            "aws2azure.toml:2:21",
            "storage-queues",
        ),
        (
            "[targets]\n\"AWS::SQS::Queu\" = \"storage-queue\"\n",
            "aws2azure.toml:2:1",
            "AWS::SQS::Queu`",
        ),
        (
            "[existing]\nOrdersQueue = \"vnet-hub\"\n",
            "aws2azure.toml:2:15",
            "vnet-hub",
        ),
        (
            "[existing]\nOrdersQueue = \"/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-hub\"\n",
            "aws2azure.toml:2:1",
            "becomes a",
        ),
    ];
    for (i, (toml, place, text)) in cases.iter().enumerate() {
        let repo = tmp(&format!("config-errors-{i}"));
        std::fs::copy(
            fixture("config-targets").join("template.yaml"),
            repo.join("template.yaml"),
        )
        .unwrap();
        std::fs::write(repo.join("aws2azure.toml"), toml).unwrap();
        let out = tmp(&format!("config-errors-out-{i}")).join("o");
        let (code, err) = convert(&[&repo], &out, &[]);
        assert_eq!(code, 2, "{toml}: {err}");
        assert!(
            err.contains("config::invalid") && err.contains(place) && err.contains(text),
            "{toml}: {err}"
        );
        assert!(!out.exists(), "nothing is written");
    }
    // An entry that names nothing of the run is a warning at its place.
    let repo = tmp("config-unused");
    std::fs::copy(
        fixture("config-targets").join("template.yaml"),
        repo.join("template.yaml"),
    )
    .unwrap();
    std::fs::write(
        repo.join("aws2azure.toml"),
        "[existing]\nHubVpc = \"/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-hub\"\n",
    )
    .unwrap();
    let out = tmp("config-unused-out").join("o");
    let (code, err) = convert(&[&repo], &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("config::unused") && err.contains("aws2azure.toml:2:1"),
        "{err}"
    );
}

#[test]
fn init_writes_a_starter_project_file_once() {
    let repo = tmp("init");
    std::fs::copy(
        fixture("project-config").join("template.yaml"),
        repo.join("template.yaml"),
    )
    .unwrap();
    let o = bin().arg("init").arg(&repo).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{:?}", o);
    let text = std::fs::read_to_string(repo.join("aws2azure.toml")).unwrap();
    assert!(
        text.contains("# \"m5.large\" = \"Standard_D2s_v5\""),
        "{text}"
    );
    assert!(text.contains("# \"ami-0123456789abcdef0\""), "{text}");
    assert!(
        text.contains("[azure]") && text.contains("[images]"),
        "{text}"
    );
    // The starter parses (every answer is commented out).
    let (code, err) = convert(&[&repo], &tmp("init-out").join("o"), &[]);
    assert_eq!(code, 0, "{err}");
    // A second init keeps the user's file.
    let o = bin().arg("init").arg(&repo).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(repo.join("aws2azure.toml")).unwrap(),
        text
    );
}

/// The ```mermaid blocks of a Markdown text.
fn mermaid_blocks(md: &str) -> Vec<&str> {
    md.split("```mermaid\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect()
}

#[test]
fn graph_prints_mermaid_dot_and_json() {
    let f = fixture("diagram-network");
    let dir = f.to_str().unwrap();
    let before = files(&f);
    let (code, mermaid, err) = run(&["graph", dir]);
    assert_eq!(code, 0, "{err}");
    aws2azure::report::diagram::check_mermaid(&mermaid).unwrap();
    insta::assert_snapshot!("graph_aws_mermaid", mermaid);
    let (code, dot, err) = run(&["graph", dir, "--azure", "--format", "dot"]);
    assert_eq!(code, 0, "{err}");
    assert!(dot.starts_with("digraph aws2azure {\n") && dot.ends_with("}\n"));
    assert_eq!(dot.matches('{').count(), dot.matches('}').count());
    insta::assert_snapshot!("graph_azure_dot", dot);
    let (code, json, err) = run(&[
        "graph",
        dir,
        "--azure",
        "--format",
        "json",
        "--to",
        "terraform",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ids: Vec<&str> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    for e in v["edges"].as_array().unwrap() {
        assert!(ids.contains(&e["from"].as_str().unwrap()), "{e}");
        assert!(ids.contains(&e["to"].as_str().unwrap()), "{e}");
    }
    let nic = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "webServerNic")
        .unwrap();
    assert_eq!(nic["type"], "Microsoft.Network/networkInterfaces");
    assert_eq!(nic["within"], "appSubnet");
    insta::assert_snapshot!("graph_azure_json", json);
    // The AWS graph as JSON names the template of each node.
    let (code, json, _) = run(&["graph", dir, "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        v["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["from"] == "WebServer"
                && e["to"] == "AppSubnet"
                && e["stack"] == "template.yaml")
    );
    assert_eq!(files(&f), before, "graph wrote files");
    // No input: a diagnostic on stderr, nothing on stdout.
    let (code, out, err) = run(&["graph", f.join("nothing-here").to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("no such file or folder"), "{err}");
}

#[test]
fn report_diagrams_are_capped_with_a_note() {
    let dir = tmp("diagram-cap");
    let mut t = String::from(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Net:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.0.0.0/16\n  SubnetA:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Net\n      CidrBlock: 10.0.1.0/24\n",
    );
    for i in 0..70 {
        t.push_str(&format!("  Queue{i}:\n    Type: AWS::SQS::Queue\n"));
        if i > 0 {
            t.push_str(&format!(
                "    Properties:\n      RedrivePolicy:\n        deadLetterTargetArn: !GetAtt Queue{}.Arn\n        maxReceiveCount: 3\n",
                i - 1
            ));
        }
    }
    std::fs::write(dir.join("template.yaml"), t).unwrap();
    let out = dir.join("out");
    let (code, err) = convert(&[&dir.join("template.yaml")], &out, &[]);
    assert_eq!(code, 0, "{err}");
    let md = std::fs::read_to_string(out.join("MIGRATION.md")).unwrap();
    let blocks = mermaid_blocks(&md);
    assert_eq!(blocks.len(), 2, "architecture and waves");
    for b in &blocks {
        aws2azure::report::diagram::check_mermaid(b).unwrap();
    }
    let arch = blocks[0];
    let nodes = arch
        .lines()
        .filter(|l| l.contains("[\"") && !l.trim_start().starts_with("subgraph"))
        .count()
        + arch.matches("subgraph ").count();
    // 40 drawn (the network, its subnet, 38 resources), then the note.
    assert_eq!(nodes, 40, "{arch}");
    assert!(arch.matches(" --> ").count() <= 60, "{arch}");
    assert!(arch.contains("subgraph vnet_net"), "{arch}");
    let note = arch
        .lines()
        .find(|l| l.trim_start().starts_with("cut_1>"))
        .expect("a note where cut");
    assert!(note.contains("more resources"), "{note}");
    assert!(
        md.contains("more resources and "),
        "the note under the diagram"
    );
    // The waves: a chain of 70 boxes is cut at 40 with its note too.
    assert!(blocks[1].contains("more waves"), "{}", blocks[1]);
}

#[test]
fn every_fixture_report_diagram_is_sane() {
    let mut checked = 0;
    for f in std::fs::read_dir(common::root().join("fixtures")).unwrap() {
        let snap = f.unwrap().path().join("MIGRATION.md.snap");
        let Ok(md) = std::fs::read_to_string(&snap) else {
            continue;
        };
        for b in mermaid_blocks(&md) {
            if let Err(e) = aws2azure::report::diagram::check_mermaid(b) {
                panic!("{}: {e}", snap.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} diagrams");
}

#[test]
fn quiet_verbose_and_a_json_summary_line() {
    let out = tmp("feedback");
    let run = |extra: &[&str]| {
        let o = bin()
            .arg("convert")
            .arg(fixture("cross-stack-exports"))
            .arg("-o")
            .arg(out.join("o"))
            .args(extra)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = run(&["--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["templates"], 2);
    assert_eq!(v["resources"], 6);
    assert!(!stderr.contains("aws2azure:"), "{stderr}");
    let (_, stdout, stderr) = run(&["--quiet"]);
    assert!(stdout.is_empty() && stderr.is_empty(), "{stderr}");
    let (_, _, stderr) = run(&["--verbose"]);
    assert!(
        stderr.contains("app.yaml → app/main.bicep: 3 resources")
            && stderr.contains("network.yaml → network/main.bicep: 3 resources")
            && stderr.contains("aws2azure: 2 template(s) converted"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["--quiet", "--verbose"]);
    assert_eq!(code, Some(2), "{stderr}");
}
