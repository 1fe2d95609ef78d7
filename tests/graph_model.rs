//! The flow graph model (`authlint::graph::build`) on the example tenant and small flows.

mod support;

use std::path::PathBuf;

use authlint::catalogue::Catalogue;
use authlint::check::{Report, check};
use authlint::graph::{self, FlowGraph, NodeKind, OptionKind};

fn report_of(path: &std::path::Path) -> Report {
    check(&[path.to_path_buf()], &Catalogue::builtin()).expect("the path exists")
}

fn graph_of(report: &Report, app: &str) -> FlowGraph {
    let index = report
        .model
        .applications
        .iter()
        .position(|a| a.name.value == app)
        .unwrap_or_else(|| panic!("no application {app}"));
    graph::build(report, &Catalogue::builtin(), index)
}

fn example() -> Report {
    report_of(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/tenant"))
}

/// `from -> to [conditions] (callback)` per edge, `*` when on a finding's path.
fn edge_lines(g: &FlowGraph) -> Vec<String> {
    g.edges
        .iter()
        .map(|e| {
            format!(
                "{}{} -> {} [{}]{}",
                if e.on_conflict_path { "*" } else { "" },
                e.from,
                e.to,
                e.conditions.join(" && "),
                e.callback.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
            )
        })
        .collect()
}

#[test]
fn unguarded_flow_has_its_conflict_path_marked() {
    let report = example();
    let g = graph_of(&report, "payroll");
    assert!(!g.has_script);
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["start", "step-1", "step-2", "end"]);
    assert_eq!(g.nodes[0].kind, NodeKind::Start);
    assert_eq!(g.nodes[3].kind, NodeKind::End);
    let google = &g.nodes[1].options[1];
    assert_eq!(
        (google.idp.as_str(), google.kind, google.jit),
        ("Google", OptionKind::Federated, Some(false))
    );
    assert!(g.nodes[2].options[0].needs_local_account, "totp needs a local account");
    assert!(!g.nodes[1].options[0].needs_local_account);
    assert_eq!(edge_lines(&g), ["*start -> step-1 []", "*step-1 -> step-2 []", "step-2 -> end []"]);
    assert_eq!(g.conflicts.len(), 1);
    let c = &g.conflicts[0];
    assert_eq!((c.rule.as_str(), c.severity.as_str()), ("jit-mfa-conflict", "error"));
    assert_eq!(c.node_ids, ["start", "step-1", "step-2"]);
    assert_eq!(c.edges, [0, 1]);
    // Google in step 1, TOTP in step 2.
    assert!(g.option_in_conflict("step-1", 1) && g.option_in_conflict("step-2", 0));
    assert!(!g.option_in_conflict("step-1", 0));
    assert!(g.tenant.as_deref().is_some_and(|t| t.ends_with("tenant")), "{:?}", g.tenant);
    assert!(g.file.ends_with("payroll.yml"), "{}", g.file);
}

#[test]
fn guarded_flow_has_conditions_and_no_conflict() {
    let report = example();
    let g = graph_of(&report, "wiki");
    assert!(g.has_script);
    assert!(g.conflicts.is_empty());
    assert_eq!(
        edge_lines(&g),
        [
            "start -> step-1 []",
            "step-1 -> step-2 [first.idp === LOCAL_IDP] (onSuccess)",
            "step-1 -> end [!(first.idp === LOCAL_IDP)] (onSuccess)",
            "step-2 -> end []",
        ]
    );
}

#[test]
fn role_check_is_not_a_guard_and_the_path_says_so() {
    let report = example();
    let g = graph_of(&report, "crm");
    assert_eq!(g.conflicts.len(), 1);
    assert_eq!(g.conflicts[0].severity, "warning");
    let lines = edge_lines(&g);
    assert!(
        lines.contains(
            &"*step-1 -> step-2 [hasAnyOfTheRolesV2(context, rolesToStepUp)] (onSuccess)".to_string()
        ),
        "{lines:#?}"
    );
}

