//! Helpers that several test files share: running the binary in a directory, writing a tenant
//! into a temporary directory.

#![allow(dead_code)] // Each test file uses some of them.

pub mod diagrams;
pub mod markdown;

use std::path::Path;

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `authlint ARGS` in `dir`, without colour.
pub fn authlint_in(dir: &Path, args: &[&str]) -> Run {
    let out = assert_cmd::Command::cargo_bin("authlint")
        .expect("binary is built")
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("authlint runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `authlint ARGS --format json` in `dir` and parses the one JSON object it prints.
pub fn json_in(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let r = authlint_in(dir, &all);
    let value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not one JSON object ({e}):\n{}{}", r.stdout, r.stderr));
    (r.code, value)
}

/// Writes `files` (relative path, text) under a new temporary directory.
pub fn tenant_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temporary directory");
    for (path, text) in files {
        let path = tmp.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    tmp
}

/// Copies the fixture directory `fixtures/REL` into a new temporary directory.
pub fn copy_fixture(rel: &str) -> tempfile::TempDir {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel);
    let tmp = tempfile::tempdir().expect("temporary directory");
    copy_tree(&from, tmp.path());
    tmp
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The `(rule, file, tenant)` of every finding of a JSON report.
pub fn findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["diagnostics"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|d| {
                    (
                        d["rule"].as_str().unwrap_or("").to_string(),
                        d["file"].as_str().unwrap_or("").to_string(),
                        d["tenant"].as_str().unwrap_or("-").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The `jit-mfa-conflict` findings (`IdP->step`) of one application whose step 1 offers LOCAL and
/// Google (JIT disabled), step 2 TOTP and step 3 Email OTP, with `script` as its script, plus
/// `incomplete` when the analysis says so.
pub fn script_conflicts(script: &str) -> std::collections::BTreeSet<String> {
    let mut app = String::from(
        "name: app\nauthenticationSequence:\n  steps:\n    - id: 1\n      options:\n        - {idp: LOCAL, authenticator: BasicAuthenticator}\n        - {idp: Google, authenticator: GoogleOIDCAuthenticator}\n    - id: 2\n      options:\n        - {idp: LOCAL, authenticator: totp}\n    - id: 3\n      options:\n        - {idp: LOCAL, authenticator: backup-code-authenticator}\n  script: |\n",
    );
    for line in script.lines() {
        app.push_str("    ");
        app.push_str(line);
        app.push('\n');
    }
    let dir = tenant_dir(&[
        ("app.yml", &app),
        ("google.yml", "name: Google\nprovisioning:\n  jit:\n    isEnabled: false\n"),
    ]);
    let report =
        authlint::check::check(&[dir.path().to_path_buf()], &authlint::catalogue::Catalogue::builtin())
            .expect("the directory exists");
    analysis_keys(&report)
}

/// What a report says about the analysis, compactly: each `jit-mfa-conflict` as `IdP->step`,
/// `incomplete` for `analysis-incomplete`, and `syntax-error: ...`.
pub fn analysis_keys(report: &authlint::check::Report) -> std::collections::BTreeSet<String> {
    report
        .diagnostics
        .iter()
        .filter_map(|d| match d.rule {
            "jit-mfa-conflict" => {
                Some(format!("{}->{}", d.idp.as_deref().unwrap_or("?"), d.step.unwrap_or(0)))
            }
            "analysis-incomplete" => Some("incomplete".into()),
            "syntax-error" => Some(format!("syntax-error: {}", d.message)),
            _ => None,
        })
        .collect()
}

/// `body` inside the onSuccess callback of step 1.
pub fn after_step_1(body: &str) -> String {
    format!(
        "var onLoginRequest = function (context) {{\n  executeStep(1, {{\n    onSuccess: function (context) {{\n{body}\n    }}\n  }});\n}};\n"
    )
}

/// Runs a table of `(name, script, expected findings)`; fails listing every row that differs.
pub fn assert_script_table(rows: &[(&str, String, &[&str])]) {
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|(name, script, expected)| {
            let expected: std::collections::BTreeSet<String> =
                expected.iter().map(|s| s.to_string()).collect();
            let got = script_conflicts(script);
            (got != expected).then(|| format!("{name}: expected {expected:?}, got {got:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
pub mod lsp;
