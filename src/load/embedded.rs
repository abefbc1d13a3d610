//! Mapping offsets inside a scalar's decoded text back to the file, so a finding inside embedded
//! text (Rego in a ConfigMap `|` block, JSON in `localJwks.inlineString`) points at the right
//! line and column of the YAML file.
//!
//! Literal blocks are mapped line by line: the parser's span starts at the first content character
//! of the first non-empty line, so its column is the block's indentation (also with an explicit
//! indentation indicator such as `|2`), and each decoded line is checked against the source line
//! it comes from. Lines that do not match (folded text, escapes) fall back to the scalar's start
//! rather than pointing somewhere wrong.

use super::node::{Node, Style};
use super::source::SourceFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    text_start: usize,
    file_start: usize,
    len: usize,
}

/// Maps byte offsets in a scalar's decoded text to byte offsets in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMap {
    segments: Vec<Segment>,
    fallback: usize,
}

impl TextMap {
    /// The file offset of `offset` in the decoded text. Offsets on a line that could not be
    /// mapped resolve to the scalar's start.
    #[must_use]
    pub fn file_offset(&self, offset: usize) -> usize {
        let i = self.segments.partition_point(|s| s.text_start <= offset);
        match i.checked_sub(1).and_then(|i| self.segments.get(i)) {
            // `<=` so the line break after a line maps to the end of that line.
            Some(s) if offset - s.text_start <= s.len => s.file_start + (offset - s.text_start),
            _ => self.fallback,
        }
    }

    /// Whether every line of the text was mapped exactly.
    #[must_use]
    pub fn is_exact(&self) -> bool {
        !self.segments.is_empty()
    }
}

/// Builds the map for a string scalar node of `file`.
#[must_use]
pub fn map_scalar(file: &SourceFile, node: &Node) -> TextMap {
    let fallback = node.span.start();
    let Some(text) = node.as_str() else {
        return TextMap {
            segments: Vec::new(),
            fallback,
        };
    };
    let segments = match node.style {
        Style::Literal => map_literal(file, node.span.start(), text),
        Style::Plain | Style::SingleQuoted | Style::DoubleQuoted => map_inline(file, node, text),
        Style::Folded | Style::Collection => None,
    };
    TextMap {
        segments: segments.unwrap_or_default(),
        fallback,
    }
}

fn map_inline(file: &SourceFile, node: &Node, text: &str) -> Option<Vec<Segment>> {
    let quote = usize::from(node.style != Style::Plain);
    let start = node.span.start() + quote;
    let raw = file.text.get(start..start + text.len())?;
    (raw == text).then(|| {
        vec![Segment {
            text_start: 0,
            file_start: start,
            len: text.len(),
        }]
    })
}

