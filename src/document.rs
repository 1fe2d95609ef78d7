//! Parsing YAML and JSON files into a tree of spanned nodes.
//!
//! Both formats are read by granit-parser (serde-saphyr's YAML 1.2 parser; YAML is a superset of
//! JSON), whose events carry byte offsets. The tree is built straight from those events: going
//! through serde's `Spanned<T>` cost three times the parse itself on a large tenant. JSON files
//! are first checked with serde_json so that a JSON syntax error is reported in JSON's terms.
//! The loader (`load/`) then reads applications and identity providers out of these trees;
//! nothing here knows about WSO2.
//!
//! Scalars are typed as serde-saphyr types them by default (YAML 1.2 core schema for null,
//! integers and floats; YAML 1.1 spellings `yes`/`no`/`on`/`off` for booleans, as SnakeYAML reads
//! WSO2's files); quoted and block scalars, and scalars tagged `!!str`, stay strings. Merge keys
//! (`<<: *base`) are merged; a key given twice in one mapping is an error.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, StrInput};

use crate::source::{FileId, Span};

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
    Builder::new(file, text).run()
}

/// Alias expansion ("billion laughs") is bounded by the number of nodes a file may copy.
const MAX_ALIAS_COPIES: usize = 1_000_000;
/// Documents in one stream (a stream of empty documents costs nothing to write).
const MAX_DOCUMENTS: usize = 100_000;

/// A collection being built.
enum Frame<'t> {
    Seq {
        span: Span,
        anchor: usize,
        items: Vec<Node<'t>>,
    },
    Map {
        span: Span,
        anchor: usize,
        entries: Vec<(Key<'t>, Node<'t>)>,
        key: Option<Key<'t>>,
        merges: Vec<Node<'t>>,
    },
}

/// Builds nodes from parser events, with an explicit stack (no recursion on the input's nesting).
struct Builder<'a> {
    file: FileId,
    parser: Parser<'a, StrInput<'a>>,
    stack: Vec<Frame<'a>>,
    /// Completed anchored nodes by anchor id, for aliases.
    anchors: HashMap<usize, Node<'a>>,
    copied: usize,
    documents: Vec<Node<'a>>,
    /// Documents seen, including empty ones.
    document_count: usize,
}

