//! The mapping tables and diagnostic codes as reviewable snapshots, and their invariants.

use std::collections::BTreeSet;

use aws2azure::diag::CODES;
use aws2azure::run::Tables;
use aws2azure::source::SourceMap;
use aws2azure::tables::TableFile;

#[test]
fn diagnostic_codes_are_unique_and_listed() {
    let mut seen = BTreeSet::new();
    for c in CODES {
        assert!(seen.insert(c.id), "duplicate code {}", c.id);
    }
    let list: Vec<String> = CODES
        .iter()
        .map(|c| format!("{:<24} {:<8} {}", c.id, c.severity.name(), c.summary))
        .collect();
    insta::assert_snapshot!("diagnostic_codes", list.join("\n"));
}

#[test]
fn embedded_tables_load_and_summarise() {
    let mut sources = SourceMap::default();
    let (tables, diags) = Tables::load(&mut sources, None);
    assert!(
        diags.is_empty(),
        "embedded tables have problems: {:?}",
        diags.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
    let mut lines = Vec::new();
    for (ty, e) in &tables.mapping.types {
        let mut arm: Vec<String> = e
            .shared
            .iter()
            .chain(e.resources.iter())
            .map(|r| format!("{}@{}", r.ty, r.api))
            .collect();
        for v in &e.variants {
            arm.extend(
                v.resources
                    .iter()
                    .flatten()
                    .map(|r| format!("{}@{}", r.ty, r.api)),
            );
        }
        arm.dedup();
        lines.push(format!(
            "{ty} [{}] {} → {}",
            e.status,
            e.service,
            if arm.is_empty() {
                "—".into()
            } else {
                arm.join(", ")
            }
        ));
    }
    insta::assert_snapshot!("mapping_table_summary", lines.join("\n"));
    for t in [
        "ec2-instance-types",
        "rds-instance-classes",
        "regions",
        "lambda-runtimes",
    ] {
        assert!(
            tables
                .mapping
                .lookups
                .table(t)
                .is_some_and(|l| !l.is_empty()),
            "lookup table {t} missing"
        );
    }
    assert!(tables.mapping.services.len() > 50);
}

#[test]
fn invalid_user_table_points_into_the_yaml() {
    let mut sources = SourceMap::default();
    let mut tables = Tables::default();
    let text = "AWS::SQS::Queue:\n  service: x\n  status: translated\n  bogus: 1\n";
    let mut file = TableFile::from_text("mappings/bad.yaml", text, true);
    let diags = tables.load_file(&mut sources, &mut file, false);
    assert_eq!(diags.len(), 1);
    let (file, line, _) = sources.locate(diags[0].span.unwrap());
    assert_eq!((file, line), ("mappings/bad.yaml", 4));
    assert!(diags[0].message.contains("bogus"), "{}", diags[0].message);
    let text = "AWS::SQS::Queue:\n  service: x\n  status: finished\n";
    let mut file = TableFile::from_text("mappings/bad2.yaml", text, true);
    let diags = tables.load_file(&mut sources, &mut file, false);
    assert_eq!(sources.locate(diags[0].span.unwrap()).1, 3);
}

#[test]
fn unknown_passes_and_roles_point_into_the_yaml() {
    let mut sources = SourceMap::default();
    let mut tables = Tables::default();
    let text = "AWS::SQS::Queue:\n  service: x\n  status: translated\n  passes: {grant: role}\n";
    let mut file = TableFile::from_text("mappings/aws/bad.yaml", text, true);
    let diags = tables.load_file(&mut sources, &mut file, false);
    assert_eq!(diags.len(), 1);
    assert!(
        diags[0].message.contains("unknown pass `grant`"),
        "{}",
        diags[0].message
    );
    assert_eq!(sources.locate(diags[0].span.unwrap()).1, 4);
    assert!(
        diags[0]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("security-groups")
    );
    let text = "services:\n  AWS::IAM::Policy:\n    service: x\n    passes: {grants: owner}\n";
    let mut file = TableFile::from_text("mappings/services.yaml", text, true);
    let diags = tables.load_file(&mut sources, &mut file, false);
    assert_eq!(diags.len(), 1);
    assert!(
        diags[0]
            .message
            .contains("`owner` is not a role of the pass `grants`"),
        "{}",
        diags[0].message
    );
}

/// The lifting tables never invent a CloudFormation type: every type a lifting entry or a
/// whole-type prefix entry gives exists (`data/cloudformation-resource-types.txt`), and a
/// Terraform type with no entry keeps its own type, with the service of its prefix.
#[test]
fn lifting_gives_only_real_cloudformation_types() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/cloudformation-resource-types.txt"),
    )
    .unwrap();
    let real: BTreeSet<&str> = cfn_types(&text);
    let mut sources = SourceMap::default();
    let (tables, _) = Tables::load(&mut sources, None);
    let made_up: Vec<String> = tables
        .lift
        .cfn_types()
        .into_iter()
        .filter(|t| !real.contains(t.as_str()))
        .collect();
    assert!(
        made_up.is_empty(),
        "lifting gives types CloudFormation does not have: {made_up:?}"
    );
    for (tf, service) in [
        ("aws_autoscaling_lifecycle_hook", "AWS::AutoScaling"),
        ("aws_cognito_user_pool", "AWS::Cognito"),
        ("aws_ec2_capacity_reservation", "AWS::EC2"),
        ("aws_iam_user_policy", "AWS::IAM"),
    ] {
        assert_eq!(tables.lift.cfn_type(tf), None, "{tf}");
        assert_eq!(tables.lift.service(tf).as_deref(), Some(service), "{tf}");
    }
    assert_eq!(tables.lift.cfn_type("aws_security_group_rule"), None);
    assert_eq!(
        tables.lift.cfn_type("aws_autoscaling_group").as_deref(),
        Some("AWS::AutoScaling::AutoScalingGroup")
    );
    for (tf, cfn) in [
        ("aws_lb", "AWS::ElasticLoadBalancingV2::LoadBalancer"),
        ("aws_alb", "AWS::ElasticLoadBalancingV2::LoadBalancer"),
        ("aws_alb_listener", "AWS::ElasticLoadBalancingV2::Listener"),
        (
            "aws_lb_listener_rule",
            "AWS::ElasticLoadBalancingV2::ListenerRule",
        ),
        (
            "aws_alb_target_group",
            "AWS::ElasticLoadBalancingV2::TargetGroup",
        ),
        ("aws_api_gateway_method", "AWS::ApiGateway::Method"),
        ("aws_api_gateway_usage_plan", "AWS::ApiGateway::UsagePlan"),
    ] {
        assert_eq!(tables.lift.cfn_type(tf).as_deref(), Some(cfn), "{tf}");
    }
    // Folded into their method or target group: no type of their own.
    for tf in [
        "aws_api_gateway_integration",
        "aws_api_gateway_method_response",
        "aws_lb_target_group_attachment",
    ] {
        assert_eq!(tables.lift.cfn_type(tf), None, "{tf}");
    }
}

