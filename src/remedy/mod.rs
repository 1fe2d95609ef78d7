//! The two remedies for a JIT/MFA conflict, as exact edits: guard the MFA step in the script,
//! or enable JIT provisioning on the identity provider. `check` prints them; `authlint fix`
//! (a later issue) applies the same edits.

pub mod top_level;

use crate::diagnostic::{Edit, Fix, Strategy};
use crate::model::{Application, IdentityProvider, JitSetting, SourceFormat};
use crate::source::{SourceFile, SourceFiles, Span};

/// `text` with the file's own line endings (CRLF files stay CRLF).
fn with_file_eol(file: &SourceFile, text: String) -> String {
    if file.text.contains("\r\n") { text.replace("\r\n", "\n").replace('\n', "\r\n") } else { text }
}

/// A JavaScript string literal in single quotes.
pub fn js_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The guard that lets a step run only for users who have a local account: `== 'LOCAL'` when
/// the subject step offers no JIT-enabled connection, otherwise a check that excludes exactly
/// the JIT-disabled ones (so JIT-enabled federated users keep their MFA).
pub fn guard_expression(
    context: &str,
    subject_step: u32,
    jit_disabled: &[String],
    has_jit_enabled_idp: bool,
) -> String {
    let idp = format!("{context}.steps[{subject_step}].idp");
    if !has_jit_enabled_idp || jit_disabled.is_empty() {
        return format!("{idp} == 'LOCAL'");
    }
    jit_disabled.iter().map(|name| format!("{idp} != {}", js_string(name))).collect::<Vec<_>>().join(" && ")
}

/// The documented script for an application without one: every step in order, and the steps
/// in `guarded` only when `guard` holds, decided in the subject step's `onSuccess`.
pub fn script_for(app: &Application, guarded: &[u32], guard: &str) -> String {
    let mut before = String::new();
    let mut after = String::new();
    let mut seen_subject = false;
    for step in &app.steps {
        if step.id == app.subject_step {
            seen_subject = true;
            continue;
        }
        if !seen_subject {
            before.push_str(&format!("    executeStep({});\n", step.id));
        } else if guarded.contains(&step.id) {
            after.push_str(&format!(
                "            if ({guard}) {{\n                executeStep({});\n            }}\n",
                step.id
            ));
        } else {
            after.push_str(&format!("            executeStep({});\n", step.id));
        }
    }
    format!(
        "var onLoginRequest = function (context) {{\n{before}    executeStep({}, {{\n        onSuccess: function (context) {{\n            // MFA needs a local account: users of IdPs without JIT provisioning skip it.\n{after}        }}\n    }});\n}};\n",
        app.subject_step
    )
}

/// The whitespace before `span` on its line, if only whitespace precedes it.
fn line_indent(file: &SourceFile, span: Span) -> Option<(usize, String)> {
    let line = file.line_col(span.start).line;
    let start = file.line_start(line)?;
    let prefix = file.text.get(start..span.start)?;
    prefix.chars().all(|c| c == ' ').then(|| (start, prefix.to_string()))
}

