//! The rules: judgements over the flow model and the analysis facts.
//!
//! One file per rule; its doc comment is the rule's user documentation. Rules never look at
//! scripts themselves: they query the events the analysis produced.

pub mod analysis_incomplete;
pub mod invalid_config;
pub mod io_error;
pub mod jit_mfa_conflict;
pub mod syntax_error;
pub mod unknown_idp;

/// A stable rule id, as printed in every diagnostic.
pub type Id = &'static str;

use crate::analysis::AppAnalysis;
use crate::catalogue::Catalogue;
use crate::diagnostic::Diagnostic;
use crate::model::{Application, FlowModel, JitSetting};
use crate::script::state::TraceEntry;
use crate::source::SourceFiles;

/// What every rule may read.
pub struct Context<'a> {
    pub files: &'a SourceFiles,
    pub model: &'a FlowModel,
    pub catalogue: &'a Catalogue,
}

/// Runs every rule on one analysed application.
pub fn check_application(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Diagnostic> {
    let mut out = unknown_idp::check(ctx, app);
    out.extend(jit_mfa_conflict::check(ctx, app, analysis));
    if analysis.facts.incomplete {
        out.push(analysis_incomplete::diagnostic(app));
    }
    out
}

impl Context<'_> {
    /// Where a script offset of `app` is in its host file: "line N", or "line N:C" when the
    /// whole script is on one line (a JSON string).
    pub fn script_line(&self, app: &Application, offset: usize) -> Option<String> {
        let script = app.script.as_ref()?;
        let span = script.host_span(offset, offset);
        let file = self.files.get(span.file);
        let lc = file.line_col(span.start);
        let one_line = file.line_col(script.span.start).line == file.line_col(script.span.end).line;
        Some(if one_line {
            format!("line {}:{}", lc.line, lc.column)
        } else {
            format!("line {}", lc.line)
        })
    }

    /// How an option reads in a trace: "Google (JIT disabled)" or "BasicAuthenticator".
    pub fn describe_option(&self, app: &Application, step: u32, option: usize) -> String {
        let Some(opt) = app.step(step).and_then(|s| s.options.get(option)) else {
            return format!("option {}", option + 1);
        };
        if opt.is_local() {
            return opt.authenticator.value.clone();
        }
        match self.model.identity_providers.get(&opt.idp.value) {
            Some(idp) if idp.jit_enabled() => format!("{} (JIT enabled)", opt.idp.value),
            Some(idp) if matches!(idp.jit, JitSetting::Missing) => {
                format!("{} (JIT not configured: disabled)", opt.idp.value)
            }
            Some(_) => format!("{} (JIT disabled)", opt.idp.value),
            None => format!("{} (unknown IdP)", opt.idp.value),
        }
    }

    /// One line per trace entry, with host-file line numbers.
    pub fn render_trace(&self, app: &Application, entries: &[TraceEntry]) -> Vec<String> {
        let at = |offset: usize| {
            self.script_line(app, offset)
                .map(|l| format!("{l}: "))
                .unwrap_or_default()
        };
        entries
            .iter()
            .map(|entry| match entry {
                TraceEntry::StepRan { step, option, site } => {
                    let verb = match app.step(*step).and_then(|s| s.options.get(*option)) {
                        Some(o) if !o.is_local() => "signed in with",
                        _ => "ran",
                    };
                    let prefix = site.map(at).unwrap_or_default();
                    format!(
                        "{prefix}step {step} {verb} {}",
                        self.describe_option(app, *step, *option)
                    )
                }
                TraceEntry::StepFailed { step, callback, site } => {
                    format!("{}step {step} failed -> {callback}", at(*site))
                }
                TraceEntry::Callback { name, offset } => format!("{}{name}", at(*offset)),
                TraceEntry::Branch { text, taken, offset } => format!("{}`{text}` is {taken}", at(*offset)),
                TraceEntry::Subject { step } => {
                    format!("step {step} becomes the subject (markAsSubjectIdentifierStep)")
                }
            })
            .collect()
    }
}
