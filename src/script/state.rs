//! The abstract state of one sign-in in progress, sets of such states, and their witnesses.
//!
//! A [`State`] is a small finite fact: for each configured step, whether it has run and with
//! which option, plus which step is the subject. The analysis moves *sets* of states through the
//! script ([`Flow`]); at every merge point sets are joined by union, so a script with 60
//! undecidable `if`s costs 60 steps, not 2^60 paths. Each state keeps one [`Trace`], the first
//! (shortest) path that produced it, which diagnostics show.

use std::collections::BTreeMap;
use std::rc::Rc;

/// `0` means "not run"; `k + 1` means "ran with option `k`".
pub type Slot = u8;

/// Sentinel for "no subject step" (the configured subject step does not exist).
pub const NO_SUBJECT: u8 = u8::MAX;

/// The slot of a step that ran with an option nothing looks at: the analysis keeps one state
/// for all its options instead of one per option (see `StepsInfo::observed`).
pub const ANY_OPTION: Slot = u8::MAX;

/// One slot per configured step. Applications have a handful of steps: kept inline, a state is
/// copied without touching the heap (the analysis copies states at every branch).
#[derive(Clone)]
pub enum Slots {
    Inline { len: u8, slots: [Slot; INLINE_SLOTS] },
    Heap(Box<[Slot]>),
}

/// Up to this many steps, slots are kept inline (the enum is then 24 bytes, as a boxed slice),
/// and compare as one 128-bit integer.
const INLINE_SLOTS: usize = 16;

impl Slots {
    /// `len` slots of "not run".
    pub fn zeros(len: usize) -> Slots {
        Slots::from(&vec![0; len][..])
    }
}

impl From<&[Slot]> for Slots {
    fn from(values: &[Slot]) -> Slots {
        match u8::try_from(values.len()) {
            Ok(len) if values.len() <= INLINE_SLOTS => {
                let mut slots = [0; INLINE_SLOTS];
                slots[..values.len()].copy_from_slice(values);
                Slots::Inline { len, slots }
            }
            _ => Slots::Heap(values.into()),
        }
    }
}

impl std::ops::Deref for Slots {
    type Target = [Slot];
    fn deref(&self) -> &[Slot] {
        match self {
            Slots::Inline { len, slots } => &slots[..*len as usize],
            Slots::Heap(slots) => slots,
        }
    }
}

impl std::ops::DerefMut for Slots {
    fn deref_mut(&mut self) -> &mut [Slot] {
        match self {
            Slots::Inline { len, slots } => &mut slots[..*len as usize],
            Slots::Heap(slots) => slots,
        }
    }
}

// Compared, ordered and hashed as the slices they hold, whichever way they are stored.
// States are compared at every insertion into a flow: two inline slot arrays of the same length
// (always the case within one analysis) compare as integers, without a call to `memcmp`. The
// slots past `len` are always zero, so this is the slices' order.
impl PartialEq for Slots {
    fn eq(&self, other: &Slots) -> bool {
        match (self, other) {
            (Slots::Inline { len: a, slots: x }, Slots::Inline { len: b, slots: y }) => a == b && x == y,
            _ => **self == **other,
        }
    }
}

impl Eq for Slots {}

impl PartialOrd for Slots {
    fn partial_cmp(&self, other: &Slots) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Slots {
    fn cmp(&self, other: &Slots) -> std::cmp::Ordering {
        match (self, other) {
            (Slots::Inline { len: a, slots: x }, Slots::Inline { len: b, slots: y }) if a == b => {
                big_endian(x).cmp(&big_endian(y))
            }
            _ => (**self).cmp(&**other),
        }
    }
}

/// Inline slots as two integers that order like the bytes.
fn big_endian(slots: &[Slot; INLINE_SLOTS]) -> u128 {
    u128::from_be_bytes(*slots)
}

impl std::hash::Hash for Slots {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}

impl std::fmt::Debug for Slots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// Where a sign-in stands: for each configured step, what has run (`exec`: steps in execution
/// order, what has run by the time the next step runs) and what the running JavaScript sees in
/// `context.steps` (`view`), plus the subject-identifier step. The server evaluates a function
/// body at once and only queues the steps it starts, so code after `executeStep(1)` in the same
/// function still sees step 1 as not run; a callback sees every step that ran before it fired.
///
/// States are compared at every insertion into a flow and copied at every branch. Up to
/// [`PACKED_STEPS`] steps (nearly every application), a state is 16 bytes laid out in the order
/// states sort in (exec slots, view slots, subject; the step count last), so comparing two is
/// one 128-bit comparison. States order by exec slots, then view slots, then subject.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct State(Packing);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Packing {
    Packed([u8; 16]),
    Wide(Box<WideState>),
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct WideState {
    exec: Vec<Slot>,
    view: Vec<Slot>,
    subject: u8,
}

/// Applications with up to this many steps have packed states.
const PACKED_STEPS: usize = 7;

impl PartialOrd for State {
    fn partial_cmp(&self, other: &State) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for State {
    fn cmp(&self, other: &State) -> std::cmp::Ordering {
        match (&self.0, &other.0) {
            (Packing::Packed(a), Packing::Packed(b)) => u128::from_be_bytes(*a).cmp(&u128::from_be_bytes(*b)),
            (Packing::Wide(a), Packing::Wide(b)) => a.cmp(b),
            // Never within one analysis (all its states have as many steps).
            (Packing::Packed(_), Packing::Wide(_)) => std::cmp::Ordering::Less,
            (Packing::Wide(_), Packing::Packed(_)) => std::cmp::Ordering::Greater,
        }
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("exec", &self.exec_slots())
            .field("view", &self.view_slots())
            .field("subject", &self.subject())
            .finish()
    }
}

impl State {
    pub fn initial(steps: usize, subject: Option<usize>) -> State {
        State::new(
            &vec![0; steps],
            &vec![0; steps],
            subject.and_then(|s| u8::try_from(s).ok()).unwrap_or(NO_SUBJECT),
        )
    }

