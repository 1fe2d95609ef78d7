//! A fast path for the plain block YAML that exports are written in.
//!
//! IAM-CTL and the REST tools write YAML in a small, regular subset: block mappings and block
//! sequences, one `key: value` per line, plain or quoted one-line scalars, literal block
//! scalars (`|`) for scripts, `[]` and `{}`, and `!!org.wso2...` type tags before collections.
//! General YAML parsers pay for everything YAML allows on every byte: on the bean bench (82 MB
//! of exports) saphyr-parser took 60% of the instructions of a whole run. This module reads that
//! subset line by line and hands `Builder` the events it builds the tree from, with the spans
//! granit-parser gives (so trees, spans and messages are the same whichever parser read a
//! file): the bench's 10,200 files take 130 ms on one core, trees included, against 740 ms.
//!
//! It is a recogniser as much as a parser: it accepts a file only when it can tell the file is
//! valid YAML and what every part of it means. Anything else (anchors, aliases, flow
//! collections with content, folded or multi-line scalars, explicit keys, directives, odd
//! indentation, a tab, a syntax error...) makes it give up with [`Unsupported`] and the file
//! is read by the general parsers (see `super::parse`), which report errors as before. So a
//! file it accepts has no syntax error: every line was checked, none was skipped.
//! Duplicate keys and scalar types are left to `Builder`, as for the other parsers.
//!
//! Unit tests in `super::tests` check that the tree built from these events equals granit's
//! for every fixture, every shape below and thousands of mutated files.

use std::borrow::Cow;

use super::{Builder, Ev, Node};
use crate::source::{FileId, Span};

/// The file uses YAML this module does not read (or is not valid YAML): the general parsers
/// read it.
#[derive(Debug)]
pub(super) struct Unsupported;

type Result<T> = std::result::Result<T, Unsupported>;

/// Collections nested deeper than this are left to the general parsers (which bound nesting
/// themselves): the parser below recurses once per level.
const MAX_DEPTH: usize = 100;

/// Implicit keys longer than this are left to the general parsers: YAML limits a simple key
/// to 1,024 characters.
const MAX_KEY_LEN: usize = 512;

/// The bytes of a plain key after its first (`a-z A-Z 0-9 _ $ - . /`), and of a tag's name
/// (the same but `/`), as tables: keys and tags are most of an export's bytes.
const KEY_BYTES: [bool; 256] = byte_table(b"_$-./");
const TAG_BYTES: [bool; 256] = byte_table(b"_$-.");

const fn byte_table(punctuation: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < punctuation.len() {
        table[punctuation[i] as usize] = true;
        i += 1;
    }
    table
}

/// The documents of `text`, or `Unsupported`. `text` must be ASCII without tabs or control
/// characters other than `\n` and `\r`, and end with a line break (`SaphyrEvents::suits`).
pub(super) fn parse(file: FileId, text: &str) -> Result<Vec<Node<'_>>> {
    // Line breaks are `\n` only (a `\r` would end up inside values), and every line ends
    // with one: the reader looks one byte past a token without checking for the end.
    if !text.ends_with('\n') || memchr::memchr(b'\r', text.as_bytes()).is_some() {
        return Err(Unsupported);
    }
    let mut reader = Reader { text, bytes: text.as_bytes(), file, pos: 0, depth: 0, builder: Builder::new() };
    reader.stream()?;
    Ok(reader.builder.finish())
}

/// A line that holds a token (not blank, not a comment).
#[derive(Clone, Copy)]
struct Line {
    /// Offset of its first byte.
    start: usize,
    /// Spaces before its first token.
    indent: usize,
}

impl Line {
    /// Offset of its first token.
    fn first(&self) -> usize {
        self.start + self.indent
    }
}

/// What comes next in the stream.
enum Next {
    Line(Line),
    /// A `---` line: the current document ends, another starts.
    DocumentStart(Line),
    End,
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    file: FileId,
    /// Start of the first line not read yet.
    pos: usize,
    /// Collections open.
    depth: usize,
    /// The events go straight to the tree builder.
    builder: Builder<'t>,
}

impl<'t> Reader<'t> {
    /// Passes an event to the builder. What it rejects (a duplicate key) is left to the
    /// general parsers too, which report it in their words.
    fn emit(&mut self, ev: Ev<'t>, start: usize, end: usize) -> Result<()> {
        let span = Span::new(self.file, start, end);
        self.builder.add(ev, span, None, |_| true).map_err(|_| Unsupported)
    }