fn map_literal(file: &SourceFile, start: usize, text: &str) -> Option<Vec<Segment>> {
    let first = file.line_col(start).line;
    let indent = start - file.line_start(first)?;
    let leading_blank = text.len() - text.trim_start_matches('\n').len();
    let top = first.checked_sub(leading_blank)?;
    let mut segments = Vec::new();
    let mut text_start = 0;
    // A trailing line break ends the last line; it does not start another one.
    let body = text.strip_suffix('\n').unwrap_or(text);
    for (i, line) in body.split('\n').enumerate() {
        let source_line = top + i;
        if line.is_empty() {
            let at = file.line_start(source_line).map_or(start, |line_start| {
                let source = file.line_text(source_line).unwrap_or("");
                line_start + indent.min(source.len())
            });
            segments.push(Segment {
                text_start,
                file_start: at,
                len: 0,
            });
        } else {
            let line_start = file.line_start(source_line)?;
            let source = file.line_text(source_line)?;
            if source.get(indent..)? != line {
                return None;
            }
            segments.push(Segment {
                text_start,
                file_start: line_start + indent,
                len: line.len(),
            });
        }
        text_start += line.len() + 1;
    }
    Some(segments)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::load::yaml;

    /// Parses `yaml`, maps `needle` in the value of `/data/policy.rego` and returns its line and
    /// column in the file together with the file text at that position.
    fn locate(yaml_text: &str, needle: &str) -> (usize, usize, String) {
        let file = SourceFile::new("cm.yaml".into(), PathBuf::from("cm.yaml"), yaml_text.into());
        let parsed = yaml::parse(&file);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let node = parsed.documents[0]
            .root
            .pointer("/data/policy.rego")
            .map(|f| f.node.clone());
        let node = node.unwrap_or_else(|| unreachable!("no policy.rego"));
        let rego = node.as_str().unwrap_or_default();
        let offset = rego
            .find(needle)
            .unwrap_or_else(|| unreachable!("{needle} not in {rego:?}"));
        let map = map_scalar(&file, &node);
        assert!(map.is_exact());
        let at = map.file_offset(offset);
        let lc = file.line_col(at);
        (
            lc.line,
            lc.column,
            file.text[at..at + needle.len()].to_owned(),
        )
    }

    const BODY: &str = "    package test\n\n    default allow = false\n    allow {\n      input.state.jwtAccessToken.scp[_] == \"x\"\n    }\n";

    #[test]
    fn literal_block() {
        let text = format!("data:\n  policy.rego: |\n{BODY}");
        assert_eq!(locate(&text, "package"), (3, 5, "package".into()));
        assert_eq!(
            locate(&text, "jwtAccessToken"),
            (7, 19, "jwtAccessToken".into())
        );
    }

    #[test]
    fn literal_block_strip_chomping() {
        let text = format!("data:\n  policy.rego: |-\n{BODY}other: 1\n");
        assert_eq!(locate(&text, "allow {"), (6, 5, "allow {".into()));
    }

    #[test]
    fn literal_block_keep_chomping_and_leading_blank_lines() {
        let text = format!("data:\n  policy.rego: |+\n\n\n{BODY}\n");
        assert_eq!(locate(&text, "default"), (7, 5, "default".into()));
    }

    #[test]
    fn explicit_indentation_indicator() {
        // With `|2` the block's indentation is 2 below the key's column: the extra spaces are content.
        let text = "data:\n  policy.rego: |2\n      package test\n    allow {\n      true\n    }\n";
        assert_eq!(locate(text, "package"), (3, 7, "package".into()));
        assert_eq!(locate(text, "allow"), (4, 5, "allow".into()));
    }

    #[test]
    fn crlf_line_endings() {
        let text = format!(
            "data:\r\n  policy.rego: |\r\n{}",
            BODY.replace('\n', "\r\n")
        );
        assert_eq!(
            locate(&text, "jwtAccessToken"),
            (7, 19, "jwtAccessToken".into())
        );
        assert_eq!(locate(&text, "}"), (8, 5, "}".into()));
    }

    #[test]
    fn quoted_and_plain_scalars() {
        let text = "data:\n  policy.rego: \"package test\"\n";
        assert_eq!(locate(text, "test"), (2, 25, "test".into()));
        let text = "data:\n  policy.rego: package test\n";
        assert_eq!(locate(text, "test"), (2, 24, "test".into()));
    }

    #[test]
    fn folded_text_falls_back_to_the_scalar_start() {
        let text = "data:\n  policy.rego: >\n    package test\n    allow\n";
        let file = SourceFile::new("cm.yaml".into(), PathBuf::from("cm.yaml"), text.into());
        let parsed = yaml::parse(&file);
        let node = parsed.documents[0]
            .root
            .pointer("/data/policy.rego")
            .map(|f| f.node.clone());
        let node = node.unwrap_or_else(|| unreachable!());
        let map = map_scalar(&file, &node);
        assert!(!map.is_exact());
        assert_eq!(map.file_offset(5), node.span.start());
    }
}
