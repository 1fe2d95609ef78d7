//! Property tests (issue "Never crash, never hang"): random tenants and random scripts.
//!
//! A tenant is 1-3 identity providers (random JIT settings, or no JIT block) and 1-4
//! applications of 1-4 steps, whose options come from a small vocabulary (local password, TOTP,
//! Email OTP, Backup Code, federated IdPs, an IdP that does not exist). Most applications carry a
//! script from a small grammar: `executeStep` with and without options and callbacks, `if`/`else`
//! on `context.steps[k].idp` and on calls authlint cannot decide, `switch`, loops with `break`,
//! helper functions that call each other (recursion included), `httpGet` callbacks, `var` /
//! `let` / `const` aliases of a step, `return`. Applications are written as YAML or JSON.
//!
//! For each tenant:
//! - `check` does not panic (on a 1 GiB stack, as the binary runs it) and does not hang;
//! - every span (diagnostic, related label, fix edit) lies inside its file;
//! - two runs on the same files render the same JSON;
//! - the same files under shuffled names (so read in another order) give the same findings at
//!   the same places.
//!
//! The seed is fixed, so a failure reproduces on every run; `PROPTEST_CASES` and
//! `PROPTEST_RNG_SEED` override the defaults (e.g. `PROPTEST_CASES=2000` for a longer soak).
//! A hung case's files are kept in a directory named by the failure; `AUTHLINT_SLOW_DUMP=1`
//! keeps every tenant that took over 3 s too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use authlint::catalogue::Catalogue;
use authlint::check::{Report, check};
use authlint::report::json;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::test_runner::{Config as ProptestConfig, RngSeed};

/// The stack `authlint` runs its work on (src/main.rs).
const STACK_SIZE: usize = 1 << 30;
/// One check of a small tenant taking this long is a hang.
const GIVE_UP: Duration = Duration::from_secs(120);
const DEFAULT_CASES: u32 = 256;
const DEFAULT_SEED: u64 = 0x0a17_1157;

fn config() -> ProptestConfig {
    // `default()` reads the PROPTEST_* variables; without them, a fixed seed and 256 cases.
    let base = ProptestConfig::default();
    let set = |var: &str| std::env::var_os(var).is_some();
    ProptestConfig {
        cases: if set("PROPTEST_CASES") { base.cases } else { DEFAULT_CASES },
        rng_seed: if set("PROPTEST_RNG_SEED") { base.rng_seed } else { RngSeed::Fixed(DEFAULT_SEED) },
        // The seed reproduces failures; no regression files in the source tree.
        failure_persistence: None,
        // A hang costs GIVE_UP per shrinking step: bound the shrinking.
        max_shrink_time: if set("PROPTEST_MAX_SHRINK_TIME") { base.max_shrink_time } else { 300_000 },
        ..base
    }
}

// ----- the tenant ------------------------------------------------------------------------------

const FEDERATED: &[(&str, &str)] = &[
    ("Google", "GoogleOIDCAuthenticator"),
    ("Facebook", "FacebookAuthenticator"),
    ("Corp", "SAMLSSOAuthenticator"),
];

/// Step options: local ones (password, MFA), the federated IdPs, and an IdP no file defines.
const OPTIONS: &[(&str, &str)] = &[
    ("LOCAL", "BasicAuthenticator"),
    ("LOCAL", "BasicAuthenticator"),
    ("LOCAL", "totp"),
    ("LOCAL", "email-otp-authenticator"),
    ("LOCAL", "backup-code-authenticator"),
    ("Google", "GoogleOIDCAuthenticator"),
    ("Facebook", "FacebookAuthenticator"),
    ("Corp", "SAMLSSOAuthenticator"),
    ("Nowhere", "OpenIDConnectAuthenticator"),
];

#[derive(Clone, Debug)]
struct Idp {
    name: &'static str,
    /// `None`: no JIT block at all.
    jit: Option<bool>,
}

#[derive(Clone, Debug)]
struct App {
    steps: Vec<Vec<(&'static str, &'static str)>>,
    subject: Option<u32>,
    script: Option<String>,
    json: bool,
}

