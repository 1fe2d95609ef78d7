//! The guard for an MFA step that `onLoginRequest` runs in its own (top-level) code:
//! `executeStep(1); executeStep(2);`. There the script cannot see who signed in at step 1 (the
//! server evaluates that code at once, before step 1 has run), so the code that follows the
//! subject step's call moves into that call's `onSuccess`, where it can, and the MFA step is
//! guarded there.
//!
//! The move keeps the flow's meaning only when:
//! - both calls are statements of `onLoginRequest`'s own body (not nested in a condition, a loop
//!   or a helper);
//! - everything after the subject step's call is `executeStep` calls: other code runs before any
//!   step on the server, and would see the steps' results once moved;
//! - the subject step's call has no failure callback (`onFail`, `onUserAbort`, `onFallback`):
//!   what runs after a failure would change;
//! - its callbacks, if any, are an object literal without `onSuccess`.
//!
//! Otherwise the fix declines, and says which condition does not hold.

use swc_ecma_ast::*;

use crate::diagnostic::{Edit, Fix, Strategy};
use crate::model::Application;
use crate::script::interp::offset;
use crate::source::SourceFiles;

const FAILURE_CALLBACKS: &[&str] = &["onFail", "onUserAbort", "onFallback"];

/// The edits that move the code after `executeStep(subject)` into its `onSuccess` and guard the
/// steps in `guarded` with `guard` (written with the callback's `context`), or why not.
pub fn move_into_on_success(
    files: &SourceFiles,
    app: &Application,
    subject: u32,
    guarded: &[u32],
    guard: &str,
) -> Result<Fix, String> {
    let script = app.script.as_ref().ok_or("the application has no script")?;
    if !script.has_offset_map(files) {
        return Err("the script's position in its file cannot be mapped".into());
    }
    let src = script.text.as_str();
    let ast = crate::script::parse(src).map_err(|e| e.message)?;
    let body = entry_body(&ast).ok_or("the script has no `onLoginRequest` function body to edit")?;
    fn call_of(stmt: &Stmt) -> Option<(u32, &CallExpr)> {
        let Stmt::Expr(ExprStmt { expr, .. }) = stmt else { return None };
        let Expr::Call(call) = &**expr else { return None };
        let Callee::Expr(callee) = &call.callee else { return None };
        let Expr::Ident(id) = &**callee else { return None };
        if &*id.sym != "executeStep" {
            return None;
        }
        let Some(ExprOrSpread { expr: first, spread: None }) = call.args.first() else { return None };
        let Expr::Lit(Lit::Num(n)) = &**first else { return None };
        (n.value.fract() == 0.0 && n.value >= 1.0).then_some((n.value as u32, call))
    }
    let at = body
        .iter()
        .position(|s| call_of(s).is_some_and(|(step, _)| step == subject))
        .ok_or_else(|| format!("`executeStep({subject})` is not a statement of onLoginRequest's own body"))?;
    let tail = &body[at + 1..];
    if tail.is_empty() {
        return Err(format!("nothing follows `executeStep({subject})` in onLoginRequest"));
    }
    if let Some(other) = tail.iter().find(|s| call_of(s).is_none()) {
        let text = crate::script::snippet(src, offset(other.span_lo()), offset(other.span_hi()));
        return Err(format!(
            "`{text}` runs before step {subject} on the server; moving it into the callback would change what it sees"
        ));
    }
    let (_, subject_call) = call_of(&body[at]).ok_or("no subject call")?;
    // Where the `onSuccess` goes: a new callbacks argument, or into the existing one.
    let callbacks = match subject_call.args.len() {
        1 => None,
        2 | 3 => match &*subject_call.args[subject_call.args.len() - 1].expr {
            Expr::Object(o) => Some(o),
            _ => {
                return Err(format!("the callbacks of `executeStep({subject})` are not written in the call"));
            }
        },
        _ => return Err(format!("`executeStep({subject})` has more arguments than the server reads")),
    };
    // An existing onSuccess: its body, and the name it gives `context`.
    let mut existing: Option<(&FunctionBody, String)> = None;
    if let Some(o) = callbacks {
        for prop in &o.props {
            let (name, function) = match prop {
                PropOrSpread::Prop(p) => match &**p {
                    Prop::KeyValue(kv) => (prop_name(&kv.key), function_of(&kv.value)),
                    Prop::Method(m) => (
                        prop_name(&m.key),
                        m.function.body.as_ref().map(|b| {
                            (b, first_param(&m.function.params.iter().map(|p| &p.pat).collect::<Vec<_>>()))
                        }),
                    ),
                    _ => (None, None),
                },
                PropOrSpread::Spread(_) => {
                    return Err(format!("the callbacks of `executeStep({subject})` spread another object"));
                }
            };
            match name.as_deref() {
                Some("onSuccess") => match function {
                    Some((body, Some(param))) => existing = Some((body, param)),
                    _ => {
                        return Err(format!(
                            "the onSuccess of `executeStep({subject})` is not a function written there with a `context` parameter"
                        ));
                    }
                },
                Some(n) if FAILURE_CALLBACKS.contains(&n) => {
                    return Err(format!(
                        "`executeStep({subject})` has an {n} callback: moving the steps that follow would change what runs after a failure"
                    ));
                }
                _ => {}
            }
        }
    }
    // The moved statements, the MFA ones guarded, indented one level inside the callback.
    let line_indent = |at: usize| {
        let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
        src[line_start..at].chars().take_while(|c| *c == ' ' || *c == '\t').collect::<String>()
    };
    let base = line_indent(offset(body[at].span_lo()));
    let moved = |inner: &str, guard: &str| {
        let mut moved = String::new();
        for stmt in tail {
            let text = src.get(offset(stmt.span_lo())..offset(stmt.span_hi())).unwrap_or("");
            let step = call_of(stmt).map(|(s, _)| s).unwrap_or(0);
            if guarded.contains(&step) {
                moved.push_str(&format!("{inner}if ({guard}) {{\n{inner}    {text}\n{inner}}}\n"));
            } else {
                moved.push_str(&format!("{inner}{text}\n"));
            }
        }
        moved
    };
    let (insert_at, insertion) = match (callbacks, existing) {
        // At the end of the existing onSuccess, with its name for `context`.
        (_, Some((block, param))) => {
            // Just before its closing brace, which stays on its own line and indentation.
            let close = offset(block.span.hi) - 1;
            let close_indent = line_indent(close);
            let guard = guard.replace("context.", &format!("{param}."));
            let text = moved(&format!("{close_indent}    "), &guard);
            let text = text.strip_prefix(close_indent.as_str()).unwrap_or(&text).to_string();
            (close, format!("{text}{close_indent}"))
        }
        (None, None) => {
            let callback = format!(
                "onSuccess: function (context) {{\n{}{base}    }}",
                moved(&format!("{base}        "), guard)
            );
            (offset(subject_call.args[0].expr.span_hi()), format!(", {{\n{base}    {callback}\n{base}}}"))
        }
        (Some(o), None) => {
            let callback = format!(
                "onSuccess: function (context) {{\n{}{base}    }}",
                moved(&format!("{base}        "), guard)
            );
            let open = offset(o.span.lo) + 1;
            if o.props.is_empty() {
                (open, format!("\n{base}    {callback}\n{base}"))
            } else if src.get(open..).is_some_and(|t| t.trim_start_matches([' ', '\t']).starts_with('\n')) {
                (open, format!("\n{base}    {callback},"))
            } else {
                // The other callbacks start on the brace's line: they move to a line of their own.
                let space = if src.get(open..).is_some_and(|t| t.starts_with(' ')) { "   " } else { "    " };
                (open, format!("\n{base}    {callback},\n{base}{space}"))
            }
        }
    };
    // The tail goes: from the end of the subject statement to the end of the last one.
    let cut_start = offset(body[at].span_hi());
    let cut_end = offset(tail[tail.len() - 1].span_hi());
    let host = |start: usize, end: usize| script.host_span(files, start, end);
    // New lines in the host file: a JSON or double-quoted string writes them escaped; a YAML
    // literal block needs its own indentation after each (the host line's, less the script's);
    // single-quoted, plain and folded YAML would fold them.
    let host_text = files.try_get(script.span.file).map_or("", |f| f.text.as_str());
    let prefix = {
        let at = host(offset(body[at].span_lo()), offset(body[at].span_lo())).start;
        let line_start = host_text[..at.min(host_text.len())].rfind('\n').map_or(0, |i| i + 1);
        let host_indent = host_text[line_start..at.min(host_text.len())].len();
        " ".repeat(host_indent.saturating_sub(base.len()))
    };
    let escape = |t: &str| -> Result<String, String> {
        use crate::model::ScriptHost;
        match script.host {
            ScriptHost::YamlBlockOrPlain if is_literal_block(host_text, script.span.start) => {
                Ok(t.replace('\n', &format!("\n{prefix}")))
            }
            ScriptHost::YamlBlockOrPlain | ScriptHost::YamlSingleQuoted => Err(
                "the script is a YAML scalar that folds new lines: rewrite it as a literal block (`|`) first"
                    .to_string(),
            ),
            other => Ok(other.escape(t)),
        }
    };
    Ok(Fix {
        strategy: Some(Strategy::Guard),
        title: format!(
            "move the steps after `executeStep({subject})` into its onSuccess and run MFA only when `{guard}`"
        ),
        edits: vec![
            Edit { span: host(insert_at, insert_at), replacement: escape(&insertion)? },
            Edit { span: host(cut_start, cut_end), replacement: String::new() },
        ],
    })
}

