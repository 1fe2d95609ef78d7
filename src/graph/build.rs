//! Building a [`FlowGraph`] from a checked run: the application's steps, the analysis' witness
//! paths cut into edges, and the report's findings matched to their witnesses.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    ConflictPath, Edge, FlowGraph, MAX_CONDITIONS, MAX_EDGES, MAX_PATHS, MAX_STEPS, Node, NodeKind,
    OptionKind, OptionNode, OptionRef,
};
use crate::analysis::{self, AppAnalysis};
use crate::catalogue::Catalogue;
use crate::check::Report;
use crate::diagnostic::Diagnostic;
use crate::model::{Application, Connection, application_at};
use crate::report::severity_name;
use crate::rules::{self, Context, Witness};
use crate::script::interp::{Site, StepEvent};
use crate::script::state::{Trace, TraceEntry};

const START: usize = 0;

/// The rules whose findings follow a path through the flow, drawn on the graph.
const PATH_RULES: &[&str] =
    &[rules::jit_mfa_conflict::ID, rules::mfa_before_subject::ID, rules::undefined_step::ID];

/// An edge before it has its place: (source node, target node, conditions, callback), node
/// positions in `nodes`, so that sorting the keys sorts edges by node order.
type EdgeKey = (usize, usize, Vec<String>, Option<String>);

/// The flow graph of application `app_index` (into `report.model.applications`). `catalogue` is
/// the one the run used (custom authenticators included). The analysis is run again: the
/// report keeps the model and the findings, not the analysis.
pub fn build(report: &Report, catalogue: &Catalogue, app_index: usize) -> FlowGraph {
    let Some(app) = report.model.applications.get(app_index) else {
        return FlowGraph {
            app: String::new(),
            tenant: None,
            file: String::new(),
            has_script: false,
            nodes: Vec::new(),
            edges: Vec::new(),
            conflicts: Vec::new(),
            truncated: false,
            notes: vec![format!("no application number {app_index} in this run")],
        };
    };
    let ctx = Context { files: &report.files, model: &report.model, catalogue, tenants: &report.tenants };
    let mut builder = Builder::new(&ctx, app);
    let has_script = app.script.as_ref().is_some_and(|s| s.enabled) && !app.uses_default_flow;
    if app.uses_default_flow {
        builder.notes.push(
            "the application uses the tenant's default flow: the steps stated in its file are shown".into(),
        );
    } else if app.script.as_ref().is_some_and(|s| !s.enabled) {
        builder.notes.push("the script is disabled: the steps run in configuration order".into());
    }
    let analysis = analysis::analyze_app(app);
    let mut conflicts = Vec::new();
    match &analysis {
        Ok(analysis) => {
            builder.add_unconfigured(analysis);
            if analysis.facts.incomplete || analysis.facts.stale_callbacks {
                builder.notes.push("the analysis is incomplete: some transitions may be missing".into());
            }
            if analysis.facts.no_entry_point && has_script {
                builder.notes.push("the script defines no onLoginRequest".into());
            }
            let witnesses = rules::witnesses(&ctx, app, analysis);
            let findings = report.diagnostics.iter().filter(|d| belongs_to(report, d, app_index));
            for d in findings.filter(|d| PATH_RULES.contains(&d.rule)) {
                if let Some(path) = builder.finding_path(d, &witnesses, analysis) {
                    conflicts.push(path);
                }
            }
            builder.add_flow_edges(analysis);
        }
        // `too_deep` covers every script refused before parsing (too large, nested too deeply,
        // too many labels): the message says which.
        Err(e) => builder.notes.push(if e.too_deep {
            format!("the script is not analysed ({}): transitions are not known", e.message)
        } else {
            format!("the script is not valid JavaScript ({}): transitions are not known", e.message)
        }),
    }
    builder.finish(report, has_script, conflicts)
}