#[derive(Clone, Debug)]
struct Tenant {
    idps: Vec<Idp>,
    /// All IdPs in one multi-document file rather than one file each.
    idps_in_one_file: bool,
    apps: Vec<App>,
}

fn idps() -> impl Strategy<Value = Vec<Idp>> {
    let names: Vec<&'static str> = FEDERATED.iter().map(|(n, _)| *n).collect();
    (subsequence(names, 1..=3), prop::collection::vec(prop::option::of(any::<bool>()), 3))
        .prop_map(|(names, jits)| names.into_iter().zip(jits).map(|(name, jit)| Idp { name, jit }).collect())
}

fn app() -> impl Strategy<Value = App> {
    let step = prop::collection::vec(select(OPTIONS), 1..=3);
    (
        prop::collection::vec(step, 1..=4),
        prop::option::of(1..=4u32),
        prop::option::weighted(0.8, script()),
        any::<bool>(),
    )
        .prop_map(|(steps, subject, script, json)| App { steps, subject, script, json })
}

fn tenant() -> impl Strategy<Value = Tenant> {
    (idps(), any::<bool>(), prop::collection::vec(app(), 1..=4))
        .prop_map(|(idps, idps_in_one_file, apps)| Tenant { idps, idps_in_one_file, apps })
}

// ----- the script grammar ----------------------------------------------------------------------

fn step_no() -> impl Strategy<Value = u32> {
    // Mostly configured steps; 0 and 5 are never configured.
    prop_oneof![8 => 1..=4u32, 1 => Just(0u32), 1 => Just(5u32)]
}

fn idp_value() -> impl Strategy<Value = &'static str> {
    select(&["LOCAL", "LOCAL", "local", "Google", "Facebook", "Corp", "Nowhere", "totp"][..])
}

fn cmp_op() -> impl Strategy<Value = &'static str> {
    select(&["==", "===", "!=", "!=="][..])
}

fn condition() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => (1..=4u32, cmp_op(), idp_value())
            .prop_map(|(k, op, v)| format!("context.steps[{k}].idp {op} '{v}'")),
        1 => (1..=4u32, cmp_op(), select(&["BasicAuthenticator", "totp", "GoogleOIDCAuthenticator"][..]))
            .prop_map(|(k, op, a)| format!("context.steps[{k}].authenticator {op} '{a}'")),
        1 => (cmp_op(), select(&["first", "second"][..]))
            .prop_map(|(op, alias)| format!("{alias}.idp {op} LOCAL_IDP")),
        1 => (0..3u32).prop_map(|h| format!("h{h}(context)")),
        2 => select(&[
            "hasAnyOfTheRolesV2(context, ['admin'])",
            "isTrusted(context)",
            "context.request.ip == '10.0.0.1'",
            "true",
            "false",
        ][..])
        .prop_map(str::to_string),
    ];
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("!({c})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} && {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} || {b})")),
        ]
    })
}

fn simple_statement() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => step_no().prop_map(|n| format!("executeStep({n});")),
        1 => (step_no(), idp_value()).prop_map(|(n, v)| format!(
            "executeStep({n}, {{ authenticationOptions: [{{ idp: '{v}' }}] }}, {{}});"
        )),
        1 => step_no().prop_map(|n| format!(
            "executeStep({n}, {{ authenticationOptions: [{{ authenticator: 'totp' }}] }});"
        )),
        1 => step_no().prop_map(|n| format!("executeStep({n}, {{}}, {{}});")),
        2 => (0..3u32).prop_map(|h| format!("h{h}(context);")),
        1 => Just("return;".to_string()),
        1 => condition().prop_map(|c| format!("return {c};")),
        2 => (select(&["first", "second"][..]), 1..=4u32)
            .prop_map(|(alias, k)| format!("var {alias} = context.steps[{k}];")),
        1 => Just("Log.info('signing in');".to_string()),
    ]
}

fn block(stmt: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    prop::collection::vec(stmt, 0..=3).prop_map(|stmts| stmts.join("\n"))
}

