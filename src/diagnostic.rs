//! What a rule reports. Rendering (human, JSON) lives in `report/`.

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Information that changes no verdict (a disabled script, say).
    Note,
}

/// A secondary location: in the same file it becomes a label of the code frame, in another file
/// a separate frame.
#[derive(Clone, Debug)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One text replacement; `span` may be empty (an insertion).
#[derive(Clone, Debug)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// A named set of edits that together apply one remedy.
#[derive(Clone, Debug)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    /// Which `authlint fix --strategy` applies it (`None`: a rule's own fix, applied by neither).
    pub strategy: Option<Strategy>,
}

/// The two remedies for a JIT/MFA conflict. Both change security behaviour, so `authlint fix`
/// applies one only when the user names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Guard the MFA step in the application's script (skips MFA for those users).
    Guard,
    /// Turn JIT provisioning on for the IdP (creates local accounts for its users).
    EnableJit,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Stable rule id, such as `jit-mfa-conflict`.
    pub rule: &'static str,
    pub severity: Severity,
    /// One sentence: what is wrong.
    pub message: String,
    /// Where it is wrong.
    pub span: Span,
    /// The label on `span`: why it matters, in a few words.
    pub label: String,
    pub related: Vec<Label>,
    /// The path through the flow that leads here, one entry per event.
    pub trace: Vec<String>,
    /// Where each trace entry happened, when known (same length as `trace`, or empty).
    pub trace_spans: Vec<Option<Span>>,
    /// How to fix it, in words (the `fixes` carry the machine-applicable edits).
    pub help: Option<String>,
    pub fixes: Vec<Fix>,
    pub app: Option<String>,
    pub idp: Option<String>,
    pub step: Option<u32>,
    pub authenticator: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of `rule` at its default severity (from `rules/rules.yaml`).
    pub fn new(rule: &'static str, span: Span, message: impl Into<String>) -> Self {
        let severity = crate::rules::default_severity(rule);
        Diagnostic {
            rule,
            severity,
            message: message.into(),
            span,
            label: String::new(),
            related: Vec::new(),
            trace: Vec::new(),
            trace_spans: Vec::new(),
            help: None,
            fixes: Vec::new(),
            app: None,
            idp: None,
            step: None,
            authenticator: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_app(mut self, app: &str) -> Self {
        self.app = Some(app.to_string());
        self
    }

    /// The order of diagnostics in every output: by file, position, then rule and message, so
    /// that CI logs and snapshots are stable whatever order files were read in.
    pub fn sort_key(&self) -> (u32, usize, usize, &'static str, &str) {
        (self.span.file.0, self.span.start, self.span.end, self.rule, &self.message)
    }
}
