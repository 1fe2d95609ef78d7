//! `check --format markdown`: the golden summary of the example tenant, escaping of hostile
//! names, and the size limit on a large tenant.
//!
//! Update the snapshot with `INSTA_UPDATE=always cargo test --test markdown`, then review it.

mod support;

use std::path::Path;

use authlint::catalogue::Catalogue;
use authlint::check::check;
use authlint::report::markdown::{self, Limits};
use support::authlint_in;
use support::diagrams::check_mermaid;
use support::markdown::{outside_code, to_html};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The parts of a summary: the Markdown outside the diagrams, and each diagram.
fn split(summary: &str) -> (Vec<&str>, Vec<String>) {
    let mut text = Vec::new();
    let mut diagrams = Vec::new();
    let mut current: Option<String> = None;
    for line in summary.lines() {
        match (&mut current, line) {
            (None, "```mermaid") => current = Some(String::new()),
            (Some(d), "```") => {
                diagrams.push(std::mem::take(d));
                current = None;
            }
            (Some(d), l) => {
                d.push_str(l);
                d.push('\n');
            }
            (None, l) => text.push(l),
        }
    }
    assert!(current.is_none(), "an unclosed diagram");
    (text, diagrams)
}

/// Checks the structure of a summary as GitHub reads it: every table row has its cells, no
/// link, raw HTML, mention or reference formed outside code, every diagram is a valid
/// flowchart. Returns the diagrams' labels.
fn check_summary(summary: &str) -> Vec<String> {
    let html = to_html(summary);
    for row in html.split("<tr>").skip(1) {
        let row = &row[..row.find("</tr>").unwrap_or(row.len())];
        let cells = row.matches("<td").count() + row.matches("<th").count();
        // Findings: 5 cells; tenants: 6.
        assert!(cells == 5 || cells == 6, "a row with {cells} cells: {row}");
        if row.contains(">error<") || row.contains(">warning<") || row.contains(">note<") {
            assert_eq!(cells, 5, "a findings row with {cells} cells: {row}");
        }
    }
    // The last line (what was left out) is authlint's own, in italics.
    let input_part = html.split("<p><em>Left out").next().unwrap_or("");
    for formed in ["<a ", "raw HTML omitted", "<img", "<script", "<del>", "<em>", "<strong>"] {
        assert!(!input_part.contains(formed), "{formed} formed:\n{html}");
    }
    let text = outside_code(&html);
    for reference in ["@", "://", "www.", "#1", "#2", "#3", "&lt;"] {
        assert!(!text.contains(reference), "{reference} outside code, where GitHub links it:\n{text}");
    }
    let (_, diagrams) = split(summary);
    let mut labels = Vec::new();
    for d in &diagrams {
        labels.extend(check_mermaid(d).unwrap_or_else(|e| panic!("{e}\n{d}")));
    }
    labels
}

fn is_findings_row(line: &str) -> bool {
    ["| error |", "| warning |", "| note |"].iter().any(|p| line.starts_with(p))
}