fn statement() -> BoxedStrategy<String> {
    simple_statement().prop_recursive(3, 16, 3, |inner| {
        let b = || block(inner.clone());
        prop_oneof![
            (step_no(), b(), prop::option::of(b())).prop_map(|(n, ok, fail)| {
                let fail = fail.map_or(String::new(), |f| {
                    format!(",\n  onFail: function (context) {{\n{f}\n  }}")
                });
                format!("executeStep({n}, {{\n  onSuccess: function (context) {{\n{ok}\n  }}{fail}\n}});")
            }),
            (step_no(), b()).prop_map(|(n, ok)| format!(
                "executeStep({n}, {{ markAsSubjectIdentifierStep: 'true' }}, {{\n  onSuccess: function (context) {{\n{ok}\n  }}\n}});"
            )),
            (condition(), b()).prop_map(|(c, t)| format!("if ({c}) {{\n{t}\n}}")),
            (condition(), b(), b()).prop_map(|(c, t, e)| format!("if ({c}) {{\n{t}\n}} else {{\n{e}\n}}")),
            (condition(), b(), condition(), b(), b()).prop_map(|(c1, t1, c2, t2, e)| format!(
                "if ({c1}) {{\n{t1}\n}} else if ({c2}) {{\n{t2}\n}} else {{\n{e}\n}}"
            )),
            (1..=4u32, idp_value(), b(), idp_value(), b(), b()).prop_map(|(k, v1, b1, v2, b2, d)| format!(
                "switch (context.steps[{k}].idp) {{\ncase '{v1}':\n{b1}\nbreak;\ncase '{v2}':\n{b2}\ndefault:\n{d}\n}}"
            )),
            (condition(), b()).prop_map(|(c, body)| format!("while ({c}) {{\n{body}\nbreak;\n}}")),
            (b(), condition()).prop_map(|(body, c)| format!(
                "while (true) {{\n{body}\nif ({c}) {{\nbreak;\n}}\n}}"
            )),
            b().prop_map(|body| format!("for (var i = 0; i < 3; i++) {{\n{body}\n}}")),
            (b(), b()).prop_map(|(ok, fail)| format!(
                "httpGet('https://risk.example.org/score', {{}}, {{\n  onSuccess: function (context, data) {{\n{ok}\n  }},\n  onFail: function (context, data) {{\n{fail}\n  }}\n}});"
            )),
            (select(&["var", "let", "const"][..]), 1..=4u32, cmp_op(), idp_value(), b()).prop_map(
                |(kw, k, op, v, t)| format!(
                    "{{\n{kw} step = context.steps[{k}];\nif (step.idp {op} '{v}') {{\n{t}\n}}\n}}"
                )
            ),
        ]
    })
    .boxed()
}

fn script() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(block(statement()), 0..=2), block(statement()), any::<bool>())
        .prop_map(|(constant, helpers, body, declaration)| {
            let mut s = String::new();
            if constant {
                s.push_str("var LOCAL_IDP = 'LOCAL';\n");
            }
            for (i, h) in helpers.iter().enumerate() {
                s.push_str(&format!("function h{i}(context) {{\n{h}\n}}\n"));
            }
            if declaration {
                s.push_str(&format!("function onLoginRequest(context) {{\n{body}\n}}\n"));
            } else {
                s.push_str(&format!("var onLoginRequest = function (context) {{\n{body}\n}};\n"));
            }
            s
        })
}

// ----- files -----------------------------------------------------------------------------------

/// A generated file: a stable key (its name in the unshuffled layout) and its content.
#[derive(Clone, Debug)]
struct File {
    key: String,
    ext: &'static str,
    text: String,
}

fn idp_yaml(idp: &Idp) -> String {
    let mut s = format!(
        "name: {}\nfederatedAuthenticators:\n  authenticators:\n    - name: {}\n",
        idp.name,
        FEDERATED.iter().find(|(n, _)| *n == idp.name).map_or("X", |(_, a)| *a)
    );
    if let Some(enabled) = idp.jit {
        s.push_str(&format!("provisioning:\n  jit:\n    isEnabled: {enabled}\n"));
    }
    s
}

