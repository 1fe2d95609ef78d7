//! ## What it does
//! Reports a comparison of `context.steps[n].idp` or `context.steps[n].authenticator` (also as a
//! `switch` case) with a value that step can never have at that point:
//! - `'local'`: the IdP of local authenticators is `LOCAL`, in capitals;
//! - an IdP name that step `n` does not offer (`'Gooogle'`), or that `authenticationOptions`
//!   filtered out before this point;
//! - a local authenticator compared as an idp (`idp == 'BasicAuthenticator'`), or an IdP compared
//!   as an authenticator;
//! - a step that has not run yet where the comparison is evaluated: the server evaluates a
//!   function body at once, so `context.steps[1]` is empty after `executeStep(1)` in the same
//!   function; only callbacks see the result.
//!
//! Both forms are reported: `== 'Gooogle'` is always false, `!= 'Gooogle'` always true.
//!
//! ## Why is this bad?
//! A guard that never matches is worse than none. `if (idp == 'local') { executeStep(2); }`
//! silently skips MFA for everyone; `if (idp != 'Gooogle') { executeStep(2); }` guards nothing and
//! leaves the JIT/MFA conflict in place while its author believes it fixed.
//!
//! ## Example
//! ```js
//! executeStep(1, { onSuccess: function (context) {
//!     if (context.steps[1].idp == 'local') { executeStep(2); }
//! } });
//! ```
//!
//! ## How to fix
//! Compare with a value the step can have: `'LOCAL'` for local authenticators, an IdP name as
//! configured in the step's options (names are case-sensitive), and read `context.steps[n]` only
//! in a callback that runs after step `n`.

use std::collections::BTreeSet;

use crate::analysis::AppAnalysis;
use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::model::{Application, LOCAL_IDP};
use crate::rules::{Context, Id};
use crate::script::interp::Comparison;
use crate::script::value::Field;

pub const ID: Id = "guard-never-matches";

pub fn check(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Diagnostic> {
    analysis.facts.comparisons.iter().filter_map(|(range, cmp)| diagnostic(ctx, app, *range, cmp)).collect()
}

fn field_name(field: Field) -> &'static str {
    match field {
        Field::Idp => "idp",
        Field::Authenticator => "authenticator",
    }
}

fn diagnostic(
    ctx: &Context,
    app: &Application,
    range: (usize, usize),
    cmp: &Comparison,
) -> Option<Diagnostic> {
    let index = app.step_index(cmp.step);
    let value_of = |option: &crate::model::StepOption| match cmp.field {
        Field::Idp => option.idp.value.clone(),
        Field::Authenticator => option.authenticator.value.clone(),
    };
    // What the field can be here: `None` where the step has not run.
    let possible: BTreeSet<Option<String>> = cmp
        .views
        .iter()
        .map(|view| {
            let step = app.steps.get(index?)?;
            let slot = *view.get(index?)?;
            (slot > 0).then(|| step.options.get(slot as usize - 1).map(value_of)).flatten()
        })
        .collect();
    if possible.is_empty() || possible.contains(&Some(cmp.value.clone())) {
        return None;
    }
    let field = field_name(cmp.field);
    let expr = format!("context.steps[{}].{field}", cmp.step);
    let offered: Vec<String> = index
        .and_then(|i| app.steps.get(i))
        .map(|s| {
            let mut v: Vec<String> = s.options.iter().map(value_of).collect();
            v.dedup();
            v
        })
        .unwrap_or_default();
    let value = &cmp.value;
    let mut replacement: Option<String> = None;
    let reason = if index.is_none() {
        format!("`{}` has no step {}, so `{expr}` is always undefined", app.name.value, cmp.step)
    } else if possible.iter().all(Option::is_none) {
        format!("step {} has not run yet where this is evaluated, so `{expr}` is undefined here", cmp.step)
    } else if let Some(right) = offered.iter().find(|o| o.eq_ignore_ascii_case(value) && *o != value) {
        replacement = Some(right.clone());
        format!("step {} offers `{right}` (names are case-sensitive)", cmp.step)
    } else if cmp.field == Field::Idp && is_local_authenticator(app, index, value) {
        format!("`{value}` is an authenticator; for local authenticators `{expr}` is `{LOCAL_IDP}`")
    } else if cmp.field == Field::Authenticator && offered_idps(app, index).contains(value) {
        format!("`{value}` is an identity provider, not an authenticator")
    } else if offered.contains(value) {
        let here: Vec<String> = possible.iter().flatten().map(|v| format!("`{v}`")).collect();
        format!("at this point step {} can only have run with {}", cmp.step, here.join(", "))
    } else {
        let listed: Vec<String> = offered.iter().map(|v| format!("`{v}`")).collect();
        format!("step {} offers {}, never `{value}`", cmp.step, listed.join(", "))
    };
    let (verdict, consequence) = if cmp.negated {
        ("is always true", "it guards nothing")
    } else {
        ("never matches", "the code it guards never runs")
    };
    let text = if cmp.in_switch {
        format!("case {}", ctx.script_text(app, range))
    } else {
        ctx.script_text(app, range)
    };
    let mut d = Diagnostic::new(ID, ctx.script_span(app, range), format!("`{text}` {verdict}: {reason}"))
        .with_label(format!("{verdict}: {consequence}"))
        .with_app(&app.name.value);
    d.step = Some(cmp.step);
    let help = match (&replacement, possible.iter().all(Option::is_none)) {
        (Some(right), _) => format!("compare with `'{right}'`"),
        (None, true) => {
            format!("read `{expr}` in a callback that runs after step {} (its onSuccess)", cmp.step)
        }
        (None, false) => {
            let listed: Vec<String> = offered.iter().map(|v| format!("'{v}'")).collect();
            format!("compare with a value step {} offers: {}", cmp.step, listed.join(", "))
        }
    };
    d.help = Some(help);
    if let (Some(right), Some((start, end)), Some(script)) = (replacement, cmp.literal, &app.script) {
        // Keep the quotes, replace the text between them.
        if end > start + 1 {
            d.fixes.push(Fix {
                strategy: None,
                title: format!("compare with `{right}`"),
                edits: vec![Edit {
                    span: script.host_span(ctx.files, start + 1, end - 1),
                    replacement: right,
                }],
            });
        }
    }
    Some(d)
}

fn is_local_authenticator(app: &Application, index: Option<usize>, value: &str) -> bool {
    index
        .and_then(|i| app.steps.get(i))
        .is_some_and(|s| s.options.iter().any(|o| o.is_local() && o.authenticator.value == value))
}

fn offered_idps(app: &Application, index: Option<usize>) -> Vec<String> {
    index
        .and_then(|i| app.steps.get(i))
        .map(|s| s.options.iter().map(|o| o.idp.value.clone()).collect())
        .unwrap_or_default()
}
