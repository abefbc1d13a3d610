//! Baselines: adopt portico on a large repository today and fail only on new findings.
//!
//! `portico check --write-baseline FILE` records every current finding by a fingerprint
//! ([`write`]); a run with a baseline ([`crate::CheckRequest::baseline`], or `baseline:` in
//! `portico.yaml`) drops the findings the baseline holds and reports each entry that no longer
//! occurs (PC906), so the file shrinks as findings are fixed.
//!
//! # Fingerprints
//! A fingerprint ([`fingerprint`]) does not depend on line numbers, so editing a file elsewhere
//! does not turn old findings into new ones. It is built from:
//! - the rule code;
//! - the subject: the resource the finding names (`Kind/namespace/name`, its `resource`), or
//!   else the resource whose document holds the finding's location, or else the file name
//!   (a finding in `portico.yaml` or a `.rego` file);
//! - the JSON pointer of the YAML node the finding points at, relative to its object
//!   (`/spec/applyToRoutes/0/route/labels/usagePlans`). Diagnostics do not carry a pointer: it is
//!   recovered from the location by walking the document's spans, which every finding has, so
//!   no rule has to supply it;
//! - the message, only when there is no pointer (a `.rego` file, a file that is not YAML) or
//!   the location lies inside the text of a multi-line string (a Rego module or inline JWKS in
//!   a ConfigMap or policy), where the pointer names only the whole string.
//!
//! Several findings may share a fingerprint (the same rule, twice on one string); the baseline
//! then holds the entry as many times, and a run drops as many findings as it holds.
//!
//! # File format
//! ```json
//! {
//!   "version": 1,
//!   "entries": [
//!     {"fingerprint": "…", "code": "PC201", "resource": "ExtAuthPolicy/gloo-mesh/oauth-okta", "pointer": "/spec/applyToRoutes/0/route/labels/usagePlans", "message": "…"}
//!   ]
//! }
//! ```
//! One entry per line, sorted, so the file diffs line by line. Only `fingerprint` is matched;
//! the other fields are for the reader.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::checks::Levels;
use crate::diagnostic::{Diagnostic, Finding, Span};
use crate::load::Repo;
use crate::load::locate::locate;
use crate::load::node::{Node, Value};
use crate::load::source::{FileId, SourceFile};

/// The version of the baseline file format this build reads and writes.
pub const VERSION: u64 = 1;

/// A baseline file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Format version, [`VERSION`].
    pub version: u64,
    /// The recorded findings, sorted.
    pub entries: Vec<Entry>,
}

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    /// What is matched: see [`fingerprint`].
    pub fingerprint: String,
    /// The rule code.
    pub code: String,
    /// `Kind/namespace/name` of the resource, when the finding has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The file, when the finding has no resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// JSON pointer of the node, relative to the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// The message when the baseline was written.
    pub message: String,
}

/// Why a baseline file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// It cannot be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's message.
        message: String,
    },
    /// It is not a baseline file.
    #[error("{path}: not a portico baseline: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// It is larger than the size limit for input files; reading stopped there.
    #[error(
        "{path}: the baseline is over the {limit}-byte limit; not read (raise `maxFileBytes` in portico.yaml or pass `--max-file-bytes`)"
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },
    /// It was written by a portico with another format.
    #[error(
        "{path}: baseline format version {found} is not supported (this portico reads version {VERSION}); rewrite it with `portico check --write-baseline`"
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version it declares.
        found: u64,
    },
}

/// What a fingerprint is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The rule code.
    pub code: String,
    /// `Kind/namespace/name`, when known.
    pub resource: Option<String>,
    /// The file name, when there is no resource.
    pub file: Option<String>,
    /// The node's JSON pointer relative to its object.
    pub pointer: Option<String>,
    /// The message, when it takes part (see the module documentation).
    pub message: Option<String>,
}

impl Key {
    /// The key of a diagnostic.
    #[must_use]
    pub fn of(diagnostic: &Diagnostic, repo: &Repo) -> Self {
        let finding = &diagnostic.finding;
        let location = locate(repo, &finding.span);
        let resource = finding
            .resource
            .clone()
            .or_else(|| location.as_ref().and_then(|l| l.resource.clone()));
        let file = resource
            .is_none()
            .then(|| repo.sources.get(finding.span.file).name.clone());
        let pointer = location.as_ref().map(|l| l.pointer.clone());
        let message = match &location {
            Some(l) if !l.in_text => None,
            _ => Some(finding.message.clone()),
        };
        Self {
            code: diagnostic.code.to_owned(),
            resource,
            file,
            pointer,
            message,
        }
    }

    /// The fingerprint: 16 hex digits of a 64-bit FNV-1a hash of the key's parts.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let parts = [
            "portico-baseline-1",
            self.code.as_str(),
            self.resource.as_deref().unwrap_or(""),
            self.file.as_deref().unwrap_or(""),
            self.pointer.as_deref().unwrap_or("\u{0}none"),
            self.message.as_deref().unwrap_or(""),
        ];
        for part in parts {
            for byte in part.bytes().chain(std::iter::once(0xff)) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        format!("{hash:016x}")
    }
}

