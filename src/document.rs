//! Parsing YAML and JSON files into a tree of spanned nodes.
//!
//! Both formats are read as YAML 1.2 (a superset of JSON) and the tree is built straight from the
//! parser's events: going through serde's `Spanned<T>` cost three times the parse itself on a
//! large tenant. Three parsers share the work, fastest first, each giving up on what it cannot
//! read:
//! - [`fast`] reads the plain block YAML that exports are written in (one `key: value` a line,
//!   `|` scripts, `!!org.wso2...` tags: every file of the bench tenants), five times faster
//!   than saphyr-parser; it accepts only files it can tell are valid;
//! - saphyr-parser reads the other files it suits (ASCII text without control characters that
//!   ends with a line break), 23% faster than granit-parser;
//! - granit-parser (serde-saphyr's fork of saphyr, which serde-saphyr brings anyway) reads every
//!   other file, and every file the others reject or that breaks a limit: its byte offsets need
//!   no conversion and its error messages are better ("unclosed bracket '['").
//!
//! The trees and spans are granit's whichever parser read the file (see `SaphyrEvents` and
//! [`fast`]; the tests compare them). JSON files are first checked with serde_json so that a
//! JSON syntax error is reported in JSON's terms.
//! The loader (`load/`) then reads applications and identity providers out of these trees;
//! nothing here knows about WSO2.
//!
//! Scalars are typed as serde-saphyr types them by default (YAML 1.2 core schema for null,
//! integers and floats; YAML 1.1 spellings `yes`/`no`/`on`/`off` for booleans, as SnakeYAML reads
//! WSO2's files); quoted and block scalars, and scalars tagged `!!str`, stay strings. Merge keys
//! (`<<: *base`) are merged; a key given twice in one mapping is an error.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_saphyr::granit_parser::{self as granit, ScanError};

use crate::source::{FileId, Span};

mod fast;

/// A YAML/JSON value with the span of its text. Strings are borrowed from the file's text when
/// they are written there as they read (most plain and quoted scalars): a tenant has millions
/// of them, and the tree lives only while its file is loaded.
#[derive(Debug, Clone)]
pub struct Node<'t> {
    pub span: Span,
    pub kind: Kind<'t>,
}

#[derive(Debug, Clone)]
pub enum Kind<'t> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'t, str>),
    Seq(Vec<Node<'t>>),
    Map(Vec<(Key<'t>, Node<'t>)>),
}

/// A mapping key (keys that are numbers or booleans are kept as their text).
#[derive(Debug, Clone)]
pub struct Key<'t> {
    pub name: Cow<'t, str>,
    pub span: Span,
}

impl<'t> Node<'t> {
    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node<'t>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value under `key` when this node is a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Key<'t>, &Node<'t>)> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// What kind of value this is, for messages ("expected a string, found a mapping").
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) | Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// A file that is not valid YAML or JSON.
#[derive(Debug)]
pub struct ParseError {
    pub message: String,
    /// Byte offset of the error, when the parser gave one.
    pub offset: Option<usize>,
    /// 1-based line and column, when the parser gave them but no byte offset.
    pub line_col: Option<(usize, usize)>,
}

/// Which syntax a file is written in, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// Parses every document of a file.
pub fn parse(file: FileId, text: &str, format: Format) -> Result<Vec<Node<'_>>, ParseError> {
    if format == Format::Json
        && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text)
    {
        let message = e.to_string();
        // serde_json appends " at line L column C"; we print positions ourselves.
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        return Err(ParseError { message, offset: None, line_col: Some((e.line(), e.column())) });
    }
    // Most files are valid: the faster parsers build them. Anything they cannot (a syntax
    // error, a limit) is built again by granit, so errors read and are placed as granit has
    // them. Nearly every export is plain block YAML, which `fast` reads; saphyr-parser reads
    // the rest of the ASCII files.
    if SaphyrEvents::suits(text) {
        // A panic in either (none is known: two million fuzzed inputs for saphyr-parser, six
        // million mutated files for `fast`) must not end the run: the next parser reads the
        // file then.
        if let Ok(Ok(documents)) = std::panic::catch_unwind(|| fast::parse(file, text)) {
            return Ok(documents);
        }
        let saphyr = std::panic::catch_unwind(|| Builder::new().run(SaphyrEvents::new(file, text)));
        if let Ok(Ok(documents)) = saphyr {
            return Ok(documents);
        }
    }
    Builder::new().run(GranitEvents::new(file, text))
}