    fn scalar(&mut self, value: Cow<'t, str>, plain: bool, start: usize, end: usize) -> Result<()> {
        self.emit(Ev::Scalar { value, plain, anchor: 0, tag: None }, start, end)
    }

    /// The offset of the line break ending the line that holds `at` (the text ends with one).
    fn line_end(&self, at: usize) -> usize {
        memchr::memchr(b'\n', &self.bytes[at..]).map_or(self.bytes.len(), |i| at + i)
    }

    /// The next line holding a token, skipping blank lines and comment lines, without reading
    /// it (`self.pos` moves to its start).
    fn peek(&mut self) -> Result<Next> {
        loop {
            if self.pos >= self.bytes.len() {
                return Ok(Next::End);
            }
            let start = self.pos;
            let end = self.line_end(start);
            let indent = self.bytes[start..end].iter().take_while(|&&b| b == b' ').count();
            let line = Line { start, indent };
            match self.bytes.get(start + indent) {
                // Blank, or a comment: nothing to read.
                Some(b'\n' | b'#') | None => self.pos = end + 1,
                Some(_) if indent == 0 && self.bytes[start..end].starts_with(b"---") => {
                    return match self.bytes.get(start + 3) {
                        Some(b' ' | b'\n') => Ok(Next::DocumentStart(line)),
                        // `---x` is a scalar, which this module does not read at column 0.
                        _ => Err(Unsupported),
                    };
                }
                // `...` (document end) and `%` directives.
                Some(b'.' | b'%') if indent == 0 => return Err(Unsupported),
                Some(_) => return Ok(Next::Line(line)),
            }
        }
    }

    /// Everything after `at` on its line is blanks or a comment (a `#` after a blank): then
    /// the reader moves to the next line.
    fn end_of_line(&mut self, at: usize) -> Result<()> {
        let mut i = at;
        while self.bytes[i] == b' ' {
            i += 1;
        }
        match self.bytes[i] {
            b'\n' => {}
            b'#' if i > at => i = self.line_end(i),
            _ => return Err(Unsupported),
        }
        self.pos = i + 1;
        Ok(())
    }

    /// The documents of the stream. Each holds one block mapping or sequence written from
    /// column 0; a document with `---` may carry a type tag (`--- !!org.wso2...`).
    fn stream(&mut self) -> Result<()> {
        let mut first = true;
        loop {
            let line = match self.peek()? {
                Next::End if !first => return Ok(()),
                // An empty stream: granit has its own idea of where nothing is.
                Next::End => return Err(Unsupported),
                Next::DocumentStart(marker) => {
                    self.emit(Ev::DocumentStart, marker.start, marker.start + 3)?;
                    let after = self.tag(marker.start + 3)?;
                    self.end_of_line(after)?;
                    match self.peek()? {
                        Next::Line(line) => line,
                        // An empty document.
                        _ => return Err(Unsupported),
                    }
                }
                // The first document may start without `---`.
                Next::Line(line) if first => {
                    self.emit(Ev::DocumentStart, line.start, line.start)?;
                    line
                }
                Next::Line(_) => return Err(Unsupported),
            };
            first = false;
            if line.indent != 0 {
                return Err(Unsupported);
            }
            self.block_node(line)?;
            // The root node ends only where the document does.
            if let Next::Line(_) = self.peek()? {
                return Err(Unsupported);
            }
        }
    }

    /// Skips the blanks and the type tag (`!!org.wso2...Bean`, `!local`) that may follow `at`
    /// on its line; returns where the tag ends (or `at`). Tags other than the core schema's
    /// do not change what a node is, and a tagged node here is always a collection, where
    /// the core tags change nothing either (`Builder` ignores collections' tags).
    fn tag(&self, at: usize) -> Result<usize> {
        let mut i = at;
        while self.bytes[i] == b' ' {
            i += 1;
        }
        if self.bytes[i] != b'!' {
            return Ok(at);
        }
        i += 1;
        if self.bytes[i] == b'!' {
            i += 1;
        }
        let name_start = i;
        while TAG_BYTES[usize::from(self.bytes[i])] {
            i += 1;
        }
        // `!` alone, `!<verbatim>`, `%` escapes and URI punctuation are the general parsers'.
        if i == name_start || !matches!(self.bytes[i], b' ' | b'\n') {
            return Err(Unsupported);
        }
        Ok(i)
    }

