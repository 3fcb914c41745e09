//! Diagnostics: one record per problem, a stable code, rendered with miette.

pub mod codes;
mod render;

pub use codes::{CODES, Code};
pub use render::{render, render_plain};

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Advice,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Advice => "advice",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub span: Option<Span>,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    /// More places in the same file, with their labels.
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn new(
        code: Code,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: code.severity,
            code,
            span: Some(span),
            message: message.into(),
            label: label.into(),
            help: None,
            related: Vec::new(),
        }
    }

    /// A diagnostic with no place in a file (I/O, usage).
    pub fn global(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: code.severity,
            code,
            span: None,
            message: message.into(),
            label: String::new(),
            help: None,
            related: Vec::new(),
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
