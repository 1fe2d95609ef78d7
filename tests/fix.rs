//! `authlint fix`: both strategies on every conflict fixture, re-checked and re-applied; diffs
//! as snapshots; byte-exactness on files with comments, CRLF and unusual quoting; and a failed
//! write that leaves the original intact.

use std::collections::BTreeMap;
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

fn authlint(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("authlint")
        .expect("binary")
        .current_dir(dir)
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn copy(src: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    for entry in walkdir::WalkDir::new(src).into_iter().flatten() {
        let target = tmp.path().join(entry.path().strip_prefix(src).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else if entry.file_name() != "expected.txt" {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
    tmp
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).expect("inside").to_path_buf(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect()
}

fn findings(dir: &Path) -> Vec<serde_json::Value> {
    let r = authlint(dir, &["check", ".", "--format", "json"]);
    let v: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout));
    v["diagnostics"].as_array().expect("list").clone()
}

fn is_application(text: &str) -> bool {
    ["authenticationSequence", "ServiceProvider", "applicationName"].iter().any(|k| text.contains(k))
}

/// Every case directory with a JIT/MFA conflict.
fn conflict_cases() -> Vec<PathBuf> {
    let subdirs = |dir: PathBuf| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> =
            std::fs::read_dir(dir).expect("dir").flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
        v.sort();
        v
    };
    let mut dirs = Vec::new();
    dirs.extend(subdirs(root().join("fixtures/err")));
    dirs.extend(subdirs(root().join("fixtures/fix")));
    for flow in subdirs(root().join("fixtures/formats")) {
        if flow.ends_with("mixed") { dirs.push(flow) } else { dirs.extend(subdirs(flow)) }
    }
    dirs.retain(|d| findings(d).iter().any(|f| f["rule"] == "jit-mfa-conflict"));
    dirs.sort();
    assert!(dirs.len() >= 15, "{dirs:?}");
    dirs
}

#[test]
fn both_strategies_fix_every_conflict_fixture_and_are_idempotent() {
    let mut failures = Vec::new();
    for case in conflict_cases() {
        let before_findings = findings(&case);
        let syntax_before = before_findings.iter().filter(|f| f["rule"] == "syntax-error").count();
        for strategy in ["guard", "enable-jit"] {
            let tmp = copy(&case);
            let before = snapshot(tmp.path());
            let r = authlint(tmp.path(), &["fix", ".", "--strategy", strategy]);
            let after = snapshot(tmp.path());
            let name =
                format!("{} --strategy {strategy}", case.strip_prefix(root()).unwrap_or(&case).display());
            if r.code == 2 {
                failures.push(format!("{name}: could not run: {}", r.stderr));
                continue;
            }
            // Only application files (guard) or only IdP files (enable-jit) change.
            for (path, bytes) in &after {
                if before.get(path) != Some(bytes) {
                    let text = String::from_utf8_lossy(&before[path]);
                    let app = is_application(&text);
                    // A multi-document file may hold both kinds.
                    let both =
                        app && (text.contains("provisioning:") || text.contains("identityProviderName"));
                    if !both && app != (strategy == "guard") {
                        failures.push(format!("{name}: edited {} of the wrong kind", path.display()));
                    }
                }
            }
            let left = findings(tmp.path());
            let conflicts_left = left.iter().filter(|f| f["rule"] == "jit-mfa-conflict").count();
            let syntax_after = left.iter().filter(|f| f["rule"] == "syntax-error").count();
            if syntax_after != syntax_before {
                failures.push(format!("{name}: syntax errors {syntax_before} -> {syntax_after}"));
            }
            // Exit 1 exactly when conflicts remain, and each one is explained.
            let not_fixed = r.stdout.matches("not fixed ").count();
            if conflicts_left != not_fixed
                || (r.code == 1) != (conflicts_left > 0)
                || r.stdout.matches("  why: ").count() != not_fixed
            {
                failures.push(format!(
                    "{name}: exit {} with {conflicts_left} conflicts left:\n{}",
                    r.code, r.stdout
                ));
            }
            // A second run changes nothing.
            authlint(tmp.path(), &["fix", ".", "--strategy", strategy]);
            if snapshot(tmp.path()) != after {
                failures.push(format!("{name}: a second run changed files"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn the_example_tenant_is_fully_fixed_by_either_strategy() {
    for strategy in ["guard", "enable-jit"] {
        let tmp = copy(&root().join("fixtures/tenant"));
        let r = authlint(tmp.path(), &["fix", ".", "--strategy", strategy]);
        assert_eq!(r.code, 0, "{}", r.stdout);
        assert_eq!(authlint(tmp.path(), &["check", "."]).code, 0);
        assert!(
            authlint(tmp.path(), &["fix", ".", "--strategy", strategy]).stdout.contains("nothing to fix")
        );
    }
}

#[test]
fn diffs_of_the_example_tenant() {
    for strategy in ["guard", "enable-jit"] {
        let tmp = copy(&root().join("fixtures/tenant"));
        let before = snapshot(tmp.path());
        let r = authlint(tmp.path(), &["fix", ".", "--strategy", strategy, "--diff"]);
        assert_eq!(snapshot(tmp.path()), before, "--diff writes nothing");
        insta::assert_snapshot!(format!("fix_diff_{}", strategy.replace('-', "_")), r.stdout);
    }
}

#[test]
fn fixes_the_check_prints_are_the_edits_fix_applies() {
    let tmp = copy(&root().join("fixtures/tenant"));
    let payroll = tmp.path().join("Applications/payroll.yml");
    let before = std::fs::read_to_string(&payroll).expect("read");
    let finding = findings(tmp.path()).into_iter().find(|f| f["app"] == "payroll").expect("payroll");
    let fix = finding["fixes"]
        .as_array()
        .expect("fixes")
        .iter()
        .find(|f| f["strategy"] == "guard")
        .expect("guard fix")
        .clone();
    let edit = &fix["edits"][0];
    authlint(tmp.path(), &["fix", ".", "--strategy", "guard"]);
    let after = std::fs::read_to_string(&payroll).expect("read");
    // The printed edit, applied by hand to the original, gives the same file.
    let line_start: usize = before
        .split_inclusive('\n')
        .take(edit["line"].as_u64().expect("line") as usize - 1)
        .map(str::len)
        .sum();
    let at = line_start + edit["column"].as_u64().expect("column") as usize - 1;
    let mut by_hand = before.clone();
    by_hand.insert_str(at, edit["replacement"].as_str().expect("text"));
    assert_eq!(after, by_hand);
}

#[test]
fn every_other_byte_stays_as_it_was() {
    let case = root().join("fixtures/fix/unusual");
    for strategy in ["guard", "enable-jit"] {
        let tmp = copy(&case);
        let before = snapshot(tmp.path());
        let r = authlint(tmp.path(), &["fix", ".", "--strategy", strategy]);
        assert_eq!(r.code, 0, "{strategy}: {}", r.stdout);
        let after = snapshot(tmp.path());
        for (path, old) in &before {
            let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(&after[path]));
            if old == new {
                continue;
            }
            // Only insertions and the JIT switch: removing them gives the original back.
            let diff = similar::TextDiff::from_chars(old.as_ref(), new.as_ref());
            let removed: String = diff
                .iter_all_changes()
                .filter(|c| c.tag() == similar::ChangeTag::Delete)
                .map(|c| c.value().to_string())
                .collect();
            assert!(
                removed.is_empty() || removed == "false" || removed == "fals",
                "{strategy} {}: removed {removed:?}",
                path.display()
            );
            // Line endings, comments and the trailing newline survive.
            assert_eq!(
                old.matches("\r\n").count() > 0,
                new.matches("\r\n").count() > 0,
                "{}",
                path.display()
            );
            assert_eq!(
                old.matches('\n').count() - old.matches("\r\n").count(),
                new.matches('\n').count() - new.matches("\r\n").count(),
                "no bare LF added to {}",
                path.display()
            );
            for comment in old.lines().filter_map(|l| l.find('#').map(|i| &l[i..])) {
                assert!(new.contains(comment), "{} lost {comment:?}", path.display());
            }
            assert_eq!(old.ends_with('\n'), new.ends_with('\n'));
        }
        assert!(
            findings(tmp.path())
                .iter()
                .all(|f| f["rule"] != "jit-mfa-conflict" && f["rule"] != "syntax-error")
        );
    }
}

#[test]
fn a_failed_write_leaves_the_original_intact() {
    let tmp = copy(&root().join("fixtures/tenant"));
    let payroll = tmp.path().join("Applications/payroll.yml");
    let before = std::fs::read(&payroll).expect("read");
    // The temporary file's place is taken by a directory: the write must fail.
    std::fs::create_dir(tmp.path().join("Applications/.payroll.yml.authlint-tmp")).expect("mkdir");
    let r = authlint(tmp.path(), &["fix", ".", "--strategy", "guard"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("payroll.yml") && r.stderr.contains("unchanged"), "{}", r.stderr);
    assert_eq!(std::fs::read(&payroll).expect("read"), before);
}

#[test]
fn fix_requires_a_strategy() {
    let r = authlint(&root(), &["fix", "fixtures/tenant"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--strategy"));
}

#[test]
fn enable_jit_adds_the_switch_each_format_lacks() {
    let case = root().join("fixtures/err/jit-switch-absent");
    let tmp = copy(&case);
    let r = authlint(tmp.path(), &["fix", ".", "--strategy", "enable-jit"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let read = |rel: &str| std::fs::read_to_string(tmp.path().join(rel)).expect("read");
    // Exactly the switch (and the server's defaults beside it), in the file's own layout.
    assert_eq!(
        read("rest-block/IdentityProviders/Google.yml"),
        "# provisioning without jit: the console reads JIT as disabled.\nname: Google\nprovisioning:\n  jit:\n    isEnabled: true\n    scheme: PROVISION_SILENTLY\n    userstore: PRIMARY\n  outboundConnectors:\n    connectors: []\n"
    );
    assert_eq!(
        read("rest-json/IdentityProviders/Google.json"),
        "{\n  \"name\": \"Google\",\n  \"provisioning\": {\n    \"jit\": {\"isEnabled\": true, \"scheme\": \"PROVISION_SILENTLY\", \"userstore\": \"PRIMARY\"},\n    \"outboundConnectors\": {\"connectors\": []}\n  }\n}\n"
    );
    assert_eq!(
        read("rest-json-empty/IdentityProviders/Google.json"),
        "{\"name\": \"Google\", \"provisioning\": {\"jit\": {\"isEnabled\": true, \"scheme\": \"PROVISION_SILENTLY\", \"userstore\": \"PRIMARY\"}}}\n"
    );
    assert_eq!(
        read("bean-none/IdentityProviders/Google.yml"),
        "--- !!org.wso2.carbon.identity.application.common.model.IdentityProvider\nalias: https://accounts.google.com\njustInTimeProvisioningConfig:\n  provisioningEnabled: true\n  provisioningUserStore: PRIMARY\nidentityProviderName: Google\nprimary: false\n"
    );
    assert_eq!(
        read("bean-null/IdentityProviders/Google.yml"),
        "--- !!org.wso2.carbon.identity.application.common.model.IdentityProvider\nidentityProviderName: Google\njustInTimeProvisioningConfig:\n  provisioningEnabled: true\n  provisioningUserStore: PRIMARY\nprimary: false\n"
    );
    assert_eq!(
        read("bean-map/IdentityProviders/Google.yml"),
        "--- !!org.wso2.carbon.identity.application.common.model.IdentityProvider\nidentityProviderName: Google\njustInTimeProvisioningConfig: !!org.wso2.carbon.identity.application.common.model.JustInTimeProvisioningConfig\n  provisioningEnabled: true\n  modifyUserNameAllowed: false\n  promptConsent: false\n"
    );
    assert_eq!(
        read("xml-none/IdentityProviders/Google.xml"),
        "<IdentityProvider>\n    <IdentityProviderName>Google</IdentityProviderName>\n    <JustInTimeProvisioningConfig>\n        <IsProvisioningEnabled>true</IsProvisioningEnabled>\n        <ProvisioningUserStore>PRIMARY</ProvisioningUserStore>\n    </JustInTimeProvisioningConfig>\n    <IsEnabled>true</IsEnabled>\n</IdentityProvider>\n"
    );
    assert_eq!(
        read("xml-el/IdentityProviders/Google.xml"),
        "<IdentityProvider>\n    <IdentityProviderName>Google</IdentityProviderName>\n    <JustInTimeProvisioningConfig><IsProvisioningEnabled>true</IsProvisioningEnabled>\n        <ProvisioningUserStore>PRIMARY</ProvisioningUserStore>\n    </JustInTimeProvisioningConfig>\n</IdentityProvider>\n"
    );
    // Then nothing is left, and a second run changes nothing.
    let check = authlint(tmp.path(), &["check", ".", "--format", "concise"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    let before = snapshot(tmp.path());
    authlint(tmp.path(), &["fix", ".", "--strategy", "enable-jit"]);
    assert_eq!(snapshot(tmp.path()), before);
}

#[test]
fn guard_adds_a_script_in_every_format_and_leaves_the_default_flow_when_it_must() {
    for flow in ["no-script", "default-flow"] {
        for format in ["rest-yaml", "rest-json", "legacy-yaml", "xml"] {
            let tmp = copy(&root().join("fixtures/formats").join(flow).join(format));
            let r = authlint(tmp.path(), &["fix", ".", "--strategy", "guard"]);
            assert_eq!(r.code, 0, "{flow}/{format}: {}{}", r.stdout, r.stderr);
            let check = authlint(tmp.path(), &["check", ".", "--format", "concise"]);
            assert_eq!(check.code, 0, "{flow}/{format}: {}", check.stdout);
            let text = walkdir::WalkDir::new(tmp.path())
                .into_iter()
                .flatten()
                .filter(|e| e.file_type().is_file())
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .find(|t| is_application(t))
                .unwrap_or_default();
            let wanted = match format {
                "legacy-yaml" => "authenticationScriptConfig:",
                "xml" => {
                    "<AuthenticationScript language=\"application/javascript\" enabled=\"true\"><![CDATA["
                }
                _ => "onLoginRequest",
            };
            assert!(text.contains(wanted), "{flow}/{format}:\n{text}");
            if flow == "default-flow" {
                let own = if format.starts_with("rest") { "USER_DEFINED" } else { "flow" };
                assert!(text.contains(own), "{flow}/{format} still on the default flow:\n{text}");
            }
            // A second run changes nothing.
            let before = snapshot(tmp.path());
            authlint(tmp.path(), &["fix", ".", "--strategy", "guard"]);
            assert_eq!(snapshot(tmp.path()), before, "{flow}/{format}");
        }
    }
}

#[test]
fn guard_moves_top_level_steps_into_the_subject_steps_on_success() {
    let tmp = copy(&root().join("fixtures/err/top-level-sequences"));
    let r = authlint(tmp.path(), &["fix", ".", "--strategy", "guard"]);
    // Two cases decline (code between the calls, an onFail): exit 1, each with its reason.
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let read = |rel: &str| std::fs::read_to_string(tmp.path().join(rel)).expect("read");
    let script = |rel: &str| {
        let text = read(rel);
        text[text.find("  script: |\n").expect("a script") + 12..].to_string()
    };
    assert_eq!(
        script("sequence/Applications/app.yml"),
        "    var onLoginRequest = function (context) {\n        executeStep(1, {\n            onSuccess: function (context) {\n                if (context.steps[1].idp == 'LOCAL') {\n                    executeStep(2);\n                }\n                executeStep(3);\n            }\n        });\n    };\n"
    );
    // The existing onSuccess keeps its parameter name, and gets the guard in it.
    assert_eq!(
        script("callback-then-top/Applications/app.yml"),
        "    var onLoginRequest = function (ctx) {\n        executeStep(1, {\n            onSuccess: function (ctx) {\n                Log.info('step 1 done');\n                if (ctx.steps[1].idp == 'LOCAL') {\n                    executeStep(2);\n                }\n            }\n        });\n    };\n"
    );
    // Options stay the second of three arguments.
    assert!(
        script("options-in-call/Applications/app.yml").starts_with(
            "    var onLoginRequest = function (context) {\n        executeStep(1, { authenticationOptions: [{ idp: 'Google' }, { authenticator: 'BasicAuthenticator' }] }, {\n            onSuccess: function (context) {"
        ),
        "{}",
        script("options-in-call/Applications/app.yml")
    );
    // In a JSON string the new lines are escaped.
    assert!(read("json/Applications/app.json").contains(
        "\"script\": \"var onLoginRequest = function (context) {\\n    executeStep(1, {\\n        onSuccess: function (context) {\\n            if (context.steps[1].idp == 'LOCAL') {\\n                executeStep(2);\\n            }\\n        }\\n    });\\n};\\n\""
    ));
    // The declined ones are untouched, and say why.
    let original = |rel: &str| {
        std::fs::read_to_string(root().join("fixtures/err/top-level-sequences").join(rel)).expect("read")
    };
    for case in ["code-between", "onfail"] {
        let rel = format!("{case}/Applications/app.yml");
        assert_eq!(read(&rel), original(&rel), "{case} was changed");
    }
    let (_, report) = {
        let out = authlint(tmp.path(), &["check", ".", "--format", "json"]);
        (out.code, serde_json::from_str::<serde_json::Value>(&out.stdout).expect("json"))
    };
    let helps: Vec<String> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == "jit-mfa-conflict")
        .map(|d| d["help"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(helps.len(), 2, "{helps:?}");
    assert!(
        helps.iter().any(|h| h.contains("`var roles = ['admin'];` runs before step 1 on the server")),
        "{helps:?}"
    );
    assert!(helps.iter().any(|h| h.contains("has an onFail callback")), "{helps:?}");
    // A second run changes nothing.
    let before = snapshot(tmp.path());
    authlint(tmp.path(), &["fix", ".", "--strategy", "guard"]);
    assert_eq!(snapshot(tmp.path()), before);
}
