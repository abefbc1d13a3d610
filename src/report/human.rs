//! Human output: miette code frames with labels on both ends of cross-resource findings.

use std::fmt;
use std::ops::Range;

use miette::{
    Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan,
    MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::terminal;
use crate::CheckResult;
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::source::{SourceFile, Sources};

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
            out.push_str(&format!("{}\n", view.message));
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
    // The release the API was read at: a field of another release is reported as such.
    let mut line = format!(
        "{} in {} ({}), Gloo Platform {}",
        counts,
        plural(s.files, "file"),
        plural(s.resources, "resource"),
        result.config.settings.gloo.version()
    );
    if s.capped > 0 {
        line.push_str(&format!(
            "; {} not shown (at most {} of a rule per file and {} per resource)",
            plural(s.capped, "more finding"),
            crate::findings_cap::PER_FILE,
            crate::findings_cap::PER_RESOURCE
        ));
    }
    line
}

/// A diagnostic seen through miette's protocol: the primary file's excerpt as source, labels
/// for every location in that file, and one related sub-report per location in another file.
struct View {
    severity: Severity,
    message: String,
    help: Option<String>,
    source: Excerpt,
    labels: Vec<LabeledSpan>,
    related: Vec<Related>,
}

struct Related {
    message: String,
    source: Excerpt,
    label: LabeledSpan,
}

impl View {
    fn new(sources: &Sources, d: &Diagnostic) -> Self {
        let f = &d.finding;
        let primary = sources.get(f.span.file);
        let here: Vec<&crate::diagnostic::Label> = f
            .related
            .iter()
            .filter(|r| r.span.file == f.span.file)
            .collect();
        let ranges: Vec<Range<usize>> = std::iter::once(f.span.range.clone())
            .chain(here.iter().map(|r| r.span.range.clone()))
            .collect();
        let (source, spans) = Excerpt::new(primary, &ranges);
        let mut spans = spans.into_iter();
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            f.label.as_deref().map(shown),
            spans.next().unwrap_or_else(|| SourceSpan::new(0.into(), 0)),
        )];
        labels.extend(
            here.iter()
                .zip(spans)
                .map(|(r, span)| LabeledSpan::new_with_span(Some(shown(&r.message)), span)),
        );
        let related = f
            .related
            .iter()
            .filter(|r| r.span.file != f.span.file)
            .map(|r| {
                let (source, spans) = Excerpt::new(
                    sources.get(r.span.file),
                    std::slice::from_ref(&r.span.range),
                );
                let span = spans
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| SourceSpan::new(0.into(), 0));
                Related {
                    message: shown(&r.message),
                    source,
                    label: LabeledSpan::new_with_span(Some(shown(&r.message)), span),
                }
            })
            .collect();
        Self {
            severity: d.severity,
            // The code leads the message, as oxc and rustc print it: `× PC201: selector …`.
            message: format!("{}: {}", d.code, shown(&f.message)),
            // A note of the cap on findings goes below the help: miette has one place for
            // text after the snippet.
            help: match (f.help.as_deref().map(shown), f.note.as_deref()) {
                (help, None) => help,
                (None, Some(note)) => Some(format!("(note: {note})")),
                (Some(help), Some(note)) => Some(format!("{help}\n(note: {note})")),
            },
            source,
            labels,
            related,
        }
    }
}

/// Text of a diagnostic as the terminal gets it (see [`terminal`]).
fn shown(text: &str) -> String {
    terminal::escape_controls(text).into_owned()
}

/// The lines of one file a diagnostic shows, as miette reads them: only those lines (a label
/// and one line either side), each cut to a window around its labels when long, with control
/// characters escaped and the credentials of URLs masked.
///
/// miette's own reading of a whole file counts lines from its start for every label, so a
/// report was quadratic in its findings (20,000 findings: 15 s), and it printed every line
/// whole (a finding on a 2 MB line printed 2 MB). Positions (the `file:line:column` of the
/// header, the line numbers in the margin) come from [`crate::load::source::SourceFile`], as
/// in every other format.
struct Excerpt {
    /// The file name, escaped.
    name: String,
    /// The shown lines, each followed by `\n` unless it is the file's last and has no break.
    text: String,
    /// Each shown line: where it starts in `text`, and its 0-based line in the file.
    lines: Vec<(usize, usize)>,
    /// The header position of each label: where it starts in `text`, and its 0-based line and
    /// column in the file.
    starts: Vec<(usize, (usize, usize))>,
}

/// Lines longer than this many bytes are shown as windows around their labels.
const LONG_LINE_BYTES: usize = 1024;
/// Bytes shown either side of a label's end on a long line.
const WINDOW_MARGIN_BYTES: usize = 120;
/// A label spanning more lines than this is cut to its first line: a finding on a whole
/// resource of ten thousand lines would print all of them.
const MAX_LABEL_LINES: usize = 24;
/// Lines shown above and below each label.
const CONTEXT_LINES: usize = 1;
/// Labels whose snippets are at most this many lines apart are shown in one snippet.
const MERGE_GAP_LINES: usize = 16;

