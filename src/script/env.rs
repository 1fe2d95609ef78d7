//! Variable scopes of the abstract interpreter.
//!
//! A stack of frames: one per running function call (whose parent is the frame the function was
//! created in, its closure) and one per block that declares `let`/`const`. Branches clone the
//! environment and join the clones afterwards; a variable that differs between the arms becomes
//! a per-state boolean when both sides are booleans (`isLocal = true` in one arm, `false` in the
//! other), and unknown otherwise.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::state::Flow;
use super::state::State;
use super::value::{Concrete, Cond, StepsInfo, Text, Value};

#[derive(Clone)]
struct Frame<'a> {
    id: u32,
    parent: Option<usize>,
    /// A function was made in this frame: it is kept (retired) when closed, since that function
    /// may run later and read it.
    captured: bool,
    /// Shared between clones of the environment until one of them writes (branches clone the
    /// environment; most frames, like the global one with every helper function, do not change).
    vars: Rc<Vec<(Text<'a>, Value<'a>)>>,
}

/// A call frame that has returned but that a function created in it still closes over (the
/// module pattern: an IIFE returning an object of functions that use its private helpers).
#[derive(Clone)]
struct Retired<'a> {
    id: u32,
    parent: Option<u32>,
    vars: Rc<Vec<(Text<'a>, Value<'a>)>>,
}

#[derive(Clone)]
pub struct Env<'a> {
    frames: Vec<Frame<'a>>,
    next_id: u32,
    /// Frames kept after they closed, because a function was made in them.
    retired: Rc<Vec<Retired<'a>>>,
    /// More frames to keep than `MAX_RETIRED`: some closures lost their scope (the analysis is
    /// then incomplete).
    pub overflowed: bool,
}

/// How many closed frames are kept for closures.
const MAX_RETIRED: usize = 4096;

