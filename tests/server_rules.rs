//! The server's own rules, as table tests: which second factors break for users of an IdP without
//! JIT provisioning, per authenticator class and per IdP type (DOMAIN.md section 2), and custom
//! authenticators from the config. Each row is a tenant of one application and one IdP; the
//! expectation is the severity of `jit-mfa-conflict` (or none).

use authlint::catalogue::Catalogue;
use authlint::check::{Options, run};
use authlint::config::Config;
use authlint::diagnostic::Severity;

mod support;

/// An application whose step 1 offers LOCAL and `idp` (with `federated`), and whose step 2 offers
/// `mfa` (one or more authenticators, LOCAL unless given as `idp/authenticator`), no script.
fn app(federated: &str, mfa: &[&str]) -> String {
    let mut text = format!(
        "name: app\nauthenticationSequence:\n  steps:\n    - id: 1\n      options:\n        - {{idp: LOCAL, authenticator: BasicAuthenticator}}\n        - {{idp: Corp, authenticator: {federated}}}\n    - id: 2\n      options:\n"
    );
    for option in mfa {
        let (idp, authenticator) = option.split_once('/').unwrap_or(("LOCAL", option));
        text.push_str(&format!("        - {{idp: {idp}, authenticator: {authenticator}}}\n"));
    }
    text
}

/// The JIT-disabled IdP `Corp`, REST shape, with `claims` as given (YAML, indented by two).
fn idp(claims: Option<&str>) -> String {
    let mut text = "name: Corp\nprovisioning:\n  jit:\n    isEnabled: false\n".to_string();
    if let Some(claims) = claims {
        text.push_str("claims:\n");
        text.push_str(claims);
    }
    text
}

const EMAIL_MAPPING: &str = "  mappings:\n    - idpClaim: mail\n      localClaim:\n        uri: http://wso2.org/claims/emailaddress\n";
const OTHER_MAPPING: &str = "  mappings:\n    - idpClaim: givenName\n      localClaim:\n        uri: http://wso2.org/claims/givenname\n";

/// The severities of `jit-mfa-conflict` findings for a tenant of `files`, with `config`.
fn conflicts(files: &[(&str, &str)], config: &str) -> Vec<Severity> {
    let tmp = support::tenant_dir(files);
    let config = Config::parse(&tmp.path().join(".authlint.yaml"), config).expect("valid config");
    let options = Options { paths: vec![tmp.path().to_path_buf()], config, ..Options::default() };
    let report = run(&options, &Catalogue::builtin()).expect("runs");
    report.diagnostics.iter().filter(|d| d.rule == "jit-mfa-conflict").map(|d| d.severity).collect()
}

fn case(federated: &str, claims: Option<&str>, mfa: &[&str]) -> Vec<Severity> {
    let (app, idp) = (app(federated, mfa), idp(claims));
    conflicts(&[("Applications/app.yml", &app), ("IdentityProviders/Corp.yml", &idp)], "")
}

use Severity::{Error, Warning};

