//! SARIF 2.1.0 (`check --format sarif`), the format GitHub code scanning and most CI dashboards
//! import. One run; the driver lists every rule so that a viewer can show a rule's documentation
//! even for rules that found nothing.
//!
//! Columns are counted in Unicode code points, as everywhere else in portico, and the run says
//! so (`columnKind`): SARIF's default, UTF-16 code units, would shift columns after any character
//! outside the Basic Multilingual Plane.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{INFORMATION_URI, help_uri, position};
use crate::CheckResult;
use crate::checks::Rule;
use crate::checks::registry::RULES;
use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::load::source::Sources;

/// The key of portico's entry in `partialFingerprints`. The version lets the recipe change
/// later without old and new fingerprints being compared as if they were the same kind.
pub const FINGERPRINT_KEY: &str = "portico/v1";

/// The `uriBaseId` of every relative file name: the directory portico was pointed at.
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    original_uri_base_ids: BTreeMap<&'static str, BaseId>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties,
}

/// What the run assumed: the Gloo Platform release the API was read at.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    gloo_version: &'static str,
}

/// What `%SRCROOT%` stands for. Its absolute `uri` is left out on purpose: the log then does
/// not depend on the machine, and code-scanning services resolve relative names against the
/// checkout they analyse.
#[derive(Serialize)]
struct BaseId {
    description: Text,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties<'a>>,
}

#[derive(Serialize)]
struct Properties<'a> {
    resource: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<TextRef<'a>>,
}

#[derive(Serialize)]
struct TextRef<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// Renders the SARIF log as pretty JSON with a trailing newline.
#[must_use]
pub fn render(result: &CheckResult) -> String {
    let sources = &result.repo.sources;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let results = result
        .diagnostics
        .iter()
        .map(|d| {
            // Identical findings (same code, resource, file and message on different lines)
            // share a hash; the occurrence number keeps them apart, in the stable sort order.
            let hash = fingerprint(sources, d);
            let n = seen.entry(hash.clone()).or_insert(0);
            *n += 1;
            sarif_result(sources, d, format!("{hash}:{n}"))
        })
        .collect();
    let log = Log {
        schema: "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "portico",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: RULES.iter().map(descriptor).collect(),
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseId {
                    description: Text {
                        text: "The directory portico checked: file names are relative to it."
                            .to_owned(),
                    },
                },
            )]),
            column_kind: "unicodeCodePoints",
            results,
            properties: RunProperties {
                gloo_version: result.config.settings.gloo.version().as_str(),
            },
        }],
    };
    // Pretty JSON, with what a terminal would obey escaped (see `terminal::json_pretty`).
    super::terminal::json_pretty(&log)
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let full = what_it_does(rule);
    ReportingDescriptor {
        id: rule.code,
        name: rule.slug,
        short_description: Text {
            text: first_sentence(&full).to_owned(),
        },
        full_description: Text { text: full },
        help_uri: help_uri(rule.code),
        default_configuration: Configuration {
            level: level(rule.default_severity),
        },
    }
}