    /// A state from its slots (`exec` and `view` as long as each other).
    pub fn new(exec: &[Slot], view: &[Slot], subject: u8) -> State {
        let n = exec.len();
        if n <= PACKED_STEPS && view.len() == n {
            let mut bytes = [0; 16];
            bytes[..n].copy_from_slice(exec);
            bytes[n..2 * n].copy_from_slice(view);
            bytes[2 * n] = subject;
            bytes[15] = n as u8;
            return State(Packing::Packed(bytes));
        }
        State(Packing::Wide(Box::new(WideState { exec: exec.to_vec(), view: view.to_vec(), subject })))
    }

    /// The number of steps.
    fn steps(&self) -> usize {
        match &self.0 {
            Packing::Packed(bytes) => bytes[15] as usize,
            Packing::Wide(w) => w.exec.len(),
        }
    }

    /// Steps in execution order: what has run.
    pub fn exec_slots(&self) -> Slots {
        match &self.0 {
            Packing::Packed(bytes) => Slots::from(&bytes[..self.steps()]),
            Packing::Wide(w) => Slots::from(&w.exec[..]),
        }
    }

    /// What the running script sees.
    pub fn view_slots(&self) -> Slots {
        match &self.0 {
            Packing::Packed(bytes) => {
                let n = self.steps();
                Slots::from(&bytes[n..2 * n])
            }
            Packing::Wide(w) => Slots::from(&w.view[..]),
        }
    }

    /// The slot of step `index` in execution order.
    pub fn exec(&self, index: usize) -> Option<Slot> {
        match &self.0 {
            Packing::Packed(bytes) => (index < self.steps()).then(|| bytes[index]),
            Packing::Wide(w) => w.exec.get(index).copied(),
        }
    }

    /// The slot of step `index` as the running script sees it.
    pub fn view(&self, index: usize) -> Option<Slot> {
        match &self.0 {
            Packing::Packed(bytes) => {
                let n = self.steps();
                (index < n).then(|| bytes[n + index])
            }
            Packing::Wide(w) => w.view.get(index).copied(),
        }
    }

    /// Index (into the application's steps) of the subject-identifier step.
    pub fn subject(&self) -> u8 {
        match &self.0 {
            Packing::Packed(bytes) => bytes[2 * self.steps()],
            Packing::Wide(w) => w.subject,
        }
    }

    /// Step `index` ran with `slot`; a step that does not exist is ignored.
    pub fn set_exec(&mut self, index: usize, slot: Slot) {
        let n = self.steps();
        match &mut self.0 {
            Packing::Packed(bytes) if index < n => bytes[index] = slot,
            Packing::Packed(_) => {}
            Packing::Wide(w) => {
                if let Some(s) = w.exec.get_mut(index) {
                    *s = slot;
                }
            }
        }
    }

    /// The running script sees step `index` as `slot`; a step that does not exist is ignored.
    pub fn set_view(&mut self, index: usize, slot: Slot) {
        let n = self.steps();
        match &mut self.0 {
            Packing::Packed(bytes) if index < n => bytes[n + index] = slot,
            Packing::Packed(_) => {}
            Packing::Wide(w) => {
                if let Some(s) = w.view.get_mut(index) {
                    *s = slot;
                }
            }
        }
    }

