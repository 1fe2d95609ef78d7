//! What the server does when a user without a local account reaches a second factor, decided
//! from the authenticator's class (`rules/authenticators.yaml`) and what the configuration shows
//! about the IdP the user signed in with. `jit-mfa-conflict` turns it into the severity and the
//! words of its finding.

use crate::catalogue::{Attribute, Authenticator, Catalogue, Class};
use crate::diagnostic::{Label, Severity};
use crate::model::{Connection, StepOption};

/// The judgement on one MFA step reached by users of one JIT-disabled connection.
pub struct Verdict {
    pub severity: Severity,
    /// How the sentence "users signing in with X reach Y in step N, ..." ends.
    pub consequence: String,
    /// The label on the MFA step: what the server does there.
    pub label: String,
    /// The last line of the path: what the step needs.
    pub needs: String,
    /// What else the finding should say (what the flow depends on), if anything.
    pub note: Option<String>,
    /// Where the configuration shows it (the IdP's claim mapping or claim configuration).
    pub related: Option<Label>,
}

/// The verdict for `authenticator` (the MFA step's) reached by users who signed in through
/// `via` (`connection`, JIT disabled or the built-in organisation login).
pub fn verdict(
    catalogue: &Catalogue,
    authenticator: &Authenticator,
    via: &StepOption,
    connection: Connection,
) -> Verdict {
    let display = &authenticator.display;
    let idp = &via.idp.value;
    let failure = authenticator.failure.as_deref().unwrap_or("a failed step");
    let no_account = match connection {
        Connection::OrganizationSso => "organisation login creates no local account in this organisation",
        Connection::Defined(_) => "without JIT provisioning they have no local account",
    };
    match authenticator.class {
        Class::RefusesFederatedUser | Class::NoLocalAccountNeeded => Verdict {
            severity: Severity::Error,
            consequence: "which needs a local account".into(),
            label: format!("{display} cannot verify {idp} users: {no_account} ({failure})"),
            needs: format!("{display} needs a local account"),
            note: None,
            related: None,
        },
        Class::NeedsLinkedAccount => Verdict {
            severity: Severity::Error,
            consequence: format!("which needs a local account linked to the {idp} identity"),
            label: format!(
                "{display} refuses {idp} users unless the user linked a local account by hand: {no_account} ({failure})"
            ),
            needs: format!("{display} needs a linked local account"),
            note: None,
            related: None,
        },
        Class::DependsOnServerSetting => {
            let setting = authenticator.setting.as_deref().unwrap_or("a server setting");
            Verdict {
                severity: Severity::Warning,
                consequence: format!("which serves them only when the server setting `{setting}` is on"),
                label: format!(
                    "{display} sends its code to an attribute of {idp} only with `{setting}`; otherwise the step fails or is skipped ({no_account})"
                ),
                needs: format!("{display} depends on the server setting `{setting}`"),
                note: Some(format!(
                    "whether {idp} users pass this step depends on the server setting `{setting}` (source: {})",
                    authenticator.source
                )),
                related: None,
            }
        }
        Class::UsesIdpAttribute => {
            let attribute = authenticator.attribute.unwrap_or(Attribute::Email);
            attribute_verdict(catalogue, authenticator, attribute, via, connection)
        }
    }
}

/// An OTP authenticator sends its code to the email address or mobile number the IdP asserts in
/// this sign-in: it works while the IdP sends it, and fails where the configuration shows it
/// cannot.
fn attribute_verdict(
    catalogue: &Catalogue,
    authenticator: &Authenticator,
    attribute: Attribute,
    via: &StepOption,
    connection: Connection,
) -> Verdict {
    let display = &authenticator.display;
    let idp = &via.idp.value;
    let what = attribute.describe();
    let local = attribute.local_claim();
    let federated = &via.authenticator.value;
    let failure = authenticator.failure.as_deref().unwrap_or("a failed step");
    // Where the attribute would come from, if the configuration shows a way.
    let source: Result<(String, Option<Label>), (String, Option<Label>)> = if catalogue.speaks_oidc(federated)
    {
        Ok((format!("`{}` (the OpenID Connect claim {federated} receives)", attribute.oidc_claim()), None))
    } else {
        match connection {
            Connection::OrganizationSso => {
                Ok((format!("`{}` (organisation login is OpenID Connect)", attribute.oidc_claim()), None))
            }
            Connection::Defined(provider) => {
                let claims = &provider.claims;
                if let Some(m) = claims.mapping_to(local) {
                    let label = Label {
                        span: m.span,
                        message: format!("{idp} maps its claim `{}` to {local}", m.remote),
                    };
                    Ok((format!("`{}` (mapped to {local})", m.remote), Some(label)))
                } else if claims.local_dialect {
                    let label = claims.span.map(|span| Label {
                        span,
                        message: format!("{idp} sends claims in the local dialect: {local} is read as it is"),
                    });
                    Ok((format!("`{local}` (the IdP uses the local claim dialect)"), label))
                } else if let Some(span) = claims.span {
                    let label = Label { span, message: format!("{idp} maps no claim to {local}") };
                    Err((
                        format!("{idp} ({federated}, not OpenID Connect) maps no claim to {local}"),
                        Some(label),
                    ))
                } else {
                    Err((format!("{idp} ({federated}, not OpenID Connect) has no claim configuration"), None))
                }
            }
        }
    };
    match source {
        Ok((claim, related)) => Verdict {
            severity: Severity::Warning,
            consequence: format!("which then depends on {idp} sending {claim}"),
            label: format!(
                "{display} sends the code to the {what} {idp} asserts in this sign-in: its users have no local account"
            ),
            needs: format!("{display} needs the {what} from {idp}"),
            note: Some(format!(
                "{display} does not check JIT: it sends the code to the {what} {idp} asserts (source: {}). The flow works only while {idp} sends {claim}; the code then goes to an address only {idp} vouches for, and the product documentation calls MFA for federated users without JIT provisioning unsupported",
                authenticator.source
            )),
            related,
        },
        Err((why, related)) => Verdict {
            severity: Severity::Error,
            consequence: format!(
                "which needs the {what} from {idp}, and the configuration shows it cannot come"
            ),
            label: format!("{display} has no {what} for {idp} users: {why} ({failure})"),
            needs: format!("{display} needs the {what} from {idp}"),
            note: None,
            related,
        },
    }
}
