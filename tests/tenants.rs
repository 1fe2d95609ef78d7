//! Repositories with several environments: each tenant root is checked on its own, from the
//! repository root as from inside it; `tenants:` in the config replaces detection; findings
//! carry their tenant in every machine-readable format.

mod support;

use support::{authlint_in, copy_fixture, findings, json_in, tenant_dir};

fn finding(rule: &str, file: &str, tenant: &str) -> (String, String, String) {
    (rule.to_string(), file.to_string(), tenant.to_string())
}

#[test]
fn a_repository_root_run_gives_each_environment_its_own_verdict() {
    // dev: Google JIT on; staging: JIT off; prod: no Google file at all.
    let repo = copy_fixture("err/environments");
    let (code, out) = json_in(repo.path(), &["check", "."]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&out),
        [
            finding("unknown-idp", "prod/Applications/payroll.yml", "prod"),
            finding("jit-mfa-conflict", "staging/Applications/payroll.yml", "staging"),
        ]
    );
    let tenants: Vec<(&str, u64)> = out["summary"]["tenants"]
        .as_array()
        .expect("tenants")
        .iter()
        .map(|t| (t["name"].as_str().unwrap_or("-"), t["errors"].as_u64().unwrap_or(99)))
        .collect();
    assert_eq!(tenants, [("dev", 0), ("prod", 0), ("staging", 1)]);
    // The same verdict as checking the environment alone.
    let (code, alone) = json_in(repo.path(), &["check", "staging"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&alone),
        [finding("jit-mfa-conflict", "staging/Applications/payroll.yml", "staging")]
    );
    let (code, dev) = json_in(repo.path(), &["check", "dev"]);
    assert_eq!((code, findings(&dev)), (0, Vec::new()));
    // The human summary counts per tenant.
    let human = authlint_in(repo.path(), &["check", "."]);
    assert!(
        human.stdout.contains("\n  dev: 0 errors, 0 warnings (1 application, 1 identity provider)\n"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("\n  staging: 1 error, 0 warnings (1 application, 1 identity provider)\n"),
        "{}",
        human.stdout
    );
}

#[test]
fn before_tenants_the_pooled_verdict_was_wrong_and_now_each_order_gives_the_same_answer() {
    // Whichever environment's file comes first, staging keeps its conflict and dev stays clean.
    for (first, second) in [("a-dev", "b-staging"), ("b-staging", "a-dev")] {
        let on = if first == "a-dev" { "true" } else { "false" };
        let off = if on == "true" { "false" } else { "true" };
        let app = "name: payroll\nauthenticationSequence:\n  steps:\n    - id: 1\n      options:\n        - {idp: Google, authenticator: GoogleOIDCAuthenticator}\n    - id: 2\n      options:\n        - {idp: LOCAL, authenticator: totp}\n";
        let idp = |jit: &str| format!("name: Google\nprovisioning:\n  jit:\n    isEnabled: {jit}\n");
        let (idp_first, idp_second) = (idp(on), idp(off));
        let repo = tenant_dir(&[
            (&format!("{first}/Applications/payroll.yml"), app),
            (&format!("{first}/IdentityProviders/Google.yml"), &idp_first),
            (&format!("{second}/Applications/payroll.yml"), app),
            (&format!("{second}/IdentityProviders/Google.yml"), &idp_second),
        ]);
        let (_, out) = json_in(repo.path(), &["check", "."]);
        let broken = if on == "true" { second } else { first };
        assert_eq!(
            findings(&out),
            [finding("jit-mfa-conflict", &format!("{broken}/Applications/payroll.yml"), broken)],
            "{first} then {second}"
        );
    }
}

#[test]
fn configured_tenant_roots_replace_detection() {
    let app = "name: payroll\nauthenticationSequence:\n  steps:\n    - id: 1\n      options:\n        - {idp: Google, authenticator: GoogleOIDCAuthenticator}\n    - id: 2\n      options:\n        - {idp: LOCAL, authenticator: totp}\n";
    let files = [
        ("envs/dev/apps/payroll.yml", app),
        ("envs/dev/idps/google.yml", "name: Google\nprovisioning:\n  jit:\n    isEnabled: true\n"),
        ("envs/qa/apps/payroll.yml", app),
        ("envs/qa/idps/google.yml", "name: Google\nprovisioning:\n  jit:\n    isEnabled: false\n"),
    ];
    // No marker folders: one tenant, two definitions of each name.
    let repo = tenant_dir(&files);
    let (_, pooled) = json_in(repo.path(), &["check", "."]);
    let rules: Vec<String> = findings(&pooled).into_iter().map(|f| f.0).collect();
    assert!(rules.iter().filter(|r| *r == "duplicate-definition").count() == 2, "{rules:?}");
    // Declared roots: each environment its own verdict.
    std::fs::write(repo.path().join(".authlint.yaml"), "tenants:\n  - \"envs/*\"\n").expect("write");
    let (code, out) = json_in(repo.path(), &["check", "."]);
    assert_eq!(code, 1);
    assert_eq!(findings(&out), [finding("jit-mfa-conflict", "envs/qa/apps/payroll.yml", "envs/qa")]);
    // A bad glob is a configuration error that names the key.
    std::fs::write(repo.path().join(".authlint.yaml"), "tenants:\n  - \"envs/[\"\n").expect("write");
    let r = authlint_in(repo.path(), &["check", "."]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`tenants`"), "{}", r.stderr);
}

#[test]
fn sarif_and_junit_carry_the_tenant() {
    let repo = copy_fixture("err/environments");
    let sarif = authlint_in(repo.path(), &["check", ".", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("sarif is JSON");
    let tenants: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["properties"]["tenant"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(tenants, ["prod", "staging"]);
    let junit = authlint_in(repo.path(), &["check", ".", "--format", "junit"]);
    assert!(junit.stdout.contains("<property name=\"tenant\" value=\"staging\"/>"), "{}", junit.stdout);
    assert!(junit.stdout.contains("<property name=\"tenant\" value=\"dev\"/>"), "{}", junit.stdout);
}

#[test]
fn a_config_error_in_a_long_document_shows_a_bounded_frame() {
    // A ServiceProvider of 400 lines without its authentication config: the error is about the
    // whole element, but the frame shows the lines around its start only.
    let mut xml = String::from("<ServiceProvider>\n  <ApplicationName>big</ApplicationName>\n");
    for i in 0..400 {
        xml.push_str(&format!("  <Property><Name>p{i}</Name><Value>v</Value></Property>\n"));
    }
    xml.push_str("</ServiceProvider>\n");
    let repo = tenant_dir(&[("service-providers/big.xml", &xml)]);
    let r = authlint_in(repo.path(), &["check", "."]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("invalid-config"), "{}", r.stdout);
    assert!(r.stdout.contains("<ServiceProvider>"), "{}", r.stdout);
    assert!(!r.stdout.contains("<Name>p10</Name>"), "the frame shows the whole document:\n{}", r.stdout);
    assert!(r.stdout.lines().count() < 30, "{}", r.stdout);
}
