//! The rules: judgements over the flow model and the analysis facts.
//!
//! One file per rule; its doc comment is the rule's user documentation. Rules never look at
//! scripts themselves: they query the events the analysis produced.

pub mod analysis_incomplete;
pub mod disabled_script;
pub mod duplicate_definition;
pub mod evidence;
pub mod guard_never_matches;
pub mod ignored_step_options;
pub mod invalid_config;
pub mod io_error;
pub mod jit_mfa_conflict;
pub mod mfa_before_subject;
pub mod stale_baseline;
pub mod syntax_error;
pub mod undefined_step;
pub mod unknown_authentication_option;
pub mod unknown_idp;
pub mod unused_step;
pub mod unused_suppression;

use std::sync::OnceLock;

use serde::Deserialize;

use crate::analysis::AppAnalysis;
use crate::catalogue::Catalogue;
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Application, Connection, FlowModel, JitSetting};
use crate::script::state::TraceEntry;
use crate::source::{SourceFiles, Span};

/// A stable rule id, as printed in every diagnostic.
pub type Id = &'static str;

/// Every rule's source file, whose leading `//!` comment is its documentation.
const SOURCES: &[(Id, &str)] = &[
    (jit_mfa_conflict::ID, include_str!("jit_mfa_conflict.rs")),
    (guard_never_matches::ID, include_str!("guard_never_matches.rs")),
    (undefined_step::ID, include_str!("undefined_step.rs")),
    (unused_step::ID, include_str!("unused_step.rs")),
    (mfa_before_subject::ID, include_str!("mfa_before_subject.rs")),
    (ignored_step_options::ID, include_str!("ignored_step_options.rs")),
    (unknown_authentication_option::ID, include_str!("unknown_authentication_option.rs")),
    (unknown_idp::ID, include_str!("unknown_idp.rs")),
    (duplicate_definition::ID, include_str!("duplicate_definition.rs")),
    (syntax_error::ID, include_str!("syntax_error.rs")),
    (invalid_config::ID, include_str!("invalid_config.rs")),
    (io_error::ID, include_str!("io_error.rs")),
    (analysis_incomplete::ID, include_str!("analysis_incomplete.rs")),
    (disabled_script::ID, include_str!("disabled_script.rs")),
    (unused_suppression::ID, include_str!("unused_suppression.rs")),
    (stale_baseline::ID, include_str!("stale_baseline.rs")),
];

/// One entry of the rule catalogue.
pub struct RuleInfo {
    pub id: Id,
    pub severity: Severity,
    pub summary: String,
    /// The rule's documentation (markdown).
    pub doc: String,
}

#[derive(Deserialize)]
struct CatalogueFile {
    rules: Vec<CatalogueEntry>,
}

#[derive(Deserialize)]
struct CatalogueEntry {
    id: String,
    severity: Severity,
    summary: String,
}

/// Every rule, in the order of `rules/rules.yaml`.
pub fn registry() -> &'static [RuleInfo] {
    static REGISTRY: OnceLock<Vec<RuleInfo>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        // Compiled in and covered by a test: a parse failure is a bug in authlint.
        let file: CatalogueFile = serde_saphyr::from_str(include_str!("../../rules/rules.yaml"))
            .expect("rules/rules.yaml is valid");
        file.rules
            .into_iter()
            .filter_map(|entry| {
                let (id, source) = SOURCES.iter().find(|(id, _)| *id == entry.id)?;
                Some(RuleInfo {
                    id,
                    severity: entry.severity,
                    summary: entry.summary,
                    doc: doc_comment(source),
                })
            })
            .collect()
    })
}

/// What `authlint explain RULE` prints (the HTML report shows the same text).
pub fn explain_text(info: &RuleInfo) -> String {
    format!(
        "# {} ({})\n\n{}\n\n{}",
        info.id,
        crate::report::severity_name(info.severity),
        info.summary,
        info.doc
    )
}

pub fn find(id: &str) -> Option<&'static RuleInfo> {
    registry().iter().find(|r| r.id == id)
}

/// The default severity of a rule (error for an id missing from the catalogue, which a test
/// rules out).
pub fn default_severity(id: &str) -> Severity {
    find(id).map_or(Severity::Error, |r| r.severity)
}

/// The leading `//!` block of a source file, without the comment markers.
fn doc_comment(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out
}

/// What every rule may read.
pub struct Context<'a> {
    pub files: &'a SourceFiles,
    pub model: &'a FlowModel,
    pub catalogue: &'a Catalogue,
    pub tenants: &'a crate::tenants::Tenants,
}

