//! The language's own methods that guards are written with: arrays used as allow- or deny-lists
//! (`indexOf`, `includes`, `some`, `every`, `find`, `filter`, `forEach`, `map`, and the methods
//! that change an array), strings (`toUpperCase`, `trim`, `startsWith`, ...), and
//! `hasOwnProperty`.
//!
//! Each works state by state where its receiver or argument depends on the state
//! (`['Google', 'Okta'].indexOf(context.steps[1].idp)`), so the conditions built on them split
//! states exactly. A method that changes an array changes it in every variable that holds it
//! (arrays are shared, not copied); where the change cannot be followed exactly, the array
//! becomes unknown. An array or object handed to a function the analysis does not know may be
//! changed by it: it becomes unknown too. Never a stale constant.

use std::rc::Rc;

use super::Interp;
use super::expr::property_name;
use crate::script::env::Env;
use crate::script::state::{Flow, State, union};
use crate::script::value::{Closure, Concrete, Value};

/// Array methods that change the array in place.
const MUTATING: &[&str] =
    &["push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin"];

impl<'a> Interp<'a> {
    /// `receiver.method(args)` for the built-in methods the analysis knows; `None` for any other
    /// call (the caller then calls the property as a function).
    pub(super) fn call_method(
        &mut self,
        receiver: &Value<'a>,
        method: &str,
        args: &[Value<'a>],
        flow: &mut Flow,
        env: &mut Env<'a>,
    ) -> Option<Value<'a>> {
        match receiver {
            Value::Array(items) => self.array_method(receiver, items, method, args, flow, env),
            Value::Object(_) if method == "hasOwnProperty" => {
                let key = args.first()?;
                Some(self.per_state_value(flow, |state| {
                    let name = property_name(&key.concrete(state, self.info)?)?;
                    match receiver.prop(&name) {
                        Some(_) => Some(Value::Bool(true)),
                        None if receiver.is_open() => None,
                        None => Some(Value::Bool(false)),
                    }
                }))
            }
            r if r.is_primitive() && !matches!(r, Value::Undefined | Value::Null) => {
                self.string_method(receiver, method, args, flow)
            }
            _ => None,
        }
    }

