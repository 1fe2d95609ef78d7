//! Code actions and hovers: what the editor offers on a finding.
//!
//! - Each fix of a finding is a quick fix of its own: the guard and the enable-JIT remedy are
//!   two choices, and an edit in another file (the IdP's) travels in the same workspace edit.
//! - "Disable RULE for this line" inserts `// authlint-disable-next-line RULE` in a script;
//!   "for this document" inserts `# authlint-disable RULE` (YAML, covering its document) or
//!   `<!-- authlint-disable RULE -->` (XML, covering the file). JSON has no comments: only the
//!   script line can be silenced there.
//! - `source.fixAll.authlint` applies the rules' own fixes (the case of `LOCAL`, the missing
//!   `{}` argument, an unused suppression), which change no behaviour; never the two JIT
//!   remedies, which change who must do MFA.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types as lsp;

use super::convert::{self, Encoding};
use super::workspace::Workspace;
use crate::diagnostic::{Diagnostic, Edit};
use crate::model::ScriptHost;
use crate::source::{FileId, SourceFile, Span};

/// Whether each file `edits` touch was analysed with the text the editor holds of it: an edit
/// computed on other text (a configuration file, whose buffer is not analysed) would land in the
/// wrong place, version or not.
fn in_sync(ws: &Workspace, texts: &HashMap<PathBuf, String>, edits: &[Edit]) -> bool {
    edits.iter().all(|edit| {
        let Some(path) = ws.path_of(edit.span.file) else { return false };
        texts
            .get(&ws.absolute(path))
            .is_none_or(|held| ws.files.try_get(edit.span.file).is_some_and(|f| &f.text == held))
    })
}

/// The kind of the fix-all action (what editors ask for on save).
pub fn fix_all_kind() -> lsp::CodeActionKind {
    lsp::CodeActionKind::new("source.fixAll.authlint")
}

/// Whether a client that asked for `only` wants actions of `kind` (kinds are dotted
/// hierarchies: asking for `source` includes `source.fixAll.authlint`).
fn wanted(only: Option<&[lsp::CodeActionKind]>, kind: &lsp::CodeActionKind) -> bool {
    match only {
        None => kind == &lsp::CodeActionKind::QUICKFIX,
        Some(kinds) => kinds.iter().any(|k| {
            let (k, kind) = (k.as_str(), kind.as_str());
            kind == k || kind.strip_prefix(k).is_some_and(|rest| rest.starts_with('.'))
        }),
    }
}

