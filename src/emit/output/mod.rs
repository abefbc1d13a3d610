//! Writing a build to disk and comparing one with it.
//!
//! `portico build` runs in pre-commit hooks and on pull requests, where every file of the
//! repository, `portico.yaml` included, is untrusted. So the output directory is handled by
//! these rules:
//!
//! - **Where.** [`check_destination`] refuses, before anything is read or written, an output
//!   directory that is the filesystem root, that equals or contains the working directory, the
//!   home directory or an input (a PATH argument or the configuration file), that is not a
//!   directory, or that is or lies inside a `.git` directory (under any spelling a file system
//!   takes for it). Inside a repository (a directory PATH, or the directory of `portico.yaml`
//!   for `output:`) no symbolic link is followed on the way to the output: a pull request
//!   commits links as easily as files, and one would take the build, `--check` included, out
//!   of the repository or into its `.git`. An output named by `output:` of `portico.yaml` must
//!   also resolve inside the repository. An output *inside* an input is allowed: that is where
//!   `output: generated` puts it, and the walk does not read the artifacts of a directory that
//!   holds the marker (`WalkOptions::outputs`). What protects the files of such a directory is
//!   the next rule.
//! - **Only what portico wrote is replaced.** Every build writes the marker file [`MARKER`] at
//!   the top of the directory. A build replaces only a directory that is absent, empty, or holds
//!   the marker and nothing but files at artifact paths ([`is_artifact_path`]) and their
//!   directories; anything else (another file, a symbolic link, a FIFO) makes it refuse and
//!   name what it found. So portico never deletes a file it did not write.
//! - **Never half a build, never two at once.** A build takes a lock beside the directory
//!   (`.<name>.portico-lock`, an advisory lock the system releases when the process ends, even
//!   killed), writes the new tree beside it (`.<name>.portico-new-<pid>`), moves the previous
//!   one aside (`.<name>.portico-old-<pid>`), moves the new one in, and deletes the previous
//!   one. A build killed between two of these steps leaves those siblings behind; the next
//!   build, under the lock, restores the previous build when the directory is missing and
//!   deletes the leftovers that hold only what portico writes.
//! - **These siblings are never followed, overwritten or deleted when portico did not make
//!   them.** The repository may commit any of those names, as a link to a file of the user's or
//!   as a file of its own. The lock is created exclusively or, when the name exists, opened
//!   without following a link, and taken over only when it is a regular file that holds what a
//!   lock holds (a process id); anything else is refused, untouched. It is deleted only while
//!   the name still is the file locked. A sibling directory name that is taken (a leftover left
//!   alone) is not reused: the next free one (`.<name>.portico-new-<pid>.<n>`) is.
//! - **`--check` prints only what portico wrote.** [`diff`] shows the content of a file on disk
//!   only when it is at an artifact path of a directory portico owns, and opens it without
//!   following a link; any other file (or one that is empty, not UTF-8, or too large to read)
//!   is named, its content not shown.
//! - **Names are shown, not obeyed.** The names of files portico did not write, and every path
//!   in a message, are printed with control characters escaped ([`escaped_path`]): a file
//!   named `x\n::error::…` would otherwise forge a GitHub annotation, and `ESC [` sequences
//!   would drive the terminal.

mod compare;
mod destination;
mod lock;
mod siblings;
mod survey;
#[cfg(test)]
mod tests;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::Artifacts;
use crate::load::walk::{MARKER, is_artifact_path};

pub use compare::{Comparison, diff};
pub use destination::{Destination, check_destination, resolve};

use lock::Lock;
use siblings::{recover, take_sibling};
use survey::{survey, survey_output};

/// The marker's content: constant, so two builds stay byte-identical.
const MARKER_TEXT: &str = "# Written by `portico build`. The next build replaces this directory whole; it refuses\n# to when the directory holds anything but the files a build writes.\n";

/// How many entries portico did not write a refusal names before it stops looking.
const LISTED: usize = 5;