/// The fingerprint of a diagnostic: kind, namespace and name of its resource, its code and the
/// JSON pointer of its node (the message where there is no pointer); never line numbers.
#[must_use]
pub fn fingerprint(diagnostic: &Diagnostic, repo: &Repo) -> String {
    Key::of(diagnostic, repo).fingerprint()
}

/// The baseline entry of a diagnostic.
#[must_use]
pub fn entry(diagnostic: &Diagnostic, repo: &Repo) -> Entry {
    let key = Key::of(diagnostic, repo);
    Entry {
        fingerprint: key.fingerprint(),
        code: key.code,
        resource: key.resource,
        file: key.file,
        pointer: key.pointer.filter(|p| !p.is_empty()),
        message: diagnostic.finding.message.clone(),
    }
}

/// A baseline recording `diagnostics`, sorted.
#[must_use]
pub fn build<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>, repo: &Repo) -> Baseline {
    let mut entries: Vec<Entry> = diagnostics.into_iter().map(|d| entry(d, repo)).collect();
    entries.sort_by(|a, b| {
        let subject = |e: &Entry| e.resource.clone().or_else(|| e.file.clone());
        (subject(a), &a.code, &a.pointer, &a.message, &a.fingerprint).cmp(&(
            subject(b),
            &b.code,
            &b.pointer,
            &b.message,
            &b.fingerprint,
        ))
    });
    Baseline {
        version: VERSION,
        entries,
    }
}

/// The baseline of a run: every finding it `reported` (and those the cap on findings per rule
/// left out of the report) and every finding its own baseline dropped, but not the
/// stale-baseline findings (PC906), which are about the old baseline.
#[must_use]
pub fn of_run<'a>(
    reported: impl IntoIterator<Item = &'a Diagnostic>,
    baselined: &'a [Diagnostic],
    repo: &Repo,
) -> Baseline {
    let recorded = reported
        .into_iter()
        .filter(|d| d.code != STALE_ENTRY)
        .chain(baselined);
    build(recorded, repo)
}

/// The code of a baseline entry that no longer occurs.
const STALE_ENTRY: &str = "PC906";

/// PC906 stale-baseline-entry: the entries of the baseline that matched no finding. Not sorted.
#[must_use]
pub fn findings(outcome: &Outcome, levels: &Levels) -> Vec<Diagnostic> {
    let Some(severity) = super::severity(STALE_ENTRY, levels) else {
        return Vec::new();
    };
    outcome
        .stale
        .iter()
        .map(|stale| {
            let e = &stale.entry;
            let subject = e
                .resource
                .as_deref()
                .or(e.file.as_deref())
                .unwrap_or("the repository");
            let at = e
                .pointer
                .as_deref()
                .map(|p| format!(" at `{p}`"))
                .unwrap_or_default();
            let finding = Finding::new(
                format!(
                    "baseline entry no longer occurs: {} on {subject}{at}",
                    e.code
                ),
                stale.span.clone(),
            )
            .label(format!("was: {}", e.message))
            .help(
                "remove the entry, or rewrite the baseline with `portico check --write-baseline FILE`",
            );
            Diagnostic {
                code: STALE_ENTRY,
                severity,
                finding,
            }
        })
        .collect()
}

/// The file text: pretty at the top, one entry per line, with a trailing newline.
#[must_use]
pub fn render(baseline: &Baseline) -> String {
    let mut out = format!("{{\n  \"version\": {},\n  \"entries\": [", baseline.version);
    for (i, entry) in baseline.entries.iter().enumerate() {
        out.push_str(if i == 0 { "\n    " } else { ",\n    " });
        out.push_str(&serde_json::to_string(entry).unwrap_or_default());
    }
    if !baseline.entries.is_empty() {
        out.push_str("\n  ");
    }
    out.push_str("]\n}\n");
    out
}

