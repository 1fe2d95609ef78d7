//! `authlint server` driven over stdio by a real client, through whole editing sessions.

mod support;

use serde_json::{Value, json};
use support::lsp::{
    Client, GOOGLE, PAYROLL, actions_at, apply_edits, client_uri, codes, edits_for, has, lacks, read, titled,
    utf16,
};

#[test]
fn an_unsaved_idp_edit_changes_another_files_diagnostics_and_a_quick_fix_clears_a_finding() {
    let tenant = support::copy_fixture("tenant");
    let (mut client, init) = Client::initialized(tenant.path(), utf16());
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    // Incremental synchronisation (2): changes carry ranges.
    assert_eq!(init["capabilities"]["textDocumentSync"]["change"], 2);
    // The file watchers are registered, as the client allows it.
    let registration =
        client.expect("a watcher registration", |m| m["method"] == "client/registerCapability");
    assert_eq!(registration["params"]["registrations"][0]["method"], "workspace/didChangeWatchedFiles");

    let payroll = client.diagnostics(PAYROLL, has("jit-mfa-conflict"));
    let conflict = payroll.iter().find(|d| d["code"] == "jit-mfa-conflict").expect("the conflict");
    assert_eq!(conflict["severity"], 1, "{conflict}");
    assert_eq!(conflict["source"], "authlint");
    // Related information points at the IdP's JIT setting in its own file.
    let related = conflict["relatedInformation"].as_array().expect("related information");
    assert!(related.iter().any(|r| r["location"]["uri"] == client.uri(GOOGLE).as_str()), "{related:#?}");

    // Turning JIT on in an unsaved buffer of the IdP clears the application's finding...
    let google = read(&client, GOOGLE);
    let jit_on = google.replace("isEnabled: false", "isEnabled: true");
    assert_ne!(google, jit_on);
    client.open(GOOGLE, &google);
    client.change(GOOGLE, 2, &jit_on);
    client.diagnostics(PAYROLL, lacks("jit-mfa-conflict"));
    // ...and turning it off again brings it back.
    client.change(GOOGLE, 3, &google);
    let payroll = client.diagnostics(PAYROLL, has("jit-mfa-conflict"));

    // The two remedies are separate quick fixes; enabling JIT edits the IdP's file.
    let actions = actions_at(&mut client, PAYROLL, &payroll, "jit-mfa-conflict");
    let enable = titled(&actions, "JIT");
    assert!(!edits_for(enable, &client.uri(GOOGLE)).is_empty(), "{enable:#}");
    let guard = actions
        .iter()
        .find(|a| !edits_for(a, &client.uri(PAYROLL)).is_empty() && a["title"] != enable["title"])
        .expect("a guard fix in the application's file");
    assert_eq!(guard["kind"], "quickfix");
    // No fix-all: the two remedies change security behaviour.
    assert!(actions.iter().all(|a| a["kind"] == "quickfix"), "{actions:#?}");

    // Applying the guard in the editor clears the finding.
    let text = read(&client, PAYROLL);
    let guarded = apply_edits(&text, &edits_for(guard, &client.uri(PAYROLL)));
    client.open(PAYROLL, &text);
    client.change(PAYROLL, 2, &guarded);
    let after = client.diagnostics(PAYROLL, lacks("jit-mfa-conflict"));
    assert!(!codes(&after).iter().any(|c| c == "syntax-error"), "{after:#?}");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn columns_count_utf16_code_units_before_a_finding_on_the_same_line() {
    let script_line = "        /* é𝄞 */ executeStep(2);";
    let app = format!(
        "name: café\nauthenticationSequence:\n  type: USER_DEFINED\n  steps:\n    - id: 1\n      options:\n        \
         - idp: Google\n          authenticator: GoogleOIDCAuthenticator\n    - id: 2\n      options:\n        \
         - idp: LOCAL\n          authenticator: totp\n  script: |\n    var onLoginRequest = function (context) {{\n      \
         executeStep(1, {{ onSuccess: function (context) {{\n{script_line}\n      }} }});\n    }};\n"
    );
    let google =
        std::fs::read_to_string(support::copy_fixture("tenant").path().join(GOOGLE)).expect("fixture");
    let tenant = support::tenant_dir(&[("Applications/cafe.yml", &app), (GOOGLE, &google)]);
    let (mut client, _) = Client::initialized(tenant.path(), json!({}));
    let found = client.diagnostics("Applications/cafe.yml", has("jit-mfa-conflict"));
    let d = found.iter().find(|d| d["code"] == "jit-mfa-conflict").expect("the conflict");
    let line = app.lines().position(|l| l == script_line).expect("the line") as u64;
    assert_eq!(d["range"]["start"]["line"], line, "{d:#}");
    // Before `executeStep`: 8 spaces, `/* `, é (1 unit), 𝄞 (2 units), ` */ `: 18 units (22 bytes).
    let before = &script_line[..script_line.find("executeStep").expect("call")];
    assert_eq!(before.encode_utf16().count(), 18);
    assert_eq!(d["range"]["start"]["character"], 18, "{d:#}");
    assert_eq!(client.shutdown(), 0);

    // A client that offers UTF-8 gets byte columns.
    let (mut client, init) =
        Client::initialized(tenant.path(), json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let found = client.diagnostics("Applications/cafe.yml", has("jit-mfa-conflict"));
    let d = found.iter().find(|d| d["code"] == "jit-mfa-conflict").expect("the conflict");
    assert_eq!(d["range"]["start"]["character"], before.len() as u64, "{d:#}");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn the_server_survives_bad_input() {
    let tenant = support::copy_fixture("tenant");
    std::fs::write(tenant.path().join(".authlint.yaml"), "max-file-size: 4000\n").expect("config");
    let (mut client, _) = Client::initialized(tenant.path(), json!({}));
    client.diagnostics(PAYROLL, has("jit-mfa-conflict"));

    // Not JSON: a parse error with a null id; the next message is still read.
    client.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    let error = client.expect("a parse error", |m| m["error"]["code"] == -32700);
    assert_eq!(error["id"], Value::Null);
    // A header without a length, then an unknown method.
    client.send_raw(b"Content-Type: x\r\n\r\n");
    let unknown = client.request("authlint/unknown", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    // Parameters of the wrong shape.
    let bad = client.request("textDocument/codeAction", json!({"textDocument": 5}));
    assert_eq!(bad["error"]["code"], -32602, "{bad}");

    // Broken YAML mid-edit: a syntax error, and the finding is back once the text is whole.
    let text = read(&client, PAYROLL);
    client.open(PAYROLL, &text);
    client.change(PAYROLL, 2, &text.replace("steps:", "steps: [\n  {"));
    client.diagnostics(PAYROLL, has("syntax-error"));
    client.change(PAYROLL, 3, &text);
    client.diagnostics(PAYROLL, has("jit-mfa-conflict"));

    // A buffer over `max-file-size` is skipped with a finding, not read.
    client.change(PAYROLL, 4, &format!("{text}{}", "#\n".repeat(3000)));
    client.diagnostics(PAYROLL, has("io-error"));

    // A file deleted while open keeps its buffer; closed, its findings go.
    client.change(PAYROLL, 5, &text);
    client.diagnostics(PAYROLL, has("jit-mfa-conflict"));
    std::fs::remove_file(tenant.path().join(PAYROLL)).expect("delete");
    let uri = client.uri(PAYROLL);
    client.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri, "type": 3}]}));
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    client.diagnostics(PAYROLL, |d| d.is_empty());

    // A panic while analysing one application is caught: a finding says so, the others stay.
    let panicking = text.replace("name: payroll", "name: authlint-test-panic");
    client.open("Applications/panic.yml", &panicking);
    let found = client.diagnostics("Applications/panic.yml", has("analysis-incomplete"));
    assert!(
        found.iter().any(|d| d["message"].as_str().is_some_and(|m| m.contains("internal error"))),
        "{found:#?}"
    );
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": client.uri(GOOGLE)}, "position": {"line": 99, "character": 0}}),
    );
    assert_eq!(hover["result"], Value::Null);
    assert!(client.is_running());

    // After `shutdown`, requests are refused; `exit` ends with status 0.
    let response = client.request("shutdown", Value::Null);
    assert_eq!(response["result"], Value::Null);
    assert!(response.get("error").is_none());
    let late = client.request("textDocument/hover", json!({}));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    client.notify("exit", Value::Null);
    assert_eq!(client.wait(), 0);
}

