//! `authlint fix`: applies one remedy for every JIT/MFA conflict it can, byte-exact.
//!
//! The user picks the remedy (`--strategy guard` or `--strategy enable-jit`): both change
//! security behaviour. The edits are exactly the `fixes` that `check` reports. They are checked
//! before anything is written: the fixed texts are analysed again in memory (repeating while
//! new fixes appear), and only texts that introduce no syntax error are kept. Then each changed
//! file is written atomically (a temporary file beside it, then a rename), or, with `--diff`,
//! nothing is written and a unified diff is printed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::catalogue::Catalogue;
use crate::check::{self, Options, Report};
use crate::diagnostic::{Diagnostic, Edit, Strategy};
use crate::rules::jit_mfa_conflict;

/// One file `fix` changes.
pub struct Change {
    pub path: PathBuf,
    pub display: String,
    pub before: String,
    pub after: String,
    /// The titles of the fixes applied to it.
    pub applied: Vec<String>,
}

/// What a `fix` run would do (or did).
pub struct Outcome {
    pub changes: Vec<Change>,
    /// Conflicts still there after the fixes, each with why it was not fixed.
    pub unfixed: Vec<(Diagnostic, String)>,
    /// The report of the fixed texts.
    pub report: Report,
}

/// Applies `edits` (on one text) from the end, so earlier offsets stay valid. Identical edits
/// count once; an edit overlapping one already applied is skipped.
pub fn apply_edits(text: &str, edits: &[Edit]) -> String {
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    edits.dedup_by(|a, b| a.span == b.span && a.replacement == b.replacement);
    let mut out = text.to_string();
    let mut floor = usize::MAX;
    for e in edits.iter().rev() {
        // Insertions at the same place are kept; true overlaps are not.
        if e.span.end > floor || (e.span.end == floor && e.span.start < e.span.end) {
            continue;
        }
        if out.get(e.span.start..e.span.end).is_none() {
            continue;
        }
        out.replace_range(e.span.start..e.span.end, &e.replacement);
        floor = e.span.start;
    }
    out
}

fn conflicts(report: &Report) -> impl Iterator<Item = &Diagnostic> {
    report.diagnostics.iter().filter(|d| d.rule == jit_mfa_conflict::ID)
}

fn syntax_errors(report: &Report) -> usize {
    report.diagnostics.iter().filter(|d| d.rule == crate::rules::syntax_error::ID).count()
}

/// Works out the changes for `strategy`, without writing anything.
pub fn plan(options: &Options, catalogue: &Catalogue, strategy: Strategy) -> Result<Outcome, Vec<String>> {
    // Standard input cannot be written back, and a baseline only filters reports; suppressed
    // conflicts were accepted by the user and are left alone.
    let mut options = Options { stdin: None, baseline: None, overlay: BTreeMap::new(), ..options.clone() };
    let original = check::run(&options, catalogue)?;
    let syntax_before = syntax_errors(&original);
    let mut originals: BTreeMap<PathBuf, (String, String)> = BTreeMap::new();
    let mut applied: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    let mut report = original;
    // A fix can make another one possible (or necessary); a few rounds reach the fixpoint.
    for _ in 0..4 {
        let mut edits: BTreeMap<PathBuf, Vec<Edit>> = BTreeMap::new();
        let mut titles: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
        for d in conflicts(&report) {
            for fix in d.fixes.iter().filter(|f| f.strategy == Some(strategy)) {
                for edit in &fix.edits {
                    let file = report.files.get(edit.span.file);
                    edits.entry(file.path.clone()).or_default().push(edit.clone());
                    originals
                        .entry(file.path.clone())
                        .or_insert_with(|| (file.display.clone(), file.text.clone()));
                    let t = titles.entry(file.path.clone()).or_default();
                    if !t.contains(&fix.title) {
                        t.push(fix.title.clone());
                    }
                }
            }
        }
        if edits.is_empty() {
            break;
        }
        let mut next = options.overlay.clone();
        for (path, file_edits) in &edits {
            let current = next.get(path).cloned().or_else(|| report_text(&report, path)).unwrap_or_default();
            next.insert(path.clone(), apply_edits(&current, file_edits));
        }
        let candidate = Options { overlay: next, ..options.clone() };
        let fixed = check::run(&candidate, catalogue)?;
        if syntax_errors(&fixed) > syntax_before {
            // A fix that breaks a file is not applied (this is a bug in authlint; say so).
            return Err(vec![
                "the fixes would introduce a syntax error; nothing was changed (please report this)".into(),
            ]);
        }
        for (path, t) in titles {
            let list = applied.entry(path).or_default();
            for title in t {
                if !list.contains(&title) {
                    list.push(title);
                }
            }
        }
        options = candidate;
        report = fixed;
    }
    let changes = options
        .overlay
        .iter()
        .filter_map(|(path, after)| {
            let (display, before) = originals.get(path)?.clone();
            (before != *after).then(|| Change {
                path: path.clone(),
                display,
                before,
                after: after.clone(),
                applied: applied.get(path).cloned().unwrap_or_default(),
            })
        })
        .collect();
    let unfixed = conflicts(&report).map(|d| (d.clone(), why_unfixed(d, strategy))).collect();
    Ok(Outcome { changes, unfixed, report })
}

