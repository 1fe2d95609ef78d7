//! Abstract values: just enough of JavaScript's values to decide guards.
//!
//! String constants, the `context` object and its `steps`, step fields (`context.steps[1].idp`),
//! booleans computed from guards, object and array literals (for `executeStep` options and
//! callbacks), and functions. Everything else is [`Value::Unknown`]. A boolean that depends on
//! which options earlier steps used is a [`Cond`], evaluated per state.

use std::collections::BTreeMap;
use std::rc::Rc;

use swc_ecma_ast::{ArrowExpr, Function};

use super::state::State;

/// The key that marks an object literal as open (it may have properties it does not list): no
/// script can write it as a name.
pub const OPEN_KEY: &str = "\u{0}open";

/// The facts about the application's steps that guard evaluation needs.
pub struct StepsInfo {
    /// Per configured step (in configuration order): its id and its options' (idp, authenticator).
    pub steps: Vec<(u32, Vec<(String, String)>)>,
    /// Per step: whether anything can tell its options apart (the script reads
    /// `context.steps[n]`, or the step is or may become the subject). Steps nobody observes keep
    /// one state for all their options: without this, states multiply with every step's options.
    pub observed: Vec<bool>,
}

impl StepsInfo {
    pub fn index_of(&self, id: u32) -> Option<usize> {
        self.steps.iter().position(|(s, _)| *s == id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Idp,
    Authenticator,
}

/// A function value: the code, and the id of the frame it was created in (its closure).
#[derive(Clone, Copy)]
pub struct Closure<'a> {
    pub code: Code<'a>,
    pub frame: u32,
}

#[derive(Clone, Copy)]
pub enum Code<'a> {
    Function(&'a Function),
    Arrow(&'a ArrowExpr),
}

impl Code<'_> {
    /// Identity of the code, for recursion detection.
    pub fn key(&self) -> usize {
        match self {
            Code::Function(f) => *f as *const Function as usize,
            Code::Arrow(a) => *a as *const ArrowExpr as usize,
        }
    }
}

/// A string the analysis holds: borrowed from the script when it is written there (names,
/// keys and string literals: no allocation), shared otherwise (`'a' + b`).
#[derive(Clone)]
pub enum Text<'a> {
    Script(&'a str),
    Shared(Rc<str>),
}

impl<'a> Text<'a> {
    /// A string the script does not hold as such.
    pub fn shared(s: &str) -> Text<'a> {
        Text::Shared(Rc::from(s))
    }

    /// The string as an `Rc`, for what outlives the analysis of the script (traces).
    pub fn to_rc(&self) -> Rc<str> {
        match self {
            Text::Script(s) => Rc::from(*s),
            Text::Shared(s) => s.clone(),
        }
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Text::Script(s) => s,
            Text::Shared(s) => s,
        }
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Text<'_>) -> bool {
        match (self, other) {
            // Names in a script are interned by the parser: the same name is usually the same
            // pointer.
            (Text::Script(a), Text::Script(b)) if std::ptr::eq(*a, *b) => true,
            _ => **self == **other,
        }
    }
}

impl Eq for Text<'_> {}

impl std::fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl std::fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

