//! Suppressions: findings a team has looked at and accepts, each with a reason.
//!
//! Three forms:
//! - a comment `# portico-ignore: PC201, PC204 -- reason`, in YAML or in Rego (a `.rego` file,
//!   or a module in a ConfigMap block scalar, whose lines are lines of the file). Trailing
//!   code on a line, it suppresses findings that start on that line; on a line of its own, it
//!   suppresses findings on the next line that is neither blank nor a comment (so several
//!   comments can stack above one line). YAML comments come from the parser, so a `#` inside
//!   a quoted string is not one; Rego comments are found by a scan that skips Rego strings.
//! - the annotation `portico.dev/ignore: "PC201: reason"` on a resource portico models, with
//!   several entries separated by `;` or newlines (`PC201, PC204: reason; PC403: other reason`).
//!   It suppresses findings that name the resource (`resource`) or whose location lies in its
//!   document (its item, inside a `List`).
//! - `suppressions:` in `portico.yaml`: entries with `codes`, a `reason` and globs on the file
//!   (`path`) and/or the resource (`resource`), for files that cannot carry comments.
//!
//! Suppressed findings are removed from the result and counted. A suppression without a reason
//! is reported (PC903), as is a code a suppression names that matched nothing while its rule ran
//! (PC904) and a code no rule has (PC905; codes in `portico.yaml` are PC902's).

mod comments;

use std::collections::BTreeSet;
use std::ops::Range;

use globset::GlobMatcher;

use crate::checks::{Levels, did_you_mean, suggest_code};
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Finding, Span};
use crate::load::Repo;
use crate::load::embedded::map_scalar;
use crate::load::locate::{Location, locate};
use crate::load::node::escape_token;
use crate::load::source::FileId;
use crate::load::yaml::SUPPRESSION_DIRECTIVE as DIRECTIVE;
use crate::model::Model;

use comments::{comment_suppression, parse_directive, rego_comments};

/// The annotation key.
pub const ANNOTATION: &str = "portico.dev/ignore";

/// Which form a suppression has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `# portico-ignore: …` in YAML.
    YamlComment,
    /// `# portico-ignore: …` in Rego.
    RegoComment,
    /// `portico.dev/ignore` on a resource.
    Annotation,
    /// `suppressions:` in `portico.yaml`.
    Config,
}

impl Kind {
    /// Whether the suppression is a comment.
    #[must_use]
    pub fn is_comment(self) -> bool {
        matches!(self, Kind::YamlComment | Kind::RegoComment)
    }
}

/// A code named by a suppression.
#[derive(Debug, Clone)]
pub struct CodeRef {
    /// As written.
    pub text: String,
    /// The rule's code, when a rule has it.
    pub code: Option<&'static str>,
    /// Where it is written.
    pub span: Span,
    /// Whether its rule ran (set when suppressions are applied).
    pub ran: bool,
    /// How many findings it suppressed.
    pub used: usize,
}

/// What a suppression covers.
#[derive(Debug, Clone)]
enum Scope {
    /// Findings starting on these 1-based lines of a file.
    Lines { file: FileId, lines: Vec<usize> },
    /// Findings about a resource.
    Resource {
        id: String,
        doc: crate::load::DocId,
        base: String,
    },
    /// Findings matching globs.
    Globs {
        path: Option<GlobMatcher>,
        resource: Option<GlobMatcher>,
    },
}

/// One suppression.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// Its form.
    pub kind: Kind,
    /// Where it is written: the comment, the annotation entry or the config entry.
    pub span: Span,
    /// The codes it names.
    pub codes: Vec<CodeRef>,
    /// Its reason, when it gives one.
    pub reason: Option<String>,
    /// The lines it covers, for comments (1-based).
    pub lines: Vec<usize>,
    scope: Scope,
}

/// A finding a suppression removed.
#[derive(Debug, Clone)]
pub struct Suppressed {
    /// The finding.
    pub diagnostic: Diagnostic,
    /// The form of the (first) suppression that matched it.
    pub kind: Kind,
    /// Its reason.
    pub reason: Option<String>,
    /// Where that suppression is written.
    pub at: Span,
}

