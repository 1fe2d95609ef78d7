//! `authlint server`: the editor and the server stay on the same text. Incremental
//! synchronisation (ranges in the negotiated encoding, applied in order), quick fixes as versioned
//! `documentChanges`, and no fix computed on other text than the editor's.

mod support;

use serde_json::{Value, json};
use support::lsp::{
    Client, GOOGLE, PAYROLL, actions_at, apply_edits, client_uri, codes, has, read, titled, utf16,
};

#[test]
fn quick_fixes_name_the_version_of_each_open_document_when_the_client_takes_document_changes() {
    let tenant = support::copy_fixture("tenant");
    let capabilities = json!({
        "general": {"positionEncodings": ["utf-16"]},
        "workspace": {"workspaceEdit": {"documentChanges": true}}
    });
    let (mut client, _) = Client::initialized(tenant.path(), capabilities);
    let text = read(&client, PAYROLL);
    client.open(PAYROLL, &text);
    client.change(PAYROLL, 7, &text.replace("name: payroll", "name: payroll "));
    let payroll = client.diagnostics(PAYROLL, has("jit-mfa-conflict"));
    let actions = actions_at(&mut client, PAYROLL, &payroll, "jit-mfa-conflict");
    let documents =
        |action: &Value| action["edit"]["documentChanges"].as_array().cloned().unwrap_or_default();
    // The guard edits the open application at the version the editor holds...
    let guard = actions
        .iter()
        .find(|a| documents(a).iter().any(|d| d["textDocument"]["uri"] == client.uri(PAYROLL).as_str()))
        .expect("a guard fix");
    let document = &documents(guard)[0];
    assert_eq!(document["textDocument"]["version"], 7, "{guard:#}");
    assert!(!document["edits"].as_array().is_some_and(Vec::is_empty), "{guard:#}");
    assert!(guard["edit"]["changes"].is_null(), "documentChanges instead of changes: {guard:#}");
    // ...and enabling JIT edits the IdP's file, which is not open: no version.
    let enable = titled(&actions, "JIT");
    let document = &documents(enable)[0];
    assert_eq!(document["textDocument"]["uri"], client.uri(GOOGLE).as_str());
    assert!(document["textDocument"]["version"].is_null(), "{enable:#}");
    assert_eq!(client.shutdown(), 0);
}

#[test]
fn incremental_changes_apply_in_order_at_utf16_positions() {
    let tenant = support::copy_fixture("tenant");
    let (mut client, _) = Client::initialized(tenant.path(), utf16());
    let text = read(&client, PAYROLL);
    client.open(PAYROLL, &text);
    client.diagnostics(PAYROLL, has("jit-mfa-conflict"));
    let at = |line: u32, character: u32| json!({"line": line, "character": character});
    let uri = client.uri(PAYROLL);
    // One notification, three changes, each on the text the one before left: the name retyped
    // in pieces after a character of two UTF-16 units (`𝄞`: one `char`, four bytes), and a stray
    // line deleted across a line break. Line 1 is `name: payroll`.
    let head = "name: \"𝄞 pay";
    let head_units = head.encode_utf16().count() as u32;
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
            {"range": {"start": at(1, 0), "end": at(1, 13)}, "text": format!("{head}\"\nstray: [")},
            {"range": {"start": at(1, head_units), "end": at(1, head_units)}, "text": "roll"},
            {"range": {"start": at(1, head_units + 5), "end": at(2, 8)}, "text": ""},
        ]}),
    );
    // Read as the editor holds it: the name typed whole, and no stray line to break the YAML.
    let after = client.diagnostics(PAYROLL, |d| {
        d.iter().any(|d| d["message"].as_str().is_some_and(|m| m.contains("`𝄞 payroll`")))
    });
    assert_eq!(codes(&after), ["jit-mfa-conflict"], "{after:#?}");
    // A change with no range is the whole text again.
    client.change(PAYROLL, 3, &text);
    client.diagnostics(PAYROLL, |d| {
        d.iter().any(|d| d["message"].as_str().is_some_and(|m| m.starts_with("`payroll`")))
    });
    assert_eq!(client.shutdown(), 0);
}

/// Second review of incremental sync and versioned edits: fixes never computed on other text
/// than the editor's.
mod versions {
    use super::*;

    fn versioned() -> Value {
        json!({"workspace": {"workspaceEdit": {"documentChanges": true}}})
    }

