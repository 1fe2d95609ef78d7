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
