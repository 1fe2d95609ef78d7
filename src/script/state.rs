//! The abstract state of one sign-in in progress, sets of such states, and their witnesses.
//!
//! A [`State`] is a small finite fact: for each configured step, whether it has run and with
//! which option, plus which step is the subject. The analysis moves *sets* of states through the
//! script ([`Flow`]); at every merge point sets are joined by union, so a script with 60
//! undecidable `if`s costs 60 steps, not 2^60 paths. Each state keeps one [`Trace`], the first
//! (shortest) path that produced it, which diagnostics show.

use std::collections::BTreeMap;
use std::rc::Rc;

use smallvec::SmallVec;

/// `0` means "not run"; `k + 1` means "ran with option `k`".
pub type Slot = u8;

/// Sentinel for "no subject step" (the configured subject step does not exist).
pub const NO_SUBJECT: u8 = u8::MAX;

/// The slot of a step that ran with an option nothing looks at: the analysis keeps one state
/// for all its options instead of one per option (see `StepsInfo::observed`).
pub const ANY_OPTION: Slot = u8::MAX;

/// One slot per configured step. Applications have a handful of steps: kept inline, a state is
/// copied without touching the heap (the analysis copies states at every branch).
pub type Slots = SmallVec<[Slot; 16]>;

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct State {
    /// Steps in execution order: what has run by the time the next step runs.
    pub exec: Slots,
    /// What the currently running JavaScript sees in `context.steps`. The server evaluates a
    /// function body at once and only queues the steps it starts, so code after
    /// `executeStep(1)` in the same function still sees step 1 as not run; a callback sees every
    /// step that ran before it fired.
    pub view: Slots,
    /// Index (into the application's steps) of the subject-identifier step.
    pub subject: u8,
}

impl State {
    pub fn initial(steps: usize, subject: Option<usize>) -> State {
        State {
            exec: smallvec::smallvec![0; steps],
            view: smallvec::smallvec![0; steps],
            subject: subject.and_then(|s| u8::try_from(s).ok()).unwrap_or(NO_SUBJECT),
        }
    }

    /// The option step `index` ran with, as seen by the executing flow.
    pub fn ran_with(&self, index: usize) -> Option<usize> {
        match self.exec.get(index) {
            Some(&slot) if slot > 0 && slot != ANY_OPTION => Some(slot as usize - 1),
            _ => None,
        }
    }

    /// Whether step `index` has run, with whatever option.
    pub fn has_run(&self, index: usize) -> bool {
        self.exec.get(index).is_some_and(|&s| s > 0)
    }

    /// Whether the running script sees step `index` as run.
    pub fn has_seen(&self, index: usize) -> bool {
        self.view.get(index).is_some_and(|&s| s > 0)
    }

    /// The option step `index` ran with, as seen by the running script.
    pub fn sees(&self, index: usize) -> Option<usize> {
        match self.view.get(index) {
            Some(&slot) if slot > 0 && slot != ANY_OPTION => Some(slot as usize - 1),
            _ => None,
        }
    }
}

/// One event on the path to a state.
#[derive(Clone, Debug, PartialEq)]
pub enum TraceEntry {
    /// A step ran with one of its options; `site` is the script offset of the `executeStep`
    /// call, `None` when the step ran because there is no script.
    StepRan { step: u32, option: usize, site: Option<usize> },
    /// A step failed or was abandoned, and its callback ran.
    StepFailed { step: u32, callback: &'static str, site: usize },
    /// A callback started (`onSuccess` of step 1, or a callback of `httpGet`, ...).
    Callback { name: Rc<str>, offset: usize },
    /// A condition took a branch; `text` is its source.
    Branch { text: Rc<str>, taken: bool, offset: usize },
    /// The subject step changed (`markAsSubjectIdentifierStep`).
    Subject { step: u32 },
}

struct TraceNode {
    entry: TraceEntry,
    prev: Trace,
    len: u32,
}

/// A persistent list of trace entries; pushing shares the prefix.
#[derive(Clone, Default)]
pub struct Trace(Option<Rc<TraceNode>>);

impl Trace {
    pub fn push(&self, entry: TraceEntry) -> Trace {
        Trace(Some(Rc::new(TraceNode { entry, prev: self.clone(), len: self.len() + 1 })))
    }