/// Runs every rule on one analysed application.
pub fn check_application(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Diagnostic> {
    let mut out = unknown_idp::check(ctx, app);
    out.extend(jit_mfa_conflict::check(ctx, app, analysis));
    out.extend(guard_never_matches::check(ctx, app, analysis));
    out.extend(undefined_step::check(ctx, app, analysis));
    out.extend(unused_step::check(ctx, app, analysis));
    out.extend(mfa_before_subject::check(ctx, app, analysis));
    out.extend(ignored_step_options::check(ctx, app, analysis));
    out.extend(unknown_authentication_option::check(ctx, app, analysis));
    out.extend(disabled_script::check(ctx, app, analysis));
    if analysis.facts.incomplete {
        out.push(analysis_incomplete::diagnostic(app));
    } else if analysis.facts.stale_callbacks {
        out.push(analysis_incomplete::stale_callbacks(app));
    }
    out
}

/// One way an authenticator that needs a local account can run: at `event`, with option
/// `option` of its step, in `state` (reached by `trace`), whose subject step is `subject` (an
/// index into the application's steps, never the MFA step itself).
pub struct MfaRun<'a> {
    pub event: &'a crate::script::interp::StepEvent,
    pub option: usize,
    pub authenticator: &'a crate::catalogue::Authenticator,
    pub state: &'a crate::script::state::State,
    pub trace: &'a crate::script::state::Trace,
    pub subject: usize,
}

/// Every [`MfaRun`] of an application: what the MFA rules judge.
pub fn mfa_runs<'a>(ctx: &'a Context, app: &'a Application, analysis: &'a AppAnalysis) -> Vec<MfaRun<'a>> {
    let mut out = Vec::new();
    for event in analysis.events().filter(|e| e.configured) {
        let Some(step) = app.step(event.step) else { continue };
        for &option in &event.options {
            let Some(mfa) = step.options.get(option) else { continue };
            let Some(authenticator) = ctx.catalogue.needs_local_account(&mfa.authenticator.value) else {
                continue;
            };
            for (state, trace) in &event.flow {
                let subject = state.subject() as usize;
                if state.subject() == crate::script::state::NO_SUBJECT
                    || app.steps.get(subject).is_none_or(|s| s.id == event.step)
                {
                    continue;
                }
                out.push(MfaRun { event, option, authenticator, state, trace, subject });
            }
        }
    }
    out
}

/// The path of one finding, for the flow graph (findings carry their path only as text): the
/// finding's rule, step and IdP say which finding it is.
pub struct Witness {
    pub rule: Id,
    pub step: u32,
    pub idp: Option<String>,
    /// The events on the way to the step, oldest first.
    pub trace: crate::script::state::Trace,
    /// The options the finding is about, as (step id, option index): the option the user signed
    /// in with, the MFA option.
    pub options: Vec<(u32, usize)>,
}

