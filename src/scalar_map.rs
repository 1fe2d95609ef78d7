//! Offset mapping from decoded YAML/JSON scalars back to the host file.
//!
//! authlint lints JavaScript that is embedded as string values in YAML and JSON
//! files. The script parser only ever sees the *decoded* string (escapes
//! resolved, lines folded, block indentation removed), so every position it
//! reports is an offset into that decoded string. [`ScalarMap`] translates such
//! offsets back into byte offsets of the host file, so diagnostics land on the
//! right line and column of the YAML/JSON file.
//!
//! The map is built by re-decoding the raw scalar text found at the offset the
//! YAML parser (serde-saphyr) reports for the node, recording for every decoded
//! byte the host offset it came from. The re-decoding is checked byte for byte
//! against the value the parser produced; if anything disagrees, no map is
//! returned and callers fall back to pointing at the start of the node. A map
//! is therefore either exact or absent, never silently wrong.
//!
//! Supported scalar styles: JSON strings, YAML double-quoted, single-quoted,
//! plain, literal block (`|`) and folded block (`>`) scalars, with LF, CRLF or
//! CR line breaks.
//!
//! Mapping conventions:
//! - a character copied verbatim maps to its own host offset (every byte of a
//!   multi-byte character maps to the start of that character, so a mapped
//!   offset is always a valid `str` slice boundary of the host);
//! - a character produced by an escape (`\n`, `\u00e9`, `''`, ...) maps to the
//!   first byte of the escape;
//! - a space or line feed produced by a line break (folding, or a block
//!   scalar's line ends) maps to the offset of that line break;
//! - the end offset (`decoded.len()`) maps to the closing quote of a quoted
//!   scalar, and to just past the last content character otherwise (for a
//!   block scalar ending in a line feed that is the final line break itself, so
//!   the end never spills onto the next line of the file).

/// Maps byte offsets in a decoded scalar (the string value the YAML/JSON parser produced)
/// to byte offsets in the host file text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScalarMap {
    repr: Repr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Repr {
    /// The decoded text is the host slice `start..start + len`.
    Identity { start: usize, len: usize },
    /// Host offsets of the decoded bytes and of the end, stored as runs.
    Table(Runs),
}

/// A list of host offsets (one per decoded byte, then the end) stored as runs of consecutive
/// offsets: a script in a block scalar is one run per line, where a plain table would take
/// eight bytes per byte of script (most of authlint's memory on a large tenant).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Runs {
    /// `(i, host)`: offset number `i` is `host`, and those after it count up from there until
    /// the next run.
    starts: Vec<(usize, usize)>,
    len: usize,
}

impl Runs {
    fn push(&mut self, host: usize) {
        let continues = self.starts.last().is_some_and(|&(i, h)| h.checked_add(self.len - i) == Some(host));
        if !continues {
            self.starts.push((self.len, host));
        }
        self.len += 1;
    }

    /// `count` consecutive offsets from `host` on.
    fn push_run(&mut self, host: usize, count: usize) {
        if count > 0 {
            self.push(host);
            self.len += count - 1;
        }
    }

    fn get(&self, index: usize) -> Option<usize> {
        if index >= self.len {
            return None;
        }
        let run = self.starts.partition_point(|&(i, _)| i <= index).checked_sub(1)?;
        let (i, host) = self.starts[run];
        Some(host + (index - i))
    }

    fn last(&self) -> Option<usize> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }
}

