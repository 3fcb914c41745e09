//! Source files and spans. A [`Span`] always knows its file.

use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }
}

/// One input file: its display path (relative, forward slashes) and text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: String, text: Arc<str>) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// 0-based line of a byte offset.
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        self.line_starts.partition_point(|&s| s <= offset) - 1
    }

    /// Number of lines (a final newline starts an empty last line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte range of a 0-based line, without its newline.
    pub fn line_range(&self, line: usize) -> (usize, usize) {
        let start = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |&next| next - 1);
        (start, end.max(start))
    }

    /// Byte offset of a 0-based line and character column, as YAML parsers report them.
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        rest.char_indices()
            .nth(col)
            .map_or(self.text.len().min(start + rest.len()), |(i, _)| start + i)
    }
}

/// Every file of a run, addressed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, path: String, text: Arc<str>) -> FileId {
        self.files.push(SourceFile::new(path, text));
        FileId(self.files.len() as u32 - 1)
    }

    /// Changes a file's display path (to tell apart two inputs with the same relative path).
    pub fn rename(&mut self, id: FileId, path: String) {
        self.files[id.0 as usize].path = path;
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// Every file, in the order they were added.
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }

    /// Masks the characters of a span with `*` (a secret's value), keeping byte offsets,
    /// line breaks and the quotes around it, so code frames never show it.
    pub fn redact(&mut self, span: Span) {
        let f = &mut self.files[span.file.0 as usize];
        let (start, end) = (span.start as usize, span.end as usize);
        let Some(inner) = f.text.get(start..end) else {
            return;
        };
        let quoted = inner.len() >= 2
            && (inner.starts_with('"') && inner.ends_with('"')
                || inner.starts_with('\'') && inner.ends_with('\''));
        let mut masked = String::with_capacity(inner.len());
        let last = inner.chars().count().saturating_sub(1);
        for (i, c) in inner.chars().enumerate() {
            if c == '\n' || c == '\r' || (quoted && (i == 0 || i == last)) {
                masked.push(c);
            } else {
                masked.extend(std::iter::repeat_n('*', c.len_utf8()));
            }
        }
        let text = format!("{}{masked}{}", &f.text[..start], &f.text[end..]);
        f.text = Arc::from(text.as_str());
    }

    /// `(path, line, column)` of a span's start.
    pub fn locate(&self, span: Span) -> (&str, usize, usize) {
        let f = self.get(span.file);
        let (l, c) = f.line_col(span.start as usize);
        (&f.path, l, c)
    }
}
