//! The lock beside an output directory, which keeps two builds from writing it at once and
//! never follows, overwrites or deletes a file of that name that portico did not make.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::{OutputError, io_error};

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
pub(super) struct Lock {
    /// Keeps the advisory lock.
    file: fs::File,
    path: PathBuf,
}

/// The most a lock file holds: a process id and a line feed.
const LOCK_BYTES: u64 = 16;

/// Whether `text` is what a lock file holds: nothing (a build stopped between creating it and
/// writing its id) or a process id on a line.
pub(super) fn is_lock_text(text: &[u8]) -> bool {
    match text {
        [] => true,
        [digits @ .., b'\n'] => {
            !digits.is_empty() && digits.len() <= 10 && digits.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

impl Lock {
    pub(super) fn acquire(path: &Path, out: &Path) -> Result<Self, OutputError> {
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
            let created = crate::load::read::open_no_follow(
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
                    match crate::load::read::open_no_follow(
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
