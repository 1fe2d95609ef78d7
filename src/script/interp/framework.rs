//! The server's functions: `executeStep` (its step number, its options and their
//! `authenticationOptions` filters, `stepOptions`, the facts recorded about the call) and the
//! callbacks it and other framework or unknown functions are given (`onSuccess`, the failure
//! callbacks, the asynchronous callbacks of `httpGet` and the like).

use std::collections::BTreeSet;
use std::rc::Rc;

use swc_common::Spanned;
use swc_ecma_ast::*;

use super::expr::prop_key_is;
use super::{ANY, Filter, Interp, Site, StepCall, StepEvent, offset};
use crate::script::env::Env;
use crate::script::state::{ANY_OPTION, CallbackOf, Flow, Slots, TraceEntry, insert, union};
use crate::script::value::{Closure, Text, Value};

/// Functions that take callbacks and may continue the flow from them later (DOMAIN.md §4).
/// Their callbacks run asynchronously: they see every step that ran before them.
pub(super) const ASYNC_WITH_CALLBACKS: &[&str] = &[
    "prompt",
    "promptIdentifierForStep",
    "httpGet",
    "httpPost",
    "callChoreo",
    "callAnalytics",
    "callElastic",
    "updateUserPassword",
];

/// The server's functions and the language's global functions: they do not change the arrays and
/// objects they are given (the server's are host functions that read their arguments). Any other
/// global function (a `require`d library's, one the script forgot to define) may.
/// (`ASYNC_WITH_CALLBACKS` are host functions too: see `is_host_function`.)
const HOST_FUNCTIONS: &[&str] = &[
    "executeStep",
    "fail",
    "sendError",
    "hasRole",
    "hasAnyOfTheRoles",
    "hasAnyOfTheRolesV2",
    "isMemberOfAnyOfGroups",
    "assignUserRoles",
    "removeUserRoles",
    "getAssociatedLocalUser",
    "doAssociationWithLocalUser",
    "getFederatedAssociations",
    "getUniqueUserWithClaimValues",
    "getUserWithClaimValues",
    "getMaskedValue",
    "getValueFromDecodedAssertion",
    "getSecretByName",
    "sendEmail",
    "setCookie",
    "getCookieValue",
    "require",
    "parseInt",
    "parseFloat",
    "isNaN",
    "isFinite",
    "String",
    "Number",
    "Boolean",
    "encodeURIComponent",
    "decodeURIComponent",
];

/// Whether `name` is one of the server's or the language's global functions.
pub(super) fn is_host_function(name: &str) -> bool {
    HOST_FUNCTIONS.contains(&name) || ASYNC_WITH_CALLBACKS.contains(&name)
}

/// `executeStep` callbacks other than `onSuccess`: the step did not authenticate anyone.
const FAILURE_CALLBACKS: &[&str] = &["onFail", "onUserAbort", "onFallback"];

/// The `idp` and `authenticator` of an `authenticationOptions` entry (each absent or a string);
/// `None` when the entry is not an object or a present key is not a known string.
fn filter_entry<'v>(entry: &'v Value) -> Option<(Option<&'v str>, Option<&'v str>)> {
    let Value::Object(_) = entry else { return None };
    let field = |key: &str| match entry.prop(key) {
        None if entry.is_open() => None,
        None | Some(Value::Undefined | Value::Null) => Some(None),
        Some(Value::Str(s)) => Some(Some(&**s)),
        Some(_) => None,
    };
    Some((field("idp")?, field("authenticator")?))
}

/// Who is given callbacks, for the trace ("onSuccess of httpGet").
pub(super) enum CalleeName<'s> {
    /// A framework function, by name.
    Named(&'s str),
    /// Any other callee: its source text (`utils.retry`).
    Source(swc_common::Span),
    Unnamed,
}

/// The trace entry of a callback `executeStep` runs (`onSuccess`, `onFail`, ...).
fn step_callback(name: &'static str, at: usize) -> TraceEntry {
    TraceEntry::Callback { key: None, of: CallbackOf::Step(name), offset: at }
}

