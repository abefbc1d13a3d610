//! Whether a code block of a rule's documentation is an excerpt of a fixture file: the test
//! that keeps `## Example` true of `fail/` and `## Use instead` true of `pass/` (biome's
//! `rules_check`).
//!
//! A block is compared line by line after normalising whitespace. It may leave out lines of
//! the fixture, but not change the structure: each line must be found below the line it is
//! nested under (by indentation, at one offset for the whole block), after the line before
//! it, without leaving its parent's block on the way. So a value, key or nesting that differs
//! from the fixture is found, while siblings the documentation does not need may be omitted.
//!
//! - A YAML `- item` is its dash and then the item's first line two columns in, so a block
//!   may start inside a list item.
//! - Comments are left out, except `portico-ignore` directives, which portico reads.
//! - `…` or `...` (also `[…]` and `{…}`) inside a line matches any text there; alone on a
//!   line (or after `#`), any number of lines.
//! - A `---` line in the block starts a part that may come from another file of the fixture.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

/// Text that stands for elided text, longest first so that `[...]` is not read as `...`.
const WILDCARDS: [&str; 6] = ["[...]", "[…]", "{...}", "{…}", "...", "…"];

/// A fenced code block of a Markdown section.
pub struct Block {
    /// The info string, e.g. `yaml`.
    pub lang: String,
    /// The lines between the fences.
    pub text: String,
}

/// The fenced code blocks of the section under the heading `heading` (`## Example`).
pub fn blocks(markdown: &str, heading: &str) -> Vec<Block> {
    let mut lines = markdown
        .lines()
        .skip_while(|l| l.trim_end() != heading)
        .skip(1)
        .take_while(|l| !l.starts_with("## "));
    let mut out = Vec::new();
    while let Some(line) = lines.by_ref().find(|l| l.starts_with("```")) {
        let lang = line.trim_start_matches('`').trim().to_owned();
        let mut text = String::new();
        for line in lines.by_ref().take_while(|l| !l.starts_with("```")) {
            text.push_str(line);
            text.push('\n');
        }
        out.push(Block { lang, text });
    }
    out
}

/// One normalised line: its number in the text, indentation (`---` is -1, so that nothing
/// is read across documents) and text with runs of white space made one space.
#[derive(Debug, Clone)]
pub struct Line {
    pub number: usize,
    pub indent: isize,
    pub text: String,
}

/// A line of a block, or an elision standing for any number of lines.
#[derive(Debug, Clone)]
pub enum Item {
    Line(Line),
    Gap,
}

/// The lines of `text` in a block of language `lang`, normalised; `doc` reads elisions.
pub fn items(text: &str, lang: &str, doc: bool) -> Vec<Item> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        let trimmed = raw.trim();
        if doc && is_gap(trimmed) {
            out.push(Item::Gap);
            continue;
        }
        let (code, comment) = if lang == "json" {
            (raw.trim_end(), "")
        } else {
            split_comment(raw)
        };
        // The ext auth service ignores comments; portico reads its own directives.
        let directive = comment
            .contains("portico-ignore")
            .then(|| collapse(comment));
        let indent = leading_spaces(raw);
        if code.trim().is_empty() {
            if let Some(directive) = directive {
                out.push(Item::Line(Line {
                    number,
                    indent,
                    text: directive,
                }));
            }
            continue;
        }
        let mut indent = indent;
        let mut rest = code.trim_start();
        if rest == "---" {
            indent = -1;
        }
        if lang == "yaml" {
            while rest == "-" || rest.starts_with("- ") {
                out.push(Item::Line(Line {
                    number,
                    indent,
                    text: "-".to_owned(),
                }));
                let after = &rest[1..];
                indent += 1 + leading_spaces(after);
                rest = after.trim_start();
            }
        }
        if !rest.is_empty() {
            let mut text = collapse(rest);
            if let Some(directive) = directive {
                text.push(' ');
                text.push_str(&directive);
            }
            out.push(Item::Line(Line {
                number,
                indent,
                text,
            }));
        }
    }
    out
}

/// Whether a trimmed line of the documentation elides lines: a wildcard alone, or after `#`.
fn is_gap(trimmed: &str) -> bool {
    let bare = trimmed.strip_prefix('#').map_or(trimmed, str::trim);
    WILDCARDS.contains(&bare)
}

/// `line` split before its comment: a `#` outside quotes at the start or after white space
/// (YAML and Rego agree on that).
fn split_comment(line: &str) -> (&str, &str) {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && previous.is_whitespace() => {
                return (line[..i].trim_end(), &line[i..]);
            }
            None => {}
        }
        previous = c;
    }
    (line.trim_end(), "")
}