/// Whether finding `d` is about application `index`: by name, in the application's file, and
/// in its document when another document of the file has the same name.
fn belongs_to(report: &Report, d: &Diagnostic, index: usize) -> bool {
    let applications = &report.model.applications;
    let Some(app) = applications.get(index) else { return false };
    if d.app.as_deref() != Some(app.name.value.as_str()) || d.span.file != app.file {
        return false;
    }
    // A file's applications are next to each other in the model (`FlowModel::add` appends the
    // definitions of one file at once): the namesakes are looked for among those neighbours.
    let same_file = |i: usize| applications.get(i).is_some_and(|a| a.file == app.file);
    let first = (0..index).rev().take_while(|&i| same_file(i)).last().unwrap_or(index);
    let end = (index..applications.len()).take_while(|&i| same_file(i)).last().map_or(index + 1, |i| i + 1);
    let namesakes: Vec<usize> =
        (first..end).filter(|&i| applications[i].name.value == app.name.value).collect();
    namesakes.len() == 1 || application_at(applications, &namesakes, d.span.start) == Some(index)
}

/// A finding's path while the graph is built: its edges as keys.
struct PendingPath {
    diagnostic: Diagnostic,
    keys: Vec<EdgeKey>,
    options: Vec<OptionRef>,
}

struct Builder<'a> {
    ctx: &'a Context<'a>,
    app: &'a Application,
    nodes: Vec<Node>,
    /// Step id -> position of its node (the first definition of an id).
    step_nodes: BTreeMap<u32, usize>,
    /// Sites of `executeStep` calls that name no step -> position of their node.
    invalid_nodes: BTreeMap<Site, usize>,
    edges: BTreeSet<EdgeKey>,
    paths_followed: usize,
    truncated: bool,
    notes: Vec<String>,
}

impl<'a> Builder<'a> {
    fn new(ctx: &'a Context<'a>, app: &'a Application) -> Builder<'a> {
        let mut nodes = vec![Node {
            id: "start".into(),
            kind: NodeKind::Start,
            step: None,
            label: "Start".into(),
            options: Vec::new(),
            configured: true,
        }];
        let mut step_nodes = BTreeMap::new();
        for (k, step) in app.steps.iter().enumerate().take(MAX_STEPS) {
            let id = match step_nodes.entry(step.id) {
                std::collections::btree_map::Entry::Occupied(_) => format!("step-{}-{}", step.id, k + 1),
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(nodes.len());
                    format!("step-{}", step.id)
                }
            };
            let options = step.options.iter().map(|o| option_node(ctx, app, o)).collect();
            nodes.push(Node {
                id,
                kind: NodeKind::Step,
                step: Some(step.id),
                label: format!("Step {}", step.id),
                options,
                configured: true,
            });
        }
        let mut builder = Builder {
            ctx,
            app,
            nodes,
            step_nodes,
            invalid_nodes: BTreeMap::new(),
            edges: BTreeSet::new(),
            paths_followed: 0,
            truncated: false,
            notes: Vec::new(),
        };
        if app.steps.len() > MAX_STEPS {
            builder.truncated = true;
            builder.notes.push(format!(
                "only the first {MAX_STEPS} of {} configured steps are shown",
                app.steps.len()
            ));
        }
        builder
    }

    /// Nodes for the steps the script runs that the configuration does not define: by step
    /// id, then calls that name no step at all, in script order.
    fn add_unconfigured(&mut self, analysis: &AppAnalysis) {
        let unconfigured: BTreeSet<u32> = analysis
            .events()
            .filter(|e| !e.configured && e.written.is_none() && !self.step_nodes.contains_key(&e.step))
            .map(|e| e.step)
            .take(MAX_STEPS)
            .collect();
        for step in unconfigured {
            self.step_nodes.insert(step, self.nodes.len());
            self.nodes.push(Node {
                id: format!("step-{step}"),
                kind: NodeKind::Step,
                step: Some(step),
                label: format!("Step {step} (not configured)"),
                options: Vec::new(),
                configured: false,
            });
        }
        for event in analysis.events().filter(|e| !e.configured).take(MAX_STEPS) {
            let Some(written) = &event.written else { continue };
            self.invalid_nodes.insert(event.site, self.nodes.len());
            self.nodes.push(Node {
                id: format!("invalid-{}", self.invalid_nodes.len()),
                kind: NodeKind::Step,
                step: None,
                label: format!("executeStep({written}): no such step"),
                options: Vec::new(),
                configured: false,
            });
        }
    }

