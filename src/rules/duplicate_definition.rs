//! ## What it does
//! Reports a second definition of the same application name, or the same identity provider
//! name, within one tenant (two files, or two documents of one file), at the later one, with the
//! earlier one as a related location.
//!
//! Names are compared per tenant: `dev/IdentityProviders/Google.yml` and
//! `staging/IdentityProviders/Google.yml` are two tenants' IdPs, not a duplicate (see the
//! README, "Repositories with several environments").
//!
//! ## Why is this bad?
//! The server holds one object per name, and which of the two it ends up with depends on the
//! order of deployment. Every verdict about that name then depends on which file wins: an
//! application checked against the IdP with JIT enabled may run against the one with JIT
//! disabled. authlint chooses nothing silently: when two IdP definitions disagree about JIT, the
//! one with JIT disabled is the one checked (so a conflict is never missed), and this error says
//! so.
//!
//! ## Example
//! ```text
//! tenant/IdentityProviders/Google.yml       name: Google, provisioning.jit.isEnabled: true
//! tenant/IdentityProviders/Google-old.yml   name: Google, provisioning.jit.isEnabled: false
//! ```
//!
//! ## How to fix
//! Delete the stale file, or rename one of the objects. If the two are meant for different
//! environments, keep each in its own tenant root (`dev/IdentityProviders/`,
//! `staging/IdentityProviders/`), or declare the roots with `tenants:` in `.authlint.yaml`.

use crate::diagnostic::{Diagnostic, Label};
use crate::model::Duplicate;
use crate::rules::Id;
use crate::tenants::Tenants;

pub const ID: Id = "duplicate-definition";

pub fn diagnostic(duplicate: &Duplicate, tenants: &Tenants, tenant: crate::tenants::TenantId) -> Diagnostic {
    let Duplicate { kind, name, first, later, jit_differs } = duplicate;
    let within = match tenants.name(tenant) {
        Some(t) => format!("tenant `{t}`"),
        None => "this run".to_string(),
    };
    let (why, differs) = if *jit_differs {
        (
            " The two disagree about JIT provisioning: the one with JIT disabled is the one checked.",
            ", with different JIT settings",
        )
    } else {
        ("", "")
    };
    let mut d = Diagnostic::new(ID, *later, format!("{kind} `{name}` is defined twice in {within}{differs}"))
        .with_label(format!("a second definition of `{name}`"))
        .with_help(format!(
            "the server holds one {kind} per name, and which one depends on the order of deployment.{why} Delete or rename one of them; if they belong to different environments, keep each under its own tenant root (or list the roots under `tenants:` in .authlint.yaml)"
        ));
    d.related.push(Label { span: *first, message: format!("`{name}` is first defined here") });
    if *kind == "application" {
        d.app = Some(name.clone());
    } else {
        d.idp = Some(name.clone());
    }
    d
}
