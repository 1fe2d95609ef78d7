//! Table-driven cases for the script analysis, in the style of oxc's pass/fail lists: each case
//! is a script for one fixed application, with the conflicts it must produce (`IdP->step`).
//!
//! The tenant: step 1 offers LOCAL (BasicAuthenticator), Google (JIT disabled), Facebook (no JIT
//! block: disabled) and Corp (JIT enabled); step 2 is TOTP; step 3 is Email OTP; step 4 offers
//! Google only.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use authlint::catalogue::Catalogue;
use authlint::check::check;

const IDPS: &str = r#"
name: Google
provisioning:
  jit:
    isEnabled: false
---
name: Facebook
federatedAuthenticators:
  authenticators: []
---
name: Corp
provisioning:
  jit:
    isEnabled: true
"#;

fn app_yaml(script: &str, subject: u32) -> String {
    let mut yaml = format!(
        "name: app\nauthenticationSequence:\n  type: USER_DEFINED\n  subjectStepId: {subject}\n  steps:\n    - id: 1\n      options:\n        - {{idp: LOCAL, authenticator: BasicAuthenticator}}\n        - {{idp: Google, authenticator: GoogleOIDCAuthenticator}}\n        - {{idp: Facebook, authenticator: FacebookAuthenticator}}\n        - {{idp: Corp, authenticator: SAMLSSOAuthenticator}}\n    - id: 2\n      options:\n        - {{idp: LOCAL, authenticator: totp}}\n    - id: 3\n      options:\n        - {{idp: LOCAL, authenticator: email-otp-authenticator}}\n    - id: 4\n      options:\n        - {{idp: Google, authenticator: GoogleOIDCAuthenticator}}\n"
    );
    yaml.push_str("  script: |\n");
    for line in script.lines() {
        yaml.push_str("    ");
        yaml.push_str(line);
        yaml.push('\n');
    }
    yaml
}

/// The conflicts found (`IdP->step`), plus `incomplete` / `syntax-error` when reported.
fn findings(script: &str, subject: u32) -> BTreeSet<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("idps.yml"), IDPS).expect("write");
    std::fs::write(dir.path().join("app.yml"), app_yaml(script, subject)).expect("write");
    let report = check(&[PathBuf::from(dir.path())], &Catalogue::builtin()).expect("check runs");
    support::analysis_keys(&report)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Both JIT-disabled IdPs of step 1 reaching step `n`.
fn both(n: u32) -> Vec<String> {
    vec![format!("Facebook->{n}"), format!("Google->{n}")]
}