    /// The node an event runs.
    fn event_node(&self, event: &StepEvent) -> Option<usize> {
        match event.written {
            Some(_) => self.invalid_nodes.get(&event.site).copied(),
            None => self.step_nodes.get(&event.step).copied(),
        }
    }

    /// Edges from every witness path of the analysis: to each place a step runs, and to the end.
    fn add_flow_edges(&mut self, analysis: &AppAnalysis) {
        let end = self.nodes.len();
        let mut targets: Vec<(usize, &Trace)> = Vec::new();
        for event in analysis.events() {
            let Some(node) = self.event_node(event) else { continue };
            targets.extend(event.flow.values().map(|t| (node, t)));
        }
        targets.extend(analysis.facts.end.values().map(|t| (end, t)));
        for (node, trace) in targets {
            if self.paths_followed >= MAX_PATHS {
                self.truncated = true;
                self.notes.push(format!("only the first {MAX_PATHS} paths of the analysis were followed"));
                break;
            }
            self.paths_followed += 1;
            let keys = self.segments(&trace.entries(), node);
            self.edges.extend(keys);
        }
    }

    /// The edges of one path ending at node `target`.
    fn segments(&mut self, entries: &[TraceEntry], target: usize) -> Vec<EdgeKey> {
        let src = self.app.script.as_ref().map_or("", |s| s.text.as_str());
        let mut out = Vec::new();
        let mut from = START;
        let mut conditions: Vec<String> = Vec::new();
        let mut callbacks: Vec<String> = Vec::new();
        for entry in entries {
            match entry {
                // A failed step ran too: the path leaves it through its failure callback.
                TraceEntry::StepRan { step, .. } | TraceEntry::StepFailed { step, .. } => {
                    let Some(&to) = self.step_nodes.get(step) else { continue };
                    out.push(self.key(from, to, &mut conditions, &mut callbacks));
                    from = to;
                }
                TraceEntry::Callback { key, of, .. } => callbacks.push(of.describe(key.as_deref(), src)),
                TraceEntry::Branch { end, taken, offset } => {
                    let text = crate::script::snippet(src, *offset, *end);
                    let condition = if *taken { text } else { format!("!({text})") };
                    if !conditions.contains(&condition) {
                        conditions.push(condition);
                    }
                }
                TraceEntry::Subject { .. } => {}
            }
        }
        out.push(self.key(from, target, &mut conditions, &mut callbacks));
        out
    }

    /// The key of one edge, taking the conditions and callbacks gathered since the last step.
    fn key(
        &mut self,
        from: usize,
        to: usize,
        conditions: &mut Vec<String>,
        callbacks: &mut Vec<String>,
    ) -> EdgeKey {
        let mut conditions = std::mem::take(conditions);
        if conditions.len() > MAX_CONDITIONS {
            let more = conditions.len() - MAX_CONDITIONS;
            conditions.truncate(MAX_CONDITIONS);
            conditions.push(format!("... and {more} more conditions"));
            self.truncated = true;
        }
        let callback = (!callbacks.is_empty()).then(|| std::mem::take(callbacks).join(", then "));
        (from, to, conditions, callback)
    }