impl ScalarMap {
    /// `host` is the whole file text; `start` is the byte offset where the parser says the scalar
    /// node begins: the opening quote of a quoted scalar, the first character of a plain scalar,
    /// and the first content character of the first non-empty line of a block scalar.
    /// `decoded` is the value the parser produced.
    ///
    /// Returns None when the raw text at `start` cannot be re-decoded to exactly `decoded`
    /// (the caller then falls back to pointing at `start`), or when `start` is out of range
    /// or not on a char boundary. Never panics. An empty `decoded` always gets a map (its
    /// only offset maps to `start`, or inside `""`/`''`): serde-saphyr reports an empty block
    /// scalar at the following token, so there is nothing to verify.
    pub fn build(host: &str, start: usize, decoded: &str) -> Option<ScalarMap> {
        let first = host.get(start..)?.chars().next();
        let bytes = host.as_bytes();

        if let Some(quote @ ('"' | '\'')) = first {
            let found = attempt(decoded, |out| decode_quoted(host, start, quote, out));
            if found.is_some() {
                return found;
            }
            // Not a quoted scalar after all: a block scalar's content may well
            // start with a quote character. Fall through to the other styles.
        }

        if decoded.is_empty() {
            // Nothing to map but the end offset. An empty block scalar is
            // reported at the *next* token, so there is no text to verify.
            return ScalarMap::from_offsets(vec![start]);
        }

        // `start` at the indentation of a line below a block header is a
        // block scalar, whatever it decodes to: a plain scalar cannot start
        // there, and a one-line plain reading could wrongly "verify".
        match BlockStart::find(bytes, start) {
            Some(block) => attempt(decoded, |out| decode_block(host, bytes, &block, out)),
            None => attempt(decoded, |out| decode_plain(host, bytes, start, out)),
        }
    }

    /// Host byte offset of decoded byte offset `offset` (0..=decoded.len()).
    ///
    /// Offsets inside a multi-byte decoded character map to the host position of that
    /// character; offsets past the end map to the end position.
    pub fn to_host(&self, offset: usize) -> usize {
        match &self.repr {
            Repr::Identity { start, len } => start.saturating_add(offset.min(*len)),
            Repr::Table(table) => match table.get(offset) {
                Some(host) => host,
                // The table is never empty (it always holds the end offset).
                None => table.last().unwrap_or(0),
            },
        }
    }

    /// A map for a scalar whose decoded text is exactly the host slice at `start` (identity shift).
    pub fn identity(start: usize, len: usize) -> ScalarMap {
        ScalarMap { repr: Repr::Identity { start, len } }
    }

    /// A map from an explicit table: `table[i]` is the host offset of decoded byte `i`, with one
    /// more entry for the end (used by the XML loader, which decodes character data itself).
    pub fn from_offsets(table: Vec<usize>) -> Option<ScalarMap> {
        let mut runs = Runs::default();
        for host in table {
            runs.push(host);
        }
        (runs.len > 0).then_some(ScalarMap { repr: Repr::Table(runs) })
    }
}

/// Runs one style decoder and turns its output into a map if it reproduced
/// `decoded` completely. The decoder returns the end offset of the scalar.
fn attempt(decoded: &str, decode: impl FnOnce(&mut Out<'_>) -> Option<usize>) -> Option<ScalarMap> {
    let mut out = Out::new(decoded);
    let end = decode(&mut out)?;
    if !out.is_done() {
        return None;
    }
    let mut table = out.table;
    table.push(end);
    Some(ScalarMap { repr: Repr::Table(table) })
}

/// Decoder output: checks every produced character against the expected
/// decoded value as it goes (so a wrong guess about the style fails fast) and
/// records the host offset of each decoded byte.
struct Out<'a> {
    expected: &'a str,
    table: Runs,
    /// Host offset just past the last content produced so far (used as the
    /// end offset for unquoted styles).
    end: usize,
}

impl<'a> Out<'a> {
    fn new(expected: &'a str) -> Self {
        Out { expected, table: Runs::default(), end: 0 }
    }

    /// Emits `c`, produced by host text starting at `host_at`; `end` is the
    /// host offset to report as the scalar end if `c` is the last character.
    /// Fails if `c` is not the next expected character.
    fn push(&mut self, c: char, host_at: usize, end: usize) -> Option<()> {
        let rest = self.expected.get(self.table.len..)?;
        if !rest.starts_with(c) {
            return None;
        }
        for _ in 0..c.len_utf8() {
            self.table.push(host_at);
        }
        self.end = end;
        Some(())
    }

    /// Emits a character copied verbatim from the host at `host_at`.
    fn copy(&mut self, c: char, host_at: usize) -> Option<()> {
        self.push(c, host_at, host_at + c.len_utf8())
    }