fn is_json(file: &SourceFile) -> bool {
    file.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Adds `script` to an application that has none: in place of an empty `script` value, or as a
/// new key before `steps`.
pub fn add_script(file: &SourceFile, app: &Application, script: &str) -> Option<Fix> {
    let mut title =
        format!("add a script to `{}` that runs MFA only for users with a local account", app.name.value);
    let mut edits = match app.format {
        SourceFormat::Rest => vec![add_rest_script(file, app, script)?],
        SourceFormat::Legacy => vec![add_bean_script(file, app, script)?],
        SourceFormat::Xml => vec![add_xml_script(file, app, script)?],
    };
    // On the tenant's default flow the server runs no script: the application then runs its own
    // steps (the ones stated in this file, which authlint checked) and the script.
    if app.uses_default_flow {
        let span = app.sequence_type_span?;
        let own_steps = if app.format == SourceFormat::Rest { "USER_DEFINED" } else { "flow" };
        // Quoted as the value is (`"DEFAULT"` in JSON, `'DEFAULT'` in YAML).
        let raw = file.text.get(span.start..span.end)?;
        let replacement = match raw.chars().next() {
            Some(q @ ('"' | '\'')) if raw.len() >= 2 && raw.ends_with(q) => format!("{q}{own_steps}{q}"),
            _ => own_steps.to_string(),
        };
        edits.push(Edit { span, replacement });
        title.push_str(&format!(
            ", switching it from the tenant's default flow to its own steps (`{own_steps}`): the server runs no script on the default flow"
        ));
    }
    let edits =
        edits.into_iter().map(|e| Edit { replacement: with_file_eol(file, e.replacement), ..e }).collect();
    Some(Fix { strategy: Some(Strategy::Guard), title, edits })
}

/// The script of a REST application: in place of an empty `script` value, or as a new key before
/// `steps`.
fn add_rest_script(file: &SourceFile, app: &Application, script: &str) -> Option<Edit> {
    let edit = match (app.empty_script, is_json(file)) {
        (Some(value), true) => Edit { span: value, replacement: serde_json::to_string(script).ok()? },
        (Some(value), false) => {
            // Only a quoted empty string has a span we can replace safely (`script:` with no
            // value has none).
            let raw = file.text.get(value.start..value.end)?;
            if raw != "\"\"" && raw != "''" {
                return None;
            }
            let key_indent = leading_spaces(file.line_text(value.start));
            Edit {
                span: value,
                replacement: block_scalar(script, &format!("{key_indent}  ")).trim_end().to_string(),
            }
        }
        (None, true) => {
            let steps_key = app.steps_key?;
            let quoted = serde_json::to_string(script).ok()?;
            let indent =
                line_indent(file, steps_key).map(|(_, p)| format!("\n{p}")).unwrap_or_else(|| " ".into());
            // The key token starts at the opening quote of "steps".
            Edit {
                span: Span::new(steps_key.file, steps_key.start, steps_key.start),
                replacement: format!("\"script\": {quoted},{indent}"),
            }
        }
        (None, false) => {
            let steps_key = app.steps_key?;
            let (line_start, indent) = line_indent(file, steps_key)?;
            let text = format!("{indent}script: {}", block_scalar(script, &format!("{indent}  ")));
            Edit { span: Span::new(steps_key.file, line_start, line_start), replacement: text }
        }
    };
    Some(edit)
}

/// `authenticationScriptConfig` in a bean-YAML application, first in its
/// `localAndOutBoundAuthenticationConfig`, in the file's indentation.
fn add_bean_script(file: &SourceFile, app: &Application, script: &str) -> Option<Edit> {
    if app.script_config.is_some() {
        return None; // A script config without content: not ours to rewrite.
    }
    let after_key = Span::new(app.sequence_key.file, app.sequence_key.end + 1, app.sequence_key.end + 1);
    let (line_start, indent) = block_mapping_line(file, after_key)?;
    let content = block_scalar(script, &format!("{indent}    "));
    Some(Edit {
        span: Span::new(app.file, line_start, line_start),
        replacement: format!(
            "{indent}authenticationScriptConfig:\n{indent}  content: {content}{indent}  enabled: true\n{indent}  language: application/javascript\n"
        ),
    })
}

/// `<AuthenticationScript>` in an XML application, last in its
/// `<LocalAndOutBoundAuthenticationConfig>`, the script in CDATA.
fn add_xml_script(file: &SourceFile, app: &Application, script: &str) -> Option<Edit> {
    if app.script_config.is_some() {
        return None;
    }
    const CLOSE: &str = "</LocalAndOutBoundAuthenticationConfig>";
    let element = file.text.get(app.sequence_key.start..app.sequence_key.end)?;
    let close = app.sequence_key.start + element.rfind(CLOSE)?;
    let cdata = crate::model::ScriptHost::XmlCdata.escape(script);
    let replacement = match line_indent(file, Span::new(app.file, close, close)) {
        Some((line_start, indent)) => {
            let body: String = cdata
                .lines()
                .map(|l| if l.is_empty() { "\n".to_string() } else { format!("{indent}        {l}\n") })
                .collect();
            return Some(Edit {
                span: Span::new(app.file, line_start, line_start),
                replacement: format!(
                    "{indent}    <AuthenticationScript language=\"application/javascript\" enabled=\"true\"><![CDATA[\n{body}{indent}    ]]></AuthenticationScript>\n"
                ),
            });
        }
        None => format!(
            "<AuthenticationScript language=\"application/javascript\" enabled=\"true\"><![CDATA[{cdata}]]></AuthenticationScript>"
        ),
    };
    Some(Edit { span: Span::new(app.file, close, close), replacement })
}

/// `script` as a YAML literal block (`|` and the lines, each indented), ending with a newline.
fn block_scalar(script: &str, indent: &str) -> String {
    let mut text = String::from("|\n");
    for line in script.lines() {
        if !line.is_empty() {
            text.push_str(indent);
            text.push_str(line);
        }
        text.push('\n');
    }
    text
}

fn leading_spaces(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches(' ').len()]
}

