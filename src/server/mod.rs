//! `authlint server`: the findings and fixes in the editor, over the Language Server Protocol
//! on standard input and output.
//!
//! - `initialize` loads the workspace folder as `authlint check` run there would (discovery,
//!   `.authlint.yaml`, exclusions, tenants), on the worker pool.
//! - Open documents override the files on disk (`didOpen`, `didChange` with the full text,
//!   `didClose`); files created, changed or deleted on disk arrive through
//!   `workspace/didChangeWatchedFiles` (registered when the client allows it) and `didSave`. A
//!   change to `.authlint.yaml` reloads the configuration.
//! - After a batch of edits only what they can change is analysed again (see
//!   [`workspace`]), and diagnostics are published for every file whose findings changed, open
//!   or not; a file whose findings went away gets an empty list.
//! - Code actions: each finding's fixes as quick fixes (the guard and the enable-JIT remedy
//!   separately, edits in other files included), "disable RULE" comments, and
//!   `source.fixAll.authlint` with only the fixes that cannot change security behaviour.
//! - Hover on a rule id in a suppression comment shows the rule's documentation.
//!
//! The server survives every input: a message that is not JSON or not a message is answered
//! with an error and the next one is read; unknown requests get `MethodNotFound`; a panic while
//! analysing an application becomes a finding and a line in the log (standard error).

mod actions;
pub mod convert;
mod folders;
pub mod transport;
pub mod workspace;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;

use convert::Encoding;
use folders::Folders;
use transport::Incoming;

/// Runs the server until the client says `exit`: status 0 after `shutdown`, 1 otherwise (as the
/// protocol asks).
pub fn run() -> ExitCode {
    let (sender, receiver) = mpsc::channel();
    // Reading never waits for the analysis: edits that arrive while one runs are taken together.
    let reader = std::thread::Builder::new().name("authlint-lsp-reader".into()).spawn(move || {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        while let Some(incoming) = transport::read(&mut input) {
            let exit = matches!(&incoming, Incoming::Message(Message::Notification(n)) if n.method == "exit");
            if sender.send(incoming).is_err() || exit {
                break;
            }
        }
    });
    if let Err(e) = reader {
        eprintln!("authlint server: cannot start the reader thread: {e}");
        return ExitCode::from(2);
    }
    let mut server = Server::new(Box::new(std::io::stdout()));
    let status = server.serve(&receiver);
    ExitCode::from(status)
}

/// The state of one session with a client.
pub struct Server {
    output: Box<dyn Write>,
    encoding: Encoding,
    /// Set by `initialize`.
    initialized: bool,
    folders: Folders,
    /// The version of each open document (by absolute path), for published diagnostics.
    versions: HashMap<PathBuf, i32>,
    /// The text of each open document (by absolute path): incremental changes apply to it.
    texts: HashMap<PathBuf, String>,
    shutdown_requested: bool,
    /// The client registers file watchers on request.
    watch_files: bool,
    /// The client takes versioned `documentChanges` in workspace edits (quick fixes then name the
    /// version of each open document they edit).
    document_changes: bool,
    next_request: i32,
}

/// How the message loop goes on after one message.
enum Flow {
    Continue,
    Exit(u8),
}

impl Server {
    pub fn new(output: Box<dyn Write>) -> Server {
        Server {
            output,
            encoding: Encoding::Utf16,
            initialized: false,
            folders: Folders::default(),
            versions: HashMap::new(),
            texts: HashMap::new(),
            shutdown_requested: false,
            watch_files: false,
            document_changes: false,
            next_request: 0,
        }
    }