/// Every suppression of a run, after being applied.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The suppressions, comments first (by file and position), then annotations, then
    /// `portico.yaml` entries.
    pub suppressions: Vec<Suppression>,
}

/// Finds every suppression in the repository and the configuration.
#[must_use]
pub fn collect(
    repo: &Repo,
    model: &Model,
    rego: &crate::rego::Analysis,
    config: &Config,
) -> Vec<Suppression> {
    let mut out = Vec::new();
    // The loader recorded the YAML comments that hold the directive while it parsed.
    for (id, comment) in &repo.directive_comments {
        let file = repo.sources.get(*id);
        let is_yaml = file
            .path
            .extension()
            .and_then(|e| e.to_str())
            .is_none_or(|e| matches!(e, "yaml" | "yml" | "json"));
        if !is_yaml {
            continue;
        }
        let Some(payload) = file.text.get(comment.payload.clone()) else {
            continue;
        };
        if let Some(directive) = parse_directive(payload) {
            out.push(comment_suppression(
                Kind::YamlComment,
                *id,
                file,
                comment.comment.clone(),
                comment.payload.start,
                directive,
            ));
        }
    }
    let mut seen = BTreeSet::new();
    for module in &rego.modules {
        let source = &module.source;
        if !source.text.contains(DIRECTIVE) {
            continue;
        }
        rego_comments(repo, source, &mut seen, &mut out);
    }
    out.sort_by_key(|s| (s.span.file, s.span.range.start));
    for meta in model.all_documents_meta() {
        if meta.annotations.contains_key(ANNOTATION) {
            annotations(repo, meta, &mut out);
        }
    }
    config_entries(config, &mut out);
    out
}

/// Splits a list of codes (separated by commas and/or blanks), with offsets shifted by `at`.
fn split_codes(text: &str, at: usize) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ',')))
    {
        let separator = c == ',' || c.is_whitespace();
        match (start, separator) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push((text.get(s..i).unwrap_or("").to_owned(), at + s..at + i));
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn code_refs(
    codes: Vec<(String, Range<usize>)>,
    span: impl Fn(Range<usize>) -> Span,
) -> Vec<CodeRef> {
    codes
        .into_iter()
        .map(|(text, range)| CodeRef {
            code: known_code(&text),
            text,
            span: span(range),
            ran: false,
            used: 0,
        })
        .collect()
}

/// The rule code `text` is, exactly.
fn known_code(text: &str) -> Option<&'static str> {
    crate::checks::registry::RULES
        .iter()
        .find(|r| r.code == text)
        .map(|r| r.code)
}

/// Entries of a `portico.dev/ignore` annotation.
fn annotations(repo: &Repo, meta: &crate::model::Meta, out: &mut Vec<Suppression>) {
    let Some(value) = meta.annotations.get(ANNOTATION) else {
        return;
    };
    let pointer = meta.pointer(&format!(
        "/metadata/annotations/{}",
        escape_token(ANNOTATION)
    ));
    let node = repo
        .root(meta.doc)
        .and_then(|root| root.pointer(&pointer))
        .map(|f| f.node);
    let file = repo.sources.get(meta.file);
    let map = node.map(|n| map_scalar(file, n));
    let fallback = node.map_or(0..0, |n| n.span.range());
    let to_file = |r: Range<usize>| -> Span {
        let range = match &map {
            Some(m) if m.is_exact() => m.file_offset(r.start)..m.file_offset(r.end),
            _ => fallback.clone(),
        };
        Span::new(meta.file, range)
    };
    let mut start = 0;
    for part in value.split_inclusive([';', '\n']) {
        let entry_start = start;
        start += part.len();
        let entry = part.trim_end_matches([';', '\n']);
        if entry.trim().is_empty() {
            continue;
        }
        let (codes_text, reason) = match entry.find(':').or_else(|| entry.find("--")) {
            Some(i) => {
                let sep = if entry.get(i..).is_some_and(|r| r.starts_with("--")) {
                    2
                } else {
                    1
                };
                (entry.get(..i).unwrap_or(""), entry.get(i + sep..))
            }
            None => (entry, None),
        };
        let lead = entry.len() - entry.trim_start().len();
        let entry_span = to_file(entry_start + lead..entry_start + entry.trim_end().len());
        out.push(Suppression {
            kind: Kind::Annotation,
            span: entry_span,
            codes: code_refs(split_codes(codes_text, entry_start), to_file),
            reason: reason
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
            lines: Vec::new(),
            scope: Scope::Resource {
                id: meta.id.to_string(),
                doc: meta.doc,
                base: meta.base.clone(),
            },
        });
    }
}

