//! `--format markdown`: a summary for a pull-request comment or a GitHub Actions job summary
//! (`$GITHUB_STEP_SUMMARY`).
//!
//! A heading with the counts, a table of them per tenant, a table of findings, then a Mermaid
//! diagram of each application whose findings follow a path through its flow (GitHub draws
//! them). GitHub takes at most 65,536 characters in a comment (and 1 MiB per step in a job
//! summary), so the output stays under 65,000 bytes by default: rows and diagrams past the limit
//! are left out, and the last line says how many and how to get everything.
//!
//! Every name, path and message comes from the user's files, and is written as a code span in
//! the tables and headings: inside one nothing is markup, and GitHub forms no link, autolink,
//! `@mention` or `#123` reference (backslash escapes would not stop those: GitHub finds them in
//! the text after the escapes are gone). Line breaks become spaces, bidirectional controls
//! visible markers, and `|` is escaped in table cells (GitHub splits cells before it reads code
//! spans). The diagrams escape their own way (see [`crate::graph::mermaid`]), which also keeps
//! backticks out of the fenced block.

use std::collections::BTreeSet;

use crate::catalogue::Catalogue;
use crate::check::Report;
use crate::diagnostic::Severity;
use crate::graph;
use crate::model::ApplicationIndex;
use crate::report::severity_name;
use crate::untrusted::{one_line, show_bidi};

/// How large the summary may grow.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Bytes of the whole output (a character is at least one byte, so this bounds characters).
    pub max_bytes: usize,
    /// Rows of the findings table.
    pub max_rows: usize,
    /// Diagrams.
    pub max_diagrams: usize,
    /// Bytes of one diagram block: a larger one is left out (GitHub gives up on very large
    /// diagrams anyway).
    pub max_diagram_bytes: usize,
    /// Rows of the tenants table.
    pub max_tenants: usize,
}

impl Default for Limits {
    /// Under GitHub's limit for a comment (65,536 characters), with room to spare.
    fn default() -> Limits {
        Limits {
            max_bytes: 65_000,
            max_rows: 150,
            max_diagrams: 10,
            max_diagram_bytes: 20_000,
            max_tenants: 50,
        }
    }
}

/// Room kept for the last line, which says what was left out.
const FOOTER_ROOM: usize = 500;
/// Characters of a table cell beyond which it is cut.
const MAX_CELL_CHARS: usize = 400;

/// The summary with the default limits. `catalogue` is the one the run used.
pub fn render(report: &Report, catalogue: &Catalogue) -> String {
    render_with(report, catalogue, &Limits::default())
}

pub fn render_with(report: &Report, catalogue: &Catalogue, limits: &Limits) -> String {
    let budget = limits.max_bytes.saturating_sub(FOOTER_ROOM);
    let mut out = heading(report, limits);

    let mut rows_shown = 0;
    if !report.diagnostics.is_empty() {
        out.push_str("\n### Findings\n\n| severity | rule | location | application | message |\n|---|---|---|---|---|\n");
        for d in &report.diagnostics {
            let row = finding_row(report, d);
            if rows_shown >= limits.max_rows || out.len() + row.len() > budget {
                break;
            }
            out.push_str(&row);
            rows_shown += 1;
        }
    }

    let apps = apps_with_paths(report);
    let mut diagrams_shown = 0;
    for &index in &apps {
        if diagrams_shown >= limits.max_diagrams {
            break;
        }
        let g = graph::build(report, catalogue, index);
        let mut block = String::new();
        if diagrams_shown == 0 {
            block.push_str("\n### Flows\n");
        }
        block.push_str(&format!(
            "\n#### {}\n\n```mermaid\n{}```\n",
            code(&g.title(), Context::Heading),
            graph::mermaid::render(std::slice::from_ref(&g))
        ));
        if block.len() > limits.max_diagram_bytes {
            continue;
        }
        if out.len() + block.len() > budget {
            // Later diagrams would not fit either, as a rule; stop building them.
            break;
        }
        out.push_str(&block);
        diagrams_shown += 1;
    }

    let rows_left = report.diagnostics.len() - rows_shown;
    let diagrams_left = apps.len() - diagrams_shown;
    if rows_left > 0 || diagrams_left > 0 {
        out.push_str(&format!(
            "\n_Left out to keep this summary short: {} and {}. `authlint check --format html` writes the full report with every diagram; `--format json` lists every finding._\n",
            plural(rows_left, "more finding", "more findings"),
            plural(diagrams_left, "diagram", "diagrams"),
        ));
    }
    out
}