fn app_yaml(name: &str, app: &App) -> String {
    let mut s = format!("name: {name}\nauthenticationSequence:\n  type: USER_DEFINED\n");
    if let Some(k) = app.subject {
        s.push_str(&format!("  subjectStepId: {k}\n"));
    }
    s.push_str("  steps:\n");
    for (i, options) in app.steps.iter().enumerate() {
        s.push_str(&format!("    - id: {}\n      options:\n", i + 1));
        for (idp, authenticator) in options {
            s.push_str(&format!("        - idp: {idp}\n          authenticator: {authenticator}\n"));
        }
    }
    if let Some(script) = &app.script {
        s.push_str("  script: |\n");
        for line in script.lines() {
            s.push_str("    ");
            s.push_str(line);
            s.push('\n');
        }
    }
    s
}

fn app_json(name: &str, app: &App) -> String {
    let steps: Vec<serde_json::Value> = app
        .steps
        .iter()
        .enumerate()
        .map(|(i, options)| {
            serde_json::json!({
                "id": i + 1,
                "options": options
                    .iter()
                    .map(|(idp, a)| serde_json::json!({"idp": idp, "authenticator": a}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut sequence = serde_json::json!({"type": "USER_DEFINED", "steps": steps});
    if let Some(k) = app.subject {
        sequence["subjectStepId"] = k.into();
    }
    if let Some(script) = &app.script {
        sequence["script"] = script.as_str().into();
    }
    let value = serde_json::json!({"name": name, "authenticationSequence": sequence});
    serde_json::to_string_pretty(&value).expect("a JSON value serialises")
}

fn files(tenant: &Tenant) -> Vec<File> {
    let mut out = Vec::new();
    if tenant.idps_in_one_file {
        let text = tenant.idps.iter().map(idp_yaml).collect::<Vec<_>>().join("---\n");
        out.push(File { key: "idps".into(), ext: "yaml", text });
    } else {
        for idp in &tenant.idps {
            out.push(File { key: format!("idp-{}", idp.name), ext: "yml", text: idp_yaml(idp) });
        }
    }
    for (i, app) in tenant.apps.iter().enumerate() {
        let name = format!("app{i}");
        let (ext, text) =
            if app.json { ("json", app_json(&name, app)) } else { ("yml", app_yaml(&name, app)) };
        out.push(File { key: name, ext, text });
    }
    out
}

/// Writes `files` into a new directory, named by `name`; returns the directory and a map from
/// file name to the file's key.
fn write(
    files: &[File],
    name: impl Fn(usize, &File) -> String,
) -> (tempfile::TempDir, BTreeMap<String, String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut keys = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        let file_name = format!("{}.{}", name(i, f), f.ext);
        std::fs::write(dir.path().join(&file_name), &f.text).expect("write");
        keys.insert(file_name, f.key.clone());
    }
    (dir, keys)
}

// ----- running ---------------------------------------------------------------------------------

/// `check` on a 1 GiB-stack thread, as the binary runs it; a panic or a hang fails the case. A
/// hung case's files are copied to a directory the message names, to be run by hand.
fn run(dir: &Path) -> Report {
    let path: PathBuf = dir.to_path_buf();
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(move || {
            let report = check(&[path], &Catalogue::builtin()).expect("the directory exists");
            let _ = tx.send(report);
        })
        .expect("spawn");
    match rx.recv_timeout(GIVE_UP) {
        Ok(report) => {
            let _ = worker.join();
            report
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let panic = worker.join().err();
            let message = panic
                .as_ref()
                .and_then(|p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                })
                .unwrap_or_default();
            panic!("authlint panicked: {message}")
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let keep = keep_copy(dir);
            panic!("authlint hung: no report after {GIVE_UP:?}; the files are in {}", keep.display())
        }
    }
}

/// Copies the files of `dir` to a new directory that outlives the test.
fn keep_copy(dir: &Path) -> PathBuf {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let keep = std::env::temp_dir().join(format!("authlint-hang-{}-{n}", std::process::id()));
    let _ = std::fs::create_dir_all(&keep);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let _ = std::fs::copy(entry.path(), keep.join(entry.file_name()));
    }
    keep
}

/// One finding, independent of file names: the file's key, the position, and what it says.
type Finding = (String, usize, usize, &'static str, Option<String>, Option<String>, Option<u32>, String);

fn findings(report: &Report, keys: &BTreeMap<String, String>) -> Vec<Finding> {
    let mut out: Vec<Finding> = report
        .diagnostics
        .iter()
        .map(|d| {
            let file = report.files.get(d.span.file);
            let name = file.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let lc = file.line_col(d.span.start);
            (
                keys.get(&name).cloned().unwrap_or(name),
                lc.line,
                lc.column,
                d.rule,
                d.app.clone(),
                d.idp.clone(),
                d.step,
                d.message.clone(),
            )
        })
        .collect();
    out.sort();
    out
}

fn assert_spans_inside_files(report: &Report) {
    for d in &report.diagnostics {
        let spans = std::iter::once(d.span)
            .chain(d.related.iter().map(|l| l.span))
            .chain(d.fixes.iter().flat_map(|f| f.edits.iter().map(|e| e.span)));
        for span in spans {
            assert!((span.file.0 as usize) < report.files.len(), "[{}] names no file", d.rule);
            let len = report.files.get(span.file).text.len();
            assert!(
                span.start <= span.end && span.end <= len,
                "[{}] {}: span {}..{} outside its file ({len} bytes)",
                d.rule,
                d.message,
                span.start,
                span.end
            );
        }
    }
}

fn check_tenant(tenant: &Tenant, order: &[usize]) {
    let files = files(tenant);
    let t0 = std::time::Instant::now();

    // Files named by their key: discovery reads them in key order.
    let (dir, keys) = write(&files, |_, f| f.key.clone());
    let first = run(dir.path());
    assert_spans_inside_files(&first);
    let second = run(dir.path());
    assert_eq!(json::render(&first), json::render(&second), "two runs on the same files differ");

    // The same files under names that sort in another order.
    let rank: BTreeMap<usize, usize> = order.iter().enumerate().map(|(rank, &file)| (file, rank)).collect();
    let (shuffled_dir, shuffled_keys) =
        write(&files, |i, f| format!("{:02}-{}", rank.get(&i).copied().unwrap_or(i), f.key));
    let shuffled = run(shuffled_dir.path());
    assert_spans_inside_files(&shuffled);
    assert_eq!(
        findings(&first, &keys),
        findings(&shuffled, &shuffled_keys),
        "the findings depend on the order the files are read in"
    );
    // AUTHLINT_SLOW_DUMP=1: keep a copy of every tenant that took over 3 s (three checks).
    if std::env::var_os("AUTHLINT_SLOW_DUMP").is_some() && t0.elapsed() > Duration::from_secs(3) {
        eprintln!("slow tenant ({:?}): {}", t0.elapsed(), keep_copy(dir.path()).display());
    }
    assert_eq!(
        (first.applications, first.identity_providers),
        (shuffled.applications, shuffled.identity_providers)
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_tenants_never_crash_and_are_deterministic(
        (tenant, order) in tenant().prop_flat_map(|t| {
            let n = files(&t).len();
            (Just(t), Just((0..n).collect::<Vec<usize>>()).prop_shuffle())
        })
    ) {
        check_tenant(&tenant, &order);
    }
}

/// A smoke test of the generator itself: the grammar yields scripts authlint parses and
/// analyses (not only syntax errors), with findings of the main rule.
#[test]
fn the_generator_produces_analysable_scripts() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::new(ProptestConfig {
        rng_seed: RngSeed::Fixed(DEFAULT_SEED),
        ..ProptestConfig::default()
    });
    let mut parsed = 0;
    let total = 200;
    for _ in 0..total {
        let script = script().new_tree(&mut runner).expect("a value").current();
        if authlint::script::parse(&script).is_ok() {
            parsed += 1;
        }
    }
    assert!(parsed * 10 >= total * 9, "only {parsed} of {total} generated scripts parse");

    let mut rules = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let t = tenant().new_tree(&mut runner).expect("a value").current();
        let (dir, _) = write(&files(&t), |_, f| f.key.clone());
        rules.extend(run(dir.path()).diagnostics.iter().map(|d| d.rule));
    }
    for rule in ["jit-mfa-conflict", "undefined-step", "unknown-idp"] {
        assert!(rules.contains(rule), "no generated tenant produced {rule}: {rules:?}");
    }
}
