//! ## What it does
//! Notes an application whose conditional-authentication script is disabled
//! (`authenticationScriptConfig.enabled: false`, `<AuthenticationScript enabled="false">`) when
//! enabling it would change authlint's verdict on the JIT/MFA conflict.
//!
//! ## Why is this bad?
//! A disabled script is not run: every configured step runs in order, whatever the script says.
//! Reviewers often read the script and believe it guards MFA. The note says which verdict holds
//! now and which would hold with the script enabled.
//!
//! ## Example
//! ```yaml
//! authenticationScriptConfig:
//!   enabled: false
//!   content: |
//!     var onLoginRequest = function (context) { ... if (context.steps[1].idp == 'LOCAL') ... };
//! ```
//!
//! ## How to fix
//! Enable the script if it is meant to run, or delete it if it is not.

use std::collections::BTreeSet;

use crate::analysis::AppAnalysis;
use crate::diagnostic::Diagnostic;
use crate::model::Application;
use crate::rules::{Context, Id, jit_mfa_conflict};

pub const ID: Id = "disabled-script";

fn conflicts(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> BTreeSet<String> {
    jit_mfa_conflict::check(ctx, app, analysis)
        .iter()
        .map(|d| format!("{} users reach step {}", d.idp.as_deref().unwrap_or("?"), d.step.unwrap_or(0)))
        .collect()
}

pub fn check(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Diagnostic> {
    let (Some(script), Some(enabled)) = (&app.script, &analysis.if_enabled) else {
        return Vec::new();
    };
    let now = conflicts(ctx, app, analysis);
    let then = conflicts(ctx, app, enabled);
    if now == then {
        return Vec::new();
    }
    let describe = |set: &BTreeSet<String>| {
        if set.is_empty() {
            "no JIT/MFA conflict".to_string()
        } else {
            set.iter().cloned().collect::<Vec<_>>().join("; ")
        }
    };
    let (span, why) = if app.uses_default_flow && script.enabled {
        (script.span, "uses the tenant's default flow, so its script does not run")
    } else {
        (script.enabled_span.unwrap_or(script.span), "has its script disabled")
    };
    vec![
        Diagnostic::new(ID, span, format!("`{}` {why}: every step runs in order", app.name.value))
            .with_label("the server does not run this script")
            .with_help(format!(
                "now: {}. With the script enabled: {}. Enable the script if it is meant to run, or delete it",
                describe(&now),
                describe(&then)
            ))
            .with_app(&app.name.value),
    ]
}