fn sarif_result<'a>(sources: &Sources, d: &'a Diagnostic, fingerprint: String) -> SarifResult<'a> {
    let f = &d.finding;
    let mut text = f.message.clone();
    if let Some(help) = &f.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    // After the message, which alone is fingerprinted: the count changes, the finding does not.
    if let Some(note) = &f.note {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    SarifResult {
        rule_id: d.code,
        rule_index: RULES.iter().position(|r| r.code == d.code),
        level: level(d.severity),
        message: Text { text },
        locations: [Location {
            id: None,
            physical_location: physical(sources, &f.span),
            message: f.label.as_deref().map(|text| TextRef { text }),
        }],
        related_locations: f
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| Location {
                id: Some(i),
                physical_location: physical(sources, &r.span),
                message: Some(TextRef { text: &r.message }),
            })
            .collect(),
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
        properties: f
            .resource
            .as_deref()
            .map(|resource| Properties { resource }),
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn physical(sources: &Sources, span: &Span) -> PhysicalLocation {
    let (file, start, end) = position(sources, span);
    PhysicalLocation {
        artifact_location: artifact(file),
        region: Region {
            start_line: start.0,
            start_column: start.1,
            end_line: end.0,
            end_column: end.1,
        },
    }
}

/// A file name as a URI reference: relative names resolve against `%SRCROOT%`; an absolute
/// path (a file named on the command line outside any walked root) becomes a `file:` URI, and
/// standard input, which has no location, keeps its `<stdin>` name percent-encoded.
fn artifact(name: &str) -> ArtifactLocation {
    if name == "<stdin>" {
        return ArtifactLocation {
            uri: encode_path(name),
            uri_base_id: None,
        };
    }
    let slashed = name.replace('\\', "/");
    let absolute = slashed.starts_with('/')
        || (slashed.as_bytes().get(1) == Some(&b':') && slashed.as_bytes().get(2) == Some(&b'/'));
    if absolute {
        let path = if slashed.starts_with('/') {
            slashed
        } else {
            format!("/{slashed}")
        };
        return ArtifactLocation {
            uri: format!("file://{}", encode_path(&path)),
            uri_base_id: None,
        };
    }
    ArtifactLocation {
        uri: encode_path(&slashed),
        uri_base_id: Some(SRCROOT),
    }
}

/// Percent-encodes everything but unreserved characters and `/` (RFC 3986), so a file name with
/// spaces, `%`, `#` or a colon in its first segment stays one relative path.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The "What it does" section of a rule's documentation, paragraphs separated by blank lines
/// and each paragraph's lines joined.
#[must_use]
pub fn what_it_does(rule: &Rule) -> String {
    let md = rule.markdown();
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in md
        .lines()
        .skip_while(|l| !l.starts_with("## What it does"))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
    {
        let line = line.trim();
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    paragraphs.join("\n\n")
}

/// The first sentence: up to a `.` that is outside backticks and parentheses and is followed by
/// a space and a capital letter or `(`. "e.g. `x`" and dotted names inside code do not end it.
#[must_use]
pub fn first_sentence(text: &str) -> &str {
    let mut in_code = false;
    let mut depth = 0usize;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'`' => in_code = !in_code,
            b'(' if !in_code => depth += 1,
            b')' if !in_code => depth = depth.saturating_sub(1),
            b'.' if !in_code && depth == 0 => {
                let next = bytes.get(i + 1).copied();
                let after = bytes.get(i + 2).copied();
                if next.is_none() {
                    return text;
                }
                if next == Some(b' ') && after.is_some_and(|c| c.is_ascii_uppercase() || c == b'(')
                {
                    return text.get(..=i).unwrap_or(text);
                }
            }
            b'\n' if bytes.get(i + 1) == Some(&b'\n') => {
                return text.get(..i).unwrap_or(text);
            }
            _ => {}
        }
    }
    text
}

/// What identifies a finding across edits that only move it: the rule, the resource, the file
/// and the message with any line or column number in it blanked. Hashed with 64-bit FNV-1a,
/// which is fixed by its definition (unlike std's hasher, which may change between Rust
/// releases and would turn every alert into a new one).
fn fingerprint(sources: &Sources, d: &Diagnostic) -> String {
    let f = &d.finding;
    let file = &sources.get(f.span.file).name;
    let key = [
        d.code,
        f.resource.as_deref().unwrap_or(""),
        file,
        &without_positions(&f.message),
    ]
    .join("\u{0}");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Replaces the number after "line", "lines", "column" or "col" (as parser errors quote them:
/// "at line 3 column 7") with `N`, so a message that cites a position still fingerprints the
/// same when the finding moves.
fn without_positions(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    let mut prev: Option<char> = None;
    while !rest.is_empty() {
        let word_start = prev.is_none_or(|p| !p.is_ascii_alphanumeric());
        let keyword = ["lines ", "line ", "column ", "col "]
            .into_iter()
            .filter(|_| word_start)
            .find_map(|k| rest.strip_prefix(k).map(|after| (k, after)));
        if let Some((k, after)) = keyword {
            let tail = after.trim_start_matches(|c: char| c.is_ascii_digit());
            out.push_str(k);
            if tail.len() < after.len() {
                out.push('N');
            }
            prev = Some(' ');
            rest = tail;
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
            prev = Some(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sentence_skips_code_and_parentheses() {
        assert_eq!(first_sentence("Reports a. Then more."), "Reports a.");
        assert_eq!(
            first_sentence("Spelled as (Cognito: `a/b`, e.g. `x.y`). The help names."),
            "Spelled as (Cognito: `a/b`, e.g. `x.y`)."
        );
        assert_eq!(
            first_sentence("Reports `a. B` in code. Next."),
            "Reports `a. B` in code."
        );
        assert_eq!(first_sentence("One sentence only."), "One sentence only.");
        assert_eq!(first_sentence("No full stop"), "No full stop");
    }

    #[test]
    fn positions_are_blanked_in_messages() {
        assert_eq!(
            without_positions("expected value at line 1 column 12"),
            "expected value at line N column N"
        );
        assert_eq!(
            without_positions("unsafe var at line 3 of the module"),
            "unsafe var at line N of the module"
        );
        assert_eq!(without_positions("pipeline 3"), "pipeline 3");
        assert_eq!(without_positions("port 8080"), "port 8080");
    }

    #[test]
    fn file_names_become_uri_references() {
        let a = artifact("auth/ext auth.yaml");
        assert_eq!(a.uri, "auth/ext%20auth.yaml");
        assert_eq!(a.uri_base_id, Some(SRCROOT));
        let s = artifact("<stdin>");
        assert_eq!(s.uri, "%3Cstdin%3E");
        assert_eq!(s.uri_base_id, None);
        assert_eq!(artifact("/tmp/x.yaml").uri, "file:///tmp/x.yaml");
    }
}