fn leading_spaces(text: &str) -> isize {
    isize::try_from(text.len() - text.trim_start_matches(' ').len()).unwrap()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the documentation line `doc` (which may hold wildcards) matches `fixture`.
pub fn line_matches(doc: &str, fixture: &str) -> bool {
    let parts = split_wildcards(doc);
    let [first, middle @ .., last] = parts.as_slice() else {
        return doc == fixture;
    };
    let first = first.trim_end();
    let last = last.trim_start();
    let Some(mut rest) = fixture.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        let part = part.trim();
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

/// `text` cut at every wildcard.
fn split_wildcards(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some((at, len)) = WILDCARDS
        .iter()
        .filter_map(|w| rest.find(w).map(|at| (at, w.len())))
        .min_by_key(|&(at, len)| (at, std::cmp::Reverse(len)))
    {
        parts.push(&rest[..at]);
        rest = &rest[at + len..];
    }
    parts.push(rest);
    parts
}

/// The parts of a block, split at its `---` lines.
pub fn parts(items: Vec<Item>) -> Vec<Vec<Item>> {
    let mut out = vec![Vec::new()];
    for item in items {
        match &item {
            Item::Line(line) if line.text == "---" => out.push(Vec::new()),
            _ => out.last_mut().unwrap().push(item),
        }
    }
    out.retain(|part| part.iter().any(|i| matches!(i, Item::Line(_))));
    out
}

/// How far a part got in one fixture file.
pub enum Outcome {
    /// Every line was found.
    Found,
    /// The line at this index of the part was not found (after the ones before it).
    Missing(usize),
}

/// Matches `part` (documentation items) against the lines of one fixture file.
pub fn find(part: &[Item], fixture: &[Line]) -> Outcome {
    let parents = parents(part);
    let mut search = Search {
        part,
        fixture,
        parents: &parents,
        placed: vec![0; part.len()],
        furthest: 0,
    };
    let Some(first) = part.iter().position(|i| matches!(i, Item::Line(_))) else {
        return Outcome::Found;
    };
    let Item::Line(head) = &part[first] else {
        unreachable!()
    };
    for (j, line) in fixture.iter().enumerate() {
        let offset = line.indent - head.indent;
        if offset >= 0 && line_matches(&head.text, &line.text) && search.from(first, j, offset) {
            return Outcome::Found;
        }
    }
    Outcome::Missing(search.furthest.max(first))
}

/// For each documentation line, the index of the line it is nested under.
fn parents(part: &[Item]) -> Vec<Option<usize>> {
    (0..part.len())
        .map(|k| {
            let Item::Line(line) = &part[k] else {
                return None;
            };
            (0..k)
                .rev()
                .find(|&m| matches!(&part[m], Item::Line(parent) if parent.indent < line.indent))
        })
        .collect()
}

struct Search<'a> {
    part: &'a [Item],
    fixture: &'a [Line],
    parents: &'a [Option<usize>],
    /// The fixture indentation each documentation line was matched at, on the current path.
    placed: Vec<isize>,
    /// The furthest documentation line any attempt reached.
    furthest: usize,
}

impl Search<'_> {
    /// Whether `part[k..]` matches `fixture[j..]` with every indentation shifted by `offset`.
    fn from(&mut self, k: usize, j: usize, offset: isize) -> bool {
        self.furthest = self.furthest.max(k);
        let Some(item) = self.part.get(k) else {
            return true;
        };
        let Item::Line(line) = item else {
            return (j..=self.fixture.len()).any(|next| self.from(k + 1, next, offset));
        };
        let want = line.indent + offset;
        // The parent's block ends at the first fixture line not indented past the parent.
        let floor = self.parents[k].map(|p| self.placed[p]);
        for next in j..self.fixture.len() {
            let candidate = &self.fixture[next];
            if candidate.indent == want && line_matches(&line.text, &candidate.text) {
                self.placed[k] = want;
                if self.from(k + 1, next + 1, offset) {
                    return true;
                }
            }
            let left = match floor {
                Some(floor) => candidate.indent <= floor,
                None => candidate.indent < want,
            };
            if left {
                return false;
            }
        }
        false
    }
}

/// Every file under `dir` with its lines normalised for blocks of language `lang`.
pub fn fixture_files(dir: &Path, lang: &str) -> Vec<(String, Vec<Line>)> {
    let mut out = Vec::new();
    collect(dir, dir, lang, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn collect(root: &Path, dir: &Path, lang: &str, out: &mut Vec<(String, Vec<Line>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(root, &path, lang, out);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            let lines = items(&text, lang, false)
                .into_iter()
                .filter_map(|i| match i {
                    Item::Line(line) => Some(line),
                    Item::Gap => None,
                })
                .collect();
            let rel = path.strip_prefix(root).unwrap().to_string_lossy();
            out.push((rel.replace('\\', "/"), lines));
        }
    }
}
