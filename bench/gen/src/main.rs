//! Synthetic tenant generator for the authlint benchmark (`bench/run.sh`).
//!
//! Writes a tenant the way IAM-CTL exports it: `OUT/IdentityProviders/<name>.yml` and
//! `OUT/Applications/<name>.yml`, in the REST shapes of the Application and IdP Management APIs
//! (v1, `--format rest`, the default) or as the bean YAML IAM-CTL writes from the
//! `ServiceProvider` / `IdentityProvider` models (`--format bean`, see [`bean`]).
//!
//! ```text
//! gen --apps N --idps M --out DIR [--seed S] [--wide-ifs K] [--format rest|bean]
//!     [--environments dev,staging,prod | --environments N]
//! ```
//!
//! `--environments` writes one complete export per environment side by side
//! (`OUT/dev/Applications`, `OUT/dev/IdentityProviders`, `OUT/staging/...`), as CI/CD
//! repositories keep them: the same application and IdP names in each, the applications the same
//! but for their URLs, and the IdPs' JIT settings drifting between environments (see
//! [`Idp::in_environment`]). Each application's marker is computed for its own environment: an
//! application is flawed where one of its federated IdPs that reaches MFA unguarded has JIT off.
//!
//! - About half the IdPs have JIT provisioning enabled; of the rest, some say `isEnabled: false`
//!   and some have no `provisioning` block at all (read as disabled).
//! - Every application has two or three steps: step 1 offers `LOCAL`/`BasicAuthenticator` and one
//!   or two federated IdPs, later steps offer local MFA authenticators or `BasicAuthenticator`.
//! - Two thirds of the applications carry a conditional-authentication script of 30-80 lines,
//!   assembled from the shapes real scripts take (guards, aliases, helpers declared after use,
//!   role checks, HTTP callbacks, retries through `onFail` recursion, `authenticationOptions`,
//!   `switch` on the IdP). The scripts are written for this benchmark, not copied from WSO2.
//! - About 15% of the applications are deliberately broken (a JIT-disabled IdP reaching MFA, or a
//!   guard comparing with `'local'`), so the benchmark also pays for rendering findings. All other
//!   applications are meant to lint clean: `run.sh` prints the finding rate so drift shows.
//!
//! `--wide-ifs K` replaces every application's script with K independent
//! `if (checkN(context)) { executeStep(2); }` statements: the worst case for an analysis that
//! enumerates paths (2^K of them) rather than joining state sets.
//!
//! The output depends only on the arguments. Each application draws from its own PRNG stream
//! (seed, index), so application `i` is the same file whatever `--apps` is, as long as `--idps`
//! and `--seed` are unchanged: a 1,000-app tenant is the first 1,000 files of the 10,000-app one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Percentage of applications generated with a deliberate flaw (the issue wants 10-20% with findings).
const FLAW_PERCENT: u64 = 15;

const USAGE: &str = "usage: gen --apps N --idps M --out DIR [--seed S] [--wide-ifs K] [--format rest|bean]\n           [--environments dev,staging,prod | --environments N]";

/// In each environment, the percentage of the IdPs (other than the first two) with JIT enabled in
/// the base settings that have it off there, and of those with it off that have it on. Switching
/// one off exposes every application that trusts it, so that direction is rarer: the share of
/// flawed applications stays near [`FLAW_PERCENT`] (16-18% per environment with seed 1).
const DRIFT_OFF_PERCENT: u64 = 4;
const DRIFT_ON_PERCENT: u64 = 15;

/// Environment names for `--environments N`: the first N of these, then `env4`, `env5`...
const ENV_NAMES: &[&str] = &["dev", "staging", "prod"];

mod bean;

/// PRNG stream kinds (see [`Rng::stream`]): each kind of draw has its own streams, so adding a
/// kind never changes the files an older kind made.
const KIND_IDP: u64 = 0;
const KIND_APP: u64 = 1;
const KIND_BEAN_APP: u64 = 2;
const KIND_BEAN_IDP: u64 = 3;
/// `KIND_DRIFT + e`: the JIT drift of environment `e`.
const KIND_DRIFT: u64 = 16;