fn config_entries(config: &Config, out: &mut Vec<Suppression>) {
    let Some(file) = config.file else { return };
    for (i, entry) in config.settings.suppressions.iter().enumerate() {
        let span = |pointer: &str| Span::new(file, config.key_span(pointer).unwrap_or(0..0));
        let entry_pointer = format!("/suppressions/{i}");
        let codes = entry
            .codes
            .iter()
            .enumerate()
            .map(|(j, text)| CodeRef {
                text: text.clone(),
                code: known_code(text),
                span: span(&format!("{entry_pointer}/codes/{j}")),
                ran: false,
                used: 0,
            })
            .collect();
        // An invalid glob is reported with the configuration (PC901) and matches nothing.
        let Some(Some(globs)) = config.suppression_globs.get(i) else {
            continue;
        };
        let (path, resource) = (globs.path.clone(), globs.resource.clone());
        out.push(Suppression {
            kind: Kind::Config,
            span: span(&entry_pointer),
            codes,
            reason: entry
                .reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
            lines: Vec::new(),
            scope: Scope::Globs { path, resource },
        });
    }
}

/// What a diagnostic is matched against.
struct Subject<'a> {
    line: usize,
    file_name: &'a str,
    location: Option<Location>,
}

impl Suppression {
    fn covers(&self, d: &Diagnostic, subject: &Subject<'_>) -> bool {
        match &self.scope {
            Scope::Lines { file, lines } => {
                d.finding.span.file == *file && lines.contains(&subject.line)
            }
            Scope::Resource { id, doc, base } => {
                d.finding.resource.as_deref() == Some(id.as_str())
                    || subject
                        .location
                        .as_ref()
                        .is_some_and(|l| l.doc == *doc && l.base == *base)
            }
            Scope::Globs { path, resource } => {
                let path_ok = path.as_ref().is_none_or(|g| g.is_match(subject.file_name));
                let resource_ok = resource.as_ref().is_none_or(|g| {
                    d.finding.resource.as_deref().is_some_and(|r| g.is_match(r))
                        || subject
                            .location
                            .as_ref()
                            .and_then(|l| l.resource.as_deref())
                            .is_some_and(|r| g.is_match(r))
                });
                path_ok && resource_ok
            }
        }
    }
}

/// Removes the diagnostics a suppression covers. Returns the kept diagnostics, the suppressed
/// ones, and the suppressions with their codes marked as run and used.
#[must_use]
pub fn apply(
    mut suppressions: Vec<Suppression>,
    diagnostics: Vec<Diagnostic>,
    repo: &Repo,
    levels: &Levels,
) -> (Vec<Diagnostic>, Vec<Suppressed>, Outcome) {
    for s in &mut suppressions {
        for c in &mut s.codes {
            c.ran = c.code.is_some_and(|code| levels.runs(code));
        }
    }
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for d in diagnostics {
        let mut first: Option<(Kind, Option<String>, Span)> = None;
        let mut subject: Option<Subject<'_>> = None;
        for s in &mut suppressions {
            if !s.codes.iter().any(|c| c.code == Some(d.code)) {
                continue;
            }
            let subject = subject.get_or_insert_with(|| Subject {
                line: repo
                    .sources
                    .get(d.finding.span.file)
                    .line_col(d.finding.span.range.start)
                    .line,
                file_name: &repo.sources.get(d.finding.span.file).name,
                location: locate(repo, &d.finding.span),
            });
            if !s.covers(&d, subject) {
                continue;
            }
            for c in s.codes.iter_mut().filter(|c| c.code == Some(d.code)) {
                c.used += 1;
            }
            if first.is_none() {
                first = Some((s.kind, s.reason.clone(), s.span.clone()));
            }
        }
        match first {
            Some((kind, reason, at)) => suppressed.push(Suppressed {
                diagnostic: d,
                kind,
                reason,
                at,
            }),
            None => kept.push(d),
        }
    }
    (kept, suppressed, Outcome { suppressions })
}