    /// The running script sees `view` (as many slots as the state has steps).
    pub fn set_view_slots(&mut self, view: &[Slot]) {
        let n = self.steps();
        match &mut self.0 {
            Packing::Packed(bytes) if view.len() == n => bytes[n..2 * n].copy_from_slice(view),
            Packing::Packed(_) => {}
            Packing::Wide(w) if view.len() == n => w.view.copy_from_slice(view),
            Packing::Wide(_) => {}
        }
    }

    /// The running script sees every step that has run (a callback starts).
    pub fn see_what_ran(&mut self) {
        let n = self.steps();
        match &mut self.0 {
            Packing::Packed(bytes) => bytes.copy_within(..n, n),
            Packing::Wide(w) => w.view.clone_from(&w.exec),
        }
    }

    pub fn set_subject(&mut self, subject: u8) {
        let n = self.steps();
        match &mut self.0 {
            Packing::Packed(bytes) => bytes[2 * n] = subject,
            Packing::Wide(w) => w.subject = subject,
        }
    }

    /// The option step `index` ran with, as seen by the executing flow.
    pub fn ran_with(&self, index: usize) -> Option<usize> {
        match self.exec(index) {
            Some(slot) if slot > 0 && slot != ANY_OPTION => Some(slot as usize - 1),
            _ => None,
        }
    }

    /// Whether step `index` has run, with whatever option.
    pub fn has_run(&self, index: usize) -> bool {
        self.exec(index).is_some_and(|s| s > 0)
    }

    /// Whether the running script sees step `index` as run.
    pub fn has_seen(&self, index: usize) -> bool {
        self.view(index).is_some_and(|s| s > 0)
    }

