//! The legacy bean YAML of older IAM-CTL exports (`exportFile`): applications with
//! `applicationName` and `localAndOutBoundAuthenticationConfig`, identity providers with
//! `identityProviderName` and `justInTimeProvisioningConfig`. The `!!org.wso2...` type tags these
//! files carry are ignored by the parser.

use super::invalid;
use super::rest::string_field;
use crate::diagnostic::Diagnostic;
use crate::document::{Kind, Node};
use crate::model::{
    Application, ClaimMapping, EmbeddedScript, IdentityProvider, IdpClaims, LOCAL_IDP, Located, ScriptHost,
    SourceFormat, Step, StepOption,
};
use crate::source::{FileId, SourceFile, Span};
use crate::tenants::TenantId;

/// The span from `key` to the end of its value.
fn entry_span(node: &Node, key: &str) -> Option<Span> {
    node.entry(key).map(|(k, v)| Span::new(k.span.file, k.span.start, v.span.end.max(k.span.end)))
}

fn seq<'a, 't>(node: &'a Node<'t>, key: &str) -> Result<&'a [Node<'t>], Diagnostic> {
    match node.get(key) {
        None | Some(Node { kind: Kind::Null, .. }) => Ok(&[]),
        Some(Node { kind: Kind::Seq(items), .. }) => Ok(items),
        Some(other) => {
            Err(invalid(other.span, format!("`{key}` must be a list, found {}", other.type_name())))
        }
    }
}

pub fn read_application(file: &SourceFile, id: FileId, node: &Node) -> Result<Application, Diagnostic> {
    let name = string_field(node, "applicationName", "the application")?;
    let Some((config_key, config)) = node.entry("localAndOutBoundAuthenticationConfig") else {
        return Err(invalid(
            node.span,
            "the application has no `localAndOutBoundAuthenticationConfig`".into(),
        ));
    };
    let authentication_type = config.get("authenticationType").and_then(Node::as_str).map(str::to_string);
    let mut steps = Vec::new();
    let mut subject_step = None;
    for step in seq(config, "authenticationSteps")? {
        let (step, is_subject) = read_step(step)?;
        if is_subject && subject_step.is_none() {
            subject_step = Some(step.id);
        }
        steps.push(step);
    }
    super::check_unique_step_ids(&steps)?;
    let script = match config.get("authenticationScriptConfig") {
        Some(script_config) => read_script(file, script_config)?,
        None => None,
    };
    Ok(Application {
        name,
        name_from_file: false,
        tenant: TenantId::default(),
        file: id,
        steps,
        script,
        empty_script: None,
        subject_step: subject_step.unwrap_or(1),
        sequence_key: config_key.span,
        steps_key: None,
        uses_default_flow: authentication_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("default")),
        sequence_type: authentication_type,
        sequence_type_span: config.get("authenticationType").map(|t| t.span),
        script_config: config.entry("authenticationScriptConfig").map(|(k, _)| k.span),
        format: SourceFormat::Legacy,
    })
}

fn read_step(node: &Node) -> Result<(Step, bool), Diagnostic> {
    let Some((order_key, order)) = node.entry("stepOrder") else {
        return Err(invalid(node.span, "an authentication step has no `stepOrder`".into()));
    };
    let id = match order.kind {
        Kind::Int(n) if n >= 1 => u32::try_from(n).ok(),
        _ => None,
    }
    .ok_or_else(|| invalid(order.span, "`stepOrder` must be a positive whole number".into()))?;
    let is_subject = matches!(node.get("subjectStep"), Some(Node { kind: Kind::Bool(true), .. }));
    let mut options = Vec::new();
    for local in seq(node, "localAuthenticatorConfigs")? {
        let authenticator = string_field(local, "name", "a local authenticator")?;
        let entry = entry_span(local, "name").unwrap_or(authenticator.span);
        options.push(StepOption {
            idp: Located { value: LOCAL_IDP.to_string(), span: authenticator.span },
            authenticator,
            idp_entry: entry,
            authenticator_entry: entry,
        });
    }
    for federated in seq(node, "federatedIdentityProviders")? {
        let idp = string_field(federated, "identityProviderName", "a federated identity provider")?;
        let idp_entry = entry_span(federated, "identityProviderName").unwrap_or(idp.span);
        // `defaultAuthenticatorConfig` is a bean with a `name`; some exports write the name alone.
        let (authenticator, authenticator_entry) = match federated.get("defaultAuthenticatorConfig") {
            Some(Node { kind: Kind::Str(s), span }) => (Located { value: s.to_string(), span: *span }, *span),
            Some(config @ Node { kind: Kind::Map(_), .. }) => {
                let name = string_field(config, "name", "`defaultAuthenticatorConfig`")?;
                let entry = entry_span(config, "name").unwrap_or(name.span);
                (name, entry)
            }
            _ => (Located { value: String::new(), span: idp.span }, idp_entry),
        };
        options.push(StepOption { idp, authenticator, idp_entry, authenticator_entry });
    }
    let span = Span::new(order_key.span.file, order_key.span.start, order.span.end);
    Ok((Step { id, span, options }, is_subject))
}

