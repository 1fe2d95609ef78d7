//! File-based XML deployments: `<ServiceProvider>` files (`repository/conf/identity/
//! service-providers/`) and `<IdentityProvider>` files (`identity-providers/`), read with
//! roxmltree, which keeps the byte range of every node. A script in `<AuthenticationScript>`
//! (usually CDATA) is mapped back to its exact position in the file.

use roxmltree::{Document, Node as XmlNode, ParsingOptions};

use super::{Loaded, invalid};
use crate::diagnostic::Diagnostic;
use crate::model::{
    Application, ClaimMapping, Definitions, EmbeddedScript, IdentityProvider, IdpClaims, JitSetting,
    LOCAL_IDP, Located, ScriptHost, SourceFormat, Step, StepOption,
};
use crate::rules::syntax_error;
use crate::scalar_map::ScalarMap;
use crate::source::{FileId, SourceFile, Span};
use crate::tenants::TenantId;

/// Reads the applications and IdPs of one XML file into `model`.
pub fn load_xml(file: &SourceFile, id: FileId, model: &mut Definitions, diags: &mut Vec<Diagnostic>) {
    // No DTDs: WSO2 files have none, and entity expansion is an attack surface.
    let options = ParsingOptions { allow_dtd: false, nodes_limit: 1_000_000, ..ParsingOptions::default() };
    let doc = match Document::parse_with_options(&file.text, options) {
        Ok(doc) => doc,
        Err(e) => {
            let pos = e.pos();
            let offset = file.line_start(pos.row as usize).map_or(0, |start| {
                let line = file.text.get(start..).unwrap_or("");
                start
                    + line
                        .chars()
                        .take((pos.col as usize).saturating_sub(1))
                        .map(char::len_utf8)
                        .sum::<usize>()
            });
            let message = e.to_string();
            let message = message.split(" at ").next().unwrap_or(&message).to_string();
            diags.push(syntax_error::diagnostic(Span::new(id, offset, offset), "invalid XML", &message));
            return;
        }
    };
    let reader = Reader { file, id };
    let root = doc.root_element();
    // A single object, or a wrapper holding several.
    let objects: Vec<XmlNode> =
        if is_object(root) { vec![root] } else { root.children().filter(|n| is_object(*n)).collect() };
    for node in objects {
        let loaded = match node.tag_name().name() {
            "ServiceProvider" => reader.service_provider(node).map(Loaded::Application),
            _ => reader.identity_provider(node).map(Loaded::IdentityProvider),
        };
        match loaded {
            Ok(loaded) => loaded.add_to(model),
            Err(d) => diags.push(crate::rules::invalid_config::in_format(d, SourceFormat::Xml)),
        }
    }
}

fn is_object(node: XmlNode) -> bool {
    matches!(node.tag_name().name(), "ServiceProvider" | "IdentityProvider") && node.is_element()
}

fn child<'a, 'i>(node: XmlNode<'a, 'i>, name: &str) -> Option<XmlNode<'a, 'i>> {
    node.children().find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i>(
    node: XmlNode<'a, 'i>,
    names: &'static [&'static str],
) -> impl Iterator<Item = XmlNode<'a, 'i>> {
    node.children().filter(move |c| c.is_element() && names.contains(&c.tag_name().name()))
}

struct Reader<'f> {
    file: &'f SourceFile,
    id: FileId,
}

