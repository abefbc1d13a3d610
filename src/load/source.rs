//! Loaded files, their text and the byte-offset → line/column arithmetic every reporter shares.

use std::path::PathBuf;
use std::sync::Arc;

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A 1-based line and column (columns count Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One input file.
#[derive(Debug)]
pub struct SourceFile {
    /// Path relative to the root it was found under, with `/`; `<stdin>` for standard input.
    pub name: String,
    /// Path as reachable from the working directory (what a human clicks on).
    pub path: PathBuf,
    /// The text; empty when the file could not be read as UTF-8. Shared so reporters can hand
    /// it to miette without copying.
    pub text: Arc<str>,
    /// Byte offset of each line's start, as `u32` like the tree's spans (the loader reads
    /// nothing of 4 GiB or more): one per line of the repository, kept for the whole run.
    line_starts: Vec<u32>,
}

impl SourceFile {
    /// A file named `name`, found at `path`, holding `text`.
    #[must_use]
    pub fn new(name: String, path: PathBuf, text: String) -> Self {
        // Sized up front: grown by doubling, the table of a large repository's lines kept up
        // to twice its size for the whole run.
        let lines = text.bytes().filter(|&b| b == b'\n').count();
        let mut line_starts = Vec::with_capacity(lines + 1);
        line_starts.push(0);
        line_starts.extend(
            text.match_indices('\n')
                .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        Self {
            name,
            path,
            text: Arc::from(text),
            line_starts,
        }
    }

    /// The line/column of a byte offset (clamped to the text, snapped back to a char boundary).
    #[must_use]
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.floor_char_boundary(offset);
        let line = self
            .line_starts
            .partition_point(|&s| s as usize <= offset)
            .max(1)
            - 1;
        let start = self.line_starts.get(line).map_or(0, |&s| s as usize);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// The byte offset of a 1-based line and a 0-based column counted in chars.
    #[must_use]
    pub fn offset_of(&self, line: usize, col0: usize) -> usize {
        let Some(start) = self.line_start(line.max(1)) else {
            return self.text.len();
        };
        let rest = self.text.get(start..).unwrap_or("");
        let line_text = rest.split('\n').next().unwrap_or("");
        start
            + line_text
                .char_indices()
                .nth(col0)
                .map_or(line_text.len(), |(i, _)| i)
    }

    /// Byte offset where 1-based `line` starts, if the file has that line.
    #[must_use]
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts
            .get(line.checked_sub(1)?)
            .map(|&s| s as usize)
    }

    /// The text of 1-based `line` without its line break (and without a trailing `\r`).
    #[must_use]
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let start = self.line_start(line)?;
        let rest = self.text.get(start..)?;
        let text = rest.split('\n').next().unwrap_or("");
        Some(text.strip_suffix('\r').unwrap_or(text))
    }

    /// Number of lines.
    #[must_use]
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    fn floor_char_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// Every file a run read, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(file);
        id
    }

    /// The file with `id`.
    ///
    /// Ids only come from [`Sources::add`], so the lookup cannot miss; an empty placeholder
    /// keeps the signature total rather than panicking.
    #[must_use]
    pub fn get(&self, id: FileId) -> &SourceFile {
        static EMPTY: std::sync::OnceLock<SourceFile> = std::sync::OnceLock::new();
        self.files.get(id.0 as usize).unwrap_or_else(|| {
            EMPTY.get_or_init(|| SourceFile::new(String::new(), PathBuf::new(), String::new()))
        })
    }

    /// All files in load order.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    /// Number of files.
    #[must_use]
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file was read.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_and_lines() {
        let f = SourceFile::new("a".into(), PathBuf::from("a"), "ab\nçd\r\nx".into());
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'ç' is two bytes: byte 5 is the 'd'.
        assert_eq!(f.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(f.offset_of(2, 1), 5);
        assert_eq!(f.line_text(2), Some("çd"));
        assert_eq!(f.line_col(8), LineCol { line: 3, column: 1 });
    }
}
