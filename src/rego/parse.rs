//! The seam to regorus' parser (`regorus::unstable`, pinned to one version because the AST is
//! not a stable API): parse a module in the OPA v1 syntax, fall back to v0, and turn regorus'
//! rustc-style error text into an offset in the module text.

use std::ops::Range;

use regorus::unstable::{Module, Parser, Query, Ref, Source};

/// Which Rego syntax a module parsed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// OPA 1.x syntax (`if`, `contains`), or a module that parses in both.
    V1,
    /// Only the pre-1.0 syntax (`allow { … }`): OPA 1.x rejects it unless v0 compatibility is on.
    V0,
}

/// Which syntax the ext auth service accepts (`rego.version` in portico.yaml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accepted {
    /// Either; a v0-only module gets a note.
    #[default]
    Auto,
    /// OPA 1.x without v0 compatibility: a v0-only module is an error.
    V1,
    /// v0 compatibility mode.
    V0,
}

impl From<crate::config::RegoVersion> for Accepted {
    fn from(version: crate::config::RegoVersion) -> Self {
        match version {
            crate::config::RegoVersion::Auto => Self::Auto,
            crate::config::RegoVersion::V1 => Self::V1,
            crate::config::RegoVersion::V0 => Self::V0,
        }
    }
}

/// A parse error inside a Rego text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegoError {
    /// Byte offsets in the text (the character the parser stopped at).
    pub range: Range<usize>,
    /// The parser's message, e.g. "expecting `}` while parsing query".
    pub message: String,
    /// The text was not given to the parser: its brackets nest deeper than
    /// [`MAX_BRACKET_DEPTH`], or its nested literals would cost the parser more than
    /// [`MAX_PARSE_WORK`].
    pub too_deep: bool,
}

/// The deepest nesting of `[` and `{` handed to regorus. Its parser tries a comprehension
/// before an array or object literal at every bracket, so its time doubles with each level
/// (16 levels took seconds, 20 minutes: found by the `rego` fuzz target); 12 levels stay
/// well under a second, far beyond what policies write.
pub const MAX_BRACKET_DEPTH: usize = 12;

/// Refuses text whose `[`/`{` nesting exceeds [`MAX_BRACKET_DEPTH`], at the first bracket too
/// deep. Strings, raw strings and comments are skipped.
fn check_nesting(text: &str) -> Result<(), RegoError> {
    let syntax = crate::load::nesting::Syntax {
        openers: &['[', '{'],
        slash_comments: false,
        backtick_strings: true,
    };
    match crate::load::nesting::first_too_deep(text, MAX_BRACKET_DEPTH, syntax) {
        None => Ok(()),
        Some(i) => Err(RegoError {
            range: i..i + 1,
            message: format!("brackets nest more than {MAX_BRACKET_DEPTH} levels deep here"),
            too_deep: true,
        }),
    }
}

/// The most parser work (see [`parse_work`]) one module or query may cost. The cap on depth
/// bounds one expression, not a module: an 8 KB module of expressions 12 levels deep costs
/// 2.5 to 3 million units, and took 1.2 s to parse here and 30 s on a loaded machine. A unit
/// took 300 to 500 ns here (regorus built at opt-level 1, as in a debug build), so this cap
/// is about half a second; a module of flat rules costs about one unit a token, and a 334 KB
/// table of role objects four levels deep 330,000 units.
pub const MAX_PARSE_WORK: u64 = 1 << 20;

/// An estimate of the work regorus' parser does on `text`, counted in tokens parsed. Its
/// parser saves its state at every `[` and `{`, tries a comprehension (or a query), and on
/// failure parses the first element again as a literal: a token inside the first element of
/// k brackets is parsed 2^k times (parser.rs, `parse_compr`, `parse_compr_or_array` and
/// `parse_compr_set_or_object` in regorus 0.14.1; measured: each level doubles the time, for
/// arrays, sets, objects, comprehensions and unterminated text alike). Parentheses and calls
/// do not backtrack (30 nested took 19 µs). Elements after the first are parsed once.
/// Strings, raw strings and comments are single tokens.
/// Deterministic, linear in the text, and never below the parser's real work by more than
/// the constant factors it leaves out.
///
/// # Errors
/// The byte offset of the token at which the work passes `max`.
pub fn parse_work(text: &str, max: u64) -> Result<u64, usize> {
    // For each open bracket: whether the scan is still in its first element of a `[` or `{`
    // (a parenthesis only keeps its commas from ending an outer first element).
    let mut first: Vec<bool> = Vec::new();
    let mut doubling = 0u32;
    let mut work = 0u64;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let counted = match c {
            '#' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                false
            }
            '"' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
                true
            }
            '`' => {
                for (_, c) in chars.by_ref() {
                    if c == '`' {
                        break;
                    }
                }
                true
            }
            '[' | '{' => {
                work = work.saturating_add(1u64.checked_shl(doubling).unwrap_or(u64::MAX));
                first.push(true);
                doubling += 1;
                false
            }
            '(' => {
                first.push(false);
                true
            }
            ']' | '}' | ')' => {
                if first.pop() == Some(true) {
                    doubling = doubling.saturating_sub(1);
                }
                true
            }
            ',' => {
                if let Some(open) = first.last_mut()
                    && *open
                {
                    *open = false;
                    doubling = doubling.saturating_sub(1);
                }
                true
            }
            c if c.is_alphanumeric() || c == '_' => {
                while chars
                    .next_if(|(_, c)| c.is_alphanumeric() || *c == '_')
                    .is_some()
                {}
                true
            }
            c => !c.is_whitespace(),
        };
        if counted {
            work = work.saturating_add(1u64.checked_shl(doubling).unwrap_or(u64::MAX));
        }
        if work > max {
            return Err(at);
        }
    }
    Ok(work)
}