    /// Emits `text`, copied verbatim from the host at `host_at`: at once when it is ASCII (a
    /// line of a block scalar, usually).
    fn copy_str(&mut self, text: &str, host_at: usize) -> Option<()> {
        if !text.is_ascii() {
            for (i, c) in text.char_indices() {
                self.copy(c, host_at + i)?;
            }
            return Some(());
        }
        let rest = self.expected.get(self.table.len..)?;
        if !rest.as_bytes().starts_with(text.as_bytes()) {
            return None;
        }
        self.table.push_run(host_at, text.len());
        if !text.is_empty() {
            self.end = host_at + text.len();
        }
        Some(())
    }

    /// Emits a space or line feed produced by the line break at `brk`.
    fn line_break(&mut self, c: char, brk: usize) -> Option<()> {
        self.push(c, brk, brk)
    }

    /// Emits the result of folding the line break at `brk` followed by the
    /// empty lines whose breaks are `empties`: a single break becomes a space,
    /// otherwise the first break is dropped and each empty line gives a `\n`.
    fn fold(&mut self, brk: usize, empties: &[usize]) -> Option<()> {
        if empties.is_empty() {
            return self.line_break(' ', brk);
        }
        for &e in empties {
            self.line_break('\n', e)?;
        }
        Some(())
    }

    /// Emits buffered white space that turned out not to be trailing.
    fn flush(&mut self, pending: &mut Vec<(char, usize)>) -> Option<()> {
        for (c, at) in pending.drain(..) {
            self.copy(c, at)?;
        }
        Some(())
    }

    fn is_done(&self) -> bool {
        self.table.len == self.expected.len()
    }
}

/// The character starting at byte `pos`, if `pos` is in range and on a boundary.
fn char_at(host: &str, pos: usize) -> Option<char> {
    host.get(pos..)?.chars().next()
}

/// Length of the line break starting at `pos` (CRLF is one break), 0 if none.
fn break_len(bytes: &[u8], pos: usize) -> usize {
    match bytes.get(pos) {
        Some(b'\n') => 1,
        Some(b'\r') if bytes.get(pos + 1) == Some(&b'\n') => 2,
        Some(b'\r') => 1,
        _ => 0,
    }
}

/// Offset of the first line break at or after `pos`, or the end of the text.
fn line_end(bytes: &[u8], pos: usize) -> usize {
    bytes.get(pos..).and_then(|rest| memchr::memchr2(b'\n', b'\r', rest)).map_or(bytes.len(), |i| pos + i)
}

/// Offset of the start of the line containing `pos`.
fn line_start(bytes: &[u8], pos: usize) -> usize {
    bytes
        .get(..pos)
        .and_then(|before| before.iter().rposition(|&b| b == b'\n' || b == b'\r'))
        .map_or(0, |i| i + 1)
}

