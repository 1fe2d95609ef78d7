//! authlint in CI, pre-commit and editors: output formats (with golden files for the example
//! tenant), the SARIF schema, exit status flags, the config file, suppressions, baselines,
//! standard input, colours, and the pre-commit hook definition.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut cmd = Command::cargo_bin("authlint").expect("binary");
    cmd.current_dir(dir).args(args).env_remove("GITHUB_ACTIONS").env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(args: &[&str]) -> Run {
    run_in(&root(), args, &[], None)
}

/// Compares with (or, with AUTHLINT_BLESS=1, writes) `fixtures/outputs/<name>`.
fn golden(name: &str, actual: &str) {
    let path = root().join("fixtures/outputs").join(name);
    if std::env::var_os("AUTHLINT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(actual, expected, "{name} differs from its golden file (AUTHLINT_BLESS=1 rewrites it)");
}

#[test]
fn golden_outputs_of_the_example_tenant() {
    for (format, file) in [
        ("json", "tenant.json"),
        ("sarif", "tenant.sarif"),
        ("github", "tenant.github"),
        ("junit", "tenant.junit.xml"),
        ("concise", "tenant.concise"),
    ] {
        let r = run(&["check", "fixtures/tenant", "--format", format]);
        assert_eq!(r.code, 1, "{format}");
        golden(file, &r.stdout);
    }
}

/// The SARIF 2.1.0 schema, as shipped in the serde-sarif crate's sources.
fn sarif_schema() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root())
        .output()
        .expect("cargo metadata");
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata json");
    let manifest = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("serde-sarif is a dependency");
    let schema = Path::new(manifest).parent().expect("dir").join("src/schema.json");
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema).expect("schema file")).expect("schema json");
    // The published schema's pattern for the `language` properties has a stray `]`, which a
    // strict regex engine rejects; authlint never writes those properties, so the pattern is
    // dropped.
    fn drop_broken_patterns(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                if map.get("pattern").and_then(|p| p.as_str()).is_some_and(|p| p.ends_with("]?$")) {
                    map.remove("pattern");
                }
                map.values_mut().for_each(drop_broken_patterns);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(drop_broken_patterns),
            _ => {}
        }
    }
    drop_broken_patterns(&mut schema);
    schema
}

#[test]
fn sarif_output_is_valid_against_the_sarif_2_1_0_schema() {
    let validator = jsonschema::validator_for(&sarif_schema()).expect("a valid schema");
    for dir in ["fixtures/tenant", "fixtures/err", "fixtures/formats"] {
        let r = run(&["check", dir, "--format", "sarif"]);
        let log: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        let errors: Vec<String> =
            validator.iter_errors(&log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        assert!(errors.is_empty(), "{dir}: {errors:#?}");
        assert_eq!(log["version"], "2.1.0");
        let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().expect("rules");
        assert!(
            rules
                .iter()
                .any(|r| r["id"] == "jit-mfa-conflict" && r["defaultConfiguration"]["level"] == "error")
        );
    }
    // Results carry the rule, the level, an exact region, related locations and the path.
    let r = run(&["check", "fixtures/tenant", "--format", "sarif"]);
    let log: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    // The check can fail: a level SARIF does not have is rejected.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
    let result = &log["runs"][0]["results"][1];
    assert_eq!(result["ruleId"], "jit-mfa-conflict");
    assert_eq!(result["level"], "error");
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 15);
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/tenant/Applications/payroll.yml"
    );
    assert!(result["relatedLocations"].as_array().is_some_and(|l| l.len() >= 2));
    assert!(result["codeFlows"][0]["threadFlows"][0]["locations"].as_array().is_some_and(|l| l.len() >= 2));
}

#[test]
fn github_format_is_chosen_on_github_actions() {
    let r = run_in(&root(), &["check", "fixtures/tenant"], &[("GITHUB_ACTIONS", "true")], None);
    assert!(
        r.stdout.starts_with("::warning file=fixtures/tenant/Applications/crm.json,line=13,col=241,"),
        "{}",
        r.stdout
    );
    // An explicit --format wins.
    let r = run_in(
        &root(),
        &["check", "fixtures/tenant", "--format", "concise"],
        &[("GITHUB_ACTIONS", "true")],
        None,
    );
    assert!(r.stdout.starts_with("fixtures/tenant/Applications/crm.json:13:241: warning[jit-mfa-conflict]"));
}

