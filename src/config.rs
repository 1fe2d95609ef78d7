//! `.authlint.yaml`: per-project settings, found in the current directory or above it, or given
//! with `--config`.
//!
//! ```yaml
//! rules:
//!   unused-step: off            # off | warn | error
//!   guard-never-matches: error
//! authenticators:
//!   needs-local-account: [acme-push-authenticator]   # behaves like TOTP
//!   custom:                                          # any class of rules/authenticators.yaml
//!     - { name: acme-otp, class: uses-idp-attribute, attribute: email }
//! exclude:
//!   - "legacy/**"
//! tenants:                      # tenant roots (replaces detection; see `tenants.rs`)
//!   - "environments/*"
//! ```
//!
//! A bad config file stops the run (exit status 2) with a message that names the key and line:
//! a linter that silently ignores its configuration is worse than none.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::diagnostic::Severity;

pub const FILE_NAME: &str = ".authlint.yaml";

/// The starter file `authlint init` writes.
pub const STARTER: &str = r#"# authlint configuration (https://github.com/.../authlint: README.md, "Configuration").
# Every key is optional; delete what you do not need.

# Change a rule's severity, or turn it off. `authlint rules` lists the rules.
rules:
  # unused-step: off
  # guard-never-matches: error

# Custom MFA authenticators: those that, like TOTP, refuse users without a local account, and
# others with the class they behave like (rules/authenticators.yaml lists the classes).
authenticators:
  # needs-local-account: [acme-push-authenticator]
  # custom:
  #   - { name: acme-otp, class: uses-idp-attribute, attribute: email }
  #   - { name: acme-sms, class: depends-on-server-setting, setting: acme.sendToFederatedMobile }

# Files larger than this (bytes) are reported and skipped; the default is 8 MiB.
# max-file-size: 8388608

# Files and directories not to check (globs, relative to this file).
exclude:
  # - "archive/**"

# Tenant roots: directories each holding one tenant's export (globs, relative to this file; `*`
# stops at `/`). When set, they replace detection (a directory that holds `Applications/`,
# `IdentityProviders/`, `service-providers/` or `identity-providers/` is a tenant root).
tenants:
  # - "environments/*"
"#;

/// A rule setting in `rules:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleSetting {
    Off,
    Warn,
    Error,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    // `Option`s, so that a key left empty (only comments under it) reads as not set.
    rules: Option<BTreeMap<String, RuleSetting>>,
    authenticators: Option<RawAuthenticators>,
    exclude: Option<Vec<String>>,
    tenants: Option<Vec<String>>,
    #[serde(rename = "max-file-size")]
    max_file_size: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthenticators {
    #[serde(rename = "needs-local-account")]
    needs_local_account: Option<Vec<String>>,
    custom: Option<Vec<RawCustomAuthenticator>>,
}

/// One entry of `authenticators.custom`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCustomAuthenticator {
    name: String,
    class: crate::catalogue::Class,
    display: Option<String>,
    attribute: Option<crate::catalogue::Attribute>,
    setting: Option<String>,
}

/// The settings of one run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file the settings came from, if any.
    pub path: Option<PathBuf>,
    pub rules: BTreeMap<String, RuleSetting>,
    /// Custom authenticators (`needs-local-account` entries as `refuses-federated-user`).
    pub authenticators: Vec<crate::catalogue::Authenticator>,
    /// Files larger than this many bytes are reported and skipped.
    pub max_file_size: u64,
    exclude: Option<GlobSet>,
    /// `tenants:`: the directories that are tenant roots.
    tenants: Option<GlobSet>,
    /// The directory `exclude` and `tenants` globs are relative to.
    root: PathBuf,
}

/// Default `max-file-size`: far above any real export (a large application is ~100 KB).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 8 << 20;

impl Default for Config {
    fn default() -> Config {
        Config {
            path: None,
            rules: BTreeMap::new(),
            authenticators: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            exclude: None,
            tenants: None,
            root: PathBuf::new(),
        }
    }
}

