//! Pull-request review: `aws2azure check PATH… -o OUT` regenerates in memory and compares
//! with what OUT holds (a unified diff, exit code [`STALE`] when they differ), and
//! `--summary FILE` (on `convert` and `check`) writes a short Markdown summary for a PR
//! comment or `$GITHUB_STEP_SUMMARY`: counts by status, coverage, decisions added, changed
//! or removed since the report OUT held, files changed, and the decisions to review first.
//! Nothing here writes into OUT.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::coverage::{Counts, count};
use crate::output::MANIFEST;
use crate::report::{DecisionOut, Report};

/// The exit code of `check` when OUT is not what a conversion would write now (a code
/// `convert` never uses: it exits 0, 1 or 2).
pub const STALE: i32 = 3;

/// How a generated file differs from OUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// In OUT with other content (or not a regular file).
    Changed,
    /// Not in OUT yet.
    Added,
    /// Written by the previous run (OUT's manifest) and no longer generated.
    Removed,
}

impl Change {
    fn word(self) -> &'static str {
        match self {
            Change::Changed => "changed",
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: String,
    pub change: Change,
    /// A unified diff, `a/` (OUT) against `b/` (this run).
    pub diff: String,
}

/// The regular file `rel` of OUT, read without following a link.
fn read_regular(out: &Path, rel: &str) -> Option<Result<String, ()>> {
    let p = out.join(rel);
    let meta = std::fs::symlink_metadata(&p).ok()?;
    if !meta.is_file() {
        return Some(Err(()));
    }
    Some(
        std::fs::read(&p)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|_| ()),
    )
}

fn unified(old: &str, new: &str, a: &str, b: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(a, b)
        .to_string()
}

/// The files of OUT's manifest (those the previous run wrote), if any.
fn manifest(out: &Path) -> BTreeSet<String> {
    match read_regular(out, MANIFEST) {
        Some(Ok(text)) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && crate::output::bad_path(l).is_none())
            .map(str::to_string)
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// Every difference between `files` (a run's output, relative to OUT) and OUT, in path
/// order. Files in OUT that no run of aws2azure wrote are not looked at.
pub fn compare(out: &Path, files: &[(String, String)]) -> Vec<FileChange> {
    let mut changes = Vec::new();
    let generated: BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    let mut sorted: Vec<&(String, String)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, text) in sorted {
        let a = format!("a/{path}");
        let b = format!("b/{path}");
        match read_regular(out, path) {
            None => changes.push(FileChange {
                path: path.clone(),
                change: Change::Added,
                diff: unified("", text, "/dev/null", &b),
            }),
            Some(Err(())) => changes.push(FileChange {
                path: path.clone(),
                change: Change::Changed,
                diff: format!(
                    "--- {a}\n+++ {b}\n(OUT holds something other than a regular file here)\n"
                ),
            }),
            Some(Ok(old)) if old != *text => changes.push(FileChange {
                path: path.clone(),
                change: Change::Changed,
                diff: unified(&old, text, &a, &b),
            }),
            Some(Ok(_)) => {}
        }
    }
    for path in manifest(out) {
        if generated.contains(path.as_str()) {
            continue;
        }
        let old = match read_regular(out, &path) {
            Some(Ok(t)) => t,
            _ => continue,
        };
        changes.push(FileChange {
            diff: unified(&old, "", &format!("a/{path}"), "/dev/null"),
            path,
            change: Change::Removed,
        });
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

/// The decisions of the report OUT holds (`migration-report.json`), by id.
pub fn previous_decisions(out: &Path) -> Option<BTreeMap<String, serde_json::Value>> {
    let Some(Ok(text)) = read_regular(out, "migration-report.json") else {
        return None;
    };
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let list = v.get("decisions")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|d| Some((d.get("id")?.as_str()?.to_string(), d.clone())))
            .collect(),
    )
}

/// Did decision `d` change against its previous form `old`?
fn differs(d: &DecisionOut, old: &serde_json::Value) -> bool {
    let s = |k: &str| old.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let resources: Vec<&str> = old
        .get("resources")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    s("title") != d.title
        || s("context") != d.context
        || s("decision") != d.decision
        || s("consequences") != d.consequences
        || resources != d.resources.iter().map(String::as_str).collect::<Vec<_>>()
}

/// Markdown table cell text: no line breaks, no column separators.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn counts_row(name: &str, c: &Counts) -> String {
    format!(
        "| {name} | {} | {} | {} | {} | {} | {} |",
        c.total(),
        c.get("translated"),
        c.get("partial"),
        c.get("not-needed"),
        c.get("manual"),
        c.percent()
    )
}

/// Most files listed, decisions listed to review first.
const FILES_SHOWN: usize = 12;
const REVIEW_SHOWN: usize = 12;

