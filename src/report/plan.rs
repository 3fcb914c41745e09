//! The execute and evaluate phases: data migration per data store, and the KPIs to baseline.

use super::tables::ReportTables;
use super::{DataStore, Kpi};
use crate::model::template::{Resource, Template};
use crate::source::SourceMap;

/// `name` of the Azure resource of type `ty` made from logical id `id`, as text
/// for a command line (`uploads${nameSuffix}` → `uploads<nameSuffix>`).
pub type AzureName<'a> = &'a dyn Fn(&str, &str) -> Option<String>;

/// One migration plan per data store in the template, from the report tables.
pub fn data_stores(
    t: &Template,
    sources: &SourceMap,
    tables: &ReportTables,
    azure_name: AzureName,
) -> Vec<DataStore> {
    let mut out = Vec::new();
    for r in &t.resources {
        let Some(plan) = tables.migration(t, r) else {
            continue;
        };
        let (file, line, _) = sources.locate(r.span);
        let fill = |s: &str| fill(s, r, azure_name);
        out.push(DataStore {
            id: r.id.clone(),
            file: file.to_string(),
            kind: fill(&plan.kind),
            line,
            target: fill(&plan.target),
            tool: fill(&plan.tool),
            mode: fill(&plan.mode),
            steps: plan.steps.iter().map(|s| fill(s)).collect(),
        });
    }
    out
}

/// A migration plan's text for one resource: `{id}`, `{lit:Prop|fallback}`,
/// `{text:Prop|fallback}` and `{azure:Type,Type|fallback}` filled in; other braces
/// are kept as written.
fn fill(s: &str, r: &Resource, azure_name: AzureName) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some((value, len)) = placeholder(tail, r, azure_name) else {
            out.push('{');
            rest = &tail[1..];
            continue;
        };
        out.push_str(&value);
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

/// The value of the placeholder `tail` starts with, and its length in bytes.
fn placeholder(tail: &str, r: &Resource, azure_name: AzureName) -> Option<(String, usize)> {
    if tail.starts_with("{id}") {
        return Some((r.id.clone(), 4));
    }
    let (kind, body) = ["lit:", "text:", "azure:"]
        .iter()
        .find_map(|k| Some((*k, tail[1..].strip_prefix(k)?)))?;
    // The fallback may hold `{id}`: the placeholder ends at the first `}` outside it.
    let mut depth = 0;
    let end = body.char_indices().find_map(|(i, c)| match c {
        '{' => {
            depth += 1;
            None
        }
        '}' if depth == 0 => Some(i),
        '}' => {
            depth -= 1;
            None
        }
        _ => None,
    })?;
    let (arg, fallback) = body[..end].split_once('|').unwrap_or((&body[..end], ""));
    let fallback = || fallback.replace("{id}", &r.id);
    let value = match kind {
        "lit:" => r
            .properties
            .path(arg)
            .and_then(|v| v.literal_text())
            .unwrap_or_else(fallback),
        "text:" => r
            .properties
            .path(arg)
            .map(crate::model::expr::Expr::shown_text)
            .unwrap_or_else(fallback),
        _ => arg
            .split(',')
            .find_map(|ty| azure_name(&r.id, ty.trim()))
            .unwrap_or_else(fallback),
    };
    Some((value, 1 + kind.len() + end + 1))
}

/// What must happen before a resource is deleted, for the decommission list: its
/// deletion policy's consequence, else the report table's note for its type.
pub fn decommission_note<'a>(t: &Template, tables: &'a ReportTables, id: &str) -> Option<&'a str> {
    let r = t.resource(id)?;
    match r.deletion_policy.as_ref().map(|(p, _)| p.as_str()) {
        Some("Snapshot") => return Some("take a final snapshot first"),
        Some("Retain") | Some("RetainExceptOnCreate") => {
            return Some("retained by its DeletionPolicy: delete by hand once no longer needed");
        }
        _ => {}
    }
    tables.decommission(t, r)
}

/// CloudWatch alarms in the template, and baseline metrics of the services it uses.
/// `generated` says whether the output holds a resource of an ARM type: of the types a
/// metric table entry names (`azure_type`, then `also`), the first one generated is
/// shown.
pub fn kpis(
    t: &Template,
    tables: &crate::tables::Lookups,
    types: &ReportTables,
    generated: &dyn Fn(&str) -> bool,
) -> Vec<Kpi> {
    let metric = |ns: &str, m: &str| {
        let key = format!("{ns}:{m}");
        let first = tables.lookup_str("cloudwatch-metrics", &key, "azure_type")?;
        let also = tables.lookup_list("cloudwatch-metrics", &key, "also");
        let ty = std::iter::once(&first)
            .chain(also.iter())
            .find(|ty| generated(ty))
            .unwrap_or(&first);
        let name = tables.lookup_str("cloudwatch-metrics", &key, "metric")?;
        let split = tables
            .lookup_str("cloudwatch-metrics", &key, "dimension")
            .zip(tables.lookup_str("cloudwatch-metrics", &key, "dimension_value"))
            .map(|(d, v)| format!("split on {d} = {v}"));
        let note = tables
            .lookup_str("cloudwatch-metrics", &key, "note")
            .or(split)
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        Some(format!("{ty} `{name}`{note}"))
    };
    let mut out = Vec::new();
    for r in &t.resources {
        if !types.aws(&r.ty).is_some_and(|a| a.alarm) {
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
        let Some(ns) = types.aws(&r.ty).and_then(|a| a.metrics.as_deref()) else {
            continue;
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