/// A parser event as the tree builder needs it, whichever parser produced it.
enum Ev<'t> {
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
struct SaphyrEvents<'t> {
    file: FileId,
    parser: saphyr_parser::Parser<'t, saphyr_parser::StrInput<'t>>,
    text: &'t str,
    /// The end of the `---` that started the document, until its first node.
    marker_end: Option<usize>,
}

impl<'t> SaphyrEvents<'t> {
    /// Whether `text` is ASCII without tabs or control characters other than line breaks, and
    /// ends with a line break.
    fn suits(text: &str) -> bool {
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

    fn new(file: FileId, text: &'t str) -> Self {
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
struct GranitEvents<'t> {
    file: FileId,
    parser: granit::Parser<'t, granit::StrInput<'t>>,
}

impl<'t> GranitEvents<'t> {
    fn new(file: FileId, text: &'t str) -> Self {
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
trait Events<'t> {
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

/// Alias expansion ("billion laughs") is bounded by the number of nodes a file may copy.
const MAX_ALIAS_COPIES: usize = 1_000_000;
/// Documents in one stream (a stream of empty documents costs nothing to write).
const MAX_DOCUMENTS: usize = 100_000;

/// A collection being built. Its items (or entries) so far are at the end of the builder's
/// `items` (or `entries`), from `first` on.
enum Frame<'t> {
    Seq { span: Span, anchor: usize, first: usize },
    Map { span: Span, anchor: usize, first: usize, key: Option<Key<'t>>, merges: Vec<Node<'t>> },
}

/// Builds nodes from parser events, with an explicit stack (no recursion on the input's nesting).
struct Builder<'a> {
    stack: Vec<Frame<'a>>,
    /// The items of the open sequences, innermost last, and the entries of the open mappings:
    /// one vector for all of them, so that each collection is allocated once, at its size,
    /// when it is complete (growing a vector per collection was a tenth of a run's
    /// instructions).
    items: Vec<Node<'a>>,
    entries: Vec<(Key<'a>, Node<'a>)>,
    /// Completed anchored nodes by anchor id, for aliases.
    anchors: HashMap<usize, Node<'a>>,
    copied: usize,
    documents: Vec<Node<'a>>,
    /// Documents seen, including empty ones.
    document_count: usize,
}

impl<'a> Builder<'a> {
    fn new() -> Builder<'a> {
        Builder {
            stack: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            anchors: HashMap::new(),
            copied: 0,
            documents: Vec::new(),
            document_count: 0,
        }
    }

    fn run(mut self, mut events: impl Events<'a>) -> Result<Vec<Node<'a>>, ParseError> {
        let nesting_limit = events.nesting_limit();
        while let Some(next) = events.next_event() {
            let (event, span) = next?;
            self.add(event, span, nesting_limit, |span| events.can_be_key(span))?;
        }
        Ok(self.finish())
    }

    /// The documents built.
    fn finish(self) -> Vec<Node<'a>> {
        self.documents
    }

    /// Adds one event. `nesting_limit` and `can_be_key`: see [`Events`].
    fn add(
        &mut self,
        event: Ev<'a>,
        span: Span,
        nesting_limit: Option<usize>,
        can_be_key: impl FnOnce(Span) -> bool,
    ) -> Result<(), ParseError> {
        let at = span.start;
        match event {
            Ev::DocumentStart => {
                self.document_count += 1;
                if self.document_count > MAX_DOCUMENTS {
                    return Err(limit(at, "a stream of more than 100,000 documents"));
                }
                self.anchors.clear();
            }
            Ev::SequenceStart { anchor } => {
                self.nest(at, nesting_limit)?;
                self.stack.push(Frame::Seq { span, anchor, first: self.items.len() })
            }
            Ev::MappingStart { anchor } => {
                self.nest(at, nesting_limit)?;
                let first = self.entries.len();
                self.stack.push(Frame::Map { span, anchor, first, key: None, merges: Vec::new() })
            }
            Ev::SequenceEnd => {
                if let Some(Frame::Seq { span, anchor, first }) = self.stack.pop() {
                    let items: Vec<_> = self.items.drain(first..).collect();
                    self.complete(Node { span, kind: Kind::Seq(items) }, anchor)?;
                }
            }
            Ev::MappingEnd => {
                if let Some(Frame::Map { span, anchor, first, merges, .. }) = self.stack.pop() {
                    let mut entries: Vec<_> = self.entries.drain(first..).collect();
                    if let Some(key) = first_duplicate(&entries) {
                        let message = format!("duplicate mapping key: {}", key.name);
                        return Err(error(key.span.start, &message));
                    }
                    merge_into(&mut entries, merges);
                    self.complete(Node { span, kind: Kind::Map(entries) }, anchor)?;
                }
            }
            Ev::Scalar { value, plain, anchor, tag } => {
                if anchor == 0
                    && let Some(Frame::Map { key: pending @ None, .. }) = self.stack.last_mut()
                {
                    // A key is known by its text: `y`, `1` and `true` name the keys `y`, `1`
                    // and `true`, whatever they would be as values.
                    if !can_be_key(span) {
                        return Err(error(at, "an implicit key over more than one line"));
                    }
                    *pending = Some(Key { name: value, span });
                    return Ok(());
                }
                let kind = scalar(value, plain, tag);
                self.complete(Node { span, kind }, anchor)?;
            }
            Ev::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(error(
                        at,
                        "the alias refers to a node that is not complete (it contains itself)",
                    ));
                };
                self.copied += size(target);
                if self.copied > MAX_ALIAS_COPIES {
                    return Err(limit(at, "aliases that expand to more than 1,000,000 nodes"));
                }
                // The copy is shown where it is used; what is inside keeps its definition's
                // places, whose text is that of the value.
                let node = Node { span, kind: target.kind.clone() };
                self.complete(node, 0)?;
            }
            Ev::Other => {}
        }
        Ok(())
    }

    /// Collections nest at most as deep as granit allows (its default limit), which also bounds
    /// the recursion of dropping the tree.
    fn nest(&self, at: usize, limit_of: Option<usize>) -> Result<(), ParseError> {
        if limit_of.is_some_and(|max| self.stack.len() >= max) {
            return Err(limit(at, "collections nested too deep"));
        }
        Ok(())
    }

    /// A node is complete: it becomes an item, a key, a value or a document.
    fn complete(&mut self, node: Node<'a>, anchor: usize) -> Result<(), ParseError> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Frame::Seq { .. }) => self.items.push(node),
            Some(Frame::Map { key, merges, .. }) => match key.take() {
                None => *key = Some(Key { name: key_text(&node), span: node.span }),
                Some(k) if k.name == "<<" && !matches!(node.kind, Kind::Str(_)) => merges.push(node),
                Some(k) => self.entries.push((k, node)),
            },
        }
        Ok(())
    }
}