/// Why the output directory was not written or compared.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The directory is one that a build must never replace (it holds the inputs, the working
    /// directory, the home directory, is the filesystem root, or lies in `.git`).
    #[error(
        "refusing to write the build to {}: it {what}; choose a directory of its own, such as `generated/` inside the repository",
        escaped_path(out)
    )]
    Protected {
        /// The output directory, resolved.
        out: PathBuf,
        /// What it is or contains.
        what: String,
    },
    /// `output:` of `portico.yaml` resolves outside the repository.
    #[error(
        "refusing to write the build to {}: `output:` of portico.yaml must stay inside the repository {} (portico.yaml is part of the repository, so a pull request controls it); pass `--out DIR` to build elsewhere",
        escaped_path(out),
        escaped_path(root)
    )]
    OutsideRepository {
        /// The output directory, resolved.
        out: PathBuf,
        /// The repository it must stay in.
        root: PathBuf,
    },
    /// The way to the output goes through a symbolic link inside a repository.
    #[error(
        "refusing to write the build to {}: {} is a symbolic link inside the repository {}, and portico follows none on the way to its output (the repository is untrusted: a link committed there could lead the build anywhere); name the directory it points to instead",
        escaped_path(out),
        escaped_path(link),
        escaped_path(repository)
    )]
    LinkInRepository {
        /// The output directory, as given.
        out: PathBuf,
        /// The link.
        link: PathBuf,
        /// The repository it lies in.
        repository: PathBuf,
    },
    /// The output, or the closest of its ancestors that exists, is not a directory.
    #[error(
        "refusing to write the build to {}: {} exists and is not a directory; choose a directory",
        escaped_path(out),
        escaped_path(found)
    )]
    NotADirectory {
        /// The output directory.
        out: PathBuf,
        /// What exists there (the output itself or an ancestor).
        found: PathBuf,
    },
    /// The directory holds something a build does not write.
    #[error("{}", describe_foreign(out, foreign))]
    Foreign {
        /// The output directory.
        out: PathBuf,
        /// What was found in it.
        foreign: Foreign,
    },
    /// Another build holds the lock of this directory.
    #[error(
        "another portico build{} is writing {}; try again when it ends (its lock is {})",
        holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default(),
        escaped_path(out),
        escaped_path(lock)
    )]
    Busy {
        /// The output directory.
        out: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// The process that holds it, when it wrote its id.
        holder: Option<u32>,
    },
    /// Something portico did not make has the name of the lock: it is not followed,
    /// overwritten or deleted.
    #[error(
        "refusing to write the build to {}: {} {what}, not a lock portico made; portico does not follow, overwrite or delete it: remove it and build again",
        escaped_path(out),
        escaped_path(lock)
    )]
    ForeignLock {
        /// The output directory.
        out: PathBuf,
        /// The lock's name.
        lock: PathBuf,
        /// What is there instead.
        what: &'static str,
    },
    /// An artifact path is not one a build writes: a bug in portico, refused before anything
    /// is written, since such a path could lead out of the output directory.
    #[error(
        "internal error: the build produced `{}`, which is not an artifact path",
        escaped_path(Path::new(path))
    )]
    ArtifactPath {
        /// The artifact's path.
        path: String,
    },
    /// The file system failed.
    #[error("cannot {action} {}: {source}", escaped_path(path))]
    Io {
        /// What was being done (`write`, `rename`, `read`…).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
}

/// `path` as portico prints it: control characters and bidirectional overrides escaped
/// ([`crate::diagnostic::escaped`]), line feed and tab included, so that a name from the
/// repository is shown and never obeyed: a file name holding `\n::error::` would start a
/// GitHub workflow command of its own, and `ESC [` sequences would drive the terminal.
#[must_use]
pub fn escaped_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match crate::diagnostic::escaped(c) {
            Some(shown) => out.push_str(&shown),
            // `escaped` leaves these to the reporters, which lay out lines themselves; within a
            // name they are no layout.
            None if c == '\n' || c == '\t' => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            None => out.push(c),
        }
    }
    out
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> OutputError {
    let path = path.to_path_buf();
    move |source| OutputError::Io {
        action,
        path,
        source,
    }
}

/// What a directory holds that a build does not write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    /// Whether the marker is there.
    pub marker: bool,
    /// The first entries (relative, `/`, a directory with a trailing `/`) a build does not
    /// write, directory by directory in name order, as shown ([`escaped_path`]).
    pub entries: Vec<String>,
    /// Whether there are more than `entries`.
    pub more: bool,
}

fn describe_foreign(out: &Path, foreign: &Foreign) -> String {
    if foreign.entries.is_empty() {
        return format!(
            "refusing to replace {}: it has no {MARKER} marker, so portico did not write it (or an older portico did); if it holds only an earlier build, delete it (or create {}) and build again, otherwise choose an empty directory",
            escaped_path(out),
            escaped_path(&out.join(MARKER))
        );
    }
    format!(
        "refusing to replace {}: it contains files portico did not write ({}{}); choose an empty directory or remove them",
        escaped_path(out),
        foreign.entries.join(", "),
        if foreign.more { ", …" } else { "" }
    )
}
/// What a build found beside its output directory and put right first: leftovers of a build
/// that was killed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovered {
    /// The output directory was missing (a build was killed between its two renames) and the
    /// previous build was moved back.
    Restored {
        /// The leftover that became the output again.
        from: PathBuf,
    },
    /// A leftover holding only what a build writes was deleted.
    Removed {
        /// The leftover.
        path: PathBuf,
    },
    /// A leftover holds files portico did not write: it is left alone.
    LeftAlone {
        /// The leftover.
        path: PathBuf,
        /// What it holds.
        foreign: Foreign,
    },
}

