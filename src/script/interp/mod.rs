//! The abstract interpreter: runs a script over sets of states, as the server would run it.
//!
//! It starts from the top-level code, then calls `onLoginRequest(context)`. Every
//! `executeStep(n, ...)` that can run records a [`StepEvent`] (which states can reach it) and
//! moves each state on to "step n ran with option k", for each option the call offers. Callbacks
//! run right after their step, with the script now seeing every step that ran. Conditions on
//! `context.steps[n].idp` / `.authenticator` split a set of states exactly; conditions the
//! analysis cannot decide send the whole set both ways. Sets are joined at every merge point, so
//! the work is linear in the script for any number of independent branches. Loops and recursion
//! iterate to a fixpoint, which exists because the set of states is finite; a step budget bounds
//! the rest (a pathological script reports `incomplete` instead of running forever).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use swc_common::{BytePos, Spanned};
use swc_ecma_ast::*;

use super::env::{Env, join_values};
use super::state::{ANY_OPTION, CallbackOf, Flow, Slots, State, Trace, TraceEntry, insert, join_arms, union};

/// The option of a step that ran with an option nobody looks at (in traces).
pub const ANY: usize = usize::MAX;
use super::value::{Closure, Code, Cond, Field, Operand, StepsInfo, Text, Value};

/// Functions that take callbacks and may continue the flow from them later (DOMAIN.md §4).
/// Their callbacks run asynchronously: they see every step that ran before them.
const ASYNC_WITH_CALLBACKS: &[&str] = &[
    "prompt",
    "promptIdentifierForStep",
    "httpGet",
    "httpPost",
    "callChoreo",
    "callAnalytics",
    "callElastic",
    "updateUserPassword",
];

/// `executeStep` callbacks other than `onSuccess`: the step did not authenticate anyone.
const FAILURE_CALLBACKS: &[&str] = &["onFail", "onUserAbort", "onFallback"];

/// How many statements and expressions one application's analysis may evaluate.
const DEFAULT_BUDGET: u64 = 5_000_000;
/// Deeper nesting of statements, expressions and calls is not followed (the analysis says it is
/// incomplete); it keeps the interpreter's recursion within its thread's stack.
const MAX_NESTING: usize = 4_000;
/// How many states one set may hold (a safety net: observed steps rarely get near it).
const MAX_STATES: usize = 20_000;
/// How many activations of one function are analysed inline before recursion is summarised.
const MAX_REENTRY: usize = 3;
/// Deeper (non-recursive) call chains are treated as unknown calls.
const MAX_CALL_DEPTH: usize = 64;
/// Rounds of a loop or recursion before values that still change are widened to unknown.
const WIDEN_AFTER: usize = 3;
const MAX_ROUNDS: usize = 32;

/// Where a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Site {
    /// In configuration order, because there is no script (the step's index).
    Config(usize),
    /// At an `executeStep` call; script byte offsets of the call.
    Script { start: usize, end: usize },
}

/// "Step `step` can run at `site` in these states."
#[derive(Debug)]
pub struct StepEvent {
    pub step: u32,
    pub site: Site,
    /// Indices of the options the call offers (after `authenticationOptions`).
    pub options: BTreeSet<usize>,
    /// The states just before the step runs, with their witnesses.
    pub flow: Flow,
    /// False when `step` is not a configured step.
    pub configured: bool,
    /// A variable that holds `context` where the call is (for a guard inserted there).
    pub context_name: Option<String>,
    /// The step number as written, when it is no step id at all (`-1`, `1.5`, `'x'`).
    pub written: Option<String>,
}

/// What the analysis found about one application.
#[derive(Debug, Default)]
pub struct Facts {
    pub events: BTreeMap<(Site, u32), StepEvent>,
    /// The analysis ran out of budget: its events are a lower bound.
    pub incomplete: bool,
    /// The script defines no `onLoginRequest`.
    pub no_entry_point: bool,
    /// Comparisons of a step field with a string, by script range.
    pub comparisons: BTreeMap<(usize, usize), Comparison>,
    /// `executeStep` calls that ran, by script range.
    pub calls: BTreeMap<(usize, usize), StepCall>,
    /// Steps whose `context.steps[n]` the script reads.
    pub accessed: BTreeSet<u32>,
    /// Steps run with (possibly) `markAsSubjectIdentifierStep`.
    pub marked: BTreeSet<u32>,
}

/// `context.steps[n].idp == 'X'` (or `.authenticator`, `!=`, a `switch` case), with what the
/// script could see of the steps each time it was evaluated.
#[derive(Debug)]
pub struct Comparison {
    pub step: u32,
    pub field: Field,
    pub value: String,
    /// `!=` / `!==`: the comparison holds when the values differ.
    pub negated: bool,
    /// The string literal compared with (quotes included), when it is a literal.
    pub literal: Option<(usize, usize)>,
    /// `State::view` of every state the comparison was evaluated in.
    pub views: BTreeSet<Slots>,
    /// A `case` of a `switch` on the step field.
    pub in_switch: bool,
}

/// An `executeStep` call as written.
#[derive(Debug)]
pub struct StepCall {
    /// The step number, when the analysis can tell.
    pub step: Option<u32>,
    pub arg_count: usize,
    /// The script range of the second argument, when it is an options object in a
    /// two-argument call (where the server reads it as callbacks).
    pub ignored_options: Option<(usize, usize)>,
    /// The `authenticationOptions` entries of an applied options argument.
    pub filters: Vec<Filter>,
}

/// One `authenticationOptions` entry.
#[derive(Debug)]
pub struct Filter {
    /// Its script range (the whole call when the entry is not written inline).
    pub span: (usize, usize),
    pub idp: Option<String>,
    pub authenticator: Option<String>,
    /// Whether the analysis knows the entry: an object whose `idp` and `authenticator` are
    /// absent or strings. An entry built at run time may name anything.
    pub known: bool,
}

/// The `idp` and `authenticator` of an `authenticationOptions` entry (each absent or a string);
/// `None` when the entry is not an object or a present key is not a known string.
fn filter_entry<'v>(entry: &'v Value) -> Option<(Option<&'v str>, Option<&'v str>)> {
    let Value::Object(_) = entry else { return None };
    let field = |key: &str| match entry.prop(key) {
        None | Some(Value::Undefined | Value::Null) => Some(None),
        Some(Value::Str(s)) => Some(Some(&**s)),
        Some(_) => None,
    };
    Some((field("idp")?, field("authenticator")?))
}