#[test]
fn exit_without_shutdown_ends_with_status_1_and_requests_before_initialize_are_refused() {
    let tenant = support::copy_fixture("tenant");
    let mut client = Client::start(tenant.path());
    let early = client.request("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    client.notify("exit", Value::Null);
    assert_eq!(client.wait(), 1);
}

#[test]
fn config_changes_on_disk_and_watched_files_are_followed() {
    let tenant = support::copy_fixture("tenant");
    let (mut client, _) = Client::initialized(tenant.path(), json!({}));
    client.diagnostics(PAYROLL, has("jit-mfa-conflict"));

    // `.authlint.yaml` turning the rule off clears the finding.
    std::fs::write(tenant.path().join(".authlint.yaml"), "rules:\n  jit-mfa-conflict: off\n")
        .expect("config");
    let config = client.uri(".authlint.yaml");
    client.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": config, "type": 1}]}));
    client.diagnostics(PAYROLL, lacks("jit-mfa-conflict"));
    std::fs::remove_file(tenant.path().join(".authlint.yaml")).expect("delete");
    client.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": config, "type": 3}]}));
    client.diagnostics(PAYROLL, has("jit-mfa-conflict"));

    // A file changed on disk (saved by another program) is read again.
    let google = std::fs::read_to_string(tenant.path().join(GOOGLE)).expect("fixture");
    std::fs::write(tenant.path().join(GOOGLE), google.replace("isEnabled: false", "isEnabled: true"))
        .expect("write");
    let uri = client.uri(GOOGLE);
    client.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri, "type": 2}]}));
    client.diagnostics(PAYROLL, lacks("jit-mfa-conflict"));

    // A new application file created on disk joins the workspace.
    let payroll = std::fs::read_to_string(tenant.path().join(PAYROLL)).expect("fixture");
    let other = payroll.replace("name: payroll", "name: payroll-2").replace("idp: Google", "idp: Gogle");
    std::fs::write(tenant.path().join("Applications/payroll-2.yml"), other).expect("write");
    let uri = client.uri("Applications/payroll-2.yml");
    client.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri, "type": 1}]}));
    client.diagnostics("Applications/payroll-2.yml", has("unknown-idp"));
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn an_edit_analyses_only_what_it_can_change() {
    let tenant = support::copy_fixture("tenant");
    let (mut client, _) = Client::initialized(tenant.path(), json!({}));
    let analysed = |m: &Value| {
        m["method"] == "window/logMessage"
            && m["params"]["message"].as_str().is_some_and(|s| s.starts_with("analysed"))
    };
    let first = client.expect("the first check", analysed);
    assert!(first["params"]["message"].as_str().unwrap_or("").starts_with("analysed 4 of 4"), "{first}");
    client.diagnostics(PAYROLL, has("jit-mfa-conflict"));

    // An edit to one application analyses that one.
    let text = read(&client, PAYROLL);
    client.open(PAYROLL, &text);
    client.change(PAYROLL, 2, &text.replace("# Step 1", "# Edited: step 1"));
    let edit = client.expect("the check after an edit", analysed);
    assert!(edit["params"]["message"].as_str().unwrap_or("").starts_with("analysed 1 of 4"), "{edit}");

    // An edit to Google analyses the three applications that offer it.
    let google = read(&client, GOOGLE);
    client.open(GOOGLE, &google);
    client.change(GOOGLE, 2, &google.replace("isEnabled: false", "isEnabled: true"));
    let idp = client.expect("the check after an IdP edit", analysed);
    assert!(idp["params"]["message"].as_str().unwrap_or("").starts_with("analysed 3 of 4"), "{idp}");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn disable_comments_fix_all_and_hover() {
    let script = "var onLoginRequest = function (context) {\n  executeStep(1, { onSuccess: function (context) {\n    \
                  if (context.steps[1].idp != 'local') {\n      executeStep(2);\n    }\n  } });\n};\n";
    let indented: String = script.lines().map(|l| format!("    {l}\n")).collect();
    let app = format!(
        "name: kiosk\nauthenticationSequence:\n  type: USER_DEFINED\n  steps:\n    - id: 1\n      options:\n        \
         - idp: LOCAL\n          authenticator: BasicAuthenticator\n        - idp: Google\n          \
         authenticator: GoogleOIDCAuthenticator\n    - id: 2\n      options:\n        - idp: LOCAL\n          \
         authenticator: totp\n  script: |\n{indented}"
    );
    let google =
        std::fs::read_to_string(support::copy_fixture("tenant").path().join(GOOGLE)).expect("fixture");
    let tenant = support::tenant_dir(&[("Applications/kiosk.yml", &app), (GOOGLE, &google)]);
    let (mut client, _) = Client::initialized(tenant.path(), json!({}));
    let rel = "Applications/kiosk.yml";
    let uri = client.uri(rel);
    let found = client.diagnostics(rel, has("guard-never-matches"));
    assert!(codes(&found).iter().any(|c| c == "jit-mfa-conflict"), "{found:#?}");

    // Fix-all applies the safe fix (`'local'` -> `'LOCAL'`) and nothing else.
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
               "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let actions = response["result"].as_array().cloned().unwrap_or_default();
    assert_eq!(actions.len(), 1, "{actions:#?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.authlint");
    let edits = edits_for(&actions[0], &uri);
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(edits[0]["newText"], "LOCAL");
    assert!(actions[0]["edit"]["changes"].as_object().is_some_and(|c| c.len() == 1), "only this file");

    // "Disable for this line" puts the comment in the script; the finding goes, and the
    // comment's rule id shows its documentation on hover.
    let actions = actions_at(&mut client, rel, &found, "jit-mfa-conflict");
    let disable = titled(&actions, "Disable jit-mfa-conflict for this line");
    let disabled = apply_edits(&app, &edits_for(disable, &uri));
    assert!(
        disabled
            .contains("          // authlint-disable-next-line jit-mfa-conflict\n          executeStep(2);"),
        "{disabled}"
    );
    client.open(rel, &app);
    client.change(rel, 2, &disabled);
    let after = client.diagnostics(rel, lacks("jit-mfa-conflict"));
    assert!(!codes(&after).iter().any(|c| c == "unused-suppression"), "{after:#?}");
    let line = disabled.lines().position(|l| l.contains("authlint-disable-next-line")).expect("comment");
    let column = disabled.lines().nth(line).and_then(|l| l.find("jit-mfa")).expect("rule id") + 3;
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": column}}),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.starts_with("**jit-mfa-conflict**"), "{hover:#}");
    assert!(text.contains("## What it does"), "{text}");

    // "Disable for this document" in YAML: a `#` comment at the document's start.
    let actions = actions_at(&mut client, rel, &found, "guard-never-matches");
    let disable = titled(&actions, "Disable guard-never-matches for this document");
    let disabled = apply_edits(&app, &edits_for(disable, &uri));
    assert!(disabled.starts_with("# authlint-disable guard-never-matches\nname: kiosk"), "{disabled}");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn a_script_in_a_json_string_takes_a_disable_comment_and_json_none_for_the_document() {
    let tenant = support::copy_fixture("tenant");
    let (mut client, _) = Client::initialized(tenant.path(), json!({}));
    let rel = "Applications/crm.json";
    let uri = client.uri(rel);
    let found = client.diagnostics(rel, has("jit-mfa-conflict"));
    let actions = actions_at(&mut client, rel, &found, "jit-mfa-conflict");
    assert!(
        actions.iter().all(|a| !a["title"].as_str().unwrap_or("").contains("for this document")),
        "{actions:#?}"
    );
    let disable = titled(&actions, "Disable jit-mfa-conflict for this line");
    let text = read(&client, rel);
    let disabled = apply_edits(&text, &edits_for(disable, &uri));
    assert!(disabled.contains("// authlint-disable-next-line jit-mfa-conflict\\n"), "{disabled}");
    assert!(serde_json::from_str::<Value>(&disabled).is_ok(), "still JSON: {disabled}");
    client.open(rel, &text);
    client.change(rel, 2, &disabled);
    let after = client.diagnostics(rel, lacks("jit-mfa-conflict"));
    assert!(!codes(&after).iter().any(|c| c == "unused-suppression"), "{after:#?}");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn an_idp_buffer_that_does_not_parse_keeps_its_last_good_idps() {
    let tenant = support::copy_fixture("tenant");
    let (mut client, _) = Client::initialized(tenant.path(), json!({}));
    client.diagnostics(PAYROLL, has("jit-mfa-conflict"));
    let google = read(&client, GOOGLE);
    client.open(GOOGLE, &google);
    // Mid-edit: not YAML. The IdP file shows the syntax error...
    client.change(GOOGLE, 2, &google.replace("provisioning:", "provisioning: ["));
    client.diagnostics(GOOGLE, has("syntax-error"));
    let analysed = |m: &Value| m["method"] == "window/logMessage";
    client.expect("the check after the edit", analysed);
    // ...and the applications using Google keep their findings (no `unknown-idp`), but no fix
    // that would edit the broken buffer is offered.
    let uri = client.uri(PAYROLL);
    let d = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}},
               "context": {"diagnostics": []}}),
    );
    let actions = d["result"].as_array().cloned().unwrap_or_default();
    assert!(
        actions.iter().any(|a| a["title"].as_str().is_some_and(|t| t.contains("script"))),
        "{actions:#?}"
    );
    assert!(!actions.iter().any(|a| !edits_for(a, &client.uri(GOOGLE)).is_empty()), "{actions:#?}");
    // (Published again or not, payroll still has the conflict and no `unknown-idp`.)
    assert!(!client.inbox_has(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri.as_str()
            && m["params"]["diagnostics"]
                .as_array()
                .is_some_and(|d| !has("jit-mfa-conflict")(d) || has("unknown-idp")(d))
    }));
    // Whole again, with JIT on: the finding goes.
    client.change(GOOGLE, 3, &google.replace("isEnabled: false", "isEnabled: true"));
    client.diagnostics(PAYROLL, lacks("jit-mfa-conflict"));
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn each_workspace_folder_is_checked_on_its_own_and_folders_come_and_go() {
    let base = tempfile::tempdir().expect("temporary directory");
    let fixture = support::copy_fixture("tenant");
    for folder in ["dev", "staging"] {
        for rel in [PAYROLL, GOOGLE] {
            let to = base.path().join(folder).join(rel);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(fixture.path().join(rel), to).expect("copy");
        }
    }
    // Staging turns JIT on, and has its own config.
    let staging_google = base.path().join("staging").join(GOOGLE);
    let text = std::fs::read_to_string(&staging_google).expect("read");
    std::fs::write(&staging_google, text.replace("isEnabled: false", "isEnabled: true")).expect("write");
    std::fs::write(base.path().join("staging/.authlint.yaml"), "rules:\n  unknown-idp: off\n")
        .expect("config");

    let mut client = Client::start(base.path());
    let folder = |name: &str| json!({"uri": client_uri(base.path(), name), "name": name});
    let response = client.request(
        "initialize",
        json!({"capabilities": {}, "workspaceFolders": [folder("dev"), folder("staging")]}),
    );
    assert_eq!(response["result"]["capabilities"]["workspace"]["workspaceFolders"]["supported"], true);
    client.notify("initialized", json!({}));
    client.diagnostics(&format!("dev/{PAYROLL}"), has("jit-mfa-conflict"));
    client.expect("the first check", |m| m["method"] == "window/logMessage");
    // Staging's payroll has nothing to report: an edit there that breaks the IdP name is
    // silenced by staging's own config.
    let staging_payroll = format!("staging/{PAYROLL}");
    let text = std::fs::read_to_string(base.path().join(&staging_payroll)).expect("read");
    client.open(&staging_payroll, &text);
    client.change(&staging_payroll, 2, &text.replace("idp: Google", "idp: Gogle"));
    client.expect("the check after the edit", |m| m["method"] == "window/logMessage");
    let staging_uri = client.uri(&staging_payroll);
    assert!(!client.inbox_has(|m| m["params"]["uri"] == staging_uri.as_str()), "no findings in staging");

    // Removing the dev folder clears its findings.
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [folder("dev")]}}),
    );
    client.diagnostics(&format!("dev/{PAYROLL}"), |d| d.is_empty());
    assert_eq!(client.shutdown(), 0);
}