    /// The option step `index` ran with, as seen by the running script.
    pub fn sees(&self, index: usize) -> Option<usize> {
        match self.view(index) {
            Some(slot) if slot > 0 && slot != ANY_OPTION => Some(slot as usize - 1),
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
    /// A callback started (`onSuccess` of step 1, or a callback of `httpGet`, ...): the property
    /// it was passed as, if any, and who ran it. Named in words only when a diagnostic shows it.
    Callback { key: Option<Rc<str>>, of: CallbackOf, offset: usize },
    /// A condition took a branch; `text` is its source.
    /// The condition is the script's text `offset..end` (see [`crate::script::snippet`]).
    Branch { end: usize, taken: bool, offset: usize },
    /// The subject step changed (`markAsSubjectIdentifierStep`).
    Subject { step: u32 },
}

/// Who ran a callback.
#[derive(Clone, Debug, PartialEq)]
pub enum CallbackOf {
    /// `executeStep`, after the step succeeded or failed: `onSuccess`, `onFail`, ...
    Step(&'static str),
    /// A framework function (`httpGet`), by name.
    Named(Rc<str>),
    /// The function called at the script's text `start..end` (`httpGet`, `utils.retry`).
    Source { start: usize, end: usize },
    /// A function with no name to show (an optional call's result).
    Unnamed,
}

impl CallbackOf {
    /// The callback's name in a trace: `onSuccess`, `onSuccess of httpGet`, `callback of
    /// retry`; `src` is the script.
    pub fn describe(&self, key: Option<&str>, src: &str) -> String {
        let callee = match self {
            CallbackOf::Step(name) => return name.to_string(),
            CallbackOf::Named(name) => name.to_string(),
            CallbackOf::Source { start, end } => crate::script::snippet(src, *start, *end),
            CallbackOf::Unnamed => "a function".to_string(),
        };
        format!("{} of {callee}", key.unwrap_or("callback"))
    }
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

/// A set of states, each with its witness path, in state order.
///
/// Nearly every set the analysis moves through a script holds one to a few states, and it makes
/// and drops sets at every statement: small sets are a sorted vector (one allocation, no tree
/// nodes), larger ones a B-tree (no quadratic insertion). Both iterate in the same order, so the
/// representation never changes a result.
#[derive(Clone, Default)]
pub struct Flow(Repr);

#[derive(Clone)]
enum Repr {
    Small(Vec<(State, Trace)>),
    Large(BTreeMap<State, Trace>),
}

impl Default for Repr {
    fn default() -> Repr {
        Repr::Small(Vec::new())
    }
}

/// Above this many states a set becomes a B-tree.
const SMALL_FLOW: usize = 32;

impl Flow {
    pub fn new() -> Flow {
        Flow::default()
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Small(v) => v.len(),
            Repr::Large(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, state: &State) -> Option<&Trace> {
        match &self.0 {
            Repr::Small(v) => v.binary_search_by(|(s, _)| s.cmp(state)).ok().map(|i| &v[i].1),
            Repr::Large(m) => m.get(state),
        }
    }

    pub fn get_mut(&mut self, state: &State) -> Option<&mut Trace> {
        match &mut self.0 {
            Repr::Small(v) => match v.binary_search_by(|(s, _)| s.cmp(state)) {
                Ok(i) => Some(&mut v[i].1),
                Err(_) => None,
            },
            Repr::Large(m) => m.get_mut(state),
        }
    }

    pub fn contains_key(&self, state: &State) -> bool {
        self.get(state).is_some()
    }

    /// Sets the witness of `state`, replacing any it had (see [`insert`] to keep the shorter).
    pub fn insert(&mut self, state: State, trace: Trace) -> Option<Trace> {
        self.upsert(state, trace, |_, _| true)
    }

    /// Adds `state` with `trace`; when the state is there already, its witness is replaced if
    /// `replace(old, new)` says so, and the old one returned. One search for both the lookup and
    /// the insertion: joins do this for every state.
    fn upsert(
        &mut self,
        state: State,
        trace: Trace,
        replace: impl FnOnce(&Trace, &Trace) -> bool,
    ) -> Option<Trace> {
        match &mut self.0 {
            Repr::Small(v) => {
                // States often arrive in order: appending needs no search.
                let at = match v.last() {
                    Some((last, _)) if *last < state => Err(v.len()),
                    None => Err(0),
                    _ => v.binary_search_by(|(s, _)| s.cmp(&state)),
                };
                match at {
                    Ok(i) => replace(&v[i].1, &trace).then(|| std::mem::replace(&mut v[i].1, trace)),
                    Err(i) => {
                        v.insert(i, (state, trace));
                        if v.len() > SMALL_FLOW {
                            let states = std::mem::take(v);
                            self.0 = Repr::Large(states.into_iter().collect());
                        }
                        None
                    }
                }
            }
            Repr::Large(m) => match m.entry(state) {
                std::collections::btree_map::Entry::Occupied(mut e) => {
                    replace(e.get(), &trace).then(|| e.insert(trace))
                }
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(trace);
                    None
                }
            },
        }
    }

    /// Keeps the first `len` states.
    pub fn truncate(&mut self, len: usize) {
        match &mut self.0 {
            Repr::Small(v) => v.truncate(len),
            Repr::Large(m) => {
                if let Some(cut) = m.keys().nth(len).cloned() {
                    m.split_off(&cut);
                }
            }
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        match &self.0 {
            Repr::Small(v) => Iter::Small(v.iter()),
            Repr::Large(m) => Iter::Large(m.iter()),
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &State> {
        self.iter().map(|(s, _)| s)
    }

    pub fn values(&self) -> impl Iterator<Item = &Trace> {
        self.iter().map(|(_, t)| t)
    }
}

/// The states of a [`Flow`] and their witnesses, in state order.
pub enum Iter<'f> {
    Small(std::slice::Iter<'f, (State, Trace)>),
    Large(std::collections::btree_map::Iter<'f, State, Trace>),
}

impl<'f> Iterator for Iter<'f> {
    type Item = (&'f State, &'f Trace);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Small(i) => i.next().map(|(s, t)| (s, t)),
            Iter::Large(i) => i.next(),
        }
    }
}

/// A [`Flow`] taken apart, in state order.
pub enum IntoIter {
    Small(std::vec::IntoIter<(State, Trace)>),
    Large(std::collections::btree_map::IntoIter<State, Trace>),
}

impl Iterator for IntoIter {
    type Item = (State, Trace);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            IntoIter::Small(i) => i.next(),
            IntoIter::Large(i) => i.next(),
        }
    }
}

impl IntoIterator for Flow {
    type Item = (State, Trace);
    type IntoIter = IntoIter;
    fn into_iter(self) -> IntoIter {
        match self.0 {
            Repr::Small(v) => IntoIter::Small(v.into_iter()),
            Repr::Large(m) => IntoIter::Large(m.into_iter()),
        }
    }
}

impl<'f> IntoIterator for &'f Flow {
    type Item = (&'f State, &'f Trace);
    type IntoIter = Iter<'f>;
    fn into_iter(self) -> Iter<'f> {
        self.iter()
    }
}

/// Like a map's `collect`: a state given twice keeps the later witness.
impl FromIterator<(State, Trace)> for Flow {
    fn from_iter<I: IntoIterator<Item = (State, Trace)>>(items: I) -> Flow {
        let mut flow = Flow::new();
        flow.extend(items);
        flow
    }
}

impl Extend<(State, Trace)> for Flow {
    fn extend<I: IntoIterator<Item = (State, Trace)>>(&mut self, items: I) {
        for (state, trace) in items {
            self.insert(state, trace);
        }
    }
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Adds `state` to `flow`, keeping the shorter witness when it is already there.
pub fn insert(flow: &mut Flow, state: State, trace: Trace) {
    flow.upsert(state, trace, |old, new| new.len() < old.len());
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
mod tests;