fn assert_cases(cases: &[(&str, &str, Vec<String>)]) {
    let mut failures = Vec::new();
    for (name, script, expected) in cases {
        let expected: BTreeSet<String> = expected.iter().cloned().collect();
        let got = findings(script, 1);
        if got != expected {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

const WRAP_START: &str =
    "var onLoginRequest = function (context) {\n  executeStep(1, {\n    onSuccess: function (context) {\n";
const WRAP_END: &str = "\n    }\n  });\n};\n";

/// A script whose step-1 onSuccess callback has `body`.
fn on_success(body: &str) -> String {
    format!("{WRAP_START}{body}{WRAP_END}")
}

#[test]
fn guard_conditions_split_states_exactly() {
    let cases: Vec<(&str, String, Vec<String>)> = vec![
        ("unguarded", on_success("executeStep(2);"), both(2)),
        ("== LOCAL", on_success("if (context.steps[1].idp == 'LOCAL') { executeStep(2); }"), vec![]),
        ("=== LOCAL", on_success("if (context.steps[1].idp === 'LOCAL') executeStep(2);"), vec![]),
        ("LOCAL on the left", on_success("if ('LOCAL' == context.steps[1].idp) executeStep(2);"), vec![]),
        (
            "!= LOCAL with else",
            on_success("if (context.steps[1].idp != 'LOCAL') {} else { executeStep(2); }"),
            vec![],
        ),
        (
            "!== LOCAL early return",
            on_success("if (context.steps[1].idp !== 'LOCAL') { return; }\nexecuteStep(2);"),
            vec![],
        ),
        (
            "negated guard",
            on_success("if (!(context.steps[1].idp == 'LOCAL')) { return; }\nexecuteStep(2);"),
            vec![],
        ),
        (
            "excludes only Google",
            on_success("if (context.steps[1].idp != 'Google') executeStep(2);"),
            vec!["Facebook->2".into()],
        ),
        (
            "excludes both",
            on_success(
                "if (context.steps[1].idp != 'Google' && context.steps[1].idp != 'Facebook') executeStep(2);",
            ),
            vec![],
        ),
        (
            "guard on the authenticator",
            on_success("if (context.steps[1].authenticator == 'BasicAuthenticator') executeStep(2);"),
            vec![],
        ),
        (
            "wrong-case LOCAL never matches",
            on_success("if (context.steps[1].idp == 'local') executeStep(2);"),
            vec![],
        ),
        (
            "&& with an unknown",
            on_success("if (isAdmin(context) && context.steps[1].idp == 'LOCAL') executeStep(2);"),
            vec![],
        ),
        (
            "|| with an unknown",
            on_success("if (context.steps[1].idp == 'LOCAL' || isAdmin(context)) executeStep(2);"),
            both(2),
        ),
        ("short-circuit statement", on_success("context.steps[1].idp == 'LOCAL' && executeStep(2);"), vec![]),
        (
            "|| short-circuit statement",
            on_success("context.steps[1].idp != 'LOCAL' || executeStep(2);"),
            vec![],
        ),
        (
            "ternary value",
            on_success("var mfa = context.steps[1].idp == 'LOCAL' ? true : false;\nif (mfa) executeStep(2);"),
            vec![],
        ),
        (
            "ternary call",
            on_success("context.steps[1].idp == 'LOCAL' ? executeStep(2) : executeStep(3);"),
            both(3),
        ),
        (
            "role check only",
            on_success("if (hasAnyOfTheRolesV2(context, ['admin'])) { executeStep(2); }"),
            both(2),
        ),
        (
            "undecidable, then guard",
            on_success("if (x) { y(); }\nif (context.steps[1].idp == 'LOCAL') executeStep(2);"),
            vec![],
        ),
        (
            "if / else both run MFA",
            on_success("if (x) { executeStep(2); } else { executeStep(3); }"),
            [both(2), both(3)].concat(),
        ),
    ];
    let cases: Vec<(&str, &str, Vec<String>)> =
        cases.iter().map(|(n, s, e)| (*n, s.as_str(), e.clone())).collect();
    assert_cases(&cases);
}

#[test]
fn switch_statements() {
    let cases = [
        (
            "switch with break",
            on_success(
                "switch (context.steps[1].idp) {\n  case 'LOCAL':\n    executeStep(2);\n    break;\n  default:\n    executeStep(3);\n}",
            ),
            both(3),
        ),
        (
            "fallthrough reaches MFA",
            on_success(
                "switch (context.steps[1].idp) {\n  case 'Google':\n    log();\n  case 'LOCAL':\n    executeStep(2);\n    break;\n}",
            ),
            vec!["Google->2".into()],
        ),
        (
            "default without break",
            on_success(
                "switch (context.steps[1].idp) {\n  default:\n    log();\n  case 'LOCAL':\n    executeStep(2);\n}",
            ),
            both(2),
        ),
    ];
    let cases: Vec<(&str, &str, Vec<String>)> =
        cases.iter().map(|(n, s, e)| (*n, s.as_str(), e.clone())).collect();
    assert_cases(&cases);
}

#[test]
fn aliases_constants_and_helpers() {
    let cases = [
        (
            "step alias",
            on_success("var step = context.steps[1];\nif (step.idp == 'LOCAL') executeStep(2);"),
            vec![],
        ),
        (
            "steps alias",
            on_success("var steps = context.steps;\nif (steps[1].idp == 'LOCAL') executeStep(2);"),
            vec![],
        ),
        (
            "context alias",
            on_success("var ctx = context;\nif (ctx.steps[1]['idp'] == 'LOCAL') executeStep(2);"),
            vec![],
        ),
        (
            "idp in a variable",
            on_success("const idp = context.steps[1].idp;\nif (idp === 'LOCAL') executeStep(2);"),
            vec![],
        ),
        (
            "LOCAL in a global",
            format!(
                "var LOCAL_IDP = 'LOCAL';\n{}",
                on_success("if (context.steps[1].idp == LOCAL_IDP) executeStep(2);")
            ),
            vec![],
        ),
        (
            "boolean assigned in branches",
            on_success(
                "let isLocal = false;\nif (context.steps[1].idp == 'LOCAL') { isLocal = true; }\nif (isLocal) executeStep(2);",
            ),
            vec![],
        ),
        (
            "boolean from a comparison",
            on_success(
                "var federated = context.steps[1].idp !== 'LOCAL';\nif (!federated) { executeStep(2); }",
            ),
            vec![],
        ),
        (
            "helper declared after use",
            format!(
                "{}\nfunction isLocal(ctx) {{ return ctx.steps[1].idp === 'LOCAL'; }}",
                on_success("if (isLocal(context)) executeStep(2);")
            ),
            vec![],
        ),
        (
            "helper returning true/false from branches",
            format!(
                "{}\nfunction isFederated(ctx) {{\n  if (ctx.steps[1].idp == 'LOCAL') {{ return false; }}\n  return true;\n}}",
                on_success("if (!isFederated(context)) executeStep(2);")
            ),
            vec![],
        ),
        (
            "helper that runs the step itself",
            format!(
                "{}\nfunction mfa() {{ executeStep(2); }}",
                on_success("if (context.steps[1].idp == 'Corp') mfa();")
            ),
            vec![],
        ),
        (
            "helper that runs the step unguarded",
            format!("{}\nfunction mfa() {{ executeStep(2); }}", on_success("mfa();")),
            both(2),
        ),
        (
            "arrow helper with expression body",
            format!(
                "const local = (c) => c.steps[1].idp == 'LOCAL';\n{}",
                on_success("if (local(context)) executeStep(2);")
            ),
            vec![],
        ),
        (
            "shadowed executeStep is not the framework's",
            on_success("var executeStep2 = 1;\nfunction executeStep(n) {}\nexecuteStep(2);"),
            vec![],
        ),
    ];
    let cases: Vec<(&str, &str, Vec<String>)> =
        cases.iter().map(|(n, s, e)| (*n, s.as_str(), e.clone())).collect();
    assert_cases(&cases);
}

#[test]
fn callbacks_and_function_arguments() {
    let cases = [
        (
            "onFail retries the step, then MFA unguarded",
            "var onLoginRequest = function (context) {\n  executeStep(1, {\n    onSuccess: function (context) { if (context.steps[1].idp == 'LOCAL') executeStep(2); },\n    onFail: function (context) { executeStep(1); executeStep(3); }\n  });\n};".to_string(),
            both(3),
        ),
        (
            "onUserAbort and onFallback run too",
            "var onLoginRequest = function (context) {\n  executeStep(4, {\n    onSuccess: function (context) { executeStep(1, { onUserAbort: function () { executeStep(4); executeStep(2); } }); }\n  });\n};".to_string(),
            // The subject is step 1; when step 1 is abandoned it has not run, so no conflict.
            vec![],
        ),
        (
            "httpGet callback may run",
            on_success("httpGet('https://risk', {}, {\n  onSuccess: function (context, data) { if (data.risky) { executeStep(2); } },\n  onFail: function (context, data) {}\n});"),
            both(2),
        ),
        (
            "prompt callback may run",
            on_success("prompt('genericForm', {}, { onSuccess: function (context, data) { executeStep(3); } });"),
            both(3),
        ),
        (
            "function argument of an unknown call may run",
            on_success("['a', 'b'].forEach(function (r) { executeStep(2); });"),
            both(2),
        ),
        (
            "callback guarded inside",
            on_success("httpPost('https://x', {}, { onSuccess: (ctx, data) => { if (ctx.steps[1].idp == 'LOCAL') executeStep(2); } });"),
            vec![],
        ),
        (
            "steps started in a callback run right after their parent",
            "var onLoginRequest = function (context) {\n  executeStep(1, { onSuccess: function (context) { executeStep(3); } });\n  executeStep(2);\n};".to_string(),
            [both(2), both(3)].concat(),
        ),
    ];
    let cases: Vec<(&str, &str, Vec<String>)> =
        cases.iter().map(|(n, s, e)| (*n, s.as_str(), e.clone())).collect();
    assert_cases(&cases);
}

#[test]
fn execute_step_options() {
    let cases = [
        (
            "authenticationOptions keep only local login",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ authenticator: 'BasicAuthenticator' }] }, {\n    onSuccess: function (context) { executeStep(2); }\n  });\n};".to_string(),
            vec![],
        ),
        (
            "authenticationOptions keep Google",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ idp: 'Google' }, { idp: 'Corp' }] }, {});\n  executeStep(2);\n};".to_string(),
            vec!["Google->2".into()],
        ),
        (
            "options in a two-argument call are callbacks, so they do not filter",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ authenticator: 'BasicAuthenticator' }] });\n  executeStep(2);\n};".to_string(),
            both(2),
        ),
        (
            "options held in a variable",
            "var localOnly = { authenticationOptions: [{ authenticator: 'BasicAuthenticator' }] };\nvar onLoginRequest = function (context) {\n  executeStep(1, localOnly, {});\n  executeStep(3);\n};".to_string(),
            vec![],
        ),
        (
            "markAsSubjectIdentifierStep moves the subject",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ authenticator: 'BasicAuthenticator' }] }, {});\n  executeStep(4, { stepOptions: { markAsSubjectIdentifierStep: 'true' } }, {});\n  executeStep(2);\n};".to_string(),
            vec!["Google->2".into()],
        ),
        // Filters as the framework applies them (DOMAIN.md section 4), each next to its
        // correct form.
        (
            "an authenticator without idp means LOCAL: a federated one matches nothing, all offered",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ authenticator: 'GoogleOIDCAuthenticator' }] }, {});\n  executeStep(2);\n};".to_string(),
            both(2),
        ),
        (
            "the same filter naming its IdP keeps Google only",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ idp: 'Google', authenticator: 'GoogleOIDCAuthenticator' }] }, {});\n  executeStep(2);\n};".to_string(),
            vec!["Google->2".into()],
        ),
        (
            "IdP names match exactly: 'google' matches nothing, all offered",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ idp: 'google' }] }, {});\n  executeStep(2);\n};".to_string(),
            both(2),
        ),
        (
            "authenticator names match exactly: a wrong case matches nothing, all offered",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ authenticator: 'basicauthenticator' }] }, {});\n  executeStep(2);\n};".to_string(),
            both(2),
        ),
        (
            "an empty filter is ignored: all offered",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [] }, {});\n  executeStep(2);\n};".to_string(),
            both(2),
        ),
        (
            "both keys must match: LOCAL's authenticator under Facebook matches nothing",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ idp: 'Facebook', authenticator: 'BasicAuthenticator' }] }, {});\n  executeStep(2);\n};".to_string(),
            both(2),
        ),
        (
            "an entry that matches nothing beside one that keeps LOCAL: LOCAL only",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ idp: 'Nope' }, { authenticator: 'BasicAuthenticator' }] }, {});\n  executeStep(2);\n};".to_string(),
            vec![],
        ),
        (
            "a filter built at run time may match nothing: all offered",
            "var onLoginRequest = function (context) {\n  var idp = lookupIdp(context);\n  executeStep(1, { authenticationOptions: [{ idp: idp }] }, {});\n  executeStep(2);\n};".to_string(),
            both(2),
        ),
        (
            "a run-time entry beside a local one: Google may be kept, so it is",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ authenticator: 'BasicAuthenticator' }, { idp: lookupIdp(context) }] }, {});\n  executeStep(2);\n};".to_string(),
            both(2),
        ),
        (
            "a filter list from a lookup: all offered",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: lookupOptions(context) }, {});\n  executeStep(2);\n};".to_string(),
            both(2),
        ),
        (
            "without the mark the local step 1 user is the subject",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ authenticator: 'BasicAuthenticator' }] }, {});\n  executeStep(4);\n  executeStep(2);\n};".to_string(),
            vec![],
        ),
    ];
    let cases: Vec<(&str, &str, Vec<String>)> =
        cases.iter().map(|(n, s, e)| (*n, s.as_str(), e.clone())).collect();
    assert_cases(&cases);
}

