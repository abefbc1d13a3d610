//! The directories a build makes beside its output (the new tree, the previous one moved
//! aside), and the recovery of those a killed build left behind.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::survey::survey;
use super::{OutputError, Recovered, io_error};

/// The first name of the form `.<name>.portico-<kind>-<pid>` (then `…-<pid>.<n>`) beside the
/// output that nothing has, when `take` succeeds on it: a leftover of a killed build, or a
/// name the repository committed, that [`recover`] left alone is never reused. `take` fails
/// with [`io::ErrorKind::AlreadyExists`] when the name is taken, and must not follow a link.
pub(super) fn take_sibling(
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
pub(super) fn leftover_kind(rest: &str) -> Option<bool> {
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
pub(super) fn recover(
    dir: &Path,
    parent: &Path,
    name: &str,
) -> Result<Vec<Recovered>, OutputError> {
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
