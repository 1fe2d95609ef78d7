//! The bean YAML IAM-CTL writes (`--format bean`): SnakeYAML's dump of the `ServiceProvider` and
//! `IdentityProvider` models, one document per file, starting with
//! `--- !!org.wso2.carbon.identity.application.common.model.ServiceProvider`.
//!
//! The shape follows what such exports look like: bean properties in alphabetical order (the
//! order SnakeYAML's bean representer writes them), `!!org.wso2...` type tags on nested beans,
//! sequences written without indentation under their key, `null` for unset fields, `''` and
//! quoted strings where a plain scalar would read as something else, and the many fields the
//! authlint loader skips (owner, inbound OAuth configuration with its property beans, claim
//! mappings, role mappings, provisioning connectors, certificates). Applications come out at
//! 4-6 KB, identity providers at 10-20 KB, as in real exports; both are padded with claim mappings
//! to a size drawn per file. All values are made up for the benchmark.
//!
//! The flows are exactly the ones of the REST output ([`App::generate`]): the same steps,
//! options and script (`authenticationScriptConfig.content`), so the findings are the same.

use std::fmt::Write as _;

use super::{App, Idp, Jit, Rng};

const MODEL: &str = "org.wso2.carbon.identity.application.common.model";

/// Application files land in this size range (bytes), IdP files in [`IDP_SIZE`].
const APP_SIZE: (usize, usize) = (4_300, 5_700);
/// The room (target size less the script) an application file needs for all its optional parts.
const RICH_ROOM: usize = 4_000;
const IDP_SIZE: (usize, usize) = (10_500, 19_500);