#[test]
fn example_tenant_summary() {
    let r = authlint_in(root(), &["check", "fixtures/tenant", "--format", "markdown"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    check_summary(&r.stdout);
    insta::assert_snapshot!("markdown_example_tenant", r.stdout);
}

#[test]
fn a_clean_run_says_so() {
    let r = authlint_in(root(), &["check", "fixtures/ok/guarded-by-idp", "--format", "markdown"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("## authlint: no findings\n"), "{}", r.stdout);
    assert!(!r.stdout.contains("```mermaid") && !r.stdout.contains("Left out"), "{}", r.stdout);
}

#[test]
fn hostile_names_cannot_break_the_tables() {
    let r = authlint_in(root(), &["check", "fixtures/graph/hostile", "--format", "markdown"]);
    let labels = check_summary(&r.stdout);
    let (text, _) = split(&r.stdout);
    let rows = text.iter().filter(|l| is_findings_row(l)).count();
    assert_eq!(rows, 3, "{}", r.stdout);
    // The names are shown as typed, as code: the hostile application's name with its line
    // breaks as spaces, the other's bidi control as a marker.
    let html = to_html(&r.stdout);
    assert!(
        html.contains("<code>pay&quot;roll &lt;script&gt;alert(1)&lt;/script&gt; %% comment click a0_n0 call alert() style a0_n0 fill:#f00 `x` | ] } --&gt; \\N \\&quot; end</code>"),
        "{html}"
    );
    assert!(html.contains("admin⟨U+202E⟩gnp.exe") && !html.contains('\u{202E}'), "{html}");
    assert!(labels.iter().any(|l| l.contains("pay\"roll <script>alert(1)</script>")), "{labels:#?}");
}

/// A tenant of `apps` applications, each with a long name and a JIT/MFA conflict.
fn large_tenant(apps: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let idps = dir.path().join("IdentityProviders");
    let applications = dir.path().join("Applications");
    std::fs::create_dir_all(&idps).expect("mkdir");
    std::fs::create_dir_all(&applications).expect("mkdir");
    std::fs::write(idps.join("Google.yml"), "name: Google\nprovisioning:\n  jit:\n    isEnabled: false\n")
        .expect("write");
    for i in 0..apps {
        let name = format!("application-{i:05}-with-a-long-name-<b>|`x`|</b>-{}", "y".repeat(40));
        let text = format!(
            "name: \"{name}\"\nauthenticationSequence:\n  type: USER_DEFINED\n  steps:\n    - id: 1\n      options:\n        - {{ idp: LOCAL, authenticator: BasicAuthenticator }}\n        - {{ idp: Google, authenticator: GoogleOIDCAuthenticator }}\n    - id: 2\n      options:\n        - {{ idp: LOCAL, authenticator: totp }}\n"
        );
        std::fs::write(applications.join(format!("app-{i:05}.yml")), text).expect("write");
    }
    dir
}

#[test]
fn a_large_tenant_stays_under_the_comment_limit_and_says_what_it_left_out() {
    let dir = large_tenant(1_500);
    let report = check(&[dir.path().to_path_buf()], &Catalogue::builtin()).expect("the tenant exists");
    assert_eq!(report.diagnostics.len(), 1_500);
    let summary = markdown::render(&report, &Catalogue::builtin());
    assert!(summary.len() < 65_000, "{} bytes", summary.len());
    assert!(summary.chars().count() < 65_536);
    check_summary(&summary);
    let (text, diagrams) = split(&summary);
    let rows = text.iter().filter(|l| is_findings_row(l)).count();
    assert!(rows > 0 && !diagrams.is_empty());
    let last = summary.lines().last().unwrap_or("");
    assert_eq!(
        last,
        format!(
            "_Left out to keep this summary short: {} more findings and {} diagrams. `authlint check --format html` writes the full report with every diagram; `--format json` lists every finding._",
            1_500 - rows,
            1_500 - diagrams.len()
        )
    );
}

#[test]
fn tighter_limits_are_kept_exactly() {
    let dir = large_tenant(40);
    let report = check(&[dir.path().to_path_buf()], &Catalogue::builtin()).expect("the tenant exists");
    for max_bytes in [3_000, 8_000, 20_000] {
        let limits = Limits { max_bytes, ..Limits::default() };
        let summary = markdown::render_with(&report, &Catalogue::builtin(), &limits);
        assert!(summary.len() <= max_bytes, "{} > {max_bytes}", summary.len());
        let (text, diagrams) = split(&summary);
        let rows = text.iter().filter(|l| is_findings_row(l)).count();
        let last = summary.lines().last().unwrap_or("");
        assert!(
            last.contains(&format!("{} more findings and {} diagrams", 40 - rows, 40 - diagrams.len())),
            "{last}"
        );
    }
    // With room for everything, nothing is left out.
    let all = Limits { max_bytes: 10_000_000, max_rows: 1_000, max_diagrams: 1_000, ..Limits::default() };
    let summary = markdown::render_with(&report, &Catalogue::builtin(), &all);
    assert!(!summary.contains("Left out"));
    assert_eq!(split(&summary).1.len(), 40);
}
