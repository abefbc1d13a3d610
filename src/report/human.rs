//! Human output: miette code frames with labels on both ends of cross-resource findings.

use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan,
    NamedSource, SourceSpan,
};

use crate::CheckResult;
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::source::Sources;

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct HumanOptions {
    /// ANSI colours.
    pub color: bool,
    /// Terminal width for wrapping.
    pub width: usize,
}

impl Default for HumanOptions {
    fn default() -> Self {
        Self {
            color: false,
            width: 100,
        }
    }
}

/// Renders every diagnostic and a summary line.
#[must_use]
pub fn render(result: &CheckResult, options: HumanOptions) -> String {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    for d in &result.diagnostics {
        let view = View::new(&result.repo.sources, d);
        if handler.render_report(&mut out, &view).is_err() {
            out.push_str(&format!("{}: {}\n", d.code, d.finding.message));
        }
        out.push('\n');
    }
    out.push_str(&summary_line(result));
    out.push('\n');
    out
}

fn summary_line(result: &CheckResult) -> String {
    let s = &result.summary;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let counts = format!(
        "{}, {}, {}",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "info")
    );
    format!(
        "{} in {} ({})",
        counts,
        plural(s.files, "file"),
        plural(s.resources, "resource")
    )
}

/// A diagnostic seen through miette's protocol: the primary file as source, labels for every
/// location in that file, and one related sub-report per location in another file.
struct View {
    severity: Severity,
    message: String,
    help: Option<String>,
    source: NamedSource<Arc<str>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Related>,
}

struct Related {
    message: String,
    source: NamedSource<Arc<str>>,
    label: LabeledSpan,
}

impl View {
    fn new(sources: &Sources, d: &Diagnostic) -> Self {
        let f = &d.finding;
        let primary = sources.get(f.span.file);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            f.label.clone(),
            span(&f.span.range),
        )];
        let mut related = Vec::new();
        for r in &f.related {
            if r.span.file == f.span.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(r.message.clone()),
                    span(&r.span.range),
                ));
            } else {
                let file = sources.get(r.span.file);
                related.push(Related {
                    message: r.message.clone(),
                    source: NamedSource::new(file.name.clone(), Arc::clone(&file.text))
                        .with_language("yaml"),
                    label: LabeledSpan::new_with_span(Some(r.message.clone()), span(&r.span.range)),
                });
            }
        }
        Self {
            severity: d.severity,
            // The code leads the message, as oxc and rustc print it: `× PC201: selector …`.
            message: format!("{}: {}", d.code, f.message),
            help: f.help.clone(),
            source: NamedSource::new(primary.name.clone(), Arc::clone(&primary.text)),
            labels,
            related,
        }
    }
}

fn span(range: &std::ops::Range<usize>) -> SourceSpan {
    SourceSpan::new(range.start.into(), range.end.saturating_sub(range.start))
}

impl fmt::Debug for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for View {}

impl MietteDiagnostic for View {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn MietteDiagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn MietteDiagnostic),
        ))
    }
}

impl fmt::Debug for Related {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Related {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Related {}

impl MietteDiagnostic for Related {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}
