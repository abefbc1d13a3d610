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

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use super::Artifacts;
use crate::load::walk::{MARKER, is_artifact_dir, is_artifact_path};

/// The marker's content: constant, so two builds stay byte-identical.
const MARKER_TEXT: &str = "# Written by `portico build`. The next build replaces this directory whole; it refuses\n# to when the directory holds anything but the files a build writes.\n";

/// How many entries portico did not write a refusal names before it stops looking.
const LISTED: usize = 5;

/// `--check` does not read a file larger than this to show it (a build's files are far
/// smaller); it only says that the file differs.
const READ_LIMIT: u64 = crate::load::DEFAULT_MAX_FILE_BYTES;

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

/// What a directory holds, compared with what a build writes.
#[derive(Debug, Default)]
struct Survey {
    /// Whether the path exists at all.
    exists: bool,
    /// Whether it exists and is not a directory (a symbolic link counts: it is not followed).
    not_a_directory: bool,
    /// Whether the marker is there, as a regular file.
    marker: bool,
    /// The files at artifact paths, sorted.
    artifacts: Vec<String>,
    /// The first [`LISTED`] entries a build does not write, directory by directory in name
    /// order, as shown ([`escaped_path`]).
    foreign: Vec<String>,
    /// Whether there are more of those.
    more: bool,
}

impl Survey {
    /// Only what a build writes (the marker may be missing: a leftover being deleted).
    fn is_clean(&self) -> bool {
        self.foreign.is_empty() && !self.not_a_directory
    }

    /// Absent, empty, or a build portico wrote: a build may replace it.
    fn is_replaceable(&self) -> bool {
        self.is_clean() && (self.marker || self.artifacts.is_empty())
    }

    fn foreign(&self) -> Foreign {
        Foreign {
            marker: self.marker,
            entries: self.foreign.clone(),
            more: self.more,
        }
    }
}

/// [`survey`] of the output directory itself, which must be a directory when it exists.
fn survey_output(dir: &Path) -> Result<Survey, OutputError> {
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
fn survey(dir: &Path) -> Result<Survey, OutputError> {
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

/// `path` made absolute (relative to `working_dir`) with symbolic links resolved: its closest
/// existing ancestor canonicalized, then the components that do not exist yet (which can hold
/// no link, so `..` among them is resolved by name).
///
/// # Errors
/// When an existing part cannot be resolved (a link loop, no permission).
pub fn resolve(path: &Path, working_dir: &Path) -> io::Result<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        working_dir.join(path)
    };
    let components: Vec<Component<'_>> = absolute.components().collect();
    let mut existing = components.len();
    let base = loop {
        let prefix: PathBuf = components[..existing].iter().collect();
        match prefix.canonicalize() {
            Ok(canonical) => break canonical,
            Err(e)
                if existing > 1
                    && matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                    ) =>
            {
                existing -= 1;
            }
            Err(e) => return Err(e),
        }
    };
    let mut resolved = base;
    for component in &components[existing..] {
        match component {
            Component::Normal(name) => resolved.push(name),
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Ok(resolved)
}

/// What the output directory must keep clear of.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// The inputs (PATH arguments and the configuration file): never inside the output. A
    /// directory among them is a repository: no symbolic link inside it is followed on the way
    /// to the output.
    pub inputs: &'a [PathBuf],
    /// The working directory: relative paths are resolved from it, and it is never inside the
    /// output (so neither `.` nor `..`).
    pub working_dir: &'a Path,
    /// The home directory, when known: never inside the output.
    pub home: Option<&'a Path>,
    /// The directory of the configuration file, when there is one: a repository, like a
    /// directory among the inputs (it is one when portico.yaml is named with `--config`).
    pub config_dir: Option<&'a Path>,
    /// When the output comes from `output:` of `portico.yaml`: the repository root (the
    /// directory of portico.yaml), which the output must lie inside, following no link in it.
    pub confined_to: Option<&'a Path>,
}

