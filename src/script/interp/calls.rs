//! Calls: evaluating a call expression, calling a function value, and running the script's own
//! functions (arguments, closures, recursion summarised to a fixpoint).
//!
//! A call to a framework function (`executeStep`, `httpGet`, ...) or an unknown function is
//! handed to `framework`.

use swc_common::Spanned;
use swc_ecma_ast::*;

use super::expr::member;
use super::framework::{ASYNC_WITH_CALLBACKS, CalleeName, is_host_function};
use super::stmt::{Exit, Out};
use super::{Interp, MAX_CALL_DEPTH, MAX_REENTRY, MAX_ROUNDS, offset, pattern_names};
use crate::script::env::{Env, join_values};
use crate::script::state::{Flow, union};
use crate::script::value::{Closure, Code, Value};

/// `Log.info(list)`, `JSON.stringify(o)`, `Math.max(...)`: host objects whose methods do not change
/// their arguments (unlike `Object.assign`).
fn is_pure_host_object(object: &Expr) -> bool {
    matches!(object, Expr::Ident(id) if matches!(&*id.sym, "Log" | "JSON" | "Math" | "console" | "String" | "Number"))
}

#[derive(Default)]
pub(super) struct Recursion {
    inputs: Flow,
    output: Flow,
}

impl<'a> Interp<'a> {
    pub(super) fn eval_args(
        &mut self,
        args: &'a [ExprOrSpread],
        flow: &mut Flow,
        env: &mut Env<'a>,
    ) -> Vec<Value<'a>> {
        args.iter()
            .map(|a| {
                let v = self.eval(&a.expr, flow, env);
                if a.spread.is_some() { Value::Unknown } else { self.freeze(v, flow) }
            })
            .collect()
    }

    pub(super) fn eval_call(&mut self, c: &'a CallExpr, flow: &mut Flow, env: &mut Env<'a>) -> Value<'a> {
        let Callee::Expr(callee) = &c.callee else {
            self.eval_args(&c.args, flow, env);
            return Value::Unknown;
        };
        if let Expr::Ident(id) = &**callee
            && env.lookup(&id.sym).is_none()
        {
            // A framework function (not shadowed by the script).
            let name = &*id.sym;
            let args = self.eval_args(&c.args, flow, env);
            if name == "executeStep" {
                *flow = self.execute_step_per_state(c, &args, std::mem::take(flow), env);
                return Value::Unknown;
            }
            if !is_host_function(name) {
                // A function the analysis does not know may change what it is given, and all
                // that can be reached from it.
                for arg in &args {
                    env.widen_reachable(arg);
                }
            }
            let is_async = ASYNC_WITH_CALLBACKS.contains(&name);
            let at = offset(c.span.lo);
            *flow =
                self.run_callbacks(&args, CalleeName::Named(name), at, is_async, std::mem::take(flow), env);
            return Value::Unknown;
        }
        // A method call: the receiver is evaluated once.
        if let Expr::Member(m) = &**callee
            && let MemberProp::Ident(method) = &m.prop
        {
            let receiver = self.eval(&m.obj, flow, env);
            let mut args = self.eval_args(&c.args, flow, env);
            // `f.call(thisArg, a, b)` and `f.apply(thisArg, [a, b])` call `f`.
            if let Value::Func(closure) = &receiver
                && matches!(&*method.sym, "call" | "apply")
            {
                let args = match (&*method.sym, args.get(1)) {
                    ("apply", Some(Value::Array(items))) => items.to_vec(),
                    ("apply", _) => Vec::new(),
                    _ if args.is_empty() => args,
                    _ => args.split_off(1),
                };
                let (out, value) = self.call(*closure, args, std::mem::take(flow), env);
                *flow = out;
                return value;
            }
            if let Some(value) = self.call_method(&receiver, &method.sym, &args, flow, env) {
                return value;
            }
            let callee_value = member(&receiver, Some(&method.sym));
            if !matches!(callee_value, Value::Func(_)) && !is_pure_host_object(&m.obj) {
                // A function the analysis does not know may change what it is given.
                for arg in &args {
                    env.widen_reachable(arg);
                }
            }
            return self.call_value(
                callee_value,
                args,
                CalleeName::Source(callee.span()),
                offset(c.span.lo),
                flow,
                env,
            );
        }
        let callee_value = self.eval(callee, flow, env);
        let args = self.eval_args(&c.args, flow, env);
        if !matches!(callee_value, Value::Func(_)) {
            for arg in &args {
                env.widen_reachable(arg);
            }
        }
        self.call_value(callee_value, args, CalleeName::Source(callee.span()), offset(c.span.lo), flow, env)
    }

    /// Calls a function value; an unknown callee may run its function arguments.
    pub(super) fn call_value(
        &mut self,
        callee: Value<'a>,
        args: Vec<Value<'a>>,
        name: CalleeName<'_>,
        at: usize,
        flow: &mut Flow,
        env: &mut Env<'a>,
    ) -> Value<'a> {
        match callee {
            Value::Func(closure) => {
                let (out, value) = self.call(closure, args, std::mem::take(flow), env);
                *flow = out;
                value
            }
            _ => {
                *flow = self.run_callbacks(&args, name, at, false, std::mem::take(flow), env);
                Value::Unknown
            }
        }
    }

    /// Calls a script function. A call to a function already running (recursion, also mutual)
    /// returns the function's output so far; the outermost call repeats until neither its
    /// inputs nor its output grow.
    pub(super) fn call(
        &mut self,
        closure: Closure<'a>,
        args: Vec<Value<'a>>,
        flow: Flow,
        env: &mut Env<'a>,
    ) -> (Flow, Value<'a>) {
        if flow.is_empty() {
            return (flow, Value::Undefined);
        }
        let key = closure.code.key();
        let active = self.call_stack.iter().filter(|k| **k == key).count();
        if active >= MAX_REENTRY {
            // Recursion: answer with the function's output so far; the outermost call repeats
            // until that output stops growing.
            let rec = self.recursion.entry(key).or_default();
            let output = reachable_from(&flow, &rec.output);
            union(&mut rec.inputs, flow);
            return (output, Value::Unknown);
        }
        if self.call_stack.len() >= MAX_CALL_DEPTH {
            self.facts.incomplete = true;
            return (flow, Value::Unknown);
        }
        self.call_stack.push(key);
        if active > 0 {
            // A function re-entered a few times (a wrapper called from its own callback, a
            // bounded retry) is analysed exactly, with its own arguments.
            let result = self.invoke(closure, &args, flow, env);
            self.call_stack.pop();
            return result;
        }
        // The inputs are kept only for a function that turns out to recurse.
        let mut result = self.invoke(closure, &args, flow.clone(), env);
        if !self.recursion.contains_key(&key) {
            self.call_stack.pop();
            return result;
        }
        let flow_in = flow.clone();
        let mut input = flow;
        let mut rounds = 0;
        loop {
            if rounds > 0 {
                result = self.invoke(closure, &args, input.clone(), env);
            }
            let Some(rec) = self.recursion.get_mut(&key) else {
                break;
            };
            let mut grew = false;
            for (s, t) in &rec.inputs {
                if !input.contains_key(s) {
                    input.insert(s.clone(), t.clone());
                    grew = true;
                }
            }
            for (s, t) in &result.0 {
                if !rec.output.contains_key(s) {
                    rec.output.insert(s.clone(), t.clone());
                    grew = true;
                }
            }
            rounds += 1;
            if !grew || self.budget == 0 {
                break;
            }
            if rounds >= MAX_ROUNDS {
                self.facts.incomplete = true;
                break;
            }
        }
        self.recursion.remove(&key);
        self.call_stack.pop();
        // The rounds ran the body on the recursive calls' inputs too; what this call returns is
        // what can follow from its own inputs.
        if rounds > 0 {
            result.0 = reachable_from(&flow_in, &result.0);
        }
        result
    }

    fn invoke(
        &mut self,
        closure: Closure<'a>,
        args: &[Value<'a>],
        flow: Flow,
        env: &mut Env<'a>,
    ) -> (Flow, Value<'a>) {
        let pushed = env.push_call(closure.frame);
        let (params, body): (Vec<&'a Pat>, Result<&'a [Stmt], &'a Expr>) = match closure.code {
            Code::Function(f) => (
                f.params.iter().map(|p| &p.pat).collect(),
                Ok(f.body.as_ref().map(|b| b.stmts.as_slice()).unwrap_or(&[])),
            ),
            Code::Arrow(a) => (
                a.params.iter().collect(),
                match &*a.body {
                    ArrowFunctionBody::FunctionBody(b) => Ok(b.stmts.as_slice()),
                    ArrowFunctionBody::Expr(e) => Err(&**e),
                },
            ),
        };
        for (i, param) in params.iter().enumerate() {
            match param {
                Pat::Ident(id) => env.declare(&id.id.sym, args.get(i).cloned().unwrap_or(Value::Undefined)),
                other => {
                    for name in pattern_names(other) {
                        env.declare(name, Value::Unknown);
                    }
                }
            }
        }
        let mut out = match body {
            Ok(stmts) => {
                self.hoist(stmts, env);
                self.exec_stmts(stmts, flow, env)
            }
            Err(expr) => {
                let mut flow = flow;
                let value = self.eval(expr, &mut flow, env);
                Out { ret: vec![(flow, value)], ..Out::default() }
            }
        };
        // What the function's returns assigned (to variables outside it) holds after the call.
        out.ret_env.join_into(&out.normal, env, self.info);
        // Callbacks registered by this code ran with the variables as they were then; the server
        // runs them after this code has finished. A variable changed since (`executeStep(1,
        // {onSuccess: ...}); list.push(x);`) means a callback may have seen a stale value: the
        // analysis says so (`analysis-incomplete`) rather than trust it.
        let depth = self.call_stack.len();
        let mut i = 0;
        while i < self.registrations.len() {
            if self.registrations[i].0 >= depth {
                let (_, seen) = self.registrations.swap_remove(i);
                if seen.changed_in(env) {
                    self.facts.stale_callbacks = true;
                }
            } else {
                i += 1;
            }
        }
        // A function made here (returned by a module or a factory, stored, registered as a
        // callback) keeps this frame: `pop_frames` retires it.
        env.pop_frames(pushed);
        if env.overflowed {
            self.facts.incomplete = true;
        }
        // A throw leaves the function: the innermost `try` running (here or in a caller) sees
        // what was assigned up to it.
        if let (false, Some(mut thrown_env), Some(accumulator)) =
            (out.thrown.flow.is_empty(), out.thrown.env.take(), self.throws.last_mut())
        {
            thrown_env.truncate(env.depth());
            let thrown = Exit { flow: std::mem::take(&mut out.thrown.flow), env: Some(thrown_env) };
            accumulator.add(thrown, self.info);
        }
        // Falling off the end returns undefined; an exception ends the sign-in.
        if out.ret.is_empty() {
            return (out.normal, Value::Undefined);
        }
        let mut flow = out.normal.clone();
        let mut value = Value::Undefined;
        let mut value_flow = out.normal;
        for (ret_flow, ret_value) in out.ret {
            value = join_values(&value, &value_flow, &ret_value, &ret_flow, self.info);
            union(&mut value_flow, ret_flow.clone());
            union(&mut flow, ret_flow);
        }
        (flow, value)
    }
}

/// The states of `outputs` that a call made in one of the states of `inputs` can end in. A call
/// never changes what its caller's code sees (only callbacks see new steps, and the caller's
/// view is restored after them) and never un-runs a step; a summary of a recursive function is
/// shared by all its calls, so it is narrowed to each call with this.
fn reachable_from(inputs: &Flow, outputs: &Flow) -> Flow {
    outputs
        .iter()
        .filter(|(out, _)| {
            inputs.keys().any(|input| {
                input.view_slots() == out.view_slots()
                    && input.exec_slots().iter().zip(out.exec_slots().iter()).all(|(i, o)| *i == 0 || *o != 0)
            })
        })
        .map(|(s, t)| (s.clone(), t.clone()))
        .collect()
}