/// Wraps the `executeStep` call at script range `start..end` in `if (guard) { ... }` (or
/// `(guard && ...)` when the call is part of a larger expression).
pub fn wrap_call(
    files: &SourceFiles,
    app: &Application,
    start: usize,
    end: usize,
    guard: &str,
) -> Option<Fix> {
    let script = app.script.as_ref()?;
    if !script.has_offset_map(files) {
        return None;
    }
    let src = script.text.as_str();
    let raw_before = src.get(..start)?;
    let before = raw_before.trim_end();
    // A line break after a complete expression ends the statement (automatic semicolon
    // insertion), unless the line ends with something that continues the expression.
    let line_break = raw_before[before.len()..].contains('\n');
    let continues = before.ends_with([
        '=', '(', '[', ',', '?', ':', '&', '|', '+', '-', '*', '/', '%', '<', '>', '!', '~', '.',
    ]);
    let statement_start = before.is_empty()
        || before.ends_with(['{', ';', '}', ')'])
        || (line_break && !continues)
        || before.ends_with("else")
            && !before[..before.len() - 4].ends_with(|c: char| c.is_alphanumeric() || c == '_');
    let rest = src.get(end..)?;
    let semicolon = rest.trim_start_matches([' ', '\t']).starts_with(';');
    let after_stmt = if semicolon { end + rest.find(';')? + 1 } else { end };
    let next = src.get(after_stmt..)?.trim_start_matches([' ', '\t']);
    let statement_end = next.is_empty() || next.starts_with(['\n', '\r', '}']) || next.starts_with("//");
    let (open, close, close_at) = if statement_start && statement_end {
        (format!("if ({guard}) {{ "), " }".to_string(), after_stmt)
    } else {
        (format!("({guard} && "), ")".to_string(), end)
    };
    let open_at = script.host_span(files, start, start).start;
    let close_at = script.host_span(files, close_at, close_at).start;
    let escape = |t: &str| script.host.escape(t);
    Some(Fix {
        strategy: Some(Strategy::Guard),
        title: format!("run this step only when `{guard}`"),
        edits: vec![
            Edit { span: Span::new(script.span.file, open_at, open_at), replacement: escape(&open) },
            Edit { span: Span::new(script.span.file, close_at, close_at), replacement: escape(&close) },
        ],
    })
}