fn report_text(report: &Report, path: &Path) -> Option<String> {
    (0..report.files.len())
        .map(|i| report.files.get(crate::source::FileId(i as u32)))
        .find(|f| f.path == path)
        .map(|f| f.text.clone())
}

/// Why a conflict has no fix of this strategy, from what the finding says.
fn why_unfixed(d: &Diagnostic, strategy: Strategy) -> String {
    let help = d.help.as_deref().unwrap_or("");
    match strategy {
        Strategy::Guard => {
            if help.contains("no guard can keep") {
                help.lines().next().unwrap_or(help).to_string()
            } else if help.contains("authlint cannot insert the guard itself") {
                "the guard cannot be inserted where the step runs; see the finding's help".into()
            } else {
                "no guard edit is available for this file".into()
            }
        }
        Strategy::EnableJit if help.contains("JIT provisioning cannot be enabled for") => {
            "the IdP is the built-in organisation login connection `SSO`, which has no file and no JIT switch: only the guard applies".into()
        }
        Strategy::EnableJit => {
            "authlint cannot add the JIT switch in this layout of the identity provider's file (a flow-style `provisioning: {...}` in YAML, an empty `<JustInTimeProvisioningConfig/>`): add it by hand".into()
        }
    }
}

/// Writes one file atomically: a temporary file in the same directory, then a rename, so an
/// interrupted run leaves the old or the new file, never half of one.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.authlint-tmp"));
    let result = (|| {
        std::fs::write(&tmp, text)?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        // Only remove a temporary file we created (the path may be something else entirely).
        if std::fs::symlink_metadata(&tmp).is_ok_and(|m| m.is_file()) {
            let _ = std::fs::remove_file(&tmp);
        }
    }
    result
}

/// A unified diff of one change.
pub fn diff(change: &Change) -> String {
    similar::TextDiff::from_lines(&change.before, &change.after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{}", change.display), &format!("b/{}", change.display))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn edit(start: usize, end: usize, text: &str) -> Edit {
        Edit { span: Span::new(FileId(0), start, end), replacement: text.into() }
    }

    #[test]
    fn edits_apply_from_the_end_once_and_never_overlapping() {
        let text = "abcdef";
        let edits = [edit(1, 2, "B"), edit(1, 2, "B"), edit(4, 4, "_"), edit(3, 5, "X")];
        // (3,5) overlaps the insertion at 4, which is applied first (from the end): skipped.
        assert_eq!(apply_edits(text, &edits), "aBcd_ef");
    }
}