/// A YAML scalar for `text`: plain when it reads back as the same string, single-quoted otherwise.
fn scalar(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let reserved =
        matches!(lower.as_str(), "true" | "false" | "null" | "~" | "yes" | "no" | "on" | "off" | "y" | "n");
    let numeric = text.parse::<f64>().is_ok() || text.starts_with("0x");
    let special_start = text.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@` ".contains(c));
    let plain = !text.is_empty()
        && !reserved
        && !numeric
        && !special_start
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.contains(['\n', '\t']);
    if plain { text.to_string() } else { format!("'{}'", text.replace('\'', "''")) }
}

/// A `Property` bean (the name/value pairs of authenticators, inbound configs and connectors) as
/// one item of a sequence whose `-` is at `indent`.
fn property(y: &mut String, indent: &str, p: &Prop, value: &str, order: usize) {
    let display = if p.display.is_empty() { "null".to_string() } else { scalar(p.display) };
    let _ = write!(
        y,
        "{indent}- advanced: false\n\
         {indent}  confidential: {confidential}\n\
         {indent}  defaultValue: null\n\
         {indent}  description: null\n\
         {indent}  displayName: {display}\n\
         {indent}  displayOrder: {order}\n\
         {indent}  name: {name}\n\
         {indent}  options: []\n\
         {indent}  required: false\n\
         {indent}  subProperties: []\n\
         {indent}  type: null\n\
         {indent}  value: {value}\n",
        confidential = p.confidential,
        name = p.name,
        value = scalar(value),
    );
}

/// A name/value `Property` of an inbound configuration, as one item of a sequence at `indent`.
fn short_property(y: &mut String, indent: &str, name: &str, value: &str) {
    let _ = write!(y, "{indent}- name: {name}\n{indent}  value: {}\n", scalar(value));
}

/// One property of a catalogue: its name, the label a console shows, whether it is a secret, and
/// its value, where `{idp}`, `{host}`, `{domain}`, `{app}` and `{hex}` are filled in per file.
struct Prop {
    name: &'static str,
    display: &'static str,
    confidential: bool,
    value: &'static str,
}

const fn prop(name: &'static str, display: &'static str, value: &'static str) -> Prop {
    Prop { name, display, confidential: false, value }
}

const fn secret(name: &'static str, display: &'static str, value: &'static str) -> Prop {
    Prop { name, display, confidential: true, value }
}

fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (key, value) in vars {
        out = out.replace(key, value);
    }
    out
}

/// `len` lowercase hex digits.
fn hex(rng: &mut Rng, len: usize) -> String {
    (0..len).map(|_| char::from(b"0123456789abcdef"[rng.below(16)])).collect()
}

/// A random UUID in its usual spelling (resource ids, application ids).
fn uuid(rng: &mut Rng) -> String {
    format!("{}-{}-4{}-{}-{}", hex(rng, 8), hex(rng, 4), hex(rng, 3), hex(rng, 4), hex(rng, 12))
}

/// Standard base64 with padding (the certificate field holds a PEM text encoded once more).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let bits = chunk.iter().enumerate().fold(0u32, |acc, (k, &b)| acc | (b as u32) << (16 - 8 * k));
        for k in 0..4 {
            out.push(if k <= chunk.len() {
                ALPHABET[(bits >> (18 - 6 * k) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// A made-up certificate: a PEM block of random base64 lines, base64-encoded as exports store it.
fn certificate(rng: &mut Rng) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    let lines = rng.between(16, 26);
    for n in 0..lines {
        let len = if n + 1 == lines { rng.between(8, 60) / 4 * 4 } else { 64 };
        if n == 0 {
            pem.push_str("MIID");
        }
        while pem.len() - pem.rfind('\n').unwrap() - 1 < len {
            pem.push(char::from(B64[rng.below(64)]));
        }
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    base64(pem.as_bytes())
}

/// (local claim, the remote name an application or IdP maps it to). Beyond the list, numbered
/// custom claims are used.
const CLAIMS: &[(&str, &str)] = &[
    ("emailaddress", "email"),
    ("givenname", "given_name"),
    ("lastname", "family_name"),
    ("username", "preferred_username"),
    ("mobile", "phone_number"),
    ("country", "country"),
    ("locality", "locality"),
    ("organization", "org"),
    ("role", "groups"),
    ("dob", "birthdate"),
    ("telephone", "work_phone"),
    ("title", "job_title"),
    ("department", "department"),
    ("nickname", "nickname"),
    ("photourl", "picture"),
    ("url", "website"),
    ("gender", "gender"),
    ("streetaddress", "street"),
    ("postalcode", "postal_code"),
    ("region", "region"),
    ("fullname", "name"),
    ("displayName", "display_name"),
    ("created", "created_at"),
    ("modified", "updated_at"),
    ("emailVerified", "email_verified"),
    ("phoneVerified", "phone_verified"),
    ("stateorprovince", "state"),
    ("employeeNumber", "employee_id"),
    ("costCenter", "cost_center"),
    ("manager", "manager"),
];

/// Claim mapping `n` of a `claimMappings` list at `indent` (the `-` column).
fn claim_mapping(y: &mut String, indent: &str, n: usize, requested: bool, mandatory: bool) {
    let (local, remote) = match CLAIMS.get(n) {
        Some(&(local, remote)) => (format!("http://wso2.org/claims/{local}"), remote.to_string()),
        None => (format!("http://wso2.org/claims/ext/attribute{n}"), format!("ext_attribute_{n}")),
    };
    let _ = write!(
        y,
        "{indent}- defaultValue: null\n\
         {indent}  localClaim: !!{MODEL}.Claim\n\
         {indent}    claimId: 0\n\
         {indent}    claimUri: {local}\n\
         {indent}  mandatory: {mandatory}\n\
         {indent}  remoteClaim: !!{MODEL}.Claim\n\
         {indent}    claimId: 0\n\
         {indent}    claimUri: {remote}\n\
         {indent}  requested: {requested}\n"
    );
}

/// Claim mappings appended until `fixed + mappings` reaches `target` bytes.
fn pad_claims(rng: &mut Rng, indent: &str, fixed: usize, target: usize, all_requested: bool) -> String {
    let mut y = String::new();
    let mut n = 0;
    while fixed + y.len() < target {
        let requested = all_requested || rng.chance(60);
        claim_mapping(&mut y, indent, n, requested, requested && rng.chance(25));
        n += 1;
    }
    y
}

// ---------------------------------------------------------------------------------------------
// Applications

/// The inbound OAuth2 properties of an application: the first [`OAUTH_ALWAYS`] in every file,
/// the others as far as the file's size allows.
const OAUTH_ALWAYS: usize = 4;
const OAUTH_PROPERTIES: &[Prop] = &[
    prop("callbackUrl", "Authorized redirect URLs", "regexp=(https://{host}/callback|https://{host}/logout)"),
    prop("grantTypes", "Allowed grant types", "authorization_code refresh_token"),
    prop("oauthVersion", "OAuth version", "OAuth-2.0"),
    prop("allowedOrigins", "Allowed origins", "https://{host}"),
    prop("userAccessTokenExpiryInSeconds", "User access token expiry time", "3600"),
    prop("applicationAccessTokenExpiryInSeconds", "Application access token expiry time", "3600"),
    prop("refreshTokenExpiryInSeconds", "Refresh token expiry time", "86400"),
    prop("idTokenExpiryInSeconds", "ID token expiry time", "3600"),
    prop("tokenType", "Token type", "Default"),
    prop("pkceMandatory", "Mandate PKCE", "true"),
    prop("pkceSupportPlain", "Support plain PKCE challenge", "false"),
    prop("bypassClientCredentials", "Public client", "false"),
    prop("renewRefreshToken", "Renew refresh token", "true"),
    prop("idTokenAudience", "ID token audience", "{app}-client"),
];

const LOCAL_DISPLAY: &[(&str, &str)] = &[
    ("BasicAuthenticator", "basic"),
    ("totp", "TOTP"),
    ("email-otp-authenticator", "Email OTP"),
    ("sms-otp-authenticator", "SMS OTP"),
    ("backup-code-authenticator", "Backup Code"),
];

fn federated_display(authenticator: &str) -> &'static str {
    match authenticator {
        "GoogleOIDCAuthenticator" => "Google",
        "GithubAuthenticator" => "GitHub",
        "FacebookAuthenticator" => "Facebook",
        "AppleOIDCAuthenticator" => "Apple",
        "MicrosoftAuthenticator" => "Microsoft",
        "SAMLSSOAuthenticator" => "SAML SSO",
        _ => "OpenID Connect",
    }
}

const APP_PURPOSES: &[&str] = &[
    "Self-service portal for employees",
    "Customer-facing web application",
    "Internal tool of the finance team",
    "Partner access to shared documents",
    "Reporting dashboard for managers",
    "Mobile companion app",
];

/// The application `app` (the `i`th) as a `ServiceProvider` bean. `flaw` is its marker in this
/// file's environment, `env` the environment (in its URLs). `rng` draws only what the REST shape
/// does not have (ids, descriptions, padding), so it must be the same stream for every
/// environment: the files differ only by their URLs and markers.
pub fn application(app: &App, i: usize, flaw: Option<&str>, env: Option<&str>, rng: &mut Rng) -> String {
    let name = &app.name;
    let host = app.host(env);
    let client_id = format!("{}{}", hex(rng, 10), hex(rng, 12));
    let vars = [("{host}", host.as_str()), ("{app}", name.as_str())];
    let target = rng.between(APP_SIZE.0, APP_SIZE.1);
    // A long script leaves less room: such files leave out what exports often omit (the inbound
    // XML, a second inbound protocol, type tags on list items, unset fields), as leaner exports do.
    let script_bytes: usize =
        app.script.iter().flatten().map(|l| l.len() + if l.is_empty() { 1 } else { 7 }).sum();
    let rich = target.saturating_sub(script_bytes) >= RICH_ROOM;

    // Written in four parts: up to `claimMappings:`; from there to the inbound OAuth properties;
    // the rest; and, once the size of those is known, the padding (optional OAuth properties,
    // then claim mappings) between them.
    let mut head = super::marker(flaw);
    let _ = write!(
        head,
        "--- !!{MODEL}.ServiceProvider\n\
         accessUrl: https://{host}/login\n\
         applicationID: {id}\n\
         applicationName: {name}\n\
         applicationResourceId: {resource}\n\
         applicationVersion: v1.0.0\n\
         certificateContent: null\n\
         claimConfig: !!{MODEL}.ClaimConfig\n  \
           alwaysSendMappedLocalSubjectId: false\n  \
           claimMappings:",
        id = i + 2,
        resource = uuid(rng),
    );

    let mut middle = String::new();
    let _ = write!(
        middle,
        "  idpClaims: []\n  \
           localClaimDialect: {local_dialect}\n  \
           roleClaimURI: http://wso2.org/claims/role\n  \
           spClaimDialects: []\n  \
           userClaimURI: null\n\
         description: {description}\n\
         discoverable: false\n\
         imageUrl: null\n\
         inboundAuthenticationConfig: !!{MODEL}.InboundAuthenticationConfig\n  \
           inboundAuthenticationRequestConfigs:\n  \
           - friendlyName: null\n    \
             inboundAuthKey: {client_id}\n    \
             inboundAuthType: oauth2\n    \
             inboundConfigType: standardAPP\n    \
             inboundConfiguration: {xml}\n    \
             properties:\n",
        xml = if rich {
            format!(
                "\"<oAuthAppDO>\\n  <oauthConsumerKey>{client_id}</oauthConsumerKey>\\n  \
                 <callbackUrl>https://{host}/callback</callbackUrl>\\n  <pkceMandatory>true</pkceMandatory>\\n\
                 </oAuthAppDO>\\n\""
            )
        } else {
            "null".to_string()
        },
        local_dialect = rng.chance(70),
        description =
            scalar(&format!("{} ({name}, synthetic, for the authlint benchmark)", rng.pick(APP_PURPOSES))),
    );
    for p in &OAUTH_PROPERTIES[..OAUTH_ALWAYS] {
        short_property(&mut middle, "    ", p.name, &fill(p.value, &vars));
    }

    let mut rest = String::new();
    if rng.chance(30) && rich {
        let _ = write!(
            rest,
            "  - friendlyName: null\n    \
               inboundAuthKey: {name}\n    \
               inboundAuthType: passivests\n    \
               inboundConfigType: standardAPP\n    \
               inboundConfiguration: null\n    \
               properties: []\n"
        );
    }
    let _ = write!(
        rest,
        "inboundProvisioningConfig: !!{MODEL}.InboundProvisioningConfig\n  \
           dumbMode: false\n  \
           provisioningEnabled: false\n  \
           provisioningUserStore: PRIMARY\n\
         jwksUri: null\n\
         localAndOutBoundAuthenticationConfig: !!{MODEL}.LocalAndOutboundAuthenticationConfig\n  \
           alwaysSendBackAuthenticatedListOfIdPs: false\n  \
           authenticationScriptConfig: !!{MODEL}.script.AuthenticationScriptConfig\n"
    );
    let mut script = String::new();
    match &app.script {
        Some(lines) => {
            // A literal block, as with the REST `script`: authlint maps spans back into it.
            script.push_str("    content: |\n");
            for line in lines {
                if !line.is_empty() {
                    script.push_str("      ");
                    script.push_str(line);
                }
                script.push('\n');
            }
            script.push_str("    enabled: true\n");
        }
        None => script.push_str("    content: ''\n    enabled: false\n"),
    }
    let mut post = String::new();
    post.push_str("    language: application/javascript\n");
    if rich {
        post.push_str("  authenticationStepForAttributes: null\n  authenticationStepForSubject: null\n");
    }
    post.push_str("  authenticationSteps:\n");
    for (n, options) in app.steps.iter().enumerate() {
        let first = n == 0;
        let _ = writeln!(post, "  - attributeStep: {first}");
        let federated: Vec<_> = options.iter().filter(|(idp, _)| idp != "LOCAL").collect();
        if federated.is_empty() {
            post.push_str("    federatedIdentityProviders: []\n");
        } else {
            post.push_str("    federatedIdentityProviders:\n");
            for (idp, authenticator) in federated {
                if rich {
                    let _ = write!(
                        post,
                        "    - !!{MODEL}.IdentityProvider\n      \
                           defaultAuthenticatorConfig: !!{MODEL}.FederatedAuthenticatorConfig\n        \
                             displayName: {display}\n        \
                             enabled: true\n        \
                             name: {authenticator}\n      \
                           identityProviderName: {idp}\n",
                        display = scalar(federated_display(authenticator)),
                    );
                } else {
                    let _ = write!(
                        post,
                        "    - defaultAuthenticatorConfig: !!{MODEL}.FederatedAuthenticatorConfig\n        \
                             name: {authenticator}\n      \
                           identityProviderName: {idp}\n"
                    );
                }
            }
        }
        let local: Vec<_> = options.iter().filter(|(idp, _)| idp == "LOCAL").collect();
        if local.is_empty() {
            post.push_str("    localAuthenticatorConfigs: []\n");
        } else {
            post.push_str("    localAuthenticatorConfigs:\n");
            for (_, authenticator) in local {
                let display =
                    LOCAL_DISPLAY.iter().find(|(a, _)| a == authenticator).map_or(*authenticator, |d| d.1);
                if rich {
                    let _ = write!(
                        post,
                        "    - displayName: {display}\n      \
                           enabled: true\n      \
                           name: {authenticator}\n",
                        display = scalar(display),
                    );
                } else {
                    let _ = writeln!(post, "    - name: {authenticator}");
                }
            }
        }
        let _ = write!(post, "    stepOrder: {}\n    subjectStep: {first}\n", n + 1);
    }
    let _ = write!(
        post,
        "  authenticationType: flow\n  \
           enableAuthorization: false\n  \
           skipConsent: {skip}\n  \
           skipLogoutConsent: {skip}\n  \
           subjectClaimUri: null\n  \
           useTenantDomainInLocalSubjectIdentifier: false\n  \
           useUserstoreDomainInLocalSubjectIdentifier: false\n  \
           useUserstoreDomainInRoles: true\n\
         outboundProvisioningConfig: !!{MODEL}.OutboundProvisioningConfig\n  \
           provisionByRoleList: []\n  \
           provisioningIdentityProviders: []\n\
         owner: !!{MODEL}.User\n  \
           tenantDomain: carbon.super\n  \
           userName: {owner}\n  \
           userStoreDomain: PRIMARY\n\
         permissionAndRoleConfig: !!{MODEL}.PermissionsAndRoleConfig\n  \
           idpRoles: []\n  \
           permissions: []\n  \
           roleMappings: []\n\
         requestPathAuthenticatorConfigs: []\n\
         saasApp: false\n\
         spProperties:\n\
         - displayName: Is management application\n  \
           name: isManagementApp\n  \
           value: 'false'\n\
         {more_sp}\
         templateId: custom-application\n",
        more_sp = if rich {
            "- displayName: Use user id for the default subject\n  name: useUserIdForDefaultSubject\n  value: 'true'\n"
        } else {
            ""
        },
        skip = rng.chance(80),
        owner = rng.pick(&["admin", "ops-admin", "iam-pipeline"]),
    );

    if !rich {
        for part in [&mut head, &mut middle, &mut rest, &mut post] {
            *part = drop_unset(part);
        }
    }

    // Up to the target size: the optional OAuth properties first, then claim mappings.
    let mut size = head.len() + 1 + middle.len() + rest.len() + script.len() + post.len();
    for p in &OAUTH_PROPERTIES[OAUTH_ALWAYS..] {
        if size >= target {
            break;
        }
        let before = middle.len();
        short_property(&mut middle, "    ", p.name, &fill(p.value, &vars));
        size += middle.len() - before;
    }
    let claims = pad_claims(rng, "  ", size, target, false);
    head.push_str(if claims.is_empty() { " []\n" } else { "\n" });
    head.push_str(&claims);
    head.push_str(&middle);
    head.push_str(&rest);
    head.push_str(&script);
    head.push_str(&post);
    head
}

/// Fields a lean export leaves out when they are unset, null or empty (never a list item's first
/// line, which carries the `-`).
const UNSET: &[&str] = &[
    "certificateContent: null",
    "imageUrl: null",
    "jwksUri: null",
    "userClaimURI: null",
    "subjectClaimUri: null",
    "inboundConfiguration: null",
    "spClaimDialects: []",
    "idpClaims: []",
    "idpRoles: []",
    "permissions: []",
    "provisionByRoleList: []",
    "federatedIdentityProviders: []",
    "discoverable: false",
    "dumbMode: false",
    "enableAuthorization: false",
    "alwaysSendMappedLocalSubjectId: false",
    "alwaysSendBackAuthenticatedListOfIdPs: false",
];

/// `yaml` without the [`UNSET`] lines (no script text passes through here).
fn drop_unset(yaml: &str) -> String {
    yaml.split_inclusive('\n').filter(|line| !UNSET.contains(&line.trim())).collect()
}

// ---------------------------------------------------------------------------------------------
// Identity providers

const OIDC_PROPERTIES: &[Prop] = &[
    prop("ClientId", "Client ID", "{idp}-{hex}"),
    secret("ClientSecret", "Client secret", "{hex}{hex}"),
    prop("OAuth2AuthzEPUrl", "Authorization endpoint URL", "https://login.{domain}/oauth2/authorize"),
    prop("OAuth2TokenEPUrl", "Token endpoint URL", "https://login.{domain}/oauth2/token"),
    prop("UserInfoUrl", "Userinfo endpoint URL", "https://login.{domain}/oauth2/userinfo"),
    prop("OIDCLogoutEPUrl", "Logout endpoint URL", "https://login.{domain}/oauth2/logout"),
    prop("jwksUri", "JWKS endpoint URL", "https://login.{domain}/oauth2/keys"),
    prop("IdPIssuerName", "Issuer", "https://login.{domain}"),
    prop("callbackUrl", "Callback URL", "https://localhost:9443/commonauth"),
    prop("Scopes", "Scopes", "openid email profile"),
    prop("commonAuthQueryParams", "Additional query parameters", "prompt=login&access_type=online"),
    prop("IsUserIdInClaims", "User ID found in claims", "false"),
    prop("IsBasicAuthEnabled", "Client secret sent with basic authentication", "true"),
    prop("ResponseMode", "Response mode", "form_post"),
    prop("SendNonce", "Send a nonce", "true"),
    prop("EnforcePKCE", "Use PKCE", "true"),
    prop("ClockSkewSeconds", "Allowed clock skew", "300"),
    prop("TokenRevocationUrl", "Token revocation URL", "https://login.{domain}/oauth2/revoke"),
    prop("IntrospectionUrl", "Token introspection URL", "https://login.{domain}/oauth2/introspect"),
    prop("ClaimDialectUri", "Claim dialect", "http://wso2.org/oidc/claim"),
    prop("AdditionalScopes", "Additional scopes", ""),
    prop("RequestObjectSigning", "Sign the request object", "false"),
];

const SAML_PROPERTIES: &[Prop] = &[
    prop("IdPEntityId", "Identity provider entity ID", "https://sso.{domain}/saml2/metadata"),
    prop("SPEntityId", "Service provider entity ID", "https://localhost:9443/{idp}"),
    prop("SSOUrl", "Single sign-on URL", "https://sso.{domain}/saml2/sso"),
    prop("ISAuthnReqSigned", "Sign authentication requests", "true"),
    prop("IsLogoutEnabled", "Single logout enabled", "true"),
    prop("LogoutReqUrl", "Logout URL", "https://sso.{domain}/saml2/slo"),
    prop("IsLogoutReqSigned", "Sign logout requests", "false"),
    prop("IsAuthnRespSigned", "Require signed responses", "true"),
    prop("IsUserIdInClaims", "User ID found in claims", "false"),
    prop("IsAssertionEncrypted", "Require encrypted assertions", "false"),
    prop("IsAssertionSigned", "Require signed assertions", "true"),
    prop("SignatureAlgorithm", "Signature algorithm", "RSA with SHA256"),
    prop("DigestAlgorithm", "Digest algorithm", "SHA256"),
    prop("IncludeProtocolBinding", "Include the protocol binding", "true"),
    prop("ForceAuthentication", "Force authentication", "as_request"),
    prop("RequestMethod", "HTTP binding", "redirect"),
    prop("NameIDType", "Name ID format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
    prop(
        "AuthnContextClassRef",
        "Authentication context class",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    ),
    prop("AuthnContextComparisonLevel", "Authentication context comparison", "Exact"),
    prop("AttributeConsumingServiceIndex", "Attribute consuming service index", "1"),
    prop("IncludeCert", "Include the certificate", "false"),
    prop("IsSLORequestAccepted", "Accept logout requests", "true"),
    prop("ISArtifactBindingEnabled", "Artifact binding", "false"),
    prop("commonAuthQueryParams", "Additional query parameters", ""),
];

const SCIM_PROPERTIES: &[Prop] = &[
    prop("scim2-user-ep", "User endpoint", "https://scim.{domain}/scim2/Users"),
    prop("scim2-group-ep", "Group endpoint", "https://scim.{domain}/scim2/Groups"),
    prop("scim2-authentication-mode", "Authentication mode", "bearer"),
    secret("scim2-access-token", "Access token", "{hex}{hex}"),
    prop("scim2-user-store-domain", "User store domain", "PRIMARY"),
    prop("scim2-enable-pwd-provisioning", "Provision passwords", "false"),
];

const REMOTE_GROUPS: &[&str] =
    &["admins", "staff", "contractors", "finance", "support", "auditors", "developers"];
const LOCAL_ROLES: &[&str] = &["admin", "everyone", "finance-approver", "auditor", "helpdesk", "developer"];

/// The IdP as an `IdentityProvider` bean; `rng` draws the parts the REST shape does not have,
/// from the same stream in every environment (the files differ by their JIT block only).
pub fn identity_provider(idp: &Idp, rng: &mut Rng) -> String {
    let saml = idp.authenticator == "SAMLSSOAuthenticator";
    let name = &idp.name;
    let domain = format!("{}.example.net", name.to_ascii_lowercase());
    let target = rng.between(IDP_SIZE.0, IDP_SIZE.1);
    let display = federated_display(idp.authenticator);

    let mut head = String::new();
    let _ = write!(
        head,
        "--- !!{MODEL}.IdentityProvider\n\
         alias: {alias}\n\
         certificate: {cert}\n\
         certificateInfoArray:\n\
         - certValue: null\n  \
           thumbPrint: {thumb}\n\
         claimConfig: !!{MODEL}.ClaimConfig\n  \
           alwaysSendMappedLocalSubjectId: false\n  \
           claimMappings:\n",
        alias = if saml {
            format!("https://localhost:9443/{name}")
        } else {
            "https://localhost:9443/oauth2/token".into()
        },
        cert = certificate(rng),
        thumb = hex(rng, 64),
    );

    let mut tail = String::new();
    let _ = write!(
        tail,
        "  idpClaims:\n\
         {claims}  \
           localClaimDialect: false\n  \
           roleClaimURI: groups\n  \
           spClaimDialects: []\n  \
           userClaimURI: email\n\
         defaultAuthenticatorConfig: !!{MODEL}.FederatedAuthenticatorConfig\n  \
           displayName: {display}\n  \
           enabled: true\n  \
           name: {auth}\n  \
           properties: []\n  \
           valid: true\n\
         description: {description}\n\
         displayName: {name}\n\
         enable: true\n\
         federatedAuthenticatorConfigs:\n\
         - !!{MODEL}.FederatedAuthenticatorConfig\n  \
           displayName: {display}\n  \
           enabled: true\n  \
           name: {auth}\n  \
           properties:\n",
        claims = CLAIMS[..rng.between(4, 10)]
            .iter()
            .map(|(_, remote)| format!("  - claimId: 0\n    claimUri: {remote}\n"))
            .collect::<String>(),
        display = scalar(display),
        auth = idp.authenticator,
        description = scalar(&format!("{display} connection {name} (synthetic, for the authlint benchmark)")),
    );
    let catalogue = if saml { SAML_PROPERTIES } else { OIDC_PROPERTIES };
    let lower = name.to_ascii_lowercase();
    for (n, p) in catalogue.iter().enumerate() {
        let value = fill(p.value, &[("{idp}", &lower), ("{domain}", &domain)]);
        let value = if value.contains("{hex}") { value.replace("{hex}", &hex(rng, 16)) } else { value };
        property(&mut tail, "  ", p, &value, n);
    }
    let _ = write!(
        tail,
        "  valid: true\n\
         federationHub: false\n\
         homeRealmId: null\n\
         identityProviderDescription: null\n\
         identityProviderName: {name}\n\
         idpProperties:\n\
         - name: templateId\n  \
           value: {template}\n\
         - name: isTrustedTokenIssuer\n  \
           value: 'false'\n\
         - name: displayOrder\n  \
           value: '{order}'\n\
         imageUrl: null\n",
        template = if saml { "enterprise-saml-idp" } else { "enterprise-oidc-idp" },
        order = rng.below(50),
    );
    // Drawn whether or not the block is written, so the rest of the file is the same in every
    // environment.
    let (associate, modify, password, consent) =
        (rng.chance(30), rng.chance(20), rng.chance(20), rng.chance(20));
    if idp.jit != Jit::Missing {
        let _ = write!(
            tail,
            "justInTimeProvisioningConfig: !!{MODEL}.JustInTimeProvisioningConfig\n  \
               associateLocalUser: {associate}\n  \
               attributeSyncMethod: OVERRIDE_ALL\n  \
               modifyUserNameAllowed: {modify}\n  \
               passwordProvisioningEnabled: {password}\n  \
               promptConsent: {consent}\n  \
               provisioningEnabled: {enabled}\n  \
               provisioningUserStore: PRIMARY\n  \
               userStoreClaimUri: null\n",
            enabled = idp.jit == Jit::Enabled,
        );
    }
    tail.push_str(&format!("permissionAndRoleConfig: !!{MODEL}.PermissionsAndRoleConfig\n  idpRoles:\n"));
    let roles = rng.between(1, REMOTE_GROUPS.len());
    for group in &REMOTE_GROUPS[..roles] {
        let _ = writeln!(tail, "  - {group}");
    }
    tail.push_str("  permissions: []\n  roleMappings:\n");
    for (n, group) in REMOTE_GROUPS[..roles].iter().enumerate() {
        let _ = write!(
            tail,
            "  - localRole: !!{MODEL}.LocalRole\n      \
                 localRoleName: {local}\n      \
                 userStoreId: PRIMARY\n    \
               remoteRole: {group}\n",
            local = LOCAL_ROLES[n % LOCAL_ROLES.len()],
        );
    }
    let _ = write!(
        tail,
        "primary: false\n\
         provisioningConnectorConfigs:\n\
         - blocking: false\n  \
           enabled: {scim}\n  \
           name: scim2\n  \
           provisioningProperties:\n",
        scim = rng.chance(25),
    );
    for (n, p) in SCIM_PROPERTIES.iter().enumerate() {
        let value = fill(p.value, &[("{domain}", &domain)]);
        let value = if value.contains("{hex}") { value.replace("{hex}", &hex(rng, 16)) } else { value };
        property(&mut tail, "  ", p, &value, n);
    }
    let _ = write!(
        tail,
        "  rulesEnabled: false\n  \
           valid: true\n\
         provisioningRole: null\n\
         resourceId: {resource}\n\
         templateId: null\n",
        resource = uuid(rng),
    );

    let claims = pad_claims(rng, "  ", head.len() + tail.len(), target, true);
    head.push_str(&claims);
    head.push_str(&tail);
    head
}