impl<'a> Interp<'a> {
    /// An unknown (or framework) function may call the functions it is given, directly or as
    /// properties of an object argument: each may or may not run.
    pub(super) fn run_callbacks(
        &mut self,
        args: &[Value<'a>],
        callee: CalleeName<'_>,
        at: usize,
        is_async: bool,
        flow: Flow,
        env: &mut Env<'a>,
    ) -> Flow {
        let mut callbacks: Vec<(Option<Text<'a>>, Closure<'a>)> = Vec::new();
        for arg in args {
            match arg {
                Value::Func(c) => callbacks.push((None, *c)),
                Value::Object(props) => {
                    for (key, v) in props.iter() {
                        if let Value::Func(c) = v {
                            callbacks.push((Some(key.clone()), *c));
                        }
                    }
                }
                _ => {}
            }
        }
        // Most calls (`Log.info(...)`) are given no function: nothing to run, nothing to name.
        if callbacks.is_empty() {
            return flow;
        }
        let of = match callee {
            CalleeName::Named(name) => CallbackOf::Named(Rc::from(name)),
            CalleeName::Source(span) => CallbackOf::Source { start: offset(span.lo), end: offset(span.hi) },
            CalleeName::Unnamed => CallbackOf::Unnamed,
        };
        let mut out = flow.clone();
        for (key, closure) in callbacks {
            // `{onSuccess: ..., onFail: ...}` handed to any function is the framework's callback
            // convention: such callbacks run later, like those of `httpGet`.
            let later = is_async || key.as_deref().is_some_and(|k| k.starts_with("on"));
            let entry =
                TraceEntry::Callback { key: key.as_ref().map(Text::to_rc), of: of.clone(), offset: at };
            let ran = self.callback(closure, entry, later, flow.clone(), env);
            union(&mut out, ran);
        }
        out
    }

    /// Runs a callback. An asynchronous one (of `executeStep`, `httpGet`, ...) sees every step
    /// that ran before it; when it returns, the code that registered it still sees what it saw.
    fn callback(
        &mut self,
        closure: Closure<'a>,
        entry: TraceEntry,
        refresh_view: bool,
        flow: Flow,
        env: &mut Env<'a>,
    ) -> Flow {
        if !refresh_view {
            let flow = flow.into_iter().map(|(s, t)| (s, t.push(entry.clone()))).collect();
            return self.call(closure, vec![Value::Unknown], flow, env).0;
        }
        // The states grouped by what the registering code saw, in view order (a few groups).
        let mut by_view: Vec<(Slots, Flow)> = Vec::new();
        for (mut state, trace) in flow {
            let view = state.view_slots();
            state.see_what_ran();
            let group = match by_view.binary_search_by(|(v, _)| v.cmp(&view)) {
                Ok(i) => i,
                Err(i) => {
                    by_view.insert(i, (view, Flow::new()));
                    i
                }
            };
            insert(&mut by_view[group].1, state, trace.push(entry.clone()));
        }
        // The callback runs after the code that registered it has finished: that code does not
        // see the callback's assignments, later callbacks do. So its writes are kept aside
        // (`deferred`) and applied when the next callback starts.
        let enclosing = env.clone();
        // The callback sees the variables as they are now; if the registering code changes them
        // before it finishes, the server's callback would see the new values (checked in
        // `invoke` when that code returns).
        self.registrations.push((self.call_stack.len(), enclosing.clone()));
        let mut writes: Vec<(u32, Text<'a>, Value<'a>)> = Vec::new();
        let mut out = Flow::new();
        for (view, group) in by_view {
            *env = enclosing.clone();
            env.apply(&self.deferred);
            let before = env.clone();
            let (ran, _) = self.call(closure, vec![Value::Context, Value::Unknown], group, env);
            for (frame, name, value) in before.changes(env) {
                // Groups that wrote different values: the later code cannot rely on either.
                match writes.iter_mut().find(|(f, n, _)| *f == frame && *n == name) {
                    Some(w) if !w.2.same(&value) => w.2 = Value::Unknown,
                    Some(_) => {}
                    None => writes.push((frame, name, value)),
                }
            }
            for (mut state, trace) in ran {
                state.set_view_slots(&view);
                insert(&mut out, state, trace);
            }
        }
        *env = enclosing;
        for (frame, name, value) in writes {
            self.deferred.retain(|(f, n, _)| !(*f == frame && *n == name));
            self.deferred.push((frame, name, value));
        }
        out
    }

    /// `executeStep(next)` where the step number depends on the state (`var next = isLocal ? 2 :
    /// 3`): each group of states runs its own step.
    pub(super) fn execute_step_per_state(
        &mut self,
        call: &'a CallExpr,
        args: &[Value<'a>],
        flow: Flow,
        env: &mut Env<'a>,
    ) -> Flow {
        let Some(step) = args.first().filter(|v| v.depends_on_state()) else {
            return self.execute_step(call, args, flow, env);
        };
        let mut groups: Vec<(Value<'a>, Flow)> = Vec::new();
        for (state, trace) in flow {
            let value = step.concrete(&state, self.info).map_or(Value::Unknown, |c| c.to_value());
            match groups.iter_mut().find(|(v, _)| v.same(&value)) {
                Some((_, group)) => insert(group, state, trace),
                None => {
                    let mut group = Flow::new();
                    insert(&mut group, state, trace);
                    groups.push((value, group));
                }
            }
        }
        let mut out = Flow::new();
        for (value, group) in groups {
            let mut args = args.to_vec();
            args[0] = value;
            let ran = self.execute_step(call, &args, group, env);
            union(&mut out, ran);
        }
        out
    }

    /// `executeStep(n)`, `executeStep(n, callbacks)`, `executeStep(n, options, callbacks)`.
    pub(super) fn execute_step(
        &mut self,
        call: &'a CallExpr,
        args: &[Value<'a>],
        flow: Flow,
        env: &mut Env<'a>,
    ) -> Flow {
        let site = Site::Script { start: offset(call.span.lo), end: offset(call.span.hi) };
        let at = offset(call.span.lo);
        // With two arguments the server reads the second as callbacks: options there are ignored.
        let (options, callbacks) = match args.len() {
            0 | 1 => (None, None),
            2 => (None, args.get(1)),
            _ => (args.get(1), args.get(2)),
        };
        self.record_call(call, args, options);
        // A constant that is no step id (`-1`, `1.5`, `1e30`) names no step: an undefined step,
        // not "any step".
        let written = match args.first() {
            Some(Value::Num(n)) if step_number(&Value::Num(*n)).is_none() => Some(n.to_string()),
            Some(Value::Str(s)) if s.trim().parse::<u32>().is_err() => Some(format!("'{s}'")),
            _ => None,
        };
        if let Some(written) = written {
            let event = self.facts.events.entry((site, 0)).or_insert_with(|| StepEvent {
                step: 0,
                site,
                options: BTreeSet::new(),
                flow: Flow::new(),
                configured: false,
                context_name: None,
                written: Some(written),
            });
            union(&mut event.flow, flow.clone());
            return flow;
        }
        let steps: Vec<u32> = match args.first().and_then(step_number) {
            Some(n) => vec![n],
            // A step number the analysis cannot tell: any configured step may run.
            None => self.info.steps.iter().map(|(id, _)| *id).collect(),
        };
        let context_name = env.name_holding(|v| matches!(v, Value::Context)).map(|n| n.to_string());
        let mut out = Flow::new();
        for id in steps {
            let Some(index) = self.info.index_of(id) else {
                let event = self.facts.events.entry((site, id)).or_insert_with(|| StepEvent {
                    step: id,
                    site,
                    options: BTreeSet::new(),
                    flow: Flow::new(),
                    configured: false,
                    context_name: None,
                    written: None,
                });
                union(&mut event.flow, flow.clone());
                union(&mut out, flow.clone());
                continue;
            };
            let allowed = self.allowed_options(index, options);
            // `Some(b)` when the call certainly does (not) mark its step as the subject; `None`
            // when the options are there but cannot be read: both may happen.
            let marks_subject = match options.map(|o| o.prop("stepOptions")) {
                Some(None) if options.is_some_and(Value::is_open) => None,
                None | Some(None) => Some(false),
                Some(Some(Value::Object(_))) => {
                    match options
                        .and_then(|o| o.prop("stepOptions"))
                        .and_then(|o| o.prop("markAsSubjectIdentifierStep"))
                    {
                        None => Some(false),
                        Some(Value::Bool(b)) => Some(*b),
                        Some(Value::Str(s)) => Some(&**s == "true"),
                        Some(_) => None,
                    }
                }
                Some(Some(_)) => None,
            };
            let event = self.facts.events.entry((site, id)).or_insert_with(|| StepEvent {
                step: id,
                site,
                options: BTreeSet::new(),
                flow: Flow::new(),
                configured: true,
                context_name: context_name.clone(),
                written: None,
            });
            event.options.extend(allowed.iter().copied());
            union(&mut event.flow, flow.clone());

            if marks_subject != Some(false) {
                self.facts.marked.insert(id);
            }
            // A step nobody tells the options of apart moves each state on once.
            let observed = self.info.observed.get(index).copied().unwrap_or(true);
            let moves: Vec<(usize, u8)> = if observed {
                allowed.iter().map(|&o| (o, u8::try_from(o + 1).unwrap_or(ANY_OPTION))).collect()
            } else {
                vec![(ANY, ANY_OPTION)]
            };
            let mut success = Flow::new();
            for (state, trace) in &flow {
                for &(option, slot) in &moves {
                    let mut next = state.clone();
                    next.set_exec(index, slot);
                    let mut trace = trace.push(TraceEntry::StepRan { step: id, option, site: Some(at) });
                    if marks_subject.is_none() {
                        insert(&mut success, next.clone(), trace.clone());
                    }
                    if marks_subject != Some(false) {
                        next.set_subject(u8::try_from(index).unwrap_or(u8::MAX));
                        trace = trace.push(TraceEntry::Subject { step: id });
                    }
                    insert(&mut success, next, trace);
                }
            }
            let callback = |name: &str| match callbacks.and_then(|c| c.prop(name)) {
                Some(Value::Func(c)) => Some(*c),
                _ => None,
            };
            let after_success = match callback("onSuccess") {
                Some(c) => self.callback(c, step_callback("onSuccess", at), true, success, env),
                None => success,
            };
            union(&mut out, after_success);
            // Without a failure callback the server retries the step: the flow goes on only
            // through success.
            for name in FAILURE_CALLBACKS {
                if let Some(c) = callback(name) {
                    let failed: Flow = flow
                        .iter()
                        .map(|(s, t)| {
                            (s.clone(), t.push(TraceEntry::StepFailed { step: id, callback: name, site: at }))
                        })
                        .collect();
                    let ran = self.callback(c, step_callback(name, at), true, failed, env);
                    union(&mut out, ran);
                }
            }
        }
        out
    }

    /// Records how an `executeStep` call is written, for the rules about its arguments.
    fn record_call(&mut self, call: &'a CallExpr, args: &[Value<'a>], options: Option<&Value<'a>>) {
        let site = (offset(call.span.lo), offset(call.span.hi));
        if self.facts.calls.contains_key(&site) {
            return;
        }
        let span_of = |e: &Expr| (offset(e.span().lo), offset(e.span().hi));
        let carries_options =
            |v: &Value| v.prop("authenticationOptions").is_some() || v.prop("stepOptions").is_some();
        let ignored_options = match (args.len(), args.get(1), call.args.get(1)) {
            (2, Some(v), Some(arg)) if carries_options(v) => Some(span_of(&arg.expr)),
            _ => None,
        };
        // The entries as written, when the options are an object literal in the call.
        let written: Vec<(usize, usize)> = call
            .args
            .get(1)
            .filter(|_| args.len() >= 3)
            .and_then(|a| match a.expr.unwrap_parens() {
                Expr::Object(o) => o.props.iter().find_map(|p| match p {
                    PropOrSpread::Prop(p) => match &**p {
                        Prop::KeyValue(kv) if prop_key_is(&kv.key, "authenticationOptions") => {
                            Some(&kv.value)
                        }
                        _ => None,
                    },
                    PropOrSpread::Spread(_) => None,
                }),
                _ => None,
            })
            .and_then(|v| match v.unwrap_parens() {
                Expr::Array(a) => Some(a.elems.iter().flatten().map(|e| span_of(&e.expr)).collect()),
                _ => None,
            })
            .unwrap_or_default();
        let filters = match options.and_then(|o| o.prop("authenticationOptions")) {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let entry = filter_entry(item);
                    Filter {
                        span: written.get(i).copied().unwrap_or(site),
                        idp: entry.and_then(|(idp, _)| idp).map(str::to_string),
                        authenticator: entry.and_then(|(_, a)| a).map(str::to_string),
                        known: entry.is_some(),
                    }
                })
                .collect(),
            _ => Vec::new(),
        };
        let step = args.first().and_then(step_number);
        self.facts.calls.insert(site, StepCall { step, arg_count: args.len(), ignored_options, filters });
    }

    /// The options of step `index` that `options.authenticationOptions` keeps, as the framework
    /// applies the filter (`model::filter_entry_matches`). A filter that keeps none of the
    /// step's options is ignored by the server, which offers them all; so is, for the analysis,
    /// a filter it cannot read (built at run time, it may match nothing).
    fn allowed_options(&self, index: usize, options: Option<&Value<'a>>) -> Vec<usize> {
        let configured = self.info.steps.get(index).map(|(_, o)| o.as_slice()).unwrap_or(&[]);
        let all: Vec<usize> = (0..configured.len().min(u8::MAX as usize - 1)).collect();
        let filters = match options.and_then(|o| o.prop("authenticationOptions")) {
            None | Some(Value::Undefined | Value::Null) => return all,
            Some(Value::Array(filters)) => filters,
            Some(_) => return all,
        };
        let mut kept = BTreeSet::new();
        for filter in filters.iter() {
            let Some((idp, authenticator)) = filter_entry(filter) else {
                return all;
            };
            for &i in &all {
                let (o_idp, o_auth) = &configured[i];
                if crate::model::filter_entry_matches(idp, authenticator, o_idp, o_auth) {
                    kept.insert(i);
                }
            }
        }
        if kept.is_empty() { all } else { kept.into_iter().collect() }
    }
}

/// A step number given as a number or a numeric string.
fn step_number(v: &Value) -> Option<u32> {
    match v {
        Value::Num(n) if n.fract() == 0.0 && *n >= 0.0 && *n <= u32::MAX as f64 => Some(*n as u32),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}
