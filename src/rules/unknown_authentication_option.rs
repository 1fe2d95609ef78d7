//! ## What it does
//! Reports an `authenticationOptions` entry of `executeStep(n, options, callbacks)` that keeps
//! none of step `n`'s options, and says what the server will really offer.
//!
//! The framework applies the filter this way (carbon-identity-framework,
//! `JsGraphBuilder.filterOptions`, the same in the Nashorn, GraalJS and remote builders): an entry
//! with an `authenticator` and no `idp` means idp `LOCAL`; an entry with an `idp` alone keeps
//! every authenticator of that IdP; with both, both must match; names match exactly
//! (authenticator names are the internal names, `totp`, as with
//! `AdaptiveAuth.AuthenticatorNameInAuthConfig.Enable`, which the IS 7 docs assume). **A filter
//! that keeps none of the step's options is ignored**: the step offers all of them (a WARN in the
//! server log). authlint's analysis reads filters the same way, and reads a filter it cannot
//! evaluate (built at run time from a lookup) as possibly matching nothing, so offering
//! everything. Edge case: when two or more IdPs of the step share one federated authenticator
//! type, the server groups their options and a non-matching filter can remove them all, leaving
//! no option; authlint keeps them all, which never hides a conflict.
//!
//! ## Why is this bad?
//! The entry filters nothing in: the step offers fewer options than the author intended, or,
//! when no entry matches, the filter is dropped and every option is offered, MFA the author
//! meant to exclude included. Either way the script does not do what it says.
//!
//! ## Example
//! ```js
//! // Step 1 offers LOCAL/BasicAuthenticator and Google/GoogleOIDCAuthenticator.
//! executeStep(1, { authenticationOptions: [{ idp: 'google' }] }, {});              // case
//! executeStep(1, { authenticationOptions: [{ authenticator: 'GoogleOIDCAuthenticator' }] }, {});
//! // ^ an authenticator without idp means LOCAL: write { idp: 'Google' }
//! ```
//!
//! ## How to fix
//! Use a name the step offers (see the step's options in the application), name the IdP of a
//! federated authenticator, or add the option to the step.

use crate::analysis::AppAnalysis;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::model::{Application, filter_entry_matches};
use crate::rules::{Context, Id};

pub const ID: Id = "unknown-authentication-option";

pub fn check(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for call in analysis.facts.calls.values() {
        let Some(step) = call.step.and_then(|id| app.step(id)) else {
            continue;
        };
        let keeps = |f: &crate::script::interp::Filter, o: &crate::model::StepOption| {
            filter_entry_matches(
                f.idp.as_deref(),
                f.authenticator.as_deref(),
                &o.idp.value,
                &o.authenticator.value,
            )
        };
        // What the server offers at this call: the options some entry keeps, or, when none is
        // kept (or an entry cannot be read), every option.
        let kept: Vec<&crate::model::StepOption> =
            step.options.iter().filter(|o| call.filters.iter().any(|f| f.known && keeps(f, o))).collect();
        let ignored_by_server = call.filters.iter().all(|f| f.known) && kept.is_empty();
        let list = |options: &[&crate::model::StepOption]| {
            options
                .iter()
                .map(|o| format!("{}/{}", o.idp.value, o.authenticator.value))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let every: Vec<&crate::model::StepOption> = step.options.iter().collect();
        for filter in &call.filters {
            let (idp, authenticator) = (filter.idp.as_deref(), filter.authenticator.as_deref());
            if !filter.known || (idp.is_none() && authenticator.is_none()) {
                continue;
            }
            if step.options.iter().any(|o| keeps(filter, o)) {
                continue;
            }
            // A federated authenticator named without its IdP: the framework reads it as LOCAL.
            let federated_idp = authenticator.filter(|_| idp.is_none()).and_then(|a| {
                step.options
                    .iter()
                    .find(|o| !o.is_local() && o.authenticator.value == a)
                    .map(|o| o.idp.value.clone())
            });
            let described = match (idp, authenticator) {
                (Some(i), Some(a)) => format!("idp `{i}` with authenticator `{a}`"),
                (Some(i), None) => format!("idp `{i}`"),
                (None, Some(a)) if federated_idp.is_some() => {
                    format!("authenticator `{a}` under LOCAL (an entry without `idp` means LOCAL)")
                }
                (None, Some(a)) => format!("authenticator `{a}`"),
                (None, None) => continue,
            };
            let span = ctx.script_span(app, filter.span);
            let offered = if ignored_by_server {
                format!(
                    "no entry of this filter matches, so the server ignores it and offers every option of step {}: {}",
                    step.id,
                    list(&every)
                )
            } else if kept.is_empty() {
                format!("step {} offers {}", step.id, list(&every))
            } else {
                format!("the server offers {} (what the other entries keep)", list(&kept))
            };
            // A federated authenticator named without its IdP: say which IdP to name.
            let federated_idp = authenticator.filter(|_| idp.is_none()).and_then(|a| {
                step.options
                    .iter()
                    .find(|o| !o.is_local() && o.authenticator.value == a)
                    .map(|o| o.idp.value.clone())
            });
            let mut help = offered;
            if let Some(name) = federated_idp.as_deref().map(crate::untrusted::one_line) {
                help.push_str(&format!("; to keep {name}, write `idp: '{name}'` in this entry"));
            }
            let mut d = Diagnostic::new(
                ID,
                span,
                format!("step {} of `{}` offers no option with {described}", step.id, app.name.value),
            )
            .with_label("matches none of the step's options")
            .with_help(help)
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
