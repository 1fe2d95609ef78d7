//! ## What it does
//! Finds every sign-in path on which a user of a federated identity provider with Just-in-Time
//! (JIT) provisioning disabled reaches a second factor that cannot serve a user without a local
//! account, and says how sure that is, as the servers' own code decides
//! (`rules/authenticators.yaml`, DOMAIN.md section 2):
//!
//! | class | authenticators | what the server does | severity |
//! |---|---|---|---|
//! | refuses the user | `totp`, `backup-code-authenticator`, `IproovAuthenticator` | error 65003 (iProov: 65023) before anything else (identity-outbound-auth-totp `TOTPAuthenticator`, -backup-code, -iproov) | error |
//! | needs a linked local account | `FIDOAuthenticator` (passkeys) | the page `provisioned.user.not.found` unless the user linked a local account by hand (identity-local-auth-fido) | error |
//! | uses an attribute the IdP sends | `email-otp-authenticator`, `sms-otp-authenticator` | no JIT check: the code goes to the email address or mobile number the IdP asserts (identity-local-auth-emailotp, -smsotp) | error where the configuration shows the IdP cannot send it (65024/65025), otherwise a warning |
//! | depends on a server setting | `EmailOTP`, `SMSOTP` (older connectors), `DuoAuthenticator` | served only with `sendOTPToFederatedEmailAttribute` / `SendOtpToFederatedMobile` / `sendDuoToFederatedMobileAttribute` | warning naming the setting |
//! | no local account needed | `push-notification-authenticator`, `MagicLinkAuthenticator` | works | not reported |
//!
//! For the attribute class, the subject step's authenticator decides first: OpenID Connect
//! authenticators (`OpenIDConnectAuthenticator`, `GoogleOIDCAuthenticator`, the organisation
//! login...) receive `email` / `phone_number` without a mapping (a warning: the flow depends on
//! the IdP sending it). Otherwise the IdP file decides: a claim mapped to
//! `http://wso2.org/claims/emailaddress` (or `.../mobile`), or claims in the local dialect, give a
//! warning; mappings without it, or no claim configuration at all, give an error. Custom
//! authenticators join with a class in `.authlint.yaml` (`authenticators.custom`). A step that
//! offers TOTP beside Email OTP is judged by its worst option: still an error.
//!
//! The subject of the MFA step is the user of the subject-identifier step (`subjectStepId`,
//! default 1, or a step run with `markAsSubjectIdentifierStep: 'true'`). authlint follows the
//! conditional-authentication script from `onLoginRequest` as the server runs it, so a guard such
//! as `context.steps[1].idp == 'LOCAL'` around the MFA step makes the finding go away, and a
//! role check or an HTTP call around it does not.
//!
//! ## Why is this bad?
//! JIT provisioning is what creates a local account for a federated user. Without it the user
//! has none, and an authenticator that verifies a local account cannot verify them: TOTP fails
//! with error 65003 ("Can not handle federated user authentication with TOTP as JIT Provision is
//! not enabled for the IDP") and the user cannot sign in.
//!
//! The WSO2 console's own check (identity-apps `isConnectionsJITUPConflictWithMFA`) never reads
//! the script, so it flags correctly guarded flows and misses unguarded ones that look fine step
//! by step; it looks for MFA after the first step whatever `subjectStepId` says; it counts only
//! TOTP, iProov, Duo and the password-reset enforcer, so it misses backup codes and passkeys,
//! warns about Duo as if it always failed, and says nothing about Email OTP. authlint follows
//! the script and the subject step, and grades each authenticator by what its code does.
//!
//! ## Example
//! ```yaml
//! # Applications/payroll.yml: Google (JIT disabled) in step 1, TOTP in step 2, no script.
//! authenticationSequence:
//!   steps:
//!     - id: 1
//!       options:
//!         - { idp: LOCAL, authenticator: BasicAuthenticator }
//!         - { idp: Google, authenticator: GoogleOIDCAuthenticator }
//!     - id: 2
//!       options:
//!         - { idp: LOCAL, authenticator: totp }
//! ```
//!
//! ## How to fix
//! Either run the MFA step only for users who have a local account:
//! ```js
//! var onLoginRequest = function (context) {
//!     executeStep(1, {
//!         onSuccess: function (context) {
//!             if (context.steps[1].idp == 'LOCAL') {
//!                 executeStep(2);
//!             }
//!         }
//!     });
//! };
//! ```
//! or enable JIT provisioning on the identity provider (`provisioning.jit.isEnabled: true`), so
//! that its users get a local account. The first skips MFA for federated users; the second
//! creates accounts: choose knowingly.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use crate::analysis::AppAnalysis;
use crate::catalogue::Authenticator;
use crate::diagnostic::{Diagnostic, Label};
use crate::model::{Application, Connection, JitSetting, SourceFormat};
use crate::remedy;
use crate::rules::evidence::{self, Verdict};
use crate::rules::{Context, Id, MfaRun, Witness, mfa_runs};
use crate::script::interp::{Site, StepEvent};
use crate::script::state::Trace;