/// The short Markdown summary of a run (at most about 60 lines). `previous`: the decisions
/// of the report OUT held before; `changes`: how the run's files differ from OUT;
/// `check`: the files are what would change (nothing was written).
pub fn summary(
    report: &Report,
    previous: Option<&BTreeMap<String, serde_json::Value>>,
    changes: &[FileChange],
    errors: &[String],
    check: bool,
) -> String {
    let mut o = Vec::new();
    let s = &report.summary;
    o.push("## aws2azure migration summary".to_string());
    o.push(String::new());
    o.push(format!(
        "{} template(s) and module(s) read: {} converted, {} with errors; {} Azure resource(s); {} decision(s), {} error(s), {} warning(s).",
        s.templates, s.converted, s.failed, s.azure_resources, s.decisions, s.errors, s.warnings
    ));
    o.push(String::new());
    let (cfn, tf) = count(report);
    o.push("| Input | Resources | Translated | Partial | Not needed | Manual | Coverage |".into());
    o.push("|---|---:|---:|---:|---:|---:|---:|".into());
    if cfn.total() > 0 || tf.total() == 0 {
        o.push(counts_row("CloudFormation/SAM", &cfn));
    }
    if tf.total() > 0 {
        o.push(counts_row("Terraform `aws_*`", &tf));
    }
    o.push(String::new());

    // Decisions against the committed report.
    let now: BTreeMap<&str, &DecisionOut> = report
        .decisions
        .iter()
        .map(|d| (d.id.as_str(), d))
        .collect();
    let mut review: Vec<&DecisionOut> = Vec::new();
    match previous {
        Some(prev) => {
            let added: Vec<&DecisionOut> = report
                .decisions
                .iter()
                .filter(|d| !prev.contains_key(&d.id))
                .collect();
            let changed: Vec<&DecisionOut> = report
                .decisions
                .iter()
                .filter(|d| prev.get(&d.id).is_some_and(|old| differs(d, old)))
                .collect();
            let removed = prev
                .keys()
                .filter(|k| !now.contains_key(k.as_str()))
                .count();
            o.push(format!(
                "**Decisions** since the committed report: {} added, {} changed, {} removed.",
                added.len(),
                changed.len(),
                removed
            ));
            review.extend(added.iter().chain(&changed).filter(|d| d.high_risk));
        }
        None => {
            o.push("**Decisions**: no earlier report in OUT to compare with; all are new.".into());
            review.extend(report.decisions.iter().filter(|d| d.high_risk));
        }
    }
    o.push(String::new());

    // Files.
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for c in changes {
        *by.entry(c.change.word()).or_default() += 1;
    }
    if changes.is_empty() {
        o.push(if check {
            "**Files**: OUT is current.".into()
        } else {
            "**Files**: none changed.".into()
        });
    } else {
        let parts: Vec<String> = ["changed", "added", "removed"]
            .iter()
            .filter_map(|w| by.get(w).map(|n| format!("{n} {w}")))
            .collect();
        o.push(format!(
            "**Files** {}: {}.",
            if check {
                "that would change in OUT"
            } else {
                "written to OUT"
            },
            parts.join(", ")
        ));
        o.push(String::new());
        // Decision records are counted on one line, not listed.
        let record = |c: &&FileChange| {
            c.path
                .starts_with(&format!("{}/", crate::report::records::DIR))
        };
        let listed: Vec<&FileChange> = changes.iter().filter(|c| !record(c)).collect();
        for c in listed.iter().take(FILES_SHOWN) {
            o.push(format!("- `{}` ({})", cell(&c.path), c.change.word()));
        }
        if listed.len() > FILES_SHOWN {
            o.push(format!("- … and {} more", listed.len() - FILES_SHOWN));
        }
        let mut records: BTreeMap<&str, usize> = BTreeMap::new();
        for c in changes.iter().filter(record) {
            *records.entry(c.change.word()).or_default() += 1;
        }
        if !records.is_empty() {
            let parts: Vec<String> = ["changed", "added", "removed"]
                .iter()
                .filter_map(|w| records.get(w).map(|n| format!("{n} {w}")))
                .collect();
            o.push(format!(
                "- `{}/`: decision records, {}",
                crate::report::records::DIR,
                parts.join(", ")
            ));
        }
    }
    o.push(String::new());

    // Decisions a person must review first: high-risk ones that are new or changed.
    if review.is_empty() {
        o.push("**Review first**: no new or changed high-risk decision.".into());
    } else {
        o.push(format!(
            "**Review first** ({} new or changed high-risk decision(s)):",
            review.len()
        ));
        o.push(String::new());
        for d in review.iter().take(REVIEW_SHOWN) {
            let at = d
                .resources
                .first()
                .map(|r| format!(" — {}", cell(r)))
                .unwrap_or_default();
            o.push(format!(
                "- {} {} (`{}`){at}",
                crate::report::records::number_text(d.record),
                cell(&d.title),
                d.rule
            ));
        }
        if review.len() > REVIEW_SHOWN {
            o.push(format!(
                "- … and {} more in MIGRATION.md",
                review.len() - REVIEW_SHOWN
            ));
        }
    }
    if !errors.is_empty() {
        o.push(String::new());
        o.push(format!("**Errors** ({}):", errors.len()));
        o.push(String::new());
        for e in errors.iter().take(5) {
            o.push(format!("- {}", cell(e)));
        }
        if errors.len() > 5 {
            o.push(format!("- … and {} more", errors.len() - 5));
        }
    }
    let mut text = o.join("\n");
    text.push('\n');
    text
}

