//! Parsing YAML and JSON files into a tree of spanned nodes.
//!
//! Both formats go through serde-saphyr (YAML 1.2 is a superset of JSON), which gives every node
//! its byte offset. JSON files are first checked with serde_json so that a JSON syntax error is
//! reported in JSON's terms. The loader (`load.rs`) then reads applications and identity
//! providers out of these trees; nothing here knows about WSO2.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::source::{FileId, Span};

/// A YAML/JSON value with the span of its text.
#[derive(Debug, Clone)]
pub struct Node {
    pub span: Span,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key (keys that are numbers or booleans are kept as their text).
#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

impl Node {
    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value under `key` when this node is a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
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
pub fn parse(file: FileId, text: &str, format: Format) -> Result<Vec<Node>, ParseError> {
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
    // serde-saphyr's defaults suit configuration files; a list response of thousands of
    // applications is larger. Alias expansion ("billion laughs") stays bounded by its caps.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 20_000_000;
    budget.max_events = 40_000_000;
    budget.max_documents = 100_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    let raw: Vec<Spanned<RawNode>> =
        serde_saphyr::from_multiple_with_options(text, options).map_err(|e| {
            let location = e.location();
            let offset = location.as_ref().and_then(|l| l.span().byte_offset()).map(|o| o as usize);
            let line_col = location.as_ref().map(|l| (l.line() as usize, l.column() as usize));
            ParseError { message: first_line(&e.to_string()), offset, line_col }
        })?;
    Ok(raw.into_iter().map(|n| convert(file, n)).collect())
}

/// The parser's message without its own "error: line L column C:" prefix (we print positions).
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or("invalid YAML").trim();
    let line = line.strip_prefix("error:").unwrap_or(line).trim_start();
    let line = match line.strip_prefix("line ").and_then(|rest| rest.split_once(": ")) {
        Some((position, rest)) if position.contains("column") => rest,
        _ => line,
    };
    // serde-saphyr suggests one of its own options here, which means nothing to our users.
    let line = line.split(", set DuplicateKeyPolicy").next().unwrap_or(line);
    if let Some(limit) = line.strip_prefix("budget breached: ") {
        return format!(
            "the file exceeds authlint's YAML limits ({limit}): nesting, documents, nodes or aliases"
        );
    }
    line.to_string()
}

fn span_of<T>(file: FileId, n: &Spanned<T>) -> Span {
    let s = n.referenced.span();
    let start = s.byte_offset().unwrap_or(0) as usize;
    let len = s.byte_len().unwrap_or(0) as usize;
    Span::new(file, start, start + len)
}

fn convert(file: FileId, n: Spanned<RawNode>) -> Node {
    let span = span_of(file, &n);
    let kind = match n.value {
        RawNode::Null => Kind::Null,
        RawNode::Bool(b) => Kind::Bool(b),
        RawNode::Int(i) => Kind::Int(i),
        RawNode::Float(f) => Kind::Float(f),
        RawNode::Str(s) => Kind::Str(s),
        RawNode::Seq(items) => Kind::Seq(items.into_iter().map(|i| convert(file, i)).collect()),
        RawNode::Map(entries) => Kind::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = Key { span: span_of(file, &k), name: k.value.0 };
                    (key, convert(file, v))
                })
                .collect(),
        ),
    };
    Node { span, kind }
}

/// The shape serde-saphyr deserializes into; `convert` turns it into a [`Node`].
enum RawNode {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<RawNode>>),
    Map(Vec<(Spanned<RawKey>, Spanned<RawNode>)>),
}

/// A mapping key of any scalar type, kept as text.
struct RawKey(String);

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawNodeVisitor)
    }
}

struct RawNodeVisitor;

impl<'de> Visitor<'de> for RawNodeVisitor {
    type Value = RawNode;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }
    fn visit_unit<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_none<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        RawNode::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawNode, E> {
        Ok(RawNode::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map(RawNode::Int).unwrap_or(RawNode::Float(v as f64)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map(RawNode::Int).unwrap_or(RawNode::Float(v as f64)))
    }
    fn visit_u128<E>(self, v: u128) -> Result<RawNode, E> {
        Ok(i64::try_from(v).map(RawNode::Int).unwrap_or(RawNode::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<RawNode, E> {
        Ok(RawNode::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = a.next_element()? {
            items.push(item);
        }
        Ok(RawNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = a.next_entry()? {
            entries.push(entry);
        }
        Ok(RawNode::Map(entries))
    }
}

impl<'de> Deserialize<'de> for RawKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = match RawNode::deserialize(d)? {
            RawNode::Null => "null".to_string(),
            RawNode::Bool(b) => b.to_string(),
            RawNode::Int(i) => i.to_string(),
            RawNode::Float(f) => f.to_string(),
            RawNode::Str(s) => s,
            // A complex key (`? [a, b]: v`) never names anything authlint reads.
            RawNode::Seq(_) | RawNode::Map(_) => "<complex key>".to_string(),
        };
        Ok(RawKey(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_yaml(text: &str) -> Vec<Node> {
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