/// The witnesses of the path-carrying findings of one application (`jit-mfa-conflict`,
/// `mfa-before-subject`), in rule order.
pub fn witnesses(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Witness> {
    let mut out = jit_mfa_conflict::witnesses(ctx, app, analysis);
    out.extend(mfa_before_subject::witnesses(ctx, app, analysis));
    out
}

impl Context<'_> {
    /// Where a script offset of `app` is in its host file: "line N", or "line N:C" when the
    /// whole script is on one line (a JSON string).
    pub fn script_line(&self, app: &Application, offset: usize) -> Option<String> {
        let script = app.script.as_ref()?;
        let span = script.host_span(self.files, offset, offset);
        let file = self.files.get(span.file);
        let lc = file.line_col(span.start);
        let one_line = file.line_col(script.span.start).line == file.line_col(script.span.end).line;
        Some(if one_line { format!("line {}:{}", lc.line, lc.column) } else { format!("line {}", lc.line) })
    }

    /// The host-file span of a script range of `app` (the application's name when it has no
    /// script, which never happens for facts that come from a script).
    pub fn script_span(&self, app: &Application, (start, end): (usize, usize)) -> crate::source::Span {
        app.script.as_ref().map_or(app.name.span, |s| s.host_span(self.files, start, end))
    }

    /// The source text of a script range, whitespace collapsed.
    pub fn script_text(&self, app: &Application, (start, end): (usize, usize)) -> String {
        let text = app.script.as_ref().and_then(|s| s.text.get(start..end)).unwrap_or("");
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// How an option reads in a trace: "Google (JIT disabled)" or "BasicAuthenticator".
    pub fn describe_option(&self, app: &Application, step: u32, option: usize) -> String {
        let Some(opt) = app.step(step).and_then(|s| s.options.get(option)) else {
            return format!("option {}", option.saturating_add(1));
        };
        if opt.is_local() {
            return opt.authenticator.value.clone();
        }
        match self.model.connection(app.tenant, opt) {
            Some(Connection::Defined(idp)) if idp.jit_enabled() => format!("{} (JIT enabled)", opt.idp.value),
            Some(Connection::Defined(idp)) if matches!(idp.jit, JitSetting::Missing) => {
                format!("{} (JIT not configured: disabled)", opt.idp.value)
            }
            Some(Connection::Defined(_)) => format!("{} (JIT disabled)", opt.idp.value),
            Some(Connection::OrganizationSso) => {
                format!("{} (organisation login: no local account in this organisation)", opt.idp.value)
            }
            None => format!("{} (unknown IdP)", opt.idp.value),
        }
    }

    /// One line per trace entry, with host-file line numbers.
    pub fn render_trace(&self, app: &Application, entries: &[TraceEntry]) -> Vec<String> {
        self.render_trace_located(app, entries).into_iter().map(|(text, _)| text).collect()
    }

    /// The trace with, for each entry, where it happened (for SARIF code flows).
    pub fn render_trace_located(
        &self,
        app: &Application,
        entries: &[TraceEntry],
    ) -> Vec<(String, Option<Span>)> {
        let span_at = |offset: usize| app.script.as_ref().map(|s| s.host_span(self.files, offset, offset));
        let step_span = |step: u32| app.step(step).map(|s| s.span);
        let texts = self.render_trace_text(app, entries);
        texts
            .into_iter()
            .zip(entries)
            .map(|(text, entry)| {
                let span = match entry {
                    TraceEntry::StepRan { site: Some(offset), .. }
                    | TraceEntry::StepFailed { site: offset, .. }
                    | TraceEntry::Callback { offset, .. }
                    | TraceEntry::Branch { offset, .. } => span_at(*offset),
                    TraceEntry::StepRan { step, site: None, .. } | TraceEntry::Subject { step } => {
                        step_span(*step)
                    }
                };
                (text, span)
            })
            .collect()
    }

    fn render_trace_text(&self, app: &Application, entries: &[TraceEntry]) -> Vec<String> {
        let at = |offset: usize| self.script_line(app, offset).map(|l| format!("{l}: ")).unwrap_or_default();
        entries
            .iter()
            .map(|entry| match entry {
                TraceEntry::StepRan { step, option, site } => {
                    let verb = match app.step(*step).and_then(|s| s.options.get(*option)) {
                        Some(o) if !o.is_local() => "signed in with",
                        _ => "ran",
                    };
                    let prefix = site.map(at).unwrap_or_default();
                    if *option == crate::script::interp::ANY {
                        return format!("{prefix}step {step} ran");
                    }
                    format!("{prefix}step {step} {verb} {}", self.describe_option(app, *step, *option))
                }
                TraceEntry::StepFailed { step, callback, site } => {
                    format!("{}step {step} failed -> {callback}", at(*site))
                }
                TraceEntry::Callback { key, of, offset } => {
                    let src = app.script.as_ref().map_or("", |s| s.text.as_str());
                    format!("{}{}", at(*offset), of.describe(key.as_deref(), src))
                }
                TraceEntry::Branch { end, taken, offset } => {
                    let text = app
                        .script
                        .as_ref()
                        .map_or_else(String::new, |s| crate::script::snippet(&s.text, *offset, *end));
                    format!("{}`{text}` is {taken}", at(*offset))
                }
                TraceEntry::Subject { step } => {
                    format!("step {step} becomes the subject (markAsSubjectIdentifierStep)")
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_catalogued_and_documented() {
        assert_eq!(registry().len(), SOURCES.len(), "rules/rules.yaml and SOURCES list the same rules");
        for rule in registry() {
            for section in ["## What it does", "## Why is this bad?", "## How to fix"] {
                assert!(rule.doc.contains(section), "{} lacks `{section}`", rule.id);
            }
            assert!(!rule.summary.is_empty());
        }
        assert_eq!(default_severity("jit-mfa-conflict"), Severity::Error);
        // `explain jit-mfa-conflict` lists every authenticator of the catalogue with its class.
        let doc = &find("jit-mfa-conflict").map(|r| r.doc.clone()).unwrap_or_default();
        for a in &Catalogue::builtin().authenticators {
            assert!(doc.contains(&format!("`{}`", a.name)), "{} is not in the documentation", a.name);
        }
        assert_eq!(default_severity("unknown-idp"), Severity::Warning);
    }
}