#[test]
fn function_forms_and_declarations() {
    let cases = [
        ("function declaration", "function onLoginRequest(context) {\n  executeStep(1);\n  executeStep(2);\n}".to_string(), both(2)),
        ("arrow entry point", "const onLoginRequest = (context) => {\n  executeStep(1);\n  executeStep(3);\n};".to_string(), both(3)),
        (
            "named function expression, last definition wins",
            "var onLoginRequest = function first(context) { executeStep(1); executeStep(2); };\nonLoginRequest = function second(context) { executeStep(1); };".to_string(),
            vec![],
        ),
        ("pre-GA entry point", "function onInitialRequest(context) { executeStep(1); executeStep(2); }".to_string(), both(2)),
        (
            "let and const in blocks",
            on_success("{\n  let ok = context.steps[1].idp == 'LOCAL';\n  const run = ok;\n  if (run) executeStep(2);\n}"),
            vec![],
        ),
        (
            // The server evaluates a function body at once: step 1 has not run when this
            // top-level guard is read, so it is false and step 2 never runs.
            "guard read before the step ran",
            "var onLoginRequest = function (context) {\n  executeStep(1);\n  if (context.steps[1].idp == 'Google') { executeStep(2); }\n};".to_string(),
            vec![],
        ),
        ("no entry point: nothing runs", "var x = 1;".to_string(), vec![]),
    ];
    let cases: Vec<(&str, &str, Vec<String>)> =
        cases.iter().map(|(n, s, e)| (*n, s.as_str(), e.clone())).collect();
    assert_cases(&cases);
}