impl Reader<'_> {
    fn span(&self, node: XmlNode) -> Span {
        let r = node.range();
        Span::new(self.id, r.start, r.end)
    }

    /// The trimmed text of an element and its span.
    fn text(&self, node: XmlNode) -> Option<Located<String>> {
        let text = node.text()?;
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return None;
        }
        let text_node = node.first_child().filter(|c| c.is_text())?;
        let range = text_node.range();
        let raw = self.file.text.get(range.clone()).unwrap_or("");
        let span = match raw.find(trimmed) {
            Some(at) => Span::new(self.id, range.start + at, range.start + at + trimmed.len()),
            None => Span::new(self.id, range.start, range.end),
        };
        Some(Located { value: trimmed.to_string(), span })
    }

    fn required_text(&self, parent: XmlNode, name: &str) -> Result<Located<String>, Diagnostic> {
        child(parent, name).and_then(|c| self.text(c)).ok_or_else(|| {
            invalid(self.span(parent), format!("`<{}>` has no `<{name}>`", parent.tag_name().name()))
        })
    }

    fn service_provider(&self, sp: XmlNode) -> Result<Application, Diagnostic> {
        let name = self.required_text(sp, "ApplicationName")?;
        let config = child(sp, "LocalAndOutBoundAuthenticationConfig").ok_or_else(|| {
            invalid(
                self.span(sp),
                "`<ServiceProvider>` has no `<LocalAndOutBoundAuthenticationConfig>`".into(),
            )
        })?;
        let authentication_type_text = child(config, "AuthenticationType").and_then(|t| self.text(t));
        let authentication_type = authentication_type_text.as_ref().map(|t| t.value.clone());
        let mut steps = Vec::new();
        let mut subject_step = None;
        for step in child(config, "AuthenticationSteps")
            .into_iter()
            .flat_map(|s| children(s, &["AuthenticationStep"]))
        {
            let (step, is_subject) = self.step(step)?;
            if is_subject && subject_step.is_none() {
                subject_step = Some(step.id);
            }
            steps.push(step);
        }
        super::check_unique_step_ids(&steps)?;
        let script = child(config, "AuthenticationScript").and_then(|s| self.script(s));
        Ok(Application {
            name,
            name_from_file: false,
            tenant: TenantId::default(),
            file: self.id,
            steps,
            script,
            empty_script: None,
            subject_step: subject_step.unwrap_or(1),
            sequence_key: self.span(config),
            steps_key: None,
            uses_default_flow: authentication_type
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("default")),
            sequence_type: authentication_type,
            sequence_type_span: authentication_type_text.map(|t| t.span),
            script_config: child(config, "AuthenticationScript").map(|s| self.span(s)),
            format: SourceFormat::Xml,
        })
    }

    fn step(&self, step: XmlNode) -> Result<(Step, bool), Diagnostic> {
        let order = self.required_text(step, "StepOrder")?;
        let id = order
            .value
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| invalid(order.span, "`<StepOrder>` must be a positive whole number".into()))?;
        let is_subject =
            child(step, "SubjectStep").and_then(|s| self.text(s)).is_some_and(|t| t.value == "true");
        let mut options = Vec::new();
        for local in child(step, "LocalAuthenticatorConfigs")
            .into_iter()
            .flat_map(|l| children(l, &["LocalAuthenticatorConfig"]))
        {
            let authenticator = self.required_text(local, "Name")?;
            let entry = child(local, "Name").map_or(authenticator.span, |n| self.span(n));
            options.push(StepOption {
                idp: Located { value: LOCAL_IDP.to_string(), span: authenticator.span },
                authenticator,
                idp_entry: entry,
                authenticator_entry: entry,
            });
        }
        for federated in child(step, "FederatedIdentityProviders")
            .into_iter()
            .flat_map(|f| children(f, &["IdentityProvider", "FederatedIdentityProvider"]))
        {
            let idp = self.required_text(federated, "IdentityProviderName")?;
            let idp_entry = child(federated, "IdentityProviderName").map_or(idp.span, |n| self.span(n));
            // `<DefaultAuthenticatorConfig>` holds the name as text, or a nested element with a
            // `<Name>` (JAXB exports nest a `<FederatedAuthenticatorConfig>`).
            let default = child(federated, "DefaultAuthenticatorConfig");
            let authenticator = default.and_then(|d| {
                self.text(d).or_else(|| {
                    d.descendants()
                        .find(|n| n.is_element() && n.tag_name().name() == "Name")
                        .and_then(|n| self.text(n))
                })
            });
            let authenticator = authenticator.unwrap_or(Located { value: String::new(), span: idp.span });
            let authenticator_entry = default.map_or(idp_entry, |d| self.span(d));
            options.push(StepOption { idp, authenticator, idp_entry, authenticator_entry });
        }
        Ok((Step { id, span: self.span(child(step, "StepOrder").unwrap_or(step)), options }, is_subject))
    }

    fn script(&self, element: XmlNode) -> Option<EmbeddedScript> {
        let enabled_attr = element.attribute_node("enabled");
        let enabled = enabled_attr.is_none_or(|a| a.value().trim() != "false");
        let text: String = element.children().filter(|c| c.is_text()).filter_map(|c| c.text()).collect();
        if text.trim().is_empty() {
            return None;
        }
        let first = element.children().find(|c| c.is_text())?;
        let last = element.children().rfind(|c| c.is_text())?;
        let raw_range = first.range().start..last.range().end;
        let raw = self.file.text.get(raw_range.clone())?;
        let (map, host) = decode_character_data(raw, raw_range.start, &text);
        Some(EmbeddedScript::with_map(
            text,
            Span::new(self.id, map.as_ref().map_or(raw_range.start, |m| m.to_host(0)), raw_range.end),
            host,
            enabled,
            enabled_attr.map(|a| Span::new(self.id, a.range().start, a.range().end)),
            map,
        ))
    }

    fn identity_provider(&self, idp: XmlNode) -> Result<IdentityProvider, Diagnostic> {
        let name = self.required_text(idp, "IdentityProviderName")?;
        let config = child(idp, "JustInTimeProvisioningConfig");
        let jit = match config.and_then(|c| child(c, "IsProvisioningEnabled")) {
            Some(element) => match self.text(element) {
                Some(v) if v.value == "true" || v.value == "false" => JitSetting::Stated {
                    enabled: v.value == "true",
                    entry: self.span(element),
                    value: v.span,
                },
                _ => {
                    return Err(invalid(
                        self.span(element),
                        "`<IsProvisioningEnabled>` must be true or false".into(),
                    ));
                }
            },
            None => JitSetting::Missing,
        };
        Ok(IdentityProvider {
            name_key: child(idp, "IdentityProviderName").map_or(name.span, |n| self.span(n)),
            name,
            tenant: TenantId::default(),
            file: self.id,
            jit,
            provisioning_key: config.map(|c| self.span(c)),
            provisioning_value: config.map(|c| self.span(c)),
            claims: self.claims(idp),
            format: SourceFormat::Xml,
        })
    }
}