/// The error diagnostics of a run, one line each (`file:line:col: code: message`).
pub fn error_lines(report: &Report) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == "error")
        .map(|d| match d.file.is_empty() {
            true => format!("{}: {}", d.code, d.message),
            false => format!(
                "{}:{}:{}: {}: {}",
                d.file, d.line, d.column, d.code, d.message
            ),
        })
        .collect()
}

/// Is `file` inside `out` (as written, made absolute against the working folder)?
pub fn inside(file: &Path, out: &Path) -> bool {
    let abs = |p: &Path| -> std::path::PathBuf {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        let mut n = std::path::PathBuf::new();
        for c in p.components() {
            match c {
                std::path::Component::ParentDir => {
                    n.pop();
                }
                std::path::Component::CurDir => {}
                c => n.push(c),
            }
        }
        n
    };
    abs(file).starts_with(abs(out))
}

/// Writes the summary file; a failure is reported on stderr and makes the exit code 1.
fn write_summary(file: &Path, text: &str, exit_code: &mut i32, stderr: &mut Vec<String>) {
    if let Err(e) = std::fs::write(file, text) {
        stderr.push(format!(
            "error: the summary could not be written to {}: {e}",
            file.display()
        ));
        if *exit_code == 0 {
            *exit_code = 1;
        }
    }
}

/// What `convert --summary` and `check` print besides the run's own diagnostics.
pub struct Reviewed {
    pub outcome: crate::run::Outcome,
    /// The unified diff (`check`), for stdout.
    pub stdout: String,
    /// Lines for stderr after the diagnostics.
    pub stderr: Vec<String>,
}

/// `convert … --summary FILE`: the run as `convert` does it, then the summary of what it
/// changed in OUT.
pub fn convert_with_summary(opts: &crate::run::Options, file: &Path) -> Reviewed {
    let planned = crate::run::plan(opts);
    if planned.exit_code == 2 || planned.report.is_none() {
        return Reviewed {
            outcome: planned,
            stdout: String::new(),
            stderr: Vec::new(),
        };
    }
    let previous = previous_decisions(&opts.out);
    let changes = compare(&opts.out, &planned.files);
    let mut outcome = crate::run::write_planned(opts, planned);
    let mut stderr = Vec::new();
    if let Some(report) = &outcome.report {
        let text = summary(
            report,
            previous.as_ref(),
            &changes,
            &error_lines(report),
            false,
        );
        write_summary(file, &text, &mut outcome.exit_code, &mut stderr);
    }
    Reviewed {
        outcome,
        stdout: String::new(),
        stderr,
    }
}

/// `check PATH… -o OUT`: regenerates in memory, compares with OUT and writes nothing
/// there. Exit 0 when OUT is current, [`STALE`] with the diff when it is not; usage and
/// input errors exit as `convert` does (2, 1) when OUT is otherwise current.
pub fn check(opts: &crate::run::Options, summary_file: Option<&Path>) -> Reviewed {
    let mut outcome = crate::run::plan(opts);
    if outcome.exit_code == 2 || outcome.report.is_none() {
        return Reviewed {
            outcome,
            stdout: String::new(),
            stderr: Vec::new(),
        };
    }
    let changes = compare(&opts.out, &outcome.files);
    let mut stdout = String::new();
    for c in &changes {
        stdout.push_str(&c.diff);
        if !stdout.ends_with('\n') {
            stdout.push('\n');
        }
    }
    let mut stderr = Vec::new();
    if changes.is_empty() {
        stderr.push(format!(
            "aws2azure check: {} is current ({} files)",
            opts.out.display(),
            outcome.files.len()
        ));
    } else {
        let n = |w: Change| changes.iter().filter(|c| c.change == w).count();
        stderr.push(format!(
            "aws2azure check: {} is stale: {} file(s) changed, {} missing, {} no longer generated; run `aws2azure convert` with the same arguments to update it",
            opts.out.display(),
            n(Change::Changed),
            n(Change::Added),
            n(Change::Removed)
        ));
        outcome.exit_code = STALE;
    }
    if let (Some(file), Some(report)) = (summary_file, &outcome.report) {
        let previous = previous_decisions(&opts.out);
        let text = summary(
            report,
            previous.as_ref(),
            &changes,
            &error_lines(report),
            true,
        );
        write_summary(file, &text, &mut outcome.exit_code, &mut stderr);
    }
    Reviewed {
        outcome,
        stdout,
        stderr,
    }
}