    pub fn len(&self) -> u32 {
        self.0.as_ref().map_or(0, |n| n.len)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Whether `self` is `base` with exactly one entry pushed: nothing else happened since.
    pub fn is_one_after(&self, base: &Trace) -> bool {
        match (&self.0, &base.0) {
            (Some(n), Some(b)) => n.prev.0.as_ref().is_some_and(|p| Rc::ptr_eq(p, b)),
            (Some(n), None) => n.prev.0.is_none(),
            _ => false,
        }
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> Vec<TraceEntry> {
        let mut out = Vec::with_capacity(self.len() as usize);
        let mut cur = &self.0;
        while let Some(node) = cur {
            out.push(node.entry.clone());
            cur = &node.prev.0;
        }
        out.reverse();
        out
    }
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.entries()).finish()
    }
}

/// A set of states, each with its witness path.
pub type Flow = BTreeMap<State, Trace>;

/// Adds `state` to `flow`, keeping the shorter witness when it is already there.
pub fn insert(flow: &mut Flow, state: State, trace: Trace) {
    match flow.get_mut(&state) {
        Some(existing) if existing.len() <= trace.len() => {}
        Some(existing) => *existing = trace,
        None => {
            flow.insert(state, trace);
        }
    }
}

/// Joins `from` into `into`.
pub fn union(into: &mut Flow, from: Flow) {
    if into.is_empty() {
        *into = from;
        return;
    }
    for (s, t) in from {
        insert(into, s, t);
    }
}

/// Joins the two arms of a branch that started from `before`. A state that reached the end of
/// both arms with nothing but the branch entry added did not depend on the condition, so its
/// witness drops the branch: a trace lists only the decisions that mattered.
pub fn join_arms(before: &Flow, then_arm: Flow, else_arm: Flow) -> Flow {
    let mut out = then_arm;
    for (s, t_else) in else_arm {
        match out.get(&s) {
            Some(t_then) => {
                if let Some(t0) = before.get(&s)
                    && t_then.is_one_after(t0)
                    && t_else.is_one_after(t0)
                {
                    out.insert(s, t0.clone());
                    continue;
                }
                insert(&mut out, s, t_else);
            }
            None => {
                out.insert(s, t_else);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(x: u8) -> State {
        State { exec: smallvec::smallvec![x], view: smallvec::smallvec![x], subject: 0 }
    }

    #[test]
    fn union_keeps_the_shorter_witness() {
        let short = Trace::default().push(TraceEntry::Subject { step: 1 });
        let long = short.push(TraceEntry::Subject { step: 2 });
        let mut a = Flow::new();
        insert(&mut a, st(1), long);
        insert(&mut a, st(1), short.clone());
        assert_eq!(a[&st(1)].len(), 1);
    }

    #[test]
    fn join_arms_drops_a_branch_that_did_not_matter() {
        let mut before = Flow::new();
        before.insert(st(1), Trace::default());
        let branch = |taken| TraceEntry::Branch { text: "x".into(), taken, offset: 0 };
        let mut then_arm = Flow::new();
        then_arm.insert(st(1), Trace::default().push(branch(true)));
        let mut else_arm = Flow::new();
        else_arm.insert(st(1), Trace::default().push(branch(false)));
        // A state only the then-arm produced keeps its branch entry.
        then_arm.insert(st(2), Trace::default().push(branch(true)));
        let joined = join_arms(&before, then_arm, else_arm);
        assert!(joined[&st(1)].is_empty());
        assert_eq!(joined[&st(2)].len(), 1);
    }
}
