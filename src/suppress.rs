//! Inline suppressions, each naming the rules it silences and, after `--`, why:
//!
//! - in a script: `// authlint-disable-next-line RULE[, RULE] -- reason` silences the next line;
//! - in a YAML file: `# authlint-disable RULE -- reason` silences the whole YAML document;
//! - in an XML file: `<!-- authlint-disable RULE -- reason -->` silences the file.
//!
//! A suppression that silences nothing is itself reported (`unused-suppression`), so stale ones
//! do not pile up.

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::model::FlowModel;
use crate::rules::unused_suppression;
use crate::source::{FileId, SourceFiles, Span};

/// One suppression comment.
#[derive(Debug)]
pub struct Suppression {
    /// The rules it names.
    pub rules: Vec<String>,
    /// The comment itself, where `unused-suppression` points.
    pub comment: Span,
    /// The host-file byte range it covers.
    pub covers: (FileId, usize, usize),
    used: Vec<bool>,
}

/// The rules named after a directive, and nothing after `--` (the reason).
fn parse_rules(after: &str) -> Vec<String> {
    let before_reason = after.split(" --").next().unwrap_or(after);
    let before_reason = before_reason.split("-->").next().unwrap_or(before_reason);
    before_reason
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

/// Finds every suppression in the run's files and scripts.
pub fn collect(files: &SourceFiles, model: &FlowModel) -> Vec<Suppression> {
    let mut out = Vec::new();
    // One search of the whole text (vectorised, on all cores) rules out nearly every file: a
    // search per line costs more than the rest of this stage.
    let directive = memchr::memmem::Finder::new("authlint-disable");
    let with_directives: Vec<usize> = (0..files.len())
        .into_par_iter()
        .filter(|&index| directive.find(files.get(FileId(index as u32)).text.as_bytes()).is_some())
        .collect();
    for index in with_directives {
        let id = FileId(index as u32);
        let file = files.get(id);
        let xml = file.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml"));
        let mut doc_start = 0;
        let mut line_start = 0;
        // YAML documents end at `---`; a `# authlint-disable` covers its own document.
        let mut pending: Vec<Suppression> = Vec::new();
        for line in file.text.split_inclusive('\n') {
            // A document marker is at the start of a line: an indented `---` is text inside a
            // block scalar.
            if !xml && (line.starts_with("---") || line.starts_with("...")) && line_start > 0 {
                for mut s in pending.drain(..) {
                    s.covers = (id, doc_start, line_start);
                    out.push(s);
                }
                doc_start = line_start;
            }
            let directive = if xml { "<!-- authlint-disable " } else { "# authlint-disable " };
            if let Some(at) = line.find(directive) {
                // A YAML comment starts a line or follows a space (not inside a scalar like `a#b`).
                let is_comment = xml || at == 0 || line[..at].ends_with([' ', '\t']);
                if is_comment {
                    let rules = parse_rules(&line[at + directive.len()..]);
                    let end = line_start + line.trim_end().len();
                    pending.push(Suppression {
                        used: vec![false; rules.len()],
                        rules,
                        comment: Span::new(id, line_start + at, end),
                        covers: (id, 0, file.text.len()),
                    });
                }
            }
            line_start += line.len();
        }
        for mut s in pending {
            s.covers = (id, if xml { 0 } else { doc_start }, file.text.len());
            out.push(s);
        }
    }
    for app in &model.applications {
        let Some(script) = app.script.as_ref().filter(|s| s.text.contains("authlint-disable")) else {
            continue;
        };
        let directive = "// authlint-disable-next-line ";
        let mut offset = 0;
        let lines: Vec<&str> = script.text.split_inclusive('\n').collect();
        for (i, line) in lines.iter().enumerate() {
            if let Some(at) = line.find(directive) {
                let rules = parse_rules(line[at + directive.len()..].trim_end());
                let next_start = offset + line.len();
                let next_end =
                    next_start + lines.get(i + 1).map_or(0, |l| l.trim_end_matches(['\n', '\r']).len());
                let comment = script.host_span(files, offset + at, offset + line.trim_end().len());
                let covered = script.host_span(files, next_start, next_end);
                out.push(Suppression {
                    used: vec![false; rules.len()],
                    rules,
                    comment,
                    covers: (covered.file, covered.start, covered.end),
                });
            }
            offset += line.len();
        }
    }
    out
}

/// Drops the diagnostics a suppression covers; returns the `unused-suppression` findings for
/// the suppressions (or rules named in them) that silenced nothing. `enabled` says whether a
/// rule is on: a suppression of a rule turned off is not reported.
pub fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    suppressions: &mut [Suppression],
    enabled: impl Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    diagnostics.retain(|d| {
        let mut silenced = false;
        for s in suppressions.iter_mut() {
            let (file, start, end) = s.covers;
            if file != d.span.file || d.span.start < start || d.span.start > end {
                continue;
            }
            for (i, rule) in s.rules.iter().enumerate() {
                if rule == d.rule {
                    s.used[i] = true;
                    silenced = true;
                }
            }
        }
        !silenced
    });
    let mut unused = Vec::new();
    for s in suppressions.iter() {
        for (rule, used) in s.rules.iter().zip(&s.used) {
            if !used && (crate::rules::find(rule).is_none() || enabled(rule)) {
                let alone = !s.used.iter().any(|&u| u);
                unused.push(unused_suppression::diagnostic(s.comment, rule, alone));
            }
        }
    }
    unused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_stop_at_the_reason() {
        assert_eq!(
            parse_rules("unused-step, guard-never-matches -- legacy app"),
            ["unused-step", "guard-never-matches"]
        );
        assert_eq!(parse_rules("unused-step -->"), ["unused-step"]);
        assert_eq!(parse_rules("jit-mfa-conflict"), ["jit-mfa-conflict"]);
    }
}
