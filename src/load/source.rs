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
    ///
    /// A line ends at `\r\n`, `\n` or a lone `\r`. YAML 1.2 makes these three, and only
    /// these, line breaks (§5.4, "Line Break Characters",
    /// <https://yaml.org/spec/1.2.2/#54-line-break-characters>; NEL, LS and PS were line breaks
    /// in YAML 1.1 only), and the YAML parser counts lines the same way (granit-parser 2.2,
    /// `char_traits::is_break`: `\n` or `\r`). Every position portico reports, in every
    /// format, is computed from this table.
    line_starts: Vec<u32>,
    /// Whether the text is all ASCII: then a column is a byte difference, found in constant
    /// time however long the line.
    ascii: bool,
    /// For text that is not all ASCII, the column (0-based, in chars) at a char boundary every
    /// [`COLUMN_MARK_BYTES`] or so of each line longer than that, by byte offset: a column is
    /// then counted from the nearest mark, not from the start of a line of megabytes (a
    /// million findings on one 2 MB line took minutes). Empty for ASCII text and short lines.
    column_marks: Vec<(u32, u32)>,
}

/// The spacing of [`SourceFile`]'s column marks: what a column lookup counts at most.
const COLUMN_MARK_BYTES: usize = 4096;

impl SourceFile {
    /// A file named `name`, found at `path`, holding `text`.
    #[must_use]
    pub fn new(name: String, path: PathBuf, text: String) -> Self {
        let bytes = text.as_bytes();
        // Where each line break ends: after `\n`, and after a `\r` that no `\n` follows (a
        // CRLF ends at its `\n`). Each searched for alone, which the standard library does
        // with `memchr`; a lone `\r` is rare, and merged in only when there is one.
        let lone_crs: Vec<usize> = text
            .match_indices('\r')
            .map(|(i, _)| i)
            .filter(|&i| bytes.get(i + 1) != Some(&b'\n'))
            .collect();
        let lfs = || text.match_indices('\n').map(|(i, _)| i);
        let end = |i: usize| u32::try_from(i + 1).unwrap_or(u32::MAX);
        // Sized up front: grown by doubling, the table of a large repository's lines kept up
        // to twice its size for the whole run.
        let mut line_starts = Vec::with_capacity(text.matches('\n').count() + lone_crs.len() + 1);
        line_starts.push(0);
        if lone_crs.is_empty() {
            line_starts.extend(lfs().map(end));
        } else {
            let mut crs = lone_crs.iter().copied().peekable();
            for lf in lfs() {
                while let Some(cr) = crs.next_if(|&cr| cr < lf) {
                    line_starts.push(end(cr));
                }
                line_starts.push(end(lf));
            }
            line_starts.extend(crs.map(end));
        }
        let ascii = text.is_ascii();
        let column_marks = if ascii {
            Vec::new()
        } else {
            column_marks(&text, &line_starts)
        };
        Self {
            name,
            path,
            text: Arc::from(text),
            line_starts,
            ascii,
            column_marks,
        }
    }

    /// The line/column of a byte offset (clamped to the text, snapped back to a char boundary).
    ///
    /// Constant time in the length of the line for ASCII text, at most [`COLUMN_MARK_BYTES`]
    /// counted otherwise.
    #[must_use]
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.floor_char_boundary(offset);
        let line = self
            .line_starts
            .partition_point(|&s| s as usize <= offset)
            .max(1)
            - 1;
        let start = self.line_starts.get(line).map_or(0, |&s| s as usize);
        let column = if self.ascii {
            offset - start
        } else {
            let mark = self
                .column_marks
                .partition_point(|&(at, _)| at as usize <= offset)
                .checked_sub(1)
                .and_then(|i| self.column_marks.get(i))
                .filter(|&&(at, _)| at as usize >= start);
            let (from, counted) =
                mark.map_or((start, 0), |&(at, column)| (at as usize, column as usize));
            counted + self.text.get(from..offset).map_or(0, |s| s.chars().count())
        } + 1;
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
        let line_text = self.line_text(line.max(1)).unwrap_or("");
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

    /// The text of 1-based `line` without its line break.
    #[must_use]
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let start = self.line_start(line)?;
        let end = match self.line_start(line + 1) {
            Some(next) => {
                let bytes = self.text.as_bytes();
                // The break before the next line: `\r\n` or one byte.
                if next >= 2 && bytes.get(next - 2..next) == Some(b"\r\n".as_slice()) {
                    next - 2
                } else {
                    next.saturating_sub(1)
                }
            }
            None => self.text.len(),
        };
        self.text.get(start..end.max(start))
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

/// The column marks of a text that is not all ASCII (see [`SourceFile`]'s `column_marks`).
fn column_marks(text: &str, line_starts: &[u32]) -> Vec<(u32, u32)> {
    let mut marks = Vec::new();
    for (i, &start) in line_starts.iter().enumerate() {
        let start = start as usize;
        let end = line_starts
            .get(i + 1)
            .map_or(text.len(), |&next| next as usize);
        if end - start <= COLUMN_MARK_BYTES {
            continue;
        }
        let mut column: u32 = 0;
        let mut next_mark = start + COLUMN_MARK_BYTES;
        for (at, _) in text.get(start..end).unwrap_or("").char_indices() {
            let at = start + at;
            if at >= next_mark {
                marks.push((u32::try_from(at).unwrap_or(u32::MAX), column));
                next_mark = at + COLUMN_MARK_BYTES;
            }
            column = column.saturating_add(1);
        }
    }
    marks
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

    #[test]
    fn a_lone_carriage_return_ends_a_line_as_in_yaml() {
        // CR, LF and CRLF each end a line; CRLF is one break, not two.
        let f = SourceFile::new("a".into(), PathBuf::from("a"), "a\rb\r\nc\nd\r".into());
        assert_eq!(f.line_count(), 5);
        assert_eq!(f.line_col(2), LineCol { line: 2, column: 1 });
        assert_eq!(f.line_col(5), LineCol { line: 3, column: 1 });
        assert_eq!(f.line_col(7), LineCol { line: 4, column: 1 });
        let lines: Vec<_> = (1..=5).map(|l| f.line_text(l)).collect();
        assert_eq!(
            lines,
            vec![Some("a"), Some("b"), Some("c"), Some("d"), Some("")]
        );
        assert_eq!(f.offset_of(3, 0), 5);
        assert_eq!(f.offset_of(2, 5), 3, "past the end of a line: its end");
        // The end of the text is on the empty last line.
        assert_eq!(f.line_col(9), LineCol { line: 5, column: 1 });
    }

    #[test]
    fn columns_on_long_lines_count_chars_from_the_nearest_mark() {
        // Marks every 4 KiB on a long non-ASCII line; the count agrees with a full count at
        // every offset, on both sides of a mark and across lines.
        let line = "é1".repeat(5_000);
        let text = format!("x\n{line}\r{line}\n");
        let f = SourceFile::new("a".into(), PathBuf::from("a"), text.clone());
        assert!(!f.column_marks.is_empty());
        for offset in (0..text.len()).step_by(7).chain([text.len()]) {
            let offset = f.floor_char_boundary(offset);
            let line_start = f.line_starts[f.line_col(offset).line - 1] as usize;
            let expected = text[line_start..offset].chars().count() + 1;
            assert_eq!(f.line_col(offset).column, expected, "at {offset}");
        }
        let ascii = SourceFile::new("a".into(), PathBuf::from("a"), "k: v\n".repeat(3));
        assert!(ascii.column_marks.is_empty());
        assert_eq!(ascii.line_col(13), LineCol { line: 3, column: 4 });
    }
}
