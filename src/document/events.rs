//! Parser events as the tree builder needs them, from saphyr-parser (`SaphyrEvents`, for the
//! ASCII files it suits) and granit-parser (`GranitEvents`, every other file), whichever read
//! the file (`fast` produces the same events itself).

use std::borrow::Cow;

use serde_saphyr::granit_parser::{self as granit};

use super::{ParseError, error, scan_error};
use crate::source::{FileId, Span};

/// A parser event as the tree builder needs it, whichever parser produced it.
pub(super) enum Ev<'t> {
    DocumentStart,
    SequenceStart {
        anchor: usize,
    },
    MappingStart {
        anchor: usize,
    },
    SequenceEnd,
    MappingEnd,
    /// A scalar: its value, whether it is plain (unquoted, not a block), its anchor and its
    /// core-schema tag (`str`, `int`, ...) if it has one.
    Scalar {
        value: Cow<'t, str>,
        plain: bool,
        anchor: usize,
        tag: Option<&'static str>,
    },
    Alias(usize),
    Other,
}

/// The core-schema tags that decide how a scalar is typed.
const CORE_TAGS: [&str; 5] = ["str", "null", "bool", "int", "float"];

fn core_tag(name: Option<&str>) -> Option<&'static str> {
    name.and_then(|n| CORE_TAGS.iter().copied().find(|t| *t == n))
}

/// The events of saphyr-parser. It is given only ASCII text (nearly every file), where its
/// positions, which count characters, are byte offsets, and no tabs or control characters,
/// some of which it reads where YAML does not allow them and granit reports them.
pub(super) struct SaphyrEvents<'t> {
    file: FileId,
    parser: saphyr_parser::Parser<'t, saphyr_parser::StrInput<'t>>,
    text: &'t str,
    /// The end of the `---` that started the document, until its first node.
    marker_end: Option<usize>,
}

impl<'t> SaphyrEvents<'t> {
    /// Whether `text` is ASCII without tabs or control characters other than line breaks, and
    /// ends with a line break.
    pub(super) fn suits(text: &str) -> bool {
        // Tabs too: saphyr-parser accepts some that YAML forbids (`:\tkey: value`).
        let unsuitable = |b: u8| (b < 0x20 && !matches!(b, b'\n' | b'\r')) || b >= 0x7f;
        // A last line without a line break is left to granit too: the parsers read a block
        // scalar cut off there differently. The chunks have no early exit, so that the
        // compiler vectorises the inner loop.
        text.ends_with('\n')
            && !text
                .as_bytes()
                .chunks(64)
                .any(|chunk| chunk.iter().fold(false, |found, &b| found | unsuitable(b)))
    }

    pub(super) fn new(file: FileId, text: &'t str) -> Self {
        SaphyrEvents { file, parser: saphyr_parser::Parser::new_from_str(text), text, marker_end: None }
    }

    fn byte_offset(&self, index: usize) -> usize {
        index.min(self.text.len())
    }
}

