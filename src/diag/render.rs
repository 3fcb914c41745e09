//! Rendering: miette code frames for terminals and snapshots.
//!
//! miette is handed a [`Snippet`], not the whole file: the lines around the labels,
//! with a line longer than [`LONG_LINE`] characters cut to a window around its label
//! (`…` where text was left out). The snippet reports the file's own line numbers,
//! and columns counted in characters of the original line, so the frame's header
//! says the same `file:line:col` as the report, however long the line.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, Report, SourceCode, SourceSpan, SpanContents,
};

use super::{Diagnostic, Severity};
use crate::source::{SourceFile, SourceMap, Span};

/// Lines longer than this (in characters) are shown as a window.
const LONG_LINE: usize = 200;
/// Characters shown either side of a label in a long line.
const WINDOW: usize = 80;
/// Lines shown above and below a label (the handler's setting).
const CONTEXT: usize = 1;
const ELLIPSIS: &str = "…";

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
    let mut spans = vec![(span, d.label.clone())];
    spans.extend(
        d.related
            .iter()
            .filter(|(s, _)| s.file == span.file)
            .cloned(),
    );
    let f = sources.get(span.file);
    let (snippet, mapped) = Snippet::new(f, &spans);
    let labels = spans
        .iter()
        .zip(mapped)
        .enumerate()
        .map(|(i, ((_, label), (start, len)))| {
            if i == 0 {
                LabeledSpan::new_primary_with_span(Some(label.clone()), (start, len))
            } else {
                LabeledSpan::new_with_span(Some(label.clone()), (start, len))
            }
        })
        .collect::<Vec<_>>();
    m = m.with_labels(labels);
    Report::new(m).with_source_code(snippet)
}

/// One line of a [`Snippet`].
#[derive(Debug)]
struct SnippetLine {
    /// Where the line starts in the snippet's text.
    start: usize,
    /// Where the kept text starts in the snippet (after a leading `…`).
    kept: usize,
    /// The bytes kept, as a range of the original file.
    orig: (usize, usize),
    /// The original line's character column (0-based) of the first kept character.
    column: usize,
}

/// The part of a file a diagnostic shows, as miette source code.
#[derive(Debug)]
struct Snippet {
    name: String,
    text: String,
    /// 0-based line of the file where the snippet starts.
    first_line: usize,
    lines: Vec<SnippetLine>,
}

impl Snippet {
    /// The snippet for these labels, and each label's `(offset, length)` in it.
    fn new(f: &SourceFile, spans: &[(Span, String)]) -> (Snippet, Vec<(usize, usize)>) {
        let text = &*f.text;
        let points: Vec<(usize, usize)> = spans
            .iter()
            .map(|(s, _)| {
                let a = floor(text, s.start as usize);
                (a, floor(text, (s.end as usize).max(a)))
            })
            .collect();
        let first = points
            .iter()
            .map(|&(a, _)| f.line_index(a))
            .min()
            .unwrap_or(0)
            .saturating_sub(CONTEXT);
        let last = points
            .iter()
            .map(|&(_, b)| f.line_index(b))
            .max()
            .unwrap_or(0)
            .saturating_add(CONTEXT)
            .min(f.line_count() - 1);
        let mut out = String::new();
        let mut lines = Vec::new();
        for line in first..=last {
            let (s, e) = f.line_range(line);
            let start = out.len();
            let content = &text[s..e];
            let (ks, ke) = if content.chars().nth(LONG_LINE).is_none() {
                (s, e)
            } else {
                window(text, (s, e), &points)
            };
            if ks > s {
                out.push_str(ELLIPSIS);
            }
            let kept = out.len();
            out.push_str(&text[ks..ke]);
            if ke < e {
                out.push_str(ELLIPSIS);
            }
            if e < text.len() {
                out.push('\n');
            }
            lines.push(SnippetLine {
                start,
                kept,
                orig: (ks, ke),
                column: text[s..ks].chars().count(),
            });
        }
        let snippet = Snippet {
            name: f.path.clone(),
            text: out,
            first_line: first,
            lines,
        };
        let mapped = points
            .iter()
            .map(|&(a, b)| {
                let (a, b) = (snippet.map(f, a), snippet.map(f, b));
                (a, b.saturating_sub(a))
            })
            .collect();
        (snippet, mapped)
    }

    /// An offset of the file as an offset of the snippet (clamped to what is kept).
    fn map(&self, f: &SourceFile, offset: usize) -> usize {
        let line = f.line_index(offset);
        let Some(l) = line
            .checked_sub(self.first_line)
            .and_then(|i| self.lines.get(i))
        else {
            return if line < self.first_line {
                0
            } else {
                self.text.len()
            };
        };
        l.kept + offset.clamp(l.orig.0, l.orig.1) - l.orig.0
    }