#[derive(Clone)]
pub enum Value<'a> {
    Unknown,
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(Text<'a>),
    /// The `context` argument of `onLoginRequest` and of callbacks.
    Context,
    /// `context.steps`.
    Steps,
    /// `context.steps[n]` for step id `n`.
    Step(u32),
    /// `context.steps[n].idp` or `.authenticator`.
    StepField(u32, Field),
    Cond(Rc<Cond>),
    Object(Rc<Vec<(Text<'a>, Value<'a>)>>),
    Array(Rc<Vec<Value<'a>>>),
    Func(Closure<'a>),
    /// A primitive that depends on the state: a variable assigned different values on the arms
    /// of a condition, `map[context.steps[1].idp]`, `list.indexOf(idp)`. States not listed are
    /// unknown (the table is made for the states of one flow; states that move on leave it).
    PerState(Rc<BTreeMap<State, Concrete>>),
}

impl<'a> Value<'a> {
    pub fn str(s: &str) -> Value<'a> {
        Value::Str(Text::shared(s))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the value is an object that may have properties it does not list (a spread, a
    /// getter, a computed key in its literal).
    pub fn is_open(&self) -> bool {
        matches!(self, Value::Object(props) if props.iter().any(|(k, _)| &**k == OPEN_KEY))
    }

    pub fn prop(&self, name: &str) -> Option<&Value<'a>> {
        match self {
            Value::Object(props) => props.iter().rev().find(|(k, _)| &**k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The operand form of a value, when guards can compare it.
    pub fn operand(&self) -> Option<Operand> {
        Some(match self {
            Value::Undefined => Operand::Undefined,
            Value::Null => Operand::Null,
            Value::Bool(b) => Operand::Bool(*b),
            Value::Num(n) => Operand::Num(*n),
            Value::Str(s) => Operand::Str(s.to_rc()),
            Value::StepField(n, f) => Operand::StepField(*n, *f),
            Value::PerState(t) => Operand::Table(t.clone()),
            _ => return None,
        })
    }

    /// The primitive this value is in one state, when it is one and known there.
    pub fn concrete(&self, state: &State, info: &StepsInfo) -> Option<Concrete> {
        match self {
            Value::Cond(c) => c.eval(state, info).map(Concrete::Bool),
            other => other.operand()?.resolve(state, info),
        }
    }

    /// Whether the value is a primitive (possibly per state), as opposed to an object, a
    /// function or unknown.
    pub fn is_primitive(&self) -> bool {
        matches!(
            self,
            Value::Undefined
                | Value::Null
                | Value::Bool(_)
                | Value::Num(_)
                | Value::Str(_)
                | Value::StepField(..)
                | Value::Cond(_)
                | Value::PerState(_)
        )
    }

    /// The property name a constant key reads (`o['a']`, `a[1]`).
    pub fn concrete_key(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Value::Str(s) => Some(std::borrow::Cow::Borrowed(&**s)),
            Value::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                Some(std::borrow::Cow::Owned(format!("{}", *n as i64)))
            }
            Value::Num(n) => Some(std::borrow::Cow::Owned(n.to_string())),
            _ => None,
        }
    }

    /// Whether the value can differ between states (so operations on it are made per state).
    pub fn depends_on_state(&self) -> bool {
        matches!(self, Value::StepField(..) | Value::Cond(_) | Value::PerState(_))
    }

    /// Whether two values are certainly the same (used when joining branches).
    pub fn same(&self, other: &Value<'a>) -> bool {
        match (self, other) {
            (Value::Unknown, Value::Unknown)
            | (Value::Undefined, Value::Undefined)
            | (Value::Null, Value::Null)
            | (Value::Context, Value::Context)
            | (Value::Steps, Value::Steps) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Num(a), Value::Num(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Step(a), Value::Step(b)) => a == b,
            (Value::StepField(a, f), Value::StepField(b, g)) => a == b && f == g,
            (Value::Cond(a), Value::Cond(b)) => Rc::ptr_eq(a, b),
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            (Value::Array(a), Value::Array(b)) => Rc::ptr_eq(a, b),
            (Value::Func(a), Value::Func(b)) => a.code.key() == b.code.key() && a.frame == b.frame,
            (Value::PerState(a), Value::PerState(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Truthiness in one state: `Some(b)` when known.
    pub fn truthy(&self, state: &State, info: &StepsInfo) -> Option<bool> {
        match self {
            Value::Unknown => None,
            Value::Undefined | Value::Null => Some(false),
            Value::Bool(b) => Some(*b),
            Value::Num(n) => Some(*n != 0.0 && !n.is_nan()),
            Value::Str(s) => Some(!s.is_empty()),
            Value::Context | Value::Steps | Value::Object(_) | Value::Array(_) | Value::Func(_) => Some(true),
            // `context.steps[n]` for a step that has not run: the server's object may or may not
            // be falsy; its fields are.
            Value::Step(n) => match info.index_of(*n) {
                Some(i) if state.has_seen(i) => Some(true),
                _ => None,
            },
            Value::StepField(..) | Value::PerState(_) => {
                Operand::from_value(self)?.resolve(state, info).map(|c| c.truthy())
            }
            Value::Cond(c) => c.eval(state, info),
        }
    }

    /// The boolean condition this value stands for, when used as a test.
    pub fn to_cond(&self) -> Rc<Cond> {
        match self {
            Value::Cond(c) => c.clone(),
            other => Rc::new(match other.operand() {
                Some(op) => Cond::Truthy(op),
                None => match other {
                    Value::Context | Value::Steps | Value::Object(_) | Value::Array(_) | Value::Func(_) => {
                        Cond::Const(true)
                    }
                    Value::Step(n) => Cond::StepRan(*n),
                    _ => Cond::Unknown,
                },
            }),
        }
    }
}

/// A value a comparison can be made of.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    StepField(u32, Field),
    /// A primitive per state (`Value::PerState`).
    Table(Rc<BTreeMap<State, Concrete>>),
}

/// A concrete JavaScript primitive.
#[derive(Clone, Debug, PartialEq)]
pub enum Concrete {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
}

impl Concrete {
    /// The value it is.
    pub fn to_value<'a>(&self) -> Value<'a> {
        match self {
            Concrete::Undefined => Value::Undefined,
            Concrete::Null => Value::Null,
            Concrete::Bool(b) => Value::Bool(*b),
            Concrete::Num(n) => Value::Num(*n),
            Concrete::Str(s) => Value::Str(Text::Shared(s.clone())),
        }
    }

    /// The number it converts to for `<`, `>`, arithmetic (`Number(x)`), as far as guards use it.
    pub fn to_number(&self) -> Option<f64> {
        match self {
            Concrete::Num(n) => Some(*n),
            Concrete::Bool(b) => Some(f64::from(u8::from(*b))),
            Concrete::Null => Some(0.0),
            Concrete::Undefined => Some(f64::NAN),
            Concrete::Str(s) if s.trim().is_empty() => Some(0.0),
            // A plain decimal; JavaScript's other forms (`0x10`, `Infinity`) are not followed.
            Concrete::Str(s) => {
                let t = s.trim();
                t.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
                    .then(|| t.parse().ok())
                    .flatten()
            }
        }
    }

    pub fn truthy(&self) -> bool {
        match self {
            Concrete::Undefined | Concrete::Null => false,
            Concrete::Bool(b) => *b,
            Concrete::Num(n) => *n != 0.0 && !n.is_nan(),
            Concrete::Str(s) => !s.is_empty(),
        }
    }

    /// `==` (loose) or `===` (strict) between primitives, as far as guards use them.
    pub fn equals(&self, other: &Concrete, strict: bool) -> Option<bool> {
        use Concrete::*;
        Some(match (self, other) {
            (Undefined | Null, Undefined | Null) => !strict || self == other,
            (Undefined | Null, _) | (_, Undefined | Null) => false,
            (Str(a), Str(b)) => a == b,
            (Num(a), Num(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            // Mixed types: strict is false; loose coerces, which guards do not rely on.
            _ if strict => false,
            _ => return None,
        })
    }
}

impl Operand {
    fn from_value(v: &Value) -> Option<Operand> {
        v.operand()
    }

    /// The concrete value in one state: a step field reads what the script sees.
    pub fn resolve(&self, state: &State, info: &StepsInfo) -> Option<Concrete> {
        Some(match self {
            Operand::Undefined => Concrete::Undefined,
            Operand::Null => Concrete::Null,
            Operand::Bool(b) => Concrete::Bool(*b),
            Operand::Num(n) => Concrete::Num(*n),
            Operand::Str(s) => Concrete::Str(s.clone()),
            Operand::Table(t) => return t.get(state).cloned(),
            Operand::StepField(id, field) => {
                // A step that is not configured at all: its fields are undefined.
                let Some(index) = info.index_of(*id) else {
                    return Some(Concrete::Undefined);
                };
                if !state.has_seen(index) {
                    return Some(Concrete::Undefined);
                }
                match state.sees(index) {
                    // Ran, but with an option the analysis did not keep apart: unknown.
                    None => return None,
                    Some(option) => {
                        let (idp, authenticator) = info.steps.get(index)?.1.get(option)?;
                        Concrete::Str(Rc::from(match field {
                            Field::Idp => idp.as_str(),
                            Field::Authenticator => authenticator.as_str(),
                        }))
                    }
                }
            }
        })
    }
}

/// A boolean that may depend on the state.
#[derive(Debug)]
pub enum Cond {
    Const(bool),
    Unknown,
    /// `a == b`, `a === b`, `a != b`, `a !== b`.
    Eq {
        a: Operand,
        b: Operand,
        strict: bool,
        negated: bool,
    },
    Truthy(Operand),
    /// `context.steps[n]` has run (as the script sees it).
    StepRan(u32),
    Not(Rc<Cond>),
    And(Rc<Cond>, Rc<Cond>),
    Or(Rc<Cond>, Rc<Cond>),
    /// A boolean whose value was computed per state (a variable assigned in branches, a helper
    /// function's return value). States not listed are unknown.
    Table(BTreeMap<State, bool>),
}

impl Cond {
    /// The value in one state: `None` when the analysis cannot tell.
    pub fn eval(&self, state: &State, info: &StepsInfo) -> Option<bool> {
        match self {
            Cond::Const(b) => Some(*b),
            Cond::Unknown => None,
            Cond::Eq { a, b, strict, negated } => {
                let a = a.resolve(state, info)?;
                let b = b.resolve(state, info)?;
                a.equals(&b, *strict).map(|eq| eq != *negated)
            }
            Cond::Truthy(op) => op.resolve(state, info).map(|c| c.truthy()),
            Cond::StepRan(n) => match info.index_of(*n) {
                Some(i) if state.has_seen(i) => Some(true),
                _ => None,
            },
            Cond::Not(c) => c.eval(state, info).map(|b| !b),
            Cond::And(a, b) => match (a.eval(state, info), b.eval(state, info)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Cond::Or(a, b) => match (a.eval(state, info), b.eval(state, info)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            Cond::Table(t) => t.get(state).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> StepsInfo {
        StepsInfo {
            steps: vec![
                (
                    1,
                    vec![
                        ("LOCAL".into(), "BasicAuthenticator".into()),
                        ("Google".into(), "GoogleOIDCAuthenticator".into()),
                    ],
                ),
                (2, vec![("LOCAL".into(), "totp".into())]),
            ],
            observed: vec![true, true],
        }
    }

    fn state(step1: Slot) -> State {
        State::new(&[step1, 0], &[step1, 0], 0)
    }
    use super::super::state::Slot;

    fn idp_is(value: &str, strict: bool, negated: bool) -> Cond {
        Cond::Eq { a: Operand::StepField(1, Field::Idp), b: Operand::Str(value.into()), strict, negated }
    }

    #[test]
    fn comparisons_follow_the_option_the_step_ran_with() {
        let info = info();
        let local = idp_is("LOCAL", false, false);
        assert_eq!(local.eval(&state(1), &info), Some(true));
        assert_eq!(local.eval(&state(2), &info), Some(false));
        // Before step 1 ran its idp is undefined: the guard is false, its negation true.
        assert_eq!(local.eval(&state(0), &info), Some(false));
        assert_eq!(idp_is("LOCAL", true, true).eval(&state(0), &info), Some(true));
        assert_eq!(idp_is("Google", true, true).eval(&state(2), &info), Some(false));
    }

    #[test]
    fn unknown_conditions_stay_unknown_unless_decided_by_the_other_side() {
        let info = info();
        let local = Rc::new(idp_is("LOCAL", false, false));
        let unknown = Rc::new(Cond::Unknown);
        let and = Cond::And(unknown.clone(), local.clone());
        assert_eq!(and.eval(&state(2), &info), Some(false));
        assert_eq!(and.eval(&state(1), &info), None);
        let or = Cond::Or(unknown, local);
        assert_eq!(or.eval(&state(1), &info), Some(true));
        assert_eq!(or.eval(&state(2), &info), None);
    }
}
