//! Values as real scripts use them (oxc-style tables): each correct guard next to the same script
//! with the guard broken, which must still conflict. The application (see
//! `support::script_conflicts`): step 1 offers LOCAL and Google (JIT disabled), step 2 is TOTP,
//! step 3 backup codes; `Google->2` is the conflict of a Google user reaching step 2.

mod support;

use support::{after_step_1 as in_callback, assert_script_table};

const CONFLICT: &[&str] = &["Google->2"];

/// `head` (global code) before `rest`.
fn prefixed(head: &str, rest: &str) -> String {
    format!("{head}{rest}")
}
const CLEAN: &[&str] = &[];

#[test]
fn arrays_as_allow_and_deny_lists() {
    assert_script_table(&[
        (
            "deny-list with indexOf",
            prefixed(
                "var noMfa = ['Google', 'Okta'];\n",
                &in_callback("if (noMfa.indexOf(context.steps[1].idp) < 0) { executeStep(2); }"),
            ),
            CLEAN,
        ),
        (
            "deny-list with a misspelt name",
            prefixed(
                "var noMfa = ['Gogle', 'Okta'];\n",
                &in_callback("if (noMfa.indexOf(context.steps[1].idp) < 0) { executeStep(2); }"),
            ),
            CONFLICT,
        ),
        (
            "allow-list with includes",
            in_callback(
                "var local = ['LOCAL'];\nif (local.includes(context.steps[1].idp)) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "allow-list that lists Google",
            in_callback(
                "var mfa = ['LOCAL', 'Google'];\nif (mfa.includes(context.steps[1].idp)) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "indexOf != -1",
            in_callback("if (['LOCAL'].indexOf(context.steps[1].idp) != -1) { executeStep(2); }"),
            CLEAN,
        ),
        (
            "indexOf != -1 on the deny side",
            in_callback("if (['Google'].indexOf(context.steps[1].idp) != -1) { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "some with a function",
            in_callback(
                "var idp = context.steps[1].idp;\nif (['LOCAL'].some(function (x) { return x === idp; })) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "every with a function, inverted",
            in_callback(
                "var idp = context.steps[1].idp;\nif (['LOCAL'].every(function (x) { return x !== idp; })) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "find",
            in_callback(
                "var hit = ['LOCAL'].find(function (x) { return x == context.steps[1].idp; });\nif (hit) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "filter with a constant predicate, then length",
            in_callback(
                "var local = ['LOCAL', 'x'].filter(function (x) { return x == 'LOCAL'; });\nif (local.indexOf(context.steps[1].idp) >= 0) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "forEach setting a flag",
            in_callback(
                "var isLocal = false;\n['LOCAL'].forEach(function (x) { if (x == context.steps[1].idp) { isLocal = true; } });\nif (isLocal) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "forEach setting a flag for Google",
            in_callback(
                "var hit = false;\n['Google'].forEach(function (x) { if (x == context.steps[1].idp) { hit = true; } });\nif (hit) { executeStep(2); }",
            ),
            CONFLICT,
        ),
    ]);
}

#[test]
fn arrays_that_change_are_never_stale() {
    assert_script_table(&[
        (
            "a literal [] filled with push is not empty",
            in_callback(
                "var options = [];\noptions.push({ idp: 'Google' });\nif (options.length != 0) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "an empty list that stays empty",
            in_callback("var options = [];\nif (options.length != 0) { executeStep(2); }"),
            CLEAN,
        ),
        (
            "filled through an alias",
            in_callback("var a = [];\nvar b = a;\nb.push(1);\nif (a.length > 0) { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "filled by a function the analysis does not know",
            in_callback(
                "var list = [];\naddAssociations(context, list);\nif (list.length > 0) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "pop empties it again",
            in_callback("var list = ['x'];\nlist.pop();\nif (list.length > 0) { executeStep(2); }"),
            CLEAN,
        ),
        (
            "splice: not followed, so unknown",
            in_callback("var list = ['x'];\nlist.splice(0, 1);\nif (list.length > 0) { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "index assignment",
            in_callback("var list = [];\nlist[0] = 'x';\nif (list.length > 0) { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "a property deleted",
            in_callback("var o = { skip: true };\ndelete o.skip;\nif (!o.skip) { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "a property set through an alias",
            in_callback("var o = {};\nvar p = o;\np.mfa = true;\nif (o.mfa) { executeStep(2); }"),
            CONFLICT,
        ),
    ]);
}

#[test]
fn objects_as_maps() {
    assert_script_table(&[
        (
            "a map of IdP to MFA",
            prefixed(
                "var needsMfa = { LOCAL: true, Google: false };\n",
                &in_callback("if (needsMfa[context.steps[1].idp]) { executeStep(2); }"),
            ),
            CLEAN,
        ),
        (
            "the same map with Google on",
            prefixed(
                "var needsMfa = { LOCAL: true, Google: true };\n",
                &in_callback("if (needsMfa[context.steps[1].idp]) { executeStep(2); }"),
            ),
            CONFLICT,
        ),
        (
            "hasOwnProperty",
            in_callback(
                "var local = { LOCAL: 1 };\nif (local.hasOwnProperty(context.steps[1].idp)) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "in",
            in_callback(
                "var federated = { Google: 1 };\nif (!(context.steps[1].idp in federated)) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "in, the wrong way round",
            in_callback(
                "var federated = { Google: 1 };\nif (context.steps[1].idp in federated) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "a map of IdP to step number",
            in_callback(
                "var mfaStep = { LOCAL: 2, Google: 3 };\nexecuteStep(mfaStep[context.steps[1].idp]);",
            ),
            &["Google->3"],
        ),
    ]);
}

#[test]
fn values_that_depend_on_the_state() {
    assert_script_table(&[
        (
            "a variable set on both arms, tested later",
            in_callback(
                "var mfa;\nif (context.steps[1].idp == 'LOCAL') { mfa = 'yes'; } else { mfa = 'no'; }\nif (mfa == 'yes') { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "the same with the arms swapped",
            in_callback(
                "var mfa;\nif (context.steps[1].idp != 'LOCAL') { mfa = 'yes'; } else { mfa = 'no'; }\nif (mfa == 'yes') { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "a ternary step number",
            in_callback("var next = context.steps[1].idp == 'LOCAL' ? 2 : 3;\nexecuteStep(next);"),
            &["Google->3"],
        ),
        (
            "a ternary step number, wrong way round",
            in_callback("var next = context.steps[1].idp == 'LOCAL' ? 3 : 2;\nexecuteStep(next);"),
            &["Google->2"],
        ),
        (
            "a default with ||",
            in_callback(
                "var level = (context.steps[1].idp == 'LOCAL' && 2) || 0;\nif (level > 1) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "a switch assigning a level",
            in_callback(
                "var level = 0;\nswitch (context.steps[1].idp) {\n  case 'LOCAL': level = 2; break;\n  default: level = 1;\n}\nif (level >= 2) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "the same switch with Google on level 2",
            in_callback(
                "var level = 0;\nswitch (context.steps[1].idp) {\n  case 'Google': level = 2; break;\n  default: level = 1;\n}\nif (level >= 2) { executeStep(2); }",
            ),
            CONFLICT,
        ),
    ]);
}

#[test]
fn string_methods_on_step_fields() {
    assert_script_table(&[
        (
            "toUpperCase",
            in_callback("if (context.steps[1].idp.toUpperCase() == 'LOCAL') { executeStep(2); }"),
            CLEAN,
        ),
        (
            "toLowerCase compared with Google's lower case",
            in_callback("if (context.steps[1].idp.toLowerCase() != 'local') { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "trim and startsWith",
            in_callback("if (context.steps[1].idp.trim().startsWith('LOC')) { executeStep(2); }"),
            CLEAN,
        ),
        (
            "indexOf of a substring",
            in_callback("if (context.steps[1].idp.indexOf('oog') < 0) { executeStep(2); }"),
            CLEAN,
        ),
        (
            "indexOf of a substring, inverted",
            in_callback("if (context.steps[1].idp.indexOf('OCA') < 0) { executeStep(2); }"),
            CONFLICT,
        ),
    ]);
}

#[test]
fn control_flow_keeps_what_was_assigned_before_a_jump() {
    assert_script_table(&[
        (
            "a flag set before break",
            in_callback(
                "var found = false;\nvar list = ['LOCAL'];\nfor (var i in list) { if (list[i] == context.steps[1].idp) { found = true; break; } }\nif (found) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "a flag set before break, for Google",
            in_callback(
                "var found = false;\nvar list = ['Google'];\nfor (var i in list) { if (list[i] == context.steps[1].idp) { found = true; break; } }\nif (found) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "a global set before return in a helper",
            format!(
                "var federated = false;\nfunction check(context) {{ if (context.steps[1].idp != 'LOCAL') {{ federated = true; return; }} }}\n{}",
                in_callback("check(context);\nif (!federated) { executeStep(2); }")
            ),
            CLEAN,
        ),
        (
            "the same helper, the test inverted",
            format!(
                "var federated = false;\nfunction check(context) {{ if (context.steps[1].idp != 'LOCAL') {{ federated = true; return; }} }}\n{}",
                in_callback("check(context);\nif (federated) { executeStep(2); }")
            ),
            CONFLICT,
        ),
        (
            "labelled break leaves the outer loop",
            in_callback(
                "var mfa = true;\nouter: for (var a = 0; a < 2; a++) {\n  for (var b = 0; b < 2; b++) {\n    if (context.steps[1].idp != 'LOCAL') { mfa = false; break outer; }\n  }\n}\nif (mfa) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "labelled break, the flag the other way",
            in_callback(
                "var mfa = false;\nouter: for (var a = 0; a < 2; a++) {\n  for (var b = 0; b < 2; b++) {\n    if (context.steps[1].idp != 'LOCAL') { mfa = true; break outer; }\n  }\n}\nif (mfa) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "labelled continue skips the rest of the outer body",
            in_callback(
                "var mfa = false;\nouter: for (var a = 0; a < 1; a++) {\n  for (var b = 0; b < 1; b++) {\n    if (context.steps[1].idp != 'LOCAL') { continue outer; }\n  }\n  mfa = true;\n}\nif (mfa) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "a labelled block left with break",
            in_callback(
                "var mfa = true;\ncheck: {\n  if (context.steps[1].idp != 'LOCAL') { mfa = false; break check; }\n}\nif (mfa) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "a throw lands in catch, which skips MFA",
            in_callback(
                "var mfa = true;\ntry {\n  if (context.steps[1].idp != 'LOCAL') { throw 'federated'; }\n} catch (e) { mfa = false; }\nif (mfa) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "a throw lands in catch, which asks for MFA",
            in_callback(
                "var mfa = false;\ntry {\n  if (context.steps[1].idp != 'LOCAL') { throw 'federated'; }\n} catch (e) { mfa = true; }\nif (mfa) { executeStep(2); }",
            ),
            CONFLICT,
        ),
    ]);
}

#[test]
fn loops_over_known_arrays() {
    assert_script_table(&[
        (
            "for-of over IdP names",
            in_callback(
                "var mfa = false;\nfor (var name of ['LOCAL']) { if (context.steps[1].idp == name) { mfa = true; } }\nif (mfa) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "for-of over IdP names that include Google",
            in_callback(
                "var mfa = false;\nfor (var name of ['LOCAL', 'Google']) { if (context.steps[1].idp == name) { mfa = true; } }\nif (mfa) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "a classic for over a list",
            in_callback(
                "var local = ['LOCAL'];\nvar mfa = false;\nfor (var i = 0; i < local.length; i++) { if (local[i] === context.steps[1].idp) { mfa = true; } }\nif (mfa) { executeStep(2); }",
            ),
            CLEAN,
        ),
        (
            "a classic for over a list with Google",
            in_callback(
                "var list = ['Google'];\nvar mfa = false;\nfor (var i = 0; i < list.length; i++) { if (list[i] === context.steps[1].idp) { mfa = true; } }\nif (mfa) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "a loop over step numbers runs each",
            in_callback(
                "var steps = [2, 3];\nfor (var i = 0; i < steps.length; i++) { if (context.steps[1].idp == 'LOCAL') { executeStep(steps[i]); } }",
            ),
            CLEAN,
        ),
        (
            "the same loop without the guard",
            in_callback(
                "var steps = [2, 3];\nfor (var i = 0; i < steps.length; i++) { executeStep(steps[i]); }",
            ),
            &["Google->2", "Google->3"],
        ),
    ]);
}

#[test]
fn closures_keep_the_scope_they_were_made_in() {
    let module = |local: &str| {
        format!(
            "var Mfa = (function () {{\n  var LOCAL_IDP = '{local}';\n  function isLocal(context) {{ return context.steps[1].idp == LOCAL_IDP; }}\n  return {{ needed: function (context) {{ return isLocal(context); }} }};\n}})();\n"
        )
    };
    let factory = |name: &str| {
        format!(
            "function guardFor(name) {{\n  return function (context) {{ return context.steps[1].idp == name; }};\n}}\nvar needsMfa = guardFor('{name}');\n"
        )
    };
    assert_script_table(&[
        ("module pattern with a private constant and helper", module("LOCAL") + &in_callback("if (Mfa.needed(context)) { executeStep(2); }"), CLEAN),
        ("the same module comparing with Google", module("Google") + &in_callback("if (Mfa.needed(context)) { executeStep(2); }"), CONFLICT),
        ("a factory keeps its argument", factory("LOCAL") + &in_callback("if (needsMfa(context)) { executeStep(2); }"), CLEAN),
        ("the same factory made for Google", factory("Google") + &in_callback("if (needsMfa(context)) { executeStep(2); }"), CONFLICT),
        (
            "a counter in a closure",
            "var counter = (function () { var n = 0; return { bump: function () { n = n + 1; return n; } }; })();\n".to_string()
                + &in_callback("counter.bump();\nif (counter.bump() == 2 && context.steps[1].idp == 'LOCAL') { executeStep(2); }"),
            CLEAN,
        ),
    ]);
}

/// Cases a review found the first version of this analysis wrong on: each must report the
/// conflict (a Google user reaches step 2), and finish.
#[test]
fn reviewed_edge_cases_stay_sound() {
    let guarded = |body: &str| in_callback(body);
    assert_script_table(&[
        (
            "a string doubled in a loop does not fill the memory",
            format!(
                "var s = 'x';\nfor (var i = 0; i < 40; i++) {{ s += s; }}\n{}",
                guarded("executeStep(2);")
            ),
            CONFLICT,
        ),
        (
            "an array shared 2^40 times is walked once",
            format!(
                "var a = [];\nfor (var i = 0; i < 40; i++) {{ a = [a, a]; }}\nvar b = [];\nb.push(1);\n{}",
                guarded("executeStep(2);")
            ),
            CONFLICT,
        ),
        (
            "a helper that assigns, then throws, into the caller's catch",
            guarded(
                "var mfa = false;\nfunction f() { mfa = true; throw 'x'; }\ntry { f(); } catch (e) {}\nif (mfa) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "finally runs on return and its assignment holds",
            guarded(
                "var mfa = false;\nfunction f() { try { return 1; } finally { mfa = true; } }\nf();\nif (mfa) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "a closure sees the array emptied after it was made",
            format!(
                "var deny = ['Google'];\nvar denied = (function (d) {{ return function (x) {{ return d.indexOf(x) >= 0; }}; }})(deny);\ndeny.pop();\n{}",
                guarded("if (!denied(context.steps[1].idp)) { executeStep(2); }")
            ),
            CONFLICT,
        ),
        (
            "indexOf from a position is not followed",
            guarded("if (['Google', 'LOCAL'].indexOf(context.steps[1].idp, 1) < 0) { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "an object with a spread may hold more than it lists",
            guarded(
                "var base = { Google: true };\nvar m = { ...base, LOCAL: true };\nif (m[context.steps[1].idp]) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "Object.assign changes its target",
            guarded(
                "var m = { LOCAL: true };\nObject.assign(m, { Google: true });\nif (m[context.steps[1].idp]) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "some stops at the first hit: later callbacks may not run",
            guarded(
                "var mfa = true;\nvar idp = context.steps[1].idp;\n['Google', 'LOCAL'].some(function (x) { if (x == 'LOCAL') { mfa = false; } return x == idp; });\nif (mfa) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "includes finds NaN",
            guarded("if ([NaN].includes(NaN) && context.steps[1].idp == 'Google') { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "'push' in [] is true",
            guarded("if ('push' in [] && context.steps[1].idp == 'Google') { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "a library given an object may change what it holds",
            guarded(
                "var allow = ['LOCAL'];\nlib.load({ list: allow });\nif (allow.indexOf(context.steps[1].idp) < 0) { } else { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "a closure stored in an array keeps its scope",
            guarded(
                "var hs = [];\n(function () { var target = 'Google'; hs.push(function (x) { return x == target; }); })();\nvar target = 'nobody';\nif (hs[0](context.steps[1].idp)) { executeStep(2); }",
            ),
            CONFLICT,
        ),
        (
            "a callback's write to a closure's kept frame is seen by the next callback",
            "var m = (function () { var f = false; return { on: function () { f = true; }, get: function () { return f; } }; })();\nvar onLoginRequest = function (context) {\n  executeStep(1, { onSuccess: function (context) { m.on(); } });\n  executeStep(3, { onSuccess: function (context) { if (m.get()) { executeStep(2); } } });\n};\n".to_string(),
            &["Google->2", "Google->3"],
        ),
        (
            "for-of over an array the body extends",
            guarded("var l = ['LOCAL'];\nvar mfa = false;\nfor (var x of l) { if (x == 'LOCAL') { l.push('Google'); } if (x == context.steps[1].idp) { mfa = true; } }\nif (mfa) { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "forEach over an array its callback changes",
            guarded("var l = ['LOCAL', 'x'];\nvar mfa = false;\nl.forEach(function (x, i) { if (i == 0) { l[1] = 'Google'; } if (x == context.steps[1].idp) { mfa = true; } });\nif (mfa) { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "for-in visits integer keys first",
            guarded("var o = { b: 'LOCAL', 1: 'Google' };\nvar last;\nfor (var k in o) { last = o[k]; }\nif (last != context.steps[1].idp) { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "a property set again keeps its place",
            guarded("var o = { a: 'Google', b: 'LOCAL' };\no.a = 'Google';\nvar last;\nfor (var k in o) { last = o[k]; }\nif (last != context.steps[1].idp) { executeStep(2); }"),
            CONFLICT,
        ),
        (
            "a number written as hex is not read as NaN",
            guarded(
                "var t = { Google: '0x10', LOCAL: '1' };\nif (t[context.steps[1].idp] > 5) { executeStep(2); }",
            ),
            CONFLICT,
        ),
    ]);
}

#[test]
fn callbacks_run_after_the_code_that_registers_them() {
    assert_script_table(&[
        (
            "values set before the callback is registered",
            "var onLoginRequest = function (context) {\n  var local = ['LOCAL'];\n  executeStep(1, { onSuccess: function (context) { if (local.indexOf(context.steps[1].idp) >= 0) { executeStep(2); } } });\n};\n".to_string(),
            CLEAN,
        ),
        (
            // The server runs the callback after `push`: authlint, which reads the callback with
            // the values at registration, says its analysis is incomplete instead of passing it.
            "a list filled after the callback is registered",
            "var onLoginRequest = function (context) {\n  var seen = [];\n  executeStep(1, { onSuccess: function (context) { if (seen.length > 0) { executeStep(2); } } });\n  seen.push('x');\n};\n".to_string(),
            &["incomplete"],
        ),
    ]);
}
