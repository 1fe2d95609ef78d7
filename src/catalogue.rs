//! The authenticator catalogue (`rules/authenticators.yaml`): what each second factor does with a
//! federated user whose IdP has JIT provisioning disabled, by behaviour class, as the servers'
//! code decides. It is data, compiled into the binary; organisations add their custom
//! authenticators in `.authlint.yaml`.

use serde::Deserialize;

const BUILTIN: &str = include_str!("../rules/authenticators.yaml");

/// How an authenticator treats a federated user without a local account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// The server refuses every federated user of a JIT-disabled IdP (TOTP: error 65003).
    RefusesFederatedUser,
    /// The server needs a local account linked to the federated identity (passkeys).
    NeedsLinkedAccount,
    /// No JIT check: the code goes to an attribute the IdP sends in this sign-in.
    UsesIdpAttribute,
    /// Federated users are served only when a server setting is on.
    DependsOnServerSetting,
    /// Works for federated users.
    NoLocalAccountNeeded,
}

impl Class {
    /// The class as written in the catalogue and in `.authlint.yaml`.
    pub fn name(self) -> &'static str {
        match self {
            Class::RefusesFederatedUser => "refuses-federated-user",
            Class::NeedsLinkedAccount => "needs-linked-account",
            Class::UsesIdpAttribute => "uses-idp-attribute",
            Class::DependsOnServerSetting => "depends-on-server-setting",
            Class::NoLocalAccountNeeded => "no-local-account-needed",
        }
    }
}

/// The attribute an OTP authenticator sends its code to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Attribute {
    Email,
    Mobile,
}

impl Attribute {
    /// The claim of the OpenID Connect dialect that carries it.
    pub fn oidc_claim(self) -> &'static str {
        match self {
            Attribute::Email => "email",
            Attribute::Mobile => "phone_number",
        }
    }

    /// The local (WSO2 dialect) claim it is read from.
    pub fn local_claim(self) -> &'static str {
        match self {
            Attribute::Email => "http://wso2.org/claims/emailaddress",
            Attribute::Mobile => "http://wso2.org/claims/mobile",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Attribute::Email => "email address",
            Attribute::Mobile => "mobile number",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authenticator {
    /// The authenticator name as it appears in step options.
    pub name: String,
    /// Other names of the same authenticator.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The name users see in the console.
    pub display: String,
    pub class: Class,
    /// `uses-idp-attribute`: which attribute.
    #[serde(default)]
    pub attribute: Option<Attribute>,
    /// `depends-on-server-setting`: the setting that decides.
    #[serde(default)]
    pub setting: Option<String>,
    /// The error code or page the server gives a user it cannot serve.
    #[serde(default)]
    pub failure: Option<String>,
    /// Where the behaviour is read from.
    pub source: String,
}

impl Authenticator {
    /// Whether it can fail for a federated user without a local account (every class but
    /// `no-local-account-needed`).
    pub fn may_fail_without_local_account(&self) -> bool {
        self.class != Class::NoLocalAccountNeeded
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub authenticators: Vec<Authenticator>,
    /// Federated authenticators whose claims arrive in the OpenID Connect dialect.
    #[serde(rename = "oidc-dialect-authenticators")]
    pub oidc_dialect: Vec<String>,
}

impl Catalogue {
    /// The catalogue shipped in `rules/authenticators.yaml`.
    pub fn builtin() -> Catalogue {
        // The file is part of the build and covered by a test, so a parse failure is a bug in
        // authlint, not bad user input.
        serde_saphyr::from_str(BUILTIN).expect("rules/authenticators.yaml is valid")
    }

    /// Adds custom authenticators (from `.authlint.yaml`); an entry with the name of a built-in
    /// one replaces it.
    pub fn add_custom(&mut self, custom: &[Authenticator]) {
        for entry in custom {
            self.authenticators.retain(|a| a.name != entry.name && !a.aliases.contains(&entry.name));
            self.authenticators.push(entry.clone());
        }
    }

    /// The entry for `authenticator`, if the catalogue knows it.
    pub fn find(&self, authenticator: &str) -> Option<&Authenticator> {
        self.authenticators
            .iter()
            .find(|a| a.name == authenticator || a.aliases.iter().any(|x| x == authenticator))
    }

    /// The entry for `authenticator` if it can fail for a federated user without a local
    /// account: what the MFA rules judge.
    pub fn needs_local_account(&self, authenticator: &str) -> Option<&Authenticator> {
        self.find(authenticator).filter(|a| a.may_fail_without_local_account())
    }

    /// Whether the federated authenticator `name` receives claims in the OpenID Connect dialect.
    pub fn speaks_oidc(&self, name: &str) -> bool {
        self.oidc_dialect.iter().any(|a| a == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_classes_follow_domain_md_section_2() {
        let c = Catalogue::builtin();
        let class = |name: &str| c.find(name).map(|a| a.class);
        for name in ["totp", "backup-code-authenticator", "IproovAuthenticator"] {
            assert_eq!(class(name), Some(Class::RefusesFederatedUser), "{name}");
        }
        assert_eq!(class("FIDOAuthenticator"), Some(Class::NeedsLinkedAccount));
        for (name, attribute) in
            [("email-otp-authenticator", Attribute::Email), ("sms-otp-authenticator", Attribute::Mobile)]
        {
            assert_eq!(class(name), Some(Class::UsesIdpAttribute), "{name}");
            assert_eq!(c.find(name).and_then(|a| a.attribute), Some(attribute), "{name}");
        }
        for name in ["EmailOTP", "SMSOTP", "DuoAuthenticator"] {
            assert_eq!(class(name), Some(Class::DependsOnServerSetting), "{name}");
            assert!(c.find(name).and_then(|a| a.setting.as_ref()).is_some(), "{name} names its setting");
        }
        for name in ["push-notification-authenticator", "MagicLinkAuthenticator"] {
            assert_eq!(class(name), Some(Class::NoLocalAccountNeeded), "{name}");
            assert!(c.needs_local_account(name).is_none(), "{name}");
        }
        for name in ["BasicAuthenticator", "GoogleOIDCAuthenticator", "TOTP"] {
            assert!(c.find(name).is_none(), "{name}");
        }
        // Every entry names its source; every class that fails names how.
        for a in &c.authenticators {
            assert!(!a.source.is_empty(), "{}", a.name);
            assert!(a.class == Class::NoLocalAccountNeeded || a.failure.is_some(), "{}", a.name);
            assert_eq!(a.class == Class::UsesIdpAttribute, a.attribute.is_some(), "{}", a.name);
            assert_eq!(a.class == Class::DependsOnServerSetting, a.setting.is_some(), "{}", a.name);
        }
        assert!(c.speaks_oidc("GoogleOIDCAuthenticator") && !c.speaks_oidc("SAMLSSOAuthenticator"));
    }
}
