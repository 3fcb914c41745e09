//! `aws2azure coverage PATH…`: converts in memory (nothing is written) and reports how
//! much of what is under PATH would be translated — resources by status, per input
//! language, and the types left manual with the Azure service their decision names.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::json;

use super::{Printed, table};
use crate::report::Report;

/// Counts by status of one input language.
#[derive(Default)]
pub(crate) struct Counts {
    by_status: BTreeMap<String, usize>,
    manual: BTreeMap<String, (usize, String)>,
}

impl Counts {
    pub(crate) fn total(&self) -> usize {
        self.by_status.values().sum()
    }
    pub(crate) fn get(&self, s: &str) -> usize {
        self.by_status.get(s).copied().unwrap_or(0)
    }
    fn covered(&self) -> usize {
        self.total() - self.get("manual")
    }
    pub(crate) fn percent(&self) -> String {
        match self.total() {
            0 => "—".into(),
            t => format!("{:.1} %", 100.0 * self.covered() as f64 / t as f64),
        }
    }
}

/// CloudFormation (and SAM) resources, Terraform `aws_*` resources: implicit resources
/// (those SAM or the converter adds) are not counted.
pub(crate) fn count(report: &Report) -> (Counts, Counts) {
    let (mut cfn, mut tf) = (Counts::default(), Counts::default());
    for s in &report.stacks {
        let c = if s.format.starts_with("terraform") {
            &mut tf
        } else {
            &mut cfn
        };
        for r in s.resources.iter().filter(|r| !r.implicit) {
            *c.by_status.entry(r.status.clone()).or_default() += 1;
            if r.status == "manual" {
                let e = c
                    .manual
                    .entry(r.ty.clone())
                    .or_insert((0, r.service.clone()));
                e.0 += 1;
            }
        }
    }
    (cfn, tf)
}

const STATUSES: &[&str] = &["translated", "partial", "not-needed", "manual"];

fn top(c: &Counts, n: usize) -> Vec<(String, usize, String)> {
    let mut v: Vec<(String, usize, String)> = c
        .manual
        .iter()
        .map(|(t, (k, s))| (t.clone(), *k, s.clone()))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// `coverage PATH…`: the figures, as a table or JSON.
pub fn coverage(
    paths: Vec<PathBuf>,
    mappings: Option<PathBuf>,
    json_out: bool,
    top_n: usize,
) -> Printed {
    let super::DryRun { report, .. } = match super::dry_run("coverage", paths, mappings, None) {
        Ok(r) => r,
        Err(printed) => return printed,
    };
    let report = &report;
    let (cfn, tf) = count(report);
    let sm = &report.summary;
    if json_out {
        let lang = |c: &Counts| {
            json!({
                "resources": c.total(),
                "translated": c.get("translated"),
                "partial": c.get("partial"),
                "not_needed": c.get("not-needed"),
                "manual": c.get("manual"),
                "coverage": if c.total() == 0 { serde_json::Value::Null } else {
                    json!(format!("{:.1}", 100.0 * c.covered() as f64 / c.total() as f64))
                },
                "top_manual": top(c, top_n).into_iter().map(|(t, n, s)| json!({"type": t, "count": n, "service": s})).collect::<Vec<_>>(),
            })
        };
        let mut s = serde_json::to_string_pretty(&json!({
            "stacks": report.stacks.len(),
            "failed": sm.failed,
            "cloudformation": lang(&cfn),
            "terraform": lang(&tf),
        }))
        .unwrap_or_default();
        s.push('\n');
        return Printed {
            stdout: s,
            stderr: Vec::new(),
            exit_code: 0,
        };
    }
    let modules = report
        .stacks
        .iter()
        .filter(|s| s.format.starts_with("terraform"))
        .count();
    let mut out = format!(
        "{} CloudFormation/SAM template(s) and {modules} Terraform module(s) read; {} could not be converted.\n\n",
        report.stacks.len() - modules,
        sm.failed
    );
    let mut rows = vec![
        ["INPUT", "RESOURCES"]
            .iter()
            .chain(STATUSES.iter())
            .chain(["COVERAGE"].iter())
            .map(|s| s.to_uppercase())
            .collect::<Vec<_>>(),
    ];
    for (name, c) in [("CloudFormation/SAM", &cfn), ("Terraform aws_*", &tf)] {
        let mut r = vec![name.to_string(), c.total().to_string()];
        r.extend(STATUSES.iter().map(|s| c.get(s).to_string()));
        r.push(c.percent());
        rows.push(r);
    }
    out.push_str(&table(&rows));
    out.push_str("\nCoverage: translated, partial or not-needed (no Azure resource by design), of all resources the input declares.\n");
    for (name, c) in [("CloudFormation/SAM", &cfn), ("Terraform", &tf)] {
        let t = top(c, top_n);
        if t.is_empty() {
            continue;
        }
        out.push_str(&format!("\nTop {name} types left manual:\n"));
        let mut rows = vec![vec![
            "COUNT".to_string(),
            "TYPE".into(),
            "AZURE SERVICE TO CONSIDER".into(),
        ]];
        rows.extend(t.into_iter().map(|(ty, n, s)| {
            vec![
                n.to_string(),
                ty,
                if s.is_empty() { "none known".into() } else { s },
            ]
        }));
        out.push_str(&table(&rows));
    }
    Printed {
        stdout: out,
        stderr: Vec::new(),
        exit_code: 0,
    }
}
