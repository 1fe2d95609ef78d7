//! The authenticator catalogue (`rules/authenticators.yaml`): which authenticators need a local
//! user account. It is data, compiled into the binary, so adding an authenticator is a one-line
//! change to that file rather than a change to the analysis.

use serde::Deserialize;

const BUILTIN: &str = include_str!("../rules/authenticators.yaml");

#[derive(Debug, Clone, Deserialize)]
pub struct Authenticator {
    /// The authenticator name as it appears in step options.
    pub name: String,
    /// Other names of the same authenticator (legacy connectors).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The name users see in the console.
    pub display: String,
    /// Why it cannot verify a federated user without a local account.
    pub why: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Catalogue {
    #[serde(rename = "needs-local-account")]
    pub needs_local_account: Vec<Authenticator>,
}

impl Catalogue {
    /// The catalogue shipped in `rules/authenticators.yaml`.
    pub fn builtin() -> Catalogue {
        // The file is part of the build and covered by a test, so a parse failure is a bug in
        // authlint, not bad user input.
        serde_saphyr::from_str(BUILTIN).expect("rules/authenticators.yaml is valid")
    }

    /// Adds custom authenticators (from `.authlint.yaml`) that need a local account.
    pub fn add_needing_local_account(&mut self, names: &[String]) {
        for name in names {
            if self.needs_local_account(name).is_none() {
                self.needs_local_account.push(Authenticator {
                    name: name.clone(),
                    aliases: Vec::new(),
                    display: name.clone(),
                    why: "listed under authenticators.needs-local-account in the config file".into(),
                });
            }
        }
    }

    /// The entry for `authenticator` if it needs a local account.
    pub fn needs_local_account(&self, authenticator: &str) -> Option<&Authenticator> {
        self.needs_local_account
            .iter()
            .find(|a| a.name == authenticator || a.aliases.iter().any(|x| x == authenticator))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_lists_the_four_authenticators_of_domain_md() {
        let c = Catalogue::builtin();
        for name in
            ["totp", "backup-code-authenticator", "email-otp-authenticator", "EmailOTP", "SMSOTP", "sms-otp"]
        {
            assert!(c.needs_local_account(name).is_some(), "{name}");
        }
        for name in ["BasicAuthenticator", "GoogleOIDCAuthenticator", "TOTP"] {
            assert!(c.needs_local_account(name).is_none(), "{name}");
        }
    }
}