    fn array_method(
        &mut self,
        receiver: &Value<'a>,
        items: &Rc<Vec<Value<'a>>>,
        method: &str,
        args: &[Value<'a>],
        flow: &mut Flow,
        env: &mut Env<'a>,
    ) -> Option<Value<'a>> {
        let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Undefined);
        if MUTATING.contains(&method) {
            let changed: Option<(Vec<Value<'a>>, Value<'a>)> = match method {
                "push" => {
                    let mut new = items.to_vec();
                    new.extend(args.iter().cloned());
                    let len = new.len();
                    Some((new, Value::Num(len as f64)))
                }
                "unshift" => {
                    let mut new = args.to_vec();
                    new.extend(items.iter().cloned());
                    let len = new.len();
                    Some((new, Value::Num(len as f64)))
                }
                "pop" => {
                    let mut new = items.to_vec();
                    let last = new.pop().unwrap_or(Value::Undefined);
                    Some((new, last))
                }
                "shift" => {
                    let mut new = items.to_vec();
                    let first = if new.is_empty() { Value::Undefined } else { new.remove(0) };
                    Some((new, first))
                }
                // `splice`, `sort`, ...: not followed.
                _ => None,
            };
            return Some(match changed {
                Some((new, result)) => {
                    env.replace_shared(receiver, Value::Array(Rc::new(new)));
                    result
                }
                None => {
                    env.replace_shared(receiver, Value::Unknown);
                    Value::Unknown
                }
            });
        }
        match method {
            "indexOf" | "includes" | "lastIndexOf" => {
                let wanted = arg(0);
                // A start position (`indexOf(x, 1)`) is not followed: unknown.
                if args.len() > 1 || !wanted.is_primitive() || !items.iter().all(Value::is_primitive) {
                    return Some(Value::Unknown);
                }
                Some(self.per_state_value(flow, |state| {
                    let wanted = wanted.concrete(state, self.info)?;
                    let mut found = None;
                    for (i, item) in items.iter().enumerate() {
                        // `indexOf` compares strictly; `includes` also finds NaN (SameValueZero).
                        let item = item.concrete(state, self.info)?;
                        let both_nan = matches!((&item, &wanted), (Concrete::Num(a), Concrete::Num(b)) if a.is_nan() && b.is_nan());
                        let equal = (method == "includes" && both_nan) || item.equals(&wanted, true)?;
                        if equal {
                            found = Some(i);
                            if method != "lastIndexOf" {
                                break;
                            }
                        }
                    }
                    Some(match method {
                        "includes" => Value::Bool(found.is_some()),
                        _ => Value::Num(found.map_or(-1.0, |i| i as f64)),
                    })
                }))
            }
            "some" | "every" | "find" | "filter" | "forEach" | "map" | "findIndex" => {
                let Some(Value::Func(callback)) = args.first() else {
                    // No function the analysis can run: unknown, and it may run what it is given.
                    return Some(Value::Unknown);
                };
                Some(self.iterate(items, *callback, method, flow, env))
            }
            // `join`, `slice`, `concat`, ...: a call like any other (unknown result).
            _ => None,
        }
    }

    /// `items.some(f)` and the like with a function of the script: `f` runs once per element,
    /// in order, with the element (and its index), and the result is computed per state.
    fn iterate(
        &mut self,
        items: &Rc<Vec<Value<'a>>>,
        callback: Closure<'a>,
        method: &str,
        flow: &mut Flow,
        env: &mut Env<'a>,
    ) -> Value<'a> {
        let mut results = Vec::with_capacity(items.len());
        // `some`, `every`, `find` stop at the first decisive element: a later run, and what it
        // assigns, may not happen.
        let may_stop = matches!(method, "some" | "every" | "find" | "findIndex");
        // A callback that changes the array: later elements are no longer known.
        let array = Value::Array(items.clone());
        let watched = env.holds(&array);
        let mut changed = false;
        for (i, item) in items.iter().enumerate() {
            changed = changed || (watched && !env.holds(&array));
            let item = if changed { Value::Unknown } else { item.clone() };
            let args = vec![item, Value::Num(i as f64), if changed { Value::Unknown } else { array.clone() }];
            let before = (may_stop && i > 0).then(|| (env.clone(), flow.clone()));
            let (out, value) = self.call(callback, args, std::mem::take(flow), env);
            *flow = out;
            if let Some((skipped_env, skipped_flow)) = before {
                env.join(flow, &skipped_env, &skipped_flow, self.info, false);
                union(flow, skipped_flow);
            }
            results.push(value);
        }
        if flow.is_empty() {
            return Value::Unknown;
        }
        let info = self.info;
        let truthy = |v: &Value<'a>, state: &State| v.truthy(state, info);
        match method {
            "some" => self.per_state_value(flow, |state| {
                let mut any = Some(false);
                for r in &results {
                    match truthy(r, state) {
                        Some(true) => return Some(Value::Bool(true)),
                        Some(false) => {}
                        None => any = None,
                    }
                }
                any.map(Value::Bool)
            }),
            "every" => self.per_state_value(flow, |state| {
                let mut all = Some(true);
                for r in &results {
                    match truthy(r, state) {
                        Some(false) => return Some(Value::Bool(false)),
                        Some(true) => {}
                        None => all = None,
                    }
                }
                all.map(Value::Bool)
            }),
            "find" | "findIndex" => self.per_state_value(flow, |state| {
                for (i, r) in results.iter().enumerate() {
                    if truthy(r, state)? {
                        return Some(if method == "find" { items[i].clone() } else { Value::Num(i as f64) });
                    }
                }
                Some(if method == "find" { Value::Undefined } else { Value::Num(-1.0) })
            }),
            "filter" => {
                // Exact only where every element's verdict is the same in every state.
                let mut kept = Vec::new();
                for (i, r) in results.iter().enumerate() {
                    let verdicts: Vec<Option<bool>> = flow.keys().map(|s| truthy(r, s)).collect();
                    match verdicts.first().copied().flatten() {
                        Some(v) if verdicts.iter().all(|x| *x == Some(v)) => {
                            if v {
                                kept.push(items[i].clone());
                            }
                        }
                        _ => return Value::Unknown,
                    }
                }
                Value::Array(Rc::new(kept))
            }
            "map" => Value::Array(Rc::new(results)),
            _ => Value::Undefined,
        }
    }

    /// String methods on a string, or on a step field (`context.steps[1].idp.toUpperCase()`),
    /// state by state.
    fn string_method(
        &mut self,
        receiver: &Value<'a>,
        method: &str,
        args: &[Value<'a>],
        flow: &Flow,
    ) -> Option<Value<'a>> {
        let text = |v: &Value<'a>, state: &State| match v.concrete(state, self.info)? {
            Concrete::Str(s) => Some(s),
            _ => None,
        };
        let arg = args.first().cloned().unwrap_or(Value::Undefined);
        let apply = |state: &State| -> Option<Value<'a>> {
            let s = text(receiver, state)?;
            Some(match method {
                "toUpperCase" | "toLocaleUpperCase" => Value::str(&s.to_uppercase()),
                "toLowerCase" | "toLocaleLowerCase" => Value::str(&s.to_lowercase()),
                "trim" => Value::str(s.trim()),
                "trimStart" => Value::str(s.trim_start()),
                "trimEnd" => Value::str(s.trim_end()),
                "toString" | "valueOf" => Value::str(&s),
                "startsWith" => Value::Bool(s.starts_with(&*text(&arg, state)?)),
                "endsWith" => Value::Bool(s.ends_with(&*text(&arg, state)?)),
                "includes" => Value::Bool(s.contains(&*text(&arg, state)?)),
                "indexOf" => {
                    let needle = text(&arg, state)?;
                    Value::Num(s.find(&*needle).map_or(-1.0, |byte| s[..byte].encode_utf16().count() as f64))
                }
                _ => return None,
            })
        };
        let known = [
            "toUpperCase",
            "toLocaleUpperCase",
            "toLowerCase",
            "toLocaleLowerCase",
            "trim",
            "trimStart",
            "trimEnd",
            "toString",
            "valueOf",
            "startsWith",
            "endsWith",
            "includes",
            "indexOf",
        ];
        if !known.contains(&method) {
            return None;
        }
        // A position argument (`startsWith('G', 1)`, `indexOf(x, 2)`) is not followed.
        let takes_one = ["startsWith", "endsWith", "includes", "indexOf"];
        if args.len() > usize::from(takes_one.contains(&method)) {
            return Some(Value::Unknown);
        }
        Some(self.per_state_value(flow, apply))
    }
}