/// Refuses text whose parsing would cost more than [`MAX_PARSE_WORK`], at the token where the
/// work passes it.
fn check_work(text: &str) -> Result<(), RegoError> {
    let Err(at) = parse_work(text, MAX_PARSE_WORK) else {
        return Ok(());
    };
    Err(RegoError {
        range: at..text[at..].chars().next().map_or(at, |c| at + c.len_utf8()),
        message: format!(
            "its nested literals would cost the parser more than {MAX_PARSE_WORK} token parses by here, the most one module may cost"
        ),
        too_deep: true,
    })
}

/// A parsed module.
pub struct ParsedModule {
    /// The AST.
    pub module: Ref<Module>,
    /// The syntax it needed.
    pub syntax: Syntax,
}

impl std::fmt::Debug for ParsedModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedModule")
            .field("syntax", &self.syntax)
            .finish_non_exhaustive()
    }
}

/// Parses a module. `name` only appears inside regorus' own messages.
///
/// # Errors
/// The first syntax error, at its position in `text`. When neither syntax parses, the error of
/// the attempt that got further: that is where the author's real mistake is.
pub fn parse_module(name: &str, text: &str, accepted: Accepted) -> Result<ParsedModule, RegoError> {
    check_nesting(text)?;
    check_work(text)?;
    let source = Source::from_contents(name.to_string(), text.to_string())
        .map_err(|e| to_rego_error(text, &e))?;
    let v1 = if accepted == Accepted::V0 {
        None
    } else {
        Some(parse_with(&source, true).map_err(|e| to_rego_error(text, &e)))
    };
    match v1 {
        Some(Ok(module)) => {
            return Ok(ParsedModule {
                module,
                syntax: Syntax::V1,
            });
        }
        Some(Err(error)) if accepted == Accepted::V1 => return Err(error),
        // Every v0 module fails the v1 parse at its first rule for want of `if` or
        // `contains`; any other error is the author's, and re-parsing as v0 would only make
        // regorus print keyword warnings to stderr.
        Some(Err(error)) if !error.message.contains("keyword is required") => return Err(error),
        _ => {}
    }
    match parse_with(&source, false) {
        Ok(module) => Ok(ParsedModule {
            // In v0 mode a module that imports rego.v1 is still v1 syntax.
            syntax: if accepted == Accepted::V0 && module.rego_v1 {
                Syntax::V1
            } else {
                Syntax::V0
            },
            module,
        }),
        Err(e) => {
            let v0_error = to_rego_error(text, &e);
            match v1 {
                Some(Err(v1_error)) if v1_error.range.start >= v0_error.range.start => {
                    Err(v1_error)
                }
                _ => Err(v0_error),
            }
        }
    }
}

fn parse_with(source: &Source, v1: bool) -> anyhow::Result<Ref<Module>> {
    crate::panic_boundary::run("the Rego parser", || {
        let mut parser = Parser::new(source)?;
        if v1 {
            parser.enable_rego_v1()?;
        }
        Ok(Ref::new(parser.parse()?))
    })
    .map_err(anyhow::Error::msg)?
}