fn is_white(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Scans the lines following a line break (`pos` is just past it) in a
/// quoted or plain scalar: collects the break offsets of the empty
/// (white-space only) lines and returns them with the offset of the first
/// non-white character of the next non-empty line, where decoding resumes
/// (the leading white space of continuation lines is not content).
fn skip_empty_lines(bytes: &[u8], mut pos: usize) -> (Vec<usize>, usize) {
    let mut empties = Vec::new();
    loop {
        while bytes.get(pos).copied().is_some_and(is_white) {
            pos += 1;
        }
        match break_len(bytes, pos) {
            0 => return (empties, pos),
            n => {
                empties.push(pos);
                pos += n;
            }
        }
    }
}

/// Decodes a double-quoted (`quote == '"'`, also JSON) or single-quoted scalar
/// whose opening quote is at `start`. Returns the offset of the closing quote.
fn decode_quoted(host: &str, start: usize, quote: char, out: &mut Out<'_>) -> Option<usize> {
    let bytes = host.as_bytes();
    let double = quote == '"';
    let mut pos = start + 1;
    // White space is buffered because it is dropped when it turns out to be
    // trailing white space before an unescaped line break.
    let mut pending: Vec<(char, usize)> = Vec::new();
    loop {
        let c = char_at(host, pos)?;
        match c {
            ' ' | '\t' => {
                pending.push((c, pos));
                pos += 1;
            }
            '\n' | '\r' => {
                pending.clear();
                let (empties, next) = skip_empty_lines(bytes, pos + break_len(bytes, pos));
                out.fold(pos, &empties)?;
                pos = next;
            }
            '\'' if !double => {
                if bytes.get(pos + 1) == Some(&b'\'') {
                    out.flush(&mut pending)?;
                    out.push('\'', pos, pos + 2)?;
                    pos += 2;
                } else {
                    out.flush(&mut pending)?;
                    return Some(pos);
                }
            }
            '"' if double => {
                out.flush(&mut pending)?;
                return Some(pos);
            }
            '\\' if double => {
                // White space before an escape (including an escaped line
                // break) is content.
                out.flush(&mut pending)?;
                let escaped_break = break_len(bytes, pos + 1);
                if escaped_break > 0 {
                    // An escaped line break produces nothing, but empty lines
                    // after it still produce one line feed each.
                    let (empties, next) = skip_empty_lines(bytes, pos + 1 + escaped_break);
                    for e in empties {
                        out.line_break('\n', e)?;
                    }
                    pos = next;
                } else {
                    let (decoded, len) = decode_escape(host, pos)?;
                    out.push(decoded, pos, pos + len)?;
                    pos += len;
                }
            }
            _ => {
                out.flush(&mut pending)?;
                out.copy(c, pos)?;
                pos += c.len_utf8();
            }
        }
    }
}

/// Decodes the escape sequence whose backslash is at `pos` (JSON escapes plus
/// the YAML 1.2 double-quoted extras). Returns the character and the length
/// of the escape in the host, backslash included.
fn decode_escape(host: &str, pos: usize) -> Option<(char, usize)> {
    let c = match char_at(host, pos + 1)? {
        '0' => '\0',
        'a' => '\u{7}',
        'b' => '\u{8}',
        't' | '\t' => '\t',
        'n' => '\n',
        'v' => '\u{b}',
        'f' => '\u{c}',
        'r' => '\r',
        'e' => '\u{1b}',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        'x' => return Some((char::from_u32(hex(host, pos + 2, 2)?)?, 4)),
        'U' => return Some((char::from_u32(hex(host, pos + 2, 8)?)?, 10)),
        'u' => {
            let unit = hex(host, pos + 2, 4)?;
            if !(0xD800..0xDC00).contains(&unit) {
                // A lone low surrogate fails here, as it does in the parser.
                return Some((char::from_u32(unit)?, 6));
            }
            // A high surrogate must be followed by `\u` and a low surrogate
            // (JSON's encoding of characters outside the BMP).
            if host.get(pos + 6..pos + 8)? != "\\u" {
                return None;
            }
            let low = hex(host, pos + 8, 4)?;
            if !(0xDC00..0xE000).contains(&low) {
                return None;
            }
            let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            return Some((char::from_u32(code)?, 12));
        }
        _ => return None,
    };
    Some((c, 2))
}

/// Parses `len` hex digits at `pos`.
fn hex(host: &str, pos: usize, len: usize) -> Option<u32> {
    let digits = host.get(pos..pos.checked_add(len)?)?;
    // from_str_radix alone would also accept a leading `+`.
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

/// Decodes a plain scalar starting at `start`. Where a plain scalar ends
/// depends on context (`: `, ` #`, flow indicators, indentation) that this
/// module does not track, so decoding simply stops once the expected value
/// has been reproduced. Returns the offset just past the last character.
fn decode_plain(host: &str, bytes: &[u8], start: usize, out: &mut Out<'_>) -> Option<usize> {
    let mut pos = start;
    let mut pending: Vec<(char, usize)> = Vec::new();
    while !out.is_done() {
        let c = char_at(host, pos)?;
        match c {
            ' ' | '\t' => {
                pending.push((c, pos));
                pos += 1;
            }
            '\n' | '\r' => {
                pending.clear();
                let (empties, next) = skip_empty_lines(bytes, pos + break_len(bytes, pos));
                out.fold(pos, &empties)?;
                pos = next;
            }
            _ => {
                out.flush(&mut pending)?;
                out.copy(c, pos)?;
                pos += c.len_utf8();
            }
        }
    }
    Some(out.end)
}

/// Block scalar chomping indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chomp {
    /// `-`: no final line break.
    Strip,
    /// default: one final line break.
    Clip,
    /// `+`: final line break and trailing empty lines.
    Keep,
}

/// Parsed block scalar header (`|`, `>-`, `|2+ # comment`, ...).
#[derive(Debug, Clone, Copy)]
struct Header {
    folded: bool,
    chomp: Chomp,
}

/// Finds a block scalar header at the end of `line`: a `|` or `>` at the
/// start of the line or after white space, up to two indicators, then only
/// white space and an optional comment. Quoted keys are skipped and the scan
/// stops at a comment, so a `|` inside either is not taken for the indicator
/// (`key:  # see a |` followed by an indented plain value is not a header).
fn parse_header(line: &[u8]) -> Option<Header> {
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while let Some(&b) = line.get(i) {
        let after_white = i == 0 || line.get(i - 1).copied().is_some_and(is_white);
        i += 1;
        match (quote, b) {
            (Some(b'"'), b'\\') => i += 1,
            (Some(b'\''), b'\'') if line.get(i) == Some(&b'\'') => i += 1,
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            // Quotes only open a quoted scalar at the start of a token.
            (None, b'"' | b'\'') if after_white => quote = Some(b),
            (None, b'#') if after_white => return None,
            (None, b'|' | b'>') if after_white => {
                if let Some(header) = header_at(line, i - 1) {
                    return Some(header);
                }
            }
            _ => {}
        }
    }
    None
}

/// Parses the block indicator at `line[i]` (`|` or `>`) with its chomping
/// and indentation indicators, provided only white space or a comment
/// follows.
fn header_at(line: &[u8], i: usize) -> Option<Header> {
    let b = *line.get(i)?;
    let mut chomp = Chomp::Clip;
    let mut j = i + 1;
    while j <= i + 2 {
        match line.get(j) {
            Some(b'-') => chomp = Chomp::Strip,
            Some(b'+') => chomp = Chomp::Keep,
            Some(b'1'..=b'9') => {}
            _ => break,
        }
        j += 1;
    }
    let rest = line.get(j..).unwrap_or_default();
    let after_white = rest.iter().position(|&b| !is_white(b));
    let valid = match after_white {
        None => true,
        // A comment must be separated from the indicator by white space.
        Some(k) => k > 0 && rest.get(k) == Some(&b'#'),
    };
    valid.then_some(Header { folded: b == b'>', chomp })
}

/// Kind of a line inside a block scalar, as far as folding is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    /// No content beyond the indentation.
    Empty,
    /// Content starting with a non-white character at the indentation.
    Text,
    /// Content starting with white space ("more indented"); never folded.
    Spaced,
}