/// Turns JIT provisioning on for `idp` in its own file: sets the switch where it is stated, and
/// adds it where it is absent, with the server's defaults for the fields beside it (the IdP
/// Management API's `scheme: PROVISION_SILENTLY` and `userstore: PRIMARY`; the bean's and the XML's
/// `provisioningUserStore` / `<ProvisioningUserStore>` `PRIMARY`).
pub fn enable_jit(file: &SourceFile, idp: &IdentityProvider) -> Option<Fix> {
    let title = format!("enable JIT provisioning for `{}`", idp.name.value);
    let edit = match &idp.jit {
        JitSetting::Stated { enabled: false, value, .. } => Edit { span: *value, replacement: "true".into() },
        JitSetting::Stated { enabled: true, .. } => return None,
        JitSetting::Missing => match (idp.format, idp.provisioning_value) {
            (SourceFormat::Rest, None) if is_json(file) => {
                let indent = line_indent(file, idp.name_key)
                    .map(|(_, p)| format!("\n{p}"))
                    .unwrap_or_else(|| " ".into());
                Edit {
                    span: Span::new(idp.file, idp.name_key.start, idp.name_key.start),
                    replacement: format!("\"provisioning\": {{\"jit\": {REST_JIT_JSON}}},{indent}"),
                }
            }
            (SourceFormat::Rest, None) => {
                let (line_start, indent) = line_indent(file, idp.name_key)?;
                Edit {
                    span: Span::new(idp.file, line_start, line_start),
                    replacement: format!("{indent}provisioning:\n{}", rest_jit_yaml(&format!("{indent}  "))),
                }
            }
            // A `provisioning` block without `jit`: `jit` goes first in it.
            (SourceFormat::Rest, Some(block)) if is_json(file) => {
                let open = file.text.get(block.start..)?.starts_with('{').then_some(block.start + 1)?;
                let empty = file.text.get(open..)?.trim_start().starts_with('}');
                let after = file.text.get(open..)?;
                let replacement = match after.trim_start_matches([' ', '\t']).strip_prefix('\n') {
                    // One member a line: `jit` on a line of its own, indented as the next member.
                    Some(next) if !empty => {
                        let indent = &next[..next.len() - next.trim_start_matches(' ').len()];
                        format!("\n{indent}\"jit\": {REST_JIT_JSON},")
                    }
                    _ if empty => format!("\"jit\": {REST_JIT_JSON}"),
                    _ => format!("\"jit\": {REST_JIT_JSON}, "),
                };
                Edit { span: Span::new(idp.file, open, open), replacement }
            }
            (SourceFormat::Rest, Some(block)) => {
                let (line_start, indent) = block_mapping_line(file, block)?;
                Edit {
                    span: Span::new(idp.file, line_start, line_start),
                    replacement: rest_jit_yaml(&indent),
                }
            }
            (SourceFormat::Legacy, value) => add_bean_jit(file, idp, value)?,
            (SourceFormat::Xml, element) => add_xml_jit(file, idp, element)?,
        },
    };
    let edit = Edit { replacement: with_file_eol(file, edit.replacement), ..edit };
    Some(Fix { strategy: Some(Strategy::EnableJit), title, edits: vec![edit] })
}

/// The `jit` object the IdP Management API would hold, as JSON.
const REST_JIT_JSON: &str =
    "{\"isEnabled\": true, \"scheme\": \"PROVISION_SILENTLY\", \"userstore\": \"PRIMARY\"}";

/// The `jit` block as YAML lines indented by `indent`.
fn rest_jit_yaml(indent: &str) -> String {
    format!(
        "{indent}jit:\n{indent}  isEnabled: true\n{indent}  scheme: PROVISION_SILENTLY\n{indent}  userstore: PRIMARY\n"
    )
}

