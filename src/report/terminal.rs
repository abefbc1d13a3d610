//! Text from the repository on its way to a terminal: control characters shown, not obeyed.
//!
//! File contents and file names are untrusted. Written raw, `ESC ]0;…BEL` retitles the
//! terminal, `ESC [2J` clears it, `ESC ]52;…` writes the clipboard (xterm's control sequences,
//! <https://invisible-island.net/xterm/ctlseqs/ctlseqs.html>), and the bidirectional
//! overrides reorder what is shown (CVE-2021-42574, "Trojan Source"). `NO_COLOR` turns off
//! portico's own colours, not these, so every reporter whose output goes to a terminal
//! (human, GitHub workflow commands) shows them escaped, whatever the colour setting.

use std::borrow::Cow;

/// How `c` is shown when it must not reach the terminal as it is: `\u{1b}`; `None` for every
/// other character.
///
/// Control characters (Unicode category Cc: C0, DEL and C1) other than tab and line feed,
/// which the reporters lay out themselves, and the bidirectional formatting characters
/// (Unicode Standard Annex #9, <https://www.unicode.org/reports/tr9/#Directional_Formatting_Characters>).
#[must_use]
pub fn escaped(c: char) -> Option<String> {
    let bidi = matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    );
    ((c.is_control() && c != '\t' && c != '\n') || bidi).then(|| format!("\\u{{{:x}}}", c as u32))
}

/// `text` with every character [`escaped`] names shown escaped; borrowed when there is none.
#[must_use]
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| escaped(c).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match escaped(c) {
            Some(shown) => out.push_str(&shown),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(
            escape_controls("a\u{1b}]0;title\u{7}b\u{9b}c\u{202e}d\r"),
            "a\\u{1b}]0;title\\u{7}b\\u{9b}c\\u{202e}d\\u{d}"
        );
        assert!(matches!(
            escape_controls("tab\tand\nline, é ✓"),
            Cow::Borrowed(_)
        ));
    }
}