impl<'t> Events<'t> for SaphyrEvents<'t> {
    /// granit's limit for block and for flow collections (`Options::block_nesting_limit`,
    /// `flow_nesting_limit`): deeper files go to granit, which reports its own error.
    fn nesting_limit(&self) -> Option<usize> {
        Some(255)
    }

    /// saphyr-parser reads an implicit key broken over lines (`{authentic\n ator: totp}`, or
    /// `{id\n : 2}`), which YAML does not allow: such a file goes to granit. (An explicit
    /// `? key` may span lines; granit builds it just the same.)
    fn can_be_key(&self, span: Span) -> bool {
        let after = self.text.as_bytes().get(span.end..).unwrap_or_default();
        let breaks_before_indicator =
            after.iter().find(|&&b| b != b' ').is_none_or(|&b| matches!(b, b'\n' | b'\r' | b'#'));
        !self.text.get(span.start..span.end).is_some_and(|t| t.contains('\n')) && !breaks_before_indicator
    }

    fn next_event(&mut self) -> Option<Result<(Ev<'t>, Span), ParseError>> {
        use saphyr_parser::Event;
        let (event, span) = match self.parser.next_event()? {
            Ok(next) => next,
            // The message is granit's: the file is read again by it (see `parse`).
            Err(_) => return Some(Err(error(0, "rejected by saphyr-parser"))),
        };
        let start = self.byte_offset(span.start.index());
        let raw_end = self.byte_offset(span.end.index()).max(start);
        // saphyr-parser's spans may run on over the blanks after a token (`"key" :`, `{  }`);
        // granit's, and authlint's, end where the text does.
        let end = start + self.text.get(start..raw_end).map_or(0, |t| t.trim_end_matches([' ', '\t']).len());
        let tag_name = |tag: &Option<Cow<'_, saphyr_parser::Tag>>| {
            tag.as_ref().and_then(|t| {
                let full = format!("{}{}", t.handle, t.suffix);
                core_tag(full.strip_prefix(CORE_SCHEMA_PREFIX))
            })
        };
        let (ev, start, end) = match event {
            Event::DocumentStart(_) => {
                self.marker_end =
                    self.text.get(start..).is_some_and(|t| t.starts_with("---")).then_some(start + 3);
                return Some(Ok((Ev::DocumentStart, Span::new(self.file, start, end))));
            }
            Event::SequenceStart(anchor, tag) => {
                let (start, end) = self.collection_span(start, b'[', anchor != 0 || tag.is_some());
                (Ev::SequenceStart { anchor }, start, end)
            }
            Event::MappingStart(anchor, tag) => {
                let (start, end) = self.collection_span(start, b'{', anchor != 0 || tag.is_some());
                (Ev::MappingStart { anchor }, start, end)
            }
            Event::SequenceEnd => (Ev::SequenceEnd, start, end),
            Event::MappingEnd => (Ev::MappingEnd, start, end),
            Event::Scalar(value, style, anchor, tag) => {
                let tagged = tag.is_some();
                let has_props = anchor != 0 || tagged;
                let tag = tag_name(&tag);
                let plain = matches!(style, saphyr_parser::ScalarStyle::Plain);
                let block =
                    matches!(style, saphyr_parser::ScalarStyle::Literal | saphyr_parser::ScalarStyle::Folded);
                // saphyr-parser lets a plain scalar start with an indicator (`{a: |x}`), which
                // YAML does not: granit reports it.
                if plain && value.as_bytes().first().is_some_and(|b| b"|>[]{}#&*!'\"%@`".contains(b)) {
                    return Some(Err(error(start, "a plain scalar starts with an indicator")));
                }
                let (after_tag, content) =
                    if has_props { self.after_properties(start) } else { (start, start) };
                let end = if matches!(
                    style,
                    saphyr_parser::ScalarStyle::SingleQuoted | saphyr_parser::ScalarStyle::DoubleQuoted
                ) {
                    self.quoted_end(content).unwrap_or(end)
                } else {
                    end
                };
                let (start, end, value) = if plain && value.is_empty() {
                    // An empty value (`key:`, `{key}`, `!!str`): an empty span after its
                    // properties, and granit's text for an implicit null.
                    let value = if tagged { value } else { Cow::Borrowed("~") };
                    // An empty document (`---` and nothing) holds it right after the `---`.
                    let at = match self.marker_end {
                        Some(marker) if !has_props => marker,
                        _ => after_tag,
                    };
                    (at, at, value)
                } else if block {
                    // A block scalar's span takes in the blanks that end it, in both parsers;
                    // one with properties starts, in granit, where its text does.
                    let start = if has_props { self.block_text_start(content) } else { content };
                    (start.min(raw_end), raw_end, value)
                } else {
                    (content.min(end), end, value)
                };
                (Ev::Scalar { value, plain, anchor, tag }, start, end)
            }
            Event::Alias(id) => (Ev::Alias(id), start, end),
            _ => (Ev::Other, start, end),
        };
        self.marker_end = None;
        Some(Ok((ev, Span::new(self.file, start, end))))
    }
}

