//! `--check`: a directory compared with a build, as unified diffs that show only what
//! portico wrote.

use std::fs;
use std::io::{self, Read};
use std::path::Path;

use super::survey::survey_output;
use super::{Artifacts, MARKER_TEXT, OutputError, escaped_path, io_error};
use crate::load::walk::MARKER;

/// `--check` does not read a file larger than this to show it (a build's files are far
/// smaller); it only says that the file differs.
const READ_LIMIT: u64 = crate::load::DEFAULT_MAX_FILE_BYTES;
/// The result of comparing a directory with a build.
#[derive(Debug)]
pub struct Comparison {
    /// One unified diff per file portico wrote that differs, and one line per file whose
    /// content is not shown; empty when the directory is up to date.
    pub diff: String,
    /// Set when `build` would refuse to replace the directory: why.
    pub refusal: Option<OutputError>,
}

/// Compares `dir` with `artifacts` (and the marker): changed, missing and extra files in path
/// order. The content of a file on disk is shown only when it is at an artifact path of a
/// directory portico wrote, is UTF-8, not empty, and not over [`READ_LIMIT`]; any other
/// difference is one line naming the file. A directory portico did not write is not compared:
/// its foreign entries are listed (bounded by [`LISTED`](super::LISTED)) and `refusal` says
/// why.
///
/// # Errors
/// When `dir` is not a directory or cannot be read.
pub fn diff(dir: &Path, artifacts: &Artifacts) -> Result<Comparison, OutputError> {
    let found = survey_output(dir)?;
    if !found.is_replaceable() {
        let mut text = String::new();
        for entry in &found.foreign {
            // Shown escaped already (`visit`).
            text.push_str(&format!(
                "extra file {entry}: content not shown (portico did not write it)\n"
            ));
        }
        if found.more {
            text.push_str("more files portico did not write: not listed\n");
        }
        if !found.marker {
            text.push_str(&format!("missing file {MARKER}: the build marker\n"));
        }
        return Ok(Comparison {
            diff: text,
            refusal: Some(OutputError::Foreign {
                out: dir.to_path_buf(),
                foreign: found.foreign(),
            }),
        });
    }
    let mut paths: Vec<&str> = found.artifacts.iter().map(String::as_str).collect();
    paths.extend(artifacts.keys().map(String::as_str));
    paths.push(MARKER);
    paths.sort_unstable();
    paths.dedup();
    let mut out = String::new();
    for rel in paths {
        let wanted = if rel == MARKER {
            Some(MARKER_TEXT)
        } else {
            artifacts.get(rel).map(String::as_str)
        };
        let on_disk = if rel == MARKER {
            found.marker
        } else {
            found
                .artifacts
                .binary_search_by(|a| a.as_str().cmp(rel))
                .is_ok()
        };
        let old = if on_disk {
            Some(read_bounded(&dir.join(rel))?)
        } else {
            None
        };
        out.push_str(&file_diff(rel, old.as_ref(), wanted));
    }
    Ok(Comparison {
        diff: out,
        refusal: None,
    })
}

/// A file on disk as `--check` sees it.
pub(super) enum OnDisk {
    Bytes(Vec<u8>),
    TooLarge(u64),
}

/// Reads a file the survey found to be a regular file at an artifact path, opened without
/// following a link, and its size and kind taken from the open file: what is read is what was
/// checked, even if the name changed since.
pub(super) fn read_bounded(path: &Path) -> Result<OnDisk, OutputError> {
    let file = crate::load::read::open_no_follow(path, fs::OpenOptions::new().read(true))
        .map_err(io_error("read", path))?;
    let meta = file.metadata().map_err(io_error("read", path))?;
    if !meta.is_file() {
        return Err(io_error("read", path)(io::Error::other(
            "not a regular file any more",
        )));
    }
    if meta.len() > READ_LIMIT {
        return Ok(OnDisk::TooLarge(meta.len()));
    }
    let mut bytes = Vec::new();
    file.take(READ_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error("read", path))?;
    Ok(OnDisk::Bytes(bytes))
}

/// The diff of one file, or one line when its content on disk is not to be shown.
fn file_diff(rel: &str, old: Option<&OnDisk>, new: Option<&str>) -> String {
    // An artifact path holds no control character (`is_segment`), but may hold a
    // bidirectional override.
    let rel = escaped_path(Path::new(rel));
    let rel = rel.as_str();
    let old_text = match old {
        None => None,
        Some(OnDisk::Bytes(bytes)) => {
            if new.is_some_and(|n| n.as_bytes() == bytes.as_slice()) {
                return String::new();
            }
            Some(std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string()))
        }
        Some(OnDisk::TooLarge(len)) => Some(Err(format!("{len} bytes"))),
    };
    let which = if new.is_some() { "changed" } else { "extra" };
    let shown = match old_text {
        None => "",
        // The marker is portico's, but what is on disk may not be: never shown.
        Some(_) if rel == MARKER => {
            return format!("{which} file {rel}: content not shown (the build marker)\n");
        }
        Some(Err(reason)) => return format!("{which} file {rel}: content not shown ({reason})\n"),
        Some(Ok("")) if new.is_none() => {
            return format!("{which} file {rel}: content not shown (empty)\n");
        }
        Some(Ok(text)) => text,
    };
    let new_text = new.unwrap_or_default();
    let header_old = if old.is_none() {
        "/dev/null".to_string()
    } else {
        format!("a/{rel}")
    };
    let header_new = if new.is_none() {
        "/dev/null".to_string()
    } else {
        format!("b/{rel}")
    };
    similar::TextDiff::from_lines(shown, new_text)
        .unified_diff()
        .context_radius(3)
        .header(&header_old, &header_new)
        .to_string()
}