/// The first key (in text order) that an earlier key of the mapping already has.
fn first_duplicate<'e, 't>(entries: &'e [(Key<'t>, Node<'t>)]) -> Option<&'e Key<'t>> {
    let mut keys = entries.iter().map(|(k, _)| k).filter(|k| k.name != COMPLEX_KEY);
    if entries.len() <= 16 {
        // Small mappings (nearly all of them): no hashing.
        return entries
            .iter()
            .enumerate()
            .find(|(i, (k, _))| k.name != COMPLEX_KEY && entries[..*i].iter().any(|(e, _)| e.name == k.name))
            .map(|(_, (k, _))| k);
    }
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    keys.find(|k| !seen.insert(&*k.name))
}

/// Adds the entries of merged mappings (`<<: *base` or `<<: [*a, *b]`) that the mapping does not
/// set itself; of several merged mappings, the first that sets a key wins.
fn merge_into<'t>(entries: &mut Vec<(Key<'t>, Node<'t>)>, merges: Vec<Node<'t>>) {
    if merges.is_empty() {
        return;
    }
    let mut set: std::collections::HashSet<Cow<'t, str>> =
        entries.iter().map(|(k, _)| k.name.clone()).collect();
    for merged in merges {
        let maps = match merged.kind {
            Kind::Seq(items) => items,
            _ => vec![merged],
        };
        for map in maps {
            if let Kind::Map(merged_entries) = map.kind {
                for (k, v) in merged_entries {
                    if set.insert(k.name.clone()) {
                        entries.push((k, v));
                    }
                }
            }
        }
    }
}

/// Nodes in a tree, for the alias budget.
fn size(node: &Node) -> usize {
    match &node.kind {
        Kind::Seq(items) => 1 + items.iter().map(size).sum::<usize>(),
        Kind::Map(entries) => 1 + entries.iter().map(|(_, v)| 1 + size(v)).sum::<usize>(),
        _ => 1,
    }
}

/// The name of every key that is a list or a mapping (`? [a, b]: v`); never a duplicate.
const COMPLEX_KEY: &str = "<complex key>";

/// The text a mapping key given by an alias or a collection is known by (a scalar key written
/// out is known by its text, see [`Builder::run`]).
fn key_text<'t>(node: &Node<'t>) -> Cow<'t, str> {
    match &node.kind {
        Kind::Null => Cow::Borrowed(""),
        Kind::Bool(b) => Cow::Owned(b.to_string()),
        Kind::Int(i) => Cow::Owned(i.to_string()),
        Kind::Float(f) => Cow::Owned(f.to_string()),
        Kind::Str(s) => s.clone(),
        // A complex key (`? [a, b]: v`) never names anything authlint reads.
        Kind::Seq(_) | Kind::Map(_) => Cow::Borrowed(COMPLEX_KEY),
    }
}