/// Parses an `opaAuth.query` (a Rego query, e.g. `data.test.allow == true`).
///
/// # Errors
/// The syntax error, at its position in `text`.
pub fn parse_query(text: &str) -> Result<Ref<Query>, RegoError> {
    check_nesting(text)?;
    check_work(text)?;
    let source = Source::from_contents("query".to_string(), text.to_string())
        .map_err(|e| to_rego_error(text, &e))?;
    let parsed = crate::panic_boundary::run("the Rego query parser", || {
        Parser::new(&source).and_then(|mut parser| {
            parser.enable_rego_v1()?;
            parser.parse_user_query()
        })
    })
    .map_err(anyhow::Error::msg)
    .and_then(|parsed| parsed);
    parsed.map_err(|e| to_rego_error(text, &e))
}

/// Reads the position out of a regorus error (`--> name:LINE:COL` then `error: MESSAGE`);
/// messages without one point at the start of the text.
#[must_use]
pub fn to_rego_error(text: &str, error: &anyhow::Error) -> RegoError {
    let rendered = format!("{error:#}");
    let position = rendered.lines().find_map(|line| {
        let rest = line.trim_start().strip_prefix("-->")?;
        let mut parts = rest.trim().rsplitn(3, ':');
        let col: usize = parts.next()?.trim().parse().ok()?;
        let line: usize = parts.next()?.trim().parse().ok()?;
        Some((line, col))
    });
    let message = error_message(&rendered);
    // regorus' query parser reports a truncated query as "expecting " with nothing after.
    let message = if message.trim() == "expecting" {
        "the query is not a complete Rego expression".to_string()
    } else {
        message
    };
    let start = position.map_or(0, |(line, col)| offset_of(text, line, col));
    let end = text[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    RegoError {
        range: start..end,
        message,
        too_deep: false,
    }
}

/// The message line of rendered regorus error text (`error: MESSAGE` after the `-->`
/// location and code frame), or its first non-empty line when it has none.
#[must_use]
pub fn error_message(rendered: &str) -> String {
    rendered
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .or_else(|| rendered.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("")
        .to_string()
}

/// The byte offset of a 1-based line and column as regorus' lexer counts them, clamped to the
/// text. Its columns are not characters: a tab advances 4 columns (`opa fmt` indents with
/// tabs), and a double-quoted string advances by its length in bytes (lexer.rs, `skip_ws`,
/// `read_raw_string` and `read_string` in regorus 0.14.1). Diagnostics count characters.
#[must_use]
pub fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line {
        match text[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let mut state = LexState::default();
    for c in text[..offset].chars() {
        state.step(c);
    }
    let mut column = 1;
    for (i, c) in text[offset..line_end].char_indices() {
        if column >= col {
            return offset + i;
        }
        column += match c {
            '\t' => 4,
            _ if state.in_string => c.len_utf8(),
            _ => 1,
        };
        state.step(c);
    }
    line_end
}

/// Where the lexer is, as far as columns care: inside a double-quoted string (and after a
/// backslash in it), a raw string (which may span lines) or a comment.
#[derive(Default)]
struct LexState {
    in_string: bool,
    escaped: bool,
    in_raw: bool,
    in_comment: bool,
}

impl LexState {
    fn step(&mut self, c: char) {
        if self.in_comment {
            self.in_comment = c != '\n';
        } else if self.in_raw {
            self.in_raw = c != '`';
        } else if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else {
                self.escaped = c == '\\';
                self.in_string = c != '"' && c != '\n';
            }
        } else {
            match c {
                '"' => self.in_string = true,
                '`' => self.in_raw = true,
                '#' => self.in_comment = true,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_nesting_is_bounded() {
        let nested = |n: usize| format!("package x\n\nz := {}1{}\n", "[".repeat(n), "]".repeat(n));
        assert!(parse_module("m.rego", &nested(MAX_BRACKET_DEPTH), Accepted::Auto).is_ok());
        let Err(error) = parse_module("m.rego", &nested(MAX_BRACKET_DEPTH + 1), Accepted::Auto)
        else {
            unreachable!("13 levels must be refused");
        };
        assert!(error.too_deep);
        assert_eq!(
            error.range.start,
            "package x\n\nz := ".len() + MAX_BRACKET_DEPTH
        );
        // Brackets in strings, raw strings and comments do not count.
        let quoted = format!(
            "package x\n\n# {}\na := \"{}\"\nb := `{}`\n",
            "[".repeat(40),
            "{\\\"[".repeat(40),
            "[".repeat(40)
        );
        assert!(parse_module("m.rego", &quoted, Accepted::Auto).is_ok());
    }

    #[test]
    fn v1_module_parses_as_v1() {
        let text = "package test\n\ndefault allow := false\n\nallow if input.x == 1\n";
        let parsed = parse_module("p.rego", text, Accepted::Auto).map(|p| p.syntax);
        assert_eq!(parsed, Ok(Syntax::V1));
    }

    #[test]
    fn v0_module_needs_v0() {
        let text = "package test\n\ndefault allow = false\n\nallow {\n  input.x == 1\n}\n";
        let parsed = parse_module("p.rego", text, Accepted::Auto).map(|p| p.syntax);
        assert_eq!(parsed, Ok(Syntax::V0));
        let strict = parse_module("p.rego", text, Accepted::V1).map(|p| p.syntax);
        let error = strict.err().map(|e| (e.range.start, e.message));
        assert_eq!(
            error,
            Some((43, "`if` keyword is required before rule body".to_string()))
        );
        let v0 = parse_module("p.rego", text, Accepted::V0).map(|p| p.syntax);
        assert_eq!(v0, Ok(Syntax::V0));
    }

    #[test]
    fn error_position_is_mapped_to_the_offset() {
        let text = "package test\n\nallow if {\n    input.scope !== \"\"\n}\n";
        let error = parse_module("p.rego", text, Accepted::Auto).err();
        let error = error.map(|e| (text[e.range.clone()].to_string(), e.range.start, e.message));
        assert_eq!(
            error,
            Some(("=".to_string(), 43, "expecting expression".to_string()))
        );
    }

    #[test]
    fn query_errors_have_positions() {
        assert!(parse_query("data.test.allow == true").is_ok());
        let error = parse_query("data.test.allow ==").err().map(|e| e.message);
        assert_eq!(
            error.as_deref(),
            Some("the query is not a complete Rego expression")
        );
        let error = parse_query("data.test.allow == = true")
            .err()
            .map(|e| e.range.start);
        assert_eq!(error, Some(19));
    }

    #[test]
    fn offsets_follow_the_lexer_columns() {
        let text = "ab\n# éé x\n";
        assert_eq!(offset_of(text, 2, 6), 10);
        assert_eq!(offset_of(text, 9, 1), text.len());
        assert_eq!(offset_of(text, 1, 99), 2);
        // A tab is 4 columns; a double-quoted string counts its bytes, a raw one its
        // characters, also on the lines it spans.
        let text = "\tx := \"é\\\"é\" + y\n\ta := `é\né` + b\n";
        assert_eq!(&text[offset_of(text, 1, 5)..][..1], "x");
        assert_eq!(&text[offset_of(text, 1, 21)..][..1], "y");
        assert_eq!(&text[offset_of(text, 2, 5)..][..1], "a");
        assert_eq!(&text[offset_of(text, 3, 6)..][..1], "b");
    }

    #[test]
    fn tab_indented_errors_point_at_the_character() {
        // `opa fmt` indents with tabs.
        let text = "package test\n\nallow if {\n\t\tinput.scope !== \"\"\n}\n";
        let error = parse_module("p.rego", text, Accepted::Auto).err();
        let error = error.map(|e| (text[..e.range.start].to_string(), e.message));
        assert_eq!(
            error,
            Some((
                "package test\n\nallow if {\n\t\tinput.scope !=".to_string(),
                "expecting expression".to_string()
            ))
        );
    }

    #[test]
    fn parser_work_doubles_in_first_elements() {
        let work = |t: &str| parse_work(t, u64::MAX).unwrap_or(0);
        // Four tokens, one doubled by the bracket around it.
        assert_eq!(work("x := [1]"), 1 + 1 + 1 + 1 + 2 + 1);
        // Only the first element is parsed twice; a comment is free, a string one token.
        assert_eq!(work("[1, 2] # [[[[\n\"[[\""), 1 + 2 + 1 + 1 + 1 + 1);
        assert_eq!(work("[x]"), 1 + 2 + 1);
        assert_eq!(work("[[x]]"), 1 + 2 + 4 + 2 + 1);
        // Each level doubles the innermost token; parentheses and calls do not.
        assert_eq!(work("[[[x]]]"), 1 + 2 + 4 + 8 + 4 + 2 + 1);
        assert_eq!(work("f(g(x, y), z)"), 11);
        assert_eq!(parse_work("[[[x]]]", 10), Err(3));
        let deep = |n: usize| format!("package x\n\nz := {}1{}\n", "[".repeat(n), "]".repeat(n));
        let mut module = String::from("package x\n\n");
        while module.len() < 8192 {
            module.push_str(&deep(MAX_BRACKET_DEPTH)["package x\n\n".len()..]);
        }
        let Err(error) = parse_module("m.rego", &module, Accepted::Auto) else {
            unreachable!("an 8 KB module of expressions 12 levels deep must be refused");
        };
        assert!(error.too_deep);
        assert!(
            error.message.contains("cost the parser"),
            "{}",
            error.message
        );
    }
}
