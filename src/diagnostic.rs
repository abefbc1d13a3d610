//! The one diagnostic type every stage produces and every reporter renders.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

use crate::load::source::FileId;

/// How serious a finding is. Ordered so that `Error > Warning > Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Info,
    /// Probably wrong; fails a run only with `--fail-on warning`.
    Warning,
    /// Wrong: the gateway rejects it or it does not do what it says.
    Error,
}

impl Severity {
    /// The lowercase name used in reports and configuration.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `error`, `warning` or `info`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte range in one loaded file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// Byte offsets, `start..end`; may be empty (a point).
    pub range: Range<usize>,
}

impl Span {
    /// A span in `file` covering `range`.
    #[must_use]
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Self { file, range }
    }
}

/// A secondary location: the other end of a cross-resource finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there, e.g. "closest route label".
    pub message: String,
}

/// What a rule reports: the rule's code and severity are stamped on later by the runner.
///
/// Every text a finding carries goes through [`redact_credentials`] when it is set by these
/// methods, so that a password in a URL a rule quotes reaches no report, baseline or log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What is wrong, in one sentence.
    pub message: String,
    /// The offending key or value.
    pub span: Span,
    /// Text shown under the primary location.
    pub label: Option<String>,
    /// What to do about it; carries "did you mean" suggestions.
    pub help: Option<String>,
    /// `Kind/namespace/name` of the resource the finding is about.
    pub resource: Option<String>,
    /// Other ends of the finding.
    pub related: Vec<Label>,
    /// What the report adds: how many findings like this one it leaves out (see
    /// [`crate::findings_cap`]). Rules do not set it.
    pub note: Option<String>,
}

impl Finding {
    /// A finding with a message at a span.
    #[must_use]
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        Self {
            message: redact_credentials(message.into()),
            span,
            label: None,
            help: None,
            resource: None,
            related: Vec::new(),
            note: None,
        }
    }

    /// Adds help text.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(redact_credentials(help.into()));
        self
    }

    /// Adds help text when there is some.
    #[must_use]
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help.map(redact_credentials);
        }
        self
    }

    /// Sets the text under the primary location.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(redact_credentials(label.into()));
        self
    }

    /// Names the resource the finding is about, as its id displays (`Kind/namespace/name`):
    /// the one way a rule sets [`Finding::resource`], which reports and baselines print.
    #[must_use]
    pub fn about(mut self, resource: &impl fmt::Display) -> Self {
        self.resource = Some(resource.to_string());
        self
    }

    /// Adds a secondary location.
    #[must_use]
    pub fn related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Label {
            span,
            message: redact_credentials(message.into()),
        });
        self
    }
}

/// A finding stamped with its rule code and effective severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable rule code, `PC` + three digits.
    pub code: &'static str,
    /// Effective severity after configuration.
    pub severity: Severity,
    /// The finding itself.
    pub finding: Finding,
}