fn read_script(file: &SourceFile, config: &Node) -> Result<Option<EmbeddedScript>, Diagnostic> {
    let enabled_entry = config.entry("enabled");
    let enabled = match enabled_entry.map(|(_, v)| &v.kind) {
        None | Some(Kind::Bool(true)) => true,
        Some(Kind::Bool(false)) => false,
        Some(_) => {
            let value = enabled_entry.map_or(config.span, |(_, v)| v.span);
            return Err(invalid(value, "`authenticationScriptConfig.enabled` must be true or false".into()));
        }
    };
    Ok(match config.get("content") {
        Some(Node { kind: Kind::Str(text), span }) if !text.trim().is_empty() => {
            Some(EmbeddedScript::in_scalar(
                text.to_string(),
                *span,
                ScriptHost::of_scalar(&file.text, span.start, false),
                enabled,
                entry_span(config, "enabled"),
            ))
        }
        None | Some(Node { kind: Kind::Str(_) | Kind::Null, .. }) => None,
        Some(other) => {
            return Err(invalid(
                other.span,
                format!("the script `content` must be a string, found {}", other.type_name()),
            ));
        }
    })
}

pub fn read_identity_provider(id: FileId, node: &Node) -> Result<IdentityProvider, Diagnostic> {
    let name = string_field(node, "identityProviderName", "the identity provider")?;
    let switch = node.get("justInTimeProvisioningConfig").and_then(|c| c.entry("provisioningEnabled"));
    let jit = super::jit_setting(id, switch, "provisioningEnabled")?;
    let name_key = node.entry("identityProviderName").map_or(name.span, |(k, _)| k.span);
    Ok(IdentityProvider {
        name,
        tenant: TenantId::default(),
        name_key,
        file: id,
        jit,
        provisioning_key: node.entry("justInTimeProvisioningConfig").map(|(k, _)| k.span),
        provisioning_value: node.get("justInTimeProvisioningConfig").map(|v| v.span),
        claims: read_claims(node),
        format: SourceFormat::Legacy,
    })
}

/// `claimConfig` of the IdentityProvider bean: `localClaimDialect` and `claimMappings[]` with
/// `localClaim.claimUri` and `remoteClaim.claimUri`.
fn read_claims(node: &Node) -> IdpClaims {
    let Some((key, config)) = node.entry("claimConfig") else { return IdpClaims::default() };
    if matches!(config.kind, Kind::Null) {
        return IdpClaims::default();
    }
    let uri = |m: &Node, side: &str| m.get(side)?.get("claimUri")?.as_str().map(str::to_string);
    let mappings = match config.get("claimMappings") {
        Some(Node { kind: Kind::Seq(items), .. }) => items
            .iter()
            .filter_map(|m| {
                Some(ClaimMapping {
                    local: uri(m, "localClaim")?,
                    remote: uri(m, "remoteClaim")?,
                    span: m.span,
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let local_dialect = matches!(config.get("localClaimDialect"), Some(Node { kind: Kind::Bool(true), .. }));
    IdpClaims { span: Some(key.span), local_dialect, mappings }
}