/// What the suppressions themselves are reported for, once applied: no reason (PC903), a code
/// that suppressed nothing while its rule ran (PC904), and a code no rule has (PC905; codes in
/// `portico.yaml` are PC902's). Not sorted.
#[must_use]
pub fn findings(outcome: &Outcome, levels: &Levels) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut report = |code: &'static str, findings: Vec<Finding>| {
        if let Some(severity) = super::severity(code, levels) {
            out.extend(findings.into_iter().map(|finding| Diagnostic {
                code,
                severity,
                finding,
            }));
        }
    };
    report("PC903", without_reason(outcome));
    report("PC904", unused(outcome));
    report("PC905", unknown_codes(outcome));
    out
}

/// PC903 suppression-without-reason.
fn without_reason(outcome: &Outcome) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in outcome.suppressions.iter().filter(|s| s.reason.is_none()) {
        let codes = s
            .codes
            .iter()
            .map(|c| format!("`{}`", c.text))
            .collect::<Vec<_>>()
            .join(", ");
        let example = s.codes.first().map_or("PC201", |c| c.text.as_str());
        let help = match s.kind {
            Kind::YamlComment | Kind::RegoComment => {
                format!(
                    "add the reason after `--`: `# portico-ignore: {example} -- why it is accepted`"
                )
            }
            Kind::Annotation => {
                format!("add the reason after the code: `{example}: why it is accepted`")
            }
            Kind::Config => "add `reason:` to the entry".to_owned(),
        };
        let what = if codes.is_empty() {
            "suppression gives no reason".to_owned()
        } else {
            format!("suppression of {codes} gives no reason")
        };
        out.push(Finding::new(what, s.span.clone()).help(help));
    }
    out
}

/// PC904 unused-suppression.
fn unused(outcome: &Outcome) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &outcome.suppressions {
        for c in s.codes.iter().filter(|c| c.ran && c.used == 0) {
            let Some(code) = c.code else { continue };
            let help = match s.kind {
                Kind::YamlComment | Kind::RegoComment => match s.lines.first() {
                    Some(line) => {
                        format!("nothing on line {line} reports {code}; remove `{code}` from it")
                    }
                    None => format!("no line follows it; remove `{code}` from it"),
                },
                Kind::Annotation => {
                    format!("nothing in this resource reports {code}; remove `{code}` from it")
                }
                Kind::Config => format!("no finding matches this entry; remove `{code}` from it"),
            };
            out.push(
                Finding::new(
                    format!("suppression of `{code}` suppresses nothing"),
                    c.span.clone(),
                )
                .help(help),
            );
        }
    }
    out
}

/// PC905 unknown-suppression-code.
fn unknown_codes(outcome: &Outcome) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in outcome
        .suppressions
        .iter()
        .filter(|s| s.kind != Kind::Config)
    {
        if s.codes.is_empty() {
            let help = if s.kind == Kind::Annotation {
                "write the codes before the reason: `PC201: why it is accepted`"
            } else {
                "write the codes before the reason: `# portico-ignore: PC201 -- why it is accepted`"
            };
            out.push(Finding::new("suppression names no rule code", s.span.clone()).help(help));
            continue;
        }
        for c in s.codes.iter().filter(|c| c.code.is_none()) {
            let looks_like_code = c.text.len() >= 3
                && c.text
                    .get(..2)
                    .is_some_and(|p| p.eq_ignore_ascii_case("PC"));
            let help = did_you_mean(suggest_code(&c.text)).unwrap_or_else(|| {
                if looks_like_code {
                    "`portico rules` lists every code".to_owned()
                } else if s.kind == Kind::Annotation {
                    "separate the reason from the codes with `:`".to_owned()
                } else {
                    "separate the reason from the codes with `--`".to_owned()
                }
            });
            out.push(
                Finding::new(format!("`{}` is not a rule code", c.text), c.span.clone()).help(help),
            );
        }
    }
    out
}
