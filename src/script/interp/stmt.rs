//! Statements: hoisting, blocks, declarations, `if` / `switch` / `try` and loops.
//!
//! Running a statement moves a set of states on and says how they leave it ([`Out`]: normally,
//! by `return`, `break`, `continue` or `throw`). Branches split the set and join it again;
//! loops run to a fixpoint.

use std::borrow::Cow;
use std::rc::Rc;

use swc_common::Spanned;
use swc_ecma_ast::*;

use super::expr::member;
use super::{
    Interp, MAX_ROUNDS, MAX_UNROLL, MAX_UNROLL_NESTING, RED_ZONE, STACK_SEGMENT, WIDEN_AFTER, pattern_names,
};
use crate::script::env::Env;
use crate::script::state::{Flow, join_arms, union};
use crate::script::value::{Closure, Code, Cond, StepsInfo, Value};

/// The states that leave a statement by one kind of jump (`break`, `continue`, `return`,
/// `throw`), with the environment they leave with: the join of the environments at each jump.
/// Where they land (after the loop, in the caller, in `catch`), that environment is joined in,
/// so an assignment made just before `break` or `return` is not lost.
#[derive(Default, Clone)]
pub(super) struct Exit<'a> {
    pub(super) flow: Flow,
    pub(super) env: Option<Env<'a>>,
}

impl<'a> Exit<'a> {
    fn at(flow: Flow, env: &Env<'a>) -> Exit<'a> {
        Exit { flow, env: Some(env.clone()) }
    }

    pub(super) fn add(&mut self, other: Exit<'a>, info: &StepsInfo) {
        let Exit { flow, env } = other;
        if flow.is_empty() {
            return;
        }
        match (&mut self.env, env) {
            (Some(mine), Some(theirs)) => mine.join(&self.flow, &theirs, &flow, info, false),
            (None, theirs) => self.env = theirs,
            (Some(_), None) => {}
        }
        union(&mut self.flow, flow);
    }

    /// Joins this exit into `env`, which holds on `flow`. The jump's environment may still have
    /// the blocks it jumped out of open: they are closed first.
    pub(super) fn join_into(&self, flow: &Flow, env: &mut Env<'a>, info: &StepsInfo) {
        if let Some(theirs) = &self.env {
            if theirs.depth() > env.depth() {
                let mut theirs = theirs.clone();
                theirs.truncate(env.depth());
                env.join(flow, &theirs, &self.flow, info, false);
            } else {
                env.join(flow, theirs, &self.flow, info, false);
            }
        }
    }
}

/// Control-flow results of running a statement.
#[derive(Default)]
pub(super) struct Out<'a> {
    pub(super) normal: Flow,
    pub(super) ret: Vec<(Flow, Value<'a>)>,
    /// The environment of the returns (their flows are in `ret`).
    pub(super) ret_env: Exit<'a>,
    pub(super) brk: Exit<'a>,
    pub(super) cont: Exit<'a>,
    pub(super) thrown: Exit<'a>,
    /// `break label` and `continue label` (true) that leave the statement.
    pub(super) labelled: Vec<(&'a str, bool, Exit<'a>)>,
}

impl<'a> Out<'a> {
    fn normal(flow: Flow) -> Out<'a> {
        Out { normal: flow, ..Out::default() }
    }

    /// Adds the jumps (not the normal flow) of `other`.
    fn absorb_jumps(&mut self, other: &mut Out<'a>, info: &StepsInfo) {
        self.ret.append(&mut other.ret);
        self.ret_env.add(std::mem::take(&mut other.ret_env), info);
        self.brk.add(std::mem::take(&mut other.brk), info);
        self.cont.add(std::mem::take(&mut other.cont), info);
        self.thrown.add(std::mem::take(&mut other.thrown), info);
        for (label, is_continue, exit) in std::mem::take(&mut other.labelled) {
            match self.labelled.iter_mut().find(|(l, c, _)| *l == label && *c == is_continue) {
                Some((_, _, mine)) => mine.add(exit, info),
                None => self.labelled.push((label, is_continue, exit)),
            }
        }
    }