/// The typed value of a scalar: `tag` is a core-schema tag (`str`, `int`, ...) if it has one.
fn scalar<'t>(value: Cow<'t, str>, plain: bool, tag: Option<&str>) -> Kind<'t> {
    let typed = match tag {
        Some("str") => None,
        Some("null") => Some(Kind::Null),
        Some("bool") => parse_bool(&value).map(Kind::Bool),
        Some("int") => parse_int(&value),
        Some("float") => parse_float(&value).map(Kind::Float).or_else(|| parse_int(&value)),
        _ if !plain => None,
        _ if matches!(&*value, "" | "~" | "null" | "Null" | "NULL") => Some(Kind::Null),
        // Every other typed spelling starts with a digit, a sign, a dot or a boolean's letter
        // (most values are names and URLs: not worth three parses).
        _ if !value
            .as_bytes()
            .first()
            .is_some_and(|b| b.is_ascii_digit() || b"+-.tTfFyYnNoO".contains(b)) =>
        {
            None
        }
        _ => parse_bool(&value)
            .map(Kind::Bool)
            .or_else(|| parse_int(&value))
            .or_else(|| parse_float(&value).map(Kind::Float)),
    };
    typed.unwrap_or(Kind::Str(value))
}

/// YAML 1.1 booleans, in any case: `true/yes/y/on`, `false/no/n/off`.
fn parse_bool(value: &str) -> Option<bool> {
    let t = value.trim_matches([' ', '\t', '\r', '\n']);
    if t.len() > 5 {
        return None;
    }
    let is = |words: &[&str]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
    if is(&["true", "yes", "y", "on"]) {
        Some(true)
    } else if is(&["false", "no", "n", "off"]) {
        Some(false)
    } else {
        None
    }
}

/// YAML 1.2 integers: decimal without leading zeros, `0x`, `0o`, `0b`, single `_` between digits.
/// Integers past `i64` become floats.
fn parse_int<'t>(value: &str) -> Option<Kind<'t>> {
    let t = value.trim_matches([' ', '\t', '\r', '\n']);
    let (negative, rest) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = match rest.get(..2) {
        Some("0x" | "0X") => (16, &rest[2..]),
        Some("0o" | "0O") => (8, &rest[2..]),
        Some("0b" | "0B") => (2, &rest[2..]),
        _ if rest.len() > 1 && rest.starts_with('0') => return None,
        _ => (10, rest),
    };
    let bytes = digits.as_bytes();
    let mut magnitude: u128 = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            if i == 0 || i + 1 == bytes.len() || bytes[i - 1] == b'_' {
                return None;
            }
            continue;
        }
        let digit = (b as char).to_digit(radix)?;
        magnitude = magnitude.checked_mul(u128::from(radix))?.checked_add(u128::from(digit))?;
    }
    if bytes.is_empty() || bytes[bytes.len() - 1] == b'_' {
        return None;
    }
    let signed = if negative { -i128::try_from(magnitude).ok()? } else { i128::try_from(magnitude).ok()? };
    Some(i64::try_from(signed).map(Kind::Int).unwrap_or(Kind::Float(signed as f64)))
}

/// YAML 1.2 floats: `.inf`, `-.inf`, `.nan` and decimal spellings (`1.5`, `1e3`, `.5`).
fn parse_float(value: &str) -> Option<f64> {
    let t = value.trim_matches([' ', '\t', '\r', '\n']);
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    match unsigned {
        ".inf" | ".Inf" | ".INF" => {
            return Some(if t.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY });
        }
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // Rust also reads `inf`, `NaN` and `infinity`, which YAML keeps as text.
    if !unsigned.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    t.parse::<f64>().ok()
}

fn scan_error(e: ScanError) -> ParseError {
    let mark = e.marker();
    ParseError {
        message: e.kind().to_string(),
        offset: mark.byte_offset(),
        line_col: Some((mark.line(), mark.col() + 1)),
    }
}

fn error(offset: usize, message: &str) -> ParseError {
    ParseError { message: message.to_string(), offset: Some(offset), line_col: None }
}

fn limit(offset: usize, what: &str) -> ParseError {
    error(offset, &format!("the file exceeds authlint's YAML limits: {what}"))
}

#[cfg(test)]
mod tests;
