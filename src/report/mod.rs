//! Stage 5: rendering diagnostics. Reporters return strings; the binary decides where they go.

pub mod github;
pub mod human;
pub mod json;
pub mod matrix;
pub mod sarif;
pub mod terminal;

use crate::diagnostic::Span;
use crate::load::source::Sources;

/// The project's home page, named by SARIF's `informationUri`.
pub const INFORMATION_URI: &str = "https://github.com/portico-dev/portico";

/// Where the generated rule pages (`docs/rules/<CODE>.md`) are published. Every link to a rule's
/// documentation (SARIF `helpUri`, the GitHub job summary, `portico rules --format json`) is
/// built from this one prefix, so moving the docs is a one-line change.
pub const RULE_DOCS_BASE: &str = "https://github.com/portico-dev/portico/blob/main/docs/rules/";

/// The documentation page of a rule code.
#[must_use]
pub fn help_uri(code: &str) -> String {
    format!("{RULE_DOCS_BASE}{code}.md")
}

/// File name, start (line, column) and end (line, column) of a span; 1-based, columns counted
/// in Unicode code points (what [`crate::load::source::SourceFile::line_col`] computes). The end
/// is the position just past the last character, as SARIF's `endColumn` expects.
#[must_use]
pub fn position<'a>(
    sources: &'a Sources,
    span: &Span,
) -> (&'a str, (usize, usize), (usize, usize)) {
    let file = sources.get(span.file);
    let start = file.line_col(span.range.start);
    let end = file.line_col(span.range.end);
    (
        &file.name,
        (start.line, start.column),
        (end.line, end.column),
    )
}
