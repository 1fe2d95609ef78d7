//! Reading applications and identity providers out of parsed documents.
//!
//! Objects are told apart by their content, not by their folder: an application has an
//! `authenticationSequence`, an identity provider has `provisioning` or `federatedAuthenticators`.
//! List responses (a top-level list, or `applications:` / `identityProviders:` lists) are read
//! item by item. Anything else (claim dialects, user stores, ...) is not ours and is skipped.
//! A malformed application or IdP becomes an `invalid-config` diagnostic and is left out of the
//! model; the rest of the file and the other files are still read.

use crate::diagnostic::Diagnostic;
use crate::document::{Kind, Node};
use crate::model::{
    Application, EmbeddedScript, FlowModel, IdentityProvider, JitSetting, Located, Step, StepOption,
};
use crate::rules::invalid_config;
use crate::scalar_map::ScalarMap;
use crate::source::{FileId, SourceFile, Span};

/// Reads every application and IdP of one file's documents into `model`.
pub fn load_documents(
    file: &SourceFile,
    id: FileId,
    docs: &[Node],
    model: &mut FlowModel,
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
    model: &mut FlowModel,
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
                if let Some(Node {
                    kind: Kind::Seq(items),
                    ..
                }) = node.get(list_key)
                {
                    for item in items {
                        load_object(file, id, item, model, diags);
                    }
                }
            }
            if node.get("authenticationSequence").is_some() {
                match read_application(file, id, node) {
                    Ok(app) => model.applications.push(app),
                    Err(d) => diags.push(d),
                }
            } else if node.get("provisioning").is_some() || node.get("federatedAuthenticators").is_some() {
                match read_identity_provider(id, node) {
                    Ok(idp) => {
                        // IdP names are tenant-wide; the first file (in path order) wins.
                        model
                            .identity_providers
                            .entry(idp.name.value.clone())
                            .or_insert(idp);
                    }
                    Err(d) => diags.push(d),
                }
            }
        }
        _ => {}
    }
}

fn invalid(span: Span, message: String) -> Diagnostic {
    invalid_config::diagnostic(span, message)
}

fn string_field(parent: &Node, key: &str, what: &str) -> Result<Located<String>, Diagnostic> {
    match parent.get(key) {
        Some(Node {
            kind: Kind::Str(s),
            span,
        }) => Ok(Located {
            value: s.clone(),
            span: *span,
        }),
        Some(other) => Err(invalid(
            other.span,
            format!("{what} `{key}` must be a string, found {}", other.type_name()),
        )),
        None => Err(invalid(parent.span, format!("{what} has no `{key}`"))),
    }
}

fn read_application(file: &SourceFile, id: FileId, node: &Node) -> Result<Application, Diagnostic> {
    let name = string_field(node, "name", "the application")?;
    let Some((seq_key, seq)) = node.entry("authenticationSequence") else {
        return Err(invalid(
            node.span,
            "the application has no `authenticationSequence`".into(),
        ));
    };
    if !matches!(seq.kind, Kind::Map(_)) {
        return Err(invalid(
            seq.span,
            format!(
                "`authenticationSequence` must be a mapping, found {}",
                seq.type_name()
            ),
        ));
    }
    let steps = match seq.get("steps") {
        Some(Node {
            kind: Kind::Seq(items),
            ..
        }) => items.iter().map(read_step).collect::<Result<Vec<_>, _>>()?,
        Some(Node { kind: Kind::Null, .. }) | None => Vec::new(),
        Some(other) => {
            return Err(invalid(
                other.span,
                format!("`steps` must be a list, found {}", other.type_name()),
            ));
        }
    };
    let subject_step = match seq.get("subjectStepId") {
        None | Some(Node { kind: Kind::Null, .. }) => 1,
        Some(Node {
            kind: Kind::Int(n),
            span,
        }) => u32::try_from(*n)
            .map_err(|_| invalid(*span, format!("`subjectStepId` must be a step number, found {n}")))?,
        Some(other) => {
            return Err(invalid(
                other.span,
                format!(
                    "`subjectStepId` must be a step number, found {}",
                    other.type_name()
                ),
            ));
        }
    };
    let script = match seq.get("script") {
        None | Some(Node { kind: Kind::Null, .. }) => None,
        Some(Node {
            kind: Kind::Str(text),
            ..
        }) if text.trim().is_empty() => None,
        Some(Node {
            kind: Kind::Str(text),
            span,
        }) => Some(EmbeddedScript {
            text: text.clone(),
            span: *span,
            map: ScalarMap::build(&file.text, span.start, text),
        }),
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
        file: id,
        steps,
        script,
        empty_script,
        subject_step,
        sequence_key: seq_key.span,
        steps_key,
        sequence_type,
    })
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
        Some(Node {
            kind: Kind::Seq(items),
            ..
        }) => items
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
    Ok(Step {
        id,
        span: Span::new(id_key.span.file, id_key.span.start, id_node.span.end),
        options,
    })
}

fn read_identity_provider(id: FileId, node: &Node) -> Result<IdentityProvider, Diagnostic> {
    let name = string_field(node, "name", "the identity provider")?;
    let provisioning = node.entry("provisioning");
    let jit = match provisioning
        .and_then(|(_, p)| p.get("jit"))
        .and_then(|j| j.entry("isEnabled"))
    {
        Some((key, value)) => match value.kind {
            Kind::Bool(enabled) => JitSetting::Stated {
                enabled,
                entry: Span::new(id, key.span.start, value.span.end),
                value: value.span,
            },
            _ => {
                return Err(invalid(
                    value.span,
                    format!(
                        "`provisioning.jit.isEnabled` must be true or false, found {}",
                        value.type_name()
                    ),
                ));
            }
        },
        None => JitSetting::Missing,
    };
    let name_key = node.entry("name").map_or(name.span, |(k, _)| k.span);
    Ok(IdentityProvider {
        name,
        name_key,
        file: id,
        jit,
        provisioning_key: provisioning.map(|(k, _)| k.span),
    })
}