    /// The path of a finding, from the witness the rule chose.
    fn finding_path(
        &mut self,
        d: &Diagnostic,
        witnesses: &[Witness],
        analysis: &AppAnalysis,
    ) -> Option<PendingPath> {
        let (trace, target, options) = if d.rule == rules::undefined_step::ID {
            // The rule shows the first witness of the call that names no configured step.
            let event = analysis.events().find(|e| {
                !e.configured
                    && matches!(e.site, Site::Script { start, end } if self.ctx.script_span(self.app, (start, end)) == d.span)
            })?;
            (event.flow.values().next()?.entries(), self.event_node(event)?, Vec::new())
        } else {
            let w =
                witnesses.iter().find(|w| w.rule == d.rule && Some(w.step) == d.step && w.idp == d.idp)?;
            let options = w
                .options
                .iter()
                .filter_map(|&(step, option)| {
                    let node = &self.nodes[*self.step_nodes.get(&step)?];
                    Some(OptionRef { node: node.id.clone(), option })
                })
                .collect();
            (w.trace.entries(), *self.step_nodes.get(&w.step)?, options)
        };
        let keys = self.segments(&trace, target);
        Some(PendingPath { diagnostic: d.clone(), keys, options })
    }

    fn finish(mut self, report: &Report, has_script: bool, paths: Vec<PendingPath>) -> FlowGraph {
        self.nodes.push(Node {
            id: "end".into(),
            kind: NodeKind::End,
            step: None,
            label: "End".into(),
            options: Vec::new(),
            configured: true,
        });
        // Edges on a finding's path are always kept; the others up to the limit, in order.
        let on_paths: BTreeSet<&EdgeKey> = paths.iter().flat_map(|p| &p.keys).collect();
        let room = MAX_EDGES.saturating_sub(on_paths.len());
        let others = self.edges.iter().filter(|k| !on_paths.contains(k)).count();
        let mut kept: BTreeSet<&EdgeKey> = on_paths.clone();
        kept.extend(self.edges.iter().filter(|k| !on_paths.contains(k)).take(room));
        if others > room {
            self.truncated = true;
            self.notes.push(format!("{} of {} transitions are shown", kept.len(), on_paths.len() + others));
        }
        let index: BTreeMap<&EdgeKey, usize> = kept.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let edges: Vec<Edge> = kept
            .iter()
            .map(|(from, to, conditions, callback)| Edge {
                from: self.nodes[*from].id.clone(),
                to: self.nodes[*to].id.clone(),
                conditions: conditions.clone(),
                callback: callback.clone(),
                on_conflict_path: on_paths.contains(&(*from, *to, conditions.clone(), callback.clone())),
            })
            .collect();
        let conflicts = paths
            .iter()
            .map(|p| {
                let mut node_ids = vec![self.nodes[START].id.clone()];
                node_ids.extend(p.keys.iter().map(|k| self.nodes[k.1].id.clone()));
                ConflictPath {
                    rule: p.diagnostic.rule.to_string(),
                    severity: severity_name(p.diagnostic.severity).to_string(),
                    message: p.diagnostic.message.clone(),
                    node_ids,
                    edges: p.keys.iter().filter_map(|k| index.get(k).copied()).collect(),
                    options: p.options.clone(),
                }
            })
            .collect();
        let app = self.app;
        FlowGraph {
            app: app.name.value.clone(),
            tenant: report.tenants.name(app.tenant).map(str::to_string),
            file: report.files.try_get(app.file).map_or_else(String::new, |f| f.display.clone()),
            has_script,
            nodes: self.nodes,
            edges,
            conflicts,
            truncated: self.truncated,
            notes: self.notes,
        }
    }
}

/// One option as the graph shows it.
fn option_node(ctx: &Context, app: &Application, option: &crate::model::StepOption) -> OptionNode {
    let (kind, jit) = if option.is_local() {
        (OptionKind::Local, None)
    } else {
        match ctx.model.connection(app.tenant, option) {
            Some(Connection::Defined(idp)) => (OptionKind::Federated, Some(idp.jit_enabled())),
            Some(Connection::OrganizationSso) => (OptionKind::OrganizationSso, Some(false)),
            None => (OptionKind::UnknownIdp, None),
        }
    };
    OptionNode {
        idp: option.idp.value.clone(),
        authenticator: option.authenticator.value.clone(),
        kind,
        jit,
        needs_local_account: ctx.catalogue.needs_local_account(&option.authenticator.value).is_some(),
    }
}
