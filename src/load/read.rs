//! Reading one file: its bytes within the size limit (a regular file's size checked before it
//! is read, a stream cut one byte past the limit), a name the repository controls opened
//! without following a link, and the bytes decoded as UTF-8 text or refused with the reason.

use std::io::Read;
use std::path::Path;

use super::FileProblem;

/// The largest file the loader reads whatever limit is configured: spans in the tree are
/// `u32` offsets (see [`node::TextSpan`](super::node::TextSpan)), so a larger file could not
/// be located exactly.
pub const MAX_SPANNED_BYTES: u64 = u32::MAX as u64;

/// Why a file was not read, and what of it a finding may show.
pub(super) struct Refusal {
    pub(super) problem: FileProblem,
    /// The text to show with the finding: for text that is not UTF-8, a lossy copy (every
    /// byte before the first bad one is valid, so its offset is unchanged, and the finding
    /// shows that line); otherwise empty.
    pub(super) shown: String,
}

impl Refusal {
    /// A refusal that shows nothing of the file.
    pub(super) fn of(problem: FileProblem) -> Self {
        Self {
            problem,
            shown: String::new(),
        }
    }
}

/// The limit actually applied: the configured one, never above [`MAX_SPANNED_BYTES`].
pub(super) fn effective_limit(max_bytes: u64) -> u64 {
    max_bytes.min(MAX_SPANNED_BYTES)
}

/// Whether `size` bytes are within the limit, which never exceeds [`MAX_SPANNED_BYTES`].
pub(super) fn within_size_limit(size: u64, max_bytes: u64) -> Result<(), FileProblem> {
    let limit = effective_limit(max_bytes);
    if size > limit {
        return Err(FileProblem::TooLarge { size, limit });
    }
    Ok(())
}

/// Reads `reader` to its end, but never more than the limit and one byte: a stream that
/// does not end (`/dev/zero`, `yes |`, a FIFO whose writer never stops) costs the limit, not
/// the machine's memory. `capacity` is the size expected, when known.
///
/// # Errors
/// [`FileProblem::OverLimit`] when there is more than the limit; [`FileProblem::Unreadable`]
/// when reading fails.
pub fn read_bounded(
    reader: impl Read,
    max_bytes: u64,
    capacity: usize,
) -> Result<Vec<u8>, FileProblem> {
    let limit = effective_limit(max_bytes);
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| FileProblem::Unreadable(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(FileProblem::OverLimit { limit });
    }
    Ok(bytes)
}

/// How a file is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Opening {
    /// Named by the user: links followed, and a FIFO or a device read as a stream.
    Named,
    /// Found by the walk as a regular file at a path without links: a regular file only, and
    /// no link followed ([`open_no_follow`]).
    Walked,
}

/// Reads a file's bytes within the size limit. A regular file's size is known before reading,
/// so one over the limit is not read at all; anything else the caller named (a FIFO, a
/// device, `<(kustomize build)`) is read as a stream, up to the limit.
pub(super) fn read_file_bytes(
    path: &Path,
    max_bytes: u64,
    opening: Opening,
) -> Result<Vec<u8>, FileProblem> {
    let unreadable = |e: std::io::Error| FileProblem::Unreadable(e.to_string());
    let file = match opening {
        Opening::Named => std::fs::File::open(path),
        Opening::Walked => open_no_follow(path, std::fs::OpenOptions::new().read(true)),
    }
    .map_err(unreadable)?;
    let meta = file.metadata().map_err(unreadable)?;
    if opening == Opening::Walked && !meta.is_file() {
        return Err(FileProblem::Unreadable(
            "not a regular file any more (it changed while portico read the directory)".into(),
        ));
    }
    let capacity = if meta.is_file() {
        within_size_limit(meta.len(), max_bytes)?;
        // One byte more, so that reading to the end does not grow the buffer to find it.
        usize::try_from(meta.len()).map_or(0, |n| n.saturating_add(1))
    } else {
        0
    };
    read_bounded(file, max_bytes, capacity)
}

/// Opens `path` with `options` without following a symbolic link at its last component and
/// without waiting on a FIFO; the caller checks what the open file is (`File::metadata`).
///
/// For a name the repository controls, checked first with `symlink_metadata`: the check and
/// the open are then about the same file, even if the name changed between them.
///
/// On Unix, `O_NOFOLLOW`: "If the trailing component (i.e., basename) of pathname is a symbolic
/// link, then the open fails, with the error ELOOP"; `O_NONBLOCK`: opening a FIFO returns at
/// once instead of waiting for the other end, and "has no effect for regular files" (Linux
/// open(2); both in POSIX.1-2008). On Windows, `FILE_FLAG_OPEN_REPARSE_POINT` (0x00200000)
/// opens a symbolic link itself, not its target (Microsoft, CreateFileW documentation), so the
/// caller's check that the open file is a regular file fails on a link.
///
/// # Errors
/// What opening returns; a link is an error on Unix.
pub fn open_no_follow(
    path: &Path,
    options: &mut std::fs::OpenOptions,
) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
        options.custom_flags(FILE_FLAG_OPEN_REPARSE_POINT);
    }
    options.open(path)
}

/// The text of bytes read from an input, or why it is not text.
pub(super) fn decode(bytes: Vec<u8>) -> Result<String, Refusal> {
    // UTF-16's byte-order mark first: its ASCII characters hold NUL bytes, and "binary" would
    // be the wrong diagnosis of a file an editor saved as UTF-16.
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Refusal::of(FileProblem::Utf16));
    }
    if bytes.contains(&0) {
        return Err(Refusal::of(FileProblem::Binary));
    }
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        Refusal {
            problem: FileProblem::NotUtf8 { offset },
            shown: String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    })?;
    // A byte-order mark is not content; drop it so offsets and columns match what editors show.
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

pub(super) fn read_text_or_refusal(path: &Path, max_bytes: u64) -> Result<String, Refusal> {
    read_file_bytes(path, max_bytes, Opening::Named)
        .map_err(Refusal::of)
        .and_then(decode)
}

/// Reads a file as UTF-8 text within the size limit, reading no more than the limit and one
/// byte whatever the file is.
///
/// # Errors
/// The [`FileProblem`] that kept it from being read.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String, FileProblem> {
    read_text_or_refusal(path, max_bytes).map_err(|r| r.problem)
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A walked name that became a link (to a file outside) or a FIFO after the walk saw a
    /// regular file is not read, and the FIFO does not block; a name the user gave is still
    /// followed.
    #[test]
    fn a_walked_file_is_read_only_as_the_regular_file_the_walk_saw() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside.yaml");
        std::fs::write(&outside, "secret: 1\n").unwrap();
        let link = tmp.path().join("link.yaml");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        assert!(read_file_bytes(&link, 1024, Opening::Walked).is_err());
        assert_eq!(
            read_file_bytes(&link, 1024, Opening::Named).unwrap(),
            b"secret: 1\n"
        );
        let fifo = tmp.path().join("fifo.yaml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if made {
            assert!(matches!(
                read_file_bytes(&fifo, 1024, Opening::Walked),
                Err(FileProblem::Unreadable(m)) if m.contains("not a regular file")
            ));
        }
        assert_eq!(
            read_file_bytes(&outside, 1024, Opening::Walked).unwrap(),
            b"secret: 1\n"
        );
    }
}