#[derive(Debug, Clone, Copy)]
struct BlockLine {
    kind: LineKind,
    /// Content range (after the indentation, up to the line break).
    content: (usize, usize),
    /// Offset of the line break ending the line; None at end of input.
    brk: Option<usize>,
}

/// Where a block scalar body begins, as located from the offset serde-saphyr
/// reports for it: the first content character of its first non-empty line,
/// at the content indentation. The header and any leading empty lines lie
/// above that line.
#[derive(Debug)]
struct BlockStart {
    header: Header,
    /// Content indentation in spaces.
    indent: usize,
    /// Offset of the line holding the first content character.
    first_line: usize,
    /// Line breaks of the empty lines between the header and `first_line`.
    leading: Vec<usize>,
}

impl BlockStart {
    fn find(bytes: &[u8], start: usize) -> Option<BlockStart> {
        let first_line = line_start(bytes, start);
        // Only indentation may precede `start` on its line; that also gives
        // the content indentation, whether auto-detected or explicit (`|2`).
        if !bytes.get(first_line..start)?.iter().all(|&b| b == b' ') {
            return None;
        }
        let indent = start - first_line;

        // Walk up over leading empty lines to the header line.
        let mut leading = Vec::new();
        let mut cur = first_line;
        let header = loop {
            if cur == 0 {
                return None;
            }
            let brk = if cur >= 2 && bytes.get(cur - 2..cur) == Some(b"\r\n") { cur - 2 } else { cur - 1 };
            let line_begin = line_start(bytes, brk);
            let line = bytes.get(line_begin..brk)?;
            if line.iter().all(|&b| b == b' ') {
                // An empty line; had it more spaces than the indentation it
                // would have been a content line (and `start` would be on it).
                if line.len() > indent {
                    return None;
                }
                leading.push(brk);
                cur = line_begin;
            } else {
                break parse_header(line)?;
            }
        };
        leading.reverse();
        Some(BlockStart { header, indent, first_line, leading })
    }
}

