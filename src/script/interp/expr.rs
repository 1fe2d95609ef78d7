//! Expressions: literals, names, objects and arrays, member reads, operators and assignments.
//!
//! Evaluating an expression gives an abstract value and may move the flow on (through the calls
//! it makes, see `calls`). `member` and the key helpers say which property `o.key` / `o[key]`
//! reads and what it holds.

use std::borrow::Cow;
use std::rc::Rc;

use swc_ecma_ast::*;

use super::framework::CalleeName;
use super::{Interp, RED_ZONE, STACK_SEGMENT, collect_names, collect_object_names};
use crate::script::env::{Env, join_values};
use crate::script::state::{Flow, join_arms, union};
use crate::script::value::{Closure, Code, Concrete, Cond, Field, OPEN_KEY, Text, Value};

impl<'a> Interp<'a> {
    // ----- expressions ------------------------------------------------------------------------

    /// Evaluates `e` in every state of `flow`; calls in `e` may move `flow` on.
    pub(super) fn eval(&mut self, e: &'a Expr, flow: &mut Flow, env: &mut Env<'a>) -> Value<'a> {
        if !self.enter() {
            return Value::Unknown;
        }
        // The nesting limit bounds the depth; the stack grows when the thread's runs short.
        let value = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.eval_inner(e, flow, env));
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
                        // A hole: reads as undefined, but `indexOf`, `in` and `forEach` skip it.
                        None => Value::Unknown,
                    });
                }
                Value::Array(Rc::new(items))
            }
            Expr::Object(o) => self.eval_object(o, flow, env),
            Expr::Fn(f) => Value::Func(Closure { code: Code::Function(&f.function), frame: env.capture() }),
            Expr::Arrow(a) => Value::Func(Closure { code: Code::Arrow(a), frame: env.capture() }),
            // `delete o.x`: the object changes (for every variable holding it).
            Expr::Unary(u) if u.op == UnaryOp::Delete => {
                if let Expr::Member(m) = u.arg.unwrap_parens() {
                    let object = self.eval(&m.obj, flow, env);
                    env.replace_shared(&object, Value::Unknown);
                } else {
                    self.eval(&u.arg, flow, env);
                }
                Value::Unknown
            }
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
                match &*u.arg {
                    // `i++` on a known number stays known (loops over known arrays count with it).
                    Expr::Ident(id) => {
                        let step = if u.op == UpdateOp::PlusPlus { 1.0 } else { -1.0 };
                        match env.lookup(&id.sym) {
                            Some(Value::Num(n)) => {
                                let (old, new) = (*n, *n + step);
                                env.assign(&id.sym, Value::Num(new));
                                return Value::Num(if u.prefix { new } else { old });
                            }
                            _ => env.assign(&id.sym, Value::Unknown),
                        }
                    }
                    // `o.count++`, `list[i]++`: the object or array changes.
                    Expr::Member(m) => {
                        let object = self.eval(&m.obj, flow, env);
                        env.replace_shared(&object, Value::Unknown);
                    }
                    other => {
                        self.eval(other, flow, env);
                    }
                }
                Value::Unknown
            }
            Expr::Bin(b) => self.eval_binary(b, flow, env),
            Expr::Assign(a) => self.eval_assign(a, flow, env),
            Expr::Member(m) => {
                let obj = self.eval(&m.obj, flow, env);
                let value = match &m.prop {
                    // `map[context.steps[1].idp]`: the key differs per state, so does the value.
                    MemberProp::Computed(c) => {
                        let key = self.eval(&c.expr, flow, env);
                        self.member_of(&obj, &key, flow)
                    }
                    prop => {
                        let key = self.member_key(prop, flow, env);
                        member(&obj, key.as_deref())
                    }
                };
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
        // A spread, a getter or setter, a key the analysis cannot tell, or `__proto__`: the
        // object may have properties it does not list.
        let mut open = false;
        for p in &o.props {
            match p {
                PropOrSpread::Prop(prop) => match &**prop {
                    Prop::KeyValue(kv) => {
                        let value = self.eval(&kv.value, flow, env);
                        match self.prop_name(&kv.key, flow, env) {
                            Some(key) if key == "__proto__" => open = true,
                            Some(key) => props.push((text(key), value)),
                            None => open = true,
                        }
                    }
                    Prop::Shorthand(id) => {
                        let value = env.lookup(&id.sym).cloned().unwrap_or(Value::Unknown);
                        props.push((Text::Script(&id.sym), value));
                    }
                    Prop::Method(m) => match self.prop_name(&m.key, flow, env) {
                        Some(key) => {
                            let closure = Closure { code: Code::Function(&m.function), frame: env.capture() };
                            props.push((text(key), Value::Func(closure)));
                        }
                        None => open = true,
                    },
                    _ => open = true,
                },
                PropOrSpread::Spread(s) => {
                    self.eval(&s.expr, flow, env);
                    open = true;
                }
            }
        }
        if open {
            props.push((Text::Script(OPEN_KEY), Value::Unknown));
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
                    // `(isLocal && 2) || 0`: a value, not a boolean: the operand it is, per state.
                    (BinaryOp::LogicalAnd | BinaryOp::LogicalOr, ..)
                        if left.is_primitive()
                            && right.is_primitive()
                            && !(booleanish(&left) && booleanish(&right)) =>
                    {
                        let and = b.op == BinaryOp::LogicalAnd;
                        self.per_state_value(flow, |state| {
                            let pick = match (left.truthy(state, self.info)?, and) {
                                (true, true) | (false, false) => &right,
                                _ => &left,
                            };
                            Some(pick.concrete(state, self.info)?.to_value())
                        })
                    }
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
                    // Strings the analysis builds stay small: a guard compares names.
                    (Value::Str(a), Value::Str(b)) if a.len() + b.len() <= MAX_STRING => {
                        Value::str(&format!("{a}{b}"))
                    }
                    (Value::Num(a), Value::Num(b)) => Value::Num(a + b),
                    _ => Value::Unknown,
                }
            }
            // `list.indexOf(idp) >= 0`, `n > 1`: compared state by state.
            BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => {
                let left = self.eval(&b.left, flow, env);
                let right = self.eval(&b.right, flow, env);
                if !(left.is_primitive() && right.is_primitive()) {
                    return Value::Unknown;
                }
                let op = b.op;
                self.per_state_value(flow, |state| {
                    let (a, b) = (left.concrete(state, self.info)?, right.concrete(state, self.info)?);
                    // Exact for two numbers or two strings; other mixes (coercions) are not followed.
                    let ordering = match (&a, &b) {
                        (Concrete::Str(x), Concrete::Str(y)) => Some(x.encode_utf16().cmp(y.encode_utf16())),
                        (Concrete::Num(x), Concrete::Num(y)) => x.partial_cmp(y),
                        _ => return None,
                    };
                    // A comparison with NaN is false whatever the operator.
                    let holds = ordering.is_some_and(|o| match op {
                        BinaryOp::Lt => o.is_lt(),
                        BinaryOp::LtEq => o.is_le(),
                        BinaryOp::Gt => o.is_gt(),
                        _ => o.is_ge(),
                    });
                    Some(Value::Bool(holds))
                })
            }
            // `idp in map`.
            BinaryOp::In => {
                let key = self.eval(&b.left, flow, env);
                let obj = self.eval(&b.right, flow, env);
                match &obj {
                    Value::Object(_) | Value::Array(_) => self.per_state_value(flow, |state| {
                        let name = property_name(&key.concrete(state, self.info)?)?;
                        // Inherited names (`'toString' in o`): not followed.
                        if INHERITED.contains(&name.as_str()) {
                            return None;
                        }
                        let found = match &obj {
                            // An index or `length`; any other name may be a method (`'push' in []`).
                            Value::Array(items) => match name.parse::<usize>() {
                                Ok(i) => i < items.len(),
                                Err(_) if name == "length" => true,
                                Err(_) => return None,
                            },
                            _ if obj.prop(&name).is_none() && obj.is_open() => return None,
                            _ => obj.prop(&name).is_some(),
                        };
                        Some(Value::Bool(found))
                    }),
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
        let value = match a.op {
            AssignOp::Assign => self.freeze(value, flow),
            // `i += 1`, `s += 'x'` on a variable of known value.
            AssignOp::AddAssign | AssignOp::SubAssign => match (&a.left, &value) {
                (AssignTarget::Simple(SimpleAssignTarget::Ident(id)), _) => {
                    match (env.lookup(&id.id.sym), &value, a.op) {
                        (Some(Value::Num(x)), Value::Num(y), AssignOp::AddAssign) => Value::Num(x + y),
                        (Some(Value::Num(x)), Value::Num(y), _) => Value::Num(x - y),
                        (Some(Value::Str(x)), Value::Str(y), AssignOp::AddAssign)
                            if x.len() + y.len() <= MAX_STRING =>
                        {
                            Value::str(&format!("{x}{y}"))
                        }
                        _ => Value::Unknown,
                    }
                }
                _ => Value::Unknown,
            },
            _ => Value::Unknown,
        };
        match &a.left {
            AssignTarget::Simple(SimpleAssignTarget::Ident(id)) => env.assign(&id.id.sym, value.clone()),
            AssignTarget::Simple(SimpleAssignTarget::Member(m)) => {
                // `options.stepOptions = {...}`, `list[0] = 'x'`: the array or object changes for
                // every variable that holds it; where the change cannot be followed exactly, it
                // becomes unknown.
                let object = self.eval(&m.obj, flow, env);
                let key = match &m.prop {
                    MemberProp::Computed(c) => {
                        let key = self.eval(&c.expr, flow, env);
                        key.concrete_key().map(Cow::into_owned)
                    }
                    prop => self.member_key(prop, flow, env).map(Cow::into_owned),
                };
                let updated = match (&object, key) {
                    // An existing property keeps its place (for-in order), a new one goes last.
                    (Value::Object(props), Some(key)) => {
                        let mut props = (**props).clone();
                        match props.iter().rposition(|(k, _)| **k == *key) {
                            Some(i) => props[i].1 = value.clone(),
                            None => props.push((Text::shared(&key), value.clone())),
                        }
                        Value::Object(Rc::new(props))
                    }
                    (Value::Array(items), Some(key)) => match key.parse::<usize>() {
                        // An element, or the next one: exact. Past the end it would leave holes,
                        // which are not `undefined` (`in`, `forEach` skip them): unknown.
                        Ok(i) if i <= items.len() => {
                            let mut items = (**items).clone();
                            if i == items.len() {
                                items.push(value.clone());
                            } else {
                                items[i] = value.clone();
                            }
                            Value::Array(Rc::new(items))
                        }
                        _ => Value::Unknown,
                    },
                    _ => Value::Unknown,
                };
                env.replace_shared(&object, updated);
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
}

/// A boolean, or a condition (a boolean per state).
fn booleanish(v: &Value) -> bool {
    matches!(v, Value::Bool(_) | Value::Cond(_))
}

/// Names every object inherits (`Object.prototype`), and arrays' own methods' holders.
const INHERITED: &[&str] = &[
    "toString",
    "toLocaleString",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "constructor",
    "__proto__",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
];

/// Longer strings built by concatenation are unknown (a loop doubling a string must not fill the
/// memory).
const MAX_STRING: usize = 4096;

impl<'a> Interp<'a> {
    /// `obj[key]` where the key is a value: per state when the key depends on the state.
    pub(super) fn member_of(&self, obj: &Value<'a>, key: &Value<'a>, flow: &Flow) -> Value<'a> {
        if !key.depends_on_state() {
            return member(obj, key.concrete_key().as_deref());
        }
        if !matches!(obj, Value::Object(_) | Value::Array(_)) {
            return Value::Unknown;
        }
        self.per_state_value(flow, |state| {
            let name = property_name(&key.concrete(state, self.info)?)?;
            Some(member(obj, Some(&name)))
        })
    }
}

/// The property name a primitive key reads (`map[1]` reads `"1"`).
pub(super) fn property_name(key: &Concrete) -> Option<String> {
    match key {
        Concrete::Str(s) => Some(s.to_string()),
        Concrete::Num(n) => Some(number_key(*n).into_owned()),
        Concrete::Bool(b) => Some(b.to_string()),
        Concrete::Undefined => Some("undefined".into()),
        Concrete::Null => Some("null".into()),
    }
}

/// `obj.key` / `obj[key]` on abstract values.
pub(super) fn member<'a>(obj: &Value<'a>, key: Option<&str>) -> Value<'a> {
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
        // A property the object does not list: undefined, unless the object may have more than it
        // lists, or the name is one every object inherits.
        Value::Object(_) => obj.prop(key).cloned().unwrap_or_else(|| {
            if obj.is_open() || INHERITED.contains(&key) { Value::Unknown } else { Value::Undefined }
        }),
        Value::Array(items) => match key.parse::<usize>() {
            Ok(i) => items.get(i).cloned().unwrap_or(Value::Undefined),
            Err(_) if key == "length" => Value::Num(items.len() as f64),
            Err(_) => Value::Unknown,
        },
        Value::Str(s) if key == "length" => Value::Num(s.chars().count() as f64),
        _ => Value::Unknown,
    }
}

pub(super) fn prop_key_is(key: &PropName, name: &str) -> bool {
    match key {
        PropName::Ident(id) => &*id.sym == name,
        PropName::Str(s) => s.value.to_string_lossy() == name,
        _ => false,
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