impl<'a> Builder<'a> {
    fn new(file: FileId, text: &'a str) -> Builder<'a> {
        Builder {
            file,
            parser: Parser::new_from_str(text),
            stack: Vec::new(),
            anchors: HashMap::new(),
            copied: 0,
            documents: Vec::new(),
            document_count: 0,
        }
    }

    fn run(mut self) -> Result<Vec<Node<'a>>, ParseError> {
        while let Some(next) = self.parser.next_event() {
            let (event, span) = next.map_err(scan_error)?;
            let at = span.start.byte_offset().unwrap_or(0);
            let span = Span::new(self.file, at, span.byte_range().map_or(at, |r| r.end));
            match event {
                Event::DocumentStart(..) => {
                    self.document_count += 1;
                    if self.document_count > MAX_DOCUMENTS {
                        return Err(limit(at, "a stream of more than 100,000 documents"));
                    }
                    self.anchors.clear();
                }
                Event::SequenceStart(_, anchor, _) => {
                    self.stack.push(Frame::Seq { span, anchor, items: Vec::new() })
                }
                Event::MappingStart(_, anchor, _) => self.stack.push(Frame::Map {
                    span,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    merges: Vec::new(),
                }),
                Event::SequenceEnd => {
                    if let Some(Frame::Seq { span, anchor, items }) = self.stack.pop() {
                        self.complete(Node { span, kind: Kind::Seq(items) }, anchor)?;
                    }
                }
                Event::MappingEnd => {
                    if let Some(Frame::Map { span, anchor, mut entries, merges, .. }) = self.stack.pop() {
                        if let Some(key) = first_duplicate(&entries) {
                            let message = format!("duplicate mapping key: {}", key.name);
                            return Err(error(key.span.start, &message));
                        }
                        merge_into(&mut entries, merges);
                        self.complete(Node { span, kind: Kind::Map(entries) }, anchor)?;
                    }
                }
                Event::Scalar(value, style, anchor, tag) => {
                    if anchor == 0
                        && let Some(Frame::Map { key: pending @ None, .. }) = self.stack.last_mut()
                    {
                        // A key is known by its text: `y`, `1` and `true` name the keys `y`, `1`
                        // and `true`, whatever they would be as values.
                        *pending = Some(Key { name: value, span });
                        continue;
                    }
                    let tag = tag.as_ref().and_then(|t| t.core_suffix());
                    let kind = scalar(value, style, tag);
                    self.complete(Node { span, kind }, anchor)?;
                }
                Event::Alias(id) => {
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
                _ => {}
            }
        }
        Ok(self.documents)
    }

    /// A node is complete: it becomes an item, a key, a value or a document.
    fn complete(&mut self, node: Node<'a>, anchor: usize) -> Result<(), ParseError> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, merges, .. }) => match key.take() {
                None => *key = Some(Key { name: key_text(&node), span: node.span }),
                Some(k) if k.name == "<<" && !matches!(node.kind, Kind::Str(_)) => merges.push(node),
                Some(k) => entries.push((k, node)),
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
fn scalar<'t>(value: Cow<'t, str>, style: ScalarStyle, tag: Option<&str>) -> Kind<'t> {
    let plain = matches!(style, ScalarStyle::Plain);
    let typed = match tag {
        Some("str") => None,
        Some("null") => Some(Kind::Null),
        Some("bool") => parse_bool(&value).map(Kind::Bool),
        Some("int") => parse_int(&value),
        Some("float") => parse_float(&value).map(Kind::Float).or_else(|| parse_int(&value)),
        _ if !plain => None,
        _ if matches!(&*value, "" | "~" | "null" | "Null" | "NULL") => Some(Kind::Null),
        // Every other typed spelling starts with a digit, a sign, a dot or a boolean's letter.
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
mod tests {
    use super::*;

    fn parse_yaml(text: &str) -> Vec<Node<'_>> {
        match parse(FileId(0), text, Format::Yaml) {
            Ok(docs) => docs,
            Err(e) => panic!("unexpected parse error: {e:?}"),
        }
    }

    #[test]
    fn keeps_byte_spans_of_keys_and_values() {
        let text = "name: wiki\nsteps:\n  - id: 1\n";
        let docs = parse_yaml(text);
        let (key, value) = docs[0].entry("name").expect("name");
        assert_eq!(&text[key.span.start..key.span.end], "name");
        assert_eq!(&text[value.span.start..value.span.end], "wiki");
        let id = &docs[0].get("steps").expect("steps");
        match &id.kind {
            Kind::Seq(items) => assert!(matches!(items[0].get("id").map(|n| &n.kind), Some(Kind::Int(1)))),
            other => panic!("{other:?}"),
        }
    }

    /// The value of `v` in a one-line YAML document.
    fn typed(value: &str) -> Kind<'static> {
        let text = format!("v: {value}\n");
        let docs = parse_yaml(&text);
        match docs[0].get("v").expect("v").kind.clone() {
            Kind::Str(s) => Kind::Str(Cow::Owned(s.into_owned())),
            Kind::Null => Kind::Null,
            Kind::Bool(b) => Kind::Bool(b),
            Kind::Int(i) => Kind::Int(i),
            Kind::Float(f) => Kind::Float(f),
            other => panic!("not a scalar: {other:?}"),
        }
    }

    #[test]
    fn types_plain_scalars_as_serde_saphyr_does() {
        assert!(matches!(typed(""), Kind::Null));
        assert!(matches!(typed("~"), Kind::Null));
        assert!(matches!(typed("NULL"), Kind::Null));
        assert!(matches!(typed("true"), Kind::Bool(true)));
        assert!(matches!(typed("Off"), Kind::Bool(false)));
        assert!(matches!(typed("yes"), Kind::Bool(true)));
        assert!(matches!(typed("12"), Kind::Int(12)));
        assert!(matches!(typed("-0x1F"), Kind::Int(-31)));
        assert!(matches!(typed("0o17"), Kind::Int(15)));
        assert!(matches!(typed("1_000"), Kind::Int(1000)));
        assert!(matches!(typed("99999999999999999999"), Kind::Float(_)));
        assert!(matches!(typed("1.5"), Kind::Float(f) if f == 1.5));
        assert!(matches!(typed("-.inf"), Kind::Float(f) if f == f64::NEG_INFINITY));
        // A leading zero makes a decimal float, as in serde-saphyr.
        assert!(matches!(typed("012"), Kind::Float(f) if f == 12.0));
        // Rust-only float spellings and stray underscores stay text.
        for text in ["inf", "NaN", "1__0", "_1", "1_", "0x", "+", "yess", "LOCAL"] {
            assert!(matches!(typed(text), Kind::Str(ref s) if s == text), "{text}: {:?}", typed(text));
        }
    }

    #[test]
    fn quoted_block_and_str_tagged_scalars_stay_text() {
        assert!(matches!(typed("'12'"), Kind::Str(ref s) if s == "12"));
        assert!(matches!(typed("\"true\""), Kind::Str(ref s) if s == "true"));
        assert!(matches!(typed("!!str 12"), Kind::Str(ref s) if s == "12"));
        assert!(matches!(typed("!!int '12'"), Kind::Int(12)));
        assert!(matches!(typed("|\n  null"), Kind::Str(ref s) if s == "null\n"));
    }

    #[test]
    fn aliases_copy_and_merge_keys_merge() {
        let text = "base: &b {idp: LOCAL, authenticator: totp}\ncopy: *b\nover:\n  <<: *b\n  idp: Google\n";
        let docs = parse_yaml(text);
        let copy = docs[0].get("copy").expect("copy");
        assert_eq!(copy.get("idp").and_then(Node::as_str), Some("LOCAL"));
        // The copy is shown at the alias; its insides at their definition.
        assert_eq!(&text[copy.span.start..copy.span.end], "*b");
        let idp = copy.get("idp").expect("idp");
        assert_eq!(&text[idp.span.start..idp.span.end], "LOCAL");
        let over = docs[0].get("over").expect("over");
        assert_eq!(over.get("idp").and_then(Node::as_str), Some("Google"));
        assert_eq!(over.get("authenticator").and_then(Node::as_str), Some("totp"));
        // `y` is a key here, not YAML 1.1's boolean.
        let list = parse_yaml("a: &a {x: 1}\nb: &b {x: 2, y: 3}\nc:\n  <<: [*a, *b]\n");
        let c = list[0].get("c").expect("c");
        assert!(matches!(c.get("x").map(|n| &n.kind), Some(Kind::Int(1))));
        assert!(matches!(c.get("y").map(|n| &n.kind), Some(Kind::Int(3))));
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_second_key() {
        let text = "a: 1\nb: 2\na: 3\n";
        let err = parse(FileId(0), text, Format::Yaml).expect_err("duplicate");
        assert_eq!(err.offset, Some(text.rfind('a').expect("a")));
        assert!(err.message.contains("duplicate mapping key: a"), "{}", err.message);
        // Also in mappings large enough to be checked with a hash set.
        let big: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect::<String>() + "k7: again\n";
        let err = parse(FileId(0), &big, Format::Yaml).expect_err("duplicate");
        assert_eq!(err.offset, Some(big.rfind("k7").expect("k7")));
        // Two complex keys are not the same key.
        assert!(parse(FileId(0), "? [a]\n: 1\n? [b]\n: 2\n", Format::Yaml).is_ok());
    }

    #[test]
    fn alias_expansion_is_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let prev = format!("*a{}", level - 1);
            text.push_str(&format!("a{level}: &a{level} [{}]\n", vec![prev.as_str(); 10].join(", ")));
        }
        let err = parse(FileId(0), &text, Format::Yaml).expect_err("bomb");
        assert!(err.message.contains("limits"), "{}", err.message);
        let err = parse(FileId(0), "a: &a [*a]\n", Format::Yaml).expect_err("self reference");
        assert_eq!(err.offset, Some(7));
    }

    #[test]
    fn reads_every_document_of_a_stream() {
        assert_eq!(parse_yaml("name: a\n---\nname: b\n").len(), 2);
    }

    #[test]
    fn json_syntax_errors_have_a_line() {
        let err = parse(FileId(0), "{\n  \"a\": 1,\n  oops\n}", Format::Json).expect_err("invalid");
        assert_eq!(err.line_col.map(|(l, _)| l), Some(3));
    }

    #[test]
    fn yaml_syntax_errors_have_an_offset() {
        let err = parse(FileId(0), "a: [1, 2\nb: c\n", Format::Yaml).expect_err("invalid");
        assert!(err.offset.is_some() || err.line_col.is_some(), "{err:?}");
    }
}
