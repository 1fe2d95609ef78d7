//! The golden corpus (actionlint style): every case under `fixtures/ok/` must stay clean, and
//! every case under `fixtures/err/` must produce exactly the findings in its `expected.txt`.
//! Run with `AUTHLINT_BLESS=1` to rewrite the expected files, then review the diff.
//!
//! The fixes each finding offers are checked too: applying all guard fixes (or all enable-JIT
//! fixes) of a case must leave no `jit-mfa-conflict` and no `syntax-error`, and applying them
//! again must find nothing left to fix.

use std::fs;
use std::path::{Path, PathBuf};

use authlint::catalogue::Catalogue;
use authlint::check::{Report, check};
use authlint::diagnostic::Edit;

fn cases(kind: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(kind);
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases under {}", root.display());
    dirs
}

fn run(dir: &Path) -> Report {
    check(&[dir.to_path_buf()], &Catalogue::builtin()).expect("the case directory exists")
}

/// Findings in a compact, reviewable form, with paths relative to the case directory.
fn render(report: &Report, dir: &Path) -> String {
    let prefix = format!("{}/", dir.display());
    let rel = |span: authlint::source::Span| {
        let file = report.files.get(span.file);
        let lc = file.line_col(span.start);
        format!("{}:{}:{}", file.display.strip_prefix(&prefix).unwrap_or(&file.display), lc.line, lc.column)
    };
    // Tenant names in messages are paths too: relative to the case, `.` for the case itself.
    let here = |text: &str| text.replace(&prefix, "").replace(&dir.display().to_string(), ".");
    let mut out = String::new();
    for d in &report.diagnostics {
        out.push_str(&format!("{}: {:?}[{}] {}\n", rel(d.span), d.severity, d.rule, here(&d.message)));
        for step in &d.trace {
            out.push_str(&format!("    path: {step}\n"));
        }
        for label in &d.related {
            out.push_str(&format!("    see {}: {}\n", rel(label.span), label.message));
        }
        for fix in &d.fixes {
            out.push_str(&format!("    fix: {}\n", fix.title));
        }
    }
    out
}