/// The quick fixes and the fix-all action for `params`. `texts` holds the open documents' text
/// as the editor has it, `versions` their versions (by absolute path) when the client takes
/// versioned `documentChanges`.
pub fn code_actions(
    ws: &Workspace,
    encoding: Encoding,
    path: &Path,
    params: &lsp::CodeActionParams,
    texts: &HashMap<PathBuf, String>,
    versions: Option<&HashMap<PathBuf, i32>>,
) -> Vec<lsp::CodeActionOrCommand> {
    let Some(id) = ws.lookup(path) else { return Vec::new() };
    let file = ws.files.get(id);
    let start = convert::offset(&file.text, params.range.start, encoding);
    let end = convert::offset(&file.text, params.range.end, encoding).max(start);
    let uri_of = |f: FileId| ws.path_of(f).and_then(|p| convert::uri(&ws.absolute(p)));
    let version_of = |f: FileId| ws.path_of(f).and_then(|p| versions?.get(&ws.absolute(p)).copied());
    let files = convert::Files {
        files: &ws.files,
        encoding,
        uri_of: &uri_of,
        version_of: versions.map(|_| &version_of as &dyn Fn(FileId) -> Option<i32>),
    };
    let only = params.context.only.as_deref();
    let mut out = Vec::new();
    if wanted(only, &lsp::CodeActionKind::QUICKFIX) {
        for d in ws.diagnostics_in(id).filter(|d| d.span.start <= end && start <= d.span.end) {
            let shown = files.diagnostic(d).into_iter().collect::<Vec<_>>();
            let action = |title: String, edit: lsp::WorkspaceEdit, preferred: bool| {
                lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title,
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(shown.clone()),
                    edit: Some(edit),
                    is_preferred: preferred.then_some(true),
                    ..Default::default()
                })
            };
            for fix in d.fixes.iter().filter(|f| in_sync(ws, texts, &f.edits)) {
                if let Some(edit) = files.workspace_edit(&fix.edits) {
                    // A rule's own fix is the obvious one; of the two JIT remedies neither is.
                    out.push(action(fix.title.clone(), edit, fix.strategy.is_none() && d.fixes.len() == 1));
                }
            }
            // Unused suppressions are found after suppressions apply: none can silence one.
            let can_disable = d.rule != crate::rules::unused_suppression::ID;
            let synced = |e: &Edit| in_sync(ws, texts, std::slice::from_ref(e));
            if let Some(edit) = disable_line(ws, file, d)
                .filter(|e| can_disable && synced(e))
                .and_then(|e| files.workspace_edit(&[e]))
            {
                out.push(action(format!("Disable {} for this line", d.rule), edit, false));
            }
            if let Some(edit) = disable_document(file, d)
                .filter(|e| can_disable && synced(e))
                .and_then(|e| files.workspace_edit(&[e]))
            {
                let title = if is_xml(file) { "file" } else { "document" };
                out.push(action(format!("Disable {} for this {title}", d.rule), edit, false));
            }
        }
    }
    if wanted(only, &fix_all_kind())
        && let Some(edit) = fix_all(ws, id)
        && in_sync(ws, texts, &edit)
        && let Some(edit) = files.workspace_edit(&edit)
    {
        out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
            title: "authlint: apply the safe fixes".into(),
            kind: Some(fix_all_kind()),
            edit: Some(edit),
            ..Default::default()
        }));
    }
    out
}

/// The edits of every fix in file `id` that changes no security behaviour (the rules' own
/// fixes), without overlaps; `None` when there is nothing to do.
fn fix_all(ws: &Workspace, id: FileId) -> Option<Vec<Edit>> {
    let mut edits: Vec<Edit> = ws
        .diagnostics_in(id)
        .flat_map(|d| d.fixes.iter().filter(|f| f.strategy.is_none()))
        .flat_map(|f| f.edits.iter().cloned())
        .collect();
    edits.sort_by_key(|e| (e.span.file, e.span.start, e.span.end));
    let mut kept: Vec<Edit> = Vec::new();
    for edit in edits {
        let overlaps = kept.last().is_some_and(|last| {
            last.span.file == edit.span.file
                && (edit.span.start < last.span.end || edit.span.start == last.span.start)
        });
        if !overlaps {
            kept.push(edit);
        }
    }
    (!kept.is_empty()).then_some(kept)
}

fn is_xml(file: &SourceFile) -> bool {
    file.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml"))
}