/// Review findings: each a session that went wrong once.
mod review {
    use super::*;

    #[test]
    fn a_fix_for_a_file_changed_on_disk_unannounced_is_computed_on_its_new_text() {
        let tenant = support::copy_fixture("tenant");
        // No watchers: the client never says that Google.yml changed.
        let (mut client, _) = Client::initialized(tenant.path(), json!({}));
        let payroll = client.diagnostics(PAYROLL, has("jit-mfa-conflict"));
        let google = read(&client, GOOGLE);
        let moved = format!("# owner: IAM team\n# reviewed: 2026\n{google}");
        std::fs::write(tenant.path().join(GOOGLE), &moved).expect("write");
        let actions = actions_at(&mut client, PAYROLL, &payroll, "jit-mfa-conflict");
        let enable = titled(&actions, "JIT");
        let fixed = apply_edits(&moved, &edits_for(enable, &client.uri(GOOGLE)));
        assert!(fixed.contains("  jit:\n    isEnabled: true\n"), "{fixed}");
        assert!(fixed.starts_with("# owner: IAM team\n# reviewed: 2026\nname: Google\n"), "{fixed}");
        assert_eq!(client.shutdown(), 0);
    }

    #[test]
    fn a_panic_while_reading_a_file_is_a_finding_and_requests_are_still_answered() {
        let tenant = support::copy_fixture("tenant");
        let (mut client, _) = Client::initialized(tenant.path(), json!({}));
        client.diagnostics(PAYROLL, has("jit-mfa-conflict"));
        let text = read(&client, PAYROLL);
        client.open(
            "Applications/b.yml",
            &text.replace("name: payroll", "name: b").replace("idp: Google", "idp: Nope"),
        );
        client.open("Applications/a.yml", "# authlint-test-panic-on-load\n");
        let found = client.diagnostics("Applications/a.yml", has("io-error"));
        assert!(found[0]["message"].as_str().is_some_and(|m| m.contains("internal error")), "{found:#?}");
        client.diagnostics("Applications/b.yml", has("unknown-idp"));
        let hover = client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": client.uri(PAYROLL)}, "position": {"line": 0, "character": 0}}),
        );
        assert!(hover.get("error").is_none(), "{hover}");
        assert_eq!(client.shutdown(), 0);
    }

    #[test]
    fn directories_created_and_deleted_on_disk_are_followed() {
        let base = tempfile::tempdir().expect("temporary directory");
        let fixture = support::copy_fixture("tenant");
        for rel in [PAYROLL, GOOGLE] {
            let to = base.path().join("prod").join(rel);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(fixture.path().join(rel), to).expect("copy");
        }
        let (mut client, _) = Client::initialized(base.path(), json!({}));
        let prod = format!("prod/{PAYROLL}");
        client.diagnostics(&prod, has("jit-mfa-conflict"));
        // `cp -r prod dev`: one event for the directory.
        for rel in [PAYROLL, GOOGLE] {
            let to = base.path().join("dev").join(rel);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(fixture.path().join(rel), to).expect("copy");
        }
        let dev = client.uri("dev");
        client.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": dev, "type": 1}]}));
        client.diagnostics(&format!("dev/{PAYROLL}"), has("jit-mfa-conflict"));
        // `rm -r prod`: one event for the directory.
        std::fs::remove_dir_all(base.path().join("prod")).expect("rm");
        let uri = client.uri("prod");
        client.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": uri, "type": 3}]}));
        client.diagnostics(&prod, |d| d.is_empty());
        assert_eq!(client.shutdown(), 0);
    }

    #[test]
    fn an_open_buffer_follows_the_exclusions_of_the_config() {
        let tenant = support::copy_fixture("tenant");
        let (mut client, _) = Client::initialized(tenant.path(), json!({}));
        client.diagnostics(PAYROLL, has("jit-mfa-conflict"));
        let text = read(&client, PAYROLL);
        client.open(PAYROLL, &text);
        let config = client.uri(".authlint.yaml");
        std::fs::write(tenant.path().join(".authlint.yaml"), "exclude:\n  - \"Applications/payroll.yml\"\n")
            .expect("config");
        client.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": config, "type": 1}]}));
        client.diagnostics(PAYROLL, |d| d.is_empty());
        // Edited while excluded, then the exclusion goes: the buffer's text counts.
        client.change(PAYROLL, 2, &text.replace("idp: Google", "idp: Nope"));
        std::fs::remove_file(tenant.path().join(".authlint.yaml")).expect("rm");
        client.notify("workspace/didChangeWatchedFiles", json!({"changes": [{"uri": config, "type": 3}]}));
        let found = client.diagnostics(PAYROLL, |d| !d.is_empty());
        assert!(has("unknown-idp")(&found) && lacks("jit-mfa-conflict")(&found), "{found:#?}");
        assert_eq!(client.shutdown(), 0);
    }

    #[test]
    fn without_a_folder_only_open_documents_are_checked() {
        // The process runs in the repository, full of fixtures: none of them may be read.
        let tenant = support::copy_fixture("tenant");
        let mut client = Client::start(tenant.path());
        client.request("initialize", json!({"capabilities": {}, "rootUri": null}));
        client.notify("initialized", json!({}));
        let text = read(&client, PAYROLL);
        client.open(PAYROLL, &text);
        // Alone (its IdP file is not open), payroll names an unknown IdP.
        client.diagnostics(PAYROLL, has("unknown-idp"));
        assert!(
            !client.inbox_has(|m| m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] != client.uri(PAYROLL).as_str()),
            "only the open document"
        );
        assert_eq!(client.shutdown(), 0);
    }

    #[test]
    fn suppression_edits_keep_what_still_works() {
        let text = read_fixture(PAYROLL).replace("idp: Google", "idp: Nope");
        let text = format!(
            "# authlint-disable unknown-idp, unused-step -- migration\r\ndescription: |\r\n  --- owner: IAM ---\r\n{}",
            text.replace('\n', "\r\n")
        );
        let tenant = support::tenant_dir(&[(PAYROLL, &text)]);
        let (mut client, _) = Client::initialized(tenant.path(), json!({}));
        let found = client.diagnostics(PAYROLL, has("unused-suppression"));
        // The comment still silences unknown-idp (an indented `---` starts no document).
        assert!(lacks("unknown-idp")(&found), "{found:#?}");
        let uri = client.uri(PAYROLL);
        let everything = json!({"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}});
        let response = client.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": everything, "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
        );
        assert_eq!(response["result"], json!([]), "fix-all would delete a comment still in use");
        let actions = actions_at(&mut client, PAYROLL, &found, "unused-suppression");
        assert!(
            actions.iter().all(|a| !a["title"].as_str().unwrap_or("").starts_with("Disable")),
            "{actions:#?}"
        );
        assert_eq!(client.shutdown(), 0);
    }

    #[test]
    fn disable_comments_in_crlf_files_use_crlf_and_hover_reads_ids_before_the_xml_close() {
        let text = read_fixture(PAYROLL).replace('\n', "\r\n");
        let tenant = support::tenant_dir(&[(PAYROLL, &text), (GOOGLE, &read_fixture(GOOGLE))]);
        let (mut client, _) = Client::initialized(tenant.path(), json!({}));
        let found = client.diagnostics(PAYROLL, has("jit-mfa-conflict"));
        let actions = actions_at(&mut client, PAYROLL, &found, "jit-mfa-conflict");
        let disable = titled(&actions, "for this document");
        let edits = edits_for(disable, &client.uri(PAYROLL));
        assert_eq!(edits[0]["newText"], "# authlint-disable jit-mfa-conflict\r\n");

        let xml = "<!-- authlint-disable jit-mfa-conflict-->\n<IdentityProvider/>\n";
        client.open("x.xml", xml);
        let hover = client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": client.uri("x.xml")}, "position": {"line": 0, "character": 25}}),
        );
        assert!(
            hover["result"]["contents"]["value"]
                .as_str()
                .is_some_and(|v| v.starts_with("**jit-mfa-conflict**")),
            "{hover}"
        );
        assert_eq!(hover["result"]["range"]["end"]["character"], 38, "{hover}");
        assert_eq!(client.shutdown(), 0);
    }

    #[test]
    fn a_nested_folder_does_not_contradict_the_folder_around_it() {
        let tenant = support::copy_fixture("tenant");
        let mut client = Client::start(tenant.path());
        let outer = client.uri("");
        let inner = client.uri("Applications");
        client.request(
            "initialize",
            json!({"capabilities": {}, "workspaceFolders": [{"uri": outer, "name": "t"}, {"uri": inner, "name": "a"}]}),
        );
        client.notify("initialized", json!({}));
        let found = client.diagnostics(PAYROLL, has("jit-mfa-conflict"));
        assert!(lacks("unknown-idp")(&found), "{found:#?}");
        client.expect("the first check", |m| m["method"] == "window/logMessage");
        assert!(
            !client
                .inbox_has(|m| m["params"]["diagnostics"].as_array().is_some_and(|d| has("unknown-idp")(d)))
        );
        assert_eq!(client.shutdown(), 0);
    }

    fn read_fixture(rel: &str) -> String {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tenant").join(rel),
        )
        .expect("fixture")
    }
}