/// Control-flow results of running a statement.
#[derive(Default)]
struct Out<'a> {
    normal: Flow,
    ret: Vec<(Flow, Value<'a>)>,
    brk: Flow,
    cont: Flow,
    thrown: Flow,
}

impl<'a> Out<'a> {
    fn normal(flow: Flow) -> Out<'a> {
        Out { normal: flow, ..Out::default() }
    }

    /// Adds the jumps (not the normal flow) of `other`.
    fn absorb_jumps(&mut self, other: &mut Out<'a>) {
        self.ret.append(&mut other.ret);
        union(&mut self.brk, std::mem::take(&mut other.brk));
        union(&mut self.cont, std::mem::take(&mut other.cont));
        union(&mut self.thrown, std::mem::take(&mut other.thrown));
    }
}

#[derive(Default)]
struct Recursion {
    inputs: Flow,
    output: Flow,
}

pub struct Interp<'a> {
    info: &'a StepsInfo,
    facts: Facts,
    budget: u64,
    call_stack: Vec<usize>,
    recursion: HashMap<usize, Recursion>,
    /// Current nesting of `eval` / `exec_stmt`.
    depth: usize,
    /// Assignments made by callbacks that already ran, visible to the callbacks that run after
    /// them but not to the code that registered them: (frame id, variable, value).
    deferred: Vec<(u32, Text<'a>, Value<'a>)>,
}

/// Script byte offset of a swc position (the parser numbers bytes from 1).
pub fn offset(pos: BytePos) -> usize {
    (pos.0 as usize).saturating_sub(1)
}

/// Runs `script` from its top level and `onLoginRequest`, starting in `initial`.
pub fn analyze(script: &Script, info: &StepsInfo, initial: State) -> Facts {
    let mut interp = Interp {
        info,
        facts: Facts::default(),
        budget: DEFAULT_BUDGET,
        call_stack: Vec::new(),
        recursion: HashMap::new(),
        depth: 0,
        deferred: Vec::new(),
    };
    let mut env = Env::new();
    let mut flow = Flow::new();
    flow.insert(initial, Trace::default());
    interp.hoist(&script.body, &mut env);
    let out = interp.exec_stmts(&script.body, flow, &mut env);
    // The server calls the last definition of onLoginRequest (onInitialRequest before GA).
    let entry = ["onLoginRequest", "onInitialRequest"].iter().find_map(|name| match env.lookup(name) {
        Some(Value::Func(c)) => Some(*c),
        _ => None,
    });
    match entry {
        Some(c) => {
            interp.call(c, vec![Value::Context], out.normal, &mut env);
        }
        None => interp.facts.no_entry_point = true,
    }
    interp.facts
}

