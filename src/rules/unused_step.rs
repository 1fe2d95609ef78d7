//! ## What it does
//! Reports a configured step that no path of the script executes, including a step that is
//! reached only under conditions that can never hold.
//!
//! ## Why is this bad?
//! The console shows the step as part of the sign-in flow, so reviewers believe it protects the
//! application, but no user ever goes through it. An MFA step that never runs is MFA that is
//! not there.
//!
//! ## Example
//! ```js
//! // Step 2 (TOTP) is configured, but the guard compares with 'local', which never matches.
//! executeStep(1, { onSuccess: function (context) {
//!     if (context.steps[1].idp == 'local') { executeStep(2); }
//! } });
//! ```
//!
//! ## How to fix
//! Run the step where it is meant to run (and fix the condition that keeps it from running), or
//! remove it from the sequence.

use crate::analysis::AppAnalysis;
use crate::diagnostic::Diagnostic;
use crate::model::Application;
use crate::rules::{Context, Id};

pub const ID: Id = "unused-step";

pub fn check(_ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Diagnostic> {
    // Without a script every step runs; an unfinished analysis cannot prove a step unused; a
    // script without `onLoginRequest` is another problem.
    if app.script.is_none() || analysis.facts.incomplete || analysis.facts.no_entry_point {
        return Vec::new();
    }
    app.steps
        .iter()
        .filter(|step| !analysis.events().any(|e| e.configured && e.step == step.id))
        .map(|step| {
            let mut d = Diagnostic::new(
                ID,
                step.span,
                format!("step {} of `{}` never runs: no path of the script executes it", step.id, app.name.value),
            )
            .with_label("configured, but never executed")
            .with_help(format!(
                "call `executeStep({})` where the step is meant to run (check the conditions around it), or remove the step",
                step.id
            ))
            .with_app(&app.name.value);
            d.step = Some(step.id);
            d
        })
        .collect()
}
