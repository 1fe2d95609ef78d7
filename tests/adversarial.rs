//! Hostile and broken input (issue "Never crash, never hang"): each case writes one hostile file
//! next to a sound tenant (an IdP file and an application with a finding of its own) and checks
//! that authlint
//!
//! - finishes, without a panic, within a generous wall-clock bound (a hang guard, not a
//!   benchmark);
//! - reports the expected rule at the hostile file (and line, where it is meaningful), or
//!   nothing there when the file is harmless;
//! - still checks the neighbour: its `jit-mfa-conflict` is reported at its own line;
//! - keeps every span inside its file, and renders both outputs.
//!
//! Like the binary (src/main.rs), each check runs on a thread with the stack authlint gives its
//! threads (`workers::STACK_SIZE`, 64 MiB): the parsers recurse over the input's nesting, and a
//! script that could need more parses on a stack grown for it. `.ci/run` runs this suite once
//! more under `ulimit -v 2097152` (2 GiB of address space). Cases where authlint is wrong today are `#[ignore]`d with
//! the reason; run them with `cargo test --test adversarial -- --ignored` (one of them,
//! `script_200k_unary_operators`, overflows the stack in process and aborts the whole run: run it
//! alone). Operator chains deep enough to overflow run the real binary (`binary_*`), where a crash
//! fails one test.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use authlint::catalogue::Catalogue;
use authlint::check::{Report, check};
use authlint::report::{human, json};

/// The stack `authlint` runs its work on (src/main.rs).
const STACK_SIZE: usize = authlint::workers::STACK_SIZE;
/// A whole check of one case must finish within this (debug build, 2 cores, tests in parallel).
const HANG_GUARD: Duration = Duration::from_secs(30);
/// Past this the case is reported as a hang rather than waited for.
const GIVE_UP: Duration = Duration::from_secs(120);

const IDPS: &str = "name: Google
provisioning:
  jit:
    isEnabled: false
---
name: Corp
provisioning:
  jit:
    isEnabled: true
";

/// The sound neighbour: Google (JIT disabled) in step 1, TOTP in step 2, no script.
const NEIGHBOUR: &str = "name: neighbour
authenticationSequence:
  steps:
    - id: 1
      options:
        - {idp: LOCAL, authenticator: BasicAuthenticator}
        - {idp: Google, authenticator: GoogleOIDCAuthenticator}
    - id: 2
      options:
        - {idp: LOCAL, authenticator: totp}
";
/// Where the neighbour's finding is: the TOTP option.
const NEIGHBOUR_LINE: usize = 10;