    /// The file's 0-based line and character column of a snippet offset.
    fn locate(&self, offset: usize) -> (usize, usize) {
        let i = self
            .lines
            .partition_point(|l| l.start <= offset)
            .saturating_sub(1);
        let Some(l) = self.lines.get(i) else {
            return (self.first_line, 0);
        };
        let kept_end = l.kept + (l.orig.1 - l.orig.0);
        let at = offset.clamp(l.kept, kept_end);
        let column = l.column + self.text.get(l.kept..at).map_or(0, |s| s.chars().count());
        (self.first_line + i, column)
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner =
            self.text
                .as_str()
                .read_span(span, context_lines_before, context_lines_after)?;
        let (line, column) = if context_lines_before == 0 {
            self.locate(inner.span().offset())
        } else {
            (self.first_line + inner.line(), inner.column())
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            line,
            column,
            // miette counts the lines read from the start of the source (it merges two
            // labels' frames by it): count the file's lines above the snippet too.
            self.first_line + inner.line_count(),
        )))
    }
}

/// The largest char boundary of `text` at or before `i`.
fn floor(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The part of the long line `(s, e)` to show: [`WINDOW`] characters either side of
/// the first label starting on it (the primary label when it does), a long label
/// shown by its first [`WINDOW`] characters. A line no label starts on shows where
/// a label ends on it, or its beginning.
fn window(text: &str, (s, e): (usize, usize), points: &[(usize, usize)]) -> (usize, usize) {
    let on = |x: usize| (s..=e).contains(&x);
    let (focus, focus_end) = points
        .iter()
        .find(|(a, _)| on(*a))
        .map(|&(a, b)| (a, b.min(e)))
        .or_else(|| points.iter().find(|(_, b)| on(*b)).map(|&(_, b)| (b, b)))
        .unwrap_or((s, s));
    let back = text[s..focus]
        .char_indices()
        .rev()
        .nth(WINDOW - 1)
        .map_or(s, |(i, _)| s + i);
    let label_end = text[focus..focus_end]
        .char_indices()
        .nth(WINDOW)
        .map_or(focus_end, |(i, _)| focus + i);
    let ahead = text[label_end..e]
        .char_indices()
        .nth(WINDOW)
        .map_or(e, |(i, _)| label_end + i);
    (back, ahead)
}

fn handler(theme: GraphicalTheme) -> GraphicalReportHandler {
    GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_context_lines(CONTEXT)
}

/// Renders with a code frame, unicode, no colour (stable for snapshots).
pub fn render_plain(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut out = String::new();
    let report = to_miette(d, sources);
    if handler(GraphicalTheme::unicode_nocolor())
        .render_report(&mut out, report.as_ref())
        .is_err()
    {
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
    let report = to_miette(d, sources);
    let _ = handler(GraphicalTheme::unicode()).render_report(&mut out, report.as_ref());
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::diag::codes;

    fn rendered(text: &str, at: usize, len: usize) -> String {
        let mut sources = SourceMap::default();
        let id = sources.add("t.json".into(), Arc::from(text));
        let d = Diagnostic::new(
            codes::CFN_SYNTAX,
            Span::new(id, at, at + len),
            "bad",
            "here",
        )
        .help("fix it");
        render_plain(&d, &sources)
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_with_the_true_location() {
        let line = format!("{}X{}", "é".repeat(5000), "a".repeat(5000));
        let text = format!("first\n{line}\nlast\n");
        let at = text.find('X').unwrap();
        let out = rendered(&text, at, 1);
        assert!(out.contains("[t.json:2:5001]"), "{out}");
        assert!(out.len() < 1500, "{} bytes:\n{out}", out.len());
        assert!(
            out.contains(&format!("…{}X{}…", "é".repeat(80), "a".repeat(80))),
            "{out}"
        );
        assert!(
            out.contains(" 1 │ first") && out.contains(" 3 │ last"),
            "{out}"
        );
    }

    #[test]
    fn a_long_label_is_cut_too() {
        let text = format!("{{{}}}", "\"k\": 1, ".repeat(10_000));
        let out = rendered(&text, 0, text.len());
        assert!(out.contains("[t.json:1:1]"), "{out}");
        assert!(out.len() < 1500, "{} bytes:\n{out}", out.len());
    }

    #[test]
    fn short_lines_are_shown_whole() {
        let text = "a: 1\nbb: 2\nccc: 3\n";
        let out = rendered(text, 6, 2);
        assert!(out.contains("[t.json:2:2]"), "{out}");
        assert!(
            out.contains(" 1 │ a: 1") && out.contains(" 3 │ ccc: 3"),
            "{out}"
        );
        assert!(!out.contains(ELLIPSIS), "{out}");
    }

    #[test]
    fn the_column_counts_characters() {
        let out = rendered("x: 'é€😀' !Bad\n", 15, 4);
        assert!(out.contains("[t.json:1:10]"), "{out}");
    }

    #[test]
    fn labels_at_the_end_of_a_file_without_newline() {
        let out = rendered("{\"a\": ", 6, 0);
        assert!(out.contains("[t.json:1:7]"), "{out}");
    }
}