#[test]
fn junit_output_is_well_formed_xml() {
    let r = run(&["check", "fixtures/err", "--format", "junit"]);
    let doc = roxmltree::Document::parse(&r.stdout).expect("well-formed XML");
    let failures: usize = doc.descendants().filter(|n| n.has_tag_name("failure")).count();
    let json: serde_json::Value =
        serde_json::from_str(&run(&["check", "fixtures/err", "--format", "json"]).stdout).expect("json");
    assert_eq!(failures, json["diagnostics"].as_array().expect("list").len());
}

#[test]
fn exit_status_flags() {
    // Warnings only.
    assert_eq!(run(&["check", "fixtures/err/unknown-idp"]).code, 0);
    assert_eq!(run(&["check", "fixtures/err/unknown-idp", "--deny-warnings"]).code, 1);
    // Errors.
    assert_eq!(run(&["check", "fixtures/tenant", "--exit-zero"]).code, 0);
    // Could not run stays 2.
    assert_eq!(run(&["check", "no/such", "--exit-zero"]).code, 2);
    assert_eq!(run(&["check", "fixtures/tenant", "--exit-zero", "--deny-warnings"]).code, 2);
}

#[test]
fn colors_follow_the_flag_and_no_color() {
    let esc = "\u{1b}[";
    let always = run(&["check", "fixtures/tenant", "--color", "always"]);
    assert!(always.stdout.contains(esc));
    let never = run(&["check", "fixtures/tenant", "--color", "never"]);
    assert!(!never.stdout.contains(esc));
    // Not a terminal: auto means no colour, NO_COLOR or not.
    let auto = run_in(&root(), &["check", "fixtures/tenant"], &[("NO_COLOR", "1")], None);
    assert!(!auto.stdout.contains(esc));
}

/// A scratch tenant: the example tenant copied into a temporary directory.
fn scratch() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    let src = root().join("fixtures/tenant");
    for entry in walkdir::WalkDir::new(&src).into_iter().flatten() {
        let target = tmp.path().join(entry.path().strip_prefix(&src).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
    tmp
}

fn rules_of(r: &Run) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr));
    v["diagnostics"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| format!("{} {}", d["rule"].as_str().unwrap_or(""), d["severity"].as_str().unwrap_or("")))
        .collect()
}

#[test]
fn config_file_changes_severities_adds_authenticators_and_excludes() {
    let tmp = scratch();
    // Found in the current directory or above it.
    std::fs::write(
        tmp.path().join(".authlint.yaml"),
        "rules:\n  jit-mfa-conflict: warn\nauthenticators:\n  needs-local-account: [BasicAuthenticator]\nexclude:\n  - Applications/crm.json\n",
    )
    .expect("write");
    let sub = tmp.path().join("Applications");
    let r = run_in(&sub, &["check", "..", "--format", "json"], &[], None);
    assert_eq!(r.code, 0, "warnings only: {}", r.stderr);
    let found = rules_of(&r);
    assert!(found.iter().all(|f| f == "jit-mfa-conflict warning"), "{found:?}");
    let text: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert!(!r.stdout.contains("crm.json"), "excluded");
    assert_eq!(text["summary"]["applications"], 3);
    // --config wins; off turns a rule off.
    std::fs::write(tmp.path().join("other.yaml"), "rules:\n  jit-mfa-conflict: off\n").expect("write");
    let r = run_in(tmp.path(), &["check", ".", "--config", "other.yaml", "--format", "json"], &[], None);
    assert_eq!(rules_of(&r), Vec::<String>::new());
}

#[test]
fn custom_authenticators_from_the_config_need_a_local_account() {
    let tmp = scratch();
    let payroll = tmp.path().join("Applications/payroll.yml");
    let text = std::fs::read_to_string(&payroll)
        .expect("read")
        .replace("authenticator: totp", "authenticator: acme-push");
    std::fs::write(&payroll, text).expect("write");
    let r = run_in(tmp.path(), &["check", ".", "--format", "json"], &[], None);
    assert!(!r.stdout.contains("acme-push"), "not in the catalogue: no finding");
    std::fs::write(
        tmp.path().join(".authlint.yaml"),
        "authenticators:\n  needs-local-account: [acme-push]\n",
    )
    .expect("write");
    let r = run_in(tmp.path(), &["check", ".", "--format", "json"], &[], None);
    assert!(r.stdout.contains("\"authenticator\": \"acme-push\""), "{}", r.stdout);
}