impl Config {
    /// The config file for a run from `cwd`: `explicit`, or the nearest `.authlint.yaml` in
    /// `cwd` or above. `Ok(default)` when there is none.
    pub fn discover(cwd: &Path, explicit: Option<&Path>) -> Result<Config, String> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => cwd.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file()),
        };
        match path {
            Some(p) => Config::load(&p),
            None => Ok(Config { root: cwd.to_path_buf(), ..Config::default() }),
        }
    }

    pub fn load(path: &Path) -> Result<Config, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{shown}: cannot read the config file: {e}"))?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, String> {
        let shown = path.display();
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| {
                let at = e.location().map(|l| format!(":{}:{}", l.line(), l.column())).unwrap_or_default();
                let message = e.to_string();
                let message = message.lines().next().unwrap_or("invalid configuration");
                format!("{shown}{at}: {message}")
            })?
        };
        let rules = raw.rules.unwrap_or_default();
        let exclude_patterns = raw.exclude.unwrap_or_default();
        let authenticators = custom_authenticators(raw.authenticators, |message, needle| {
            let line = line_of(text, needle).map(|l| format!(":{l}")).unwrap_or_default();
            format!("{shown}{line}: {message}")
        })?;
        for rule in rules.keys() {
            if crate::rules::find(rule).is_none() {
                let line = line_of(text, rule).map(|l| format!(":{l}")).unwrap_or_default();
                return Err(format!(
                    "{shown}{line}: `rules.{rule}`: no such rule (`authlint rules` lists them)"
                ));
            }
        }
        let mut globs = GlobSetBuilder::new();
        for pattern in &exclude_patterns {
            let glob = Glob::new(pattern).map_err(|e| {
                let line = line_of(text, pattern).map(|l| format!(":{l}")).unwrap_or_default();
                format!("{shown}{line}: `exclude`: {e}")
            })?;
            globs.add(glob);
        }
        let exclude = globs.build().map_err(|e| format!("{shown}: `exclude`: {e}"))?;
        let tenant_patterns = raw.tenants.unwrap_or_default();
        let mut tenant_globs = GlobSetBuilder::new();
        for pattern in &tenant_patterns {
            // `*` stops at `/`: `environments/*` names the environments, not every folder in them.
            let glob = GlobBuilder::new(pattern.trim_end_matches('/'))
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    let line = line_of(text, pattern).map(|l| format!(":{l}")).unwrap_or_default();
                    format!("{shown}{line}: `tenants`: {e}")
                })?;
            tenant_globs.add(glob);
        }
        let tenants = tenant_globs.build().map_err(|e| format!("{shown}: `tenants`: {e}"))?;
        let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Config {
            path: Some(path.to_path_buf()),
            rules,
            authenticators,
            max_file_size: raw.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
            exclude: (!exclude_patterns.is_empty()).then_some(exclude),
            tenants: (!tenant_patterns.is_empty()).then_some(tenants),
            root,
        })
    }

    /// Whether a walked file is excluded: its path relative to the config file's directory (or
    /// as given) matches an `exclude` glob.
    pub fn excludes(&self, path: &Path) -> bool {
        let Some(globs) = &self.exclude else { return false };
        // Canonical paths, so that `..` and symlinks do not defeat the comparison.
        let resolve = |p: &Path| {
            std::fs::canonicalize(p).or_else(|_| std::path::absolute(p)).unwrap_or_else(|_| p.to_path_buf())
        };
        let absolute = resolve(path);
        let root = resolve(&self.root);
        let relative = absolute.strip_prefix(&root).unwrap_or(path);
        globs.is_match(relative) || globs.is_match(path)
    }

    /// Whether `tenants:` declares the tenant roots (detection is then off).
    pub fn has_tenant_globs(&self) -> bool {
        self.tenants.is_some()
    }

    /// Whether directory `dir` (as the run's paths spell it) matches a `tenants:` glob, relative
    /// to the config file's directory. Lexical: no file-system access.
    pub fn is_tenant_root(&self, dir: &Path) -> bool {
        let Some(globs) = &self.tenants else { return false };
        if dir.as_os_str().is_empty() {
            return false;
        }
        let absolute = |p: &Path| {
            if p.as_os_str().is_empty() { std::env::current_dir().ok() } else { std::path::absolute(p).ok() }
        };
        let relative = match (absolute(dir), absolute(&self.root)) {
            (Some(d), Some(r)) => d.strip_prefix(&r).map(Path::to_path_buf).ok(),
            _ => None,
        };
        relative.is_some_and(|r| !r.as_os_str().is_empty() && globs.is_match(&r)) || globs.is_match(dir)
    }

    /// The severity of `rule` in this run; `None` when it is off.
    pub fn severity(&self, rule: &str, default: Severity) -> Option<Severity> {
        match self.rules.get(rule) {
            None => Some(default),
            Some(RuleSetting::Off) => None,
            Some(RuleSetting::Warn) => Some(Severity::Warning),
            Some(RuleSetting::Error) => Some(Severity::Error),
        }
    }
}