    /// The `break label` / `continue label` exits for `label`, taken out.
    fn take_labelled(&mut self, label: &str, is_continue: bool) -> Exit<'a> {
        match self.labelled.iter().position(|(l, c, _)| *l == label && *c == is_continue) {
            Some(i) => self.labelled.remove(i).2,
            None => Exit::default(),
        }
    }
}

impl<'a> Interp<'a> {
    // ----- statements -------------------------------------------------------------------------

    /// Declares what JavaScript hoists to the top of a function: function declarations (with
    /// their values) and `var` names, also those nested in blocks.
    pub(super) fn hoist(&mut self, stmts: &'a [Stmt], env: &mut Env<'a>) {
        for stmt in stmts {
            self.hoist_stmt(stmt, env);
        }
    }

    fn hoist_stmt(&mut self, stmt: &'a Stmt, env: &mut Env<'a>) {
        match stmt {
            Stmt::Decl(Decl::Fn(f)) => {
                let closure = Closure { code: Code::Function(&f.function), frame: env.capture() };
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

    pub(super) fn exec_stmts(&mut self, stmts: &'a [Stmt], flow: Flow, env: &mut Env<'a>) -> Out<'a> {
        let mut acc = Out::default();
        let mut flow = flow;
        for stmt in stmts {
            if flow.is_empty() {
                break;
            }
            let mut out = self.exec_stmt(stmt, flow, env);
            acc.absorb_jumps(&mut out, self.info);
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
        let out = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.exec_stmt_inner(stmt, flow, env));
        self.depth -= 1;
        out
    }

    fn exec_stmt_inner(&mut self, stmt: &'a Stmt, mut flow: Flow, env: &mut Env<'a>) -> Out<'a> {
        // A label belongs to this statement: only a loop keeps it (given back just before the
        // loop starts, after any code of its head that may run loops of its own).
        let label = self.pending_label.take();
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
                let ret_env = Exit::at(flow.clone(), env);
                Out { ret: vec![(flow, value)], ret_env, ..Out::default() }
            }
            Stmt::Labeled(l) => {
                // `break label` leaves the labelled statement; `continue label` goes to the next
                // round of the loop it labels (which takes the label below).
                self.pending_label = Some(&l.label.sym);
                let mut out = self.exec_stmt(&l.body, flow, env);
                let brk = out.take_labelled(&l.label.sym, false);
                brk.join_into(&out.normal, env, self.info);
                union(&mut out.normal, brk.flow);
                out
            }
            Stmt::Break(b) => match &b.label {
                Some(label) => {
                    Out { labelled: vec![(&label.sym, false, Exit::at(flow, env))], ..Out::default() }
                }
                None => Out { brk: Exit::at(flow, env), ..Out::default() },
            },
            Stmt::Continue(c) => match &c.label {
                Some(label) => {
                    Out { labelled: vec![(&label.sym, true, Exit::at(flow, env))], ..Out::default() }
                }
                None => Out { cont: Exit::at(flow, env), ..Out::default() },
            },
            Stmt::If(s) => self.exec_if(s, flow, env),
            Stmt::Switch(s) => self.exec_switch(s, flow, env),
            Stmt::Throw(t) => {
                self.eval(&t.arg, &mut flow, env);
                Out { thrown: Exit::at(flow, env), ..Out::default() }
            }
            Stmt::Try(t) => self.exec_try(t, flow, env),
            Stmt::While(w) => {
                self.pending_label = label;
                self.exec_loop(Some(&w.test), &w.body, None, false, flow, env)
            }
            Stmt::DoWhile(w) => {
                self.pending_label = label;
                self.exec_loop(Some(&w.test), &w.body, None, true, flow, env)
            }
            Stmt::For(f) => {
                match &f.init {
                    Some(VarDeclOrExpr::VarDecl(v)) => self.exec_var_decl(v, &mut flow, env),
                    Some(VarDeclOrExpr::Expr(e)) => {
                        self.eval(e, &mut flow, env);
                    }
                    None => {}
                }
                self.pending_label = label;
                self.exec_loop(f.test.as_deref(), &f.body, f.update.as_deref(), false, flow, env)
            }
            Stmt::ForIn(f) => {
                let object = self.eval(&f.right, &mut flow, env);
                // The keys of a known array or object: one round per key, in order.
                let keys: Option<Vec<Value<'a>>> = match &object {
                    Value::Array(items) => {
                        Some((0..items.len()).map(|i| Value::str(&i.to_string())).collect())
                    }
                    // JavaScript's order: integer keys ascending, then the others as written.
                    Value::Object(props) if !object.is_open() => {
                        let index = |k: &str| k.parse::<u32>().ok().filter(|n| n.to_string() == k);
                        let mut keys: Vec<&crate::script::value::Text> =
                            props.iter().map(|(k, _)| k).collect();
                        keys.sort_by_key(|k| index(k).map_or((1, 0), |n| (0, n)));
                        Some(keys.into_iter().map(|k| Value::Str(k.clone())).collect())
                    }
                    _ => None,
                };
                let unroll = |this: &mut Self, n: usize| {
                    n <= MAX_UNROLL && this.unrolling < MAX_UNROLL_NESTING && this.may_unroll(n)
                };
                match keys.filter(|k| unroll(self, k.len())) {
                    Some(keys) => self.exec_for_each(&f.left, keys, &object, &f.body, label, flow, env),
                    None => {
                        self.bind_for_head(&f.left, Value::Unknown, env);
                        self.pending_label = label;
                        self.exec_loop(None, &f.body, None, false, flow, env)
                    }
                }
            }
            Stmt::ForOf(f) => {
                let iterable = self.eval(&f.right, &mut flow, env);
                match iterable {
                    Value::Array(ref items)
                        if items.len() <= MAX_UNROLL
                            && self.unrolling < MAX_UNROLL_NESTING
                            && self.may_unroll(items.len()) =>
                    {
                        let items = items.to_vec();
                        self.exec_for_each(&f.left, items, &iterable, &f.body, label, flow, env)
                    }
                    _ => {
                        self.bind_for_head(&f.left, Value::Unknown, env);
                        self.pending_label = label;
                        self.exec_loop(None, &f.body, None, false, flow, env)
                    }
                }
            }
            Stmt::Decl(Decl::Var(v)) => {
                self.exec_var_decl(v, &mut flow, env);
                Out::normal(flow)
            }
            Stmt::Decl(Decl::Fn(f)) => {
                // Hoisted already; re-declaring binds the closure to the current frame, which
                // matters for functions declared inside blocks.
                let closure = Closure { code: Code::Function(&f.function), frame: env.capture() };
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

    /// Binds the variable of a `for-in` / `for-of` head to `value` (a destructuring head's names
    /// to unknown).
    fn bind_for_head(&mut self, head: &'a ForHead, value: Value<'a>, env: &mut Env<'a>) {
        match head {
            ForHead::VarDecl(v) => {
                for d in &v.decls {
                    match &d.name {
                        Pat::Ident(id) => env.declare(&id.id.sym, value.clone()),
                        other => {
                            pattern_names(other).into_iter().for_each(|n| env.declare(n, Value::Unknown))
                        }
                    }
                }
            }
            ForHead::Pat(p) => match &**p {
                Pat::Ident(id) => env.assign(&id.id.sym, value),
                other => pattern_names(other).into_iter().for_each(|n| env.assign(n, Value::Unknown)),
            },
            ForHead::UsingDecl(_) => {}
        }
    }

    /// Runs one round of a loop's body: its `break`s (and `break label` for this loop) join
    /// `breaks`, its other jumps `out`; returns the states that go on to the next round (the
    /// body's end and `continue`), with `env` joined to hold there.
    fn loop_round(
        &mut self,
        body: &'a Stmt,
        label: Option<&'a str>,
        flow: Flow,
        env: &mut Env<'a>,
        breaks: &mut Exit<'a>,
        out: &mut Out<'a>,
    ) -> Flow {
        let mut body_out = self.exec_stmt(body, flow, env);
        breaks.add(std::mem::take(&mut body_out.brk), self.info);
        let mut cont = std::mem::take(&mut body_out.cont);
        if let Some(label) = label {
            breaks.add(body_out.take_labelled(label, false), self.info);
            cont.add(body_out.take_labelled(label, true), self.info);
        }
        out.absorb_jumps(&mut body_out, self.info);
        let mut next = body_out.normal;
        cont.join_into(&next, env, self.info);
        union(&mut next, cont.flow);
        next
    }

    /// A `for-in` / `for-of` over known keys or elements: the body runs once per item, in order,
    /// with the loop variable bound to it (`break` leaves, `continue` goes to the next item).
    #[allow(clippy::too_many_arguments)]
    fn exec_for_each(
        &mut self,
        head: &'a ForHead,
        items: Vec<Value<'a>>,
        iterated: &Value<'a>,
        body: &'a Stmt,
        label: Option<&'a str>,
        flow: Flow,
        env: &mut Env<'a>,
    ) -> Out<'a> {
        let mut out = Out::default();
        let mut flow = flow;
        let mut breaks = Exit::default();
        // A body that changes the array or object it runs over (`list.push` inside the loop):
        // the items it started with are no longer the ones it runs over.
        let watched = env.holds(iterated);
        let mut rest_unknown = false;
        self.unrolling += 1;
        for item in items {
            if flow.is_empty() {
                break;
            }
            self.bind_for_head(head, item, env);
            flow = self.loop_round(body, label, flow, env, &mut breaks, &mut out);
            if watched && !env.holds(iterated) {
                rest_unknown = true;
                break;
            }
        }
        self.unrolling -= 1;
        if rest_unknown && !flow.is_empty() {
            // The rest, any number of times with unknown items.
            self.bind_for_head(head, Value::Unknown, env);
            self.pending_label = label;
            let mut rest = self.exec_loop(None, body, None, false, flow, env);
            flow = std::mem::take(&mut rest.normal);
            out.absorb_jumps(&mut rest, self.info);
        }
        breaks.join_into(&flow, env, self.info);
        union(&mut flow, breaks.flow);
        out.normal = flow;
        out
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
        out.absorb_jumps(&mut out_then, self.info);
        out.absorb_jumps(&mut out_else, self.info);
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
        // Each case starts from the environment before the switch (joined with what falls
        // through from the case above); the environments of every way out are joined after it.
        let before = env.clone();
        let mut exits: Vec<(Flow, Env<'a>)> = Vec::new();
        let mut out = Out::default();
        let mut fallthrough = Flow::new();
        let mut fall_env = before.clone();
        for (case, mut entry) in s.cases.iter().zip(matched) {
            if case.test.is_none() {
                union(&mut entry, unmatched.clone());
            }
            let mut case_env = before.clone();
            case_env.join(&entry, &fall_env, &fallthrough, self.info, false);
            union(&mut entry, fallthrough);
            let mut case_out = self.exec_stmts(&case.cons, entry, &mut case_env);
            fallthrough = std::mem::take(&mut case_out.normal);
            let brk = std::mem::take(&mut case_out.brk);
            if let (false, Some(brk_env)) = (brk.flow.is_empty(), brk.env) {
                exits.push((brk.flow, brk_env));
            }
            fall_env = case_env;
            out.absorb_jumps(&mut case_out, self.info);
        }
        exits.push((fallthrough, fall_env));
        if !has_default {
            exits.push((unmatched, before));
        }
        let mut joined: Option<(Flow, Env<'a>)> = None;
        for (flow, exit_env) in exits.into_iter().filter(|(f, _)| !f.is_empty()) {
            joined = Some(match joined {
                None => (flow, exit_env),
                Some((mut at, mut acc)) => {
                    acc.join(&at, &exit_env, &flow, self.info, false);
                    union(&mut at, flow);
                    (at, acc)
                }
            });
        }
        if let Some((flow, exit_env)) = joined {
            out.normal = flow;
            *env = exit_env;
        }
        out
    }

    fn exec_try(&mut self, t: &'a TryStmt, flow: Flow, env: &mut Env<'a>) -> Out<'a> {
        let before = env.clone();
        self.throws.push(Exit::default());
        let mut body = self.exec_block(&t.block.stmts, flow.clone(), env);
        // What functions called in the block had assigned when they threw.
        let thrown_in_calls = self.throws.pop().unwrap_or_default();
        let mut out = Out::default();
        match &t.handler {
            Some(handler) => {
                // An exception can come from anywhere in the block: the handler starts from the
                // environments before the block, at its end, and where it threw.
                let mut catch_in = flow.clone();
                let mut catch_env = before;
                catch_env.join(&flow, env, &body.normal, self.info, false);
                union(&mut catch_in, body.normal.clone());
                let thrown = std::mem::take(&mut body.thrown);
                thrown.join_into(&catch_in, &mut catch_env, self.info);
                union(&mut catch_in, thrown.flow);
                thrown_in_calls.join_into(&catch_in, &mut catch_env, self.info);
                catch_env.push_block();
                if let Some(param) = &handler.param {
                    for name in pattern_names(param) {
                        catch_env.declare(name, Value::Unknown);
                    }
                }
                let mut caught = self.exec_stmts(&handler.body.stmts, catch_in, &mut catch_env);
                catch_env.pop();
                env.join(&body.normal, &catch_env, &caught.normal, self.info, false);
                out.absorb_jumps(&mut body, self.info);
                out.absorb_jumps(&mut caught, self.info);
                out.normal = body.normal;
                union(&mut out.normal, caught.normal);
            }
            None => {
                out.absorb_jumps(&mut body, self.info);
                out.normal = body.normal;
            }
        }
        if let Some(finalizer) = &t.finalizer {
            // `finally` runs on every way out of the block: normally, and on return, break,
            // continue and throw, which then carry on from its end.
            let mut fin = self.exec_block(&finalizer.stmts, std::mem::take(&mut out.normal), env);
            let mut rets = Vec::new();
            let ret_exit = std::mem::take(&mut out.ret_env);
            let mut ret_env = ret_exit.env.unwrap_or_else(|| env.clone());
            let mut ret_flow = Flow::new();
            for (flow, value) in std::mem::take(&mut out.ret) {
                let mut f = self.exec_block(&finalizer.stmts, flow, &mut ret_env);
                let after = std::mem::take(&mut f.normal);
                union(&mut ret_flow, after.clone());
                rets.push((after, value));
                out.absorb_jumps(&mut f, self.info);
            }
            if !ret_flow.is_empty() {
                out.ret_env.add(Exit { flow: ret_flow, env: Some(ret_env) }, self.info);
            }
            for slot in [&mut out.brk, &mut out.cont, &mut out.thrown] {
                let exit = std::mem::take(slot);
                let mut exit_env = exit.env.unwrap_or_else(|| env.clone());
                let mut f = self.exec_block(&finalizer.stmts, exit.flow, &mut exit_env);
                *slot = Exit { flow: std::mem::take(&mut f.normal), env: Some(exit_env) };
                fin.absorb_jumps(&mut f, self.info);
            }
            out.ret.extend(rets);
            out.absorb_jumps(&mut fin, self.info);
            out.normal = fin.normal;
        }
        out
    }

    fn exec_loop(
        &mut self,
        test: Option<&'a Expr>,
        body: &'a Stmt,
        update: Option<&'a Expr>,
        body_first: bool,
        flow: Flow,
        env: &mut Env<'a>,
    ) -> Out<'a> {
        // The label of this loop, if the statement is labelled (`outer: for ...`).
        let label = self.pending_label.take();
        let mut head = flow;
        let mut out = Out::default();
        // States that leave because the test is false (with the loop's environment), and those
        // that `break` (with theirs).
        let mut leave_all = Flow::new();
        let mut breaks = Exit::default();
        let finish = |out: &mut Out<'a>, env: &mut Env<'a>, leave_all: Flow, breaks: Exit<'a>, info| {
            breaks.join_into(&leave_all, env, info);
            let mut exit = leave_all;
            union(&mut exit, breaks.flow);
            out.normal = exit;
        };
        // While the test is decided in every state (`i < list.length` with a known list), the
        // rounds run one after the other, exactly: no join of rounds that cannot both happen.
        let mut first = true;
        let rounds = if test.is_some() && self.unrolling < MAX_UNROLL_NESTING { MAX_UNROLL } else { 0 };
        self.unrolling += 1;
        for _ in 0..rounds {
            if !self.may_unroll(1) {
                break;
            }
            let mut at_head = head.clone();
            let mut probe_env = env.clone();
            let run = match test {
                _ if body_first && first => true,
                Some(t) => {
                    let value = self.eval(t, &mut at_head, &mut probe_env);
                    let verdicts: Vec<Option<bool>> =
                        at_head.keys().map(|s| value.truthy(s, self.info)).collect();
                    match verdicts.first().copied().flatten() {
                        Some(v) if verdicts.iter().all(|x| *x == Some(v)) => v,
                        _ => break,
                    }
                }
                None => break,
            };
            first = false;
            *env = probe_env;
            if !run {
                union(&mut leave_all, at_head);
                self.unrolling -= 1;
                finish(&mut out, env, leave_all, breaks, self.info);
                return out;
            }
            let mut next = self.loop_round(body, label, at_head, env, &mut breaks, &mut out);
            if let Some(u) = update {
                self.eval(u, &mut next, env);
            }
            head = next;
            if head.is_empty() {
                self.unrolling -= 1;
                finish(&mut out, env, leave_all, breaks, self.info);
                return out;
            }
        }
        self.unrolling -= 1;
        for round in 0..MAX_ROUNDS {
            let mut iter_env = env.clone();
            let mut at_head = head.clone();
            let (enter, leave) = match test {
                _ if body_first && round == 0 && first => (at_head, Flow::new()),
                Some(t) => {
                    let value = self.eval(t, &mut at_head, &mut iter_env);
                    self.split(&value, &at_head, Some(t))
                }
                // for-in / for-of: the body runs any number of times, zero included.
                None if body_first => (at_head, Flow::new()),
                None => (at_head.clone(), at_head),
            };
            union(&mut leave_all, leave);
            let mut next = self.loop_round(body, label, enter, &mut iter_env, &mut breaks, &mut out);
            if let Some(u) = update {
                self.eval(u, &mut next, &mut iter_env);
            }
            let grew = next.keys().any(|s| !head.contains_key(s));
            let before = env.clone();
            env.join(&head, &iter_env, &next, self.info, round >= WIDEN_AFTER);
            let env_changed = !env.same(&before);
            union(&mut head, next);
            if !grew && !env_changed {
                finish(&mut out, env, leave_all, breaks, self.info);
                return out;
            }
            if self.budget == 0 {
                break;
            }
        }
        self.facts.incomplete = true;
        finish(&mut out, env, leave_all, breaks, self.info);
        out
    }
}
