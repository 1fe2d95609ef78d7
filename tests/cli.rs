//! End-to-end tests of the `authlint` binary: exit status, output formats, and snapshots of the
//! human output on the example tenant and the golden corpus.

use std::path::Path;

use assert_cmd::Command;

fn authlint() -> Command {
    let mut cmd = Command::cargo_bin("authlint").expect("binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("NO_COLOR");
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = authlint().args(args).output().expect("authlint runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let r = run(&all);
    let value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not one JSON object ({e}):\n{}", r.stdout));
    (r.code, value)
}

#[test]
fn example_tenant_reports_payroll_and_crm_only() {
    let (code, out) = json(&["check", "fixtures/tenant"]);
    assert_eq!(code, 1);
    let found: Vec<(String, String, u64, String)> = out["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["app"].as_str().unwrap_or("").to_string(),
                d["idp"].as_str().unwrap_or("").to_string(),
                d["step"].as_u64().unwrap_or(0),
                d["authenticator"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("crm".into(), "Google".into(), 2, "email-otp-authenticator".into()),
            ("payroll".into(), "Google".into(), 2, "totp".into()),
        ]
    );
    assert_eq!(
        out["summary"],
        serde_json::json!({"files": 6, "applications": 4, "identity_providers": 2, "errors": 1, "warnings": 1,
            "tenants": [{"name": "fixtures/tenant", "files": 6, "applications": 4, "identity_providers": 2,
                "errors": 1, "warnings": 1}]})
    );
}

#[test]
fn json_diagnostics_carry_positions_trace_related_and_fixes() {
    let (_, out) =
        json(&["check", "fixtures/tenant/Applications/payroll.yml", "fixtures/tenant/IdentityProviders"]);
    let d = &out["diagnostics"][0];
    assert_eq!(d["rule"], "jit-mfa-conflict");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "fixtures/tenant/Applications/payroll.yml");
    // `authenticator: totp` on line 15, columns 11 to 30 (end exclusive).
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(15), Some(11)));
    assert_eq!((d["end_line"].as_u64(), d["end_column"].as_u64()), (Some(15), Some(30)));
    assert_eq!(d["trace"][0], "step 1 signed in with Google (JIT disabled)");
    let related = d["related"].as_array().expect("related");
    assert!(
        related
            .iter()
            .any(|r| r["file"] == "fixtures/tenant/IdentityProviders/Google.yml" && r["line"] == 11)
    );
    assert!(
        related.iter().any(|r| r["file"] == "fixtures/tenant/Applications/payroll.yml" && r["line"] == 10)
    );
    let fixes = d["fixes"].as_array().expect("fixes");
    assert_eq!(fixes.len(), 2);
    let jit_edit = &fixes[1]["edits"][0];
    assert_eq!(jit_edit["file"], "fixtures/tenant/IdentityProviders/Google.yml");
    assert_eq!((jit_edit["line"].as_u64(), jit_edit["column"].as_u64()), (Some(11), Some(16)));
    assert_eq!(jit_edit["replacement"], "true");
    assert!(
        fixes[0]["edits"][0]["replacement"]
            .as_str()
            .unwrap_or("")
            .contains("context.steps[1].idp == 'LOCAL'")
    );
}

#[test]
fn script_positions_are_mapped_into_the_host_file() {
    // crm.json holds its script in a JSON string on line 13: the finding points at the
    // `executeStep(2)` inside it, not at the start of the string.
    let (_, out) = json(&["check", "fixtures/tenant"]);
    let crm = &out["diagnostics"][0];
    assert_eq!(crm["app"], "crm");
    let text = std::fs::read_to_string("fixtures/tenant/Applications/crm.json").expect("read");
    let line = text.lines().nth(12).expect("line 13");
    let col = crm["column"].as_u64().expect("column") as usize;
    assert!(line[col - 1..].starts_with("executeStep(2)"), "{}", &line[col - 1..]);
    assert_eq!(crm["trace"][2], "line 13:178: `hasAnyOfTheRolesV2(context, rolesToStepUp)` is true");
}