/// `text` with the credentials of every URL in it masked: `https://user:secret@host` becomes
/// `https://user:***@host`, and `https://token@host` becomes `https://***@host`.
///
/// RFC 3986 §3.2.1 (<https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1>): "Applications
/// should not render as clear text any data after the first colon (":") character found
/// within a userinfo subcomponent"; a userinfo without a colon is masked whole, since it is as
/// often a token (`https://<token>@github.com`) as a user name.
#[must_use]
pub fn redact_credentials(text: String) -> String {
    let found = url_secrets(&text);
    if found.is_empty() {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for secret in found {
        out.push_str(text.get(from..secret.start).unwrap_or(""));
        out.push_str("***");
        from = secret.end;
    }
    out.push_str(text.get(from..).unwrap_or(""));
    out
}

/// The byte range of what [`redact_credentials`] masks in each URL of `text`: the user
/// information after its first colon, or all of it when it has none.
#[must_use]
pub fn url_secrets(text: &str) -> Vec<Range<usize>> {
    url_credentials(text)
        .into_iter()
        .map(
            |userinfo| match text.get(userinfo.clone()).and_then(|u| u.find(':')) {
                Some(colon) => userinfo.start + colon + 1..userinfo.end,
                None => userinfo,
            },
        )
        .collect()
}

/// The byte range of the user information (`user:password` before `@`) of every URL in
/// `text` that has one, in order.
///
/// A URL is recognised by its scheme and `://`; its authority ends at the first `/`, `?`, `#`
/// or `\` (RFC 3986 §3.2; WHATWG URL parsers read `\` as `/` in web URLs), at white space,
/// or at a quote or angle bracket, which delimit a URL quoted in a message or in Rego; the
/// user information is what precedes its last `@`.
#[must_use]
pub fn url_credentials(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text.get(from..).and_then(|rest| rest.find("://")) {
        let separator = from + at;
        from = separator + 3;
        let scheme_start = bytes[..separator]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
            .map_or(0, |i| i + 1);
        if !bytes.get(scheme_start).is_some_and(u8::is_ascii_alphabetic)
            || scheme_start == separator
        {
            continue;
        }
        let authority_end = bytes[from..]
            .iter()
            .position(|&b| {
                matches!(b, b'/' | b'?' | b'#' | b'\\' | b'`' | b'"' | b'<' | b'>')
                    || b.is_ascii_whitespace()
            })
            .map_or(bytes.len(), |i| from + i);
        if let Some(last_at) = bytes[from..authority_end].iter().rposition(|&b| b == b'@')
            && last_at > 0
        {
            found.push(from..from + last_at);
        }
        from = authority_end;
    }
    found
}

/// How `c` is shown when it must not reach a terminal or a log as it is: `\u{1b}`; `None` for
/// every other character. Every place that prints text from the repository (the reporters,
/// the paths `portico build` names) shows it through this.
///
/// File contents and file names are untrusted. Written raw, `ESC ]0;…BEL` retitles the
/// terminal, `ESC [2J` clears it, `ESC ]52;…` writes the clipboard (xterm's control sequences,
/// <https://invisible-island.net/xterm/ctlseqs/ctlseqs.html>), and the bidirectional
/// overrides reorder what is shown (CVE-2021-42574, "Trojan Source").
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_urls_are_masked() {
        let redact = |t: &str| redact_credentials(t.to_owned());
        assert_eq!(
            redact("issuer `http://admin:s3cr3t@idp.example.com/x` uses plain http"),
            "issuer `http://admin:***@idp.example.com/x` uses plain http"
        );
        assert_eq!(
            redact("use `https://ghp_token@github.com`"),
            "use `https://***@github.com`"
        );
        // The last `@` of the authority ends the user information; a path may hold more.
        assert_eq!(
            redact("https://u:p@ss@host/a@b and ftp://x:y@z"),
            "https://u:***@host/a@b and ftp://x:***@z"
        );
        for unchanged in [
            "no url here",
            "https://host/path@v1",
            "git@github.com:org/repo",
            "://nothing@before",
            "email me@example.com",
        ] {
            assert_eq!(redact(unchanged), unchanged);
        }
    }

    #[test]
    fn every_text_a_finding_carries_is_redacted() {
        let span = Span::new(FileId(0), 0..1);
        let f = Finding::new("a https://u:pw@h", span.clone())
            .help("b https://u:pw@h")
            .label("c https://u:pw@h")
            .related(span, "d https://u:pw@h");
        let texts = [
            f.message.as_str(),
            f.help.as_deref().unwrap_or(""),
            f.label.as_deref().unwrap_or(""),
            f.related[0].message.as_str(),
        ];
        assert!(texts.iter().all(|t| !t.contains("pw")), "{texts:?}");
        let f = Finding::new("x", Span::new(FileId(0), 0..1))
            .maybe_help(Some("https://u:pw@h".to_owned()));
        assert_eq!(f.help.as_deref(), Some("https://u:***@h"));
    }
}