/// The catalogue entries of `authenticators:`; `error` turns a message and the text to find its
/// line by into the error to return.
fn custom_authenticators(
    raw: Option<RawAuthenticators>,
    error: impl Fn(String, &str) -> String,
) -> Result<Vec<crate::catalogue::Authenticator>, String> {
    use crate::catalogue::{Authenticator, Class};
    let Some(raw) = raw else { return Ok(Vec::new()) };
    let source = "`authenticators` in the config file".to_string();
    let mut out: Vec<Authenticator> = raw
        .needs_local_account
        .unwrap_or_default()
        .into_iter()
        .map(|name| Authenticator {
            display: name.clone(),
            name,
            aliases: Vec::new(),
            class: Class::RefusesFederatedUser,
            attribute: None,
            setting: None,
            failure: Some("refuses users without a local account (config: needs-local-account)".into()),
            source: source.clone(),
        })
        .collect();
    for entry in raw.custom.unwrap_or_default() {
        let key = |what: &str| format!("`authenticators.custom` entry `{}`: {what}", entry.name);
        match (entry.class, &entry.attribute, &entry.setting) {
            (Class::UsesIdpAttribute, None, _) => {
                return Err(error(
                    key("class `uses-idp-attribute` needs `attribute: email` or `attribute: mobile`"),
                    &entry.name,
                ));
            }
            (Class::DependsOnServerSetting, _, None) => {
                return Err(error(
                    key(
                        "class `depends-on-server-setting` needs `setting:` (the server setting that decides)",
                    ),
                    &entry.name,
                ));
            }
            _ => {}
        }
        out.push(Authenticator {
            display: entry.display.unwrap_or_else(|| entry.name.clone()),
            name: entry.name,
            aliases: Vec::new(),
            class: entry.class,
            attribute: entry.attribute.filter(|_| entry.class == Class::UsesIdpAttribute),
            setting: entry.setting.filter(|_| entry.class == Class::DependsOnServerSetting),
            failure: Some(format!("behaves like the class `{}` (config)", entry.class.name())),
            source: source.clone(),
        });
    }
    Ok(out)
}

/// The first line of `text` that mentions `needle`, for messages.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("/p/.authlint.yaml"), text)
    }

    #[test]
    fn reads_rules_authenticators_and_excludes() {
        let c = parse("rules:\n  unused-step: off\n  guard-never-matches: error\nauthenticators:\n  needs-local-account: [acme]\nexclude: ['old/**']\n").expect("valid");
        assert_eq!(c.severity("unused-step", Severity::Warning), None);
        assert_eq!(c.severity("guard-never-matches", Severity::Warning), Some(Severity::Error));
        assert_eq!(c.severity("jit-mfa-conflict", Severity::Error), Some(Severity::Error));
        assert_eq!(c.authenticators.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["acme"]);
        assert_eq!(c.authenticators[0].class, crate::catalogue::Class::RefusesFederatedUser);
        assert!(c.excludes(Path::new("/p/old/a.yml")));
        assert!(!c.excludes(Path::new("/p/new/a.yml")));
    }

    #[test]
    fn custom_authenticators_name_their_class() {
        use crate::catalogue::{Attribute, Class};
        let c = parse("authenticators:\n  custom:\n    - { name: acme-otp, class: uses-idp-attribute, attribute: email }\n    - { name: acme-sms, class: depends-on-server-setting, setting: x.y }\n").expect("valid");
        assert_eq!(c.authenticators[0].class, Class::UsesIdpAttribute);
        assert_eq!(c.authenticators[0].attribute, Some(Attribute::Email));
        assert_eq!(c.authenticators[1].setting.as_deref(), Some("x.y"));
        let e = parse("authenticators:\n  custom:\n    - { name: acme-otp, class: uses-idp-attribute }\n")
            .expect_err("no attribute");
        assert!(e.contains(":3:") && e.contains("attribute"), "{e}");
        let e = parse("authenticators:\n  custom:\n    - { name: a, class: sometimes }\n")
            .expect_err("bad class");
        assert!(e.contains("sometimes") || e.contains("class"), "{e}");
    }

    #[test]
    fn the_starter_file_is_valid() {
        assert!(parse(STARTER).is_ok());
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let e = parse("rules:\n  unused-step: sometimes\n").expect_err("bad value");
        assert!(e.contains(":2:"), "{e}");
        let e = parse("rules:\n  no-such-rule: off\n").expect_err("bad rule");
        assert!(e.contains(":2") && e.contains("no-such-rule"), "{e}");
        let e = parse("rulez: {}\n").expect_err("unknown key");
        assert!(e.contains("rulez"), "{e}");
    }
}