#[test]
fn human_output_on_the_example_tenant() {
    let r = run(&["check", "fixtures/tenant"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("example_tenant_human", r.stdout);
}

#[test]
fn human_output_on_broken_files() {
    let r = run(&["check", "fixtures/err/broken-files"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("broken_files_human", r.stdout);
}

#[test]
fn human_output_for_a_script_finding_and_a_warning() {
    let r = run(&["check", "fixtures/err/http-callback", "fixtures/err/unknown-idp"]);
    insta::assert_snapshot!("script_and_warning_human", r.stdout);
}

#[test]
fn clean_input_exits_zero() {
    // Each case is its own tenant (run together, their loose files would be one tenant with the
    // same IdP names defined several times).
    let r = run(&["check", "fixtures/ok/guarded-by-idp"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.ends_with("0 errors, 0 warnings in 2 files (1 application, 1 identity provider).\n"),
        "{}",
        r.stdout
    );
    let r = run(&["check", "fixtures/ok/environments"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("0 errors, 0 warnings in 4 files (2 applications, 2 identity providers).\n  fixtures/ok/environments/dev: "),
        "{}",
        r.stdout
    );
}

#[test]
fn warnings_alone_exit_zero() {
    let (code, out) = json(&["check", "fixtures/err/unknown-idp"]);
    assert_eq!(code, 0);
    assert_eq!(out["summary"]["warnings"], 1);
}

#[test]
fn missing_paths_and_unknown_flags_exit_two() {
    let r = run(&["check", "fixtures/tenant", "no/such/dir"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no/such/dir"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_eq!(run(&["check", "--no-such-flag"]).code, 2);
    assert_eq!(run(&["check", "--format", "xml"]).code, 2);
    assert_eq!(run(&["--help"]).code, 0);
}

#[test]
fn default_path_is_the_current_directory() {
    let out = authlint()
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tenant"))
        .args(["check", "--format", "json"])
        .output()
        .expect("runs");
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(value["summary"]["applications"], 4);
    assert_eq!(value["diagnostics"][0]["file"], "Applications/crm.json");
}

#[test]
fn output_does_not_depend_on_argument_order() {
    let a = run(&[
        "check",
        "fixtures/tenant/IdentityProviders",
        "fixtures/tenant/Applications",
        "--format",
        "json",
    ]);
    let b = run(&[
        "check",
        "fixtures/tenant/Applications",
        "fixtures/tenant/IdentityProviders",
        "--format",
        "json",
    ]);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(
        a.stdout,
        run(&[
            "check",
            "fixtures/tenant/Applications",
            "fixtures/tenant/IdentityProviders",
            "--format",
            "json"
        ])
        .stdout
    );
}

#[test]
fn broken_files_do_not_stop_the_run() {
    let (code, out) = json(&["check", "fixtures/err/broken-files"]);
    assert_eq!(code, 1);
    let rules: Vec<&str> =
        out["diagnostics"].as_array().expect("list").iter().filter_map(|d| d["rule"].as_str()).collect();
    assert_eq!(rules, ["syntax-error", "syntax-error", "syntax-error", "invalid-config", "jit-mfa-conflict"]);
}

#[test]
fn rules_lists_every_rule_with_its_severity() {
    let r = run(&["rules"]);
    assert_eq!(r.code, 0);
    insta::assert_snapshot!("rules", r.stdout);
}

#[test]
fn explain_prints_a_rules_documentation() {
    let r = run(&["explain", "jit-mfa-conflict"]);
    assert_eq!(r.code, 0);
    for section in [
        "# jit-mfa-conflict (error)",
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## How to fix",
    ] {
        assert!(r.stdout.contains(section), "missing {section}:\n{}", r.stdout);
    }
    let unknown = run(&["explain", "no-such-rule"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("no-such-rule"));
}

#[test]
fn every_diagnostic_points_at_its_explanation() {
    let (_, out) = json(&["check", "fixtures/err"]);
    let diagnostics = out["diagnostics"].as_array().expect("list");
    assert!(diagnostics.len() > 10);
    for d in diagnostics {
        let rule = d["rule"].as_str().expect("rule");
        assert_eq!(d["explain"], format!("authlint explain {rule}"));
        assert_eq!(run(&["explain", rule]).code, 0, "{rule} has no explanation");
    }
}

#[test]
fn human_output_of_the_guard_rules() {
    let r = run(&["check", "fixtures/err/guard-never-matches", "fixtures/err/unknown-authentication-option"]);
    insta::assert_snapshot!("guard_rules_human", r.stdout);
}

/// The hidden profiling flags: `--timings` names every stage on standard error (and leaves the
/// report alone); `--parse-only` stops before the analysis, so it finds nothing.
#[test]
fn timings_and_parse_only_for_the_benchmark() {
    let plain = run(&["check", "fixtures/tenant", "--format", "json"]);
    let timed = run(&["check", "fixtures/tenant", "--format", "json", "--timings"]);
    assert_eq!(timed.stdout, plain.stdout);
    assert_eq!(timed.code, plain.code);
    for stage in
        ["discover", "read, parse and load files", "analyse applications and run rules", "render the report"]
    {
        assert!(timed.stderr.contains(stage), "no `{stage}` in:\n{}", timed.stderr);
    }
    let parsed = run(&["check", "fixtures/tenant", "--parse-only", "--timings", "--format", "json"]);
    assert_eq!(parsed.code, 0, "{}", parsed.stderr);
    assert!(parsed.stderr.contains("parse scripts"), "{}", parsed.stderr);
    assert!(!parsed.stderr.contains("analyse applications"), "{}", parsed.stderr);
}