/// A key defined in two built-in files of one kind is a silent override (the later file
/// wins): every type entry, lifting entry and lowering entry lives in one file.
#[test]
fn built_in_entries_are_defined_once() {
    for dir in ["aws", "terraform", "azurerm"] {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("mappings")
            .join(dir);
        let mut files: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "yaml")
                    && p.file_name().is_some_and(|n| n != "prefixes.yaml")
            })
            .collect();
        files.sort();
        let mut seen: std::collections::BTreeMap<String, String> = Default::default();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            for line in text.lines() {
                let Some(key) = line.strip_suffix(':') else {
                    continue;
                };
                if key.is_empty() || key.starts_with([' ', '#', '-']) || key.contains(' ') {
                    continue;
                }
                if let Some(first) = seen.insert(key.to_string(), name.clone()) {
                    panic!("{dir}/{name} defines {key} again (first in {dir}/{first})");
                }
            }
        }
        assert!(seen.len() > 10, "{dir}: no entries read");
    }
}

/// Every resource type of the CloudFormation resource specification (the list
/// scripts/cfn-types.py makes) is answered: a type entry, or a service hint for the type
/// or its service, so a `manual` resource of any type names the Azure service to consider.
#[test]
fn every_cloudformation_type_is_answered() {
    let mut sources = SourceMap::default();
    let (tables, _) = Tables::load(&mut sources, None);
    let list = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/cloudformation-resource-types.txt"),
    )
    .unwrap();
    let types: Vec<&str> = cfn_types(&list).into_iter().collect();
    assert!(types.len() > 1000, "the type list is incomplete");
    let unanswered: Vec<&str> = types
        .iter()
        .copied()
        .filter(|t| {
            !tables.mapping.types.contains_key(*t) && tables.mapping.service_hint(t).is_none()
        })
        .collect();
    assert!(
        unanswered.is_empty(),
        "no entry or service hint for {} types: {}",
        unanswered.len(),
        unanswered.join(", ")
    );
}

/// The types of `data/cloudformation-resource-types.txt` (a type a line; `#` comments, also
/// after a type added by hand with its source).
fn cfn_types(text: &str) -> BTreeSet<&str> {
    text.lines()
        .filter_map(|l| l.split('#').next())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Every activity log operation of `cloudtrail-events` is the `write` or `delete`
/// operation of an ARM resource type Azure has, and every entry says what it becomes.
#[test]
fn cloudtrail_events_name_real_operations() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("data/arm-schema.json")).unwrap())
            .unwrap();
    let types: BTreeSet<String> = schema["versions"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    let table: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(root.join("mappings/tables/cloudtrail-events.yaml")).unwrap(),
    )
    .unwrap();
    let entries = table["entries"].as_mapping().unwrap();
    assert!(!entries.is_empty());
    for (key, entry) in entries {
        let ops = entry.get("operations").and_then(|o| o.as_sequence());
        assert!(
            ops.is_some() != entry.get("instead").is_some(),
            "{key:?}: give either operations or instead"
        );
        for op in ops.into_iter().flatten() {
            let op = op.as_str().unwrap();
            let (ty, verb) = op.rsplit_once('/').unwrap();
            assert!(
                matches!(verb, "write" | "delete"),
                "{op}: not a write or delete"
            );
            assert!(
                types.contains(&ty.to_ascii_lowercase()),
                "{op}: {ty} is not an ARM type"
            );
        }
    }
}
