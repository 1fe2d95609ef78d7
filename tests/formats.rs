//! The same flows written in every format WSO2 users keep them in (REST YAML, REST JSON, legacy
//! bean YAML, file-based XML) must give the same findings, each pointing at the right text of
//! its own file. `fixtures/formats/<flow>/<format>/` holds one tenant per flow and format.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use authlint::catalogue::Catalogue;
use authlint::check::{Report, check};

fn run(dir: &Path) -> Report {
    check(&[dir.to_path_buf()], &Catalogue::builtin()).expect("exists")
}

/// What a finding says, without where: comparable across formats.
fn findings(report: &Report) -> BTreeSet<String> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} app={} idp={} step={} authenticator={}",
                d.rule,
                d.app.as_deref().unwrap_or("-"),
                d.idp.as_deref().unwrap_or("-"),
                d.step.map_or("-".into(), |s| s.to_string()),
                d.authenticator.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const CONFLICT: &str = "jit-mfa-conflict app={} idp=Google step=2 authenticator=totp";

fn conflict(app: &str) -> String {
    CONFLICT.replace("{}", app)
}

#[test]
fn every_format_gives_the_same_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats");
    let table: Vec<(&str, &[&str], BTreeSet<String>)> = vec![
        ("no-script", &["rest-yaml", "rest-json", "legacy-yaml", "xml"], set(&[&conflict("no-script")])),
        ("guarded", &["rest-yaml", "rest-json", "legacy-yaml", "xml"], set(&[])),
        ("role-check", &["rest-yaml", "rest-json", "legacy-yaml", "xml"], set(&[&conflict("role-check")])),
        (
            "default-flow",
            &["rest-yaml", "rest-json", "legacy-yaml", "xml"],
            set(&[&conflict("default-flow")]),
        ),
        // The REST shape has no switch for a disabled script.
        (
            "disabled-script",
            &["legacy-yaml", "xml"],
            set(&[
                &conflict("disabled-script"),
                "disabled-script app=disabled-script idp=- step=- authenticator=-",
            ]),
        ),
    ];
    let mut failures = Vec::new();
    for (flow, formats, expected) in table {
        for format in formats {
            let dir: PathBuf = root.join(flow).join(format);
            let report = run(&dir);
            let got = findings(&report);
            if got != expected {
                failures.push(format!("{flow}/{format}: expected {expected:?}, got {got:?}"));
            }
            // Each finding points at the right text of its own file.
            for d in &report.diagnostics {
                let file = report.files.get(d.span.file);
                let text = file.text.get(d.span.start..d.span.end).unwrap_or("");
                let ok = match d.rule {
                    "jit-mfa-conflict" if flow == "role-check" => text == "executeStep(2)",
                    "jit-mfa-conflict" => text.contains("totp"),
                    "disabled-script" => text.contains("enabled") && text.contains("false"),
                    _ => true,
                };
                if !ok {
                    failures.push(format!("{flow}/{format}: {} points at {text:?}", d.rule));
                }
                if flow == "default-flow" && !d.trace.first().is_some_and(|t| t.contains("default flow")) {
                    failures
                        .push(format!("{flow}/{format}: the trace does not say the default flow is used"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn mixed_trees_work() {
    // A REST application and an XML application, with the IdP in legacy YAML.
    let report = run(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/mixed"));
    assert_eq!(findings(&report), set(&[&conflict("rest-app"), &conflict("xml-app")]));
    assert_eq!((report.applications, report.identity_providers), (2, 1));
}

#[test]
fn enable_jit_fixes_work_in_legacy_and_xml_files() {
    for format in ["legacy-yaml", "xml"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/no-script").join(format);
        let report = run(&dir);
        let d = report.diagnostics.iter().find(|d| d.rule == "jit-mfa-conflict").expect("conflict");
        let fix = d.fixes.iter().find(|f| f.title.starts_with("enable JIT")).expect("enable-jit fix");
        let edit = &fix.edits[0];
        let file = report.files.get(edit.span.file);
        assert_eq!(&file.text[edit.span.start..edit.span.end], "false", "{format}");
        assert_eq!(edit.replacement, "true");
    }
}

#[test]
fn guard_fixes_work_inside_every_host_format() {
    for format in ["rest-yaml", "rest-json", "legacy-yaml", "xml"] {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/role-check").join(format);
        let tmp = tempfile::tempdir().expect("temp dir");
        for entry in walkdir::WalkDir::new(&src).into_iter().flatten() {
            let target = tmp.path().join(entry.path().strip_prefix(&src).expect("inside"));
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).expect("mkdir");
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
        let report = run(tmp.path());
        let d = report.diagnostics.iter().find(|d| d.rule == "jit-mfa-conflict").expect("conflict");
        let fix = d.fixes.iter().find(|f| f.title.starts_with("run this step")).expect("guard fix");
        let mut edits = fix.edits.clone();
        edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
        let path = report.files.get(edits[0].span.file).path.clone();
        let mut text = std::fs::read_to_string(&path).expect("read");
        for e in edits {
            text.replace_range(e.span.start..e.span.end, &e.replacement);
        }
        std::fs::write(&path, &text).expect("write");
        let after = findings(&run(tmp.path()));
        assert_eq!(after, set(&[]), "{format}: after the fix\n{text}");
    }
}

#[test]
fn remedies_and_config_errors_speak_the_format_of_their_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/no-script");
    for (format, key) in [
        ("rest-yaml", "`provisioning.jit.isEnabled: true`"),
        ("rest-json", "`provisioning.jit.isEnabled: true`"),
        ("legacy-yaml", "`justInTimeProvisioningConfig.provisioningEnabled: true`"),
        (
            "xml",
            "`<IsProvisioningEnabled>true</IsProvisioningEnabled>` inside `<JustInTimeProvisioningConfig>`",
        ),
    ] {
        let report = run(&root.join(format));
        let d = report.diagnostics.iter().find(|d| d.rule == "jit-mfa-conflict").expect("a conflict");
        let help = d.help.as_deref().unwrap_or("");
        assert!(help.contains(&format!("set {key} in")), "{format}: {help}");
        // No other format's key.
        for other in [
            "provisioning.jit.isEnabled",
            "justInTimeProvisioningConfig.provisioningEnabled",
            "<IsProvisioningEnabled>",
        ] {
            if !key.contains(other) {
                assert!(!help.contains(other), "{format} speaks of {other}: {help}");
            }
        }
    }
    // An invalid object says which format it was read as.
    let tmp = tempfile::tempdir().expect("tmp");
    let cases = [
        (
            "a.xml",
            "<ServiceProvider><ApplicationName>x</ApplicationName></ServiceProvider>",
            "<ServiceProvider>",
        ),
        (
            "b.yml",
            "applicationName: y\nlocalAndOutBoundAuthenticationConfig:\n  authenticationSteps: 7\n",
            "IAM-CTL",
        ),
        ("c.yml", "name: z\nauthenticationSequence:\n  steps: 7\n", "REST API"),
    ];
    for (name, text, _) in &cases {
        std::fs::write(tmp.path().join(name), text).expect("write");
    }
    let report = run(tmp.path());
    for (name, _, words) in cases {
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.rule == "invalid-config" && report.files.get(d.span.file).display.ends_with(name))
            .unwrap_or_else(|| panic!("{name}: no invalid-config"));
        let help = d.help.as_deref().unwrap_or("");
        assert!(help.contains(words), "{name}: {help}");
    }
}

#[test]
fn a_json_syntax_error_after_non_ascii_text_is_at_its_character_column() {
    let dir = support::tenant_dir(&[("bad.json", "{\"name\": \"ééé\", \"x\": é}\n")]);
    let run = support::authlint_in(dir.path(), &["check", "bad.json", "--format", "concise"]);
    // `é` after `"x": ` is the 22nd character (serde_json says byte 25).
    assert!(run.stdout.starts_with("bad.json:1:22: error[syntax-error]"), "{}", run.stdout);
}

#[test]
fn no_escape_sequence_from_a_file_reaches_the_terminal() {
    let dir = support::tenant_dir(&[
        (
            "IdentityProviders/google.yml",
            "name: \"Google\\e]0;pwned\\a\\rFAKE\"\nprovisioning:\n  jit:\n    isEnabled: false\n",
        ),
        (
            "Applications/payroll.yml",
            "name: \"pay\\e[2J\\u202Eroll\"\nauthenticationSequence:\n  type: USER_DEFINED\n  steps:\n    - id: 1\n      options:\n        - { idp: \"Google\\e]0;pwned\\a\\rFAKE\", authenticator: GoogleOIDCAuthenticator }\n    - id: 2\n      options:\n        - { idp: LOCAL, authenticator: totp }\n",
        ),
        // A raw escape sequence in the text itself: a syntax error, whose frame shows the line.
        ("Applications/raw.yml", "name: raw\u{1b}[2J\u{1b}]0;pwned\u{7}\nauthenticationSequence: [\n"),
        // A lone carriage return in a comment on a finding's line, in a CRLF file.
        (
            "Applications/crlf.yml",
            "name: crlf\r\nauthenticationSequence:\r\n  type: USER_DEFINED\r\n  steps:\r\n    - id: 1\r\n      options:\r\n        - { idp: Google, authenticator: GoogleOIDCAuthenticator }\r\n    - id: 2\r\n      options:\r\n        - { idp: LOCAL, authenticator: totp } # hidden\rSAFE\r\n",
        ),
        ("IdentityProviders/plain.yml", "name: Google\nprovisioning:\n  jit:\n    isEnabled: false\n"),
    ]);
    for format in ["human", "concise", "github"] {
        let run = support::authlint_in(dir.path(), &["check", ".", "--format", format, "--color", "never"]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(run.stdout.contains("jit-mfa-conflict"), "{format}:\n{}", run.stdout);
        assert!(run.stdout.contains("raw.yml"), "{format}:\n{}", run.stdout);
        for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202E}'] {
            assert!(!run.stdout.contains(bad), "{format} prints {bad:?}:\n{}", run.stdout.escape_debug());
        }
        // A carriage return only as part of a CRLF line break.
        assert!(
            !run.stdout.replace("\r\n", "").contains('\r'),
            "{format} prints a lone CR:\n{}",
            run.stdout.escape_debug()
        );
        assert!(run.stdout.contains("pay?[2J"), "{format} shows the name's escape as `?`:\n{}", run.stdout);
    }
    let frame = support::authlint_in(
        dir.path(),
        &["check", "Applications/crlf.yml", "IdentityProviders/plain.yml", "--color", "never"],
    );
    let line = frame.stdout.lines().find(|l| l.contains("# hidden")).unwrap_or_default();
    assert!(
        line.contains("# hidden?SAFE"),
        "the frame shows the lone CR as `?`:\n{}",
        frame.stdout.escape_debug()
    );
    // `authlint fix` says what it did in the same safe words.
    for strategy in ["guard", "enable-jit"] {
        let run = support::authlint_in(dir.path(), &["fix", ".", "--strategy", strategy]);
        assert!(run.stdout.contains("fixed"), "{}{}", run.stdout, run.stderr);
        for bad in ['\u{1b}', '\u{7}', '\u{202E}'] {
            assert!(
                !run.stdout.contains(bad),
                "fix --strategy {strategy} prints {bad:?}:\n{}",
                run.stdout.escape_debug()
            );
        }
        assert!(!run.stdout.replace("\r\n", "").contains('\r'), "{}", run.stdout.escape_debug());
    }
}

#[test]
fn a_line_break_in_a_name_starts_no_line_of_authlints_text() {
    let forged = "0 errors, 0 warnings in 9 files.";
    let idp = format!("Google\\n\\n{forged}\\n");
    let dir = support::tenant_dir(&[
        (
            "IdentityProviders/google.yml",
            &format!("name: \"{idp}\"\nprovisioning:\n  jit:\n    isEnabled: false\n"),
        ),
        (
            "Applications/payroll.yml",
            &format!(
                "name: payroll\nauthenticationSequence:\n  type: USER_DEFINED\n  steps:\n    - id: 1\n      options:\n        - {{ idp: \"{idp}\", authenticator: GoogleOIDCAuthenticator }}\n    - id: 2\n      options:\n        - {{ idp: LOCAL, authenticator: totp }}\n"
            ),
        ),
    ]);
    let run = support::authlint_in(dir.path(), &["check", ".", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("jit-mfa-conflict"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("Google  {forged}")), "the name on one line:\n{}", run.stdout);
    let forged_lines = run.stdout.lines().filter(|l| l.trim_start().starts_with(forged)).count();
    assert_eq!(forged_lines, 0, "a line of the output starts with the name's text:\n{}", run.stdout);
}