/// Who is given callbacks, for the trace ("onSuccess of httpGet").
enum CalleeName<'s> {
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
    /// Spends budget for evaluating something in `states` states (the work grows with both);
    /// false once it is exhausted.
    fn tick(&mut self, states: usize) -> bool {
        if self.budget == 0 {
            self.facts.incomplete = true;
            return false;
        }
        self.budget = self.budget.saturating_sub(states.max(1) as u64);
        true
    }

    // ----- statements -------------------------------------------------------------------------

    /// Declares what JavaScript hoists to the top of a function: function declarations (with
    /// their values) and `var` names, also those nested in blocks.
    fn hoist(&mut self, stmts: &'a [Stmt], env: &mut Env<'a>) {
        for stmt in stmts {
            self.hoist_stmt(stmt, env);
        }
    }

    fn hoist_stmt(&mut self, stmt: &'a Stmt, env: &mut Env<'a>) {
        match stmt {
            Stmt::Decl(Decl::Fn(f)) => {
                let closure = Closure { code: Code::Function(&f.function), frame: env.current_id() };
                env.declare(&f.ident.sym, Value::Func(closure));
            }
            Stmt::Decl(Decl::Var(v)) => self.hoist_var(v, env),
            Stmt::Block(b) => self.hoist(&b.stmts, env),
            Stmt::If(s) => {
                self.hoist_stmt(&s.cons, env);
                if let Some(alt) = &s.alt {
                    self.hoist_stmt(alt, env);
                }
            }
            Stmt::While(s) => self.hoist_stmt(&s.body, env),
            Stmt::DoWhile(s) => self.hoist_stmt(&s.body, env),
            Stmt::For(s) => {
                if let Some(VarDeclOrExpr::VarDecl(v)) = &s.init {
                    self.hoist_var(v, env);
                }
                self.hoist_stmt(&s.body, env);
            }
            Stmt::ForIn(s) => {
                if let ForHead::VarDecl(v) = &s.left {
                    self.hoist_var(v, env);
                }
                self.hoist_stmt(&s.body, env);
            }
            Stmt::ForOf(s) => {
                if let ForHead::VarDecl(v) = &s.left {
                    self.hoist_var(v, env);
                }
                self.hoist_stmt(&s.body, env);
            }
            Stmt::Labeled(s) => self.hoist_stmt(&s.body, env),
            Stmt::Try(s) => {
                self.hoist(&s.block.stmts, env);
                if let Some(h) = &s.handler {
                    self.hoist(&h.body.stmts, env);
                }
                if let Some(f) = &s.finalizer {
                    self.hoist(&f.stmts, env);
                }
            }
            Stmt::Switch(s) => {
                for case in &s.cases {
                    self.hoist(&case.cons, env);
                }
            }
            _ => {}
        }
    }

    fn hoist_var(&mut self, v: &'a VarDecl, env: &mut Env<'a>) {
        if v.kind == VarDeclKind::Var {
            for d in &v.decls {
                for name in pattern_names(&d.name) {
                    env.declare_var(name);
                }
            }
        }
    }

    fn exec_stmts(&mut self, stmts: &'a [Stmt], flow: Flow, env: &mut Env<'a>) -> Out<'a> {
        let mut acc = Out::default();
        let mut flow = flow;
        for stmt in stmts {
            if flow.is_empty() {
                break;
            }
            let mut out = self.exec_stmt(stmt, flow, env);
            acc.absorb_jumps(&mut out);
            flow = out.normal;
        }
        acc.normal = flow;
        acc
    }

    fn exec_block(&mut self, stmts: &'a [Stmt], flow: Flow, env: &mut Env<'a>) -> Out<'a> {
        let lexical = stmts.iter().any(|s| {
            matches!(s, Stmt::Decl(Decl::Var(v)) if v.kind != VarDeclKind::Var)
                || matches!(s, Stmt::Decl(Decl::Class(_)))
        });
        if lexical {
            env.push_block();
        }
        let out = self.exec_stmts(stmts, flow, env);
        if lexical {
            env.pop();
        }
        out
    }

    fn exec_stmt(&mut self, stmt: &'a Stmt, flow: Flow, env: &mut Env<'a>) -> Out<'a> {
        if !self.enter() {
            return Out::default();
        }
        let out = self.exec_stmt_inner(stmt, flow, env);
        self.depth -= 1;
        out
    }

    /// Keeps a flow within `MAX_STATES`, saying the analysis is incomplete when it cuts.
    fn bound(&mut self, flow: &mut Flow) {
        if flow.len() > MAX_STATES {
            flow.truncate(MAX_STATES);
            self.facts.incomplete = true;
        }
    }

    /// Counts one level of nesting; false (and the analysis incomplete) past the limit, which
    /// bounds the interpreter's own recursion whatever the script.
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_NESTING {
            self.facts.incomplete = true;
            return false;
        }
        self.depth += 1;
        true
    }

    fn exec_stmt_inner(&mut self, stmt: &'a Stmt, mut flow: Flow, env: &mut Env<'a>) -> Out<'a> {
        if flow.is_empty() || !self.tick(flow.len()) {
            return Out::default();
        }
        self.bound(&mut flow);
        match stmt {
            Stmt::Block(b) => self.exec_block(&b.stmts, flow, env),
            Stmt::Empty(_) | Stmt::Debugger(_) => Out::normal(flow),
            Stmt::With(w) => {
                self.eval(&w.obj, &mut flow, env);
                self.exec_stmt(&w.body, flow, env)
            }
            Stmt::Return(r) => {
                let value = match &r.arg {
                    Some(e) => self.eval(e, &mut flow, env),
                    None => Value::Undefined,
                };
                Out { ret: vec![(flow, value)], ..Out::default() }
            }
            Stmt::Labeled(l) => {
                // A labelled break leaves the labelled statement; continue-with-label is treated
                // like a plain continue of the innermost loop (an over-approximation).
                let mut out = self.exec_stmt(&l.body, flow, env);
                let brk = std::mem::take(&mut out.brk);
                union(&mut out.normal, brk);
                out
            }
            Stmt::Break(_) => Out { brk: flow, ..Out::default() },
            Stmt::Continue(_) => Out { cont: flow, ..Out::default() },
            Stmt::If(s) => self.exec_if(s, flow, env),
            Stmt::Switch(s) => self.exec_switch(s, flow, env),
            Stmt::Throw(t) => {
                self.eval(&t.arg, &mut flow, env);
                Out { thrown: flow, ..Out::default() }
            }
            Stmt::Try(t) => self.exec_try(t, flow, env),
            Stmt::While(w) => self.exec_loop(Some(&w.test), &w.body, None, false, flow, env),
            Stmt::DoWhile(w) => self.exec_loop(Some(&w.test), &w.body, None, true, flow, env),
            Stmt::For(f) => {
                match &f.init {
                    Some(VarDeclOrExpr::VarDecl(v)) => self.exec_var_decl(v, &mut flow, env),
                    Some(VarDeclOrExpr::Expr(e)) => {
                        self.eval(e, &mut flow, env);
                    }
                    None => {}
                }
                self.exec_loop(f.test.as_deref(), &f.body, f.update.as_deref(), false, flow, env)
            }
            Stmt::ForIn(f) => {
                self.eval(&f.right, &mut flow, env);
                self.bind_for_head(&f.left, env);
                self.exec_loop(None, &f.body, None, false, flow, env)
            }
            Stmt::ForOf(f) => {
                self.eval(&f.right, &mut flow, env);
                self.bind_for_head(&f.left, env);
                self.exec_loop(None, &f.body, None, false, flow, env)
            }
            Stmt::Decl(Decl::Var(v)) => {
                self.exec_var_decl(v, &mut flow, env);
                Out::normal(flow)
            }
            Stmt::Decl(Decl::Fn(f)) => {
                // Hoisted already; re-declaring binds the closure to the current frame, which
                // matters for functions declared inside blocks.
                let closure = Closure { code: Code::Function(&f.function), frame: env.current_id() };
                env.assign(&f.ident.sym, Value::Func(closure));
                Out::normal(flow)
            }
            Stmt::Decl(_) => Out::normal(flow),
            Stmt::Expr(e) => {
                self.eval(&e.expr, &mut flow, env);
                Out::normal(flow)
            }
        }
    }

    fn bind_for_head(&mut self, head: &'a ForHead, env: &mut Env<'a>) {
        match head {
            ForHead::VarDecl(v) => {
                for d in &v.decls {
                    for name in pattern_names(&d.name) {
                        env.declare(name, Value::Unknown);
                    }
                }
            }
            ForHead::Pat(p) => {
                for name in pattern_names(p) {
                    env.assign(name, Value::Unknown);
                }
            }
            ForHead::UsingDecl(_) => {}
        }
    }

    fn exec_var_decl(&mut self, v: &'a VarDecl, flow: &mut Flow, env: &mut Env<'a>) {
        for d in &v.decls {
            let value = match &d.init {
                Some(init) => {
                    let value = self.eval(init, flow, env);
                    self.freeze(value, flow)
                }
                // `var x;` keeps the hoisted binding; `let x;` is undefined.
                None if v.kind == VarDeclKind::Var => continue,
                None => Value::Undefined,
            };
            let bind = |env: &mut Env<'a>, name: &'a str, value: Value<'a>| {
                if v.kind == VarDeclKind::Var { env.assign(name, value) } else { env.declare(name, value) }
            };
            match &d.name {
                Pat::Ident(id) => bind(env, &id.id.sym, value),
                // `var { idp, authenticator: auth } = context.steps[1];`
                Pat::Object(o) if o.props.iter().all(|p| !matches!(p, ObjectPatProp::Rest(_))) => {
                    for prop in &o.props {
                        match prop {
                            ObjectPatProp::Assign(a) if a.value.is_none() => {
                                let part = self.freeze(member(&value, Some(&a.key.id.sym)), flow);
                                bind(env, &a.key.id.sym, part);
                            }
                            ObjectPatProp::KeyValue(kv) => {
                                let key = match &kv.key {
                                    PropName::Ident(i) => Some(Cow::Borrowed(&*i.sym)),
                                    PropName::Str(s) => Some(s.value.to_string_lossy()),
                                    _ => None,
                                };
                                let part = self.freeze(member(&value, key.as_deref()), flow);
                                match &*kv.value {
                                    Pat::Ident(id) => bind(env, &id.id.sym, part),
                                    other => pattern_names(other)
                                        .into_iter()
                                        .for_each(|n| bind(env, n, Value::Unknown)),
                                }
                            }
                            // `{ idp = 'x' }`: a default makes the value unknown.
                            ObjectPatProp::Assign(a) => bind(env, &a.key.id.sym, Value::Unknown),
                            ObjectPatProp::Rest(_) => {}
                        }
                    }
                }
                // Destructuring: the parts are not tracked.
                other => {
                    for name in pattern_names(other) {
                        if v.kind == VarDeclKind::Var {
                            env.assign(name, Value::Unknown)
                        } else {
                            env.declare(name, Value::Unknown)
                        }
                    }
                }
            }
        }
    }

    fn exec_if(&mut self, s: &'a IfStmt, mut flow: Flow, env: &mut Env<'a>) -> Out<'a> {
        let test = self.eval(&s.test, &mut flow, env);
        let (then_in, else_in) = self.split(&test, &flow, Some(&s.test));
        let mut env_then = env.clone();
        let mut out_then = self.exec_stmt(&s.cons, then_in, &mut env_then);
        let mut out_else = match &s.alt {
            Some(alt) => self.exec_stmt(alt, else_in, env),
            None => Out::normal(else_in),
        };
        env.join(&out_else.normal, &env_then, &out_then.normal, self.info, false);
        let mut out = Out::default();
        out.absorb_jumps(&mut out_then);
        out.absorb_jumps(&mut out_else);
        out.normal = join_arms(&flow, out_then.normal, out_else.normal);
        out
    }

    fn exec_switch(&mut self, s: &'a SwitchStmt, mut flow: Flow, env: &mut Env<'a>) -> Out<'a> {
        let disc = self.eval(&s.discriminant, &mut flow, env);
        // First decide which states each case matches; `default` gets those no case matched.
        let mut unmatched = flow.clone();
        let mut matched: Vec<Flow> = Vec::with_capacity(s.cases.len());
        for case in &s.cases {
            match &case.test {
                Some(test) => {
                    let value = self.eval(test, &mut unmatched, env);
                    self.record_comparison(
                        test.span(),
                        (&disc, &s.discriminant),
                        (&value, test),
                        false,
                        true,
                        &unmatched,
                    );
                    let cond = match (disc.operand(), value.operand()) {
                        (Some(a), Some(b)) => {
                            Value::Cond(Rc::new(Cond::Eq { a, b, strict: true, negated: false }))
                        }
                        _ => Value::Unknown,
                    };
                    let (yes, no) = self.split(&cond, &unmatched, Some(test));
                    matched.push(yes);
                    unmatched = no;
                }
                None => matched.push(Flow::new()),
            }
        }
        let has_default = s.cases.iter().any(|c| c.test.is_none());
        let mut out = Out::default();
        let mut fallthrough = Flow::new();
        for (case, mut entry) in s.cases.iter().zip(matched) {
            if case.test.is_none() {
                union(&mut entry, unmatched.clone());
            }
            union(&mut entry, fallthrough);
            let mut case_out = self.exec_stmts(&case.cons, entry, env);
            fallthrough = std::mem::take(&mut case_out.normal);
            let brk = std::mem::take(&mut case_out.brk);
            union(&mut out.normal, brk);
            out.absorb_jumps(&mut case_out);
        }
        union(&mut out.normal, fallthrough);
        if !has_default {
            union(&mut out.normal, unmatched);
        }
        out
    }

    fn exec_try(&mut self, t: &'a TryStmt, flow: Flow, env: &mut Env<'a>) -> Out<'a> {
        let mut body = self.exec_block(&t.block.stmts, flow.clone(), env);
        let mut out = Out::default();
        match &t.handler {
            Some(handler) => {
                // An exception can come from anywhere in the block.
                let mut catch_in = flow;
                union(&mut catch_in, body.normal.clone());
                union(&mut catch_in, std::mem::take(&mut body.thrown));
                env.push_block();
                if let Some(param) = &handler.param {
                    for name in pattern_names(param) {
                        env.declare(name, Value::Unknown);
                    }
                }
                let mut caught = self.exec_stmts(&handler.body.stmts, catch_in, env);
                env.pop();
                out.absorb_jumps(&mut body);
                out.absorb_jumps(&mut caught);
                out.normal = body.normal;
                union(&mut out.normal, caught.normal);
            }
            None => {
                out.absorb_jumps(&mut body);
                out.normal = body.normal;
            }
        }
        if let Some(finalizer) = &t.finalizer {
            // `finally` runs on every way out of the block: normally, and on return, break,
            // continue and throw, which then carry on from its end.
            let mut fin = self.exec_block(&finalizer.stmts, std::mem::take(&mut out.normal), env);
            let mut rets = Vec::new();
            for (flow, value) in std::mem::take(&mut out.ret) {
                let mut f = self.exec_block(&finalizer.stmts, flow, env);
                rets.push((std::mem::take(&mut f.normal), value));
                out.absorb_jumps(&mut f);
            }
            for slot in [&mut out.brk, &mut out.cont, &mut out.thrown] {
                let mut f = self.exec_block(&finalizer.stmts, std::mem::take(slot), env);
                *slot = std::mem::take(&mut f.normal);
                fin.absorb_jumps(&mut f);
            }
            out.ret.extend(rets);
            out.absorb_jumps(&mut fin);
            out.normal = fin.normal;
        }
        out
    }

    /// Runs a loop to a fixpoint: the set of states at its head only grows and is finite, and
    /// variables that keep changing are widened to unknown after a few rounds.
    fn exec_loop(
        &mut self,
        test: Option<&'a Expr>,
        body: &'a Stmt,
        update: Option<&'a Expr>,
        body_first: bool,
        flow: Flow,
        env: &mut Env<'a>,
    ) -> Out<'a> {
        let mut head = flow;
        let mut out = Out::default();
        let mut exit = Flow::new();
        for round in 0..MAX_ROUNDS {
            let mut iter_env = env.clone();
            let mut at_head = head.clone();
            let (enter, leave) = match test {
                _ if body_first && round == 0 => (at_head, Flow::new()),
                Some(t) => {
                    let value = self.eval(t, &mut at_head, &mut iter_env);
                    self.split(&value, &at_head, Some(t))
                }
                // for-in / for-of: the body runs any number of times, zero included.
                None if body_first => (at_head, Flow::new()),
                None => (at_head.clone(), at_head),
            };
            union(&mut exit, leave);
            let mut body_out = self.exec_stmt(body, enter, &mut iter_env);
            union(&mut exit, std::mem::take(&mut body_out.brk));
            out.ret.append(&mut body_out.ret);
            union(&mut out.thrown, std::mem::take(&mut body_out.thrown));
            let mut next = body_out.normal;
            union(&mut next, body_out.cont);
            if let Some(u) = update {
                self.eval(u, &mut next, &mut iter_env);
            }
            let grew = next.keys().any(|s| !head.contains_key(s));
            let before = env.clone();
            env.join(&head, &iter_env, &next, self.info, round >= WIDEN_AFTER);
            let env_changed = !env.same(&before);
            union(&mut head, next);
            if !grew && !env_changed {
                out.normal = exit;
                return out;
            }
            if self.budget == 0 {
                break;
            }
        }
        self.facts.incomplete = true;
        out.normal = exit;
        out
    }

    /// Splits `flow` by the truthiness of `value`; `test` (when given) is recorded in the
    /// witnesses as the branch taken.
    fn split(&mut self, value: &Value<'a>, flow: &Flow, test: Option<&Expr>) -> (Flow, Flow) {
        // The condition's text is looked up only if a diagnostic shows it.
        let text = test.map(|t| (offset(t.span().hi), offset(t.span().lo)));
        let mut yes = Flow::new();
        let mut no = Flow::new();
        for (state, trace) in flow {
            let verdict = value.truthy(state, self.info);
            let add = |into: &mut Flow, taken: bool| {
                let trace = match &text {
                    Some((text, offset)) => {
                        trace.push(TraceEntry::Branch { end: *text, taken, offset: *offset })
                    }
                    None => trace.clone(),
                };
                into.insert(state.clone(), trace);
            };
            match verdict {
                Some(true) => add(&mut yes, true),
                Some(false) => add(&mut no, false),
                None => {
                    add(&mut yes, true);
                    add(&mut no, false);
                }
            }
        }
        (yes, no)
    }

    /// A value as it is when stored (in a variable, as an argument). Step fields are read
    /// lazily, which is right once the step has run (its fields no longer change); a field read
    /// where the step has not run on any path is `undefined` for good, also after the step runs.
    fn freeze(&self, value: Value<'a>, flow: &Flow) -> Value<'a> {
        let unseen = |n: u32| !self.info.index_of(n).is_some_and(|i| flow.keys().any(|s| s.has_seen(i)));
        match value {
            Value::StepField(n, _) if unseen(n) => Value::Undefined,
            Value::Cond(c) => match freeze_cond(&c, &unseen) {
                Some(frozen) => Value::Cond(Rc::new(frozen)),
                None => Value::Cond(c),
            },
            other => other,
        }
    }

    /// Records a comparison of a step field with a string, for `guard-never-matches`.
    fn record_comparison(
        &mut self,
        span: swc_common::Span,
        left: (&Value<'a>, &Expr),
        right: (&Value<'a>, &Expr),
        negated: bool,
        in_switch: bool,
        flow: &Flow,
    ) {
        let ((field_value, _), (string, string_expr)) = match (left.0, right.0) {
            (Value::StepField(..), Value::Str(_)) => (left, right),
            (Value::Str(_), Value::StepField(..)) => (right, left),
            _ => return,
        };
        let (Value::StepField(step, field), Value::Str(text)) = (field_value, string) else {
            return;
        };
        let literal = match string_expr.unwrap_parens() {
            Expr::Lit(Lit::Str(lit)) => Some((offset(lit.span.lo), offset(lit.span.hi))),
            _ => None,
        };
        let key = (offset(span.lo), offset(span.hi));
        let entry = self.facts.comparisons.entry(key).or_insert_with(|| Comparison {
            step: *step,
            field: *field,
            value: text.to_string(),
            negated,
            literal,
            views: BTreeSet::new(),
            in_switch,
        });
        entry.views.extend(flow.keys().map(State::view_slots));
    }

    // ----- expressions ------------------------------------------------------------------------

    /// Evaluates `e` in every state of `flow`; calls in `e` may move `flow` on.
    fn eval(&mut self, e: &'a Expr, flow: &mut Flow, env: &mut Env<'a>) -> Value<'a> {
        if !self.enter() {
            return Value::Unknown;
        }
        let value = self.eval_inner(e, flow, env);
        self.depth -= 1;
        value
    }

    fn eval_inner(&mut self, e: &'a Expr, flow: &mut Flow, env: &mut Env<'a>) -> Value<'a> {
        if flow.is_empty() || !self.tick(flow.len()) {
            return Value::Unknown;
        }
        match e {
            Expr::Lit(lit) => match lit {
                Lit::Str(s) => Value::Str(text(s.value.to_string_lossy())),
                Lit::Bool(b) => Value::Bool(b.value),
                Lit::Null(_) => Value::Null,
                Lit::Num(n) => Value::Num(n.value),
                _ => Value::Unknown,
            },
            Expr::Tpl(t) if t.exprs.is_empty() => match t.quasis.first().and_then(|q| q.cooked.as_ref()) {
                Some(cooked) => Value::Str(text(cooked.to_string_lossy())),
                None => Value::Unknown,
            },
            Expr::Ident(id) => match env.lookup(&id.sym) {
                Some(v) => v.clone(),
                None => match &*id.sym {
                    "undefined" => Value::Undefined,
                    "NaN" => Value::Num(f64::NAN),
                    "Infinity" => Value::Num(f64::INFINITY),
                    _ => Value::Unknown,
                },
            },
            Expr::Paren(p) => self.eval(&p.expr, flow, env),
            Expr::Seq(s) => {
                let mut last = Value::Undefined;
                for e in &s.exprs {
                    last = self.eval(e, flow, env);
                }
                last
            }
            Expr::Array(a) => {
                let mut items = Vec::with_capacity(a.elems.len());
                for el in &a.elems {
                    items.push(match el {
                        Some(ExprOrSpread { spread: None, expr }) => self.eval(expr, flow, env),
                        Some(ExprOrSpread { expr, .. }) => {
                            self.eval(expr, flow, env);
                            Value::Unknown
                        }
                        None => Value::Undefined,
                    });
                }
                Value::Array(Rc::new(items))
            }
            Expr::Object(o) => self.eval_object(o, flow, env),
            Expr::Fn(f) => {
                Value::Func(Closure { code: Code::Function(&f.function), frame: env.current_id() })
            }
            Expr::Arrow(a) => Value::Func(Closure { code: Code::Arrow(a), frame: env.current_id() }),
            Expr::Unary(u) => {
                let arg = self.eval(&u.arg, flow, env);
                match u.op {
                    UnaryOp::Bang => match arg {
                        Value::Bool(b) => Value::Bool(!b),
                        other => Value::Cond(Rc::new(Cond::Not(other.to_cond()))),
                    },
                    UnaryOp::Void => Value::Undefined,
                    UnaryOp::Minus => match arg {
                        Value::Num(n) => Value::Num(-n),
                        _ => Value::Unknown,
                    },
                    _ => Value::Unknown,
                }
            }
            Expr::Update(u) => {
                self.eval(&u.arg, flow, env);
                if let Expr::Ident(id) = &*u.arg {
                    env.assign(&id.sym, Value::Unknown);
                }
                Value::Unknown
            }
            Expr::Bin(b) => self.eval_binary(b, flow, env),
            Expr::Assign(a) => self.eval_assign(a, flow, env),
            Expr::Member(m) => {
                let obj = self.eval(&m.obj, flow, env);
                let key = self.member_key(&m.prop, flow, env);
                let value = member(&obj, key.as_deref());
                match (&obj, &value) {
                    (Value::Steps, Value::Step(n)) => {
                        self.facts.accessed.insert(*n);
                    }
                    // `context.steps[i]` with an index the analysis cannot tell: any step.
                    (Value::Steps, _) => {
                        self.facts.accessed.extend(self.info.steps.iter().map(|(id, _)| *id))
                    }
                    _ => {}
                }
                value
            }
            Expr::OptChain(o) => match &*o.base {
                OptChainBase::Member(m) => {
                    let obj = self.eval(&m.obj, flow, env);
                    let key = self.member_key(&m.prop, flow, env);
                    member(&obj, key.as_deref())
                }
                OptChainBase::Call(c) => {
                    let callee = self.eval(&c.callee, flow, env);
                    let args = self.eval_args(&c.args, flow, env);
                    self.call_value(callee, args, CalleeName::Unnamed, 0, flow, env)
                }
            },
            Expr::Cond(c) => {
                let test = self.eval(&c.test, flow, env);
                let (mut yes, mut no) = self.split(&test, flow, Some(&c.test));
                let mut env_yes = env.clone();
                let a = self.eval(&c.cons, &mut yes, &mut env_yes);
                let b = self.eval(&c.alt, &mut no, env);
                let value = join_values(&a, &yes, &b, &no, self.info);
                env.join(&no, &env_yes, &yes, self.info, false);
                *flow = join_arms(flow, yes, no);
                value
            }
            Expr::Call(c) => self.eval_call(c, flow, env),
            Expr::New(n) => {
                self.eval(&n.callee, flow, env);
                if let Some(args) = &n.args {
                    self.eval_args(args, flow, env);
                }
                Value::Unknown
            }
            Expr::Tpl(t) => {
                for e in &t.exprs {
                    self.eval(e, flow, env);
                }
                Value::Unknown
            }
            Expr::TaggedTpl(t) => {
                self.eval(&t.tag, flow, env);
                for e in &t.tpl.exprs {
                    self.eval(e, flow, env);
                }
                Value::Unknown
            }
            Expr::Await(a) => {
                self.eval(&a.arg, flow, env);
                Value::Unknown
            }
            _ => Value::Unknown,
        }
    }

    fn eval_object(&mut self, o: &'a ObjectLit, flow: &mut Flow, env: &mut Env<'a>) -> Value<'a> {
        let mut props: Vec<(Text<'a>, Value<'a>)> = Vec::with_capacity(o.props.len());
        for p in &o.props {
            match p {
                PropOrSpread::Prop(prop) => match &**prop {
                    Prop::KeyValue(kv) => {
                        let value = self.eval(&kv.value, flow, env);
                        if let Some(key) = self.prop_name(&kv.key, flow, env) {
                            props.push((text(key), value));
                        }
                    }
                    Prop::Shorthand(id) => {
                        let value = env.lookup(&id.sym).cloned().unwrap_or(Value::Unknown);
                        props.push((Text::Script(&id.sym), value));
                    }
                    Prop::Method(m) => {
                        if let Some(key) = self.prop_name(&m.key, flow, env) {
                            let closure =
                                Closure { code: Code::Function(&m.function), frame: env.current_id() };
                            props.push((text(key), Value::Func(closure)));
                        }
                    }
                    _ => {}
                },
                PropOrSpread::Spread(s) => {
                    self.eval(&s.expr, flow, env);
                }
            }
        }
        Value::Object(Rc::new(props))
    }

    /// The key of an object literal's property (borrowed from the script when written there).
    fn prop_name(&mut self, key: &'a PropName, flow: &mut Flow, env: &mut Env<'a>) -> Option<Cow<'a, str>> {
        match key {
            PropName::Ident(id) => Some(Cow::Borrowed(&id.sym)),
            PropName::Str(s) => Some(s.value.to_string_lossy()),
            PropName::Num(n) => Some(number_key(n.value)),
            PropName::Computed(c) => match self.eval(&c.expr, flow, env) {
                Value::Str(s) => Some(Cow::Owned(s.to_string())),
                Value::Num(n) => Some(number_key(n)),
                _ => None,
            },
            PropName::BigInt(_) => None,
        }
    }

    /// The key `o.key` or `o[key]` reads (borrowed from the script when written there).
    fn member_key(
        &mut self,
        prop: &'a MemberProp,
        flow: &mut Flow,
        env: &mut Env<'a>,
    ) -> Option<Cow<'a, str>> {
        match prop {
            MemberProp::Ident(id) => Some(Cow::Borrowed(&id.sym)),
            MemberProp::Computed(c) => match self.eval(&c.expr, flow, env) {
                Value::Str(s) => Some(Cow::Owned(s.to_string())),
                Value::Num(n) => Some(number_key(n)),
                _ => None,
            },
            MemberProp::PrivateName(_) => None,
        }
    }

    fn eval_binary(&mut self, b: &'a BinExpr, flow: &mut Flow, env: &mut Env<'a>) -> Value<'a> {
        match b.op {
            BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::NullishCoalescing => {
                let left = self.eval(&b.left, flow, env);
                // The right operand runs only where the left one does not decide; its side
                // effects (`isLocal && executeStep(2)`) happen only there.
                let (mut runs, skips) = match b.op {
                    BinaryOp::LogicalAnd => self.split(&left, flow, None),
                    BinaryOp::LogicalOr => {
                        let (t, f) = self.split(&left, flow, None);
                        (f, t)
                    }
                    _ => (flow.clone(), Flow::new()),
                };
                if runs.is_empty() {
                    // The left operand decides everywhere: it is the value.
                    *flow = skips;
                    return left;
                }
                let right = self.eval(&b.right, &mut runs, env);
                union(&mut runs, skips);
                *flow = runs;
                // `a && b` is `a` or `b`; either way its truthiness is exactly that of the
                // boolean formula, which is all a test needs.
                match (b.op, &left, &right) {
                    // `context.steps[1].idp || ''`: the field, or a default that no guard compares
                    // with; keeping the field keeps comparisons with it exact.
                    (
                        BinaryOp::LogicalOr | BinaryOp::NullishCoalescing,
                        Value::StepField(..),
                        Value::Str(s),
                    ) if s.is_empty() => left,
                    (BinaryOp::LogicalAnd, ..) => {
                        Value::Cond(Rc::new(Cond::And(left.to_cond(), right.to_cond())))
                    }
                    (BinaryOp::LogicalOr, ..) => {
                        Value::Cond(Rc::new(Cond::Or(left.to_cond(), right.to_cond())))
                    }
                    _ => Value::Unknown,
                }
            }
            BinaryOp::EqEq | BinaryOp::EqEqEq | BinaryOp::NotEq | BinaryOp::NotEqEq => {
                let left = self.eval(&b.left, flow, env);
                let right = self.eval(&b.right, flow, env);
                let strict = matches!(b.op, BinaryOp::EqEqEq | BinaryOp::NotEqEq);
                let negated = matches!(b.op, BinaryOp::NotEq | BinaryOp::NotEqEq);
                self.record_comparison(b.span, (&left, &b.left), (&right, &b.right), negated, false, flow);
                match (left.operand(), right.operand()) {
                    (Some(a), Some(b)) => Value::Cond(Rc::new(Cond::Eq { a, b, strict, negated })),
                    _ => Value::Unknown,
                }
            }
            BinaryOp::Add => {
                let left = self.eval(&b.left, flow, env);
                let right = self.eval(&b.right, flow, env);
                match (&left, &right) {
                    (Value::Str(a), Value::Str(b)) => Value::str(&format!("{a}{b}")),
                    (Value::Num(a), Value::Num(b)) => Value::Num(a + b),
                    _ => Value::Unknown,
                }
            }
            _ => {
                self.eval(&b.left, flow, env);
                self.eval(&b.right, flow, env);
                Value::Unknown
            }
        }
    }

    fn eval_assign(&mut self, a: &'a AssignExpr, flow: &mut Flow, env: &mut Env<'a>) -> Value<'a> {
        let value = self.eval(&a.right, flow, env);
        let value = if a.op == AssignOp::Assign { self.freeze(value, flow) } else { Value::Unknown };
        match &a.left {
            AssignTarget::Simple(SimpleAssignTarget::Ident(id)) => env.assign(&id.id.sym, value.clone()),
            AssignTarget::Simple(SimpleAssignTarget::Member(m)) => {
                let key = self.member_key(&m.prop, flow, env);
                // `options.stepOptions = {...}` on an object literal held in a variable.
                if let (Expr::Ident(id), Some(key)) = (&*m.obj, key) {
                    if let Some(Value::Object(props)) = env.lookup(&id.sym) {
                        let mut props = (**props).clone();
                        props.retain(|(k, _)| **k != *key);
                        props.push((text(key), value.clone()));
                        env.assign(&id.sym, Value::Object(Rc::new(props)));
                    }
                } else {
                    self.eval(&m.obj, flow, env);
                }
            }
            AssignTarget::Simple(_) => {}
            AssignTarget::Pat(p) => {
                // Destructuring assignment: the parts are not tracked.
                let mut names = Vec::new();
                match p {
                    AssignTargetPat::Array(a) => {
                        a.elems.iter().flatten().for_each(|p| collect_names(p, &mut names))
                    }
                    AssignTargetPat::Object(o) => collect_object_names(o, &mut names),
                    AssignTargetPat::Invalid(_) => {}
                }
                for name in names {
                    env.assign(name, Value::Unknown);
                }
            }
        }
        value
    }

    fn eval_args(&mut self, args: &'a [ExprOrSpread], flow: &mut Flow, env: &mut Env<'a>) -> Vec<Value<'a>> {
        args.iter()
            .map(|a| {
                let v = self.eval(&a.expr, flow, env);
                if a.spread.is_some() { Value::Unknown } else { self.freeze(v, flow) }
            })
            .collect()
    }

    fn eval_call(&mut self, c: &'a CallExpr, flow: &mut Flow, env: &mut Env<'a>) -> Value<'a> {
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
                *flow = self.execute_step(c, &args, std::mem::take(flow), env);
                return Value::Unknown;
            }
            let is_async = ASYNC_WITH_CALLBACKS.contains(&name);
            let at = offset(c.span.lo);
            *flow =
                self.run_callbacks(&args, CalleeName::Named(name), at, is_async, std::mem::take(flow), env);
            return Value::Unknown;
        }
        // `f.call(thisArg, a, b)` and `f.apply(thisArg, [a, b])` call `f`.
        if let Expr::Member(m) = &**callee
            && let MemberProp::Ident(method) = &m.prop
            && matches!(&*method.sym, "call" | "apply")
            && let Value::Func(closure) = self.eval(&m.obj, flow, env)
        {
            let mut args = self.eval_args(&c.args, flow, env);
            let args = match (&*method.sym, args.get(1)) {
                ("apply", Some(Value::Array(items))) => items.to_vec(),
                ("apply", _) => Vec::new(),
                _ if args.is_empty() => args,
                _ => args.split_off(1),
            };
            let (out, value) = self.call(closure, args, std::mem::take(flow), env);
            *flow = out;
            return value;
        }
        let callee_value = self.eval(callee, flow, env);
        let args = self.eval_args(&c.args, flow, env);
        self.call_value(callee_value, args, CalleeName::Source(callee.span()), offset(c.span.lo), flow, env)
    }

    /// Calls a function value; an unknown callee may run its function arguments.
    fn call_value(
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

    /// An unknown (or framework) function may call the functions it is given, directly or as
    /// properties of an object argument: each may or may not run.
    fn run_callbacks(
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

    /// `executeStep(n)`, `executeStep(n, callbacks)`, `executeStep(n, options, callbacks)`.
    fn execute_step(
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

    /// Calls a script function. A call to a function already running (recursion, also mutual)
    /// returns the function's output so far; the outermost call repeats until neither its
    /// inputs nor its output grow.
    fn call(
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
        env.push_call(closure.frame);
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
        let out = match body {
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
        env.pop();
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

/// `cond` with the step fields `unseen` replaced by `undefined`; `None` when nothing changes.
fn freeze_cond(cond: &Cond, unseen: &dyn Fn(u32) -> bool) -> Option<Cond> {
    let op = |o: &Operand| match o {
        Operand::StepField(n, _) if unseen(*n) => Some(Operand::Undefined),
        _ => None,
    };
    let keep = |c: &Rc<Cond>| freeze_cond(c, unseen).map(Rc::new).unwrap_or_else(|| c.clone());
    match cond {
        Cond::Eq { a, b, strict, negated } => {
            let (fa, fb) = (op(a), op(b));
            if fa.is_none() && fb.is_none() {
                return None;
            }
            Some(Cond::Eq {
                a: fa.unwrap_or_else(|| a.clone()),
                b: fb.unwrap_or_else(|| b.clone()),
                strict: *strict,
                negated: *negated,
            })
        }
        Cond::Truthy(o) => op(o).map(Cond::Truthy),
        Cond::Not(c) => freeze_cond(c, unseen).map(|f| Cond::Not(Rc::new(f))),
        Cond::And(a, b) | Cond::Or(a, b) => {
            if freeze_cond(a, unseen).is_none() && freeze_cond(b, unseen).is_none() {
                return None;
            }
            Some(if matches!(cond, Cond::And(..)) {
                Cond::And(keep(a), keep(b))
            } else {
                Cond::Or(keep(a), keep(b))
            })
        }
        Cond::Const(_) | Cond::Unknown | Cond::StepRan(_) | Cond::Table(_) => None,
    }
}

/// `obj.key` / `obj[key]` on abstract values.
fn member<'a>(obj: &Value<'a>, key: Option<&str>) -> Value<'a> {
    let Some(key) = key else {
        return Value::Unknown;
    };
    match obj {
        Value::Context if key == "steps" => Value::Steps,
        Value::Steps => match key.parse::<u32>() {
            Ok(n) => Value::Step(n),
            Err(_) => Value::Unknown,
        },
        Value::Step(n) => match key {
            "idp" => Value::StepField(*n, Field::Idp),
            "authenticator" => Value::StepField(*n, Field::Authenticator),
            _ => Value::Unknown,
        },
        Value::Object(_) => obj.prop(key).cloned().unwrap_or(Value::Undefined),
        Value::Array(items) => match key.parse::<usize>() {
            Ok(i) => items.get(i).cloned().unwrap_or(Value::Undefined),
            Err(_) if key == "length" => Value::Num(items.len() as f64),
            Err(_) => Value::Unknown,
        },
        Value::Str(s) if key == "length" => Value::Num(s.chars().count() as f64),
        _ => Value::Unknown,
    }
}

fn prop_key_is(key: &PropName, name: &str) -> bool {
    match key {
        PropName::Ident(id) => &*id.sym == name,
        PropName::Str(s) => s.value.to_string_lossy() == name,
        _ => false,
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

/// A property name as the analysis holds it.
fn text(key: Cow<'_, str>) -> Text<'_> {
    match key {
        Cow::Borrowed(s) => Text::Script(s),
        Cow::Owned(s) => Text::shared(&s),
    }
}

/// The property name a number stands for (`steps[1]` reads the property `"1"`).
fn number_key(n: f64) -> Cow<'static, str> {
    // Step indexes: no formatting for the numbers scripts index with.
    const SMALL: [&str; 16] =
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"];
    if n.fract() == 0.0 && (0.0..16.0).contains(&n) {
        return Cow::Borrowed(SMALL[n as usize]);
    }
    Cow::Owned(if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { n.to_string() })
}

/// The names a binding pattern declares.
fn pattern_names(pat: &Pat) -> Vec<&str> {
    let mut out = Vec::new();
    collect_names(pat, &mut out);
    out
}

fn collect_names<'p>(pat: &'p Pat, out: &mut Vec<&'p str>) {
    match pat {
        Pat::Ident(id) => out.push(&id.id.sym),
        Pat::Array(a) => {
            for p in a.elems.iter().flatten() {
                collect_names(p, out);
            }
        }
        Pat::Rest(r) => collect_names(&r.arg, out),
        Pat::Object(o) => collect_object_names(o, out),
        Pat::Assign(a) => collect_names(&a.left, out),
        _ => {}
    }
}

fn collect_object_names<'p>(o: &'p ObjectPat, out: &mut Vec<&'p str>) {
    for p in &o.props {
        match p {
            ObjectPatProp::KeyValue(kv) => collect_names(&kv.value, out),
            ObjectPatProp::Assign(a) => out.push(&a.key.id.sym),
            ObjectPatProp::Rest(r) => collect_names(&r.arg, out),
        }
    }
}
