//! The execute and evaluate phases: data migration per data store, and the KPIs to baseline.

use super::{DataStore, Kpi};
use crate::model::template::Template;
use crate::source::SourceMap;

fn lit(t: &Template, id: usize, prop: &str) -> Option<String> {
    t.resources[id]
        .properties
        .path(prop)
        .and_then(|v| v.literal_text())
}

/// One migration plan per data store in the template.
/// `name` of the Azure resource of type `ty` made from logical id `id`, as text
/// for a command line (`uploads${nameSuffix}` → `uploads<nameSuffix>`).
pub type AzureName<'a> = &'a dyn Fn(&str, &str) -> Option<String>;

pub fn data_stores(t: &Template, sources: &SourceMap, azure_name: AzureName) -> Vec<DataStore> {
    let mut out = Vec::new();
    for (i, r) in t.resources.iter().enumerate() {
        let (file, line, _) = sources.locate(r.span);
        let file = file.to_string();
        let store = match r.ty.as_str() {
            "AWS::S3::Bucket" => {
                let name = r
                    .properties
                    .get("BucketName")
                    .map(cfn_text)
                    .unwrap_or_else(|| format!("<{} bucket name>", r.id));
                DataStore {
                    id: r.id.clone(),
                    file: file.clone(),
                    kind: "S3 bucket".into(),
                    line,
                    target: "Blob Storage container".into(),
                    tool: "AzCopy (service-to-service copy); Azure Data Factory for scheduled or very large copies".into(),
                    mode: "bulk copy, then incremental passes until cutover".into(),
                    steps: vec![
                        format!(
                            "azcopy copy 'https://{name}.s3.amazonaws.com/' 'https://{}.blob.core.windows.net/data' --recursive=true",
                            azure_name(&r.id, "Microsoft.Storage/storageAccounts").unwrap_or_else(|| "<account>".into())
                        ),
                        "azcopy sync passes (or `--overwrite=ifSourceNewer`) until writes are frozen".into(),
                        "Restore Glacier/Deep Archive objects first; only current versions are copied".into(),
                    ],
                }
            }
            "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" => {
                let engine = lit(t, i, "Engine").unwrap_or_else(|| "unknown".into());
                let (target, tool, dump) = match engine.as_str() {
                    e if e.contains("postgres") => (
                        "Azure Database for PostgreSQL flexible server",
                        "Azure Database Migration Service / PostgreSQL migration service (online), or pg_dump/pg_restore (offline)",
                        "pg_dump -Fd -j 4 … | pg_restore -Fd -j 4 --no-owner …",
                    ),
                    e if e.contains("mysql")
                        || e.contains("mariadb")
                        || e.starts_with("aurora") =>
                    {
                        (
                            "Azure Database for MySQL flexible server",
                            "Azure Database Migration Service (online), or mysqldump/mydumper (offline)",
                            "mydumper … && myloader …",
                        )
                    }
                    e if e.starts_with("sqlserver") => (
                        "Azure SQL Database",
                        "Azure Database Migration Service, or a BACPAC export/import",
                        "SqlPackage /Action:Export … then /Action:Import …",
                    ),
                    _ => (
                        "the engine's Azure target (see the decisions)",
                        "the engine's native dump and restore tools",
                        "native dump/restore",
                    ),
                };
                DataStore {
                    id: r.id.clone(),
                    file: file.clone(),
                    kind: format!("RDS {engine}"),
                    line,
                    target: target.into(),
                    tool: tool.into(),
                    mode: "online replication until cutover, or dump/restore in a maintenance window".into(),
                    steps: vec![
                        "Open a network path from the VPC to the VNet (site-to-site VPN) for online migration".into(),
                        format!("Offline alternative: {dump}"),
                        format!(
                            "Target server: `{}`",
                            ["Microsoft.DBforPostgreSQL/flexibleServers", "Microsoft.DBforMySQL/flexibleServers", "Microsoft.Sql/servers"]
                                .iter()
                                .find_map(|ty| azure_name(&r.id, ty))
                                .unwrap_or_else(|| "see the inventory".into())
                        ),
                        "Recreate logins and roles; compare row counts before cutover".into(),
                    ],
                }
            }
            "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => DataStore {
                id: r.id.clone(),
                file: file.clone(),
                kind: "DynamoDB table".into(),
                line,
                target: "Cosmos DB for NoSQL container".into(),
                tool: "Azure Data Factory (copy activity from a DynamoDB export in S3)".into(),
                mode: "full export, then incremental exports until cutover".into(),
                steps: vec![
                    "Enable point-in-time recovery and export the table to S3".into(),
                    format!(
                        "Copy with Data Factory into container `{}`; convert DynamoDB JSON (`{{\"S\": …}}`) to plain JSON and set `id`",
                        azure_name(
                            &r.id,
                            "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers"
                        )
                        .unwrap_or_else(|| "?".into())
                    ),
                    "Freeze writes for the final delta".into(),
                ],
            },
            _ => continue,
        };
        out.push(store);
    }
    out
}