    /// A block collection whose first token starts `line`: a sequence if it is a `-` entry,
    /// else a mapping. The line must be indented more than the node's parent.
    fn block_node(&mut self, line: Line) -> Result<()> {
        if self.is_entry(line.first()) {
            // A sequence indented under its key (or at the root) starts at its first `-`.
            self.sequence(line, line.first())
        } else {
            self.mapping(line.indent, line.first())
        }
    }

    /// Whether a sequence entry (`- ` or `-` at the end of the line) starts at `at`.
    fn is_entry(&self, at: usize) -> bool {
        self.bytes[at] == b'-' && matches!(self.bytes[at + 1], b' ' | b'\n')
    }

    fn open(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unsupported);
        }
        Ok(())
    }

    /// A block mapping whose keys are at column `indent`; the first key starts at `first_key`
    /// (on a line of its own, or after `- `).
    fn mapping(&mut self, indent: usize, first_key: usize) -> Result<()> {
        self.open()?;
        // granit's span of a block mapping is empty, at its first key.
        self.emit(Ev::MappingStart { anchor: 0 }, first_key, first_key)?;
        let mut key_at = first_key;
        loop {
            let colon = self.key(key_at).ok_or(Unsupported)?;
            self.scalar(Cow::Borrowed(&self.text[key_at..colon]), true, key_at, colon)?;
            self.value(indent, colon + 1, true)?;
            // After the value, the next line is another key of this mapping, or less indented
            // (the mapping ends), or the document ends.
            match self.peek()? {
                Next::Line(line) if line.indent == indent => {
                    if self.is_entry(line.first()) {
                        // A `-` entry at the keys' column, not after a key: not YAML.
                        return Err(Unsupported);
                    }
                    key_at = line.first();
                }
                Next::Line(line) if line.indent > indent => return Err(Unsupported),
                _ => break,
            }
        }
        self.emit(Ev::MappingEnd, self.pos, self.pos)?;
        self.depth -= 1;
        Ok(())
    }

    /// The implicit key starting at `at`: a plain name (`applicationName`, `stepOrder`,
    /// `spring.datasource-url`) followed by `:` and a blank or the end of the line. Returns
    /// the offset of the `:`. `None` if no such key starts there (the general parsers read
    /// quoted keys, keys with blanks and everything else).
    fn key(&self, at: usize) -> Option<usize> {
        let bytes = self.bytes;
        if !(bytes[at].is_ascii_alphanumeric() || matches!(bytes[at], b'_' | b'$')) {
            return None;
        }
        let mut i = at + 1;
        while KEY_BYTES[usize::from(bytes[i])] {
            i += 1;
        }
        (bytes[i] == b':' && matches!(bytes[i + 1], b' ' | b'\n') && i - at <= MAX_KEY_LEN).then_some(i)
    }

    /// The value of a mapping entry whose `:` ends at `at`, in a mapping whose keys are at
    /// column `indent` (or of a sequence entry whose `-` ends at `at`, in a sequence at column
    /// `indent`: `in_mapping` false). The value is on the same line, or is a collection on the
    /// lines below, or is empty (null).
    fn value(&mut self, indent: usize, at: usize, in_mapping: bool) -> Result<()> {
        let mut i = at;
        while self.bytes[i] == b' ' {
            i += 1;
        }
        let b = self.bytes[i];
        if b == b'\n' || (b == b'#' && i > at) {
            // Nothing on this line (a comment at most): the value is below, or null.
            self.end_of_line(at)?;
            return match self.peek()? {
                Next::Line(line) if line.indent > indent => self.block_node(line),
                // A sequence may sit at its key's column ("indentless"): granit starts it
                // where the first entry's content does, after the `- ` (and after a comment:
                // at the line break).
                Next::Line(line) if in_mapping && line.indent == indent && self.is_entry(line.first()) => {
                    let mut content = line.first() + 1;
                    while self.bytes[content] == b' ' {
                        content += 1;
                    }
                    if self.bytes[content] == b'#' {
                        content = self.line_end(content);
                    }
                    self.sequence(line, content)
                }
                // `key:` with nothing below: null, shown (as granit does) at the `:`.
                _ if in_mapping => {
                    self.scalar(Cow::Borrowed("~"), true, at - 1, at - 1)?;
                    Ok(())
                }
                // An empty sequence entry: rare, left to the general parsers.
                _ => Err(Unsupported),
            };
        }
        if b == b'!' {
            // A type tag: the tagged collection is on the lines below.
            let after = self.tag(i)?;
            self.end_of_line(after)?;
            return match self.peek()? {
                Next::Line(line) if line.indent > indent => self.block_node(line),
                // A tagged null, or a tagged sequence at its key's column: rare, and spanned
                // differently.
                _ => Err(Unsupported),
            };
        }
        if !in_mapping {
            // A sequence entry that is a mapping (`- name: basic`) holds its first key here;
            // its keys are at this column.
            if self.key(i).is_some() {
                let column = i - self.line_start(i);
                return self.mapping(column, i);
            }
            if self.is_entry(i) {
                // `- - x`: a sequence in a sequence, on one line.
                return Err(Unsupported);
            }
        }
        match b {
            b'|' => self.literal(i, indent)?,
            b'\'' => self.single_quoted(i)?,
            b'"' => self.double_quoted(i)?,
            b'[' | b'{' => self.empty_flow(i)?,
            // Indicators that start something this module does not read (anchors, aliases,
            // explicit keys, folded scalars, ...) or that cannot start a plain scalar.
            b'&' | b'*' | b'?' | b':' | b',' | b']' | b'}' | b'>' | b'%' | b'@' | b'`' | b'#' => {
                return Err(Unsupported);
            }
            b'-' if self.is_entry(i) => return Err(Unsupported),
            _ => self.plain(i)?,
        }
        // A value on the key's line is all of the value: a more indented line below would
        // continue a plain scalar, or be an error.
        match self.peek()? {
            Next::Line(line) if line.indent > indent => Err(Unsupported),
            _ => Ok(()),
        }
    }

    /// Where the line holding `at` starts.
    fn line_start(&self, at: usize) -> usize {
        memchr::memrchr(b'\n', &self.bytes[..at]).map_or(0, |i| i + 1)
    }

    /// A block sequence whose `-` entries are at column `line.indent`, the first on `line`;
    /// granit's span of it is empty, at `span_at`.
    fn sequence(&mut self, line: Line, span_at: usize) -> Result<()> {
        self.open()?;
        self.emit(Ev::SequenceStart { anchor: 0 }, span_at, span_at)?;
        let indent = line.indent;
        let mut dash = line.first();
        loop {
            self.value(indent, dash + 1, false)?;
            match self.peek()? {
                Next::Line(next) if next.indent == indent && self.is_entry(next.first()) => {
                    dash = next.first()
                }
                Next::Line(next) if next.indent > indent => return Err(Unsupported),
                // Less indented, or a key at the sequence's column (the sequence was its key's
                // value, "indentless"; if not, the parent finds the key misplaced).
                _ => break,
            }
        }
        self.emit(Ev::SequenceEnd, self.pos, self.pos)?;
        self.depth -= 1;
        Ok(())
    }

    /// A plain scalar starting at `at`, which ends its line (or is followed by a comment).
    fn plain(&mut self, at: usize) -> Result<()> {
        let line_end = self.line_end(at);
        let mut end = line_end;
        // `: ` (or a final `:`) would make it a key: a nested mapping on one line, which is
        // not YAML; ` #` starts a comment.
        for i in memchr::memchr2_iter(b':', b'#', &self.bytes[at..line_end]).map(|i| at + i) {
            match self.bytes[i] {
                b':' if matches!(self.bytes[i + 1], b' ' | b'\n') => return Err(Unsupported),
                b'#' if self.bytes[i - 1] == b' ' => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        while self.bytes[end - 1] == b' ' {
            end -= 1;
        }
        self.scalar(Cow::Borrowed(&self.text[at..end]), true, at, end)?;
        self.pos = line_end + 1;
        Ok(())
    }

    /// A single-quoted scalar on one line (`''` is a quote).
    fn single_quoted(&mut self, at: usize) -> Result<()> {
        let mut i = at + 1;
        let mut escaped = false;
        loop {
            match self.bytes[i] {
                b'\'' if self.bytes[i + 1] == b'\'' => {
                    escaped = true;
                    i += 2;
                }
                b'\'' => break,
                // Quoted scalars over several lines are folded: the general parsers' work.
                b'\n' => return Err(Unsupported),
                _ => i += 1,
            }
        }
        let raw = &self.text[at + 1..i];
        let value = if escaped { Cow::Owned(raw.replace("''", "'")) } else { Cow::Borrowed(raw) };
        self.scalar(value, false, at, i + 1)?;
        self.end_of_line(i + 1)
    }

    /// A double-quoted scalar on one line, with the common escapes (`\n`, `\t`, `\"`, ...).
    fn double_quoted(&mut self, at: usize) -> Result<()> {
        let mut i = at + 1;
        let mut value: Option<String> = None;
        let mut copied = i;
        loop {
            match self.bytes[i] {
                b'"' => break,
                b'\\' => {
                    let unescaped = match self.bytes[i + 1] {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'0' => '\0',
                        b'\\' => '\\',
                        b'"' => '"',
                        b'/' => '/',
                        b' ' => ' ',
                        // `\x41`, `\u00e9`, a line continuation...: the general parsers'.
                        _ => return Err(Unsupported),
                    };
                    let value = value.get_or_insert_with(String::new);
                    value.push_str(&self.text[copied..i]);
                    value.push(unescaped);
                    i += 2;
                    copied = i;
                }
                b'\n' => return Err(Unsupported),
                _ => i += 1,
            }
        }
        let value = match value {
            Some(mut owned) => {
                owned.push_str(&self.text[copied..i]);
                Cow::Owned(owned)
            }
            None => Cow::Borrowed(&self.text[at + 1..i]),
        };
        self.scalar(value, false, at, i + 1)?;
        self.end_of_line(i + 1)
    }

    /// `[]` or `{}`: granit's spans are the brackets. Flow collections with content are the
    /// general parsers'.
    fn empty_flow(&mut self, at: usize) -> Result<()> {
        let (start, end) = match (self.bytes[at], self.bytes[at + 1]) {
            (b'[', b']') => (Ev::SequenceStart { anchor: 0 }, Ev::SequenceEnd),
            (b'{', b'}') => (Ev::MappingStart { anchor: 0 }, Ev::MappingEnd),
            _ => return Err(Unsupported),
        };
        self.open()?;
        self.emit(start, at, at + 1)?;
        self.emit(end, at + 1, at + 2)?;
        self.depth -= 1;
        self.end_of_line(at + 2)
    }

    /// A literal block scalar (`|`, `|-` or `|+`) whose header is at `header`, the value of a
    /// node at column `parent` (a key, or a `-`): its lines are indented more than that.
    fn literal(&mut self, header: usize, parent: usize) -> Result<()> {
        // Chomping: clip keeps one final line break, strip (`-`) none, keep (`+`) all.
        let (keep, strip, after) = match self.bytes[header + 1] {
            b'-' => (false, true, header + 2),
            b'+' => (true, false, header + 2),
            _ => (false, false, header + 1),
        };
        // An explicit indentation (`|2`) and anything else after the header are not read here.
        self.end_of_line(after)?;
        // The first line sets the indentation. Leading blank lines (which YAML allows, with
        // rules of their own) and an empty scalar are the general parsers'.
        let first_start = self.pos;
        let indent = self.bytes[first_start..].iter().take_while(|&&b| b == b' ').count();
        if indent <= parent || self.bytes.get(first_start + indent).is_none_or(|&b| b == b'\n') {
            return Err(Unsupported);
        }
        // The lines of the scalar: text lines (at `indent` or deeper) and blank lines, up to
        // the first less indented line with a token. The value is the text lines without their
        // indentation, and the blank lines between them as line breaks. (Blank lines with more
        // spaces than `indent` are text in YAML: left to the general parsers.)
        let mut value = String::new();
        let mut line = first_start;
        // Blank lines since the last text line: line breaks if more text follows, else
        // chomped.
        let mut blank_run = 0;
        // Where the scalar's span ends: at the first token after it (as in granit), or at the
        // end of the text.
        let end = loop {
            if line >= self.bytes.len() {
                break self.bytes.len();
            }
            let line_end = self.line_end(line);
            let spaces = self.bytes[line..line_end].iter().take_while(|&&b| b == b' ').count();
            if line + spaces == line_end {
                if spaces > indent {
                    return Err(Unsupported);
                }
                blank_run += 1;
            } else if spaces >= indent {
                value.extend(std::iter::repeat_n('\n', blank_run));
                blank_run = 0;
                value.push_str(&self.text[line + indent..=line_end]);
            } else {
                break line + spaces;
            }
            line = line_end + 1;
        };
        if strip {
            value.pop();
        } else if keep {
            value.extend(std::iter::repeat_n('\n', blank_run));
        }
        self.scalar(Cow::Owned(value), false, first_start + indent, end)?;
        // The reader goes on at the line that ended the scalar.
        self.pos = line;
        Ok(())
    }
}