/// Where the expected diagnostic is.
enum At {
    /// Anywhere in the hostile file.
    Anywhere,
    /// On this 1-based line.
    Line(usize),
    /// On the line of the first occurrence of this text in the hostile file.
    LineOf(&'static str),
}

/// What the hostile file must produce.
enum Expect {
    /// At least one diagnostic of this rule at the hostile file, where `At` says.
    Rule(&'static str, At),
    /// Nothing at the hostile file (it is harmless: skipped, or not ours).
    Nothing,
}

/// Lines of an application whose script is `script` (a YAML block scalar), with steps 1
/// (LOCAL, Google), 2 (TOTP).
fn app_with_script(name: &str, script: &str) -> String {
    let mut yaml = format!(
        "name: {name}\nauthenticationSequence:\n  type: USER_DEFINED\n  steps:\n    - id: 1\n      options:\n        - {{idp: LOCAL, authenticator: BasicAuthenticator}}\n        - {{idp: Google, authenticator: GoogleOIDCAuthenticator}}\n    - id: 2\n      options:\n        - {{idp: LOCAL, authenticator: totp}}\n  script: |\n"
    );
    for line in script.lines() {
        yaml.push_str("    ");
        yaml.push_str(line);
        yaml.push('\n');
    }
    yaml
}

/// A script whose step-1 onSuccess callback runs `body`, followed by `tail` at the top level.
fn on_success(body: &str, tail: &str) -> String {
    format!(
        "var onLoginRequest = function (context) {{\n  executeStep(1, {{\n    onSuccess: function (context) {{\n{body}\n    }}\n  }});\n}};\n{tail}"
    )
}

fn line_of(text: &[u8], needle: &str) -> usize {
    let at = text
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .unwrap_or_else(|| panic!("`{needle}` is not in the hostile file"));
    1 + text[..at].iter().filter(|&&b| b == b'\n').count()
}

/// Runs `check` on `dir` on a thread with authlint's stack; panics on a panic, or past `GIVE_UP`.
fn check_on_big_stack(dir: PathBuf) -> (Report, Duration) {
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    let worker = std::thread::Builder::new()
        .name("authlint-check".into())
        .stack_size(STACK_SIZE)
        .spawn(move || {
            let report = check(&[dir], &Catalogue::builtin()).expect("the directory exists");
            // Rendering is part of the run: the CLI would print both.
            let _ = json::render(&report);
            let _ = human::render(&report, human::Color::Never);
            let _ = tx.send(report);
        })
        .expect("spawn the check thread");
    match rx.recv_timeout(GIVE_UP) {
        Ok(report) => {
            let elapsed = started.elapsed();
            worker.join().expect("the check thread finished");
            (report, elapsed)
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("authlint panicked: {message}")
            }
            Ok(()) => panic!("the check thread ended without a report"),
        },
        // The thread is left running; the test fails now rather than hanging the suite.
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("authlint hung: no report after {GIVE_UP:?}"),
    }
}

fn describe(report: &Report) -> String {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = report.files.get(d.span.file);
            let lc = file.line_col(d.span.start);
            format!(
                "  {}:{}:{} [{}] {}",
                file.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
                lc.line,
                lc.column,
                d.rule,
                d.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes `content` as `file_name` next to the sound tenant, checks (and renders both outputs),
/// and asserts `expect`.
fn run_case(file_name: &str, content: &[u8], expect: Expect) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(file_name), content).expect("write the hostile file");
    std::fs::write(dir.path().join("idps.yml"), IDPS).expect("write idps.yml");
    std::fs::write(dir.path().join("neighbour.yml"), NEIGHBOUR).expect("write neighbour.yml");

    let (report, elapsed) = check_on_big_stack(dir.path().to_path_buf());
    let all = describe(&report);

    // Every span lies inside its file.
    for d in &report.diagnostics {
        let spans = std::iter::once(d.span)
            .chain(d.related.iter().map(|l| l.span))
            .chain(d.fixes.iter().flat_map(|f| f.edits.iter().map(|e| e.span)));
        for span in spans {
            let len = report.files.get(span.file).text.len();
            assert!(
                span.start <= span.end && span.end <= len,
                "a [{}] span {}..{} is outside its file ({len} bytes):\n{all}",
                d.rule,
                span.start,
                span.end
            );
        }
    }

    let in_file = |name: &str| -> Vec<&authlint::diagnostic::Diagnostic> {
        report
            .diagnostics
            .iter()
            .filter(|d| report.files.get(d.span.file).path.file_name() == Some(name.as_ref()))
            .collect()
    };

    // The neighbour is still checked, and its finding is where it belongs.
    assert!(
        in_file("neighbour.yml").into_iter().any(|d| d.rule == "jit-mfa-conflict"
            && d.app.as_deref() == Some("neighbour")
            && report.files.get(d.span.file).line_col(d.span.start).line == NEIGHBOUR_LINE),
        "the neighbour's jit-mfa-conflict (line {NEIGHBOUR_LINE}) is missing:\n{all}"
    );

    match expect {
        Expect::Nothing => {
            assert_eq!(in_file(file_name).len(), 0, "expected nothing at {file_name}, got:\n{all}");
        }
        Expect::Rule(rule, at) => {
            let line = match at {
                At::Anywhere => None,
                At::Line(n) => Some(n),
                At::LineOf(needle) => Some(line_of(content, needle)),
            };
            let found = in_file(file_name).into_iter().any(|d| {
                d.rule == rule
                    && line.is_none_or(|l| report.files.get(d.span.file).line_col(d.span.start).line == l)
            });
            let place = line.map_or(String::new(), |l| format!(" on line {l}"));
            assert!(found, "expected [{rule}] at {file_name}{place}, got:\n{all}");
        }
    }

    assert!(elapsed < HANG_GUARD, "the check took {elapsed:?} (hang guard {HANG_GUARD:?}):\n{all}");
}

/// One test per case, so that each can be run, timed and ignored on its own.
macro_rules! cases {
    ($( $(#[$attr:meta])* $name:ident: $file:expr, $content:expr => $expect:expr; )*) => {
        $(
            $(#[$attr])*
            #[test]
            fn $name() {
                let content: Vec<u8> = $content.into();
                run_case($file, &content, $expect);
            }
        )*
    };
}

use At::*;
use Expect::*;

fn rule(rule: &'static str, at: At) -> Expect {
    Expect::Rule(rule, at)
}

/// An application whose steps are `steps` (YAML, indented under `steps:`).
fn app_with_steps(steps: &str) -> String {
    format!("name: hostile\nauthenticationSequence:\n  steps:\n{steps}")
}

fn nested(open: &str, close: &str, depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

/// A 5 MB application file: a comment block, then an application whose conflict is at the end.
fn five_megabytes_of_comments() -> String {
    let mut text = String::with_capacity(5 << 20);
    while text.len() < 5 << 20 {
        text.push_str("# filler filler filler filler filler filler filler filler filler filler\n");
    }
    text.push_str(&app_with_script("big", &on_success("      executeStep(2);", "")));
    text
}

/// A 5 MB list response: thousands of applications, each with a conflict; the last one is
/// named so that its finding can be found.
/// A 5 MB list response: far more nodes than serde-saphyr's default budget (250,000) allows.
/// Padded with identity providers, so that the (debug-build) analysis stays quick.
fn five_megabytes_of_applications() -> String {
    let mut text = String::from("identityProviders:\n");
    let mut i = 0;
    while text.len() < 5 << 20 {
        text.push_str(&format!("  - {{name: idp{i}, provisioning: {{jit: {{isEnabled: true}}}}}}\n"));
        i += 1;
    }
    text.push_str("applications:\n");
    text.push_str("  - name: last\n    authenticationSequence:\n      steps:\n        - {id: 1, options: [{idp: Google, authenticator: GoogleOIDCAuthenticator}]}\n        - {id: 2, options: [{idp: LOCAL, authenticator: totp}]}  # last-conflict\n");
    text
}

/// A 5 MB script: a long run of statements, then the conflict.
fn five_megabyte_script_app() -> String {
    let mut body = String::new();
    while body.len() < 5 << 20 {
        body.push_str("      Log.info('a log line that pads the script out to five megabytes');\n");
    }
    body.push_str("      executeStep(2);");
    app_with_script("bigscript", &on_success(&body, ""))
}

/// "Billion laughs": ten levels of ten aliases each, 10^9 leaves if expanded.
fn alias_bomb() -> String {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("name: bomb\nauthenticationSequence:\n  steps: *a9\n");
    text
}

/// A script with mutual recursion and a loop without a way out, both around a real conflict.
const RECURSION_AND_LOOPS: &str = "function even(n) { return n == 0 ? true : odd(n - 1); }
function odd(n) { return n == 0 ? false : even(n - 1); }
function ping(n) { return pong(n + 1); }
function pong(n) { return ping(n + 1); }
function spin() { while (true) {} }
function fact(n) { return n <= 1 ? 1 : n * fact(n - 1); }
var onLoginRequest = function (context) {
  even(10);
  fact(20);
  executeStep(1, {
    onSuccess: function (context) {
      if (even(4)) {
        executeStep(2); // the conflict
      }
      spin();
      ping(0);
      for (;;) { }
      do { } while (true);
    }
  });
};
";

/// Mutual recursion that terminates at run time, before the conflict.
const RECURSION_BEFORE_STEP: &str = "function even(n) { return n == 0 ? true : odd(n - 1); }
function odd(n) { return n == 0 ? false : even(n - 1); }
var onLoginRequest = function (context) {
  executeStep(1, {
    onSuccess: function (context) {
      even(1000);
      executeStep(2); // the conflict
    }
  });
};
";

/// An infinite loop at the top level: the server never reaches onLoginRequest, but authlint
/// must still finish.
const TOP_LEVEL_LOOP: &str = "while (true) { }
var onLoginRequest = function (context) { executeStep(1); executeStep(2); };
";

/// Found by tests/properties.rs: a 5.6 KB script (277 lines; helpers that call each other,
/// switches, loops, callbacks) whose analysis spends the whole budget of 2,000,000 evaluations.
// Its loops run to an unknown `limit`: with a constant bound (`i < 3`) the analysis knows the body
// runs at least once, and this script no longer exhausts the budget.
const BUDGET_EXHAUSTING_SCRIPT: &str = r#"function h0(context) {
switch (context.steps[2].idp) {
case 'totp':
executeStep(2);
executeStep(2, { authenticationOptions: [{ authenticator: 'totp' }] });
break;
case 'Nowhere':
switch (context.steps[4].idp) {
case 'Corp':
executeStep(0, {}, {});
break;
case 'totp':
Log.info('signing in');
var second = context.steps[3];
var first = context.steps[3];
default:
return;
var second = context.steps[3];
}
executeStep(4);
executeStep(2);
default:
if (!((hasAnyOfTheRolesV2(context, ['admin']) && context.steps[1].idp == 'LOCAL'))) {
var second = context.steps[2];
executeStep(3);
} else {

}
executeStep(4);
executeStep(5);
}
switch (context.steps[4].idp) {
case 'LOCAL':
switch (context.steps[2].idp) {
case 'LOCAL':
var second = context.steps[4];
executeStep(2);
executeStep(3, {}, {});
break;
case 'Google':
executeStep(1);
default:
executeStep(4);
}
break;
case 'LOCAL':
httpGet('https://risk.example.org/score', {}, {
  onSuccess: function (context, data) {
executeStep(1);
var first = context.steps[2];
h1(context);
  },
  onFail: function (context, data) {
switch (context.steps[3].idp) {
case 'Nowhere':
Log.info('signing in');
break;
case 'LOCAL':
executeStep(4);
return;
default:

}
var second = context.steps[3];
  }
});
executeStep(3, { authenticationOptions: [{ authenticator: 'totp' }] });
default:
while ((context.steps[4].idp == 'Facebook' || (context.steps[1].idp !== 'Corp' && context.steps[3].idp !== 'LOCAL'))) {
h0(context);
executeStep(2, {}, {});
break;
}
h1(context);
executeStep(3);
}
switch (context.steps[1].idp) {
case 'totp':
executeStep(4);
break;
case 'totp':
executeStep(3, { authenticationOptions: [{ idp: 'Nowhere' }] }, {});
while (true) {
Log.info('signing in');
executeStep(1);
executeStep(3, { authenticationOptions: [{ idp: 'local' }] }, {});
if ((hasAnyOfTheRolesV2(context, ['admin']) && context.steps[2].idp === 'local')) {
break;
}
}
while (true) {

if (!(context.steps[1].idp !== 'totp')) {
break;
}
}
default:
h0(context);
executeStep(1);
}
}
function h1(context) {
switch (context.steps[1].idp) {
case 'local':

break;
case 'Facebook':
{
const step = context.steps[4];
if (step.idp != 'local') {
executeStep(1);
}
}
executeStep(2);
default:

}
switch (context.steps[4].idp) {
case 'local':
if (context.steps[2].idp !== 'Facebook') {

} else {
executeStep(4);
return (h2(context) || h2(context));
}
executeStep(5, {
  onSuccess: function (context) {
executeStep(1);
  },
  onFail: function (context) {
Log.info('signing in');
  }
});
httpGet('https://risk.example.org/score', {}, {
  onSuccess: function (context, data) {

  },
  onFail: function (context, data) {
h1(context);
  }
});
break;
case 'LOCAL':
Log.info('signing in');
switch (context.steps[4].idp) {
case 'Google':

break;
case 'local':
return !(false);
var second = context.steps[2];
default:
executeStep(1, { authenticationOptions: [{ idp: 'Facebook' }] }, {});
h2(context);
}
h0(context);
default:
executeStep(4, { authenticationOptions: [{ idp: 'Nowhere' }] }, {});
}
for (var i = 0; i < limit; i++) {
executeStep(0, {}, {});
}
}
function h2(context) {
for (var i = 0; i < limit; i++) {

}
for (var i = 0; i < limit; i++) {
executeStep(0, {
  onSuccess: function (context) {
h2(context);
executeStep(2);
var second = context.steps[2];
  },
  onFail: function (context) {
Log.info('signing in');
  }
});
if (!(context.steps[4].idp === 'LOCAL')) {
executeStep(4);
h0(context);
} else {

}
}
switch (context.steps[3].idp) {
case 'local':

break;
case 'Nowhere':
executeStep(1, { authenticationOptions: [{ idp: 'Corp' }] }, {});
{
let step = context.steps[1];
if (step.idp == 'LOCAL') {
executeStep(0);
}
}
var first = context.steps[4];
default:
while (true) {
executeStep(2, { authenticationOptions: [{ authenticator: 'totp' }] });
if (((true || h2(context)) || context.steps[3].idp == 'Nowhere')) {
break;
}
}
executeStep(4);
httpGet('https://risk.example.org/score', {}, {
  onSuccess: function (context, data) {
executeStep(3);
executeStep(2);
h1(context);
  },
  onFail: function (context, data) {
h1(context);
executeStep(2, { authenticationOptions: [{ idp: 'totp' }] }, {});
return ((context.steps[3].idp === 'Google' || h2(context)) || first.idp === LOCAL_IDP);
  }
});
}
}
var onLoginRequest = function (context) {
while (true) {
executeStep(1, {}, {});
return ((h2(context) && context.steps[1].idp !== 'LOCAL') && h0(context));
if (!(!(context.steps[4].idp !== 'Nowhere'))) {
break;
}
}
if ((false && context.steps[4].idp == 'Corp')) {
executeStep(1, {
  onSuccess: function (context) {
return (context.steps[1].authenticator == 'GoogleOIDCAuthenticator' || (h0(context) || first.idp != LOCAL_IDP));
if ((!(context.steps[2].idp == 'totp') && context.steps[3].idp !== 'Corp')) {
var first = context.steps[1];
}
if (!(hasAnyOfTheRolesV2(context, ['admin']))) {

} else if ((first.idp === LOCAL_IDP && h0(context))) {
executeStep(2);
executeStep(3);
executeStep(3, {}, {});
} else {

}
  }
});
executeStep(5);
if (((first.idp == LOCAL_IDP && context.steps[1].idp !== 'LOCAL') || second.idp !== LOCAL_IDP)) {

} else {

}
} else {
executeStep(1);
}
if (!(false)) {
if ((hasAnyOfTheRolesV2(context, ['admin']) && false)) {
executeStep(2);
executeStep(3, { authenticationOptions: [{ idp: 'Corp' }] }, {});
executeStep(1);
} else if ((!(context.steps[3].idp === 'Nowhere') || isTrusted(context))) {
executeStep(3, { authenticationOptions: [{ idp: 'LOCAL' }] }, {});
} else {
executeStep(3);
h1(context);
executeStep(2, {
  onSuccess: function (context) {
executeStep(3);
var second = context.steps[2];
executeStep(2);
  }
});
}
} else {
return (!(context.steps[2].idp == 'Corp') && (context.steps[2].idp != 'LOCAL' || h0(context)));
}
};
"#;

/// The application that script ran in: four steps, several options each.
fn budget_exhausting_app() -> String {
    let option =
        |idp: &str, authenticator: &str| serde_json::json!({"idp": idp, "authenticator": authenticator});
    let value = serde_json::json!({
        "name": "budget",
        "authenticationSequence": {
            "type": "USER_DEFINED",
            "subjectStepId": 1,
            "steps": [
                {"id": 1, "options": [option("LOCAL", "backup-code-authenticator")]},
                {"id": 2, "options": [option("Google", "GoogleOIDCAuthenticator"), option("Facebook", "FacebookAuthenticator"), option("Google", "GoogleOIDCAuthenticator")]},
                {"id": 3, "options": [option("Facebook", "FacebookAuthenticator"), option("Google", "GoogleOIDCAuthenticator"), option("Google", "GoogleOIDCAuthenticator")]},
                {"id": 4, "options": [option("LOCAL", "email-otp-authenticator"), option("LOCAL", "totp")]},
            ],
            "script": BUDGET_EXHAUSTING_SCRIPT,
        },
    });
    serde_json::to_string_pretty(&value).expect("serialises")
}

fn chained_else_if(n: usize) -> String {
    let mut body = String::from("      if (context.steps[1].idp == 'c0') { Log.info(0); }\n");
    for i in 1..n {
        body.push_str(&format!("      else if (context.steps[1].idp == 'c{i}') {{ Log.info({i}); }}\n"));
    }
    body.push_str("      else { executeStep(2); }");
    app_with_script("chain", &on_success(&body, ""))
}

cases! {
    // ----- bytes that are not text -------------------------------------------------------------
    binary_content: "hostile.yml", {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        b.extend((0..=255u8).cycle().take(4096));
        b
    } => rule("io-error", Line(1));
    binary_but_utf8_control_characters: "hostile.yml",
        b"\0\x01\x02\x03name: x\x07\x08\nauthenticationSequence: {}\n".to_vec()
        => rule("syntax-error", Line(1));
    invalid_utf8_on_line_3: "hostile.yml",
        b"name: ok\nauthenticationSequence:\n  type: caf\xe9\n".to_vec()
        => rule("io-error", Line(3));
    invalid_utf8_json: "hostile.json", b"{\"name\": \"\xff\xfe\"}".to_vec() => rule("io-error", Line(1));
    utf16_with_bom: "hostile.yml", {
        let mut b = vec![0xff, 0xfe];
        for u in "name: x\n".encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        b
    } => rule("io-error", Line(1));

    // ----- empty and null ----------------------------------------------------------------------
    empty_yaml_file: "hostile.yml", "" => Nothing;
    empty_json_file: "hostile.json", "" => rule("syntax-error", Line(1));
    whitespace_only_json_file: "hostile.json", "  \n\n  " => rule("syntax-error", Anywhere);
    null_yaml_document: "hostile.yml", "null\n" => Nothing;
    null_json_document: "hostile.json", "null" => Nothing;
    // Refused by serde-saphyr's document budget (1024): acceptable for a hostile file.
    // 10,000 empty documents are valid YAML, within authlint's document budget: nothing to say.
    many_null_documents: "hostile.yml", "---\n".repeat(10_000) => Nothing;
    utf8_bom: "hostile.yml",
        format!("\u{feff}{}", app_with_script("bom", &on_success("      executeStep(2);", "")))
        => rule("jit-mfa-conflict", LineOf("executeStep(2)"));

    // ----- wrong shapes ------------------------------------------------------------------------
    steps_is_a_number: "hostile.yml", "name: odd\nauthenticationSequence:\n  steps: 7\n"
        => rule("invalid-config", Line(3));
    steps_is_a_string: "hostile.yml", "name: odd\nauthenticationSequence:\n  steps: \"1, 2\"\n"
        => rule("invalid-config", Line(3));
    authentication_sequence_is_a_list: "hostile.yml", "name: odd\nauthenticationSequence: [1, 2]\n"
        => rule("invalid-config", Line(2));
    name_is_a_number: "hostile.yml", "name: 42\nauthenticationSequence:\n  steps: []\n"
        => rule("invalid-config", Line(1));
    idp_name_is_a_number: "hostile.yml", "name: 42\nprovisioning:\n  jit:\n    isEnabled: false\n"
        => rule("invalid-config", Line(1));
    jit_is_a_string: "hostile.yml", "name: Okta\nprovisioning:\n  jit:\n    isEnabled: \"no\"\n"
        => rule("invalid-config", Line(4));
    script_is_a_map: "hostile.yml",
        "name: odd\nauthenticationSequence:\n  steps: []\n  script:\n    onLoginRequest: executeStep(1)\n"
        => rule("invalid-config", Line(5));
    script_is_a_number: "hostile.json",
        "{\"name\": \"odd\", \"authenticationSequence\": {\"steps\": [], \"script\": 7}}"
        => rule("invalid-config", Line(1));
    option_idp_is_a_list: "hostile.yml",
        app_with_steps("    - id: 1\n      options:\n        - {idp: [Google], authenticator: x}\n")
        => rule("invalid-config", Line(6));
    options_is_a_map: "hostile.yml",
        app_with_steps("    - id: 1\n      options: {idp: LOCAL}\n")
        => rule("invalid-config", Line(5));
    step_is_a_string: "hostile.yml", app_with_steps("    - one\n") => rule("invalid-config", Line(4));
    // Complex keys are no `name`: a nameless sequence (a PATCH body), read under the file's name;
    // it has no steps, so nothing to report.
    complex_keys: "hostile.yml", "? [name]\n: x\n? {a: 1}\n: y\nauthenticationSequence: {}\n"
        => Nothing;
    // Tags are read through: an application named "hello" without steps, nothing to report.
    yaml_tags: "hostile.yml", "name: !!binary aGVsbG8=\nauthenticationSequence: !custom {steps: []}\n"
        => Nothing;

    // ----- absurd step ids ---------------------------------------------------------------------
    step_id_zero: "hostile.yml", app_with_steps("    - id: 0\n") => rule("invalid-config", Line(4));
    step_id_negative: "hostile.yml", app_with_steps("    - id: -1\n") => rule("invalid-config", Line(4));
    step_id_huge_float: "hostile.yml", app_with_steps("    - id: 1e30\n") => rule("invalid-config", Line(4));
    // serde-saphyr refuses non-finite floats: the file is reported as invalid YAML at the value.
    step_id_infinite: "hostile.yml", app_with_steps("    - id: .inf\n") => rule("invalid-config", Line(4));
    step_id_nan: "hostile.yml", app_with_steps("    - id: .nan\n") => rule("invalid-config", Line(4));
    step_id_past_u32: "hostile.yml", app_with_steps("    - id: 99999999999\n") => rule("invalid-config", Line(4));
    step_id_past_i64: "hostile.yml", app_with_steps("    - id: 99999999999999999999999\n")
        => rule("invalid-config", Line(4));
    step_id_is_a_string: "hostile.yml", app_with_steps("    - id: \"1\"\n") => rule("invalid-config", Line(4));
    subject_step_id_huge: "hostile.yml",
        "name: odd\nauthenticationSequence:\n  subjectStepId: 99999999999\n  steps: []\n"
        => rule("invalid-config", Line(3));
    execute_step_zero: "hostile.yml",
        app_with_script("s", &on_success("      executeStep(0);", "")) => rule("undefined-step", LineOf("executeStep(0)"));
    execute_step_negative: "hostile.yml",
        app_with_script("s", &on_success("      executeStep(-1);", "")) => rule("undefined-step", LineOf("executeStep(-1)"));
    execute_step_huge_float: "hostile.yml",
        app_with_script("s", &on_success("      executeStep(1e30);", "")) => rule("undefined-step", LineOf("executeStep(1e30)"));
    execute_step_past_u32: "hostile.yml",
        app_with_script("s", &on_success("      executeStep(99999999999);", ""))
        => rule("undefined-step", LineOf("executeStep(99999999999)"));
    execute_step_wraps_to_two: "hostile.yml",
        // 2^32 + 2: a 32-bit wrap would read it as step 2.
        app_with_script("s", &on_success("      executeStep(4294967298);", ""))
        => rule("undefined-step", LineOf("executeStep(4294967298)"));
    execute_step_fraction: "hostile.yml",
        app_with_script("s", &on_success("      executeStep(1.5);", "")) => rule("undefined-step", LineOf("executeStep(1.5)"));
    guard_on_step_past_u32: "hostile.yml",
        app_with_script("s", &on_success("      if (context.steps[99999999999].idp == 'LOCAL') { executeStep(2); }", ""))
        => rule("jit-mfa-conflict", LineOf("executeStep(2)"));

    // ----- duplicates --------------------------------------------------------------------------
    duplicate_step_ids: "hostile.yml",
        app_with_steps("    - id: 1\n      options: [{idp: LOCAL, authenticator: BasicAuthenticator}]\n    - id: 1\n      options: [{idp: LOCAL, authenticator: totp}]\n")
        => rule("invalid-config", Line(6));
    duplicate_keys_yaml: "hostile.yml", "name: a\nname: b\nauthenticationSequence: {}\n"
        => rule("syntax-error", Line(2));
    duplicate_keys_json: "hostile.json", "{\"name\": \"a\",\n \"name\": \"b\",\n \"authenticationSequence\": {}}"
        => rule("syntax-error", Line(2));

    // ----- bombs and depth ---------------------------------------------------------------------
    yaml_alias_bomb: "hostile.yml", alias_bomb() => rule("syntax-error", Anywhere);
    yaml_self_referencing_alias: "hostile.yml", "a: &a [*a]\n" => rule("syntax-error", Line(1));
    json_100k_nested_brackets: "hostile.json", "[".repeat(100_000) => rule("syntax-error", Line(1));
    json_100k_balanced_brackets: "hostile.json", nested("[", "]", 100_000, "") => rule("syntax-error", Line(1));
    yaml_100k_nested_flow_sequences: "hostile.yml", "[".repeat(100_000) => rule("syntax-error", Line(1));
    yaml_100k_balanced_flow_sequences: "hostile.yml", nested("[", "]", 100_000, "") => rule("syntax-error", Line(1));
    yaml_100k_nested_flow_maps: "hostile.yml", nested("{a: ", "}", 100_000, "1") => rule("syntax-error", Line(1));
    yaml_deep_block_nesting: "hostile.yml", {
        let mut text = String::new();
        for i in 0..1_000 {
            text.push_str(&" ".repeat(i));
            text.push_str("a:\n");
        }
        text
    } => rule("syntax-error", Anywhere);
    yaml_deep_block_sequences: "hostile.yml", format!("{}x\n", "- ".repeat(100_000)) => rule("syntax-error", Line(1));
    script_50k_nested_parentheses: "hostile.yml",
        app_with_script("deep", &on_success(&format!("      var x = {};", nested("(", ")", 50_000, "1")), ""))
        => rule("analysis-incomplete", LineOf("var x"));
    script_50k_nested_functions: "hostile.yml",
        app_with_script("deep", &on_success(&format!("      {}", nested("function f() {", "}", 50_000, "")), ""))
        => rule("analysis-incomplete", Anywhere);
    script_200k_plus_terms: "hostile.yml",
        app_with_script("sum", &on_success(&format!("      var x = {}1;\n      executeStep(2);", "1+".repeat(200_000)), ""))
        => rule("analysis-incomplete", Anywhere);
    script_200k_unary_operators: "hostile.yml",
        app_with_script("neg", &on_success(&format!("      var x = {}1;\n      executeStep(2);", "!".repeat(200_000)), ""))
        => rule("analysis-incomplete", Anywhere);
    script_100k_chained_member_calls: "hostile.yml",
        app_with_script("chain", &on_success(&format!("      var x = a{};\n      executeStep(2);", ".b()".repeat(100_000)), ""))
        => rule("analysis-incomplete", Anywhere);
    script_20k_chained_else_if: "hostile.yml", chained_else_if(20_000) => rule("analysis-incomplete", Anywhere);
    // Just under script::MAX_SCRIPT_BYTES (256 KiB), so parsed and analysed.
    script_60k_chained_member_calls: "hostile.yml",
        app_with_script("chain", &on_success(&format!("      var x = a{};\n      executeStep(2);", ".b()".repeat(60_000)), ""))
        => rule("analysis-incomplete", Anywhere);
    // Quadratic in swc_ecma_parser's parse_if_stmt, but bounded by the script cap: ~1 s in debug.
    script_10k_short_chained_else_if: "hostile.yml",
        app_with_script("chain", &on_success(&format!("      if (a) b();\n{}      else executeStep(2);", "      else if (a) b();\n".repeat(10_000)), ""))
        => rule("analysis-incomplete", Anywhere);
    script_10k_chained_member_calls: "hostile.yml",
        app_with_script("chain", &on_success(&format!("      var x = a{};\n      executeStep(2);", ".b()".repeat(10_000)), ""))
        => rule("jit-mfa-conflict", LineOf("executeStep(2)"));
    script_2k_chained_else_if: "hostile.yml", chained_else_if(2_000) => rule("jit-mfa-conflict", LineOf("executeStep(2)"));
    script_mutual_recursion_and_infinite_loops: "hostile.yml",
        app_with_script("loops", RECURSION_AND_LOOPS) => rule("jit-mfa-conflict", LineOf("executeStep(2)"));
    script_terminating_mutual_recursion: "hostile.yml",
        app_with_script("rec", RECURSION_BEFORE_STEP) => rule("jit-mfa-conflict", LineOf("executeStep(2)"));
    script_that_exhausts_the_budget: "hostile.json", budget_exhausting_app() => rule("analysis-incomplete", Anywhere);
    script_top_level_infinite_loop: "hostile.yml", app_with_script("spin", TOP_LEVEL_LOOP) => Nothing;
    script_with_unbalanced_brackets: "hostile.yml",
        app_with_script("open", &format!("var x = {};", "(".repeat(50_000)))
        => rule("analysis-incomplete", LineOf("var x"));
    script_of_nul_bytes: "hostile.json",
        format!("{{\"name\": \"nul\", \"authenticationSequence\": {{\"steps\": [], \"script\": \"{}\"}}}}", "\\u0000".repeat(1000))
        => rule("syntax-error", Line(1));

    // ----- size --------------------------------------------------------------------------------
    five_megabyte_yaml_of_comments: "hostile.yml", five_megabytes_of_comments()
        => rule("jit-mfa-conflict", LineOf("executeStep(2)"));
    five_megabyte_list_response: "hostile.yml", five_megabytes_of_applications()
        => rule("jit-mfa-conflict", LineOf("last-conflict"));
    // Over script::MAX_SCRIPT_BYTES (256 KiB): not analysed, and said so.
    five_megabyte_script: "hostile.yml", five_megabyte_script_app() => rule("analysis-incomplete", Anywhere);
    // Over the default `max-file-size` (8 MiB): reported and skipped, not read.
    nine_megabyte_file: "hostile.yml", five_megabytes_of_comments().repeat(2) => rule("io-error", Line(1));
    five_megabyte_json_string: "hostile.json",
        format!("{{\"name\": \"big\", \"description\": \"{}\", \"authenticationSequence\": {{\"steps\": 7}}}}", "x".repeat(5 << 20))
        => rule("invalid-config", Line(1));

    // ----- positions inside embedded scripts ---------------------------------------------------
    crlf_line_endings: "hostile.yml",
        app_with_script("crlf", &on_success("      executeStep(2);", "")).replace('\n', "\r\n")
        => rule("jit-mfa-conflict", LineOf("executeStep(2)"));
    multibyte_before_the_step: "hostile.yml",
        app_with_script("utf8", &on_success("      var s = 'é漢字🙂'; executeStep(2);", ""))
        => rule("jit-mfa-conflict", LineOf("executeStep(2)"));
    json_escapes_before_the_step: "hostile.json",
        "{\"name\": \"esc\",\n \"authenticationSequence\": {\"steps\": [\n  {\"id\": 1, \"options\": [{\"idp\": \"Google\", \"authenticator\": \"GoogleOIDCAuthenticator\"}]},\n  {\"id\": 2, \"options\": [{\"idp\": \"LOCAL\", \"authenticator\": \"totp\"}]}],\n \"script\": \"var s = '\\u00e9\\ud83d\\ude42\\t\\\"';\\nvar onLoginRequest = function (context) { executeStep(1, { onSuccess: function (context) { executeStep(2); } }); };\"}}"
        => rule("jit-mfa-conflict", Line(5));
    line_separators_in_script: "hostile.yml",
        app_with_script("ls", &on_success("      var s = 1;\u{2028}var t = 2;\u{2029}executeStep(2);", ""))
        => rule("jit-mfa-conflict", LineOf("executeStep(2)"));
}

// ----- deep scripts, through the binary ----------------------------------------------------------
//
// Operator chains that the bracket-depth guard does not see make swc's parser recurse once per
// operator. A stack overflow aborts the whole process, so these run the real binary (with the
// stack it gives itself), where a crash is a failed test rather than the end of the suite.

/// Runs `authlint check DIR --format json` on the hostile file next to the sound tenant and
/// asserts a clean exit (0 or 1), the expected rule at the hostile file, and the neighbour's
/// finding.
fn run_binary_case(file_name: &str, content: &[u8], rule: &str, at: At) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(file_name), content).expect("write the hostile file");
    std::fs::write(dir.path().join("idps.yml"), IDPS).expect("write idps.yml");
    std::fs::write(dir.path().join("neighbour.yml"), NEIGHBOUR).expect("write neighbour.yml");
    let out_path = dir.path().join("out.txt");
    let err_path = dir.path().join("err.txt");
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_authlint"))
        .arg("check")
        .arg(dir.path().join(file_name))
        .arg(dir.path().join("idps.yml"))
        .arg(dir.path().join("neighbour.yml"))
        .args(["--format", "json"])
        .stdout(std::fs::File::create(&out_path).expect("out"))
        .stderr(std::fs::File::create(&err_path).expect("err"))
        .spawn()
        .expect("run authlint");
    let mut peak_kib = 0;
    let status = loop {
        peak_kib = peak_kib.max(peak_rss_kib(child.id()).unwrap_or(0));
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > GIVE_UP {
            let _ = child.kill();
            let _ = child.wait();
            panic!("authlint hung: no exit after {GIVE_UP:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let tail: String = stderr.chars().rev().take(2000).collect::<Vec<_>>().into_iter().rev().collect();
    assert!(matches!(status.code(), Some(0 | 1)), "authlint crashed ({status}) after {elapsed:?}:\n{tail}");
    let output: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_path).expect("read the output"))
            .unwrap_or_else(|e| panic!("the output is not JSON: {e}\n{tail}"));
    let diagnostics = output["diagnostics"].as_array().cloned().unwrap_or_default();
    let all = diagnostics
        .iter()
        .map(|d| format!("  {}:{} [{}] {}", d["file"], d["line"], d["rule"], d["message"]))
        .collect::<Vec<_>>()
        .join("\n");
    let at_file = |d: &serde_json::Value, name: &str| d["file"].as_str().is_some_and(|f| f.ends_with(name));
    assert!(
        diagnostics.iter().any(|d| at_file(d, "neighbour.yml")
            && d["rule"] == "jit-mfa-conflict"
            && d["line"] == NEIGHBOUR_LINE),
        "the neighbour's jit-mfa-conflict is missing:\n{all}"
    );
    let line = match at {
        At::Anywhere => None,
        At::Line(n) => Some(n),
        At::LineOf(needle) => Some(line_of(content, needle)),
    };
    assert!(
        diagnostics
            .iter()
            .any(|d| at_file(d, file_name) && d["rule"] == rule && line.is_none_or(|l| d["line"] == l)),
        "expected [{rule}] at {file_name}{}, got:\n{all}",
        line.map_or(String::new(), |l| format!(" on line {l}"))
    );
    assert!(elapsed < HANG_GUARD, "the check took {elapsed:?} (hang guard {HANG_GUARD:?}):\n{all}");
    assert!(
        peak_kib < MEMORY_GUARD_KIB,
        "authlint used {} MiB (guard {} MiB):\n{all}",
        peak_kib / 1024,
        MEMORY_GUARD_KIB / 1024
    );
}

/// The binary's resident memory must stay under this (a guard against blow-ups, not a budget).
const MEMORY_GUARD_KIB: u64 = 2 << 20;

/// The peak resident memory of a running process (Linux), in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// An application whose step-1 callback evaluates `expression` and then runs step 2.
fn deep_expression_app(expression: &str) -> Vec<u8> {
    app_with_script("deep", &on_success(&format!("      var x = {expression};\n      executeStep(2);"), ""))
        .into_bytes()
}

macro_rules! binary_cases {
    ($( $(#[$attr:meta])* $name:ident: $content:expr => $rule:expr, $at:expr; )*) => {
        $(
            $(#[$attr])*
            #[test]
            fn $name() {
                let content: Vec<u8> = $content;
                run_binary_case("hostile.yml", &content, $rule, $at);
            }
        )*
    };
}

binary_cases! {
    binary_200k_unary_not: deep_expression_app(&format!("{}1", "!".repeat(200_000)))
        => "analysis-incomplete", Anywhere;
    binary_1m_unary_not: deep_expression_app(&format!("{}1", "!".repeat(1_000_000)))
        => "analysis-incomplete", Anywhere;
    binary_1m_unary_minus: deep_expression_app(&format!("{}1", "- ".repeat(1_000_000)))
        => "analysis-incomplete", Anywhere;
    binary_1m_assignment_chain: deep_expression_app(&format!("{}1", "y=".repeat(1_000_000)))
        => "analysis-incomplete", Anywhere;
    binary_1m_ternary_chain: deep_expression_app(&format!("{}1", "c?1:".repeat(1_000_000)))
        => "analysis-incomplete", Anywhere;
    binary_1m_arrow_chain: deep_expression_app(&format!("{}1", "a=>".repeat(1_000_000)))
        => "analysis-incomplete", Anywhere;
    binary_1m_plus_terms: deep_expression_app(&format!("{}1", "1+".repeat(1_000_000)))
        => "analysis-incomplete", Anywhere;
    binary_1m_comma_terms: deep_expression_app(&format!("({}1)", "1,".repeat(1_000_000)))
        => "analysis-incomplete", Anywhere;
    binary_100k_comma_terms: deep_expression_app(&format!("({}1)", "1,".repeat(100_000)))
        => "jit-mfa-conflict", LineOf("executeStep(2)");
    binary_10k_duplicate_labels: app_with_script("labels", &on_success(&format!("      {};\n      executeStep(2);", "a:".repeat(10_000)), "")).into_bytes()
        => "analysis-incomplete", LineOf("a:a:");
    binary_3_duplicate_labels: app_with_script("labels", &on_success(&format!("      {};\n      executeStep(2);", "a:".repeat(3)), "")).into_bytes()
        => "syntax-error", LineOf("a:a:");
    binary_5k_distinct_labels: app_with_script("labels", &on_success(&format!("      {};\n      executeStep(2);", (0..5_000).map(|i| format!("l{i}:")).collect::<String>()), "")).into_bytes()
        => "analysis-incomplete", Anywhere;
}