#[test]
fn a_bad_config_file_stops_the_run_naming_key_and_line() {
    let tmp = scratch();
    std::fs::write(tmp.path().join(".authlint.yaml"), "rules:\n  jit-mfa-conflict: loud\n").expect("write");
    let r = run_in(tmp.path(), &["check", "."], &[], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(".authlint.yaml:2:"), "{}", r.stderr);
    std::fs::write(tmp.path().join(".authlint.yaml"), "rules:\n  jit-mfa-conflit: off\n").expect("write");
    let r = run_in(tmp.path(), &["check", "."], &[], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(":2") && r.stderr.contains("jit-mfa-conflit"), "{}", r.stderr);
}

#[test]
fn init_writes_a_starter_config_once() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let r = run_in(tmp.path(), &["init"], &[], None);
    assert_eq!(r.code, 0);
    let written = std::fs::read_to_string(tmp.path().join(".authlint.yaml")).expect("written");
    assert!(written.contains("rules:") && written.contains("needs-local-account"));
    // It is a valid config: a run with it works.
    assert_eq!(run_in(tmp.path(), &["check", "."], &[], None).code, 0);
    // Never overwritten.
    assert_eq!(run_in(tmp.path(), &["init"], &[], None).code, 2);
}

#[test]
fn suppressions_silence_one_rule_and_unused_ones_are_reported() {
    let tmp = scratch();
    // YAML: the whole document.
    let payroll = tmp.path().join("Applications/payroll.yml");
    let text = std::fs::read_to_string(&payroll).expect("read");
    std::fs::write(
        &payroll,
        format!("# authlint-disable jit-mfa-conflict -- accepted until the Google JIT rollout\n{text}"),
    )
    .expect("write");
    // Script: the next line.
    let wiki = tmp.path().join("Applications/wiki.yml");
    let text = std::fs::read_to_string(&wiki).expect("read");
    let text = text.replace(
        "                if (first.idp === LOCAL_IDP) {",
        "                // authlint-disable-next-line guard-never-matches -- stale\n                if (first.idp === LOCAL_IDP) {",
    );
    std::fs::write(&wiki, text).expect("write");
    let r = run_in(tmp.path(), &["check", ".", "--format", "json"], &[], None);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let found: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| (d["rule"].as_str().unwrap_or("").into(), d["file"].as_str().unwrap_or("").into()))
        .collect();
    assert_eq!(
        found,
        [
            ("jit-mfa-conflict".to_string(), "Applications/crm.json".to_string()),
            ("unused-suppression".to_string(), "Applications/wiki.yml".to_string()),
        ]
    );
    // The unused one points at its comment's line.
    assert_eq!(v["diagnostics"][1]["line"], 24);
}

#[test]
fn baselines_hide_known_findings_and_report_stale_entries() {
    let tmp = scratch();
    let r = run_in(tmp.path(), &["check", ".", "--write-baseline", "baseline.json"], &[], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let baseline = std::fs::read_to_string(tmp.path().join("baseline.json")).expect("written");
    assert!(!baseline.contains("\"line\""), "keyed without line numbers:\n{baseline}");
    // Line drift does not matter.
    let payroll = tmp.path().join("Applications/payroll.yml");
    let text = std::fs::read_to_string(&payroll).expect("read");
    std::fs::write(&payroll, format!("# moved down\n\n{text}")).expect("write");
    let r = run_in(tmp.path(), &["check", ".", "--baseline", "baseline.json"], &[], None);
    assert_eq!(r.code, 0, "{}", r.stdout);
    // Fix one: its entry is stale.
    let crm = tmp.path().join("Applications/crm.json");
    let text =
        std::fs::read_to_string(&crm).expect("read").replace("email-otp-authenticator", "BasicAuthenticator");
    std::fs::write(&crm, text).expect("write");
    let r = run_in(tmp.path(), &["check", ".", "--baseline", "baseline.json", "--format", "json"], &[], None);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["diagnostics"][0]["rule"], "stale-baseline");
    assert_eq!(v["diagnostics"][0]["file"], "baseline.json");
    assert!(v["diagnostics"][0]["message"].as_str().unwrap_or("").contains("crm.json"));
    // A broken baseline is a usage error.
    std::fs::write(tmp.path().join("bad.json"), "{").expect("write");
    assert_eq!(run_in(tmp.path(), &["check", ".", "--baseline", "bad.json"], &[], None).code, 2);
}