#[test]
fn loops_and_recursion_terminate() {
    let cases = [
        ("while loop", on_success("var i = 0;\nwhile (i < 3) { executeStep(2); i++; }"), both(2)),
        ("for loop with break", on_success("for (var i = 0; i < 3; i++) { if (context.steps[1].idp != 'LOCAL') break; executeStep(2); }"), vec![]),
        ("for-of loop", on_success("for (const r of roles) { if (r == 'admin') executeStep(3); }"), both(3)),
        ("do-while loop", on_success("do { executeStep(2); } while (retry());"), both(2)),
        ("infinite loop with break", on_success("while (true) { if (done()) break; }\nexecuteStep(2);"), both(2)),
        (
            "recursive retry",
            "function login(context, attempt) {\n  executeStep(1, {\n    onSuccess: function (context) { executeStep(2); },\n    onFail: function (context) { if (attempt < 3) { login(context, attempt + 1); } }\n  });\n}\nvar onLoginRequest = function (context) { login(context, 0); };".to_string(),
            both(2),
        ),
        (
            "mutual recursion",
            // a(5) -> b(4) -> a(4) ... -> a(0) runs step 1, then every b runs step 3 after it.
            "function a(context, n) { if (n > 0) { b(context, n - 1); } else { executeStep(1); } }\nfunction b(context, n) { a(context, n); executeStep(3); }\nvar onLoginRequest = function (context) { a(context, 5); };".to_string(),
            both(3),
        ),
        (
            "mutual recursion after step 1",
            "function a(context) { if (x()) { b(context); } }\nfunction b(context) { a(context); executeStep(3); }\nvar onLoginRequest = function (context) { executeStep(1, { onSuccess: function (context) { a(context); } }); };".to_string(),
            both(3),
        ),
    ];
    let cases: Vec<(&str, &str, Vec<String>)> =
        cases.iter().map(|(n, s, e)| (*n, s.as_str(), e.clone())).collect();
    assert_cases(&cases);
}