/// Checks that `out` may receive a build (see the module documentation) and returns it
/// resolved, which is what [`write`] and [`diff`] should be given: two spellings of one
/// directory then share one lock.
///
/// # Errors
/// [`OutputError::Protected`], [`OutputError::OutsideRepository`],
/// [`OutputError::LinkInRepository`], [`OutputError::NotADirectory`], or when a path cannot be
/// resolved.
pub fn check_destination(out: &Path, limits: &Destination<'_>) -> Result<PathBuf, OutputError> {
    let resolve_or =
        |path: &Path| resolve(path, limits.working_dir).map_err(io_error("resolve", path));
    // The repositories: the directories among the inputs, the directory of portico.yaml, and
    // the root `output:` is confined to. An input that does not exist has been reported by the
    // check already.
    let mut repositories: Vec<PathBuf> = limits
        .inputs
        .iter()
        .map(PathBuf::as_path)
        .filter(|input| limits.working_dir.join(input).is_dir())
        .chain(limits.config_dir)
        .filter_map(|dir| resolve(dir, limits.working_dir).ok())
        .collect();
    let confined_to = limits.confined_to.map(resolve_or).transpose()?;
    repositories.extend(confined_to.iter().cloned());
    refuse_links_inside(out, limits.working_dir, &repositories)?;
    let resolved = resolve_or(out)?;
    let protected = |what: String| OutputError::Protected {
        out: resolved.clone(),
        what,
    };
    if resolved.parent().is_none() {
        return Err(protected("is the filesystem root".into()));
    }
    // `.git` holds the hooks and the configuration git runs: never written, wherever it is.
    if let Some(git) = resolved
        .components()
        .find(|c| crate::config::is_git_dir_name(c.as_os_str()))
    {
        return Err(protected(format!(
            "is inside a git directory (`{}`)",
            escaped_path(Path::new(git.as_os_str()))
        )));
    }
    if let Some(root) = confined_to
        && (resolved == root || !resolved.starts_with(&root))
    {
        return Err(OutputError::OutsideRepository {
            out: resolved,
            root,
        });
    }
    let working_dir = resolve_or(limits.working_dir)?;
    if working_dir.starts_with(&resolved) {
        return Err(protected(format!(
            "contains the working directory {}",
            escaped_path(&working_dir)
        )));
    }
    if let Some(home) = limits.home
        && let Ok(home) = resolve(home, limits.working_dir)
        && home.starts_with(&resolved)
    {
        return Err(protected(format!(
            "contains the home directory {}",
            escaped_path(&home)
        )));
    }
    for input in limits.inputs {
        // An input that does not exist has been reported by the check already.
        let Ok(input) = resolve(input, limits.working_dir) else {
            continue;
        };
        if input == resolved {
            return Err(protected(format!("is the input {}", escaped_path(&input))));
        }
        if input.starts_with(&resolved) {
            return Err(protected(format!(
                "contains the input {}",
                escaped_path(&input)
            )));
        }
    }
    // The output itself, or the closest ancestor that exists, must be a directory.
    let mut existing = resolved.as_path();
    loop {
        match fs::symlink_metadata(existing) {
            Ok(meta) if meta.is_dir() => break,
            Ok(_) => {
                return Err(OutputError::NotADirectory {
                    out: resolved.clone(),
                    found: existing.to_path_buf(),
                });
            }
            Err(_) => match existing.parent() {
                Some(parent) => existing = parent,
                None => break,
            },
        }
    }
    Ok(resolved)
}