/// Where a YAML block mapping value starts: the start of the line of its first key and that
/// line's indentation (`None` for a flow mapping, a scalar or an empty value). The value's span
/// may begin on its key's line (at a `!!tag`, or just after the colon).
fn block_mapping_line(file: &SourceFile, value: Span) -> Option<(usize, String)> {
    // A mapping's span may be empty (it marks where the mapping starts): read on from there.
    let text = file.text.get(value.start..)?;
    let mut at = 0;
    loop {
        let rest = text.get(at..)?;
        let trimmed = rest.trim_start();
        at += rest.len() - trimmed.len();
        if trimmed.starts_with('!') {
            // A type tag: skip it.
            at += trimmed.find(char::is_whitespace)?;
            continue;
        }
        break;
    }
    let first = text.get(at..)?;
    if first.is_empty() || first.starts_with(['{', '[', '"', '\'']) || !first.lines().next()?.contains(':') {
        return None;
    }
    let start = value.start + at;
    let (line_start, indent) = line_indent(file, Span::new(value.file, start, start))?;
    // The first key must be on a line of its own (not on the parent key's line).
    (line_start + indent.len() == start).then_some((line_start, indent))
}

/// `justInTimeProvisioningConfig` for a bean-YAML IdP: the switch in an existing mapping, the
/// mapping in place of `null`, or the whole entry before `identityProviderName`.
fn add_bean_jit(file: &SourceFile, idp: &IdentityProvider, value: Option<Span>) -> Option<Edit> {
    let fields =
        |indent: &str| format!("{indent}provisioningEnabled: true\n{indent}provisioningUserStore: PRIMARY\n");
    match (idp.provisioning_key, value) {
        (Some(_), Some(value)) if block_mapping_line(file, value).is_some() => {
            let (line_start, indent) = block_mapping_line(file, value)?;
            Some(Edit {
                span: Span::new(idp.file, line_start, line_start),
                replacement: format!("{indent}provisioningEnabled: true\n"),
            })
        }
        (Some(key), Some(value)) => {
            // `justInTimeProvisioningConfig: null` (or empty): the mapping replaces the value.
            let raw = file.text.get(value.start..value.end)?.trim();
            if !(raw.is_empty() || raw == "null" || raw == "~") {
                return None;
            }
            let (_, indent) = line_indent(file, key)?;
            let block = fields(&format!("{indent}  "));
            Some(Edit {
                span: Span::new(idp.file, key.start, value.end.max(key.end)),
                replacement: format!("justInTimeProvisioningConfig:\n{}", block.trim_end_matches('\n')),
            })
        }
        _ => {
            let (line_start, indent) = line_indent(file, idp.name_key)?;
            Some(Edit {
                span: Span::new(idp.file, line_start, line_start),
                replacement: format!(
                    "{indent}justInTimeProvisioningConfig:\n{}",
                    fields(&format!("{indent}  "))
                ),
            })
        }
    }
}

/// `<JustInTimeProvisioningConfig>` for an XML IdP: `<IsProvisioningEnabled>` first in an
/// existing element, or the element after `<IdentityProviderName>`, in the file's indentation.
fn add_xml_jit(file: &SourceFile, idp: &IdentityProvider, element: Option<Span>) -> Option<Edit> {
    if let Some(element) = element {
        let text = file.text.get(element.start..element.end)?;
        let open_end = element.start + text.find('>')? + 1;
        if text.get(..text.find('>')?)?.ends_with('/') {
            return None; // `<JustInTimeProvisioningConfig/>`: not worth the risk.
        }
        return Some(Edit {
            span: Span::new(idp.file, open_end, open_end),
            replacement: "<IsProvisioningEnabled>true</IsProvisioningEnabled>".into(),
        });
    }
    let at = idp.name_key.end;
    let replacement = match line_indent(file, idp.name_key) {
        Some((_, indent)) => format!(
            "\n{indent}<JustInTimeProvisioningConfig>\n{indent}    <IsProvisioningEnabled>true</IsProvisioningEnabled>\n{indent}    <ProvisioningUserStore>PRIMARY</ProvisioningUserStore>\n{indent}</JustInTimeProvisioningConfig>"
        ),
        None => "<JustInTimeProvisioningConfig><IsProvisioningEnabled>true</IsProvisioningEnabled><ProvisioningUserStore>PRIMARY</ProvisioningUserStore></JustInTimeProvisioningConfig>".into(),
    };
    Some(Edit { span: Span::new(idp.file, at, at), replacement })
}
