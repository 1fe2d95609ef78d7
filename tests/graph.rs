//! `authlint graph`: golden Mermaid and DOT diagrams (insta snapshots in tests/snapshots), their
//! structure, hostile names, and the command line's choices (`--app`, errors).
//!
//! Update the snapshots with `INSTA_UPDATE=always cargo test --test graph`, then review them.

mod support;

use std::path::Path;

use support::diagrams::{check_dot, check_mermaid};
use support::{Run, authlint_in};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `authlint graph ARGS` in the repository root; must succeed.
fn graph(args: &[&str]) -> String {
    let mut all = vec!["graph"];
    all.extend(args);
    let r = authlint_in(root(), &all);
    assert_eq!(r.code, 0, "authlint {all:?} failed:\n{}{}", r.stdout, r.stderr);
    r.stdout
}

/// Both diagrams of `path`, checked for structure and snapshotted as `<name>_mermaid` and
/// `<name>_dot`.
fn golden(name: &str, path: &str) {
    let mermaid = graph(&[path]);
    check_mermaid(&mermaid).unwrap_or_else(|e| panic!("{path}: {e}\n{mermaid}"));
    insta::assert_snapshot!(format!("{name}_mermaid"), mermaid);
    let dot = graph(&[path, "--format", "dot"]);
    check_dot(&dot).unwrap_or_else(|e| panic!("{path}: {e}\n{dot}"));
    insta::assert_snapshot!(format!("{name}_dot"), dot);
}

#[test]
fn example_tenant() {
    golden("graph_example_tenant", "fixtures/tenant");
}

#[test]
fn clean_guarded_flow() {
    golden("graph_guarded", "fixtures/ok/guarded-by-idp");
    let mermaid = graph(&["fixtures/ok/guarded-by-idp"]);
    assert!(!mermaid.contains("conflict:") && !mermaid.contains("linkStyle"), "{mermaid}");
}

#[test]
fn broken_flow_with_a_conflict_path() {
    golden("graph_no_script", "fixtures/err/no-script");
}

#[test]
fn script_with_branches() {
    golden("graph_branches", "fixtures/graph/branches");
}

#[test]
fn hostile_names_stay_inside_labels() {
    golden("graph_hostile", "fixtures/graph/hostile");
    let app = "pay\"roll <script>alert(1)</script> %% comment click a0_n0 call alert() style a0_n0 fill:#f00 `x` | ] } --> \\N \\\" end";
    let idp = "Evil\"]; click a0_n1 call alert() %% --> <script>alert(1)</script>";

    let mermaid = graph(&["fixtures/graph/hostile"]);
    let labels = check_mermaid(&mermaid).unwrap_or_else(|e| panic!("{e}\n{mermaid}"));
    // The names come back whole, as text (line breaks in the name shown as spaces).
    assert!(labels.iter().any(|l| l.starts_with(app)), "{labels:#?}");
    assert!(labels.iter().any(|l| l.contains(&format!("⚠ {idp}: Auth<b>|x|</b>&amp; -->"))), "{labels:#?}");
    assert!(
        labels.iter().any(|l| l.contains("context.request.params.x != '\"]; click a0_n0")),
        "{labels:#?}"
    );
    for bad in ["<script", "%%", "click a0", "\"]"] {
        // Outside the labels nothing of the input appears at all.
        let outside: String = mermaid.split('"').step_by(2).collect();
        assert!(!outside.contains(bad), "{bad} outside a label:\n{mermaid}");
    }

    let dot = graph(&["fixtures/graph/hostile", "--format", "dot"]);
    let strings = check_dot(&dot).unwrap_or_else(|e| panic!("{e}\n{dot}"));
    assert!(strings.iter().any(|s| s.starts_with(app)), "{strings:#?}");
    assert!(strings.iter().any(|s| s.contains(&format!("⚠ {idp}: Auth<b>|x|</b>&amp; -->"))), "{strings:#?}");
    // An entity in a name is shown as typed; a right-to-left override as a visible marker.
    let shown =
        "$$\\href{javascript:alert(1)}{x}$$ &lt;b&gt; admin⟨U+202E⟩gnp.exe @team www.evil.example #12";
    assert!(strings.iter().any(|s| s.starts_with(shown)), "{strings:#?}");
    assert!(labels.iter().any(|l| l.starts_with(shown)), "{labels:#?}");
    assert!(!dot.contains('\u{202E}') && !mermaid.contains('\u{202E}'));
}