/// Follows `path` (relative to `working_dir`) one component at a time, as the system would,
/// and refuses the first symbolic link met in a directory that lies inside one of the
/// `repositories` (resolved). A link outside them (`/tmp` on macOS, a link to the repository
/// itself) is followed: it is the user's, not the repository's.
fn refuse_links_inside(
    path: &Path,
    working_dir: &Path,
    repositories: &[PathBuf],
) -> Result<(), OutputError> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        working_dir.join(path)
    };
    // Where the walk is, resolved as long as what it names exists.
    let mut current = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => current.push(component),
            Component::CurDir => {}
            Component::ParentDir => {
                current.pop();
            }
            Component::Normal(name) => {
                let next = current.join(name);
                match fs::symlink_metadata(&next) {
                    Ok(meta) if meta.file_type().is_symlink() => {
                        if let Some(repository) =
                            repositories.iter().find(|r| current.starts_with(r))
                        {
                            return Err(OutputError::LinkInRepository {
                                out: path.to_path_buf(),
                                link: next,
                                repository: repository.clone(),
                            });
                        }
                        current = next.canonicalize().map_err(io_error("resolve", &next))?;
                    }
                    // What does not exist holds no link: the rest is resolved by name.
                    Ok(_) | Err(_) => current = next,
                }
            }
        }
    }
    Ok(())
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

/// The lock of an output directory, held until dropped.
///
/// `File::try_lock` "currently corresponds to the flock function on Unix with the LOCK_EX and
/// LOCK_NB flags, and the LockFileEx function on Windows", and "the lock will be released when
/// this file (along with any other file descriptors/handles duplicated or inherited from it) is
/// closed" (Rust std documentation of `std::fs::File::try_lock`, stable since 1.89). The
/// kernel closes every file of a process that ends, SIGKILL included, and portico starts no
/// child that could inherit it. So a lock is never stale: the lock file a killed build leaves
/// is simply locked again by the next.
///
/// The repository may hold a file of that name, or a link to any file the user can write, so
/// the name is never followed, and a file there is taken over only when it holds what a lock
/// holds ([`is_lock_text`]).
struct Lock {
    /// Keeps the advisory lock.
    file: fs::File,
    path: PathBuf,
}

/// The most a lock file holds: a process id and a line feed.
const LOCK_BYTES: u64 = 16;