impl Reader<'_> {
    /// `<ClaimConfig>`: `<LocalClaimDialect>` and `<ClaimMappings><ClaimMapping>` with
    /// `<LocalClaim><ClaimUri>` and `<RemoteClaim><ClaimUri>`.
    fn claims(&self, idp: XmlNode) -> IdpClaims {
        let Some(config) = child(idp, "ClaimConfig") else { return IdpClaims::default() };
        let uri = |m: XmlNode, side: &str| {
            child(m, side).and_then(|c| child(c, "ClaimUri")).and_then(|u| self.text(u))
        };
        let mappings = child(config, "ClaimMappings")
            .into_iter()
            .flat_map(|c| children(c, &["ClaimMapping"]))
            .filter_map(|m| {
                Some(ClaimMapping {
                    local: uri(m, "LocalClaim")?.value,
                    remote: uri(m, "RemoteClaim")?.value,
                    span: self.span(m),
                })
            })
            .collect();
        let local_dialect =
            child(config, "LocalClaimDialect").and_then(|d| self.text(d)).is_some_and(|d| d.value == "true");
        IdpClaims { span: Some(self.span(config)), local_dialect, mappings }
    }
}

/// Maps XML character data (text with entities, CDATA sections, CRLF line breaks) to the text
/// the parser produced. Returns no map when the two disagree.
fn decode_character_data(raw: &str, start: usize, expected: &str) -> (Option<ScalarMap>, ScriptHost) {
    let host =
        if raw.trim_start().starts_with("<![CDATA[") { ScriptHost::XmlCdata } else { ScriptHost::XmlText };
    let mut table = Vec::with_capacity(expected.len() + 1);
    let mut out = String::with_capacity(expected.len());
    let bytes = raw.as_bytes();
    let mut i = 0;
    let mut in_cdata = false;
    while i < raw.len() {
        let rest = &raw[i..];
        if !in_cdata && rest.starts_with("<![CDATA[") {
            in_cdata = true;
            i += 9;
            continue;
        }
        if in_cdata && rest.starts_with("]]>") {
            in_cdata = false;
            i += 3;
            continue;
        }
        // XML normalises CRLF and lone CR to LF.
        if bytes[i] == b'\r' {
            table.push(start + i);
            out.push('\n');
            i += if bytes.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
            continue;
        }
        if !in_cdata
            && bytes[i] == b'&'
            && let Some(end) = rest.find(';')
            && let Some(c) = entity(&rest[1..end])
        {
            for _ in 0..c.len_utf8() {
                table.push(start + i);
            }
            out.push(c);
            i += end + 1;
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        for k in 0..c.len_utf8() {
            table.push(start + i + k);
        }
        out.push(c);
        i += c.len_utf8();
    }
    table.push(start + raw.len() - if raw.ends_with("]]>") { 3 } else { 0 });
    if out == expected { (ScalarMap::from_offsets(table), host) } else { (None, host) }
}

fn entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let code = name
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| name.strip_prefix('#').map(|d| d.parse()))?;
            char::from_u32(code.ok()?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_data_maps_entities_cdata_and_crlf() {
        let raw = "a &lt; b\r\n<![CDATA[x && y]]>";
        let (map, host) = decode_character_data(raw, 10, "a < b\nx && y");
        let map = map.expect("decodes");
        assert_eq!(host, ScriptHost::XmlText);
        assert_eq!(map.to_host(2), 10 + 2); // '<' is the '&' of "&lt;"
        assert_eq!(map.to_host(4), 10 + 7); // 'b'
        assert_eq!(map.to_host(6), 10 + 19); // 'x', inside the CDATA section
        assert!(decode_character_data("abc", 0, "abd").0.is_none());
    }
}