#[test]
fn ok_cases_stay_clean() {
    let mut failures = Vec::new();
    for dir in cases("ok") {
        let report = run(&dir);
        if !report.diagnostics.is_empty() {
            failures.push(format!("{}:\n{}", dir.display(), render(&report, &dir)));
        }
        assert!(report.applications + report.identity_providers > 0, "{}: nothing was loaded", dir.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn err_cases_match_their_expected_output() {
    let bless = std::env::var_os("AUTHLINT_BLESS").is_some();
    let mut failures = Vec::new();
    for dir in cases("err") {
        let actual = render(&run(&dir), &dir);
        let expected_path = dir.join("expected.txt");
        if bless {
            fs::write(&expected_path, &actual).expect("write expected.txt");
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if actual.is_empty() {
            failures.push(format!("{}: an err case must report something", dir.display()));
        } else if actual != expected {
            failures.push(format!("{}:\n--- expected\n{expected}--- actual\n{actual}", dir.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Copies a case into a temporary directory.
fn copy_case(dir: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(dir).expect("inside");
        let target = tmp.path().join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).expect("mkdir");
        } else if rel != Path::new("expected.txt") {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
    tmp
}

/// Applies the fixes whose title starts with one of `kinds`; returns how many edits it made.
fn apply_fixes(dir: &Path, kinds: &[&str]) -> usize {
    let report = run(dir);
    let mut by_file: std::collections::BTreeMap<PathBuf, Vec<Edit>> = Default::default();
    for d in report.diagnostics.iter().filter(|d| d.rule == "jit-mfa-conflict") {
        for fix in d.fixes.iter().filter(|f| kinds.iter().any(|k| f.title.starts_with(k))) {
            for edit in &fix.edits {
                let path = report.files.get(edit.span.file).path.clone();
                let edits = by_file.entry(path).or_default();
                // Two findings may offer the same edit (the same guard, the same JIT switch).
                if !edits.iter().any(|e| e.span == edit.span && e.replacement == edit.replacement) {
                    edits.push(edit.clone());
                }
            }
        }
    }
    let mut count = 0;
    for (path, mut edits) in by_file {
        let mut text = fs::read_to_string(&path).expect("read");
        edits.sort_by_key(|e| std::cmp::Reverse((e.span.start, e.span.end)));
        for e in edits {
            text.replace_range(e.span.start..e.span.end, &e.replacement);
            count += 1;
        }
        fs::write(&path, text).expect("write");
    }
    count
}

#[test]
fn fixes_resolve_every_conflict_and_are_idempotent() {
    let mut failures = Vec::new();
    for dir in cases("err") {
        let before = run(&dir);
        let conflicts: Vec<&authlint::diagnostic::Diagnostic> =
            before.diagnostics.iter().filter(|d| d.rule == "jit-mfa-conflict").collect();
        if conflicts.is_empty() {
            continue;
        }
        let syntax_before = before.diagnostics.iter().filter(|d| d.rule == "syntax-error").count();
        for strategy in [&["add a script", "run this step", "move the steps"][..], &["enable JIT"][..]] {
            // Where no guard can help (nobody at the subject step has a local account) or it
            // cannot be inserted in place (the script does not see who signed in there, or has
            // no `context` at hand), or JIT cannot be enabled (the built-in organisation login
            // has no file), the help must say so; those may remain.
            let may_remain: Vec<&str> = conflicts
                .iter()
                .filter(|d| {
                    let help = d.help.as_deref().unwrap_or("");
                    if strategy[0] == "add a script" {
                        help.contains("authlint cannot insert the guard itself")
                            || help.contains("so no guard can keep step")
                    } else {
                        help.contains("JIT provisioning cannot be enabled for")
                    }
                })
                .map(|d| d.message.as_str())
                .collect();
            let tmp = copy_case(&dir);
            let applied = apply_fixes(tmp.path(), strategy);
            let after = run(tmp.path());
            let left: Vec<&str> = after
                .diagnostics
                .iter()
                .filter(|d| d.rule == "jit-mfa-conflict" && !may_remain.contains(&d.message.as_str()))
                .map(|d| d.message.as_str())
                .collect();
            let syntax_after = after.diagnostics.iter().filter(|d| d.rule == "syntax-error").count();
            if applied == 0 && may_remain.len() < conflicts.len() {
                failures.push(format!("{} {strategy:?}: no fix offered", dir.display()));
            } else if !left.is_empty() || syntax_after != syntax_before {
                failures.push(format!(
                    "{} {strategy:?}: left {left:?}, syntax errors {syntax_after}",
                    dir.display()
                ));
            } else if apply_fixes(tmp.path(), strategy) != 0 {
                failures.push(format!("{} {strategy:?}: a second run still found fixes", dir.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Applies one fix of one finding to a copy of `dir`; returns the copy.
fn apply_one(dir: &Path, rule: &str, message: &str, fix_title: &str) -> tempfile::TempDir {
    let tmp = copy_case(dir);
    let report = run(tmp.path());
    let d = report
        .diagnostics
        .iter()
        .find(|d| d.rule == rule && d.message == message)
        .expect("same finding in the copy");
    let fix = d.fixes.iter().find(|f| f.title == fix_title).expect("same fix in the copy");
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse((e.span.start, e.span.end)));
    for e in edits {
        let path = report.files.get(e.span.file).path.clone();
        let mut text = fs::read_to_string(&path).expect("read");
        text.replace_range(e.span.start..e.span.end, &e.replacement);
        fs::write(&path, text).expect("write");
    }
    tmp
}

#[test]
fn every_other_fix_removes_its_finding() {
    let mut failures = Vec::new();
    let mut tried = 0;
    for dir in cases("err") {
        let report = run(&dir);
        let syntax_before = report.diagnostics.iter().filter(|d| d.rule == "syntax-error").count();
        for d in report.diagnostics.iter().filter(|d| d.rule != "jit-mfa-conflict") {
            for fix in &d.fixes {
                tried += 1;
                let tmp = apply_one(&dir, d.rule, &d.message, &fix.title);
                let after = run(tmp.path());
                let still = after.diagnostics.iter().any(|a| a.rule == d.rule && a.message == d.message);
                let syntax_after = after.diagnostics.iter().filter(|d| d.rule == "syntax-error").count();
                if still || syntax_after != syntax_before {
                    failures.push(format!(
                        "{}: `{}` did not cleanly fix `{}`",
                        dir.display(),
                        fix.title,
                        d.message
                    ));
                }
            }
        }
    }
    assert!(tried >= 3, "the corpus should exercise the rule fixes");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
