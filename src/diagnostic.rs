//! The one diagnostic type every stage produces and every reporter renders.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

use crate::load::source::FileId;

/// How serious a finding is. Ordered so that `Error > Warning > Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Info,
    /// Probably wrong; fails a run only with `--fail-on warning`.
    Warning,
    /// Wrong: the gateway rejects it or it does not do what it says.
    Error,
}

impl Severity {
    /// The lowercase name used in reports and configuration.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `error`, `warning` or `info`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte range in one loaded file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// Byte offsets, `start..end`; may be empty (a point).
    pub range: Range<usize>,
}

impl Span {
    /// A span in `file` covering `range`.
    #[must_use]
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Self { file, range }
    }
}

/// A secondary location: the other end of a cross-resource finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there, e.g. "closest route label".
    pub message: String,
}

/// What a rule reports: the rule's code and severity are stamped on later by the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What is wrong, in one sentence.
    pub message: String,
    /// The offending key or value.
    pub span: Span,
    /// Text shown under the primary location.
    pub label: Option<String>,
    /// What to do about it; carries "did you mean" suggestions.
    pub help: Option<String>,
    /// `Kind/namespace/name` of the resource the finding is about.
    pub resource: Option<String>,
    /// Other ends of the finding.
    pub related: Vec<Label>,
}

impl Finding {
    /// A finding with a message at a span.
    #[must_use]
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        Self {
            message: message.into(),
            span,
            label: None,
            help: None,
            resource: None,
            related: Vec::new(),
        }
    }

    /// Adds help text.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds help text when there is some.
    #[must_use]
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Sets the text under the primary location.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Names the resource the finding is about.
    #[must_use]
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Adds a secondary location.
    #[must_use]
    pub fn related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }
}

/// A finding stamped with its rule code and effective severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable rule code, `PC` + three digits.
    pub code: &'static str,
    /// Effective severity after configuration.
    pub severity: Severity,
    /// The finding itself.
    pub finding: Finding,
}
