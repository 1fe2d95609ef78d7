//! ## What it does
//! Reports a step option whose `idp` is neither `LOCAL` nor the name of an identity provider
//! found in the files being checked.
//!
//! ## Why is this bad?
//! authlint cannot know whether that IdP provisions users (JIT), so it cannot tell whether MFA
//! after it works: no `jit-mfa-conflict` is reported for it. Often the IdP's file is simply not
//! part of the run, or the name is misspelt (IdP names are case-sensitive).
//!
//! ## Example
//! ```yaml
//! options:
//!   - idp: Gogle            # the IdP is called "Google"
//!     authenticator: GoogleOIDCAuthenticator
//! ```
//!
//! ## How to fix
//! Include the IdP's file in the run (`authlint check Applications/ IdentityProviders/`), or
//! correct the name.

use crate::diagnostic::Diagnostic;
use crate::model::Application;
use crate::rules::{Context, Id};

pub const ID: Id = "unknown-idp";

pub fn check(ctx: &Context, app: &Application) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for step in &app.steps {
        for option in &step.options {
            if option.is_local() || ctx.model.identity_providers.contains_key(&option.idp.value) {
                continue;
            }
            let known: Vec<&str> = ctx.model.identity_providers.keys().map(String::as_str).collect();
            let suggestion = closest(&option.idp.value, &known);
            let mut help = format!(
                "include the file that defines `{}` in the run, or use the name of a known IdP",
                option.idp.value
            );
            if let Some(s) = suggestion {
                help = format!("did you mean `{s}`? Otherwise {help}");
            }
            let mut d = Diagnostic::new(
                ID,
                option.idp_entry,
                format!(
                    "step {} of `{}` uses the unknown identity provider `{}`",
                    step.id, app.name.value, option.idp.value
                ),
            )
            .with_label("no identity provider with this name was found: its JIT setting is unknown")
            .with_help(help)
            .with_app(&app.name.value);
            d.idp = Some(option.idp.value.clone());
            d.step = Some(step.id);
            d.authenticator = Some(option.authenticator.value.clone());
            out.push(d);
        }
    }
    out
}

/// A known name that differs from `name` only in case or by at most two edits.
fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(&name.to_lowercase(), &k.to_lowercase()), *k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        assert_eq!(closest("Gogle", &["Google", "Corporate-AD"]), Some("Google"));
        assert_eq!(closest("google", &["Google"]), Some("Google"));
        assert_eq!(closest("Okta", &["Google"]), None);
    }
}
