//! ## What it does
//! Reports a step whose authenticator needs a local account (TOTP, Email OTP, ...) that can run
//! before the subject-identifier step has completed on some path.
//!
//! ## Why is this bad?
//! MFA verifies the subject: the user identified by the subject step (`subjectStepId`, default
//! 1, or a step run with `markAsSubjectIdentifierStep: 'true'`). Before that step has run there is
//! no user to verify, and the authenticator fails (or, worse, verifies a user identified by a
//! step that is not meant to identify anyone).
//!
//! ## Example
//! ```js
//! // subjectStepId is 2, but TOTP (step 3) runs first.
//! executeStep(3);
//! executeStep(2);
//! ```
//!
//! ## How to fix
//! Run the MFA step after the subject step, for instance in its `onSuccess` callback, or make
//! the step that identifies the user the subject step.

use std::collections::BTreeMap;

use crate::analysis::AppAnalysis;
use crate::diagnostic::Diagnostic;
use crate::model::Application;
use crate::rules::{Context, Id, Witness, mfa_runs};
use crate::script::interp::Site;
use crate::script::state::Trace;

pub const ID: Id = "mfa-before-subject";

pub fn check(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Diagnostic> {
    find(ctx, app, analysis)
        .into_iter()
        .map(|(step_id, (site, option, subject, trace))| {
            let mfa = app.step(step_id).and_then(|s| s.options.get(option));
            let name = mfa.map_or_else(String::new, |o| o.authenticator.value.clone());
            let display = ctx.catalogue.needs_local_account(&name).map_or(name.clone(), |a| a.display.clone());
            let subject_id = app.steps[subject].id;
            let span = match site {
                Site::Script { start, end } => ctx.script_span(app, (start, end)),
                Site::Config(_) => mfa.map_or(app.name.span, |o| o.authenticator_entry),
            };
            let mut d = Diagnostic::new(
                ID,
                span,
                format!("`{}`: {display} (step {step_id}) can run before the subject step {subject_id} has identified the user", app.name.value),
            )
            .with_label(format!("step {subject_id} has not run yet on this path: there is no user to verify"))
            .with_help(format!(
                "run step {step_id} after step {subject_id}, for instance in the onSuccess callback of step {subject_id}, or make the step that identifies the user the subject step"
            ))
            .with_app(&app.name.value);
            let mut path = ctx.render_trace(app, &trace.entries());
            path.push(match site {
                Site::Script { start, .. } => {
                    let at = ctx.script_line(app, start).map(|l| format!("{l}: ")).unwrap_or_default();
                    format!("{at}executeStep({step_id}) runs {display} before step {subject_id} identified the user")
                }
                Site::Config(_) => format!(
                    "step {step_id} runs {display} before step {subject_id} (no script: steps run in order)"
                ),
            });
            d.trace = path;
            d.step = Some(step_id);
            d.authenticator = Some(name);
            d
        })
        .collect()
}

/// The witness of each finding `check` makes, for the flow graph.
pub fn witnesses(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Witness> {
    find(ctx, app, analysis)
        .into_iter()
        .map(|(step, (_, option, _, trace))| Witness {
            rule: ID,
            step,
            idp: None,
            trace: trace.clone(),
            options: vec![(step, option)],
        })
        .collect()
}

/// One finding per MFA step: the first site, the shortest witness (site, MFA option, subject
/// step index, witness).
fn find<'a>(
    ctx: &'a Context,
    app: &'a Application,
    analysis: &'a AppAnalysis,
) -> BTreeMap<u32, (Site, usize, usize, &'a Trace)> {
    let mut found: BTreeMap<u32, (Site, usize, usize, &Trace)> = BTreeMap::new();
    for run in mfa_runs(ctx, app, analysis) {
        if run.state.has_run(run.subject) {
            continue;
        }
        let better = found
            .get(&run.event.step)
            .is_none_or(|(site, _, _, t)| *site == run.event.site && t.len() > run.trace.len());
        if better {
            found.insert(run.event.step, (run.event.site, run.option, run.subject, run.trace));
        }
    }
    found
}