#[test]
fn the_checkers_reject_what_would_break_out() {
    // The structural checks must be able to fail: a label closed early, a statement smuggled in
    // on a new line, HTML left in a label.
    let good = "flowchart TD\n  subgraph a0[\"x\"]\n    a0_n0[\"a #60;b#62;\"]\n  end\n";
    assert!(check_mermaid(good).is_ok());
    for bad in [
        "flowchart TD\n  subgraph a0[\"x\"]\n    a0_n0[\"a\"] click a0_n0 call alert()\"]\n  end\n",
        "flowchart TD\n  subgraph a0[\"x\"]\n    a0_n0[\"a\"]\n    click a0_n0 call alert()\n  end\n",
        "flowchart TD\n  subgraph a0[\"x\"]\n    a0_n0[\"<img src=x>\"]\n  end\n",
        "flowchart TD\n  subgraph a0[\"x\"]\n    a0_n0[\"a %% b\"]\n  end\n",
        "flowchart TD\n  subgraph a0[\"x\"]\n    a0_n0[\"a\"]\n",
    ] {
        assert!(check_mermaid(bad).is_err(), "accepted:\n{bad}");
    }
    assert!(check_dot("digraph g {\n  subgraph cluster_0 {\n    a [label=\"x\\\"y\"];\n  }\n}\n").is_ok());
    for bad in [
        "digraph g { a [label=\"x\"y\"]; }",
        "digraph g { a [label=<b>x</b>]; }",
        "digraph g { a [label=\"x\\ly\"]; }",
        "digraph g { a [label=\"x\"]; } b;",
        "digraph g { a [label=\"x\n\"]; }",
        "digraph g { a [label=\"x &lt; y\"]; }",
    ] {
        assert!(check_dot(bad).is_err(), "accepted:\n{bad}");
    }
}

#[test]
fn one_application_by_name() {
    let mermaid = graph(&["fixtures/tenant", "--app", "payroll"]);
    check_mermaid(&mermaid).expect("a valid diagram");
    assert_eq!(mermaid.matches("  subgraph ").count(), 1, "{mermaid}");
    assert!(mermaid.contains("subgraph a0[\"payroll (tenant fixtures/tenant)\"]"), "{mermaid}");
}

#[test]
fn a_name_in_several_tenants_is_drawn_for_each() {
    let dot = graph(&["fixtures/ok/environments", "--app", "payroll", "--format", "dot"]);
    let strings = check_dot(&dot).expect("a valid diagram");
    assert!(strings.contains(&"payroll (tenant fixtures/ok/environments/dev)".to_string()), "{strings:#?}");
    assert!(
        strings.contains(&"payroll (tenant fixtures/ok/environments/staging)".to_string()),
        "{strings:#?}"
    );
}

#[test]
fn an_unknown_name_is_an_error_with_suggestions() {
    let Run { code, stdout, stderr } = authlint_in(root(), &["graph", "fixtures/tenant", "--app", "payrol"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(stderr, "authlint: no application named `payrol`; did you mean `payroll`?\n");
    let r = authlint_in(root(), &["graph", "fixtures/tenant", "--app", "x\u{1b}[31m"]);
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains('\u{1b}'), "a control character reached the terminal: {:?}", r.stderr);
    let r = authlint_in(root(), &["graph", "fixtures/tenant/does-not-exist"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn output_is_deterministic() {
    let first = graph(&["fixtures/tenant", "fixtures/graph", "--threads", "1"]);
    for _ in 0..3 {
        assert_eq!(graph(&["fixtures/tenant", "fixtures/graph", "--threads", "2"]), first);
    }
}

#[test]
fn a_diagram_too_large_for_mermaid_says_so_and_how_to_draw_less() {
    // 60 applications of two steps: about 240 links, but more than 50,000 characters.
    let google = "name: Google\nprovisioning:\n  jit:\n    isEnabled: false\n";
    let mut files = vec![("IdentityProviders/google.yml".to_string(), google.to_string())];
    for i in 0..60 {
        files.push((
            format!("Applications/app{i:02}.yml"),
            format!(
                "name: application-{i:02}-{}\nauthenticationSequence:\n  type: USER_DEFINED\n  steps:\n    - id: 1\n      options:\n        - {{ idp: Google, authenticator: GoogleOIDCAuthenticator }}\n        - {{ idp: LOCAL, authenticator: BasicAuthenticator }}\n    - id: 2\n      options:\n        - {{ idp: LOCAL, authenticator: totp }}\n",
                "x".repeat(300)
            ),
        ));
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let dir = support::tenant_dir(&files);
    let all = authlint_in(dir.path(), &["graph", "."]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(all.stdout.chars().count() > 50_000);
    assert!(
        all.stderr.contains("Mermaid (and GitHub) draws at most 500 links and 50000 characters")
            && all.stderr.contains("--app NAME"),
        "{}",
        all.stderr
    );
    let one =
        authlint_in(dir.path(), &["graph", ".", "--app", &format!("application-07-{}", "x".repeat(300))]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(one.stderr, "", "one application fits");
    // DOT has no such limit.
    let dot = authlint_in(dir.path(), &["graph", ".", "--format", "dot"]);
    assert_eq!(dot.stderr, "");
}
