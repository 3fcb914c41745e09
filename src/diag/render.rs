//! Rendering: miette code frames for terminals and snapshots.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report,
};

use super::{Diagnostic, Severity};
use crate::source::SourceMap;

fn to_miette(d: &Diagnostic, sources: &SourceMap) -> Report {
    let mut m = MietteDiagnostic::new(d.message.clone())
        .with_code(d.code.id)
        .with_severity(match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Advice => miette::Severity::Advice,
        });
    if let Some(h) = &d.help {
        m = m.with_help(h.clone());
    }
    let Some(span) = d.span else {
        return Report::new(m);
    };
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.label.clone()),
        (span.start as usize, (span.end - span.start) as usize),
    )];
    for (s, l) in &d.related {
        if s.file == span.file {
            labels.push(LabeledSpan::new_with_span(
                Some(l.clone()),
                (s.start as usize, (s.end - s.start) as usize),
            ));
        }
    }
    m = m.with_labels(labels);
    let f = sources.get(span.file);
    Report::new(m).with_source_code(NamedSource::new(f.path.clone(), f.text.to_string()))
}

/// Renders with a code frame, unicode, no colour (stable for snapshots).
pub fn render_plain(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut out = String::new();
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    let report = to_miette(d, sources);
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = format!("{}: {}", d.code.id, d.message);
    }
    out
}

/// Renders for a terminal, in colour when `color` is set.
pub fn render(d: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    if !color {
        return render_plain(d, sources);
    }
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode()).with_width(100);
    let report = to_miette(d, sources);
    let _ = handler.render_report(&mut out, report.as_ref());
    out
}
