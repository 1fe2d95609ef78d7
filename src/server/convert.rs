//! Between authlint's byte offsets and the protocol's positions, URIs and types.
//!
//! A protocol position is a line and a character offset whose unit the client and the server
//! agree on at `initialize`: UTF-16 code units (the protocol's default, and the only one every
//! client understands) unless the client offers UTF-8, which saves the counting.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types as lsp;

use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::source::{SourceFile, SourceFiles, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    /// The encoding to use with a client that offers `offered` (in its order of preference).
    pub fn negotiate(offered: Option<&[lsp::PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&lsp::PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> lsp::PositionEncodingKind {
        match self {
            Encoding::Utf8 => lsp::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lsp::PositionEncodingKind::UTF16,
        }
    }

    /// The length of `text` in this encoding's units.
    fn units(self, text: &str) -> usize {
        match self {
            Encoding::Utf8 => text.len(),
            Encoding::Utf16 => text.encode_utf16().count(),
        }
    }
}

/// The protocol position of byte `offset` in `file` (clamped to the text; inside a character,
/// its start).
pub fn position(file: &SourceFile, offset: usize, encoding: Encoding) -> lsp::Position {
    let mut offset = offset.min(file.text.len());
    while !file.text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = file.line_col(offset).line;
    let start = file.line_start(line).unwrap_or(0);
    let character = encoding.units(file.text.get(start..offset).unwrap_or(""));
    lsp::Position { line: (line - 1) as u32, character: character as u32 }
}

/// The byte offset of a protocol position in `text`: a line past the end means the end, a
/// character past the line's end means the line's end (as the protocol asks).
pub fn offset(text: &str, position: lsp::Position, encoding: Encoding) -> usize {
    let mut start = 0;
    for _ in 0..position.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let line = line.strip_suffix('\r').unwrap_or(line);
    let wanted = position.character as usize;
    let mut units = 0;
    for (i, c) in line.char_indices() {
        if units >= wanted {
            return start + i;
        }
        units += match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
    }
    start + line.len()
}

pub fn range(file: &SourceFile, span: Span, encoding: Encoding) -> lsp::Range {
    lsp::Range { start: position(file, span.start, encoding), end: position(file, span.end, encoding) }
}

/// The `file://` URI of an absolute path.
pub fn uri(path: &Path) -> Option<lsp::Uri> {
    let url = url::Url::from_file_path(path).ok()?;
    lsp::Uri::from_str(url.as_str()).ok()
}

/// The absolute path of a `file://` URI (`None` for other schemes).
pub fn path(uri: &lsp::Uri) -> Option<PathBuf> {
    let url = url::Url::parse(uri.as_str()).ok()?;
    if url.scheme() != "file" {
        return None;
    }
    url.to_file_path().ok()
}

/// Everything the conversion needs to know about the workspace.
pub struct Files<'a> {
    pub files: &'a SourceFiles,
    pub encoding: Encoding,
    /// The URI of each file, by the index of its `FileId`.
    pub uri_of: &'a dyn Fn(crate::source::FileId) -> Option<lsp::Uri>,
    /// For a client that takes `documentChanges`: the version of each open document (`None` for
    /// a file that is not open). Without it, edits go as plain `changes`.
    pub version_of: Option<&'a dyn Fn(crate::source::FileId) -> Option<i32>>,
}

impl Files<'_> {
    fn location(&self, span: Span) -> Option<lsp::Location> {
        let file = self.files.try_get(span.file)?;
        Some(lsp::Location { uri: (self.uri_of)(span.file)?, range: range(file, span, self.encoding) })
    }

    /// `d` as the protocol's diagnostic: rule id as `code`, the label and help in the message,
    /// the related spans and the path's steps as related information.
    pub fn diagnostic(&self, d: &Diagnostic) -> Option<lsp::Diagnostic> {
        let file = self.files.try_get(d.span.file)?;
        let mut message = d.message.clone();
        if !d.label.is_empty() {
            message.push_str(&format!(" ({})", d.label));
        }
        if !d.trace.is_empty() {
            message.push_str("\npath:");
            for (i, step) in d.trace.iter().enumerate() {
                message.push_str(&format!("\n  {}. {step}", i + 1));
            }
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        let mut related: Vec<lsp::DiagnosticRelatedInformation> = d
            .related
            .iter()
            .filter_map(|l| {
                Some(lsp::DiagnosticRelatedInformation {
                    location: self.location(l.span)?,
                    message: l.message.clone(),
                })
            })
            .collect();
        for (i, (entry, span)) in d.trace.iter().zip(&d.trace_spans).enumerate() {
            if let Some(location) = span.and_then(|s| self.location(s)) {
                related.push(lsp::DiagnosticRelatedInformation {
                    location,
                    message: format!("path, {}: {entry}", i + 1),
                });
            }
        }
        Some(lsp::Diagnostic {
            range: range(file, d.span, self.encoding),
            severity: Some(match d.severity {
                Severity::Error => lsp::DiagnosticSeverity::ERROR,
                Severity::Warning => lsp::DiagnosticSeverity::WARNING,
                Severity::Note => lsp::DiagnosticSeverity::INFORMATION,
            }),
            code: Some(lsp::NumberOrString::String(d.rule.to_string())),
            code_description: None,
            source: Some("authlint".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: (d.rule == "unused-step" || d.rule == "unused-suppression")
                .then(|| vec![lsp::DiagnosticTag::UNNECESSARY]),
            data: None,
        })
    }

    /// Edits (in any files) as a workspace edit.
    // `Uri` caches its parse internally; its hash and equality are those of its text.
    #[allow(clippy::mutable_key_type)]
    pub fn workspace_edit(&self, edits: &[Edit]) -> Option<lsp::WorkspaceEdit> {
        if let Some(version_of) = self.version_of {
            // One versioned edit per document, in the order of their first edit: a client
            // refuses the whole edit when a document has changed since (a fix computed on text
            // the user has already edited is never applied to the new text).
            let mut documents: Vec<lsp::TextDocumentEdit> = Vec::new();
            for edit in edits {
                let file = self.files.try_get(edit.span.file)?;
                let uri = (self.uri_of)(edit.span.file)?;
                let text_edit = lsp::OneOf::Left(lsp::TextEdit {
                    range: range(file, edit.span, self.encoding),
                    new_text: edit.replacement.clone(),
                });
                match documents.iter_mut().find(|d| d.text_document.uri == uri) {
                    Some(document) => document.edits.push(text_edit),
                    None => documents.push(lsp::TextDocumentEdit {
                        text_document: lsp::OptionalVersionedTextDocumentIdentifier {
                            uri,
                            version: version_of(edit.span.file),
                        },
                        edits: vec![text_edit],
                    }),
                }
            }
            return Some(lsp::WorkspaceEdit {
                document_changes: Some(lsp::DocumentChanges::Edits(documents)),
                ..Default::default()
            });
        }
        let mut changes: HashMap<lsp::Uri, Vec<lsp::TextEdit>> = HashMap::new();
        for edit in edits {
            let file = self.files.try_get(edit.span.file)?;
            let uri = (self.uri_of)(edit.span.file)?;
            changes.entry(uri).or_default().push(lsp::TextEdit {
                range: range(file, edit.span, self.encoding),
                new_text: edit.replacement.clone(),
            });
        }
        Some(lsp::WorkspaceEdit { changes: Some(changes), ..Default::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("a.yml".into(), "a.yml".into(), text.into())
    }

    #[test]
    fn utf16_counts_code_units_before_the_offset() {
        // `é` is one UTF-16 unit and two bytes; `𝄞` is two units and four bytes.
        let f = file("a\né𝄞x: y\n");
        let x = f.text.find('x').unwrap();
        assert_eq!(position(&f, x, Encoding::Utf16), lsp::Position { line: 1, character: 3 });
        assert_eq!(position(&f, x, Encoding::Utf8), lsp::Position { line: 1, character: 6 });
        assert_eq!(offset(&f.text, lsp::Position { line: 1, character: 3 }, Encoding::Utf16), x);
        assert_eq!(offset(&f.text, lsp::Position { line: 1, character: 6 }, Encoding::Utf8), x);
    }

    #[test]
    fn positions_past_the_end_clamp() {
        let f = file("ab\r\ncd");
        assert_eq!(offset(&f.text, lsp::Position { line: 0, character: 99 }, Encoding::Utf16), 2);
        assert_eq!(offset(&f.text, lsp::Position { line: 9, character: 0 }, Encoding::Utf16), f.text.len());
        assert_eq!(position(&f, 999, Encoding::Utf16), lsp::Position { line: 1, character: 2 });
        // Inside a character: its start.
        let g = file("é");
        assert_eq!(position(&g, 1, Encoding::Utf16), lsp::Position { line: 0, character: 0 });
    }

    #[test]
    fn uris_round_trip_with_spaces_and_non_ascii() {
        let p = Path::new("/tmp/a b/ü.yml");
        let u = uri(p).unwrap();
        assert_eq!(u.as_str(), "file:///tmp/a%20b/%C3%BC.yml");
        assert_eq!(path(&u).unwrap(), p);
        assert!(path(&lsp::Uri::from_str("untitled:Untitled-1").unwrap()).is_none());
    }
}
