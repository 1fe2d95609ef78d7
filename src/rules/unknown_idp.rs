//! ## What it does
//! Reports a step option whose `idp` is neither `LOCAL` nor the name of an identity provider
//! found in the files of the application's own tenant (see the README, "Repositories with
//! several environments"): an IdP defined only in another environment's export does not count,
//! and the message says where it is defined.
//!
//! Built-in connections have no file of their own and are never reported: `LOCAL`, and IS 7's
//! organisation login connection `SSO` (authenticator `OrganizationAuthenticator`). The server
//! creates `SSO` without JIT provisioning (wso2-extensions identity-organization-management,
//! `OrgApplicationManagerUtil.createOrganizationSSOIDP`), and the organisation authenticator
//! signs users in as federated users of `SSO` (identity-auth-organization-login,
//! `OrganizationAuthenticator`, an OpenID Connect authenticator): they have no local account in
//! the root organisation, so `jit-mfa-conflict` treats `SSO` as an IdP with JIT disabled.
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
    let tenant = ctx.tenants.name(app.tenant);
    for step in &app.steps {
        for option in &step.options {
            if option.is_local() || ctx.model.connection(app.tenant, option).is_some() {
                continue;
            }
            let name = &option.idp.value;
            // Only this tenant's IdPs: another environment's file is no answer.
            let known: Vec<&str> =
                ctx.model.identity_providers(app.tenant).map(|idp| idp.name.value.as_str()).collect();
            let elsewhere: Vec<&str> = ctx
                .model
                .all_identity_providers()
                .filter(|idp| idp.tenant != app.tenant && &idp.name.value == name)
                .filter_map(|idp| ctx.tenants.name(idp.tenant))
                .collect();
            let suggestion = closest(name, &known);
            let name = crate::untrusted::one_line(name);
            let mut help = match tenant {
                Some(t) => format!(
                    "add the file that defines `{name}` to this tenant (`{t}`), or use the name of one of its IdPs"
                ),
                None => format!(
                    "include the file that defines `{name}` in the run, or use the name of a known IdP"
                ),
            };
            if let Some(s) = suggestion {
                help = format!("did you mean `{}`? Otherwise {help}", crate::untrusted::one_line(s));
            }
            let mut message = format!(
                "step {} of `{}` uses the unknown identity provider `{name}`",
                step.id, app.name.value
            );
            if !elsewhere.is_empty() {
                let list = elsewhere.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
                let own = tenant.map(|t| format!(" `{t}`")).unwrap_or_default();
                message.push_str(&format!(
                    ": it is defined only in {list}, not in this tenant{own} (IdP names are per tenant)"
                ));
            }
            let mut d = Diagnostic::new(ID, option.idp_entry, message)
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
