//! Text from the repository on its way to a terminal: control characters shown, not obeyed.
//!
//! File contents and file names are untrusted: which characters a terminal would obey, and how
//! they are shown instead, is [`crate::diagnostic::escaped`]. `NO_COLOR` turns off portico's
//! own colours, not these, so every reporter whose output goes to a terminal (human, GitHub
//! workflow commands) shows them escaped, whatever the colour setting.

use std::borrow::Cow;

use crate::diagnostic::escaped;

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

/// `value` as pretty JSON with a trailing newline, every character [`escaped`] names written
/// as a `\uXXXX` escape.
///
/// serde_json escapes what JSON requires (RFC 8259 §7: quotation mark, reverse solidus and
/// U+0000–U+001F, so `ESC` is already `\u001b`) and writes DEL, the C1 controls and the
/// bidirectional overrides as they are; a report printed to a terminal would obey them. The
/// escapes read back as the same strings, so the document means exactly what it did.
#[must_use]
pub fn json_pretty<T: serde::Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, EscapingFormatter::default());
    let mut text = match value.serialize(&mut serializer) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(e) => format!("{{\"error\": \"{e}\"}}"),
    };
    text.push('\n');
    text
}

/// serde_json's pretty printer, with the string fragments of [`json_pretty`].
#[derive(Default)]
struct EscapingFormatter(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for EscapingFormatter {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut from = 0;
        for (at, c) in fragment.char_indices() {
            if escaped(c).is_some() {
                writer.write_all(&fragment.as_bytes()[from..at])?;
                // Every character escaped here is in the Basic Multilingual Plane: one
                // `\uXXXX` each.
                write!(writer, "\\u{:04x}", c as u32)?;
                from = at + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[from..])
    }

    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn end_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
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

    #[test]
    fn json_escapes_what_a_terminal_would_obey_and_reads_back_the_same() {
        let value = serde_json::json!({"k\u{9b}": ["a\u{1b}[2J\u{7f}\u{202e}é"]});
        let text = json_pretty(&value);
        assert_eq!(
            text,
            "{\n  \"k\\u009b\": [\n    \"a\\u001b[2J\\u007f\\u202eé\"\n  ]\n}\n"
        );
        assert!(!text.chars().any(|c| escaped(c).is_some()));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, value);
        // Nothing else changes: the same as serde_json's pretty printer.
        let plain = serde_json::json!({"a": [1, "b", null, {"c": true}], "d": {}});
        assert_eq!(
            json_pretty(&plain),
            serde_json::to_string_pretty(&plain).unwrap_or_default() + "\n"
        );
    }
}
