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

use serde_saphyr::granit_parser::ScanError;

use crate::source::{FileId, Span};

mod events;
mod fast;

use events::{Ev, Events, GranitEvents, SaphyrEvents};

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