impl<'a> Env<'a> {
    /// An environment with just the global frame.
    pub fn new() -> Env<'a> {
        Env {
            frames: vec![Frame { id: 0, parent: None, captured: false, vars: Rc::default() }],
            next_id: 1,
            retired: Rc::default(),
            overflowed: false,
        }
    }

    /// The frame a function made now closes over; it is kept when it closes.
    pub fn capture(&mut self) -> u32 {
        match self.frames.last_mut() {
            Some(frame) => {
                frame.captured = true;
                frame.id
            }
            None => 0,
        }
    }

    /// Pushes a frame whose parent is the frame with id `parent`: on the stack, or brought back
    /// from the retired frames (a closure that outlived its creator's call), or else the global
    /// frame. Returns how many frames were pushed (`pop_frames` closes them).
    pub fn push_call(&mut self, parent: u32) -> usize {
        let before = self.frames.len();
        let parent = self.frame_index(parent);
        self.push(parent);
        self.frames.len() - before
    }

    /// The stack index of frame `id`, bringing it (and its parents) back from the retired frames
    /// when needed; the global frame when it is nowhere.
    fn frame_index(&mut self, id: u32) -> usize {
        if let Some(i) = self.frames.iter().rposition(|f| f.id == id) {
            return i;
        }
        let Some(retired) = self.retired.iter().find(|r| r.id == id).cloned() else { return 0 };
        let parent = retired.parent.map_or(0, |p| self.frame_index(p));
        self.frames.push(Frame { id: retired.id, parent: Some(parent), captured: true, vars: retired.vars });
        self.frames.len() - 1
    }

    /// Closes the `count` innermost frames. A frame a function was made in is kept (retired),
    /// with what was assigned in it, for when that function runs.
    pub fn pop_frames(&mut self, count: usize) {
        for _ in 0..count {
            if self.frames.len() <= 1 {
                return;
            }
            let Some(frame) = self.frames.pop() else { return };
            if !frame.captured {
                continue;
            }
            let parent = frame.parent.and_then(|i| self.frames.get(i)).map(|p| p.id);
            match self.retired.iter().position(|r| r.id == frame.id) {
                Some(i) if Rc::ptr_eq(&self.retired[i].vars, &frame.vars) => {}
                Some(i) => Rc::make_mut(&mut self.retired)[i].vars = frame.vars,
                None if self.retired.len() >= MAX_RETIRED => self.overflowed = true,
                None => {
                    Rc::make_mut(&mut self.retired).push(Retired { id: frame.id, parent, vars: frame.vars })
                }
            }
        }
    }

    /// Pushes a block frame inside the innermost frame.
    pub fn push_block(&mut self) {
        self.push(self.frames.len() - 1);
    }

    fn push(&mut self, parent: usize) {
        let id = self.next_id;
        self.next_id += 1;
        self.frames.push(Frame { id, parent: Some(parent), captured: false, vars: Rc::default() });
    }

    /// How many frames are open.
    pub fn depth(&self) -> usize {
        self.frames.len()
    }

    /// Closes the frames above the first `depth` (the blocks a jump left).
    pub fn truncate(&mut self, depth: usize) {
        self.frames.truncate(depth.max(1));
    }

    pub fn pop(&mut self) {
        self.pop_frames(1);
    }

    /// Declares `name` in the innermost frame.
    pub fn declare(&mut self, name: &'a str, value: Value<'a>) {
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        let vars = Rc::make_mut(&mut frame.vars);
        match vars.iter_mut().find(|(k, _)| &**k == name) {
            Some(slot) => slot.1 = value,
            None => vars.push((Text::Script(name), value)),
        }
    }

    /// Declares `name` in the innermost *function* frame, as `var` does, unless it exists there.
    pub fn declare_var(&mut self, name: &'a str) {
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        if !frame.vars.iter().any(|(k, _)| &**k == name) {
            Rc::make_mut(&mut frame.vars).push((Text::Script(name), Value::Undefined));
        }
    }

    fn find(&self, name: &str) -> Option<(usize, usize)> {
        let mut index = Some(self.frames.len() - 1);
        while let Some(i) = index {
            let frame = &self.frames[i];
            if let Some(j) = frame.vars.iter().position(|(k, _)| &**k == name) {
                return Some((i, j));
            }
            index = frame.parent;
        }
        None
    }

    pub fn lookup(&self, name: &str) -> Option<&Value<'a>> {
        self.find(name).map(|(i, j)| &self.frames[i].vars[j].1)
    }

    /// Assigns to the nearest binding of `name`, or creates a global (sloppy-mode JavaScript).
    pub fn assign(&mut self, name: &'a str, value: Value<'a>) {
        match self.find(name) {
            Some((i, j)) => Rc::make_mut(&mut self.frames[i].vars)[j].1 = value,
            None => Rc::make_mut(&mut self.frames[0].vars).push((Text::Script(name), value)),
        }
    }

    /// Changes the array or object `shared` (an array or object value) to `new` wherever it is
    /// held: every variable holding it (aliases see the change, as in JavaScript). A variable
    /// holding it inside another array or object becomes unknown: rebuilding the container would
    /// break the container's own aliases.
    pub fn replace_shared(&mut self, shared: &Value<'a>, new: Value<'a>) {
        let is_it = |v: &Value<'a>| match (v, shared) {
            (Value::Array(a), Value::Array(b)) => Rc::ptr_eq(a, b),
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            _ => false,
        };
        if !matches!(shared, Value::Array(_) | Value::Object(_)) {
            return;
        }
        let replace = |vars: &mut Rc<Vec<(Text<'a>, Value<'a>)>>| {
            if !vars.iter().any(|(_, v)| is_it(v) || contains(v, shared)) {
                return;
            }
            for (_, value) in Rc::make_mut(vars).iter_mut() {
                if is_it(value) {
                    *value = new.clone();
                } else if contains(value, shared) {
                    *value = Value::Unknown;
                }
            }
        };
        for frame in &mut self.frames {
            replace(&mut frame.vars);
        }
        // Frames kept for closures hold it too.
        if self.retired.iter().any(|r| r.vars.iter().any(|(_, v)| is_it(v) || contains(v, shared))) {
            for retired in Rc::make_mut(&mut self.retired).iter_mut() {
                replace(&mut retired.vars);
            }
        }
    }

    /// Makes every array and object reachable from `value` unknown wherever it is held: what a
    /// function the analysis does not know may have changed.
    pub fn widen_reachable(&mut self, value: &Value<'a>) {
        let parts: Vec<Value<'a>> = reachable(value).into_iter().cloned().collect();
        for part in parts {
            self.replace_shared(&part, Value::Unknown);
        }
    }

    /// The variables whose value differs in `after` (same frames): (frame id, name, new value).
    pub fn changes(&self, after: &Env<'a>) -> Vec<(u32, Text<'a>, Value<'a>)> {
        let mut out = Vec::new();
        for frame in &self.frames {
            let Some(other) = after.frames.iter().find(|f| f.id == frame.id) else {
                continue;
            };
            if Rc::ptr_eq(&frame.vars, &other.vars) {
                continue;
            }
            for (name, value) in other.vars.iter() {
                let old = frame.vars.iter().find(|(k, _)| k == name).map(|(_, v)| v);
                if old.is_none_or(|o| !o.same(value)) {
                    out.push((frame.id, name.clone(), value.clone()));
                }
            }
        }
        // Frames kept for closures too (a callback that calls `counter.bump()`).
        if !Rc::ptr_eq(&self.retired, &after.retired) {
            for theirs in after.retired.iter() {
                let mine = self.retired.iter().find(|r| r.id == theirs.id);
                if mine.is_some_and(|m| Rc::ptr_eq(&m.vars, &theirs.vars)) {
                    continue;
                }
                for (name, value) in theirs.vars.iter() {
                    let old = mine.and_then(|m| m.vars.iter().find(|(k, _)| k == name)).map(|(_, v)| v);
                    if old.is_none_or(|o| !o.same(value)) {
                        out.push((theirs.id, name.clone(), value.clone()));
                    }
                }
            }
        }
        out
    }

    /// Whether a variable that exists in this environment (on the stack or in a kept frame) has
    /// another value in `after`.
    pub fn changed_in(&self, after: &Env<'a>) -> bool {
        let differs = |mine: &Rc<Vec<(Text<'a>, Value<'a>)>>, theirs: &Rc<Vec<(Text<'a>, Value<'a>)>>| {
            !Rc::ptr_eq(mine, theirs)
                && mine.iter().any(|(name, value)| {
                    theirs.iter().find(|(k, _)| k == name).is_some_and(|(_, v)| !v.same(value))
                })
        };
        self.frames
            .iter()
            .any(|f| after.frames.iter().find(|g| g.id == f.id).is_some_and(|g| differs(&f.vars, &g.vars)))
            || self.retired.iter().any(|r| {
                after.retired.iter().find(|g| g.id == r.id).is_some_and(|g| differs(&r.vars, &g.vars))
            })
    }

    /// Whether some variable holds the array or object `shared` (directly or inside another).
    pub fn holds(&self, shared: &Value<'a>) -> bool {
        let Some(target) = identity(shared) else { return false };
        let held = |vars: &Rc<Vec<(Text<'a>, Value<'a>)>>| {
            vars.iter().any(|(_, v)| reachable(v).iter().any(|r| identity(r) == Some(target)))
        };
        self.frames.iter().any(|f| held(&f.vars)) || self.retired.iter().any(|r| held(&r.vars))
    }

    /// Sets the variables listed, in the frames that still exist (on the stack or kept).
    pub fn apply(&mut self, writes: &[(u32, Text<'a>, Value<'a>)]) {
        let set = |vars: &mut Rc<Vec<(Text<'a>, Value<'a>)>>, name: &Text<'a>, value: &Value<'a>| {
            let vars = Rc::make_mut(vars);
            match vars.iter_mut().find(|(k, _)| k == name) {
                Some(slot) => slot.1 = value.clone(),
                None => vars.push((name.clone(), value.clone())),
            }
        };
        for (frame_id, name, value) in writes {
            if let Some(frame) = self.frames.iter_mut().find(|f| f.id == *frame_id) {
                set(&mut frame.vars, name, value);
            } else if let Some(i) = self.retired.iter().position(|r| r.id == *frame_id) {
                set(&mut Rc::make_mut(&mut self.retired)[i].vars, name, value);
            }
        }
    }

    /// The name of a variable in scope (not shadowed) whose value satisfies `pred`, preferring
    /// `context`.
    pub fn name_holding(&self, pred: impl Fn(&Value<'a>) -> bool) -> Option<Text<'a>> {
        if self.lookup("context").is_some_and(&pred) {
            return Some(Text::Script("context"));
        }
        let mut index = Some(self.frames.len() - 1);
        while let Some(i) = index {
            for (name, value) in self.frames[i].vars.iter() {
                if pred(value) && self.lookup(name).is_some_and(&pred) {
                    return Some(name.clone());
                }
            }
            index = self.frames[i].parent;
        }
        None
    }

    /// Whether every variable holds the same value in both environments.
    pub fn same(&self, other: &Env<'a>) -> bool {
        self.frames.len() == other.frames.len()
            && self.frames.iter().zip(&other.frames).all(|(a, b)| {
                Rc::ptr_eq(&a.vars, &b.vars)
                    || a.vars.len() == b.vars.len()
                        && a.vars.iter().all(|(k, v)| b.vars.iter().any(|(k2, v2)| k == k2 && v.same(v2)))
            })
    }

    /// The environment after two arms merge: `self` held on `flow_a`, `other` on `flow_b`.
    /// With `widen`, values that differ become unknown (used by loops to reach a fixpoint).
    pub fn join(&mut self, flow_a: &Flow, other: &Env<'a>, flow_b: &Flow, info: &StepsInfo, widen: bool) {
        if flow_b.is_empty() {
            return;
        }
        if flow_a.is_empty() {
            *self = other.clone();
            return;
        }
        for (i, frame) in self.frames.iter_mut().enumerate() {
            let Some(other_frame) = other.frames.get(i) else {
                continue;
            };
            if Rc::ptr_eq(&frame.vars, &other_frame.vars) {
                continue;
            }
            let vars = Rc::make_mut(&mut frame.vars);
            for (name, value) in vars.iter_mut() {
                let theirs = other_frame.vars.iter().find(|(k, _)| k == name).map(|(_, v)| v);
                *value = match theirs {
                    Some(v) if value.same(v) => value.clone(),
                    Some(_) if widen => Value::Unknown,
                    Some(v) => join_values(value, flow_a, v, flow_b, info),
                    None => Value::Unknown,
                };
            }
            for (name, _) in other_frame.vars.iter() {
                if !vars.iter().any(|(k, _)| k == name) {
                    vars.push((name.clone(), Value::Unknown));
                }
            }
        }
        // Retired frames: a variable whose value differs between the two is unknown.
        if !Rc::ptr_eq(&self.retired, &other.retired) {
            let theirs = other.retired.clone();
            for mine in Rc::make_mut(&mut self.retired).iter_mut() {
                match theirs.iter().find(|r| r.id == mine.id) {
                    Some(r) if Rc::ptr_eq(&r.vars, &mine.vars) => {}
                    Some(r) => {
                        for (name, value) in Rc::make_mut(&mut mine.vars).iter_mut() {
                            let same = r.vars.iter().any(|(k, v)| k == name && v.same(value));
                            if !same {
                                *value = Value::Unknown;
                            }
                        }
                    }
                    None => {}
                }
            }
            for r in theirs.iter() {
                if !self.retired.iter().any(|m| m.id == r.id) {
                    Rc::make_mut(&mut self.retired).push(r.clone());
                }
            }
        }
    }
}

/// The address of an array or object value (its identity), if it is one.
pub fn identity(value: &Value) -> Option<usize> {
    match value {
        Value::Array(items) => Some(Rc::as_ptr(items) as *const u8 as usize),
        Value::Object(props) => Some(Rc::as_ptr(props) as *const u8 as usize),
        _ => None,
    }
}

/// Every array and object reachable from `value` (itself included), each once: a structure that
/// holds the same array many times (or many levels deep) is walked in time linear in its distinct
/// parts.
pub fn reachable<'v, 'a>(value: &'v Value<'a>) -> Vec<&'v Value<'a>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        let Some(id) = identity(v) else { continue };
        if !seen.insert(id) {
            continue;
        }
        out.push(v);
        match v {
            Value::Array(items) => stack.extend(items.iter()),
            Value::Object(props) => stack.extend(props.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    out
}

/// Whether `container` holds `shared` (an array or object) somewhere inside it.
fn contains<'a>(container: &Value<'a>, shared: &Value<'a>) -> bool {
    let Some(target) = identity(shared) else { return false };
    reachable(container).iter().skip(1).any(|v| identity(v) == Some(target))
}

/// The primitive each value is on each state of its flow, as one per-state value; a state on
/// two sides with different values (or an unknown one) is left out, which reads as unknown.
pub fn per_state<'a, 'f>(
    sides: impl IntoIterator<Item = (&'f Value<'a>, &'f Flow)>,
    info: &StepsInfo,
) -> Value<'a>
where
    'a: 'f,
{
    let mut table: BTreeMap<State, Concrete> = BTreeMap::new();
    let mut unknown: Vec<State> = Vec::new();
    for (value, flow) in sides {
        for state in flow.keys() {
            match value.concrete(state, info) {
                Some(c) => {
                    if let Some(prev) = table.insert(state.clone(), c.clone())
                        && prev != c
                    {
                        unknown.push(state.clone());
                    }
                }
                None => unknown.push(state.clone()),
            }
        }
    }
    // The same value in every state: that value.
    if unknown.is_empty()
        && let Some(first) = table.values().next()
        && table.values().all(|v| v == first)
    {
        return first.to_value();
    }
    for state in unknown {
        table.remove(&state);
    }
    Value::PerState(Rc::new(table))
}

fn booleanish(v: &Value) -> bool {
    matches!(v, Value::Bool(_) | Value::Cond(_))
}

/// One value for two that held on two sets of states.
pub fn join_values<'a>(
    a: &Value<'a>,
    flow_a: &Flow,
    b: &Value<'a>,
    flow_b: &Flow,
    info: &StepsInfo,
) -> Value<'a> {
    if flow_b.is_empty() || a.same(b) {
        return a.clone();
    }
    if flow_a.is_empty() {
        return b.clone();
    }
    if !(booleanish(a) && booleanish(b)) {
        // Two primitives (or values that differ per state): the value per state.
        return if a.is_primitive() && b.is_primitive() {
            per_state([(a, flow_a), (b, flow_b)], info)
        } else {
            Value::Unknown
        };
    }
    // Tabulate each side on its own states; a state on both sides with different values (or an
    // unknown value) is left out, which reads as unknown.
    let mut table = BTreeMap::new();
    let mut conflicts = Vec::new();
    for (value, flow) in [(a, flow_a), (b, flow_b)] {
        for state in flow.keys() {
            match value.truthy(state, info) {
                Some(x) => {
                    if let Some(prev) = table.insert(state.clone(), x)
                        && prev != x
                    {
                        conflicts.push(state.clone());
                    }
                }
                None => conflicts.push(state.clone()),
            }
        }
    }
    for state in conflicts {
        table.remove(&state);
    }
    Value::Cond(Rc::new(Cond::Table(table)))
}