impl Excerpt {
    /// The excerpt of `file` showing `ranges`, and where each of them is in the excerpt.
    fn new(file: &SourceFile, ranges: &[Range<usize>]) -> (Self, Vec<SourceSpan>) {
        let text = &*file.text;
        let last_line = file.line_count().saturating_sub(1);
        // Each range: its ends and their 0-based lines, long spans cut to their first line.
        let ends: Vec<((usize, usize), (usize, usize))> = ranges
            .iter()
            .map(|r| {
                let start = floor_boundary(text, r.start);
                // An end inside a character takes all of it (a bad byte of a file that is
                // not UTF-8 is the first byte of its replacement character).
                let mut end = ceil_boundary(text, r.end.max(r.start));
                let start_line = file.line_col(start).line - 1;
                let mut end_line = file.line_col(end).line - 1;
                if end_line - start_line > MAX_LABEL_LINES {
                    end = line_end(file, start_line);
                    end_line = start_line;
                }
                ((start, start_line), (end, end_line))
            })
            .collect();
        // The lines to show, in order, without repeats.
        let mut shown_lines: Vec<usize> = ends
            .iter()
            .flat_map(|&((_, first), (_, last))| {
                first.saturating_sub(CONTEXT_LINES)..=(last + CONTEXT_LINES).min(last_line)
            })
            .collect();
        shown_lines.sort_unstable();
        shown_lines.dedup();
        // Labels a few lines apart share one snippet, the lines between them included.
        let gaps: Vec<usize> = shown_lines
            .windows(2)
            .filter(|pair| pair[1] - pair[0] > 1 && pair[1] - pair[0] <= MERGE_GAP_LINES + 1)
            .flat_map(|pair| pair[0] + 1..pair[1])
            .collect();
        if !gaps.is_empty() {
            shown_lines.extend(gaps);
            shown_lines.sort_unstable();
        }
        let mut excerpt = Self {
            name: shown(&file.name),
            text: String::new(),
            lines: Vec::with_capacity(shown_lines.len()),
            starts: Vec::with_capacity(ranges.len()),
        };
        // Where each end lands in the excerpt, filled line by line.
        let mut mapped: Vec<(usize, usize)> = vec![(0, 0); ends.len()];
        for &line in &shown_lines {
            let line_start = file.line_start(line + 1).unwrap_or(text.len());
            let content = file.line_text(line + 1).unwrap_or("");
            let line_end = line_start + content.len();
            // The ends on this line: (offset, which range, whether it is the start).
            let mut points: Vec<(usize, usize, bool)> = Vec::new();
            for (i, &((start, start_line), (end, end_line))) in ends.iter().enumerate() {
                if start_line == line {
                    points.push((start.min(line_end), i, true));
                }
                if end_line == line {
                    points.push((end.min(line_end), i, false));
                }
            }
            points.sort_unstable();
            let at = excerpt.text.len();
            excerpt.lines.push((at, line));
            excerpt.push_line(text, line_start..line_end, &points, &mut mapped);
            if file.line_start(line + 2).is_some() {
                excerpt.text.push('\n');
            }
        }
        let spans = mapped
            .iter()
            .map(|&(start, end)| SourceSpan::new(start.into(), end.saturating_sub(start)))
            .collect();
        for (i, &((start, _), _)) in ends.iter().enumerate() {
            let position = file.line_col(start);
            excerpt.starts.push((
                mapped.get(i).map_or(0, |m| m.0),
                (position.line - 1, position.column - 1),
            ));
        }
        (excerpt, spans)
    }

