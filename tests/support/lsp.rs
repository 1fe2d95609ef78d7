//! A small Language Server Protocol client that drives `authlint server` over stdio, for the
//! server's integration tests.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any awaited message may take (generous: debug builds on a loaded CI machine).
const PATIENCE: Duration = Duration::from_secs(30);

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    /// Messages read but not yet asked for.
    inbox: VecDeque<Value>,
    next_id: i64,
    pub root: PathBuf,
}

impl Client {
    /// Starts `authlint server` (not yet initialized) for the workspace folder `root`.
    pub fn start(root: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_authlint"))
            .arg("server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Client { child, stdin, incoming, inbox: VecDeque::new(), next_id: 0, root: root.to_path_buf() }
    }

    /// Starts the server and initializes it with `capabilities`; returns the initialize result.
    pub fn initialized(root: &Path, capabilities: Value) -> (Client, Value) {
        let mut client = Client::start(root);
        let uri = client.uri("");
        let response = client.request(
            "initialize",
            json!({"processId": null, "rootUri": uri, "capabilities": capabilities,
                   "workspaceFolders": [{"uri": uri, "name": "tenant"}]}),
        );
        client.notify("initialized", json!({}));
        let result = response["result"].clone();
        (client, result)
    }

    /// The `file://` URI of `rel` under the workspace folder.
    pub fn uri(&self, rel: &str) -> String {
        let path = if rel.is_empty() { self.root.clone() } else { self.root.join(rel) };
        format!("file://{}", path.display()).replace(' ', "%20")
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin.write_all(bytes).expect("the server reads");
        stdin.flush().expect("the server reads");
    }

    pub fn send(&mut self, message: &Value) {
        let text = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{text}", text.len()).as_bytes());
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (the whole message, `result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.expect(&format!("the response to {method}"), |m| {
            m.get("id") == Some(&json!(id)) && m.get("method").is_none()
        })
    }

    /// The next message that satisfies `wanted` (messages before it stay in the inbox).
    pub fn expect(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.inbox.iter().position(&wanted) {
            return self.inbox.remove(i).expect("found above");
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.inbox.push_back(message),
                Err(_) => panic!("no {what} within {PATIENCE:?}; received: {:#?}", self.inbox),
            }
        }
    }

    /// Whether a message already read satisfies `wanted`.
    pub fn inbox_has(&self, wanted: impl Fn(&Value) -> bool) -> bool {
        self.inbox.iter().any(wanted)
    }

    /// Waits for diagnostics published for `rel` that satisfy `wanted`; returns them. Earlier
    /// publications for the file are dropped.
    pub fn diagnostics(&mut self, rel: &str, wanted: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let uri = self.uri(rel);
        let what = format!("diagnostics for {rel} as wanted");
        let message = self.expect(&what, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri.as_str()
                && m["params"]["diagnostics"].as_array().is_some_and(|d| wanted(d))
        });
        message["params"]["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    /// Opens `rel` with `text` (language from the extension).
    pub fn open(&mut self, rel: &str, text: &str) {
        let language = match Path::new(rel).extension().and_then(|e| e.to_str()) {
            Some("json") => "json",
            Some("xml") => "xml",
            _ => "yaml",
        };
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}}),
        );
    }

    pub fn change(&mut self, rel: &str, version: i32, text: &str) {
        let uri = self.uri(rel);
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("wait works").is_none()
    }

    /// `shutdown`, then `exit`; returns the exit status.
    pub fn shutdown(mut self) -> i32 {
        let response = self.request("shutdown", Value::Null);
        assert!(response.get("error").is_none(), "shutdown failed: {response}");
        self.notify("exit", Value::Null);
        self.wait()
    }

    /// Waits for the process to end; returns its exit status.
    pub fn wait(&mut self) -> i32 {
        drop(self.stdin.take());
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait works") {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// The rule ids (`code`) of a list of diagnostics.
pub fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().filter_map(|d| d["code"].as_str().map(str::to_string)).collect()
}

/// Applies a `WorkspaceEdit`'s edits for `uri` to `text` (positions in UTF-16 units).
pub fn apply_edits(text: &str, edits: &[Value]) -> String {
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let start = offset(text, &e["range"]["start"]);
            let end = offset(text, &e["range"]["end"]);
            (start, end, e["newText"].as_str().expect("newText").to_string())
        })
        .collect();
    edits.sort_by_key(|(s, e, _)| (*s, *e));
    let mut out = text.to_string();
    for (start, end, new) in edits.into_iter().rev() {
        out.replace_range(start..end, &new);
    }
    out
}

/// The byte offset of an LSP position (UTF-16 characters) in `text`.
pub fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().expect("line") as usize;
    let character = position["character"].as_u64().expect("character") as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// Files of the example tenant (`fixtures/tenant`), as the server tests open them.
pub const GOOGLE: &str = "IdentityProviders/Google.yml";
pub const PAYROLL: &str = "Applications/payroll.yml";

/// Client capabilities: watched files with dynamic registration (UTF-16 positions, the default).
pub fn utf16() -> Value {
    json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}})
}

/// The text on disk of `rel` in the client's workspace.
pub fn read(client: &Client, rel: &str) -> String {
    std::fs::read_to_string(client.root.join(rel)).expect("fixture file")
}

/// Diagnostics that include one of `rule`.
pub fn has(rule: &'static str) -> impl Fn(&[Value]) -> bool {
    move |d| codes(d).iter().any(|c| c == rule)
}

/// Diagnostics that include none of `rule`.
pub fn lacks(rule: &'static str) -> impl Fn(&[Value]) -> bool {
    move |d| !codes(d).iter().any(|c| c == rule)
}

/// The code actions offered at the first finding of `rule` in `diagnostics`.
pub fn actions_at(client: &mut Client, rel: &str, diagnostics: &[Value], rule: &str) -> Vec<Value> {
    let d = diagnostics.iter().find(|d| d["code"] == rule).expect("the finding");
    let uri = client.uri(rel);
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    response["result"].as_array().cloned().unwrap_or_default()
}

/// The action whose title holds `part`.
pub fn titled<'a>(actions: &'a [Value], part: &str) -> &'a Value {
    actions
        .iter()
        .find(|a| a["title"].as_str().is_some_and(|t| t.contains(part)))
        .unwrap_or_else(|| panic!("no action titled ...{part}... in {actions:#?}"))
}

/// The edits an action makes to `uri`.
pub fn edits_for(action: &Value, uri: &str) -> Vec<Value> {
    action["edit"]["changes"][uri].as_array().cloned().unwrap_or_default()
}

/// The `file://` URI of `name` under `base`.
pub fn client_uri(base: &std::path::Path, name: &str) -> String {
    format!("file://{}", base.join(name).display())
}
