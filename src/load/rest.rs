//! The REST shapes (Application and IdP Management API v1, what IAM-CTL exports today):
//! `name` + `authenticationSequence` for applications, `name` + `provisioning.jit.isEnabled`
//! for identity providers.

use super::invalid;
use crate::diagnostic::Diagnostic;
use crate::document::{Kind, Node};
use crate::model::{
    Application, ClaimMapping, EmbeddedScript, IdentityProvider, IdpClaims, Located, ScriptHost,
    SourceFormat, Step, StepOption,
};
use crate::source::{FileId, SourceFile, Span};
use crate::tenants::TenantId;

pub(super) fn string_field(parent: &Node, key: &str, what: &str) -> Result<Located<String>, Diagnostic> {
    match parent.get(key) {
        Some(Node { kind: Kind::Str(s), span }) => Ok(Located { value: s.to_string(), span: *span }),
        Some(other) => {
            Err(invalid(other.span, format!("{what} `{key}` must be a string, found {}", other.type_name())))
        }
        None => Err(invalid(parent.span, format!("{what} has no `{key}`"))),
    }
}

pub(super) fn read_application(
    file: &SourceFile,
    id: FileId,
    node: &Node,
) -> Result<Application, Diagnostic> {
    let Some((seq_key, seq)) = node.entry("authenticationSequence") else {
        return Err(invalid(node.span, "the application has no `authenticationSequence`".into()));
    };
    // A PATCH body or a template has no name (or an empty one): the file's name stands in.
    let (name, name_from_file) = match node.get("name") {
        None | Some(Node { kind: Kind::Null, .. }) => (name_from_file(file, seq_key.span), true),
        Some(Node { kind: Kind::Str(s), .. }) if s.trim().is_empty() => {
            (name_from_file(file, seq_key.span), true)
        }
        _ => (string_field(node, "name", "the application")?, false),
    };
    if !matches!(seq.kind, Kind::Map(_)) {
        return Err(invalid(
            seq.span,
            format!("`authenticationSequence` must be a mapping, found {}", seq.type_name()),
        ));
    }
    let steps = match seq.get("steps") {
        Some(Node { kind: Kind::Seq(items), .. }) => {
            items.iter().map(read_step).collect::<Result<Vec<_>, _>>()?
        }
        Some(Node { kind: Kind::Null, .. }) | None => Vec::new(),
        Some(other) => {
            return Err(invalid(other.span, format!("`steps` must be a list, found {}", other.type_name())));
        }
    };
    super::check_unique_step_ids(&steps)?;
    let subject_step = match seq.get("subjectStepId") {
        None | Some(Node { kind: Kind::Null, .. }) => 1,
        Some(Node { kind: Kind::Int(n), span }) => u32::try_from(*n)
            .map_err(|_| invalid(*span, format!("`subjectStepId` must be a step number, found {n}")))?,
        Some(other) => {
            return Err(invalid(
                other.span,
                format!("`subjectStepId` must be a step number, found {}", other.type_name()),
            ));
        }
    };
    let script = match seq.get("script") {
        None | Some(Node { kind: Kind::Null, .. }) => None,
        Some(Node { kind: Kind::Str(text), .. }) if text.trim().is_empty() => None,
        Some(Node { kind: Kind::Str(text), span }) => Some(EmbeddedScript::in_scalar(
            text.to_string(),
            *span,
            ScriptHost::of_scalar(&file.text, span.start, is_json(file)),
            true,
            None,
        )),
        Some(other) => {
            return Err(invalid(
                other.span,
                format!("`script` must be a string, found {}", other.type_name()),
            ));
        }
    };
    let sequence_type = seq.get("type").and_then(Node::as_str).map(str::to_string);
    let steps_key = seq.entry("steps").map(|(k, _)| k.span);
    let empty_script = match seq.get("script") {
        Some(node) if script.is_none() => Some(node.span),
        _ => None,
    };
    Ok(Application {
        name,
        name_from_file,
        tenant: TenantId::default(),
        file: id,
        steps,
        script,
        empty_script,
        subject_step,
        sequence_key: seq_key.span,
        uses_default_flow: sequence_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("DEFAULT")),
        steps_key,
        sequence_type,
        sequence_type_span: seq.get("type").map(|t| t.span),
        script_config: None,
        format: SourceFormat::Rest,
    })
}

