//! ## What it does
//! Reports an `authenticationOptions` entry of `executeStep(n, options, callbacks)` that names an
//! IdP or authenticator step `n` does not offer.
//!
//! ## Why is this bad?
//! The entry filters nothing in: the step offers fewer options than the author intended, or, when
//! no entry matches, the filter is dropped and every option is offered (authlint assumes the
//! latter, the safe reading for its other rules). Either way the script does not do what it
//! says. IdP and authenticator names are case-sensitive.
//!
//! ## Example
//! ```js
//! // Step 1 offers LOCAL/BasicAuthenticator and Google.
//! executeStep(1, { authenticationOptions: [{ idp: 'google' }] }, {});
//! ```
//!
//! ## How to fix
//! Use a name the step offers (see the step's options in the application), or add the option to
//! the step.

use crate::analysis::AppAnalysis;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::model::Application;
use crate::rules::{Context, Id};

pub const ID: Id = "unknown-authentication-option";

pub fn check(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for call in analysis.facts.calls.values() {
        let Some(step) = call.step.and_then(|id| app.step(id)) else {
            continue;
        };
        for filter in &call.filters {
            let (idp, authenticator) = (filter.idp.as_deref(), filter.authenticator.as_deref());
            if idp.is_none() && authenticator.is_none() {
                continue;
            }
            let matches = step.options.iter().any(|o| {
                idp.is_none_or(|x| x == o.idp.value)
                    && authenticator.is_none_or(|x| x == o.authenticator.value)
            });
            if matches {
                continue;
            }
            let described = match (idp, authenticator) {
                (Some(i), Some(a)) => format!("idp `{i}` with authenticator `{a}`"),
                (Some(i), None) => format!("idp `{i}`"),
                (None, Some(a)) => format!("authenticator `{a}`"),
                (None, None) => continue,
            };
            let offered: Vec<String> =
                step.options.iter().map(|o| format!("{}/{}", o.idp.value, o.authenticator.value)).collect();
            let span = ctx.script_span(app, filter.span);
            let mut d = Diagnostic::new(
                ID,
                span,
                format!("step {} of `{}` offers no option with {described}", step.id, app.name.value),
            )
            .with_label("matches none of the step's options")
            .with_help(format!("step {} offers {}", step.id, offered.join(", ")))
            .with_app(&app.name.value);
            d.step = Some(step.id);
            d.idp = filter.idp.clone();
            d.authenticator = filter.authenticator.clone();
            // A name that differs only in case: offer the right spelling.
            let idps: Vec<&str> = step.options.iter().map(|o| o.idp.value.as_str()).collect();
            let auths: Vec<&str> = step.options.iter().map(|o| o.authenticator.value.as_str()).collect();
            let corrected = idp
                .and_then(|i| same_but_case(i, &idps).map(|r| (i, r)))
                .or_else(|| authenticator.and_then(|a| same_but_case(a, &auths).map(|r| (a, r))));
            let Some((wrong, right)) = corrected else {
                out.push(d);
                continue;
            };
            if let Some(script) = &app.script
                && let Some(at) = script.text.get(filter.span.0..filter.span.1).and_then(|t| t.find(wrong))
            {
                let start = filter.span.0 + at;
                d.fixes.push(Fix {
                    strategy: None,
                    title: format!("use `{right}`"),
                    edits: vec![Edit {
                        span: script.host_span(ctx.files, start, start + wrong.len()),
                        replacement: right.to_string(),
                    }],
                });
            }
            out.push(d);
        }
    }
    out
}

/// The name in `names` that equals `wanted` but for case.
fn same_but_case<'a>(wanted: &str, names: &[&'a str]) -> Option<&'a str> {
    names.iter().copied().find(|n| n.eq_ignore_ascii_case(wanted) && *n != wanted)
}