fn main() -> ExitCode {
    if std::env::args().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match Args::parse(std::env::args().skip(1)).and_then(|args| run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    /// The REST shapes of the Application and IdP Management APIs (v1).
    Rest,
    /// IAM-CTL's bean YAML (`--- !!org.wso2...ServiceProvider`).
    Bean,
}

struct Args {
    apps: usize,
    idps: usize,
    out: PathBuf,
    seed: u64,
    wide_ifs: Option<usize>,
    format: Format,
    /// Empty: one tenant in `out`; otherwise one export per environment under `out/<name>`.
    environments: Vec<String>,
}

impl Args {
    fn parse(mut argv: impl Iterator<Item = String>) -> Result<Args, String> {
        let (mut apps, mut idps, mut out, mut seed, mut wide_ifs) = (None, None, None, 1, None);
        let (mut format, mut environments) = (Format::Rest, vec![]);
        while let Some(flag) = argv.next() {
            let mut value = || argv.next().ok_or_else(|| format!("{flag} needs a value"));
            let number =
                |text: String| text.parse::<u64>().map_err(|_| format!("{flag}: not a number: {text}"));
            match flag.as_str() {
                "--apps" => apps = Some(number(value()?)? as usize),
                "--idps" => idps = Some(number(value()?)? as usize),
                "--out" => out = Some(PathBuf::from(value()?)),
                "--seed" => seed = number(value()?)?,
                "--wide-ifs" => wide_ifs = Some(number(value()?)? as usize),
                "--format" => {
                    format = match value()?.as_str() {
                        "rest" => Format::Rest,
                        "bean" => Format::Bean,
                        other => return Err(format!("--format: expected rest or bean, found {other}")),
                    }
                }
                "--environments" => environments = parse_environments(&value()?)?,
                _ => return Err(format!("unknown argument {flag}")),
            }
        }
        Ok(Args {
            apps: apps.ok_or("--apps is required")?,
            idps: idps.ok_or("--idps is required")?,
            out: out.ok_or("--out is required")?,
            seed,
            wide_ifs,
            format,
            environments,
        })
    }
}

/// `--environments`: a count (`3`: dev, staging, prod) or a comma-separated list of names.
fn parse_environments(text: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = match text.parse::<usize>() {
        Ok(n) => {
            (0..n).map(|e| ENV_NAMES.get(e).map_or(format!("env{}", e + 1), |n| n.to_string())).collect()
        }
        Err(_) => text.split(',').map(|n| n.trim().to_string()).collect(),
    };
    for (e, name) in names.iter().enumerate() {
        let valid = !name.is_empty()
            && name != "."
            && name != ".."
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !valid {
            return Err(format!("--environments: not a directory name: {name:?}"));
        }
        if names[..e].contains(name) {
            return Err(format!("--environments: {name} given twice"));
        }
    }
    if names.is_empty() {
        return Err("--environments: no environment".into());
    }
    Ok(names)
}

/// One export to write: the whole tenant, or one environment of it.
struct Env {
    /// `None` for the single tenant of a run without `--environments`.
    name: Option<String>,
    app_dir: PathBuf,
    /// The IdPs with this environment's JIT settings.
    idps: Vec<Idp>,
    jit: std::collections::HashMap<String, Jit>,
}

fn run(args: &Args) -> Result<(), String> {
    let base: Vec<Idp> =
        (0..args.idps).map(|i| Idp::generate(i, &mut Rng::stream(args.seed, KIND_IDP, i))).collect();
    let envs: Vec<Env> = if args.environments.is_empty() {
        vec![(None, args.out.clone(), base.clone())]
    } else {
        args.environments
            .iter()
            .enumerate()
            .map(|(e, name)| {
                let idps =
                    base.iter().enumerate().map(|(i, idp)| idp.in_environment(i, e, args.seed)).collect();
                (Some(name.clone()), args.out.join(name), idps)
            })
            .collect()
    }
    .into_iter()
    .map(|(name, root, idps): (Option<String>, PathBuf, Vec<Idp>)| Env {
        name,
        app_dir: root.join("Applications"),
        jit: idps.iter().map(|idp| (idp.name.clone(), idp.jit)).collect(),
        idps,
    })
    .collect();

    for env in &envs {
        let idp_dir = env.app_dir.with_file_name("IdentityProviders");
        for dir in [&idp_dir, &env.app_dir] {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        for (i, idp) in env.idps.iter().enumerate() {
            let text = match args.format {
                Format::Rest => idp.to_yaml(),
                Format::Bean => bean::identity_provider(idp, &mut Rng::stream(args.seed, KIND_BEAN_IDP, i)),
            };
            write(&idp_dir.join(format!("{}.yml", idp.name)), &text)?;
        }
    }

    // Applications are built against the base JIT settings (the single-tenant pools), then marked
    // for each environment by the settings there.
    let pools = Pools::new(&base);
    for i in 0..args.apps {
        let mut rng = Rng::stream(args.seed, KIND_APP, i);
        let app = match args.wide_ifs {
            Some(k) => App::wide(i, k, &pools),
            None => App::generate(i, &mut rng, &pools),
        };
        for env in &envs {
            let flaw = match &env.name {
                None => {
                    // The generator's own consistency check: the flaw it meant is the flaw the
                    // base settings give (with fewer than two IdPs a pool may be empty).
                    if base.len() >= 2 {
                        let computed = app.flaw_in(&env.jit, "this tenant").is_some();
                        assert_eq!(
                            computed,
                            app.flaw.is_some(),
                            "generator: marker of {} is wrong",
                            app.name
                        );
                    }
                    app.flaw.map(str::to_string)
                }
                Some(name) => app.flaw_in(&env.jit, name),
            };
            let text = match args.format {
                Format::Rest => app.to_yaml(flaw.as_deref(), env.name.as_deref()),
                Format::Bean => bean::application(
                    &app,
                    i,
                    flaw.as_deref(),
                    env.name.as_deref(),
                    &mut Rng::stream(args.seed, KIND_BEAN_APP, i),
                ),
            };
            write(&env.app_dir.join(format!("{}.yml", app.name)), &text)?;
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// SplitMix64: tiny, fast, and good enough to vary synthetic files; being our own code, the
/// generated tenants never change because a dependency changed its algorithm.
struct Rng(u64);

impl Rng {
    /// An independent stream per (seed, kind, index), so one file's draws never shift another's.
    fn stream(seed: u64, kind: u64, index: usize) -> Rng {
        let mut rng = Rng(seed
            ^ kind.wrapping_mul(0xA076_1D64_78BD_642F)
            ^ (index as u64).wrapping_mul(0xE703_7ED1_A0B4_28DB));
        rng.next(); // mix the raw state once so neighbouring indices do not start correlated
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (the modulo bias is irrelevant for the small `n` used here).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn between(&mut self, lo: usize, hi_inclusive: usize) -> usize {
        lo + self.below(hi_inclusive - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Identity providers

/// (name prefix, federated authenticator) pairs, the connections tenants commonly have.
const IDP_KINDS: &[(&str, &str)] = &[
    ("Google", "GoogleOIDCAuthenticator"),
    ("GitHub", "GithubAuthenticator"),
    ("Facebook", "FacebookAuthenticator"),
    ("Apple", "AppleOIDCAuthenticator"),
    ("Microsoft", "MicrosoftAuthenticator"),
    ("Okta", "OpenIDConnectAuthenticator"),
    ("Partner-OIDC", "OpenIDConnectAuthenticator"),
    ("Corporate-SAML", "SAMLSSOAuthenticator"),
    ("ADFS", "SAMLSSOAuthenticator"),
];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Jit {
    Enabled,
    Disabled,
    /// No `provisioning` block at all; the console and authlint read it as disabled.
    Missing,
}

#[derive(Clone)]
struct Idp {
    name: String,
    authenticator: &'static str,
    jit: Jit,
}

impl Idp {
    fn generate(i: usize, rng: &mut Rng) -> Idp {
        let (prefix, authenticator) = *rng.pick(IDP_KINDS);
        // The first two IdPs are fixed so that even a tiny tenant has both kinds.
        let jit = match (i, rng.below(4)) {
            (0, _) => Jit::Enabled,
            (1, _) => Jit::Disabled,
            (_, 0 | 1) => Jit::Enabled,
            (_, 2) => Jit::Disabled,
            _ => Jit::Missing,
        };
        Idp { name: format!("{prefix}-{i:04}"), authenticator, jit }
    }

    /// This IdP (the `i`th) as environment `e` has it: in each environment some IdPs have JIT
    /// provisioning switched the other way ([`DRIFT_OFF_PERCENT`], [`DRIFT_ON_PERCENT`]: one
    /// enabled in dev for convenience, one disabled in prod after a review...). The first two
    /// IdPs keep their setting everywhere, so every environment has both kinds.
    fn in_environment(&self, i: usize, e: usize, seed: u64) -> Idp {
        let mut rng = Rng::stream(seed, KIND_DRIFT + e as u64, i);
        let enabled = self.jit == Jit::Enabled;
        let drift = rng.chance(if enabled { DRIFT_OFF_PERCENT } else { DRIFT_ON_PERCENT });
        let jit = if i < 2 || !drift {
            self.jit
        } else if enabled {
            // Switched off: written `false`, or the block removed altogether.
            if rng.chance(30) { Jit::Missing } else { Jit::Disabled }
        } else {
            Jit::Enabled
        };
        Idp { jit, ..self.clone() }
    }

    fn to_yaml(&self) -> String {
        let id = base64url(self.authenticator);
        let mut y = String::new();
        let _ = write!(
            y,
            "name: {name}\n\
             description: Synthetic {name} connection for the authlint benchmark\n\
             isEnabled: true\n\
             isPrimary: false\n\
             isFederationHub: false\n\
             homeRealmIdentifier: \"\"\n\
             idpIssuerName: \"\"\n\
             alias: https://localhost:9443/oauth2/token\n\
             federatedAuthenticators:\n  \
               defaultAuthenticatorId: {id}\n  \
               authenticators:\n    \
                 - authenticatorId: {id}\n      \
                   name: {auth}\n      \
                   isEnabled: true\n      \
                   properties:\n        \
                     - key: ClientId\n          \
                       value: client-{name}\n        \
                     - key: callbackUrl\n          \
                       value: https://localhost:9443/commonauth\n\
             claims:\n  \
               userIdClaim:\n    \
                 uri: http://wso2.org/claims/username\n  \
               provisioningClaims: []\n\
             roles:\n  \
               mappings: []\n  \
               outboundProvisioningRoles: []\n",
            name = self.name,
            auth = self.authenticator,
        );
        if self.jit != Jit::Missing {
            let _ = write!(
                y,
                "provisioning:\n  \
                   jit:\n    \
                     isEnabled: {}\n    \
                     scheme: PROVISION_SILENTLY\n    \
                     userstore: PRIMARY\n    \
                     associateLocalUser: false\n",
                self.jit == Jit::Enabled
            );
        }
        y
    }
}

/// The authenticator id IAM-CTL exports: the authenticator name in unpadded base64url.
fn base64url(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let bits = chunk.iter().enumerate().fold(0u32, |acc, (k, &b)| acc | (b as u32) << (16 - 8 * k));
        for k in 0..=chunk.len() {
            out.push(ALPHABET[(bits >> (18 - 6 * k) & 63) as usize] as char);
        }
    }
    out
}

/// The IdPs split by JIT setting, so an application can be built clean or broken on purpose.
struct Pools<'a> {
    all: Vec<&'a Idp>,
    jit_enabled: Vec<&'a Idp>,
    jit_disabled: Vec<&'a Idp>,
}

impl<'a> Pools<'a> {
    fn new(idps: &'a [Idp]) -> Pools<'a> {
        Pools {
            all: idps.iter().collect(),
            jit_enabled: idps.iter().filter(|i| i.jit == Jit::Enabled).collect(),
            jit_disabled: idps.iter().filter(|i| i.jit != Jit::Enabled).collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Applications

const APP_WORDS: &[&str] = &[
    "payroll",
    "crm",
    "wiki",
    "portal",
    "billing",
    "hr",
    "intranet",
    "helpdesk",
    "expenses",
    "travel",
    "analytics",
    "shop",
    "partner",
    "claims",
    "learning",
    "mail",
    "ledger",
    "inventory",
    "forum",
    "vault",
];

/// Local MFA authenticators: all of them need a local account (rules/authenticators.yaml).
const MFA: &[&str] =
    &["totp", "email-otp-authenticator", "sms-otp-authenticator", "backup-code-authenticator"];

type StepOption = (String, &'static str);

fn local(authenticator: &'static str) -> StepOption {
    ("LOCAL".to_string(), authenticator)
}

struct App {
    name: String,
    /// What the generator meant: `None` for a clean flow, or the flaw put in on purpose. Written
    /// as a YAML comment so `run.sh` can check that findings land exactly on the flawed apps.
    flaw: Option<&'static str>,
    /// `steps[0]` is step 1; each step is its list of (idp, authenticator) options.
    steps: Vec<Vec<StepOption>>,
    script: Option<Vec<String>>,
    /// How users of any step-1 IdP reach an MFA step (no script, or a script that starts it
    /// without checking the IdP), or `None` when every MFA step is guarded. With such an
    /// exposure the application is flawed wherever one of its federated IdPs has JIT off.
    exposure: Option<&'static str>,
    /// A guard that never matches (`'local'`): flawed whatever the IdPs' settings.
    broken_guard: bool,
}

/// How a step after step 1 is started from the script.
#[derive(Clone, Copy, PartialEq)]
enum Guard {
    // Guarded: only users who signed in locally reach the step.
    Direct,
    Alias,
    Helper,
    Switch,
    EarlyReturn,
    Http,
    HttpRetry,
    // Not guarded by the IdP: clean only when step 1 offers no JIT-disabled IdP.
    Unguarded,
    RoleOnly,
    HttpOnly,
    // A guard that never matches: `'local'` is not `'LOCAL'` (guard-never-matches, unused-step).
    Lowercase,
}

const GUARDED: &[Guard] = &[
    Guard::Direct,
    Guard::Alias,
    Guard::Helper,
    Guard::Switch,
    Guard::EarlyReturn,
    Guard::Http,
    Guard::HttpRetry,
];
const UNGUARDED: &[Guard] = &[Guard::Unguarded, Guard::RoleOnly, Guard::HttpOnly];
const FLAWS: &[Guard] = &[Guard::Unguarded, Guard::RoleOnly, Guard::HttpOnly, Guard::Lowercase];

impl App {
    fn generate(i: usize, rng: &mut Rng, pools: &Pools) -> App {
        let name = format!("{}-{i:05}", rng.pick(APP_WORDS));
        let flawed = rng.chance(FLAW_PERCENT);
        let scripted = rng.below(3) != 0;
        // A "trusting" script starts MFA without an IdP check; it is clean only because every
        // federated IdP it offers provisions local accounts.
        let trusting = scripted && !flawed && rng.chance(25);

        let mut steps = vec![vec![local("BasicAuthenticator")]];
        for k in 2..=rng.between(2, 3) {
            if (flawed && k == 2) || rng.chance(80) {
                let first = *rng.pick(MFA);
                let mut options = vec![local(first)];
                let second = *rng.pick(MFA);
                if second != first && rng.chance(30) {
                    options.push(local(second));
                }
                steps.push(options);
            } else {
                steps.push(vec![local("BasicAuthenticator")]);
            }
        }
        let has_mfa = steps[1..].iter().any(|s| needs_local(s));

        // Step 1's federated IdPs: a flawed app gets a JIT-disabled one first; an app whose MFA
        // nothing guards only gets JIT-enabled ones; a guarded script may get any.
        let federated = rng.between(1, 2);
        for n in 0..federated {
            let pool = if flawed && n == 0 {
                &pools.jit_disabled
            } else if (!scripted || trusting) && has_mfa {
                &pools.jit_enabled
            } else {
                &pools.all
            };
            if pool.is_empty() {
                continue;
            }
            let idp = *rng.pick(pool);
            if !steps[0].iter().any(|(name, _)| *name == idp.name) {
                steps[0].push((idp.name.clone(), idp.authenticator));
            }
        }
        // The console lists federated options first about as often as the local one.
        if rng.chance(50) {
            steps[0].rotate_left(1);
        }

        let mut flaw = flawed.then_some("no script: every step runs, MFA included");
        let guards: Option<Vec<Guard>> = scripted.then(|| {
            (2..=steps.len())
                .map(|k| {
                    let options = &steps[k - 1];
                    if flawed && k == 2 {
                        *rng.pick(FLAWS)
                    } else if trusting || !needs_local(options) {
                        *rng.pick(UNGUARDED)
                    } else {
                        *rng.pick(GUARDED)
                    }
                })
                .collect()
        });
        let script = guards.as_ref().map(|guards| {
            if flawed {
                flaw = Some(match guards[0] {
                    Guard::Unguarded => "step 2 (MFA) runs for every user",
                    Guard::RoleOnly => "step 2 (MFA) is guarded by a role check only",
                    Guard::HttpOnly => "step 2 (MFA) is guarded by an HTTP result only",
                    _ => "the guard of step 2 compares the IdP with 'local'",
                });
            }
            Script::new(&name, &steps).build(guards, rng)
        });
        let exposure = match &guards {
            None if has_mfa => Some("no script guards MFA"),
            None => None,
            Some(guards) => guards.iter().zip(&steps[1..]).find_map(|(guard, options)| {
                needs_local(options)
                    .then_some(match guard {
                        Guard::Unguarded => Some("the script starts MFA for every user"),
                        Guard::RoleOnly => Some("the script guards MFA by a role check only"),
                        Guard::HttpOnly => Some("the script guards MFA by an HTTP result only"),
                        _ => None,
                    })
                    .flatten()
            }),
        };
        let broken_guard = guards.as_ref().is_some_and(|g| g.contains(&Guard::Lowercase));
        App { name, flaw, steps, script, exposure, broken_guard }
    }

    /// The flaw of this application where the IdPs have the JIT settings `jit` (by name), for
    /// the marker of its file in environment `env`.
    fn flaw_in(&self, jit: &std::collections::HashMap<String, Jit>, env: &str) -> Option<String> {
        if self.broken_guard {
            return Some("the guard of step 2 compares the IdP with 'local'".into());
        }
        let exposure = self.exposure?;
        let off = self.steps[0]
            .iter()
            .find(|(idp, _)| idp != "LOCAL" && jit.get(idp).is_none_or(|j| *j != Jit::Enabled))?;
        Some(format!("{} has JIT off in {env} and {exposure}", off.0))
    }

    /// One application whose script is `k` independent `if (checkN(context)) { executeStep(2); }`.
    fn wide(i: usize, k: usize, pools: &Pools) -> App {
        let mut step1 = vec![local("BasicAuthenticator")];
        if let Some(idp) = pools.jit_enabled.first() {
            step1.push((idp.name.clone(), idp.authenticator));
        }
        let mut c = Code::default();
        c.line("// Each check is independent: 2^K paths for a path enumerator, K steps for set joins.");
        c.open("var onLoginRequest = function (context) {");
        c.open("executeStep(1, {");
        c.open("onSuccess: function (context) {");
        for n in 1..=k {
            c.line(format!("if (check{n}(context)) {{ executeStep(2); }}"));
        }
        c.close("}");
        c.close("});");
        c.close("};");
        c.blank();
        // Rotate the kinds of condition: an exact IdP split, and two the analysis cannot decide.
        for n in 1..=k {
            let body = match n % 3 {
                0 => "return context.steps[1].idp == 'LOCAL';".to_string(),
                1 => format!("return hasAnyOfTheRolesV2(context, ['group-{n}']);"),
                _ => format!("return context.request.params.flag{n} == 'on';"),
            };
            c.line(format!("function check{n}(context) {{ {body} }}"));
        }
        App {
            name: format!("wide-if-{i:05}"),
            flaw: None,
            steps: vec![step1, vec![local("totp")]],
            script: Some(c.lines),
            // Two checks in three do not test the IdP: clean only because the IdP provisions.
            exposure: Some("the checks do not all test the IdP"),
            broken_guard: false,
        }
    }

    /// The host of the application's URLs (`<name>.example.com`, or `<name>.<env>.example.com`).
    fn host(&self, env: Option<&str>) -> String {
        match env {
            Some(env) => format!("{}.{env}.example.com", self.name),
            None => format!("{}.example.com", self.name),
        }
    }

    /// The REST shape; `flaw` is the marker for this file (see [`App::flaw_in`]).
    fn to_yaml(&self, flaw: Option<&str>, env: Option<&str>) -> String {
        let mut y = marker(flaw);
        let _ = write!(
            y,
            "name: {name}\n\
             description: Synthetic application for the authlint benchmark\n\
             imageUrl: \"\"\n\
             accessUrl: https://{host}/login\n\
             templateId: custom-application\n\
             isManagementApp: false\n\
             claimConfiguration:\n  \
               dialect: LOCAL\n  \
               claimMappings: []\n  \
               requestedClaims:\n    \
                 - claim:\n        \
                     uri: http://wso2.org/claims/emailaddress\n      \
                   mandatory: false\n  \
               subject:\n    \
                 claim:\n      \
                   uri: http://wso2.org/claims/username\n    \
                 includeUserDomain: false\n    \
                 includeTenantDomain: false\n    \
                 useMappedLocalSubject: false\n\
             inboundProtocolConfiguration:\n  \
               oidc:\n    \
                 clientId: {name}-client\n    \
                 grantTypes:\n      \
                   - authorization_code\n      \
                   - refresh_token\n    \
                 callbackURLs:\n      \
                   - https://{host}/callback\n\
             authenticationSequence:\n  \
               type: USER_DEFINED\n  \
               steps:\n",
            name = self.name,
            host = self.host(env),
        );
        for (n, options) in self.steps.iter().enumerate() {
            let _ = write!(y, "    - id: {}\n      options:\n", n + 1);
            for (idp, authenticator) in options {
                let _ = write!(y, "        - idp: {idp}\n          authenticator: {authenticator}\n");
            }
        }
        if let Some(lines) = &self.script {
            // A literal block: every script character is kept, and authlint maps its spans back.
            y.push_str("  script: |\n");
            for line in lines {
                if !line.is_empty() {
                    y.push_str("    ");
                    y.push_str(line);
                }
                y.push('\n');
            }
        }
        y.push_str("  subjectStepId: 1\n  attributeStepId: 1\n");
        y.push_str(
            "advancedConfigurations:\n  saas: false\n  skipLoginConsent: true\n  skipLogoutConsent: true\n",
        );
        y
    }
}

/// The first line of every application file: what the generator meant, for `run.sh`.
fn marker(flaw: Option<&str>) -> String {
    match flaw {
        Some(flaw) => format!("# authlint-bench: flawed on purpose: {flaw}\n"),
        None => "# authlint-bench: clean\n".to_string(),
    }
}

fn needs_local(options: &[StepOption]) -> bool {
    options.iter().any(|(_, a)| MFA.contains(a))
}

/// Lines of JavaScript with indentation tracked for us, so the shapes below stay readable.
#[derive(Default)]
struct Code {
    lines: Vec<String>,
    depth: usize,
}

impl Code {
    fn line(&mut self, text: impl AsRef<str>) {
        self.lines.push(format!("{}{}", "    ".repeat(self.depth), text.as_ref()));
    }
    fn open(&mut self, text: impl AsRef<str>) {
        self.line(text);
        self.depth += 1;
    }
    fn close(&mut self, text: impl AsRef<str>) {
        self.depth -= 1;
        self.line(text);
    }
    fn blank(&mut self) {
        self.lines.push(String::new());
    }
    /// Appends another block at the current depth.
    fn append(&mut self, other: &Code) {
        for line in &other.lines {
            if line.is_empty() { self.blank() } else { self.line(line) }
        }
    }
}

/// The most lines one [`Script::filler`] call adds (an audit helper with all its fields), so
/// padding stops before a script passes 80 lines.
const MAX_FILLER_LINES: usize = 14;

/// How many filler shapes [`Script::filler`] uses at most once per script.
const ONE_OFF_FILLERS: usize = 5;

/// The pieces of one application's script, assembled by [`Script::build`].
struct Script<'a> {
    app: &'a str,
    steps: &'a [Vec<StepOption>],
    /// Statements of step 1's `onSuccess` callback.
    body: Code,
    /// Top-level declarations after `onLoginRequest` (helpers are declared after use on purpose).
    helpers: Vec<(String, Code)>,
    /// Constants declared at the top, in first-use order.
    constants: Vec<String>,
    /// The variable holding `context.steps[1]`, when a guard reads the step through an alias.
    alias: Option<&'static str>,
    audit_helpers: usize,
    fillers_used: [bool; ONE_OFF_FILLERS],
}

impl<'a> Script<'a> {
    fn new(app: &'a str, steps: &'a [Vec<StepOption>]) -> Script<'a> {
        Script {
            app,
            steps,
            body: Code::default(),
            helpers: vec![],
            constants: vec![],
            alias: None,
            audit_helpers: 0,
            fillers_used: [false; ONE_OFF_FILLERS],
        }
    }

    fn constant(&mut self, declaration: &str) {
        if !self.constants.iter().any(|c| c == declaration) {
            self.constants.push(declaration.to_string());
        }
    }

    fn helper(&mut self, name: &str, code: Code) {
        if !self.helpers.iter().any(|(n, _)| n == name) {
            self.helpers.push((name.to_string(), code));
        }
    }

    /// The federated IdPs step 1 offers (a `switch` may only name these, or the guard rule fires).
    fn federated(&self) -> Vec<&'a str> {
        self.steps[0].iter().filter(|(idp, _)| idp != "LOCAL").map(|(idp, _)| idp.as_str()).collect()
    }

    fn build(mut self, guards: &[Guard], rng: &mut Rng) -> Vec<String> {
        let target = rng.between(30, 72);
        let retry_first_step = rng.chance(30);
        let use_auth_options = rng.chance(30);
        let declaration_style = rng.chance(50);

        if guards.contains(&Guard::Alias) {
            let alias = *rng.pick(&["step", "first", "firstStep"]);
            self.body.line(format!("var {alias} = context.steps[1];"));
            self.alias = Some(alias);
        }
        for (n, &guard) in guards.iter().enumerate() {
            self.step_block(n + 2, guard, rng);
        }
        // Pad with the incidental code real scripts carry until the script is `target` lines.
        loop {
            let lines = self.render(retry_first_step, use_auth_options, declaration_style).len();
            if lines >= target || lines + MAX_FILLER_LINES > 80 {
                break;
            }
            self.filler(rng);
        }
        self.render(retry_first_step, use_auth_options, declaration_style)
    }

    /// Starts step `k` from step 1's `onSuccess`, in the shape `guard` says.
    fn step_block(&mut self, k: usize, guard: Guard, rng: &mut Rng) {
        let mut c = Code::default();
        let run = self.execute(k, rng);
        let is_local = |rng: &mut Rng, s: &mut Self| {
            if rng.chance(50) {
                s.constant("var LOCAL_IDP = 'LOCAL';");
                "context.steps[1].idp === LOCAL_IDP".to_string()
            } else {
                "context.steps[1].idp == 'LOCAL'".to_string()
            }
        };
        match guard {
            Guard::Direct => {
                // Sometimes the IdP check shares the condition with a check the analysis cannot decide.
                let mut cond = is_local(rng, self);
                match rng.below(3) {
                    0 => {
                        self.constant("var mfaRoles = ['admin', 'finance-approver', 'auditor'];");
                        cond = format!("hasAnyOfTheRolesV2(context, mfaRoles) && {cond}");
                    }
                    1 => {
                        self.network_helper();
                        cond = format!("{cond} && !isCorporateNetwork(context.request.ip)");
                    }
                    _ => {}
                }
                c.line("// Only local users have the account this factor needs.");
                c.open(format!("if ({cond}) {{"));
                c.line(&run);
                c.close("}");
            }
            Guard::Alias => {
                let alias = self.alias.unwrap_or("step");
                self.constant("var LOCAL_IDP = 'LOCAL';");
                c.open(format!("if ({alias}.idp === LOCAL_IDP) {{"));
                c.line(&run);
                c.close("} else {");
                c.depth += 1;
                c.line(format!("Log.info('{}: ' + {alias}.idp + ' user, skipping step {k}');", self.app));
                c.close("}");
            }
            Guard::Helper => {
                c.open("if (isLocalUser(context)) {");
                c.line(&run);
                c.close("}");
                let mut h = Code::default();
                h.open("function isLocalUser(context) {");
                h.line("var first = context.steps[1];");
                h.line("return first.idp == 'LOCAL';");
                h.close("}");
                self.helper("isLocalUser", h);
            }
            Guard::Switch => {
                c.open("switch (context.steps[1].idp) {");
                c.open("case 'LOCAL':");
                c.line(&run);
                c.line("break;");
                c.depth -= 1;
                for idp in self.federated() {
                    c.open(format!("case '{idp}':"));
                    c.line(format!("Log.info('{}: {idp} users skip step {k}');", self.app));
                    c.line("break;");
                    c.depth -= 1;
                }
                c.open("default:");
                c.line("Log.info('unexpected identity provider');");
                c.depth -= 1;
                c.close("}");
            }
            Guard::EarlyReturn => {
                c.open("if (context.steps[1].idp != 'LOCAL') {");
                c.line("// Federated users are done: their IdP already did MFA.");
                c.line("return;");
                c.close("}");
                c.line(&run);
            }
            Guard::Http | Guard::HttpOnly => {
                let guarded = guard == Guard::Http;
                self.constant("var riskEndpoint = 'https://risk.example.com/api/v1/score';");
                c.open(format!("httpGet(riskEndpoint + '?app={}', {{}}, {{", self.app));
                c.open("onSuccess: function (context, data) {");
                let local = if guarded { " && context.steps[1].idp == 'LOCAL'" } else { "" };
                c.open(format!("if (data.score > {}{local}) {{", rng.between(20, 80)));
                c.line(&run);
                c.close("}");
                c.close("},");
                c.open("onFail: function (context, data) {");
                c.line(format!("Log.info('risk service failed for {}');", self.app));
                c.close("}");
                c.close("});");
            }
            Guard::HttpRetry => {
                // A retry loop through recursion on onFail, with the helper declared after use.
                self.constant("var riskEndpoint = 'https://risk.example.com/api/v1/score';");
                self.constant(&format!("var maxRetries = {};", rng.between(2, 4)));
                c.line(format!("assessRisk{k}(context, 1);"));
                let mut h = Code::default();
                h.open(format!("function assessRisk{k}(context, attempt) {{"));
                h.open("httpGet(riskEndpoint, {}, {");
                h.open("onSuccess: function (context, data) {");
                h.open("if (data.risky && context.steps[1].idp == 'LOCAL') {");
                h.line(&run);
                h.close("}");
                h.close("},");
                h.open("onFail: function (context, data) {");
                h.open("if (attempt < maxRetries) {");
                h.line(format!("assessRisk{k}(context, attempt + 1);"));
                h.close("} else if (context.steps[1].idp == 'LOCAL') {");
                h.depth += 1;
                h.line("// Fail closed: the risk is unknown, so ask for the second factor.");
                h.line(&run);
                h.close("}");
                h.close("}");
                h.close("});");
                h.close("}");
                self.helper(&format!("assessRisk{k}"), h);
            }
            Guard::Unguarded => c.line(&run),
            Guard::RoleOnly => {
                self.constant("var mfaRoles = ['admin', 'finance-approver', 'auditor'];");
                c.open("if (hasAnyOfTheRolesV2(context, mfaRoles)) {");
                c.line(&run);
                c.close("}");
            }
            Guard::Lowercase => {
                c.open("if (context.steps[1].idp == 'local') {");
                c.line(&run);
                c.close("}");
            }
        }
        self.body.append(&c);
    }

    /// `executeStep(k)`, sometimes with options: `authenticationOptions` naming one of the step's
    /// own options (so unknown-authentication-option stays quiet), or `stepOptions`.
    fn execute(&self, k: usize, rng: &mut Rng) -> String {
        let options = &self.steps[k - 1];
        match rng.below(4) {
            0 => {
                let (_, authenticator) = rng.pick(options);
                format!(
                    "executeStep({k}, {{ authenticationOptions: [{{ authenticator: '{authenticator}' }}] }}, {{}});"
                )
            }
            1 => format!("executeStep({k}, {{ stepOptions: {{ forceAuth: 'true' }} }}, {{}});"),
            _ => format!("executeStep({k});"),
        }
    }

    fn network_helper(&mut self) {
        let mut h = Code::default();
        h.open("function isCorporateNetwork(ip) {");
        h.line("var prefixes = ['10.', '192.168.', '172.16.'];");
        h.open("for (var i = 0; i < prefixes.length; i++) {");
        h.open("if (ip && ip.indexOf(prefixes[i]) === 0) {");
        h.line("return true;");
        h.close("}");
        h.close("}");
        h.line("return false;");
        h.close("}");
        self.helper("isCorporateNetwork", h);
    }

    /// Incidental code real scripts carry: logging, cookies, claim reads, audit helpers. None of
    /// it changes which steps run. Each one-off shape is used at most once (a script declares
    /// `subject` once); numbered audit helpers fill whatever length is left.
    fn filler(&mut self, rng: &mut Rng) {
        let app = self.app;
        let mut c = Code::default();
        let kind = rng.below(ONE_OFF_FILLERS + 1);
        match kind {
            _ if kind == ONE_OFF_FILLERS || self.fillers_used[kind] => {
                self.audit_helpers += 1;
                let name = format!("audit{}", self.audit_helpers);
                let event = *rng.pick(&["first-factor", "sign-in", "risk-evaluated", "session-start"]);
                c.line(format!("{name}(context, '{event}');"));
                let mut h = Code::default();
                h.open(format!("function {name}(context, event) {{"));
                h.open("var details = {");
                h.line(format!("app: '{app}',"));
                h.line("event: event,");
                for field in ["ip: context.request.ip,", "time: Date.now(),", "tenant: context.tenantDomain,"]
                {
                    if rng.chance(50) {
                        h.line(field);
                    }
                }
                h.line("step: 1");
                h.close("};");
                h.line(format!("Log.{}(JSON.stringify(details));", rng.pick(&["info", "debug"])));
                h.close("}");
                self.helper(&name, h);
            }
            0 => {
                c.line("var subject = context.steps[1].subject;");
                c.open("if (subject) {");
                c.line(format!("Log.info('{app}: first factor for ' + subject.username);"));
                c.close("}");
            }
            1 => {
                self.network_helper();
                let why = rng.pick(&["for the audit log", "reported to analytics", "kept for support"]);
                c.line(format!("var onCorporateNetwork = isCorporateNetwork(context.request.ip); // {why}"));
            }
            2 => {
                c.line(format!("var lastSeen = getCookieValue(context.request, 'last-seen-{app}', {{}});"));
                c.open("if (!lastSeen) {");
                c.line(format!("Log.info('{app}: first sign-in from this browser');"));
                c.close("}");
                c.line(format!(
                    "setCookie(context.response, 'last-seen-{app}', String(Date.now()), {{ 'max-age': {}, sameSite: 'LAX' }});",
                    rng.pick(&[3600, 86400, 604800])
                ));
            }
            3 => {
                c.line("var userAgent = context.request.headers['user-agent'];");
                c.open("if (userAgent && userAgent.indexOf('Mobile') >= 0) {");
                c.line(format!("Log.info('{app}: mobile sign-in');"));
                c.close("}");
            }
            _ => {
                c.line("var duringBusinessHours = isBusinessHours();");
                let mut h = Code::default();
                h.open("function isBusinessHours() {");
                h.line("var hour = new Date().getHours();");
                h.line(format!("return hour >= {} && hour < {};", rng.between(6, 9), rng.between(17, 20)));
                h.close("}");
                self.helper("isBusinessHours", h);
            }
        }
        if kind < ONE_OFF_FILLERS {
            self.fillers_used[kind] = true;
        }
        // Incidental code goes before the step blocks, as it would in a hand-written script.
        c.append(&self.body);
        self.body = c;
    }

    fn render(&self, retry_first_step: bool, use_auth_options: bool, declaration_style: bool) -> Vec<String> {
        let mut c = Code::default();
        c.line(format!("// Sign-in flow of {}.", self.app));
        for constant in &self.constants {
            c.line(constant);
        }
        if retry_first_step {
            c.line("var maxAttempts = 3;");
        }
        c.blank();
        c.open(if declaration_style {
            "function onLoginRequest(context) {"
        } else {
            "var onLoginRequest = function (context) {"
        });
        if retry_first_step {
            c.line("signIn(context, 1);");
            c.close(if declaration_style { "}" } else { "};" });
            c.blank();
            c.open("function signIn(context, attempt) {");
        }
        let options = if use_auth_options {
            let list: Vec<String> = self.steps[0]
                .iter()
                .map(|(idp, a)| {
                    if idp == "LOCAL" {
                        format!("{{ authenticator: '{a}' }}")
                    } else {
                        format!("{{ idp: '{idp}' }}")
                    }
                })
                .collect();
            format!("{{ authenticationOptions: [{}] }}, ", list.join(", "))
        } else {
            String::new()
        };
        c.open(format!("executeStep(1, {options}{{"));
        c.open("onSuccess: function (context) {");
        c.append(&self.body);
        if retry_first_step {
            c.close("},");
            c.open("onFail: function (context) {");
            c.open("if (attempt < maxAttempts) {");
            c.line("signIn(context, attempt + 1);");
            c.close("} else {");
            c.depth += 1;
            c.line(format!("sendError('https://accounts.example.com/locked', {{ app: '{}' }});", self.app));
            c.close("}");
            c.close("}");
        } else {
            c.close("}");
        }
        c.close("});");
        // `signIn` and the declaration form end with `}`, the function expression with `};`.
        c.close(if declaration_style || retry_first_step { "}" } else { "};" });
        for (_, helper) in &self.helpers {
            c.blank();
            c.append(helper);
        }
        c.lines
    }
}
