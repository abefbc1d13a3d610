//! `# portico-ignore:` comments: the directive read from a comment's text, the lines it
//! covers, and the comments of Rego modules found by a scan that skips Rego strings.

use std::collections::BTreeSet;
use std::ops::Range;

use super::{DIRECTIVE, Kind, Scope, Suppression, code_refs, split_codes};
use crate::diagnostic::Span;
use crate::load::Repo;
use crate::load::source::{FileId, SourceFile};

/// The directive in a comment's text (after `#`): its codes with their offsets in `text`, and
/// its reason.
pub(super) struct Directive {
    codes: Vec<(String, Range<usize>)>,
    reason: Option<String>,
}

pub(super) fn parse_directive(text: &str) -> Option<Directive> {
    let lead = text.len() - text.trim_start().len();
    let rest = text.get(lead..)?.strip_prefix(DIRECTIVE)?;
    let mut at = lead + DIRECTIVE.len();
    let rest = match rest.strip_prefix(':') {
        Some(r) => {
            at += 1;
            r
        }
        None if rest.is_empty() || rest.starts_with(char::is_whitespace) => rest,
        None => return None,
    };
    let (codes_text, reason) = match rest.find("--") {
        Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i + 2..)),
        None => (rest, None),
    };
    Some(Directive {
        codes: split_codes(codes_text, at),
        reason: reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned),
    })
}

/// The lines a comment starting at `offset` covers: its own when code precedes it, else the
/// next line that is neither blank nor a comment.
fn covered_lines(file: &SourceFile, offset: usize) -> Vec<usize> {
    let line = file.line_col(offset).line;
    let start = file.line_start(line).unwrap_or(0);
    let own_line = file
        .text
        .get(start..offset)
        .is_some_and(|before| before.trim().is_empty());
    if !own_line {
        return vec![line];
    }
    ((line + 1)..=file.line_count())
        .find(|&l| {
            file.line_text(l).is_some_and(|t| {
                let t = t.trim();
                !t.is_empty() && !t.starts_with('#')
            })
        })
        .into_iter()
        .collect()
}

pub(super) fn comment_suppression(
    kind: Kind,
    file_id: FileId,
    file: &SourceFile,
    comment: Range<usize>,
    payload_start: usize,
    directive: Directive,
) -> Suppression {
    let lines = covered_lines(file, comment.start);
    Suppression {
        kind,
        span: Span::new(file_id, comment),
        codes: code_refs(directive.codes, |r| {
            Span::new(file_id, payload_start + r.start..payload_start + r.end)
        }),
        reason: directive.reason,
        scope: Scope::Lines {
            file: file_id,
            lines: lines.clone(),
        },
        lines,
    }
}

/// The comments of a Rego module: the byte range of each, from `#` to the end of its line.
fn rego_comment_offsets(text: &str) -> Vec<(usize, usize)> {
    #[derive(PartialEq)]
    enum State {
        Code,
        String,
        Escape,
        Raw,
    }
    let mut out = Vec::new();
    let mut state = State::Code;
    let mut skip_to = 0;
    for (i, c) in text.char_indices() {
        if i < skip_to {
            continue;
        }
        match state {
            State::Code => match c {
                '"' => state = State::String,
                '`' => state = State::Raw,
                '#' => {
                    let end = text
                        .get(i..)
                        .and_then(|r| r.find('\n'))
                        .map_or(text.len(), |n| i + n);
                    out.push((i, end));
                    skip_to = end;
                }
                _ => {}
            },
            State::String => match c {
                '\\' => state = State::Escape,
                '"' | '\n' => state = State::Code,
                _ => {}
            },
            State::Escape => state = State::String,
            State::Raw => {
                if c == '`' {
                    state = State::Code;
                }
            }
        }
    }
    out
}

pub(super) fn rego_comments(
    repo: &Repo,
    source: &crate::model::rego::RegoSource,
    seen: &mut BTreeSet<(FileId, usize)>,
    out: &mut Vec<Suppression>,
) {
    if source.map.as_ref().is_some_and(|m| !m.is_exact()) {
        // Folded or escaped text: its lines are not the file's.
        return;
    }
    let file = repo.sources.get(source.file);
    for (start, end) in rego_comment_offsets(&source.text) {
        let Some(comment) = source.text.get(start + 1..end) else {
            continue;
        };
        let comment = comment.strip_suffix('\r').unwrap_or(comment);
        let Some(directive) = parse_directive(comment) else {
            continue;
        };
        let file_start = source.file_offset(start);
        if !seen.insert((source.file, file_start)) {
            continue;
        }
        let file_end = file_start + 1 + comment.len();
        out.push(comment_suppression(
            Kind::RegoComment,
            source.file,
            file,
            file_start..file_end,
            file_start + 1,
            directive,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_directives() {
        let d = parse_directive(" portico-ignore: PC201, PC204 -- vendored chart").unwrap_or(
            Directive {
                codes: Vec::new(),
                reason: None,
            },
        );
        let codes: Vec<_> = d.codes.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["PC201", "PC204"]);
        assert_eq!(d.reason.as_deref(), Some("vendored chart"));
        assert!(parse_directive(" portico-ignored: PC201").is_none());
        assert!(parse_directive(" see portico-ignore: PC201").is_none());
        let bare = parse_directive("portico-ignore PC201 --").map(|d| d.reason);
        assert_eq!(bare, Some(None));
    }

    #[test]
    fn finds_rego_comments_outside_strings() {
        let text = "package x\n# a\nallow if { \"#no\" == `#no` } # b\n";
        let found: Vec<_> = rego_comment_offsets(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(found, ["# a", "# b"]);
    }
}