#[test]
fn each_authenticator_class_as_the_server_applies_it() {
    let saml = "SAMLSSOAuthenticator";
    let table: &[(&str, &[&str], Vec<Severity>)] = &[
        // The server refuses the user outright.
        ("totp", &["totp"], vec![Error]),
        ("backup codes", &["backup-code-authenticator"], vec![Error]),
        // iProov is offered through a connection of its own, not LOCAL.
        ("iProov through its connection", &["iProov/IproovAuthenticator"], vec![Error]),
        // Passkeys need a local account linked by hand.
        ("passkeys", &["FIDOAuthenticator"], vec![Error]),
        // Settings-dependent connectors: a warning naming the setting.
        ("older Email OTP", &["EmailOTP"], vec![Warning]),
        ("older SMS OTP", &["SMSOTP"], vec![Warning]),
        ("Duo", &["DuoAuthenticator"], vec![Warning]),
        // No local account needed.
        ("push", &["push-notification-authenticator"], vec![]),
        ("magic link", &["MagicLinkAuthenticator"], vec![]),
        // TOTP beside Email OTP: still an error (the TOTP option refuses the user).
        ("TOTP beside Email OTP", &["email-otp-authenticator", "totp"], vec![Error]),
    ];
    let mut failures = Vec::new();
    for (name, mfa, expected) in table {
        let got = case(saml, Some(EMAIL_MAPPING), mfa);
        if &got != expected {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn otp_authenticators_follow_what_the_idp_can_send() {
    // (case, the subject step's authenticator, the IdP's claims, the MFA, expected)
    type Row<'r> = (&'r str, &'r str, Option<&'r str>, &'r str, Vec<Severity>);
    let table: &[Row] = &[
        // OpenID Connect authenticators receive `email` / `phone_number` without a mapping.
        ("OIDC, no claims", "OpenIDConnectAuthenticator", None, "email-otp-authenticator", vec![Warning]),
        ("Google, no claims, SMS", "GoogleOIDCAuthenticator", None, "sms-otp-authenticator", vec![Warning]),
        // SAML: the IdP's mapping to the local claim decides.
        (
            "SAML with an email mapping",
            "SAMLSSOAuthenticator",
            Some(EMAIL_MAPPING),
            "email-otp-authenticator",
            vec![Warning],
        ),
        (
            "SAML, mappings without email",
            "SAMLSSOAuthenticator",
            Some(OTHER_MAPPING),
            "email-otp-authenticator",
            vec![Error],
        ),
        (
            "SAML, email mapping but SMS",
            "SAMLSSOAuthenticator",
            Some(EMAIL_MAPPING),
            "sms-otp-authenticator",
            vec![Error],
        ),
        (
            "SAML, claims in the local dialect",
            "SAMLSSOAuthenticator",
            Some("  userIdClaim:\n    uri: http://wso2.org/claims/username\n"),
            "email-otp-authenticator",
            vec![Warning],
        ),
        (
            "SAML, an IdP file without claims",
            "SAMLSSOAuthenticator",
            None,
            "email-otp-authenticator",
            vec![Error],
        ),
        ("Facebook without claims", "FacebookAuthenticator", None, "sms-otp-authenticator", vec![Error]),
    ];
    let mut failures = Vec::new();
    for (name, federated, claims, mfa, expected) in table {
        let got = case(federated, *claims, &[mfa]);
        if &got != expected {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_same_claim_configuration_in_the_bean_and_xml_formats() {
    let app = app("SAMLSSOAuthenticator", &["email-otp-authenticator"]);
    let bean = |mapped: &str| {
        format!(
            "identityProviderName: Corp\njustInTimeProvisioningConfig:\n  provisioningEnabled: false\nclaimConfig:\n  localClaimDialect: false\n  claimMappings:\n  - localClaim:\n      claimUri: {mapped}\n    remoteClaim:\n      claimUri: mail\n"
        )
    };
    let xml = |mapped: &str| {
        format!(
            "<IdentityProvider><IdentityProviderName>Corp</IdentityProviderName><ClaimConfig><LocalClaimDialect>false</LocalClaimDialect><ClaimMappings><ClaimMapping><LocalClaim><ClaimUri>{mapped}</ClaimUri></LocalClaim><RemoteClaim><ClaimUri>mail</ClaimUri></RemoteClaim></ClaimMapping></ClaimMappings></ClaimConfig></IdentityProvider>\n"
        )
    };
    for (mapped, expected) in [
        ("http://wso2.org/claims/emailaddress", vec![Warning]),
        ("http://wso2.org/claims/givenname", vec![Error]),
    ] {
        let got =
            conflicts(&[("Applications/app.yml", &app), ("IdentityProviders/Corp.yml", &bean(mapped))], "");
        assert_eq!(got, expected, "bean, {mapped}");
        let got =
            conflicts(&[("Applications/app.yml", &app), ("identity-providers/Corp.xml", &xml(mapped))], "");
        assert_eq!(got, expected, "xml, {mapped}");
    }
}

#[test]
fn custom_authenticators_from_the_config_take_their_class() {
    let files = |mfa: &str| {
        let (app, idp) = (app("SAMLSSOAuthenticator", &[mfa]), idp(None));
        vec![("Applications/app.yml".to_string(), app), ("IdentityProviders/Corp.yml".to_string(), idp)]
    };
    let run_with = |mfa: &str, config: &str| {
        let files = files(mfa);
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        conflicts(&refs, config)
    };
    assert_eq!(run_with("acme-otp", ""), Vec::<Severity>::new(), "unknown to the catalogue");
    assert_eq!(run_with("acme-otp", "authenticators:\n  needs-local-account: [acme-otp]\n"), [Error]);
    let custom = "authenticators:\n  custom:\n    - { name: acme-otp, class: depends-on-server-setting, setting: acme.federated }\n";
    assert_eq!(run_with("acme-otp", custom), [Warning]);
    // A custom entry with a built-in name replaces it: here TOTP declared as not needing an account.
    let custom = "authenticators:\n  custom:\n    - { name: totp, class: no-local-account-needed }\n";
    assert_eq!(run_with("totp", custom), Vec::<Severity>::new());
}