/// Writes `baseline` to `path`, replacing the file atomically.
///
/// # Errors
/// When the file cannot be written.
pub fn write_baseline(path: &Path, baseline: &Baseline) -> Result<(), BaselineError> {
    let io = |e: std::io::Error| BaselineError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "baseline".into());
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, render(baseline)).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// Reads a baseline from its text.
///
/// # Errors
/// When the text is not a baseline of a supported version.
pub fn parse(path: &Path, text: &str) -> Result<Baseline, BaselineError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| BaselineError::Invalid {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    let version = value.get("version").and_then(serde_json::Value::as_u64);
    match version {
        Some(VERSION) => {}
        Some(found) => {
            return Err(BaselineError::Version {
                path: path.to_path_buf(),
                found,
            });
        }
        None => {
            return Err(BaselineError::Invalid {
                path: path.to_path_buf(),
                message: "no `version`".into(),
            });
        }
    }
    serde_json::from_value(value).map_err(|e| BaselineError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Reads a baseline file within the default size limit for input files
/// ([`crate::load::DEFAULT_MAX_FILE_BYTES`]).
///
/// # Errors
/// When it cannot be read or is not a baseline of a supported version.
pub fn read(path: &Path) -> Result<(Baseline, String), BaselineError> {
    read_within(path, crate::load::DEFAULT_MAX_FILE_BYTES)
}

/// Reads a baseline file, reading no more than `max_bytes` and one byte: `baseline:` in
/// `portico.yaml` comes with the pull request and may name `/dev/zero` or a FIFO.
///
/// # Errors
/// When it cannot be read, is over the limit, or is not a baseline of a supported version.
pub fn read_within(path: &Path, max_bytes: u64) -> Result<(Baseline, String), BaselineError> {
    use crate::load::FileProblem;
    let text = crate::load::read::read_text(path, max_bytes).map_err(|problem| match problem {
        FileProblem::Unreadable(message) => BaselineError::Io {
            path: path.to_path_buf(),
            message,
        },
        FileProblem::TooLarge { limit, .. } | FileProblem::OverLimit { limit } => {
            BaselineError::TooLarge {
                path: path.to_path_buf(),
                limit,
            }
        }
        FileProblem::NotUtf8 { .. } | FileProblem::Utf16 | FileProblem::Binary => {
            BaselineError::Invalid {
                path: path.to_path_buf(),
                message: "not UTF-8 text".into(),
            }
        }
        FileProblem::OutsideRoot(target) => BaselineError::Io {
            path: path.to_path_buf(),
            message: format!("leads to {}", target.display()),
        },
    })?;
    let baseline = parse(path, &text)?;
    Ok((baseline, text))
}

/// A baseline entry that matched no finding.
#[derive(Debug, Clone)]
pub struct StaleEntry {
    /// The entry.
    pub entry: Entry,
    /// Where it is in the baseline file.
    pub span: Span,
}

/// What applying a baseline did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The baseline file, as loaded into the run's sources.
    pub file: FileId,
    /// Entries that matched no finding, in file order.
    pub stale: Vec<StaleEntry>,
}

/// A baseline loaded for a run.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The baseline.
    pub baseline: Baseline,
    /// Its file among the run's sources.
    pub file: FileId,
}

/// Adds the baseline file to the run's sources (reusing it when it was read as an input) so
/// stale entries can point at their lines.
pub fn attach(
    repo: &mut Repo,
    baseline: Baseline,
    path: &Path,
    display: String,
    text: String,
) -> Loaded {
    let file = repo.file_at(path).unwrap_or_else(|| {
        repo.sources
            .add(SourceFile::new(display, path.to_path_buf(), text))
    });
    Loaded { baseline, file }
}

/// Drops the diagnostics the baseline holds (as many of each fingerprint as it holds) and
/// returns (kept, dropped, outcome).
#[must_use]
pub fn apply(
    loaded: &Loaded,
    diagnostics: Vec<Diagnostic>,
    repo: &Repo,
) -> (Vec<Diagnostic>, Vec<Diagnostic>, Outcome) {
    let mut remaining: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in loaded.baseline.entries.iter().enumerate().rev() {
        remaining.entry(e.fingerprint.as_str()).or_default().push(i);
    }
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for d in diagnostics {
        let fp = fingerprint(&d, repo);
        match remaining.get_mut(fp.as_str()).and_then(Vec::pop) {
            Some(_) => dropped.push(d),
            None => kept.push(d),
        }
    }
    let mut stale_indexes: Vec<usize> = remaining.into_values().flatten().collect();
    stale_indexes.sort_unstable();
    let spans = entry_spans(repo.sources.get(loaded.file));
    let stale = stale_indexes
        .into_iter()
        .filter_map(|i| {
            let entry = loaded.baseline.entries.get(i)?.clone();
            let range = spans.get(i).cloned().unwrap_or(0..0);
            Some(StaleEntry {
                entry,
                span: Span::new(loaded.file, range),
            })
        })
        .collect();
    (
        kept,
        dropped,
        Outcome {
            file: loaded.file,
            stale,
        },
    )
}

/// The span of each entry's fingerprint in the baseline file's text (of the entry, when it has
/// none).
fn entry_spans(file: &SourceFile) -> Vec<Range<usize>> {
    let parsed = crate::load::yaml::parse(file);
    let Some(doc) = parsed.documents.first() else {
        return Vec::new();
    };
    match doc.root.get("entries") {
        Some(Node {
            value: Value::Seq(items),
            ..
        }) => items
            .iter()
            .map(|item| {
                item.get("fingerprint")
                    .map_or_else(|| item.span.start()..item.span.start(), |f| f.span.range())
            })
            .collect(),
        _ => Vec::new(),
    }
}
