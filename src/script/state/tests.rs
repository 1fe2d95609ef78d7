//! Tests of `state`.

use super::*;

fn st(x: u8) -> State {
    State::new(&[x], &[x], 0)
}

#[test]
fn slots_inline_and_on_the_heap_compare_as_slices() {
    let short: Vec<u8> = vec![1, 0, 2];
    let long: Vec<u8> = (0..40).collect();
    for values in [&short[..], &long[..], &[][..]] {
        let slots = Slots::from(values);
        assert_eq!(&*slots, values);
        let mut copy = slots.clone();
        if let Some(first) = copy.first_mut() {
            *first = 9;
            assert!(copy > slots || values[0] > 9);
            assert_ne!(copy, slots);
        }
    }
    assert!(matches!(Slots::from(&short[..]), Slots::Inline { .. }));
    assert!(matches!(Slots::from(&long[..]), Slots::Heap(_)));
    assert_eq!(Slots::zeros(30).len(), 30);
    assert!(Slots::from(&[1, 2][..]) < Slots::from(&[1, 3][..]));
}

#[test]
fn union_keeps_the_shorter_witness() {
    let short = Trace::default().push(TraceEntry::Subject { step: 1 });
    let long = short.push(TraceEntry::Subject { step: 2 });
    let mut a = Flow::new();
    insert(&mut a, st(1), long);
    insert(&mut a, st(1), short.clone());
    assert_eq!(a.get(&st(1)).map(Trace::len), Some(1));
}

#[test]
fn small_and_large_flows_hold_the_same_states_in_the_same_order() {
    // Inserted out of order, past the size where a flow becomes a B-tree.
    let numbers: Vec<u8> = (0..100u8).map(|i| i.wrapping_mul(37)).collect();
    let mut flow = Flow::new();
    for (i, &n) in numbers.iter().enumerate() {
        assert_eq!(flow.len(), i);
        flow.insert(st(n), Trace::default());
        // Replacing keeps one entry per state.
        assert!(flow.insert(st(n), Trace::default().push(TraceEntry::Subject { step: 1 })).is_some());
        let keys: Vec<u8> = flow.keys().map(|s| s.exec(0).unwrap_or(0)).collect();
        let mut sorted = numbers[..=i].to_vec();
        sorted.sort();
        assert_eq!(keys, sorted);
    }
    assert!(flow.get(&st(37)).is_some_and(|t| t.len() == 1));
    flow.truncate(10);
    let mut smallest = numbers.clone();
    smallest.sort();
    smallest.truncate(10);
    assert_eq!(flow.into_iter().map(|(s, _)| s.exec(0).unwrap_or(0)).collect::<Vec<_>>(), smallest);
}

#[test]
fn packed_and_wide_states_order_by_exec_then_view_then_subject() {
    // Every pair of two-step states over a few slot values, packed (2 steps) and wide (the
    // same slots padded to 9 steps): both orders are the order of (exec, view, subject).
    let values = [0u8, 1, 2, ANY_OPTION];
    let mut states = Vec::new();
    for a in values {
        for b in values {
            for v in [0u8, 1] {
                for subject in [0u8, 1, NO_SUBJECT] {
                    states.push((vec![a, b], vec![v, a], subject));
                }
            }
        }
    }
    let wide = |slots: &[u8]| [slots, &[0; 7]].concat();
    for x in &states {
        for y in &states {
            let packed = State::new(&x.0, &x.1, x.2).cmp(&State::new(&y.0, &y.1, y.2));
            let wide =
                State::new(&wide(&x.0), &wide(&x.1), x.2).cmp(&State::new(&wide(&y.0), &wide(&y.1), y.2));
            assert_eq!(packed, x.cmp(y), "{x:?} {y:?}");
            assert_eq!(wide, x.cmp(y), "{x:?} {y:?}");
        }
    }
    let mut s = State::new(&[0; 9], &[0; 9], 0);
    s.set_exec(8, 3);
    s.set_view(8, 2);
    s.set_subject(4);
    s.set_exec(20, 1); // no such step: ignored
    assert_eq!((s.exec(8), s.view(8), s.subject(), s.exec(20)), (Some(3), Some(2), 4, None));
    let mut p = State::initial(3, Some(1));
    p.set_view_slots(&[1, 2, 3]);
    assert_eq!((&*p.exec_slots(), &*p.view_slots(), p.subject()), (&[0, 0, 0][..], &[1, 2, 3][..], 1));
}

#[test]
fn callbacks_are_named_from_the_script_text() {
    let src = "utils.retry(3, fn)";
    let retry = CallbackOf::Source { start: 0, end: 11 };
    assert_eq!(retry.describe(None, src), "callback of utils.retry");
    assert_eq!(retry.describe(Some("onSuccess"), src), "onSuccess of utils.retry");
    assert_eq!(CallbackOf::Step("onFail").describe(None, src), "onFail");
    assert_eq!(CallbackOf::Unnamed.describe(Some("done"), src), "done of a function");
    // A framework function is named by its name, however the script spells it.
    let named = CallbackOf::Named(Rc::from("httpGet"));
    assert_eq!(named.describe(Some("onFail"), "\\u0068ttpGet(url)"), "onFail of httpGet");
}

#[test]
fn join_arms_drops_a_branch_that_did_not_matter() {
    let mut before = Flow::new();
    before.insert(st(1), Trace::default());
    let branch = |taken| TraceEntry::Branch { end: 1, taken, offset: 0 };
    let mut then_arm = Flow::new();
    then_arm.insert(st(1), Trace::default().push(branch(true)));
    let mut else_arm = Flow::new();
    else_arm.insert(st(1), Trace::default().push(branch(false)));
    // A state only the then-arm produced keeps its branch entry.
    then_arm.insert(st(2), Trace::default().push(branch(true)));
    let joined = join_arms(&before, then_arm, else_arm);
    assert!(joined.get(&st(1)).is_some_and(Trace::is_empty));
    assert_eq!(joined.get(&st(2)).map(Trace::len), Some(1));
}
