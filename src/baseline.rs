//! Baselines, for adopting authlint on a tenant that already has findings.
//!
//! `--write-baseline FILE` records the current findings keyed by file, application, rule and
//! IdP, not by line numbers, which drift with every edit; `--baseline FILE` then reports only
//! findings that are not in it, and the entries that match nothing any more (`stale-baseline`).
//! The file is JSON with one entry per line, so that reviews of its diffs stay readable.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::rules::stale_baseline;
use crate::source::{SourceFile, SourceFiles, Span};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub file: String,
    pub app: Option<String>,
    pub rule: String,
    pub idp: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    #[serde(flatten)]
    key: Key,
    count: usize,
}

#[derive(Debug, Deserialize)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

fn key_of(files: &SourceFiles, d: &Diagnostic) -> Key {
    Key {
        file: files.get(d.span.file).display.clone(),
        app: d.app.clone(),
        rule: d.rule.to_string(),
        idp: d.idp.clone(),
    }
}

/// The baseline text for these findings.
pub fn render(files: &SourceFiles, diagnostics: &[Diagnostic]) -> String {
    let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
    for d in diagnostics {
        *counts.entry(key_of(files, d)).or_default() += 1;
    }
    let lines: Vec<String> = counts
        .into_iter()
        .map(|(key, count)| {
            // Serialising strings and numbers cannot fail.
            serde_json::to_string(&Entry { key, count }).unwrap_or_default()
        })
        .collect();
    format!("{{\n  \"version\": 1,\n  \"findings\": [\n    {}\n  ]\n}}\n", lines.join(",\n    "))
}

/// Writes the baseline atomically (a temporary file, then a rename).
pub fn write(path: &Path, files: &SourceFiles, diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    let tmp = path.with_extension("authlint-tmp");
    std::fs::write(&tmp, render(files, diagnostics))?;
    std::fs::rename(&tmp, path)
}

/// Removes the findings the baseline at `path` records; returns the `stale-baseline` findings,
/// which point into the baseline file (added to `files`).
pub fn apply(
    path: &Path,
    files: &mut SourceFiles,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<Diagnostic>, String> {
    let shown = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read the baseline: {e}"))?;
    let file: BaselineFile = serde_json::from_str(&text)
        .map_err(|e| format!("{shown}:{}:{}: not an authlint baseline: {e}", e.line(), e.column()))?;
    if file.version != 1 {
        return Err(format!("{shown}: baseline version {} is not supported (1 is)", file.version));
    }
    let mut remaining: BTreeMap<Key, usize> = BTreeMap::new();
    for entry in file.findings {
        *remaining.entry(entry.key).or_default() += entry.count;
    }
    diagnostics.retain(|d| match remaining.get_mut(&key_of(files, d)) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    });
    let stale: Vec<(Key, usize)> = remaining.into_iter().filter(|(_, n)| *n > 0).collect();
    if stale.is_empty() {
        return Ok(Vec::new());
    }
    let id = files.add(SourceFile::new(PathBuf::from(path), shown, text));
    let baseline = files.get(id);
    Ok(stale
        .into_iter()
        .map(|(key, _)| {
            // Point at the entry's line: the rendered entry starts with its file name.
            let needle = format!("\"file\":{}", serde_json::to_string(&key.file).unwrap_or_default());
            let at = baseline
                .text
                .match_indices(&needle)
                .map(|(i, _)| i)
                .find(|&i| baseline.line_text(i).contains(&format!("\"rule\":\"{}\"", key.rule)))
                .unwrap_or(0);
            let end = at + baseline.line_text(at).trim_start().len();
            let what = format!(
                "{} in {}{}{}",
                key.rule,
                key.file,
                key.app.as_deref().map(|a| format!(", app `{a}`")).unwrap_or_default(),
                key.idp.as_deref().map(|i| format!(", IdP `{i}`")).unwrap_or_default()
            );
            stale_baseline::diagnostic(Span::new(id, at, end), &what)
        })
        .collect())
}
