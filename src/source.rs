//! Source files and byte spans.
//!
//! Every position authlint reports is a byte range into one loaded file. Line and column numbers
//! are computed only when a diagnostic is printed, so the loaders and the analysis carry nothing
//! but `Span`s.

use std::path::PathBuf;

/// Index of a file in [`SourceFiles`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start, end: end.max(start) }
    }
}

/// One input file: its path as the user should see it and its text.
pub struct SourceFile {
    /// The path as given on the command line (joined with what the walk found), for display.
    pub display: String,
    pub path: PathBuf,
    pub text: String,
    /// The tenant the file belongs to (see `tenants.rs`).
    pub tenant: crate::tenants::TenantId,
    /// Byte offset where each line starts: found the first time a position in the file is
    /// shown (most files of a large tenant have nothing to show).
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String) -> SourceFile {
        SourceFile {
            display,
            path,
            text,
            tenant: crate::tenants::LOOSE,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1));
            starts
        })
    }

    /// The 1-based line holding `offset` (a binary search: no counting of characters, however
    /// long the line).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.line_starts().partition_point(|&s| s <= offset).max(1)
    }

    /// Line and column of a byte offset; offsets past the end clamp to the end of the text.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let line_start = starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(line_start..offset)
            .map(|s| s.chars().count())
            // An offset inside a multi-byte character: count the bytes instead.
            .unwrap_or(offset - line_start);
        LineCol { line: line + 1, column: column + 1 }
    }

    /// Byte offset where 1-based `line` starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts().get(line.checked_sub(1)?).copied()
    }

    /// The text of the line holding `offset`, without its line break.
    pub fn line_text(&self, offset: usize) -> &str {
        let lc = self.line_col(offset);
        let start = self.line_start(lc.line).unwrap_or(0);
        let end = self.line_start(lc.line + 1).unwrap_or(self.text.len());
        self.text.get(start..end).unwrap_or("").trim_end_matches(['\n', '\r'])
    }
}

/// All files of one run, indexed by [`FileId`].
#[derive(Default)]
pub struct SourceFiles {
    files: Vec<SourceFile>,
}

impl SourceFiles {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId((self.files.len() - 1) as u32)
    }

    /// Puts `file` in place of file `id` (the language server's edits keep each path's id).
    /// Returns the file it replaces.
    pub fn replace(&mut self, id: FileId, file: SourceFile) -> Option<SourceFile> {
        let slot = self.files.get_mut(id.0 as usize)?;
        Some(std::mem::replace(slot, file))
    }

    /// Makes room for `more` files (a tenant's files are added one by one).
    pub fn reserve(&mut self, more: usize) {
        self.files.reserve(more);
    }

    /// The file `id`, if there is one.
    pub fn try_get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn get_mut(&mut self, id: FileId) -> Option<&mut SourceFile> {
        self.files.get_mut(id.0 as usize)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let f = SourceFile::new("a".into(), "a".into(), "ab\ncé d\n".into());
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'd' is after the two-byte 'é': byte 7, character column 4.
        assert_eq!(f.line_col(7), LineCol { line: 2, column: 4 });
        assert_eq!(f.line_col(999), LineCol { line: 3, column: 1 });
        assert_eq!(f.line_text(4), "cé d");
        for offset in [0, 2, 3, 7, 8, 999] {
            assert_eq!(f.line_of(offset), f.line_col(offset).line, "{offset}");
        }
    }
}