    /// Appends the shown form of one line (`range` of `text`, without its break), recording
    /// in `mapped` where each of `points` (sorted ends on this line) lands.
    fn push_line(
        &mut self,
        text: &str,
        range: Range<usize>,
        points: &[(usize, usize, bool)],
        mapped: &mut [(usize, usize)],
    ) {
        // The windows of the line to show: all of a short line; around the ends on a long one
        // (or its beginning, when no end is on it).
        let mut windows: Vec<Range<usize>> = Vec::new();
        if range.len() <= LONG_LINE_BYTES {
            windows.push(range.clone());
        } else if points.is_empty() {
            windows.push(range.start..floor_boundary(text, range.start + LONG_LINE_BYTES));
        } else {
            for &(at, _, _) in points {
                let from = floor_boundary(
                    text,
                    at.saturating_sub(WINDOW_MARGIN_BYTES).max(range.start),
                );
                let to = floor_boundary(text, (at + WINDOW_MARGIN_BYTES).min(range.end));
                match windows.last_mut() {
                    Some(last) if from <= last.end + WINDOW_MARGIN_BYTES => {
                        last.end = to.max(last.end)
                    }
                    _ => windows.push(from..to),
                }
            }
        }
        // The ends up to each offset land where the excerpt is when it gets there.
        let mut next = 0;
        let mut land = |upto: usize, excerpt_at: usize, mapped: &mut [(usize, usize)]| {
            while let Some(&(_, i, is_start)) = points.get(next).filter(|p| p.0 <= upto) {
                if let Some(m) = mapped.get_mut(i) {
                    if is_start {
                        m.0 = excerpt_at;
                    } else {
                        m.1 = excerpt_at;
                    }
                }
                next += 1;
            }
        };
        for window in &windows {
            if window.start > range.start {
                self.text.push('…');
            }
            let shown_text = text.get(window.clone()).unwrap_or("");
            let secrets = crate::diagnostic::url_secrets(shown_text);
            let mut secrets = secrets.iter().peekable();
            for (offset, c) in shown_text.char_indices() {
                land(window.start + offset, self.text.len(), mapped);
                while secrets.next_if(|m| m.end <= offset).is_some() {}
                match secrets.peek() {
                    // A secret is shown as `***`, whatever its length.
                    Some(secret) if secret.contains(&offset) => {
                        if offset == secret.start {
                            self.text.push_str("***");
                        }
                    }
                    _ => match crate::diagnostic::escaped(c) {
                        Some(escaped) => self.text.push_str(&escaped),
                        None => self.text.push(c),
                    },
                }
            }
            land(window.end, self.text.len(), mapped);
            if window.end < range.end {
                self.text.push('…');
            }
        }
        land(usize::MAX, self.text.len(), mapped);
    }

    /// The index in `lines` of the shown line holding excerpt offset `at`.
    fn line_of(&self, at: usize) -> usize {
        self.lines
            .partition_point(|&(start, _)| start <= at)
            .saturating_sub(1)
    }

    /// Where shown line `i` ends in `text`, its break included.
    fn end_of(&self, i: usize) -> usize {
        self.lines
            .get(i + 1)
            .map_or(self.text.len(), |&(start, _)| start)
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        if self.lines.is_empty() || span.offset() > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.line_of(span.offset());
        // A span that ends at the start of a line reaches into that line, as miette's reading
        // of a whole file has it (the context after it starts below that line).
        let end = span.offset() + span.len();
        let ends_at_line_start =
            !span.is_empty() && self.lines.binary_search_by_key(&end, |&(s, _)| s).is_ok();
        let last = self
            .line_of(if ends_at_line_start {
                end
            } else {
                end.saturating_sub(1)
            })
            .max(first);
        // Context stays within consecutive lines of the file.
        let consecutive = |i: usize| match (self.lines.get(i), self.lines.get(i + 1)) {
            (Some(&(_, a)), Some(&(_, b))) => a + 1 == b,
            _ => false,
        };
        let mut from = first;
        for _ in 0..context_lines_before {
            if from == 0 || !consecutive(from - 1) {
                break;
            }
            from -= 1;
        }
        let mut to = last;
        for _ in 0..context_lines_after {
            if !consecutive(to) {
                break;
            }
            to += 1;
        }
        let line_start = self.lines.get(from).map_or(0, |&(start, _)| start);
        let (data_start, line, column) = if context_lines_before == 0 {
            // The header position: the label's own, computed from the file.
            let (line, column) = self
                .starts
                .iter()
                .find(|(at, _)| *at == span.offset())
                .map_or_else(
                    || {
                        let (start, line) = self.lines.get(from).copied().unwrap_or((0, 0));
                        let column = self
                            .text
                            .get(start..span.offset())
                            .map_or(0, |s| s.chars().count());
                        (line, column)
                    },
                    |&(_, position)| position,
                );
            (span.offset(), line, column)
        } else {
            let line = self.lines.get(from).map_or(0, |&(_, line)| line);
            (line_start, line, 0)
        };
        // miette shows two labels in one snippet when the first one's `line + line_count`
        // reaches the second's line: counting the lines to the end of this run of consecutive
        // lines, the labels of one run share a snippet, and no others.
        let mut run_end = to;
        while consecutive(run_end) {
            run_end += 1;
        }
        let data_end = self.end_of(to);
        let data = self
            .text
            .get(data_start..data_end)
            .ok_or(MietteError::OutOfBounds)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data.as_bytes(),
            SourceSpan::new(data_start.into(), data.len()),
            line,
            column,
            run_end - from + 1,
        )))
    }
}

/// `offset` clamped to `text` and moved back to a char boundary.
fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// `offset` clamped to `text` and moved on to a char boundary.
fn ceil_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

/// The offset where 0-based `line` of `file` ends, before its break.
fn line_end(file: &SourceFile, line: usize) -> usize {
    file.line_start(line + 1).unwrap_or(0) + file.line_text(line + 1).map_or(0, str::len)
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