#[test]
fn sixty_independent_ifs_stay_exact_and_complete() {
    let mut body = String::new();
    for i in 0..60 {
        body.push_str(&format!("if (check{i}(context)) {{ log({i}); }}\n"));
    }
    body.push_str("if (context.steps[1].idp == 'LOCAL') { executeStep(2); }\n");
    for i in 0..60 {
        body.push_str(&format!("if (other{i}()) {{ executeStep(3); }}\n"));
    }
    let got = findings(&on_success(&body), 1);
    // No `incomplete`: the analysis did not run out of budget on 2^120 paths.
    assert_eq!(got, both(3).into_iter().collect());
}

#[test]
fn subject_step_id_is_read() {
    // Step 4 (Google only) is the subject: TOTP after it conflicts even though step 1 was local.
    let script = "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ authenticator: 'BasicAuthenticator' }] }, {});\n  executeStep(4);\n  executeStep(2);\n};";
    assert_eq!(findings(script, 4), set(&["Google->2"]));
    assert_eq!(findings(script, 1), set(&[]));
}

#[test]
fn script_syntax_errors_are_reported() {
    let got = findings("var onLoginRequest = function (context) {\n  executeStep(1;\n};", 1);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got.iter().all(|f| f.starts_with("syntax-error")), "{got:?}");
}

