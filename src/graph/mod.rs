//! One application's sign-in flow as a graph: its steps with their options, the transitions the
//! analysis allows between them (with the script conditions taken on the way), and the paths of
//! the findings that carry one (`jit-mfa-conflict`, `mfa-before-subject`) marked on it.
//!
//! Nothing here draws: `authlint graph` prints the graph as Mermaid ([`mermaid`]) or Graphviz DOT
//! ([`dot`]), and the HTML and Markdown reports draw it their own way. Every name and every piece
//! of script text in the graph comes from the user's files: each renderer escapes it.
//!
//! Transitions come from the analysis' witness paths: each state in which a step can run carries
//! the path that led to it, and consecutive steps on such a path give an edge, labelled with the
//! conditions decided between them. Witnesses are the shortest path to each state, so an edge
//! with a condition is a way the flow can go, and conditions the analysis cannot tell apart are
//! left out; the graph shows how the flow can run, not every way the script is written.
//!
//! The graph is bounded: a flow with very many paths keeps the first [`MAX_EDGES`] edges (those
//! on a finding's path always), at most [`MAX_CONDITIONS`] conditions per edge, and says so in
//! `truncated` and `notes`.

mod build;
pub mod dot;
pub mod mermaid;
pub mod select;

pub use build::build;

/// The rules whose findings follow a path through the flow: the graph marks their paths.
pub const PATH_RULES: &[&str] = &[
    crate::rules::jit_mfa_conflict::ID,
    crate::rules::mfa_before_subject::ID,
    crate::rules::undefined_step::ID,
];

/// At most this many edges per graph (edges on a finding's path are always kept).
pub const MAX_EDGES: usize = 200;
/// At most this many conditions per edge; more are summarised as "... and N more".
pub const MAX_CONDITIONS: usize = 6;
/// At most this many witness paths are followed per graph.
pub const MAX_PATHS: usize = 4_000;
/// At most this many step nodes per graph.
pub const MAX_STEPS: usize = 200;

/// One application's flow.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FlowGraph {
    pub app: String,
    /// The tenant as shown (`dev`, `.`); `None` for files under no tenant root.
    pub tenant: Option<String>,
    /// The application file's display path.
    pub file: String,
    /// An enabled script decided the flow (false: the steps run in configuration order).
    pub has_script: bool,
    /// `start`, then the steps in configuration order, then steps the script runs that are not
    /// configured, then `end`.
    pub nodes: Vec<Node>,
    /// In a deterministic order: by the position of their source, then of their target node.
    pub edges: Vec<Edge>,
    /// The paths of the application's findings, in report order.
    pub conflicts: Vec<ConflictPath>,
    /// Edges, conditions or steps were left out to keep the graph bounded (see `notes`).
    pub truncated: bool,
    /// What a reader should know about how the graph was made: a script that does not parse, an
    /// incomplete analysis, what was left out.
    pub notes: Vec<String>,
}

/// A node: the start, a step, or the end.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Node {
    /// `start`, `step-<n>` (`n` the step id) or `end`; never text from the input beyond the step
    /// number. A step id configured twice gets `step-<n>-<k>` for its later definitions, and a
    /// call with no step number at all (`executeStep(-1)`) `invalid-<k>`.
    pub id: String,
    pub kind: NodeKind,
    pub step: Option<u32>,
    /// Plain text ("Step 2", "Start"); renderers escape it.
    pub label: String,
    pub options: Vec<OptionNode>,
    /// False for a step the script runs that the configuration does not define.
    pub configured: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    Start,
    Step,
    End,
}

/// One option of a step.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OptionNode {
    pub idp: String,
    pub authenticator: String,
    pub kind: OptionKind,
    /// For a federated option: whether its IdP has JIT provisioning enabled (the organisation
    /// login never has). `None` for local options and unknown IdPs.
    pub jit: Option<bool>,
    /// The authenticator needs a local account (from the catalogue, `rules/authenticators.yaml`).
    pub needs_local_account: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OptionKind {
    Local,
    Federated,
    OrganizationSso,
    UnknownIdp,
}

/// A transition the analysis allows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// The conditions decided on the way, as script text with its outcome: `first.idp ===
    /// LOCAL_IDP` when it held, `!(hasRole(context, 'admin'))` when it did not.
    pub conditions: Vec<String>,
    /// The callback the transition runs in (`onSuccess`, `onFail`, `onSuccess of httpGet`).
    pub callback: Option<String>,
    pub on_conflict_path: bool,
}

/// The path of one finding through the graph.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConflictPath {
    pub rule: String,
    /// `error`, `warning` or `note`, as reported (after the configuration).
    pub severity: String,
    pub message: String,
    /// The nodes on the path, in order, from `start`.
    pub node_ids: Vec<String>,
    /// Indices into the graph's `edges`, in path order.
    pub edges: Vec<usize>,
    /// The options the finding is about: the option the user signed in with and the MFA option.
    pub options: Vec<OptionRef>,
}

/// One option of one node.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OptionRef {
    pub node: String,
    /// Index into the node's `options`.
    pub option: usize,
}

impl FlowGraph {
    /// The node with id `id`.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The rules whose paths run along edge `index`, in order, without repeats.
    pub fn edge_rules(&self, index: usize) -> Vec<&str> {
        let mut rules: Vec<&str> = Vec::new();
        for c in self.conflicts.iter().filter(|c| c.edges.contains(&index)) {
            if !rules.contains(&c.rule.as_str()) {
                rules.push(&c.rule);
            }
        }
        rules
    }

    /// Whether option `option` of node `node` is one a finding is about.
    pub fn option_in_conflict(&self, node: &str, option: usize) -> bool {
        self.conflicts.iter().any(|c| c.options.iter().any(|o| o.node == node && o.option == option))
    }

    /// The graph's title: "payroll (tenant dev)".
    pub fn title(&self) -> String {
        match &self.tenant {
            Some(t) => format!("{} (tenant {t})", self.app),
            None => self.app.clone(),
        }
    }
}

impl OptionNode {
    /// How the option reads in a diagram: "Google: GoogleOIDCAuthenticator (JIT disabled)",
    /// "LOCAL: totp (needs a local account)".
    pub fn describe(&self) -> String {
        let mut notes = Vec::new();
        match (self.kind, self.jit) {
            (OptionKind::OrganizationSso, _) => notes.push("organisation login, no JIT"),
            (_, Some(true)) => notes.push("JIT enabled"),
            (_, Some(false)) => notes.push("JIT disabled"),
            (OptionKind::UnknownIdp, _) => notes.push("unknown IdP"),
            _ => {}
        }
        if self.needs_local_account {
            notes.push("needs a local account");
        }
        let name = if self.authenticator.is_empty() {
            self.idp.clone()
        } else {
            format!("{}: {}", self.idp, self.authenticator)
        };
        if notes.is_empty() { name } else { format!("{name} ({})", notes.join(", ")) }
    }
}

impl Edge {
    /// The edge's label as lines of plain text: the callback, then the conditions.
    pub fn label_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(c) = &self.callback {
            lines.push(c.clone());
        }
        lines.extend(self.conditions.iter().cloned());
        lines
    }
}