#[test]
fn stdin_is_one_document_with_the_name_given() {
    let app = std::fs::read_to_string(root().join("fixtures/tenant/Applications/payroll.yml")).expect("read");
    let r = run_in(
        &root(),
        &[
            "check",
            "-",
            "fixtures/tenant/IdentityProviders",
            // The name places the document in its tenant (`fixtures/tenant`), whose IdPs it uses.
            "--stdin-filename",
            "fixtures/tenant/Applications/payroll.yml",
            "--format",
            "concise",
        ],
        &[],
        Some(&app),
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with("fixtures/tenant/Applications/payroll.yml:15:11: error[jit-mfa-conflict]"),
        "{}",
        r.stdout
    );
    // A JSON name makes it JSON.
    let crm = std::fs::read_to_string(root().join("fixtures/tenant/Applications/crm.json")).expect("read");
    let r = run_in(
        &root(),
        &[
            "check",
            "-",
            "fixtures/tenant/IdentityProviders",
            "--stdin-filename",
            "fixtures/tenant/Applications/crm.json",
            "--format",
            "concise",
        ],
        &[],
        Some(&crm),
    );
    assert!(
        r.stdout.starts_with("fixtures/tenant/Applications/crm.json:13:241: warning[jit-mfa-conflict]"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_pre_commit_hook_entry_runs() {
    let hooks = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("hook file");
    let entry =
        hooks.lines().find_map(|l| l.trim().strip_prefix("entry:")).expect("an entry").trim().to_string();
    assert!(hooks.contains("language: rust"));
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("authlint"));
    let args: Vec<&str> = words.collect();
    // pre-commit runs the entry from the repository root (pass_filenames: false).
    let tmp = scratch();
    let r = run_in(tmp.path(), &args, &[], None);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Applications/payroll.yml:15:11: error[jit-mfa-conflict]"), "{}", r.stdout);
}

#[test]
fn oversized_and_special_files_are_reported_and_skipped() {
    let tmp = scratch();
    std::fs::write(tmp.path().join(".authlint.yaml"), "max-file-size: 600\n").expect("write");
    let r = run_in(tmp.path(), &["check", ".", "--format", "json"], &[], None);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let too_large: Vec<&str> = v["diagnostics"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|d| d["message"].as_str().is_some_and(|m| m.contains("max-file-size")))
        .filter_map(|d| d["file"].as_str())
        .collect();
    // crm.json and wiki.yml are over 600 bytes; the others are still checked.
    assert_eq!(too_large, ["Applications/crm.json", "Applications/wiki.yml"]);
    assert!(r.stdout.contains("Applications/payroll.yml"));
    // A FIFO, named or found by the walk, is reported without blocking the run.
    let fifo = tmp.path().join("Applications/pipe.yml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    if made {
        std::fs::remove_file(tmp.path().join(".authlint.yaml")).expect("remove");
        for args in [
            &["check", ".", "--format", "concise"][..],
            &["check", "Applications/pipe.yml", ".", "--format", "concise"][..],
        ] {
            let r = run_in(tmp.path(), args, &[], None);
            assert!(r.stdout.contains("pipe.yml:1:1: error[io-error] not a regular file"), "{}", r.stdout);
            assert!(r.stdout.contains("payroll.yml:15:11: error[jit-mfa-conflict]"));
        }
    }
}

#[test]
fn files_that_cannot_be_read_are_reported_in_path_order() {
    let tmp = scratch();
    let fifos = ["b-pipe.yml", "Applications/z-pipe.yml", "Applications/a-pipe.yml"];
    let made = fifos.iter().all(|f| {
        std::process::Command::new("mkfifo").arg(tmp.path().join(f)).status().is_ok_and(|s| s.success())
    });
    if !made {
        return;
    }
    let broken = tmp.path().join("Applications/m-link.yml");
    if std::os::unix::fs::symlink(tmp.path().join("missing.yml"), &broken).is_err() {
        return;
    }
    // The walk meets the root's own entries first and lists directories in no particular order;
    // the report does not depend on it.
    let r = run_in(tmp.path(), &["check", ".", "--format", "concise"], &[], None);
    let unreadable: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("error[io-error]"))
        .filter_map(|l| l.split(':').next())
        .collect();
    assert_eq!(
        unreadable,
        ["Applications/a-pipe.yml", "Applications/m-link.yml", "Applications/z-pipe.yml", "b-pipe.yml"],
        "{}",
        r.stdout
    );
}