/// Regressions from review: each of these was once wrong.
#[test]
fn server_semantics_regressions() {
    let cases = [
        (
            "a wrapper re-entered from its own callback is not recursion",
            "function step(n, cb) { executeStep(n, { onSuccess: cb }); }\nvar onLoginRequest = function (context) {\n  step(1, function (c) { step(4); });\n  executeStep(2);\n};".to_string(),
            both(2),
        ),
        (
            "a callback's assignment is not seen by the code that registered it",
            "var onLoginRequest = function (context) {\n  var federated = false;\n  executeStep(1, { onSuccess: function (context) { federated = context.steps[1].idp != 'LOCAL'; } });\n  if (!federated) { executeStep(2); }\n};".to_string(),
            both(2),
        ),
        (
            "a later callback sees an earlier callback's assignment",
            "var onLoginRequest = function (context) {\n  var local = false;\n  executeStep(1, { onSuccess: function (context) { local = context.steps[1].idp == 'LOCAL'; } });\n  executeStep(4, { onSuccess: function (context) { if (local) { executeStep(2); } } });\n};".to_string(),
            vec![],
        ),
        (
            "a step field read before the step ran stays undefined",
            "var onLoginRequest = function (context) {\n  var idp = context.steps[1].idp;\n  executeStep(1, { onSuccess: function (context) {\n    if (idp !== 'Google' && idp !== 'Facebook') { executeStep(2); }\n  } });\n};".to_string(),
            both(2),
        ),
        ("finally runs on return", on_success("try { return; } finally { executeStep(2); }"), both(2)),
        ("destructured idp", on_success("var { idp } = context.steps[1];\nif (idp === 'LOCAL') executeStep(2);"), vec![]),
        ("renamed destructured idp", on_success("const { idp: via } = context.steps[1];\nif (via != 'LOCAL') return;\nexecuteStep(2);"), vec![]),
        ("idp with an empty default", on_success("var idp = context.steps[1].idp || '';\nif (idp === 'LOCAL') executeStep(2);"), vec![]),
        (
            "an unreadable markAsSubjectIdentifierStep may or may not mark",
            "var onLoginRequest = function (context) {\n  executeStep(1, { authenticationOptions: [{ authenticator: 'BasicAuthenticator' }] }, {});\n  executeStep(4, { stepOptions: { markAsSubjectIdentifierStep: getFlag() } }, {});\n  executeStep(2);\n};".to_string(),
            vec!["Google->2".into()],
        ),
        ("f.call runs f", format!("{}\nfunction mfa(ctx) {{ executeStep(2); }}", on_success("mfa.call(null, context);")), both(2)),
        ("f.apply runs f", format!("{}\nfunction mfa(ctx) {{ executeStep(3); }}", on_success("mfa.apply(null, [context]);")), both(3)),
        (
            // A recursion summary is shared by all calls: it must not hand one call's states
            // to another (a Google state seeing step 1 as LOCAL).
            "a retry recursing from an httpGet callback keeps later guards exact",
            format!(
                "{}\nfunction retry(context, attempt) {{\n  httpGet('https://x', {{}}, {{ onFail: function (context, data) {{\n    if (attempt < 3) {{ retry(context, attempt + 1); }} else if (context.steps[1].idp == 'LOCAL') {{ executeStep(2); }}\n  }} }});\n}}",
                on_success("retry(context, 1);\nif (context.steps[1].idp == 'LOCAL') { executeStep(3); }")
            ),
            vec![],
        ),
        (
            "callbacks of a custom function see the steps that ran",
            "var onLoginRequest = function (context) {\n  executeStep(1);\n  callRiskService(context, { onSuccess: function (ctx) { if (ctx.steps[1].idp) { executeStep(2); } } });\n};".to_string(),
            both(2),
        ),
    ];
    let cases: Vec<(&str, &str, Vec<String>)> =
        cases.iter().map(|(n, s, e)| (*n, s.as_str(), e.clone())).collect();
    assert_cases(&cases);
}

