//! Bracket nesting depth of source text, measured before a third-party parser sees it: the
//! Rego (regorus) and HCL (hcl-edit) parsers backtrack at every bracket and take time
//! exponential in the depth, so too-deep text is refused up front (found by fuzzing).

/// The comment and string syntax of the language being measured.
#[derive(Debug, Clone, Copy)]
pub struct Syntax {
    /// The brackets that nest (openers; `]`, `}` and `)` close).
    pub openers: &'static [char],
    /// `//` line comments and `/* */` block comments (HCL), besides `#` line comments.
    pub slash_comments: bool,
    /// `` `raw` `` strings (Rego).
    pub backtick_strings: bool,
}

/// The byte offset of the first opener nested deeper than `max`, outside strings and
/// comments; `None` when the text stays within it.
#[must_use]
pub fn first_too_deep(text: &str, max: usize, syntax: Syntax) -> Option<usize> {
    let mut depth = 0usize;
    let mut chars = text.char_indices().peekable();
    let skip_line = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        for (_, c) in chars.by_ref() {
            if c == '\n' {
                break;
            }
        }
    };
    while let Some((i, c)) = chars.next() {
        match c {
            '#' => skip_line(&mut chars),
            '/' if syntax.slash_comments && chars.peek().is_some_and(|(_, n)| *n == '/') => {
                skip_line(&mut chars);
            }
            '/' if syntax.slash_comments && chars.peek().is_some_and(|(_, n)| *n == '*') => {
                chars.next();
                let mut star = false;
                for (_, c) in chars.by_ref() {
                    if star && c == '/' {
                        break;
                    }
                    star = c == '*';
                }
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
            }
            '`' if syntax.backtick_strings => {
                for (_, c) in chars.by_ref() {
                    if c == '`' {
                        break;
                    }
                }
            }
            ']' | '}' | ')' if closes_opener(c, syntax) => {
                depth = depth.saturating_sub(1);
            }
            c if syntax.openers.contains(&c) => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn closes_opener(close: char, syntax: Syntax) -> bool {
    let open = match close {
        ']' => '[',
        '}' => '{',
        _ => '(',
    };
    syntax.openers.contains(&open)
}
