//! ## What it does
//! Reports an application whose script the analysis could not follow to the end within its
//! budget (an enormous script, or loops and recursion that do not settle), and one whose code
//! changes variables after registering a callback that may read them: the server runs an
//! `onSuccess` (or `httpGet` callback) after the code that registered it has finished, with the
//! values that code left, while authlint analyses it with the values at registration.
//!
//! ## Why is this bad?
//! The other rules may then miss problems in this application: authlint says so instead of
//! silently passing it.
//!
//! ## How to fix
//! Simplify the script, or review the application by hand.

use crate::diagnostic::Diagnostic;
use crate::model::Application;
use crate::rules::Id;
use crate::source::Span;

pub const ID: Id = "analysis-incomplete";

pub fn diagnostic(app: &Application) -> Diagnostic {
    let span = app.script.as_ref().map_or(app.name.span, |s| s.span);
    Diagnostic::new(
        ID,
        span,
        format!("the script of `{}` is too complex to analyse completely", app.name.value),
    )
    .with_label("the analysis stopped inside this script")
    .with_help("findings for this application may be missing; simplify the script or review it by hand")
    .with_app(&app.name.value)
}

/// A callback that ran with variables its registering code changed afterwards.
pub fn stale_callbacks(app: &Application) -> Diagnostic {
    let span = app.script.as_ref().map_or(app.name.span, |s| s.span);
    Diagnostic::new(
        ID,
        span,
        format!(
            "the script of `{}` changes variables after registering a callback that may read them",
            app.name.value
        ),
    )
    .with_label("a callback here runs after the code that registered it, with the values that code left")
    .with_help(
        "authlint analyses a callback with the values at the moment it is registered: findings for this application may be missing. Set the values before the `executeStep` (or `httpGet`, ...) call that registers the callback, or review the flow by hand",
    )
    .with_app(&app.name.value)
}

/// A script nested too deeply to parse safely.
pub fn too_deep(app: &Application, span: Span, message: &str) -> Diagnostic {
    Diagnostic::new(ID, span, format!("the script of `{}` is not analysed: {message}", app.name.value))
        .with_label("nested too deeply")
        .with_help("findings for this application may be missing; flatten the script or review it by hand")
        .with_app(&app.name.value)
}
