//! ## What it does
//! Reports `executeStep(n, { authenticationOptions: ... })` or `executeStep(n, { stepOptions:
//! ... })` called with two arguments.
//!
//! ## Why is this bad?
//! With two arguments the server reads the second one as the callbacks object, so the options
//! are silently ignored: every configured option is offered, and `markAsSubjectIdentifierStep`
//! does not mark anything. A filter meant to allow only local login lets federated users in.
//!
//! ## Example
//! ```js
//! executeStep(1, { authenticationOptions: [{ authenticator: 'BasicAuthenticator' }] });
//! ```
//!
//! ## How to fix
//! Pass the options as the second of three arguments, with callbacks (or `{}`) third:
//! ```js
//! executeStep(1, { authenticationOptions: [{ authenticator: 'BasicAuthenticator' }] }, {});
//! ```

use crate::analysis::AppAnalysis;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::model::Application;
use crate::rules::{Context, Id};
use crate::source::Span;

pub const ID: Id = "ignored-step-options";

pub fn check(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Diagnostic> {
    analysis
        .facts
        .calls
        .values()
        .filter_map(|call| {
            let options = call.ignored_options?;
            let span = ctx.script_span(app, options);
            let step = call.step.map_or_else(|| "n".to_string(), |s| s.to_string());
            let mut d = Diagnostic::new(
                ID,
                span,
                format!("`executeStep({step}, ...)` has two arguments: the server reads these options as callbacks and ignores them"),
            )
            .with_label("ignored: read as the callbacks object")
            .with_help("pass callbacks (or `{}`) as a third argument so that these options apply")
            .with_app(&app.name.value);
            let at = span.end;
            d.fixes.push(Fix {
                strategy: None,
                title: "add `{}` as the third argument".into(),
                edits: vec![Edit { span: Span::new(span.file, at, at), replacement: ", {}".into() }],
            });
            d.step = call.step;
            Some(d)
        })
        .collect()
}