const GOOGLE: &str = "name: Google\nprovisioning:\n  jit:\n    isEnabled: false\n";

/// An application file with `steps` (id, options as `idp/authenticator`) and an optional script.
fn app_yaml(name: &str, steps: &[(u32, &[&str])], script: Option<&str>) -> String {
    let mut out = format!("name: {name}\nauthenticationSequence:\n  type: USER_DEFINED\n  steps:\n");
    for (id, options) in steps {
        out.push_str(&format!("    - id: {id}\n      options:\n"));
        for o in *options {
            let (idp, auth) = o.split_once('/').unwrap_or((o, ""));
            out.push_str(&format!("        - {{ idp: {idp}, authenticator: {auth} }}\n"));
        }
    }
    if let Some(s) = script {
        out.push_str("  script: |\n");
        for line in s.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out
}

#[test]
fn huge_flows_are_cut_and_say_so_but_keep_the_conflict_path() {
    // 250 places that run step 2, each after its own chain of conditions: 250 transitions from
    // step 1 to step 2, the later ones with more conditions than are shown.
    let steps: Vec<(u32, &[&str])> =
        vec![(1, &["LOCAL/BasicAuthenticator", "Google/GoogleOIDCAuthenticator"]), (2, &["LOCAL/totp"])];
    let mut script = String::from("var onLoginRequest = function (context) {\n    executeStep(1);\n    ");
    for k in 1..=250 {
        script.push_str(&format!("if (context.request.params.p{k}) {{ executeStep(2); }} else "));
    }
    script.push_str("{ }\n};\n");
    let dir = support::tenant_dir(&[
        ("Applications/big.yml", &app_yaml("big", &steps, Some(&script))),
        ("IdentityProviders/Google.yml", GOOGLE),
    ]);
    let report = report_of(dir.path());
    let g = graph_of(&report, "big");
    assert!(g.truncated);
    assert_eq!(g.edges.len(), graph::MAX_EDGES);
    assert!(g.notes.iter().any(|n| n.contains("transitions are shown")), "{:?}", g.notes);
    assert!(g.edges.iter().all(|e| e.conditions.len() <= graph::MAX_CONDITIONS + 1), "conditions are capped");
    assert!(g.edges.iter().any(|e| e.conditions.last().is_some_and(|c| c == "... and 2 more conditions")));
    let conflict = g.conflicts.iter().find(|c| c.rule == "jit-mfa-conflict").expect("the conflict is drawn");
    assert_eq!(conflict.node_ids, ["start", "step-1", "step-2"]);
    assert!(conflict.edges.iter().all(|&i| g.edges.get(i).is_some_and(|e| e.on_conflict_path)));
    // The path is connected: each edge starts where the previous one ended.
    let mut at = "start";
    for &i in &conflict.edges {
        assert_eq!(g.edges[i].from, at);
        at = &g.edges[i].to;
    }
    assert_eq!(at, "step-2");
}

#[test]
fn odd_applications_still_give_a_graph() {
    let large = format!(
        "var onLoginRequest = function (context) {{ executeStep(1); }};\n{}",
        "// padding\n".repeat(30_000)
    );
    let deep = format!(
        "var onLoginRequest = function (context) {{ var x = {}1{}; }};",
        "(".repeat(1_200),
        ")".repeat(1_200)
    );
    let dir = support::tenant_dir(&[
        (
            "Applications/broken.yml",
            &app_yaml(
                "broken",
                &[(1, &["LOCAL/BasicAuthenticator"])],
                Some("var onLoginRequest = function ("),
            ),
        ),
        ("Applications/empty.yml", &app_yaml("empty", &[], None)),
        ("Applications/large.yml", &app_yaml("large", &[(1, &["LOCAL/BasicAuthenticator"])], Some(&large))),
        ("Applications/deep.yml", &app_yaml("deep", &[(1, &["LOCAL/BasicAuthenticator"])], Some(&deep))),
        ("IdentityProviders/Google.yml", GOOGLE),
    ]);
    let report = report_of(dir.path());
    // A script refused before parsing: the note says why, in the words of the refusal.
    let notes = graph_of(&report, "large").notes;
    assert!(notes.iter().any(|n| n.contains("bytes (authlint analyses up to")), "{notes:?}");
    assert!(!notes.iter().any(|n| n.contains("nested")), "{notes:?}");
    let notes = graph_of(&report, "deep").notes;
    assert!(notes.iter().any(|n| n.contains("levels deep")), "{notes:?}");
    let broken = graph_of(&report, "broken");
    assert!(broken.has_script);
    assert!(broken.edges.is_empty());
    assert!(broken.notes.iter().any(|n| n.contains("not valid JavaScript")), "{:?}", broken.notes);
    let empty = graph_of(&report, "empty");
    assert_eq!(edge_lines(&empty), ["start -> end []"]);
    // Out of range: a graph that says so, no panic.
    let none = graph::build(&report, &Catalogue::builtin(), usize::MAX);
    assert!(none.nodes.is_empty() && !none.notes.is_empty());
}

#[test]
fn organisation_login_and_unknown_idps_are_told_apart() {
    let dir = support::tenant_dir(&[(
        "Applications/orgs.yml",
        &app_yaml(
            "orgs",
            &[(
                1,
                &[
                    "SSO/OrganizationAuthenticator",
                    "Nowhere/OpenIDConnectAuthenticator",
                    "LOCAL/BasicAuthenticator",
                ],
            )],
            None,
        ),
    )]);
    let report = report_of(dir.path());
    let g = graph_of(&report, "orgs");
    let kinds: Vec<(OptionKind, Option<bool>)> = g.nodes[1].options.iter().map(|o| (o.kind, o.jit)).collect();
    assert_eq!(
        kinds,
        [
            (OptionKind::OrganizationSso, Some(false)),
            (OptionKind::UnknownIdp, None),
            (OptionKind::Local, None)
        ]
    );
    let json = serde_json::to_value(&g).expect("serialisable");
    assert_eq!(json["nodes"][1]["options"][0]["kind"], "organization-sso");
    assert_eq!(json["nodes"][0]["kind"], "start");
}

/// How a renderer shows text: line breaks and other control characters as spaces.
fn shown(text: &str) -> String {
    let text = authlint::untrusted::show_bidi(text);
    text.chars()
        .map(|c| if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') { ' ' } else { c })
        .collect()
}

mod hostile_names {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed};
    use support::diagrams::{check_dot, check_mermaid};

    /// Names built from the characters that matter to Mermaid, DOT and Markdown, and any others.
    fn name() -> impl Strategy<Value = String> {
        let risky = prop::sample::select(vec![
            "\"",
            "<",
            ">",
            "&",
            "`",
            "|",
            "%%",
            "]",
            "[",
            "{",
            "}",
            ";",
            ":",
            "#",
            "\\",
            "\n",
            "\r",
            "-->",
            "click ",
            "style ",
            "end",
            "\u{2028}",
            "\u{202E}",
            "#60;",
            "&lt;",
            "\\N",
            "\\\"",
            "*",
            "_",
            "@",
            "https://x.example",
            "é",
            "⚠",
        ]);
        prop::collection::vec(
            prop_oneof![
                risky.prop_map(str::to_string),
                "[a-z0-9 ]{1,4}",
                any::<char>().prop_map(String::from)
            ],
            1..12,
        )
        .prop_map(|parts| parts.concat())
        .prop_filter("a name with something visible", |n| !n.trim().is_empty())
    }

    proptest! {
        #![proptest_config(Config { cases: 48, rng_seed: RngSeed::Fixed(18), failure_persistence: None, ..Config::default() })]

        #[test]
        fn any_name_stays_text_in_every_diagram(app in name(), idp in name(), authenticator in name()) {
            let application = serde_json::json!({
                "name": app,
                "authenticationSequence": {
                    "type": "USER_DEFINED",
                    "steps": [
                        { "id": 1, "options": [
                            { "idp": "LOCAL", "authenticator": "BasicAuthenticator" },
                            { "idp": idp, "authenticator": authenticator } ] },
                        { "id": 2, "options": [ { "idp": "LOCAL", "authenticator": "totp" } ] }
                    ]
                }
            });
            let provider = serde_json::json!({ "name": idp, "provisioning": { "jit": { "isEnabled": false } } });
            let dir = support::tenant_dir(&[
                ("Applications/app.json", &application.to_string()),
                ("IdentityProviders/idp.json", &provider.to_string()),
            ]);
            let report = report_of(dir.path());
            prop_assume!(report.model.applications.len() == 1);
            let g = graph::build(&report, &Catalogue::builtin(), 0);
            prop_assert_eq!(g.conflicts.len(), 1, "the conflict is found whatever the names");

            let mermaid = graph::mermaid::render(std::slice::from_ref(&g));
            let labels = check_mermaid(&mermaid).map_err(|e| TestCaseError::fail(format!("{e}\n{mermaid}")))?;
            prop_assert!(labels.iter().any(|l| l.starts_with(&shown(&app))), "{:?} not shown in {:#?}", app, labels);
            let option = format!("⚠ {}: {} (JIT disabled)", shown(&idp), shown(&authenticator));
            prop_assert!(labels.iter().any(|l| l.contains(&option)), "{:?} not shown in {:#?}", option, labels);

            let dot = graph::dot::render(std::slice::from_ref(&g));
            let strings = check_dot(&dot).map_err(|e| TestCaseError::fail(format!("{e}\n{dot}")))?;
            prop_assert!(strings.iter().any(|s| s.starts_with(&shown(&app))));
            prop_assert!(strings.iter().any(|s| s.contains(&option)));

            let summary = authlint::report::markdown::render(&report, &Catalogue::builtin());
            let rows: Vec<&str> = summary.lines().filter(|l| l.starts_with("| error |")).collect();
            prop_assert_eq!(rows.len(), 1, "one row, not broken by the names:\n{}", summary);
            // As GitHub reads it: five cells, the names inside code.
            let html = support::markdown::to_html(&summary);
            let row = html.split("<tr>").find(|r| r.contains("<td>error</td>")).unwrap_or_default();
            prop_assert_eq!(row.matches("<td").count(), 5, "{}", row);
            prop_assert!(!html.contains("<a ") && !html.contains("raw HTML omitted"), "{}", html);
        }
    }
}

#[test]
fn two_documents_of_one_name_in_one_file_each_draw_their_own_findings() {
    let clean = app_yaml("payroll", &[(1, &["LOCAL/BasicAuthenticator"]), (2, &["LOCAL/totp"])], None);
    let broken = app_yaml("payroll", &[(1, &["Google/GoogleOIDCAuthenticator"]), (2, &["LOCAL/totp"])], None);
    // Both broken: each document draws its own finding, not its namesake's too.
    let dir = support::tenant_dir(&[
        ("Applications/two.yml", &format!("{broken}---\n{broken}")),
        ("IdentityProviders/Google.yml", GOOGLE),
    ]);
    let report = report_of(dir.path());
    assert_eq!(report.diagnostics.iter().filter(|d| d.rule == "jit-mfa-conflict").count(), 2);
    for index in 0..2 {
        let g = graph::build(&report, &Catalogue::builtin(), index);
        assert_eq!(g.conflicts.len(), 1, "document {index}: {:#?}", g.conflicts);
    }
    for (text, broken_index) in [(format!("{clean}---\n{broken}"), 1), (format!("{broken}---\n{clean}"), 0)] {
        let dir =
            support::tenant_dir(&[("Applications/two.yml", &text), ("IdentityProviders/Google.yml", GOOGLE)]);
        let report = report_of(dir.path());
        assert_eq!(report.model.applications.len(), 2);
        for index in 0..2 {
            let g = graph::build(&report, &Catalogue::builtin(), index);
            let expected = usize::from(index == broken_index);
            assert_eq!(g.conflicts.len(), expected, "document {index} of\n{text}\n{:#?}", g.conflicts);
        }
    }
}