    /// Serves messages until `exit` or the end of input; returns the exit status.
    pub fn serve(&mut self, receiver: &mpsc::Receiver<Incoming>) -> u8 {
        while let Ok(first) = receiver.recv() {
            let mut batch = vec![first];
            batch.extend(receiver.try_iter());
            for incoming in batch {
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.handle(incoming)));
                match outcome {
                    Ok(Flow::Continue) => {}
                    Ok(Flow::Exit(status)) => return status,
                    Err(_) => eprintln!(
                        "authlint server: internal error while handling a message (see the panic above)"
                    ),
                }
            }
            let refreshed =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.refresh_and_publish()));
            if refreshed.is_err() {
                eprintln!(
                    "authlint server: internal error while checking the workspace (see the panic above)"
                );
            }
        }
        // The client went away without `exit`.
        if self.shutdown_requested { 0 } else { 1 }
    }

    fn send(&mut self, value: &serde_json::Value) {
        if let Err(e) = transport::write(&mut self.output, value) {
            eprintln!("authlint server: cannot write to the client: {e}");
        }
    }

    fn respond(&mut self, response: Response) {
        self.send(&transport::to_json(&Message::Response(response)));
    }

    fn notify(&mut self, method: &str, params: impl serde::Serialize) {
        let message = Message::Notification(Notification::new(method.to_string(), params));
        self.send(&transport::to_json(&message));
    }

    fn log(&mut self, kind: lsp::MessageType, message: String) {
        eprintln!("authlint server: {message}");
        self.notify(lsp::notification::LogMessage::METHOD, lsp::LogMessageParams { typ: kind, message });
    }

    fn handle(&mut self, incoming: Incoming) -> Flow {
        match incoming {
            Incoming::Message(Message::Request(request)) => self.request(request),
            Incoming::Message(Message::Notification(notification)) => return self.notification(notification),
            // Answers to our own requests (the watcher registration): nothing to do.
            Incoming::Message(Message::Response(_)) => {}
            Incoming::NotJson(why) => {
                self.send(&transport::error(None, ErrorCode::ParseError as i32, &format!("not JSON: {why}")))
            }
            Incoming::NotAMessage { id, why } => {
                let error =
                    transport::error(id, ErrorCode::InvalidRequest as i32, &format!("not a message: {why}"));
                self.send(&error)
            }
            Incoming::BadFrame(why) => self.log(lsp::MessageType::WARNING, format!("ignored input: {why}")),
        }
        Flow::Continue
    }

    /// Answers a request; a panic while doing so (a bug) is answered with `InternalError`.
    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        let method = request.method.clone();
        let answered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.answer(request)));
        if answered.is_err() {
            eprintln!("authlint server: internal error while answering {method} (see the panic above)");
            let message = format!("authlint failed while answering {method} (an internal error)");
            self.respond(Response::new_err(id, ErrorCode::InternalError as i32, message));
        }
    }

    fn answer(&mut self, request: Request) {
        let id = request.id.clone();
        if self.shutdown_requested {
            let message = "the server is shutting down".to_string();
            return self.respond(Response::new_err(id, ErrorCode::InvalidRequest as i32, message));
        }
        if !self.initialized && request.method != lsp::request::Initialize::METHOD {
            let message = "the server is not initialized".to_string();
            return self.respond(Response::new_err(id, ErrorCode::ServerNotInitialized as i32, message));
        }
        // Requests see every edit that came before them.
        if request.method != lsp::request::Initialize::METHOD {
            self.refresh_and_publish();
        }
        let result = match request.method.as_str() {
            lsp::request::Initialize::METHOD => self.initialize(request.params),
            lsp::request::Shutdown::METHOD => {
                self.shutdown_requested = true;
                Ok(serde_json::Value::Null)
            }
            lsp::request::CodeActionRequest::METHOD => params(request.params).map(|p| self.code_actions(p)),
            lsp::request::HoverRequest::METHOD => params(request.params).map(|p| self.hover(p)),
            _ => Err((ErrorCode::MethodNotFound, format!("unknown method {}", request.method))),
        };
        let response = match result {
            Ok(value) => Response { id, response_result: Ok(value) },
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.respond(response);
    }

    fn notification(&mut self, notification: Notification) -> Flow {
        use lsp::notification::*;
        let method = notification.method.as_str();
        if method == Exit::METHOD {
            return Flow::Exit(if self.shutdown_requested { 0 } else { 1 });
        }
        if !self.initialized {
            // Before `initialize`, notifications other than `exit` are dropped.
            return Flow::Continue;
        }
        let outcome: Result<(), String> = match method {
            Initialized::METHOD => {
                self.register_watchers();
                Ok(())
            }
            DidOpenTextDocument::METHOD => {
                params::<lsp::DidOpenTextDocumentParams>(notification.params).map(|p| {
                    self.set_buffer(&p.text_document.uri, p.text_document.version, p.text_document.text)
                })
            }
            DidChangeTextDocument::METHOD => {
                params::<lsp::DidChangeTextDocumentParams>(notification.params).map(|p| self.change(p))
            }
            DidCloseTextDocument::METHOD => params::<lsp::DidCloseTextDocumentParams>(notification.params)
                .map(|p| self.close(&p.text_document.uri)),
            DidSaveTextDocument::METHOD => params::<lsp::DidSaveTextDocumentParams>(notification.params)
                .map(|p| self.disk_changed(&p.text_document.uri)),
            DidChangeWatchedFiles::METHOD => params::<lsp::DidChangeWatchedFilesParams>(notification.params)
                .map(|p| p.changes.iter().for_each(|c| self.disk_changed(&c.uri))),
            DidChangeWorkspaceFolders::METHOD => {
                params::<lsp::DidChangeWorkspaceFoldersParams>(notification.params).map(|p| {
                    p.event
                        .removed
                        .iter()
                        .filter_map(|f| convert::path(&f.uri))
                        .for_each(|r| self.folders.remove(&r));
                    p.event
                        .added
                        .iter()
                        .filter_map(|f| convert::path(&f.uri))
                        .for_each(|r| self.folders.add(r));
                    // A new folder reads its files from disk: the documents open in the editor
                    // count there too, as they do in the folders that held them already.
                    self.replay_open_documents();
                    self.log_config_errors();
                })
            }
            // Cancellation, configuration, tracing: nothing this server has to do.
            _ => Ok(()),
        }
        .map_err(|(_, why)| why);
        if let Err(why) = outcome {
            self.log(lsp::MessageType::WARNING, format!("ignored {method}: {why}"));
        }
        Flow::Continue
    }

    fn initialize(&mut self, params: serde_json::Value) -> Result<serde_json::Value, (ErrorCode, String)> {
        if self.initialized {
            return Err((ErrorCode::InvalidRequest, "initialize was already called".into()));
        }
        let params: lsp::InitializeParams = serde_json::from_value(params)
            .map_err(|e| (ErrorCode::InvalidParams, format!("bad initialize parameters: {e}")))?;
        self.encoding = Encoding::negotiate(
            params.capabilities.general.as_ref().and_then(|g| g.position_encodings.as_deref()),
        );
        self.document_changes = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|w| w.document_changes)
            .unwrap_or(false);
        self.watch_files = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        // Every workspace folder; without any, the root the client names (`root_uri`, which
        // older clients send alone). Read and checked after the response goes out (the loop
        // refreshes after each batch).
        let mut roots: Vec<PathBuf> =
            params.workspace_folders.iter().flatten().filter_map(|f| convert::path(&f.uri)).collect();
        #[allow(deprecated)]
        roots.extend(params.root_uri.as_ref().and_then(convert::path).filter(|_| roots.is_empty()));
        for root in &roots {
            self.folders.add(std::path::absolute(root).unwrap_or_else(|_| root.clone()));
        }
        if roots.is_empty() {
            // No folder: the documents the client opens are checked, nothing else is read.
            self.folders.add_unwalked(std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")));
        }
        self.initialized = true;
        self.log_config_errors();
        let capabilities = lsp::ServerCapabilities {
            position_encoding: Some(self.encoding.kind()),
            text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
                lsp::TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                    save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                    ..Default::default()
                },
            )),
            code_action_provider: Some(lsp::CodeActionProviderCapability::Options(lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX, actions::fix_all_kind()]),
                resolve_provider: Some(false),
                work_done_progress_options: Default::default(),
            })),
            hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
            workspace: Some(lsp::WorkspaceServerCapabilities {
                workspace_folders: Some(lsp::WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(lsp::OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            ..Default::default()
        };
        let result = lsp::InitializeResult {
            capabilities,
            server_info: Some(lsp::ServerInfo {
                name: "authlint".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        };
        serde_json::to_value(result).map_err(|e| (ErrorCode::InternalError, e.to_string()))
    }

    /// Asks the client to tell us about the files authlint reads when they change on disk.
    fn register_watchers(&mut self) {
        if !self.watch_files {
            return;
        }
        let watcher = |glob: &str, kind: Option<lsp::WatchKind>| lsp::FileSystemWatcher {
            glob_pattern: lsp::GlobPattern::String(glob.to_string()),
            kind,
        };
        let watchers = vec![
            watcher("**/*.{yml,yaml,json,xml}", None),
            watcher("**/.authlint.yaml", None),
            // A directory created, deleted or renamed comes as one event for the directory.
            watcher("**/*", Some(lsp::WatchKind::Create | lsp::WatchKind::Delete)),
        ];
        let options = lsp::DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = lsp::Registration {
            id: "authlint-watched-files".into(),
            method: lsp::notification::DidChangeWatchedFiles::METHOD.into(),
            register_options: serde_json::to_value(options).ok(),
        };
        self.next_request += 1;
        let request = Request::new(
            RequestId::from(self.next_request),
            lsp::request::RegisterCapability::METHOD.into(),
            lsp::RegistrationParams { registrations: vec![registration] },
        );
        self.send(&transport::to_json(&Message::Request(request)));
    }

    fn log_config_errors(&mut self) {
        for error in self.folders.config_errors() {
            self.log(lsp::MessageType::ERROR, format!("{error}; the default settings are used"));
        }
    }

    /// The absolute path of a document, when it is a file.
    fn file_path(uri: &lsp::Uri) -> Result<PathBuf, (ErrorCode, String)> {
        convert::path(uri).ok_or((ErrorCode::InvalidParams, format!("not a file: {}", uri.as_str())))
    }

    /// Runs `f` on each folder that holds the document (nested folders too, so that each sees
    /// the same text), or on the first, with the document's path there.
    fn each_holder(&mut self, uri: &lsp::Uri, f: impl FnMut(&mut workspace::Workspace, &std::path::Path)) {
        if let Ok(path) = Self::file_path(uri) {
            self.each_holder_of(&path, f);
        }
    }

    fn each_holder_of(
        &mut self,
        path: &std::path::Path,
        mut f: impl FnMut(&mut workspace::Workspace, &std::path::Path),
    ) {
        for index in self.folders.holders(path) {
            if let Some(workspace) = self.folders.get_mut(index) {
                let pipeline_path = workspace.pipeline_path(path);
                f(workspace, &pipeline_path);
            }
        }
    }

    /// Gives each folder that holds the document at `path` the editor's `text` (a configuration
    /// file's buffer is not analysed; unchanged texts change nothing).
    fn buffer_into_holders(&mut self, path: &std::path::Path, text: &str) {
        self.each_holder_of(path, |workspace, path| {
            if !workspace.is_config_file(path) {
                workspace.set_buffer(path, text.to_string());
            }
        });
    }

    /// Gives every folder that holds an open document its text: a folder added later reads its
    /// files from disk.
    fn replay_open_documents(&mut self) {
        let open: Vec<(PathBuf, String)> = self.texts.iter().map(|(p, t)| (p.clone(), t.clone())).collect();
        for (path, text) in open {
            self.buffer_into_holders(&path, &text);
        }
    }

    fn set_buffer(&mut self, uri: &lsp::Uri, version: i32, text: String) {
        let Ok(path) = Self::file_path(uri) else { return };
        self.versions.insert(path.clone(), version);
        self.buffer_into_holders(&path, &text);
        self.texts.insert(path, text);
    }

    fn change(&mut self, p: lsp::DidChangeTextDocumentParams) {
        // Incremental synchronisation: each change replaces a range of the text as the changes
        // before it left it (positions in the negotiated encoding); a change without a range is
        // the whole text. A change to a document that was never opened has nothing to apply to
        // unless it is whole.
        let known =
            Self::file_path(&p.text_document.uri).ok().and_then(|path| self.texts.get(&path).cloned());
        let mut text = known;
        for change in p.content_changes {
            text = match (change.range, text) {
                (None, _) => Some(change.text),
                (Some(range), Some(mut current)) => {
                    // A range written end first (against the protocol) is the same range.
                    let a = convert::offset(&current, range.start, self.encoding);
                    let b = convert::offset(&current, range.end, self.encoding);
                    current.replace_range(a.min(b)..a.max(b), &change.text);
                    Some(current)
                }
                (Some(_), None) => None,
            };
        }
        match text {
            Some(text) => self.set_buffer(&p.text_document.uri, p.text_document.version, text),
            None => self.log(
                lsp::MessageType::WARNING,
                format!("didChange of {} which is not open: ignored", p.text_document.uri.as_str()),
            ),
        }
    }

    fn close(&mut self, uri: &lsp::Uri) {
        if let Ok(path) = Self::file_path(uri) {
            self.versions.remove(&path);
            self.texts.remove(&path);
        }
        self.each_holder(uri, |workspace, path| workspace.close_buffer(path));
    }

    fn disk_changed(&mut self, uri: &lsp::Uri) {
        let mut config_changed = false;
        self.each_holder(uri, |workspace, path| {
            if workspace.is_config_file(path) {
                workspace.reload_config();
                workspace.rediscover();
                config_changed = true;
            } else {
                workspace.disk_changed(path);
            }
        });
        if config_changed {
            self.log_config_errors();
        }
    }

    /// Checks what changed and tells the client about every file whose findings changed.
    fn refresh_and_publish(&mut self) {
        let started = std::time::Instant::now();
        // A configuration file's buffer is not analysed (its text on disk is): its diagnostics
        // name no version of the editor's.
        let analysed: HashMap<PathBuf, i32> = self
            .versions
            .iter()
            .filter(|(path, _)| path.file_name().is_none_or(|n| n != crate::config::FILE_NAME))
            .map(|(p, v)| (p.clone(), *v))
            .collect();
        let Some(checked) = self.folders.check(self.encoding, &analysed) else { return };
        let files = checked.publish.len();
        for message in checked.publish {
            self.notify(lsp::notification::PublishDiagnostics::METHOD, message);
        }
        // The end of each check, in the client's log (and what the benchmark waits for).
        let elapsed = started.elapsed().as_millis();
        let message = format!(
            "analysed {} of {} applications, published {files} files, in {elapsed} ms",
            checked.analysed, checked.applications
        );
        self.notify(
            lsp::notification::LogMessage::METHOD,
            lsp::LogMessageParams { typ: lsp::MessageType::LOG, message },
        );
    }

    fn code_actions(&mut self, p: lsp::CodeActionParams) -> serde_json::Value {
        let Ok(path) = Self::file_path(&p.text_document.uri) else { return serde_json::Value::Null };
        let mut found = Vec::new();
        let Some(owner) = self.folders.owner(&path) else { return serde_json::Value::Null };
        // Files the fixes would edit that changed on disk unannounced are read again first.
        if let Some(workspace) = self.folders.get_mut(owner)
            && let Some(id) = workspace.lookup(&workspace.pipeline_path(&path))
        {
            let changed = workspace.changed_on_disk_under_fixes(id);
            if !changed.is_empty() {
                changed.iter().for_each(|p| workspace.disk_changed(p));
                self.refresh_and_publish();
            }
        }
        if let Some(workspace) = self.folders.get(owner) {
            let versions = self.document_changes.then_some(&self.versions);
            let texts = &self.texts;
            found = actions::code_actions(
                workspace,
                self.encoding,
                &workspace.pipeline_path(&path),
                &p,
                texts,
                versions,
            );
        }
        serde_json::to_value(found).unwrap_or(serde_json::Value::Null)
    }

    fn hover(&mut self, p: lsp::HoverParams) -> serde_json::Value {
        let at = &p.text_document_position_params;
        let Ok(path) = Self::file_path(&at.text_document.uri) else { return serde_json::Value::Null };
        let hover = self.folders.owner(&path).and_then(|index| {
            let workspace = self.folders.get(index)?;
            actions::hover(workspace, self.encoding, &workspace.pipeline_path(&path), at.position)
        });
        serde_json::to_value(hover).unwrap_or(serde_json::Value::Null)
    }
}

/// The typed parameters of a request or notification.
fn params<P: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(value).map_err(|e| (ErrorCode::InvalidParams, format!("bad parameters: {e}")))
}