impl SaphyrEvents<'_> {
    /// Where a node's own text starts: after its anchor and tag (`&base !!map`), where
    /// saphyr-parser starts and granit does not (nothing else starts with `&` or `!`). The
    /// first offset is the end of the last property, the second the text after the blanks
    /// that follow it.
    fn after_properties(&self, start: usize) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        let (mut token_end, mut at) = (start, start);
        while matches!(bytes.get(at), Some(b'&' | b'!')) {
            // Anchors and tags end at a blank or a flow indicator (`&b{idp: x}`, `[!!str, 2]`).
            while bytes.get(at).is_some_and(|b| !b.is_ascii_whitespace() && !b"[]{},".contains(b)) {
                at += 1;
            }
            token_end = at;
            let blanks = at;
            loop {
                while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
                    at += 1;
                }
                if bytes.get(at) == Some(&b'#') && at > blanks {
                    while bytes.get(at).is_some_and(|&b| b != b'\n') {
                        at += 1;
                    }
                } else {
                    break;
                }
            }
            // Properties on the next line belong to what starts there (a key).
            if bytes[blanks..at].contains(&b'\n') {
                break;
            }
        }
        (token_end, at)
    }

    /// Where the text of the block scalar whose header (`|`, `>-`, ...) is at `header` starts:
    /// after the header's line and the next line's indentation.
    fn block_text_start(&self, header: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut at = header;
        while bytes.get(at).is_some_and(|&b| b != b'\n') {
            at += 1;
        }
        at += 1;
        while bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        at.min(bytes.len())
    }

    /// Where the line holding `at` starts.
    fn line_start(&self, at: usize) -> usize {
        let bytes = self.text.as_bytes();
        bytes[..at.min(bytes.len())].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
    }

    /// The indentation of the line holding `at`.
    fn line_indent(&self, at: usize) -> usize {
        self.text.as_bytes()[self.line_start(at)..].iter().take_while(|&&b| b == b' ').count()
    }

    /// The column (from 0) of `at`.
    fn column(&self, at: usize) -> usize {
        at - self.line_start(at)
    }

    /// The end of the quoted scalar that starts at `start` (after its closing quote): saphyr's
    /// span may run on over a comment after it (`"x"  # note`).
    fn quoted_end(&self, start: usize) -> Option<usize> {
        let b = self.text.as_bytes();
        let q = *b.get(start)?;
        if q != b'"' && q != b'\'' {
            return None;
        }
        let mut i = start + 1;
        while i < b.len() {
            if q == b'"' && b[i] == b'\\' {
                i += 2;
                continue;
            }
            if b[i] == q {
                if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                return Some(i + 1);
            }
            i += 1;
        }
        None
    }

    /// The span of a collection's start, as granit gives it: a flow collection's opening
    /// `bracket`; an empty span where a block collection's content starts (which may be a
    /// flow collection: `- {idp: LOCAL}` starts a block sequence). `has_props`: the collection
    /// has an anchor or a tag, which saphyr's span starts at.
    fn collection_span(&self, start: usize, bracket: u8, has_props: bool) -> (usize, usize) {
        let (_, mut at) = if has_props { self.after_properties(start) } else { (start, start) };
        let bytes = self.text.as_bytes();
        // An indentless block sequence with properties (`k: !!seq`, then `- a` as indented as
        // `k`: the properties follow a key) starts at its first item, after the `- `.
        if has_props
            && bracket == b'['
            && bytes.get(at) == Some(&b'-')
            && bytes.get(at + 1) == Some(&b' ')
            && self.line_indent(at) <= self.line_indent(start)
            && self.column(start) > self.line_indent(start)
        {
            at += 1;
            while bytes.get(at) == Some(&b' ') {
                at += 1;
            }
        }
        match bytes.get(at) {
            Some(&b) if b == bracket => (at, at + 1),
            // A block mapping whose first key has properties (`!!str name: x`) starts at them.
            _ => {
                let at = self.key_properties_before(at);
                (at, at)
            }
        }
    }

    /// The start of the properties written before `at` on its line (`&a !!str ` in
    /// `&a !!str name:`), or `at` if there are none.
    fn key_properties_before(&self, at: usize) -> usize {
        let bytes = self.text.as_bytes();
        let mut start = at;
        loop {
            let mut before = start;
            while before > 0 && matches!(bytes[before - 1], b' ' | b'\t') {
                before -= 1;
            }
            let mut token = before;
            while token > 0 && !bytes[token - 1].is_ascii_whitespace() {
                token -= 1;
            }
            if token < before && matches!(bytes[token], b'&' | b'!') {
                start = token;
            } else {
                return start;
            }
        }
    }
}

/// `tag:yaml.org,2002:`, the prefix of the core schema's tags (`!!str`).
const CORE_SCHEMA_PREFIX: &str = "tag:yaml.org,2002:";

/// The events of granit-parser, which reports byte offsets.
pub(super) struct GranitEvents<'t> {
    file: FileId,
    parser: granit::Parser<'t, granit::StrInput<'t>>,
}

impl<'t> GranitEvents<'t> {
    pub(super) fn new(file: FileId, text: &'t str) -> Self {
        GranitEvents { file, parser: granit::Parser::new_from_str(text) }
    }
}

impl<'t> Events<'t> for GranitEvents<'t> {
    fn next_event(&mut self) -> Option<Result<(Ev<'t>, Span), ParseError>> {
        use granit::Event;
        let (event, span) = match self.parser.next_event()? {
            Ok(next) => next,
            Err(e) => return Some(Err(scan_error(e))),
        };
        let at = span.start.byte_offset().unwrap_or(0);
        let span = Span::new(self.file, at, span.byte_range().map_or(at, |r| r.end));
        let ev = match event {
            Event::DocumentStart(..) => Ev::DocumentStart,
            Event::SequenceStart(_, anchor, _) => Ev::SequenceStart { anchor },
            Event::MappingStart(_, anchor, _) => Ev::MappingStart { anchor },
            Event::SequenceEnd => Ev::SequenceEnd,
            Event::MappingEnd => Ev::MappingEnd,
            Event::Scalar(value, style, anchor, tag) => Ev::Scalar {
                value,
                plain: matches!(style, granit::ScalarStyle::Plain),
                anchor,
                tag: core_tag(tag.as_ref().and_then(|t| t.core_suffix())),
            },
            Event::Alias(id) => Ev::Alias(id),
            _ => Ev::Other,
        };
        Some(Ok((ev, span)))
    }
}

/// Where the builder's events come from.
pub(super) trait Events<'t> {
    fn next_event(&mut self) -> Option<Result<(Ev<'t>, Span), ParseError>>;

    /// How deep collections may nest, if the parser does not bound it itself (the builder's
    /// tree is dropped recursively).
    fn nesting_limit(&self) -> Option<usize> {
        None
    }

    /// Whether a scalar at `span` may be an implicit mapping key (granit checks this itself).
    fn can_be_key(&self, _span: Span) -> bool {
        true
    }
}