pub const ID: Id = "jit-mfa-conflict";

/// One conflict: where it happens and the witness path.
struct Conflict<'a> {
    event: &'a StepEvent,
    /// The MFA option of the step.
    option: usize,
    authenticator: &'a Authenticator,
    /// Index of the subject step and the option its user signed in with.
    subject: usize,
    subject_option: usize,
    trace: &'a Trace,
    verdict: Verdict,
}

pub fn check(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Diagnostic> {
    let conflicts = find(ctx, app, analysis);
    let guarded_steps: Vec<u32> = {
        let mut v: Vec<u32> = conflicts.keys().map(|(_, step)| *step).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    conflicts
        .into_values()
        .filter_map(|c| {
            let via = &app.steps[c.subject].options[c.subject_option];
            let connection = ctx.model.connection(app.tenant, via)?;
            Some(diagnostic(ctx, app, connection, &c, &guarded_steps))
        })
        .collect()
}

/// The witness of each finding `check` makes, for the flow graph: the path, the option the user
/// signed in with and the MFA option (findings carry the path only as text).
pub fn witnesses(ctx: &Context, app: &Application, analysis: &AppAnalysis) -> Vec<Witness> {
    find(ctx, app, analysis)
        .into_iter()
        .map(|((idp, step), c)| Witness {
            rule: ID,
            step,
            idp: Some(idp.to_string()),
            trace: c.trace.clone(),
            options: vec![(app.steps[c.subject].id, c.subject_option), (step, c.option)],
        })
        .collect()
}

/// The conflicts of an application, one per (IdP, MFA step).
fn find<'a>(
    ctx: &'a Context,
    app: &'a Application,
    analysis: &'a AppAnalysis,
) -> BTreeMap<(&'a str, u32), Conflict<'a>> {
    // One diagnostic per (IdP, MFA step): the most severe option of the step (a TOTP option
    // beside an Email OTP one keeps the error), then the first site in script order and the
    // shortest witness.
    let mut conflicts: BTreeMap<(&str, u32), Conflict> = BTreeMap::new();
    for run in mfa_runs(ctx, app, analysis) {
        let MfaRun { event, option, authenticator, state, trace, subject } = run;
        let Some(subject_option) = state.ran_with(subject) else { continue };
        let Some(via) = app.steps[subject].options.get(subject_option) else { continue };
        if via.is_local() {
            continue;
        }
        // An unknown IdP is `unknown-idp`'s business: its JIT state is unknown.
        let Some(connection) = ctx.model.connection(app.tenant, via) else { continue };
        if connection.jit_enabled() {
            continue;
        }
        let verdict = evidence::verdict(ctx.catalogue, authenticator, via, connection);
        let candidate = Conflict { event, option, authenticator, subject, subject_option, trace, verdict };
        match conflicts.entry((via.idp.value.as_str(), event.step)) {
            Entry::Vacant(v) => {
                v.insert(candidate);
            }
            Entry::Occupied(mut o) => {
                let c = o.get();
                let worse = candidate.verdict.severity < c.verdict.severity;
                let shorter = candidate.verdict.severity == c.verdict.severity
                    && c.event.site == event.site
                    && c.trace.len() > trace.len();
                if worse || shorter {
                    o.insert(candidate);
                }
            }
        }
    }
    conflicts
}

fn diagnostic(
    ctx: &Context,
    app: &Application,
    connection: Connection,
    c: &Conflict,
    guarded_steps: &[u32],
) -> Diagnostic {
    let step_id = c.event.step;
    let subject_step = &app.steps[c.subject];
    let via = &subject_step.options[c.subject_option];
    let mfa = &app.steps.iter().find(|s| s.id == step_id).map(|s| &s.options[c.option]);
    let display = &c.authenticator.display;
    let app_name = &app.name.value;
    let idp_name = crate::untrusted::one_line(&via.idp.value);

    let (span, at) = match c.event.site {
        Site::Script { start, end } => {
            let script = app.script.as_ref();
            let span = script.map_or(app.name.span, |s| s.host_span(ctx.files, start, end));
            (span, ctx.script_line(app, start).map(|l| format!("{l}: ")).unwrap_or_default())
        }
        Site::Config(_) => (mfa.map_or(app.name.span, |o| o.authenticator_entry), String::new()),
    };

    // The path, ending with the MFA step itself.
    let mut trace = ctx.render_trace_located(app, &c.trace.entries());
    if app.uses_default_flow {
        trace.insert(
            0,
            (
                "the application uses the tenant's default flow: the steps stated in this file were checked"
                    .into(),
                Some(app.sequence_key),
            ),
        );
    }
    let how = match c.event.site {
        Site::Script { .. } => format!("{at}executeStep({step_id})"),
        Site::Config(_) => format!("step {step_id} runs (no script: every step runs in order)"),
    };
    let verdict = &c.verdict;
    trace.push((format!("{how} -> {}", verdict.needs), Some(span)));

    let mut related = vec![Label {
        span: via.idp_entry,
        message: format!(
            "step {} offers {idp_name}; its users are the subject of step {step_id}",
            subject_step.id
        ),
    }];
    if let (Site::Script { .. }, Some(o)) = (c.event.site, mfa) {
        related.push(Label { span: o.authenticator_entry, message: format!("step {step_id} is {display}") });
    }
    match connection {
        Connection::Defined(idp) => related.push(match &idp.jit {
            JitSetting::Stated { entry, .. } => {
                Label { span: *entry, message: format!("JIT provisioning is disabled for {idp_name}") }
            }
            JitSetting::Missing => Label {
                span: idp.name.span,
                message: format!(
                    "{idp_name} has no {}, which the server and the console read as JIT disabled",
                    missing_jit_block(idp.format)
                ),
            },
        }),
        // No file: the label on the step option and the help say what it is.
        Connection::OrganizationSso => {}
    }
    related.extend(verdict.related.clone());

    // Remedy 1: the guard, in this app's step numbers.
    let subject_id = subject_step.id;
    let (jit_disabled, has_jit_enabled) = federated_idps(ctx, app, c.subject);
    let has_local = subject_step.options.iter().any(|o| o.is_local());
    let guard = remedy::guard_expression("context", subject_id, &jit_disabled, has_jit_enabled);
    let host = ctx.files.get(app.file);
    let sees_subject = c.event.flow.keys().all(|s| s.has_seen(c.subject));
    let (guard_help, guard_fix) = match (&app.script, c.event.site) {
        // Nobody who signs in at the subject step has a local account: a guard would skip MFA
        // for everyone (and never match).
        _ if !has_local && !has_jit_enabled => (
            format!(
                "no user of step {subject_id} has a local account, so no guard can keep step {step_id}: remove step {step_id} for this application"
            ),
            None,
        ),
        (None, _) => {
            let script = remedy::script_for(app, guarded_steps, &guard);
            let indented: Vec<String> =
                script.lines().map(|l| format!("    {l}").trim_end().to_string()).collect();
            let help = format!(
                "either add a script that runs step {step_id} only for users with a local account:\n{}",
                indented.join("\n")
            );
            (help, remedy::add_script(host, app, &script))
        }
        (Some(_), Site::Script { start, end }) if sees_subject => {
            // The guard must name `context` as the script does where the call is.
            let context = c.event.context_name.as_deref();
            let local_guard = context
                .map(|name| remedy::guard_expression(name, subject_id, &jit_disabled, has_jit_enabled));
            let shown = local_guard.clone().unwrap_or_else(|| guard.clone());
            let fix = local_guard.and_then(|g| remedy::wrap_call(ctx.files, app, start, end, &g));
            let why_not = if fix.is_some() {
                ""
            } else {
                " (authlint cannot insert the guard itself: no variable holds `context` at this call; pass it in)"
            };
            (
                format!(
                    "either run step {step_id} only for users with a local account{why_not}:\n    if ({shown}) {{ executeStep({step_id}); }}"
                ),
                fix,
            )
        }
        // The step runs in code that cannot see who signed in (top-level code after the subject
        // step's call): the code that follows that call moves into its onSuccess, where it can.
        (Some(_), _) => {
            match remedy::top_level::move_into_on_success(ctx.files, app, subject_id, guarded_steps, &guard) {
                Ok(fix) => (
                    format!(
                        "either move the steps after `executeStep({subject_id})` into its onSuccess callback, where the script sees who signed in, and run step {step_id} there only for users with a local account:\n    if ({guard}) {{ executeStep({step_id}); }}"
                    ),
                    Some(fix),
                ),
                Err(why) => (
                    format!(
                        "either move `executeStep({step_id})` into the onSuccess callback of step {subject_id} and guard it there, where the script sees who signed in (authlint cannot insert the guard itself here: {why}):\n    if ({guard}) {{ executeStep({step_id}); }}"
                    ),
                    None,
                ),
            }
        }
    };
    // Remedy 2: JIT on the IdP, in the words of its file's format.
    let mut fixes = Vec::new();
    fixes.extend(guard_fix);
    let (jit_help, what) = match connection {
        Connection::Defined(idp) => {
            let idp_file = ctx.files.get(idp.file);
            fixes.extend(remedy::enable_jit(idp_file, idp));
            (
                format!(
                    "or enable JIT provisioning for {idp_name}: set {} in {}",
                    enable_jit_setting(idp.format),
                    idp_file.display
                ),
                "JIT disabled",
            )
        }
        Connection::OrganizationSso => (
            format!(
                "JIT provisioning cannot be enabled for {idp_name}: it is IS 7's built-in organisation login connection, which the server creates without JIT provisioning, so the guard is the only remedy"
            ),
            "organisation login",
        ),
    };

    let note = verdict.note.as_ref().map(|n| format!("{n}.\n")).unwrap_or_default();
    let mut d = Diagnostic::new(
        ID,
        span,
        format!(
            "`{app_name}`: users signing in with {idp_name} ({what}) reach {display} in step {step_id}, {}",
            verdict.consequence
        ),
    )
    .with_label(verdict.label.clone())
    .with_help(format!("{note}{guard_help}\n{jit_help}"))
    .with_app(app_name);
    d.severity = verdict.severity;
    d.related = related;
    (d.trace, d.trace_spans) = trace.into_iter().unzip();
    d.fixes = fixes;
    d.idp = Some(via.idp.value.clone());
    d.step = Some(step_id);
    d.authenticator = mfa.map(|o| o.authenticator.value.clone());
    d
}

/// The federated IdPs offered in step `index` with JIT disabled (sorted), and whether any
/// offered federated IdP has JIT enabled.
fn federated_idps(ctx: &Context, app: &Application, index: usize) -> (Vec<String>, bool) {
    let mut disabled = Vec::new();
    let mut enabled = false;
    for option in app.steps.get(index).map(|s| s.options.as_slice()).unwrap_or(&[]) {
        if option.is_local() {
            continue;
        }
        match ctx.model.connection(app.tenant, option) {
            Some(connection) if connection.jit_enabled() => enabled = true,
            Some(_) => disabled.push(option.idp.value.clone()),
            None => {}
        }
    }
    disabled.sort();
    disabled.dedup();
    (disabled, enabled)
}

/// How the enable-JIT remedy reads in an IdP file of `format`.
fn enable_jit_setting(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::Rest => "`provisioning.jit.isEnabled: true`",
        SourceFormat::Legacy => "`justInTimeProvisioningConfig.provisioningEnabled: true`",
        SourceFormat::Xml => {
            "`<IsProvisioningEnabled>true</IsProvisioningEnabled>` inside `<JustInTimeProvisioningConfig>`"
        }
    }
}

/// What an IdP file of `format` lacks when it does not state JIT.
fn missing_jit_block(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::Rest => "`provisioning.jit` block",
        SourceFormat::Legacy => "`justInTimeProvisioningConfig.provisioningEnabled`",
        SourceFormat::Xml => "`<JustInTimeProvisioningConfig>` with `<IsProvisioningEnabled>`",
    }
}