/// The name of an application document that has none: the file's name without its extension.
fn name_from_file(file: &SourceFile, span: Span) -> Located<String> {
    let stem =
        file.path.file_stem().map_or_else(|| file.display.clone(), |s| s.to_string_lossy().into_owned());
    Located { value: stem, span }
}

fn is_json(file: &SourceFile) -> bool {
    file.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn read_step(node: &Node) -> Result<Step, Diagnostic> {
    let Some((id_key, id_node)) = node.entry("id") else {
        return Err(invalid(node.span, "a step has no `id`".into()));
    };
    let id = match id_node.kind {
        Kind::Int(n) if n >= 1 => u32::try_from(n).ok(),
        _ => None,
    }
    .ok_or_else(|| invalid(id_node.span, "a step `id` must be a positive whole number".into()))?;
    let options = match node.get("options") {
        Some(Node { kind: Kind::Seq(items), .. }) => items
            .iter()
            .map(|o| {
                let idp = string_field(o, "idp", "a step option")?;
                let authenticator = string_field(o, "authenticator", "a step option")?;
                let entry = |key: &str, value: &Located<String>| {
                    let start = o.entry(key).map_or(value.span.start, |(k, _)| k.span.start);
                    Span::new(value.span.file, start, value.span.end)
                };
                Ok(StepOption {
                    idp_entry: entry("idp", &idp),
                    authenticator_entry: entry("authenticator", &authenticator),
                    idp,
                    authenticator,
                })
            })
            .collect::<Result<Vec<_>, Diagnostic>>()?,
        Some(other) => {
            return Err(invalid(
                other.span,
                format!("`options` must be a list, found {}", other.type_name()),
            ));
        }
        None => Vec::new(),
    };
    Ok(Step { id, span: Span::new(id_key.span.file, id_key.span.start, id_node.span.end), options })
}

pub(super) fn read_identity_provider(id: FileId, node: &Node) -> Result<IdentityProvider, Diagnostic> {
    let name = string_field(node, "name", "the identity provider")?;
    let provisioning = node.entry("provisioning");
    let switch = provisioning.and_then(|(_, p)| p.get("jit")).and_then(|j| j.entry("isEnabled"));
    let jit = super::jit_setting(id, switch, "provisioning.jit.isEnabled")?;
    let name_key = node.entry("name").map_or(name.span, |(k, _)| k.span);
    let claims = read_claims(node);
    Ok(IdentityProvider {
        name,
        tenant: TenantId::default(),
        name_key,
        file: id,
        jit,
        provisioning_key: provisioning.map(|(k, _)| k.span),
        provisioning_value: provisioning.map(|(_, v)| v.span),
        claims,
        format: SourceFormat::Rest,
    })
}

/// `claims.mappings[]` of the IdP Management API: `{idpClaim: email, localClaim: {uri: ...}}`.
/// An IdP whose `claims` has no mappings uses the local claim dialect (the API stores it so).
fn read_claims(node: &Node) -> IdpClaims {
    let Some((key, claims)) = node.entry("claims") else { return IdpClaims::default() };
    let mappings: Vec<ClaimMapping> = match claims.get("mappings") {
        Some(Node { kind: Kind::Seq(items), .. }) => items
            .iter()
            .filter_map(|m| {
                let remote = m.get("idpClaim")?.as_str()?;
                let local = m.get("localClaim")?.get("uri")?.as_str()?;
                Some(ClaimMapping { local: local.to_string(), remote: remote.to_string(), span: m.span })
            })
            .collect(),
        _ => Vec::new(),
    };
    let has_mappings =
        matches!(claims.get("mappings"), Some(Node { kind: Kind::Seq(items), .. }) if !items.is_empty());
    IdpClaims { span: Some(key.span), local_dialect: !has_mappings, mappings }
}