/// The title line and the counts per tenant.
fn heading(report: &Report, limits: &Limits) -> String {
    let count = |s: Severity| report.diagnostics.iter().filter(|d| d.severity == s).count();
    let (errors, warnings, notes) = (count(Severity::Error), count(Severity::Warning), count(Severity::Note));
    let mut out = if report.diagnostics.is_empty() {
        "## authlint: no findings\n".to_string()
    } else {
        format!(
            "## authlint: {}, {}, {}\n",
            plural(errors, "error", "errors"),
            plural(warnings, "warning", "warnings"),
            plural(notes, "note", "notes")
        )
    };
    out.push_str(&format!(
        "\nChecked {} in {} ({} and {}).\n",
        plural(report.applications, "application", "applications"),
        plural(report.files.len(), "file", "files"),
        plural(report.identity_providers, "identity provider", "identity providers"),
        plural(report.tenant_summaries().len(), "tenant", "tenants"),
    ));
    // Notes per tenant are not in the summaries: counted here, by the tenant of each file.
    let mut tenant_notes = vec![0usize; report.tenants.len()];
    for d in report.diagnostics.iter().filter(|d| d.severity == Severity::Note) {
        if let Some(file) = report.files.try_get(d.span.file)
            && let Some(n) = tenant_notes.get_mut(file.tenant.0 as usize)
        {
            *n += 1;
        }
    }
    let summaries = report.tenant_summaries();
    out.push_str("\n| tenant | applications | identity providers | errors | warnings | notes |\n|---|---:|---:|---:|---:|---:|\n");
    for t in summaries.iter().take(limits.max_tenants) {
        let id = report.tenants.ids().find(|&id| report.tenants.name(id) == t.name);
        let notes = id.and_then(|id| tenant_notes.get(id.0 as usize)).copied().unwrap_or(0);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            t.name.map_or_else(|| "(files under no tenant root)".to_string(), |n| code(n, Context::Cell)),
            t.applications,
            t.identity_providers,
            t.errors,
            t.warnings,
            notes
        ));
    }
    if summaries.len() > limits.max_tenants {
        out.push_str(&format!("| and {} more tenants | | | | | |\n", summaries.len() - limits.max_tenants));
    }
    out
}

fn finding_row(report: &Report, d: &crate::diagnostic::Diagnostic) -> String {
    let location = match report.files.try_get(d.span.file) {
        Some(file) => format!("{}:{}", file.display, file.line_col(d.span.start).line),
        None => String::new(),
    };
    format!(
        "| {} | `{}` | {} | {} | {} |\n",
        severity_name(d.severity),
        d.rule,
        code(&location, Context::Cell),
        d.app.as_deref().map(|a| code(a, Context::Cell)).unwrap_or_default(),
        code(&d.message, Context::Cell)
    )
}

/// The applications whose findings follow a path through the flow (those the graph marks), in
/// the order of their first such finding.
fn apps_with_paths(report: &Report) -> Vec<usize> {
    let index = ApplicationIndex::new(&report.model.applications);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for d in report.diagnostics.iter().filter(|d| graph::PATH_RULES.contains(&d.rule)) {
        let Some(name) = d.app.as_deref() else { continue };
        if let Some(i) = index.in_file(name, d.span.file, d.span.start)
            && seen.insert(i)
        {
            out.push(i);
        }
    }
    out
}

/// "1 error", "2 errors".
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Where a code span goes: a table cell must also escape `|`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Cell,
    Heading,
}

/// Text from the input as a Markdown code span (nothing in it is markup): line breaks and other
/// control characters as spaces, bidirectional controls as markers, cut after
/// [`MAX_CELL_CHARS`] characters, fenced by one backtick more than its longest run of
/// backticks, padded with a space either side (which the span drops) when it starts or ends with
/// a backtick or a space. Empty text is written as nothing.
pub fn code(text: &str, context: Context) -> String {
    let mut body: String = one_line(text).chars().take(MAX_CELL_CHARS).collect();
    if text.chars().nth(MAX_CELL_CHARS).is_some() {
        body.push('…');
    }
    let mut body = show_bidi(&body).into_owned();
    if body.trim().is_empty() {
        return String::new();
    }
    if context == Context::Cell {
        // GitHub splits a row at every `|` not escaped by a backslash, code spans or not, and
        // removes the backslash of each `\|` before it reads the cell (cmark-gfm's
        // `unescape_pipes`). A backslash of the text before a `|` needs nothing: `\\|` is read
        // as that backslash and an escaped pipe, never as an escaped backslash and a separator.
        body = body.replace('|', "\\|");
    }
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A span drops one space at either end when there is one at both.
    let pad = body.starts_with(['`', ' ']) || body.ends_with(['`', ' ']);
    if pad { format!("{fence} {body} {fence}") } else { format!("{fence}{body}{fence}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_text_is_a_code_span_that_nothing_in_it_can_close() {
        assert_eq!(code("payroll", Context::Cell), "`payroll`");
        assert_eq!(code("a|b", Context::Cell), "`a\\|b`");
        assert_eq!(code("a|b", Context::Heading), "`a|b`");
        // A backslash before a pipe stays as it is (GitHub shows `a\|b`).
        assert_eq!(code("a\\|b", Context::Cell), "`a\\\\|b`");
        // A backtick at either end cannot join the fence.
        assert_eq!(code("`x` and ``y", Context::Cell), "``` `x` and ``y ```");
        assert_eq!(code(" x ", Context::Cell), "`  x  `");
        assert_eq!(
            code("@team https://x.example #12\n# h", Context::Cell),
            "`@team https://x.example #12 # h`"
        );
        assert_eq!(code("admin\u{202E}gnp", Context::Heading), "`admin⟨U+202E⟩gnp`");
        assert_eq!(code("", Context::Cell), "");
        assert_eq!(code("\n", Context::Cell), "");
        let long = "x".repeat(1000);
        assert_eq!(code(&long, Context::Cell).chars().count(), MAX_CELL_CHARS + 1 + 2);
    }
}
