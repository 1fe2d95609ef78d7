//! ## What it does
//! Reports `executeStep(n)` where the application's authentication sequence has no step `n`.
//!
//! ## Why is this bad?
//! The server cannot run a step that is not configured: the sign-in fails at that point for
//! every user who reaches it. It usually comes from a step that was deleted in the console while
//! the script kept calling it, or from steps renumbered after an edit.
//!
//! ## Example
//! ```js
//! // The sequence has steps 1 and 2.
//! executeStep(1, { onSuccess: function (context) { executeStep(3); } });
//! ```
//!
//! ## How to fix
//! Call one of the configured steps, or add the step to the sequence.

use crate::analysis::AppAnalysis;
use crate::diagnostic::Diagnostic;
use crate::model::Application;
use crate::rules::{Context, Id};
use crate::script::interp::Site;

pub const ID: Id = "undefined-step";

pub fn check(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Diagnostic> {
    let configured: Vec<String> = app.steps.iter().map(|s| s.id.to_string()).collect();
    analysis
        .events()
        .filter(|e| !e.configured)
        .filter_map(|event| {
            let Site::Script { start, end } = event.site else {
                return None;
            };
            let step = event.written.clone().unwrap_or_else(|| event.step.to_string());
            let mut d = Diagnostic::new(
                ID,
                ctx.script_span(app, (start, end)),
                format!("`{}` has no step {step}, but the script runs it", app.name.value),
            )
            .with_label(format!("step {step} is not configured: sign-in fails here"))
            .with_help(format!(
                "the configured steps are {}; call one of them or add step {step} to the sequence",
                if configured.is_empty() { "none".to_string() } else { configured.join(", ") }
            ))
            .with_app(&app.name.value);
            d.step = event.written.is_none().then_some(event.step);
            d.trace =
                event.flow.values().next().map(|t| ctx.render_trace(app, &t.entries())).unwrap_or_default();
            Some(d)
        })
        .collect()
}