    #[test]
    fn an_edited_configuration_file_gets_no_fix_computed_on_its_text_on_disk() {
        let tenant = support::copy_fixture("tenant");
        let config = "# authlint-disable jit-mfa-conflict\nrules:\n  unknown-idp: warning\n";
        std::fs::write(tenant.path().join(".authlint.yaml"), config).expect("config");
        let (mut client, _) = Client::initialized(tenant.path(), versioned());
        // On disk the comment silences nothing in this file: an unused suppression, with a fix.
        let on_disk = client.diagnostics(".authlint.yaml", has("unused-suppression"));
        let before = actions_at(&mut client, ".authlint.yaml", &on_disk, "unused-suppression");
        assert!(!before.is_empty(), "a fix while the file is not edited");
        // The editor adds a line above it: the analysis still reads the file on disk, so no
        // edit computed on that text may be offered for the editor's.
        client.open(".authlint.yaml", config);
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": client.uri(".authlint.yaml"), "version": 2}, "contentChanges": [
                {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "# keep this note\n"}
            ]}),
        );
        let after = actions_at(&mut client, ".authlint.yaml", &on_disk, "unused-suppression");
        assert!(after.is_empty(), "{after:#?}");
        assert_eq!(client.shutdown(), 0);
    }

    #[test]
    fn a_folder_added_after_a_document_was_edited_analyses_the_editors_text() {
        let base = tempfile::tempdir().expect("temporary directory");
        let fixture = support::copy_fixture("tenant");
        for rel in [PAYROLL, GOOGLE] {
            let to = base.path().join("outer/inner").join(rel);
            std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
            std::fs::copy(fixture.path().join(rel), to).expect("copy");
        }
        let mut client = Client::start(base.path());
        let folder = |name: &str| json!({"uri": client_uri(base.path(), name), "name": name});
        client.request(
            "initialize",
            json!({"capabilities": versioned(), "workspaceFolders": [folder("outer/inner")]}),
        );
        client.notify("initialized", json!({}));
        let payroll = format!("outer/inner/{PAYROLL}");
        let on_disk = client.diagnostics(&payroll, has("jit-mfa-conflict"));
        let line = |d: &[Value]| {
            d.iter().find(|d| d["code"] == "jit-mfa-conflict").map(|d| d["range"]["start"]["line"].clone())
        };
        let disk_line = line(&on_disk).and_then(|l| l.as_u64()).expect("a line");
        // Two lines typed at the top, then the outer folder added (it owns the file from now).
        let text = std::fs::read_to_string(base.path().join(&payroll)).expect("read");
        client.open(&payroll, &text);
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": client.uri(&payroll), "version": 3}, "contentChanges": [
                {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "# one\n# two\n"}
            ]}),
        );
        let edited =
            client.diagnostics(&payroll, |d| line(d).and_then(|l| l.as_u64()) == Some(disk_line + 2));
        client.notify(
            "workspace/didChangeWorkspaceFolders",
            json!({"event": {"added": [folder("outer")], "removed": []}}),
        );
        client.expect("the check after the new folder", |m| m["method"] == "window/logMessage");
        // Whatever the outer folder publishes for the file is at the buffer's line.
        let uri = client.uri(&payroll);
        assert!(
            !client.inbox_has(|m| m["params"]["uri"] == uri.as_str()
                && line(m["params"]["diagnostics"].as_array().map(Vec::as_slice).unwrap_or(&[]))
                    .and_then(|l| l.as_u64())
                    == Some(disk_line)),
            "a finding published at the line on disk"
        );
        let fixed = actions_at(&mut client, &payroll, &edited, "jit-mfa-conflict");
        let guard = fixed
            .iter()
            .filter_map(|a| a["edit"]["documentChanges"].as_array())
            .flatten()
            .find(|d| d["textDocument"]["uri"] == uri.as_str())
            .expect("a versioned guard fix");
        assert_eq!(guard["textDocument"]["version"], 3);
        let edits: Vec<Value> = guard["edits"].as_array().cloned().unwrap_or_default();
        let guarded = apply_edits(&format!("# one\n# two\n{text}"), &edits);
        assert!(guarded.starts_with("# one\n# two\n") && guarded.contains("script"), "{guarded}");
        assert_eq!(client.shutdown(), 0);
    }

    #[test]
    fn a_range_written_end_first_is_the_same_range() {
        let tenant = support::copy_fixture("tenant");
        let (mut client, _) = Client::initialized(tenant.path(), utf16());
        let text = read(&client, PAYROLL);
        client.open(PAYROLL, &text);
        // Line 1 is `name: payroll`: the range 1:13-1:6 replaced by `pay-roll`.
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": client.uri(PAYROLL), "version": 2}, "contentChanges": [
                {"range": {"start": {"line": 1, "character": 13}, "end": {"line": 1, "character": 6}}, "text": "pay-roll"}
            ]}),
        );
        client.diagnostics(PAYROLL, |d| {
            d.iter().any(|d| d["message"].as_str().is_some_and(|m| m.starts_with("`pay-roll`")))
        });
        assert_eq!(client.shutdown(), 0);
    }
}