/// Steps whose options nothing tells apart do not multiply states: 12 steps of 8 options each
/// (8^12 combinations) analyse at once, with and without a script.
#[test]
fn many_steps_with_many_options_stay_small() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("idps.yml"), IDPS).expect("write");
    let mut yaml = String::from("name: wide\nauthenticationSequence:\n  steps:\n");
    for id in 1..=12 {
        yaml.push_str(&format!("    - id: {id}\n      options:\n"));
        for o in 0..7 {
            yaml.push_str(&format!("        - {{idp: LOCAL, authenticator: Custom{o}}}\n"));
        }
        let last = if id == 12 { "totp" } else { "GoogleOIDCAuthenticator" };
        let idp = if id == 12 { "LOCAL" } else { "Google" };
        yaml.push_str(&format!("        - {{idp: {idp}, authenticator: {last}}}\n"));
    }
    std::fs::write(dir.path().join("wide.yml"), &yaml).expect("write");
    let mut script = String::from("  script: |\n    var onLoginRequest = function (context) {\n");
    for id in 1..=12 {
        script.push_str(&format!("      executeStep({id});\n"));
    }
    script.push_str("    };\n");
    std::fs::write(
        dir.path().join("wide-script.yml"),
        yaml.replace("name: wide", "name: wide-script") + &script,
    )
    .expect("write");
    let started = std::time::Instant::now();
    let report = check(&[PathBuf::from(dir.path())], &Catalogue::builtin()).expect("runs");
    // A hang guard only; the benchmark measures speed.
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
    let apps: BTreeSet<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "jit-mfa-conflict")
        .filter_map(|d| d.app.clone())
        .collect();
    assert_eq!(apps, set(&["wide", "wide-script"]));
    assert!(!report.diagnostics.iter().any(|d| d.rule == "analysis-incomplete"));
}