fn is_json(file: &SourceFile) -> bool {
    file.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// `// authlint-disable-next-line RULE` on the script line before the finding, when the finding
/// is in a script whose lines can take one.
fn disable_line(ws: &Workspace, file: &SourceFile, d: &Diagnostic) -> Option<Edit> {
    let script =
        ws.model.applications.iter().filter_map(|a| a.script.as_ref()).find(|s| {
            s.span.file == d.span.file && s.span.start < d.span.start && d.span.start <= s.span.end
        })?;
    let comment = format!("// authlint-disable-next-line {}", d.rule);
    let text = &file.text;
    let at = |offset: usize, replacement: String| Edit {
        span: Span::new(d.span.file, offset, offset),
        replacement,
    };
    match script.host {
        ScriptHost::YamlBlockOrPlain | ScriptHost::XmlCdata | ScriptHost::XmlText => {
            // One script line per file line, except in folded (`>`) and plain YAML scalars.
            if script.host == ScriptHost::YamlBlockOrPlain
                && !crate::remedy::top_level::is_literal_block(text, script.span.start)
            {
                return None;
            }
            let line_of = |offset: usize| text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let line_start = line_of(d.span.start);
            // Not before the script's first line, nor on a line that something other than the
            // script starts (`<![CDATA[var x...`).
            let first = line_of(script.span.start);
            let shares_line = !text[first..script.span.start].trim().is_empty();
            if line_start < first || (line_start == first && shares_line) {
                return None;
            }
            let line = &text[line_start..];
            let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
            Some(at(line_start, format!("{indent}{comment}{}", line_break(text))))
        }
        ScriptHost::JsonString | ScriptHost::YamlDoubleQuoted => {
            // The script's lines are `\n` escapes: the comment goes after the one before the
            // finding (or after the opening quote).
            let bytes = text.as_bytes();
            let mut i = d.span.start;
            while i > script.span.start + 1 {
                if bytes[i - 1] == b'n' && bytes[i - 2] == b'\\' {
                    let backslashes = bytes[..i - 1].iter().rev().take_while(|&&b| b == b'\\').count();
                    if backslashes % 2 == 1 {
                        break;
                    }
                }
                i -= 1;
            }
            let start = i.max(script.span.start + 1);
            Some(at(start, script.host.escape(&format!("{comment}\n"))))
        }
        ScriptHost::YamlSingleQuoted => None,
    }
}

/// `# authlint-disable RULE` at the start of the finding's YAML document, or
/// `<!-- authlint-disable RULE -->` at the start of an XML file (after its declaration).
fn disable_document(file: &SourceFile, d: &Diagnostic) -> Option<Edit> {
    let text = &file.text;
    let (offset, replacement) = if is_json(file) {
        return None;
    } else if is_xml(file) {
        let after_declaration = if text.trim_start().starts_with("<?xml") {
            text.find("?>").map(|i| text[i..].find('\n').map_or(text.len(), |n| i + n + 1))?
        } else {
            0
        };
        let newline = if after_declaration == text.len() && !text.ends_with('\n') { "\n" } else { "" };
        let newline = if newline.is_empty() { "" } else { line_break(text) };
        (after_declaration, format!("{newline}<!-- authlint-disable {} -->{}", d.rule, line_break(text)))
    } else {
        // The line after the last `---` before the finding starts its document (the
        // suppressions' reader counts a document from its `---` line).
        let before = &text[..d.span.start.min(text.len())];
        let mut start = 0;
        let mut line_start = 0;
        for line in before.split_inclusive('\n') {
            if line.starts_with("---") && line.ends_with('\n') {
                start = line_start + line.len();
            }
            line_start += line.len();
        }
        (start, format!("# authlint-disable {}{}", d.rule, line_break(text)))
    };
    Some(Edit { span: Span::new(d.span.file, offset, offset), replacement })
}

/// The line break a file uses (CRLF files stay CRLF).
fn line_break(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

/// The documentation of the rule named under the cursor in a suppression comment.
pub fn hover(ws: &Workspace, encoding: Encoding, path: &Path, position: lsp::Position) -> Option<lsp::Hover> {
    let id = ws.lookup(path)?;
    let file = ws.files.get(id);
    let offset = convert::offset(&file.text, position, encoding);
    let line_start = file.text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = file.text[offset..].find('\n').map_or(file.text.len(), |i| offset + i);
    let line = &file.text[line_start..line_end];
    let directive = line.find("authlint-disable")?;
    // Rule ids are made of lowercase letters and hyphens; the word under the cursor is one.
    let is_id_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    let cursor = offset - line_start;
    if cursor < directive {
        return None;
    }
    let word_start = line[..cursor].rfind(|c: char| !is_id_char(c)).map_or(0, |i| i + 1);
    let word_end = line[cursor..].find(|c: char| !is_id_char(c)).map_or(line.len(), |i| cursor + i);
    // Rule ids never end with `-`: `RULE-->` closes an XML comment.
    let word = line.get(word_start..word_end)?.trim_end_matches('-');
    let rule = crate::rules::find(word)?;
    let severity = crate::report::severity_name(rule.severity);
    let markdown = format!("**{}** ({severity} by default): {}\n\n{}", rule.id, rule.summary, rule.doc);
    let span = Span::new(id, line_start + word_start, line_start + word_start + word.len());
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(convert::range(file, span, encoding)),
    })
}