/// A CloudFormation string value as text for a command line: `${Stage}-logs` → `<Stage>-logs`.
fn cfn_text(e: &crate::model::expr::Expr) -> String {
    use crate::model::expr::{ExprKind, SubPart};
    match &e.kind {
        ExprKind::Str(s) | ExprKind::Number(s) => s.clone(),
        ExprKind::Ref(n) => format!("<{n}>"),
        ExprKind::GetAtt {
            resource,
            attribute,
        } => format!("<{resource}.{attribute}>"),
        ExprKind::Sub(parts) => parts
            .iter()
            .map(|p| match p {
                SubPart::Lit(l) => l.clone(),
                SubPart::Expr(x) => cfn_text(x),
            })
            .collect(),
        _ => "<computed>".into(),
    }
}

/// What must happen before a resource is deleted, for the decommission list.
pub fn decommission_note(t: &Template, id: &str) -> Option<&'static str> {
    let r = t.resource(id)?;
    let policy = r.deletion_policy.as_ref().map(|(p, _)| p.as_str());
    let versioned = r
        .properties
        .path("VersioningConfiguration.Status")
        .and_then(|v| v.as_str())
        == Some("Enabled");
    match (r.ty.as_str(), policy) {
        (_, Some("Snapshot")) => Some("take a final snapshot first"),
        (_, Some("Retain")) | (_, Some("RetainExceptOnCreate")) => {
            Some("retained by its DeletionPolicy: delete by hand once no longer needed")
        }
        ("AWS::S3::Bucket", _) if versioned => Some("delete every object version first"),
        ("AWS::S3::Bucket", _) => Some("empty the bucket first"),
        ("AWS::KMS::Key", _) => {
            Some("schedule deletion only when nothing encrypted with it is needed")
        }
        ("AWS::SecretsManager::Secret", _) => Some("recovery window applies"),
        _ => None,
    }
}

/// CloudWatch alarms in the template, and baseline metrics of the services it uses.
pub fn kpis(t: &Template, tables: &crate::tables::Lookups) -> Vec<Kpi> {
    let metric = |ns: &str, m: &str| {
        let key = format!("{ns}:{m}");
        let ty = tables.lookup_str("cloudwatch-metrics", &key, "azure_type")?;
        let name = tables.lookup_str("cloudwatch-metrics", &key, "metric")?;
        let note = tables
            .lookup_str("cloudwatch-metrics", &key, "note")
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        Some(format!("{ty} `{name}`{note}"))
    };
    let mut out = Vec::new();
    for r in &t.resources {
        if r.ty != "AWS::CloudWatch::Alarm" {
            continue;
        }
        let ns = r
            .properties
            .get("Namespace")
            .and_then(|x| x.literal_text())
            .unwrap_or_else(|| "(computed)".into());
        let metric_name = r
            .properties
            .get("MetricName")
            .and_then(|x| x.literal_text())
            .unwrap_or_else(|| {
                if r.properties.get("Metrics").is_some() {
                    "(metric math)".into()
                } else {
                    "(computed)".into()
                }
            });
        let azure = metric(&ns, &metric_name).unwrap_or_else(|| {
            "choose the equivalent Azure Monitor metric of the translated resource".into()
        });
        out.push(Kpi {
            source: format!("alarm {}", r.id),
            aws: format!("{ns} `{metric_name}`"),
            azure,
        });
    }
    let mut services: Vec<&str> = Vec::new();
    for r in &t.resources {
        let ns = match r.ty.as_str() {
            "AWS::EC2::Instance" => "AWS/EC2",
            "AWS::RDS::DBInstance" => "AWS/RDS",
            "AWS::Lambda::Function" | "AWS::Serverless::Function" => "AWS/Lambda",
            "AWS::SQS::Queue" => "AWS/SQS",
            "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => "AWS/DynamoDB",
            "AWS::S3::Bucket" => "AWS/S3",
            _ => continue,
        };
        if !services.contains(&ns) {
            services.push(ns);
        }
    }
    for ns in services {
        let prefix = format!("{ns}:");
        let keys: Vec<String> = tables
            .table("cloudwatch-metrics")
            .map(|t| {
                t.keys()
                    .filter(|k| k.starts_with(&prefix))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for key in keys {
            let m = &key[prefix.len()..];
            let aws = format!("{ns} `{m}`");
            if !out.iter().any(|k| k.aws == aws) {
                let azure = metric(ns, m).unwrap_or_default();
                out.push(Kpi {
                    source: "baseline".into(),
                    aws,
                    azure,
                });
            }
        }
    }
    out
}
