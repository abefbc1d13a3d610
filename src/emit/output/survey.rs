//! The survey of a directory: what it holds, compared with what a build writes, found without
//! following a link and bounded by what a build writes.

use std::fs;
use std::io;
use std::path::Path;

use super::{Foreign, LISTED, OutputError, escaped_path, io_error};
use crate::load::walk::{MARKER, is_artifact_dir, is_artifact_path};

/// What a directory holds, compared with what a build writes.
#[derive(Debug, Default)]
pub(super) struct Survey {
    /// Whether the path exists at all.
    pub(super) exists: bool,
    /// Whether it exists and is not a directory (a symbolic link counts: it is not followed).
    pub(super) not_a_directory: bool,
    /// Whether the marker is there, as a regular file.
    pub(super) marker: bool,
    /// The files at artifact paths, sorted.
    pub(super) artifacts: Vec<String>,
    /// The first [`LISTED`] entries a build does not write, directory by directory in name
    /// order, as shown ([`escaped_path`]).
    pub(super) foreign: Vec<String>,
    /// Whether there are more of those.
    pub(super) more: bool,
}

impl Survey {
    /// Only what a build writes (the marker may be missing: a leftover being deleted).
    pub(super) fn is_clean(&self) -> bool {
        self.foreign.is_empty() && !self.not_a_directory
    }

    /// Absent, empty, or a build portico wrote: a build may replace it.
    pub(super) fn is_replaceable(&self) -> bool {
        self.is_clean() && (self.marker || self.artifacts.is_empty())
    }

    pub(super) fn foreign(&self) -> Foreign {
        Foreign {
            marker: self.marker,
            entries: self.foreign.clone(),
            more: self.more,
        }
    }
}

/// [`survey`] of the output directory itself, which must be a directory when it exists.
pub(super) fn survey_output(dir: &Path) -> Result<Survey, OutputError> {
    let found = survey(dir)?;
    if found.not_a_directory {
        return Err(OutputError::NotADirectory {
            out: dir.to_path_buf(),
            found: dir.to_path_buf(),
        });
    }
    Ok(found)
}

/// Looks at `dir` without following symbolic links, descending only into artifact
/// directories and stopping after [`LISTED`] foreign entries, so the work is bounded by what
/// a build writes, whatever `dir` is.
pub(super) fn survey(dir: &Path) -> Result<Survey, OutputError> {
    let mut survey = Survey::default();
    let meta = match fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(survey),
        Err(e) => return Err(io_error("read", dir)(e)),
    };
    survey.exists = true;
    if !meta.is_dir() {
        survey.not_a_directory = true;
        return Ok(survey);
    }
    // Depth first in name order, so that the entries a refusal names do not depend on the
    // order the system lists them in. Only artifact directories are entered: two levels.
    visit(dir, "", &mut survey)?;
    // Name order within each directory is not string order across them (`a-b/` comes before
    // `a/` as strings): sorted, for the binary searches of `diff`.
    survey.artifacts.sort();
    Ok(survey)
}

/// Surveys the directory `rel_dir` of `dir` (`""`: `dir` itself); stops, returning `false`,
/// once more than [`LISTED`] foreign entries are found.
fn visit(dir: &Path, rel_dir: &str, survey: &mut Survey) -> Result<bool, OutputError> {
    let path = if rel_dir.is_empty() {
        dir.to_path_buf()
    } else {
        dir.join(rel_dir)
    };
    let mut entries: Vec<(String, fs::FileType)> = Vec::new();
    for entry in fs::read_dir(&path).map_err(io_error("read", &path))? {
        let entry = entry.map_err(io_error("read", &path))?;
        let kind = entry.file_type().map_err(io_error("read", &entry.path()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if rel_dir.is_empty() {
            name
        } else {
            format!("{rel_dir}/{name}")
        };
        entries.push((rel, kind));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (rel, kind) in entries {
        // `file_type` does not follow links: a link is neither a file nor a directory here.
        if kind.is_file() && rel == MARKER {
            survey.marker = true;
        } else if kind.is_file() && is_artifact_path(&rel) {
            survey.artifacts.push(rel);
        } else if kind.is_dir() && is_artifact_dir(&rel) {
            if !visit(dir, &rel, survey)? {
                return Ok(false);
            }
        } else if survey.foreign.len() < LISTED {
            let shown = escaped_path(Path::new(&rel));
            survey.foreign.push(if kind.is_dir() {
                format!("{shown}/")
            } else {
                shown
            });
        } else {
            survey.more = true;
            return Ok(false);
        }
    }
    Ok(true)
}