/// What [`write`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Artifacts written (the marker not counted).
    pub files: usize,
    /// Leftovers of earlier builds put right first.
    pub recovered: Vec<Recovered>,
}

/// The output directory's name and the directory it lies in.
fn name_and_parent(dir: &Path) -> Result<(String, PathBuf), OutputError> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| OutputError::Protected {
            out: dir.to_path_buf(),
            what: "names no directory".into(),
        })?;
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok((name, parent))
}
/// Writes `artifacts` and the marker into `fresh`, a new directory this build created.
fn write_tree(fresh: &Path, artifacts: &Artifacts) -> Result<(), OutputError> {
    // The marker first: a tree killed half-written is still recognised as portico's.
    let marker = fresh.join(MARKER);
    fs::write(&marker, MARKER_TEXT).map_err(io_error("write", &marker))?;
    // Thousands of artifacts share a handful of directories: create each once.
    let mut created: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
    for (rel, text) in artifacts {
        let path = fresh.join(rel);
        if let Some(parent) = path.parent()
            && !created.contains(parent)
        {
            fs::create_dir_all(parent).map_err(io_error("create", parent))?;
            created.insert(parent.to_path_buf());
        }
        fs::write(&path, text).map_err(io_error("write", &path))?;
    }
    Ok(())
}

/// Replaces `dir` with exactly `artifacts` and the marker, when `dir` is absent, empty or a
/// build portico wrote; `dir` should come from [`check_destination`].
///
/// # Errors
/// When `dir` holds files portico did not write or is not a directory, when another build holds
/// its lock or something else has the lock's name, when an artifact path is not one a build
/// writes, or when the file system fails; `dir` is then left as it was.
pub fn write(dir: &Path, artifacts: &Artifacts) -> Result<Written, OutputError> {
    if let Some(bad) = artifacts.keys().find(|rel| !is_artifact_path(rel)) {
        return Err(OutputError::ArtifactPath { path: bad.clone() });
    }
    let (name, parent) = name_and_parent(dir)?;
    fs::create_dir_all(&parent).map_err(io_error("create", &parent))?;
    let _lock = Lock::acquire(&parent.join(format!(".{name}.portico-lock")), dir)?;
    let recovered = recover(dir, &parent, &name)?;
    let found = survey_output(dir)?;
    if !found.is_replaceable() {
        return Err(OutputError::Foreign {
            out: dir.to_path_buf(),
            foreign: found.foreign(),
        });
    }
    // `create_dir` makes a new directory or fails: it never follows a link at that name
    // ("If path names a symbolic link, mkdir() shall fail and set errno to [EEXIST]", POSIX
    // mkdir(2)). Once it succeeded, the tree is this build's to delete.
    let fresh = take_sibling(&parent, &name, "new", |path| fs::create_dir(path))?;
    if let Err(e) = write_tree(&fresh, artifacts) {
        let _ = fs::remove_dir_all(&fresh);
        return Err(e);
    }
    let mut written = Written {
        files: artifacts.len(),
        recovered,
    };
    if !found.exists {
        return fs::rename(&fresh, dir).map(|()| written).map_err(|e| {
            let _ = fs::remove_dir_all(&fresh);
            io_error("rename", &fresh)(e)
        });
    }
    // A rename onto an existing empty directory replaces it: the name is taken only when
    // nothing has it (under the lock, no other build makes one in between).
    let free = |path: &Path| match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(_) => Err(io::ErrorKind::AlreadyExists.into()),
    };
    let old = match take_sibling(&parent, &name, "old", free) {
        Ok(old) => old,
        Err(e) => {
            let _ = fs::remove_dir_all(&fresh);
            return Err(e);
        }
    };
    if let Err(e) = fs::rename(dir, &old) {
        let _ = fs::remove_dir_all(&fresh);
        return Err(io_error("rename", dir)(e));
    }
    if let Err(e) = fs::rename(&fresh, dir) {
        // Put the previous build back rather than leave nothing.
        let _ = fs::rename(&old, dir);
        let _ = fs::remove_dir_all(&fresh);
        return Err(io_error("rename", &fresh)(e));
    }
    // Looked at again: only what portico wrote is deleted, even if something was added to the
    // directory while this build ran.
    let previous = survey(&old)?;
    if previous.is_clean() {
        fs::remove_dir_all(&old).map_err(io_error("delete", &old))?;
    } else {
        written.recovered.push(Recovered::LeftAlone {
            foreign: previous.foreign(),
            path: old,
        });
    }
    Ok(written)
}
