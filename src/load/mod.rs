//! The load stage: applications and identity providers out of every format WSO2 users keep their
//! flows in, into one [`Definitions`].
//!
//! Objects are told apart by their content, not by their folder or file name:
//! - REST shapes ([`rest`]): an application has `authenticationSequence`, an IdP has
//!   `provisioning` or `federatedAuthenticators`;
//! - legacy bean YAML ([`legacy`]): `applicationName` with `localAndOutBoundAuthenticationConfig`,
//!   `identityProviderName`;
//! - file-based XML ([`xml`]): `<ServiceProvider>` and `<IdentityProvider>` documents.
//!
//! List responses (a top-level list, or `applications:` / `identityProviders:` lists) are read
//! item by item. Anything else (claim dialects, user stores, ...) is not ours and is skipped. A
//! malformed application or IdP becomes an `invalid-config` diagnostic and is left out; the rest
//! of the file and the other files are still read.
//!
//! Every document shape the APIs accept is read, not only full exports:
//! - an IdP create payload with a `name` and IdP fields (`claims`, `certificate`, `isPrimary`,
//!   `roles`, ...) but no authenticators and no `provisioning` block is an IdP with JIT
//!   disabled, as the console reads it;
//! - an application document without a name (a PATCH body that is just an
//!   `authenticationSequence`, or `name: ""`), and an application template (the application
//!   under `application:` or `payload:`), are analysed under the file's name (`patch-mfa` for
//!   `patch-mfa.json`), and take no part in duplicate checks.

pub mod legacy;
pub mod rest;
pub mod xml;

use crate::diagnostic::Diagnostic;
use crate::document::{Kind, Node};
use crate::model::{Definitions, IdentityProvider};
use crate::rules::invalid_config;
use crate::source::{FileId, SourceFile, Span};

/// Reads every application and IdP of one YAML/JSON file's documents into `model`.
pub fn load_documents(
    file: &SourceFile,
    id: FileId,
    docs: &[Node],
    model: &mut Definitions,
    diags: &mut Vec<Diagnostic>,
) {
    for doc in docs {
        load_object(file, id, doc, model, diags);
    }
}

fn load_object(
    file: &SourceFile,
    id: FileId,
    node: &Node,
    model: &mut Definitions,
    diags: &mut Vec<Diagnostic>,
) {
    match &node.kind {
        Kind::Seq(items) => {
            for item in items {
                load_object(file, id, item, model, diags);
            }
        }
        Kind::Map(_) => {
            for list_key in ["applications", "identityProviders"] {
                if let Some(Node { kind: Kind::Seq(items), .. }) = node.get(list_key) {
                    for item in items {
                        load_object(file, id, item, model, diags);
                    }
                }
            }
            // An application template holds the application under `application` or `payload`.
            for wrapper in ["application", "payload"] {
                if let Some(inner) = node.get(wrapper).filter(|n| n.get("authenticationSequence").is_some()) {
                    load_object(file, id, inner, model, diags);
                }
            }
            use crate::model::SourceFormat::{Legacy, Rest};
            let result = if node.get("authenticationSequence").is_some() {
                Some((Rest, rest::read_application(file, id, node).map(Loaded::Application)))
            } else if node.get("localAndOutBoundAuthenticationConfig").is_some()
                || node.get("applicationName").is_some()
            {
                Some((Legacy, legacy::read_application(file, id, node).map(Loaded::Application)))
            } else if node.get("identityProviderName").is_some() {
                Some((Legacy, legacy::read_identity_provider(id, node).map(Loaded::IdentityProvider)))
            } else if node.get("provisioning").is_some()
                || node.get("federatedAuthenticators").is_some()
                || is_identity_provider_payload(node)
            {
                Some((Rest, rest::read_identity_provider(id, node).map(Loaded::IdentityProvider)))
            } else {
                None
            };
            match result {
                Some((_, Ok(loaded))) => loaded.add_to(model),
                Some((format, Err(d))) => diags.push(invalid_config::in_format(d, format)),
                None => {}
            }
        }
        _ => {}
    }
}

/// An IdP create payload without authenticators or provisioning: a `name` and at least one field
/// that only the IdP Management API has (`claims`, `roles` and `certificate` as mappings, as
/// the IdP API writes them; an OIDC scope's `claims` is a list).
fn is_identity_provider_payload(node: &Node) -> bool {
    let is_map = |key: &str| matches!(node.get(key), Some(Node { kind: Kind::Map(_), .. }));
    let has = |key: &str| node.get(key).is_some();
    matches!(node.get("name"), Some(Node { kind: Kind::Str(_), .. }))
        && (["claims", "roles", "certificate", "implicitAssociation"].iter().any(|k| is_map(k))
            || ["isPrimary", "isFederationHub", "homeRealmIdentifier", "idpIssuerName"]
                .iter()
                .any(|k| has(k)))
}

/// One object read from a file.
pub enum Loaded {
    Application(crate::model::Application),
    IdentityProvider(IdentityProvider),
}

impl Loaded {
    pub fn add_to(self, model: &mut Definitions) {
        match self {
            Loaded::Application(app) => model.applications.push(app),
            // Duplicates are kept: they are judged when the file joins its tenant.
            Loaded::IdentityProvider(idp) => model.identity_providers.push(idp),
        }
    }
}

/// Two steps with the same id: the server would use one of them, which one is not ours to guess.
pub(crate) fn check_unique_step_ids(steps: &[crate::model::Step]) -> Result<(), Diagnostic> {
    for (i, step) in steps.iter().enumerate() {
        if steps[..i].iter().any(|s| s.id == step.id) {
            return Err(invalid(step.span, format!("two steps have the id {}", step.id)));
        }
    }
    Ok(())
}

/// The JIT switch of an IdP from its `key: value` entry (`None`: not stated, which the console
/// reads as disabled); `what` names the key in the message when the value is not a boolean.
pub(crate) fn jit_setting(
    file: FileId,
    entry: Option<(&crate::document::Key, &Node)>,
    what: &str,
) -> Result<crate::model::JitSetting, Diagnostic> {
    use crate::model::JitSetting;
    match entry {
        None => Ok(JitSetting::Missing),
        Some((key, value)) => match value.kind {
            Kind::Bool(enabled) => Ok(JitSetting::Stated {
                enabled,
                entry: Span::new(file, key.span.start, value.span.end),
                value: value.span,
            }),
            _ => Err(invalid(
                value.span,
                format!("`{what}` must be true or false, found {}", value.type_name()),
            )),
        },
    }
}

pub(crate) fn invalid(span: Span, message: String) -> Diagnostic {
    invalid_config::diagnostic(span, message)
}