/// The statements of the function the server calls: the last `onLoginRequest` defined at the
/// top level (as a declaration, or a variable holding a function).
fn entry_body(script: &Script) -> Option<&[Stmt]> {
    let mut found = None;
    for stmt in &script.body {
        match stmt {
            Stmt::Decl(Decl::Fn(f)) if &*f.ident.sym == "onLoginRequest" => {
                found = f.function.body.as_ref().map(|b| b.stmts.as_slice());
            }
            Stmt::Decl(Decl::Var(v)) => {
                for d in &v.decls {
                    if let (Pat::Ident(id), Some(init)) = (&d.name, &d.init)
                        && &*id.id.sym == "onLoginRequest"
                    {
                        found = match &**init {
                            Expr::Fn(f) => f.function.body.as_ref().map(|b| b.stmts.as_slice()),
                            Expr::Arrow(a) => match &*a.body {
                                ArrowFunctionBody::FunctionBody(b) => Some(b.stmts.as_slice()),
                                ArrowFunctionBody::Expr(_) => None,
                            },
                            _ => found,
                        };
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Whether the YAML scalar whose content starts at `start` is a literal block (`|`, `|-`, `|+`,
/// `|2`): its indicator ends the text before it.
pub(crate) fn is_literal_block(host: &str, start: usize) -> bool {
    let before = host.get(..start).unwrap_or("").trim_end();
    let indicator = before.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
    indicator.ends_with('|') || host.get(start..).is_some_and(|t| t.starts_with('|'))
}

/// The body of a function written as a property value, and the name of its first parameter.
fn function_of(value: &Expr) -> Option<(&FunctionBody, Option<String>)> {
    match value {
        Expr::Fn(f) => {
            let params: Vec<&Pat> = f.function.params.iter().map(|p| &p.pat).collect();
            Some((f.function.body.as_ref()?, first_param(&params)))
        }
        Expr::Arrow(a) => match &*a.body {
            ArrowFunctionBody::FunctionBody(b) => {
                Some((b, first_param(&a.params.iter().collect::<Vec<_>>())))
            }
            ArrowFunctionBody::Expr(_) => None,
        },
        _ => None,
    }
}

fn first_param(params: &[&Pat]) -> Option<String> {
    match params.first() {
        Some(Pat::Ident(id)) => Some(id.id.sym.to_string()),
        _ => None,
    }
}

fn prop_name(key: &PropName) -> Option<String> {
    match key {
        PropName::Ident(id) => Some(id.sym.to_string()),
        PropName::Str(s) => Some(s.value.to_string_lossy().into_owned()),
        _ => None,
    }
}

/// Span helpers for statements.
trait StmtSpan {
    fn span_lo(&self) -> swc_common::BytePos;
    fn span_hi(&self) -> swc_common::BytePos;
}

impl StmtSpan for Stmt {
    fn span_lo(&self) -> swc_common::BytePos {
        swc_common::Spanned::span(self).lo
    }
    fn span_hi(&self) -> swc_common::BytePos {
        swc_common::Spanned::span(self).hi
    }
}

impl StmtSpan for Expr {
    fn span_lo(&self) -> swc_common::BytePos {
        swc_common::Spanned::span(self).lo
    }
    fn span_hi(&self) -> swc_common::BytePos {
        swc_common::Spanned::span(self).hi
    }
}