/// Decodes a literal or folded block scalar located by [`BlockStart::find`].
/// Returns the end offset.
fn decode_block(host: &str, bytes: &[u8], block: &BlockStart, out: &mut Out<'_>) -> Option<usize> {
    let header = block.header;
    let lines = block_lines(bytes, block.first_line, block.indent);
    // `start` is on a content line, so there is at least one.
    let last_content = lines.iter().rposition(|l| l.kind != LineKind::Empty)?;

    for &brk in &block.leading {
        out.line_break('\n', brk)?;
    }
    let mut prev: Option<&BlockLine> = None;
    let mut empties: Vec<usize> = Vec::new();
    for line in lines.get(..=last_content)? {
        if line.kind == LineKind::Empty {
            // Lines before the last content line always end in a break.
            empties.push(line.brk?);
            continue;
        }
        if let Some(prev) = prev {
            let brk = prev.brk?;
            if header.folded && prev.kind == LineKind::Text && line.kind == LineKind::Text {
                out.fold(brk, &empties)?;
            } else {
                out.line_break('\n', brk)?;
                for &e in &empties {
                    out.line_break('\n', e)?;
                }
            }
        }
        empties.clear();
        let (from, to) = line.content;
        out.copy_str(host.get(from..to)?, from)?;
        prev = Some(line);
    }

    let last = lines.get(last_content)?;
    if header.chomp != Chomp::Strip {
        // serde-saphyr also emits the final line feed when the last line is
        // cut off by the end of input; map it to the end of the text then.
        out.line_break('\n', last.brk.unwrap_or(last.content.1))?;
    }
    if header.chomp == Chomp::Keep {
        for line in lines.get(last_content + 1..).unwrap_or_default() {
            if let Some(brk) = line.brk {
                out.line_break('\n', brk)?;
            }
        }
    }
    Some(out.end)
}

/// Splits the lines of a block scalar body, starting at `pos`, until a line
/// that is less indented than `indent` (or a document marker) ends it.
fn block_lines(bytes: &[u8], mut pos: usize, indent: usize) -> Vec<BlockLine> {
    let mut lines = Vec::new();
    while pos < bytes.len() {
        let end = line_end(bytes, pos);
        let Some(line) = bytes.get(pos..end) else {
            break;
        };
        let spaces = line.iter().take_while(|&&b| b == b' ').count();
        let kind = if spaces == line.len() && spaces <= indent {
            LineKind::Empty
        } else if spaces < indent || (indent == 0 && is_document_marker(line)) {
            // A less indented line (or `---` / `...`) ends the scalar.
            break;
        } else if line.get(indent).copied().is_some_and(is_white) {
            LineKind::Spaced
        } else {
            LineKind::Text
        };
        let content_start = (pos + indent).min(end);
        let brk_len = break_len(bytes, end);
        lines.push(BlockLine { kind, content: (content_start, end), brk: (brk_len > 0).then_some(end) });
        if brk_len == 0 {
            break;
        }
        pos = end + brk_len;
    }
    lines
}

/// `---` or `...` at column 0 followed by white space or the line end.
fn is_document_marker(line: &[u8]) -> bool {
    (line.starts_with(b"---") || line.starts_with(b"...")) && line.get(3).is_none_or(|&b| is_white(b))
}

#[cfg(test)]
mod tests;
