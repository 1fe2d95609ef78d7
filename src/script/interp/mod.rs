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
//!
//! The interpreter is split by what it evaluates: `stmt` runs statements, `expr` evaluates
//! expressions, `calls` calls the script's own functions, and `framework` holds the server's
//! functions (`executeStep`, and the callbacks framework and unknown functions are given). This
//! module holds the facts the analysis records, the interpreter with its budget and limits, and
//! the helpers the others share (splitting a flow on a condition, freezing a stored value).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use swc_common::{BytePos, Spanned};
use swc_ecma_ast::*;

use super::env::Env;
use super::state::{Flow, Slots, State, Trace, TraceEntry};

/// The option of a step that ran with an option nobody looks at (in traces).
pub const ANY: usize = usize::MAX;
use super::value::{Cond, Field, Operand, StepsInfo, Text, Value};

mod builtins;
mod calls;
mod expr;
mod framework;
mod stmt;

use calls::Recursion;

/// How many statements and expressions one application's analysis may evaluate.
const DEFAULT_BUDGET: u64 = 5_000_000;
/// Deeper nesting of statements, expressions and calls is not followed (the analysis says it is
/// incomplete); it keeps the interpreter's recursion within its thread's stack.
const MAX_NESTING: usize = 4_000;
/// Stack left below which `eval` and `exec_stmt` continue on a new segment of `STACK_SEGMENT`.
pub(super) const RED_ZONE: usize = 256 << 10;
pub(super) const STACK_SEGMENT: usize = 16 << 20;
/// How many states one set may hold (a safety net: observed steps rarely get near it).
const MAX_STATES: usize = 20_000;
/// How many activations of one function are analysed inline before recursion is summarised.
const MAX_REENTRY: usize = 3;
/// Deeper (non-recursive) call chains are treated as unknown calls.
const MAX_CALL_DEPTH: usize = 64;
/// Rounds of a loop or recursion before values that still change are widened to unknown.
const WIDEN_AFTER: usize = 3;
const MAX_ROUNDS: usize = 32;
/// Rounds of a loop run one by one while its test is decided, and items of a known array a
/// `for-of` runs once each, up to this many; past it, the loop is summarised as any other.
const MAX_UNROLL: usize = 64;
/// At most this many rounds are run one by one in one analysis, and loops nest at most this
/// deep while doing so.
const MAX_UNROLLED: usize = 512;
pub(super) const MAX_UNROLL_NESTING: usize = 2;

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
    /// A callback ran with variables that the code registering it changed afterwards (the
    /// server runs it after that code has finished): what it did may be missing.
    pub stale_callbacks: bool,
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
    /// The states in which the flow ends (when `onLoginRequest` returns), with their
    /// witnesses: where the flow graph draws its edges to the end.
    pub end: Flow,
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
    /// The label of a labelled statement, for the loop it labels (taken by `exec_loop`).
    pending_label: Option<&'a str>,
    /// Loop rounds run one by one so far, and how many such loops are running now: both are
    /// bounded, so that nested loops fall back to summaries before they eat the budget.
    unrolled: usize,
    unrolling: usize,
    /// One per `try` running now (innermost last): the environments in which called functions
    /// threw, for its `catch`.
    throws: Vec<stmt::Exit<'a>>,
    /// Asynchronous callbacks run so far, with the call depth of the code that registered them
    /// and the variables as they saw them.
    registrations: Vec<(usize, Env<'a>)>,
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
        pending_label: None,
        unrolled: 0,
        unrolling: 0,
        throws: Vec::new(),
        registrations: Vec::new(),
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
            let (end, _) = interp.call(c, vec![Value::Context], out.normal, &mut env);
            interp.facts.end = end;
        }
        None => {
            interp.facts.no_entry_point = true;
            interp.facts.end = out.normal;
        }
    }
    interp.facts
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

    /// Keeps a flow within `MAX_STATES`, saying the analysis is incomplete when it cuts.
    fn bound(&mut self, flow: &mut Flow) {
        if flow.len() > MAX_STATES {
            flow.truncate(MAX_STATES);
            self.facts.incomplete = true;
        }
    }

    /// Counts one level of nesting; false (and the analysis incomplete) past the limit, which
    /// bounds the interpreter's own recursion whatever the script. (Each level may still need
    /// more stack than a thread has: `eval` and `exec_stmt` grow it by `STACK_SEGMENT` when less
    /// than `RED_ZONE` is left.)
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_NESTING {
            self.facts.incomplete = true;
            return false;
        }
        self.depth += 1;
        true
    }

    /// Whether `rounds` more loop rounds may run one by one in this analysis; counts them. (The
    /// nesting of such loops is checked where a loop starts.)
    pub(super) fn may_unroll(&mut self, rounds: usize) -> bool {
        if self.unrolled + rounds > MAX_UNROLLED {
            return false;
        }
        self.unrolled += rounds;
        true
    }

    /// A value computed state by state over `flow` (`at` gives each state's value, `None` when
    /// unknown there): the value itself when it is the same everywhere, a per-state primitive
    /// when each is a primitive, unknown otherwise.
    pub(super) fn per_state_value(&self, flow: &Flow, at: impl Fn(&State) -> Option<Value<'a>>) -> Value<'a> {
        let values: Vec<(&State, Option<Value<'a>>)> = flow.keys().map(|s| (s, at(s))).collect();
        let Some((_, Some(first))) = values.first() else { return Value::Unknown };
        if values.iter().all(|(_, v)| v.as_ref().is_some_and(|v| v.same(first))) {
            return first.clone();
        }
        if values.iter().any(|(_, v)| v.as_ref().is_some_and(|v| !v.is_primitive())) {
            return Value::Unknown;
        }
        let table = values
            .into_iter()
            .filter_map(|(s, v)| Some((s.clone(), v?.concrete(s, self.info)?)))
            .collect::<BTreeMap<_, _>>();
        Value::PerState(Rc::new(table))
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
