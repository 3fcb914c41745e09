//! The commands besides `convert`: the mapping table made explorable (`mappings list`,
//! `mappings show TYPE`) and a dry run that measures what a repository would get
//! (`coverage PATH`), and the resource graph of the inputs (`graph PATH`). Each returns its text and exit code, so the CLI prints it and the
//! tests snapshot it.

pub mod coverage;
pub mod graph;
pub mod init;
pub mod mappings;
pub mod review;

/// What a command prints on stdout and its exit code (diagnostics go to stderr).
pub struct Printed {
    pub stdout: String,
    pub stderr: Vec<String>,
    pub exit_code: i32,
}

/// What a command that writes nothing reads of a run made in memory.
pub(crate) struct DryRun {
    pub report: crate::report::Report,
    /// Its errors, rendered without colour (warnings are left out).
    pub errors: Vec<String>,
    pub exit_code: i32,
}

/// Converts `paths` in memory for the command `name`; `Err` is what to print when the
/// run made no report (usage errors, invalid tables).
pub(crate) fn dry_run(
    name: &str,
    paths: Vec<std::path::PathBuf>,
    mappings: Option<std::path::PathBuf>,
    to: Option<crate::run::Target>,
) -> Result<DryRun, Printed> {
    let opts = crate::run::Options {
        paths,
        // Nothing is written: no folder under PATH is left out as the output.
        out: std::path::PathBuf::from(format!("\u{0}aws2azure-{name}")),
        mappings,
        config: None,
        force: false,
        to,
    };
    let outcome = crate::run::plan(&opts);
    let errors = outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| crate::diag::render(d, &outcome.sources, false))
        .collect();
    match outcome.report {
        Some(report) => Ok(DryRun {
            report,
            errors,
            exit_code: outcome.exit_code,
        }),
        None => Err(Printed {
            stdout: String::new(),
            stderr: errors,
            exit_code: outcome.exit_code.max(2),
        }),
    }
}

/// `text` as a table: columns padded to their widest cell, two spaces apart (the last
/// column is not padded).
pub(crate) fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let mut widths = vec![0; cols];
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(c);
            } else {
                line.push_str(c);
                line.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