/// Whether `text` is what a lock file holds: nothing (a build stopped between creating it and
/// writing its id) or a process id on a line.
fn is_lock_text(text: &[u8]) -> bool {
    match text {
        [] => true,
        [digits @ .., b'\n'] => {
            !digits.is_empty() && digits.len() <= 10 && digits.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

impl Lock {
    fn acquire(path: &Path, out: &Path) -> Result<Self, OutputError> {
        let foreign = |what| OutputError::ForeignLock {
            out: out.to_path_buf(),
            lock: path.to_path_buf(),
            what,
        };
        // A holder deletes the lock file as it lets go; a build that opened the file just
        // before then holds a lock on a name no one else opens any more, and must start again
        // on the current file. Two attempts can only both lose that way to two other builds
        // finishing in between, which is then reported as busy.
        for _ in 0..3 {
            // Created here, or else an existing regular file opened without following a link:
            // `create_new` fails on any existing name, a dangling link included ("If O_CREAT
            // and O_EXCL are set, open() shall fail if the file exists", POSIX open(2); "If
            // O_EXCL and O_CREAT are set, and path names a symbolic link, open() shall fail
            // with [EEXIST]").
            let created = crate::load::open_no_follow(
                path,
                fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create_new(true),
            );
            let (mut file, created) = match created {
                Ok(file) => (file, true),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    match fs::symlink_metadata(path) {
                        Ok(meta) if meta.file_type().is_symlink() => {
                            return Err(foreign("is a symbolic link"));
                        }
                        Ok(meta) if !meta.is_file() => {
                            return Err(foreign("is not a regular file"));
                        }
                        Ok(_) => {}
                        // Deleted by the build that held it, in between.
                        Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(io_error("read", path)(e)),
                    }
                    match crate::load::open_no_follow(
                        path,
                        fs::OpenOptions::new().read(true).write(true),
                    ) {
                        Ok(file) => (file, false),
                        Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                        Err(e) => return Err(io_error("open the lock", path)(e)),
                    }
                }
                Err(e) => return Err(io_error("create the lock", path)(e)),
            };
            // Opened without following a link, but what the name is now is checked on the
            // open file itself.
            if !file.metadata().is_ok_and(|meta| meta.is_file()) {
                return Err(foreign("is not a regular file"));
            }
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    let mut text = Vec::new();
                    let holder = (&file)
                        .take(LOCK_BYTES)
                        .read_to_end(&mut text)
                        .ok()
                        .filter(|_| is_lock_text(&text))
                        .and_then(|_| std::str::from_utf8(&text).ok()?.trim().parse().ok());
                    return Err(OutputError::Busy {
                        out: out.to_path_buf(),
                        lock: path.to_path_buf(),
                        holder,
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(io_error("lock", path)(e)),
            }
            if !still_named(&file, path) {
                continue;
            }
            if !created {
                // Left by a build that was killed, or committed by the repository: taken over
                // only in the first case. Nothing is written to the file before this.
                let mut text = Vec::new();
                (&file)
                    .take(LOCK_BYTES + 1)
                    .read_to_end(&mut text)
                    .map_err(io_error("read", path))?;
                if !is_lock_text(&text) {
                    return Err(foreign("holds something else"));
                }
            }
            // The holder's id, for the message another build gives while this one runs.
            file.set_len(0)
                .and_then(|()| file.write_all(format!("{}\n", std::process::id()).as_bytes()))
                .map_err(io_error("write the lock", path))?;
            return Ok(Self {
                file,
                path: path.to_path_buf(),
            });
        }
        Err(OutputError::Busy {
            out: out.to_path_buf(),
            lock: path.to_path_buf(),
            holder: None,
        })
    }
}

/// Whether `path` still names the open `file` itself (not a link to it).
#[cfg(unix)]
fn still_named(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Elsewhere the file is never deleted (see [`Lock`]'s `Drop`); the name is checked not to be
/// a link.
#[cfg(not(unix))]
fn still_named(_file: &fs::File, path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|meta| meta.is_file())
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Deleted while still locked, so that no build takes a lock on a file that is about to
        // go (see `acquire`), and only while the name is still the file this build locked.
        // Where that cannot be checked (not Unix) the file stays: an unlocked lock file is
        // taken over by the next build.
        if cfg!(unix) && still_named(&self.file, &self.path) {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// The first name of the form `.<name>.portico-<kind>-<pid>` (then `…-<pid>.<n>`) beside the
/// output that nothing has, when `take` succeeds on it: a leftover of a killed build, or a
/// name the repository committed, that [`recover`] left alone is never reused. `take` fails
/// with [`io::ErrorKind::AlreadyExists`] when the name is taken, and must not follow a link.
fn take_sibling(
    parent: &Path,
    name: &str,
    kind: &str,
    take: impl Fn(&Path) -> io::Result<()>,
) -> Result<PathBuf, OutputError> {
    let pid = std::process::id();
    // More than `recover` leaves alone in a directory is not worth looking for.
    const TRIES: usize = 64;
    let mut path = parent.join(format!(".{name}.portico-{kind}-{pid}"));
    for n in 1..=TRIES {
        match take(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                path = parent.join(format!(".{name}.portico-{kind}-{pid}.{n}"));
            }
            Err(e) => return Err(io_error("create", &path)(e)),
        }
    }
    Err(io_error("create", &path)(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "every name portico tried beside the output is taken",
    )))
}

/// Whether `rest`, what follows `.<name>.portico-` in a file name, names a leftover of a build:
/// `old-<pid>`, `new-<pid>`, or either with `.<n>` ([`take_sibling`]). Returns whether it is
/// an `old` one.
fn leftover_kind(rest: &str) -> Option<bool> {
    let (kind, id) = rest.split_once('-')?;
    let (pid, n) = id.split_once('.').unwrap_or((id, "0"));
    let is_number = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u32>().is_ok()
    };
    if !is_number(pid) || !is_number(n) {
        return None;
    }
    match kind {
        "old" => Some(true),
        "new" => Some(false),
        _ => None,
    }
}

/// Puts right what killed builds left beside `dir` (under the lock, so none is running).
fn recover(dir: &Path, parent: &Path, name: &str) -> Result<Vec<Recovered>, OutputError> {
    let prefix = format!(".{name}.portico-");
    let mut leftovers: Vec<(PathBuf, bool)> = Vec::new();
    for entry in fs::read_dir(parent).map_err(io_error("read", parent))? {
        let entry = entry.map_err(io_error("read", parent))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        if let Some(is_old) = leftover_kind(rest) {
            leftovers.push((entry.path(), is_old));
        }
    }
    leftovers.sort();
    let mut recovered = Vec::new();
    for (path, is_old) in leftovers {
        // A link or a file is not a directory to the survey: left alone, never followed.
        let found = survey(&path)?;
        if !found.is_clean() {
            recovered.push(Recovered::LeftAlone {
                path,
                foreign: found.foreign(),
            });
            continue;
        }
        // A previous build moved aside and never replaced: it was complete (the marker is
        // written first and the tree only moved aside whole), so it becomes the output again.
        if is_old && found.marker && !survey(dir)?.exists {
            fs::rename(&path, dir).map_err(io_error("restore", &path))?;
            recovered.push(Recovered::Restored { from: path });
            continue;
        }
        fs::remove_dir_all(&path).map_err(io_error("delete", &path))?;
        recovered.push(Recovered::Removed { path });
    }
    Ok(recovered)
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
/// its foreign entries are listed (bounded by [`LISTED`]) and `refusal` says why.
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
enum OnDisk {
    Bytes(Vec<u8>),
    TooLarge(u64),
}

/// Reads a file the survey found to be a regular file at an artifact path, opened without
/// following a link, and its size and kind taken from the open file: what is read is what was
/// checked, even if the name changed since.
fn read_bounded(path: &Path) -> Result<OnDisk, OutputError> {
    let file = crate::load::open_no_follow(path, fs::OpenOptions::new().read(true))
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn build() -> Artifacts {
        let mut artifacts = Artifacts::new();
        artifacts.insert("authconfigs/ns/one.yaml".to_string(), "x: 1\n".to_string());
        artifacts.insert("envoy/bootstrap.yaml".to_string(), "y: 2\n".to_string());
        artifacts
    }

    #[test]
    fn write_replaces_and_diff_reports_drift() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("generated");
        let mut artifacts = build();
        let written = write(&out, &artifacts).unwrap();
        assert_eq!((written.files, written.recovered), (2, vec![]));
        assert_eq!(diff(&out, &artifacts).unwrap().diff, "");
        assert_eq!(fs::read_to_string(out.join(MARKER)).unwrap(), MARKER_TEXT);
        // A stale artifact from an earlier build disappears on the next one.
        fs::write(out.join("authconfigs/ns/stale.yaml"), "z: 3\n").unwrap();
        let drift = diff(&out, &artifacts).unwrap().diff;
        assert!(
            drift.contains("--- a/authconfigs/ns/stale.yaml\n+++ /dev/null\n"),
            "{drift}"
        );
        artifacts.insert("envoy/bootstrap.yaml".to_string(), "y: 3\n".to_string());
        let drift = diff(&out, &artifacts).unwrap().diff;
        assert!(drift.contains("-y: 2\n+y: 3\n"), "{drift}");
        write(&out, &artifacts).unwrap();
        assert_eq!(
            survey(&out).unwrap().artifacts,
            vec!["authconfigs/ns/one.yaml", "envoy/bootstrap.yaml"]
        );
        assert_eq!(diff(&out, &artifacts).unwrap().diff, "");
        // Nothing is left beside the output, the lock included.
        let siblings: Vec<_> = fs::read_dir(tmp.path()).unwrap().flatten().collect();
        assert_eq!(siblings.len(), 1, "{siblings:?}");
    }

    #[test]
    fn an_artifact_path_that_is_not_one_is_refused_before_writing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut artifacts = build();
        artifacts.insert("authconfigs/../../escape.yaml".to_string(), String::new());
        let error = write(&out, &artifacts).unwrap_err();
        assert!(matches!(error, OutputError::ArtifactPath { .. }), "{error}");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn resolve_follows_links_in_what_exists_and_names_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        fs::create_dir(root.join("a")).unwrap();
        assert_eq!(
            resolve(Path::new("a/new/../x/./y"), &root).unwrap(),
            root.join("a/x/y")
        );
        assert_eq!(resolve(Path::new(".."), &root.join("a")).unwrap(), root);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("a"), root.join("link")).unwrap();
            assert_eq!(
                resolve(Path::new("link/out"), &root).unwrap(),
                root.join("a/out")
            );
        }
    }

    #[test]
    fn only_what_a_lock_holds_is_a_lock() {
        for good in [&b""[..], b"1\n", b"4294967295\n"] {
            assert!(is_lock_text(good), "{good:?}");
        }
        for bad in [
            &b"\n"[..],
            b"12",
            b"12\n\n",
            b"x\n",
            b"12345678901\n",
            b" 1\n",
        ] {
            assert!(!is_lock_text(bad), "{bad:?}");
        }
    }

    #[test]
    fn leftovers_are_the_names_take_sibling_gives() {
        assert_eq!(leftover_kind("old-12"), Some(true));
        assert_eq!(leftover_kind("new-12"), Some(false));
        assert_eq!(leftover_kind("new-12.3"), Some(false));
        for other in [
            "lock",
            "new-",
            "new-x",
            "new-1.",
            "new-1.2.3",
            "old-+1",
            "mid-1",
        ] {
            assert_eq!(leftover_kind(other), None, "{other}");
        }
    }

    #[test]
    fn printed_paths_show_control_characters_escaped() {
        assert_eq!(
            escaped_path(Path::new("a/x\n::error::y\u{1b}[31m\t\u{202e}z")),
            "a/x\\u{a}::error::y\\u{1b}[31m\\u{9}\\u{202e}z"
        );
        assert_eq!(escaped_path(Path::new("generated/é")), "generated/é");
    }

    #[cfg(unix)]
    #[test]
    fn check_reads_no_file_through_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("secret"), tmp.path().join("link")).unwrap();
        assert!(read_bounded(&tmp.path().join("link")).is_err());
        assert!(matches!(
            read_bounded(&tmp.path().join("secret")).unwrap(),
            OnDisk::Bytes(bytes) if bytes == b"s"
        ));
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_only_outside_the_repositories() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        let repo = root.join("repo");
        fs::create_dir_all(repo.join("sub")).unwrap();
        std::os::unix::fs::symlink(&repo, root.join("to-repo")).unwrap();
        std::os::unix::fs::symlink("sub", repo.join("link")).unwrap();
        let repositories = [repo.clone()];
        let check = |path: &str| refuse_links_inside(Path::new(path), &root, &repositories);
        assert!(check("to-repo/sub/out").is_ok());
        assert!(check("repo/new/../sub/out").is_ok());
        for bad in [
            "repo/link",
            "repo/link/out",
            "to-repo/link/x",
            "repo/sub/../link",
        ] {
            assert!(
                matches!(check(bad), Err(OutputError::LinkInRepository { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn survey_stops_after_a_few_foreign_entries() {
        let tmp = tempfile::tempdir().unwrap();
        for i in 0..50 {
            fs::write(tmp.path().join(format!("f{i:02}")), "").unwrap();
        }
        let found = survey(tmp.path()).unwrap();
        assert_eq!(found.foreign, vec!["f00", "f01", "f02", "f03", "f04"]);
        assert!(found.more && !found.is_replaceable());
    }
}
