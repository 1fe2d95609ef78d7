//! The flow model: applications and identity providers, whatever file format they came from.
//!
//! Every field that a diagnostic may point at keeps its [`Span`].

use std::collections::{BTreeMap, HashMap};

use crate::scalar_map::ScalarMap;
use crate::source::{FileId, SourceFiles, Span};
use crate::tenants::TenantId;

/// The IdP name WSO2 uses for local authenticators.
pub const LOCAL_IDP: &str = "LOCAL";

/// The name of IS 7's built-in organisation login connection, which has no file of its own.
pub const ORGANIZATION_SSO_IDP: &str = "SSO";

/// The authenticator of the organisation login connection.
pub const ORGANIZATION_AUTHENTICATOR: &str = "OrganizationAuthenticator";

#[derive(Debug, Clone)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

/// One option of a step: an authenticator offered through an IdP (`LOCAL` or a connection).
#[derive(Debug, Clone)]
pub struct StepOption {
    pub idp: Located<String>,
    pub authenticator: Located<String>,
    /// The `idp: ...` and `authenticator: ...` entries (key and value), where labels point.
    pub idp_entry: Span,
    pub authenticator_entry: Span,
}

impl StepOption {
    pub fn is_local(&self) -> bool {
        self.idp.value == LOCAL_IDP
    }

    /// The built-in organisation login connection (`SSO` with `OrganizationAuthenticator`, or
    /// with no authenticator named, as bean exports may write it).
    pub fn is_organization_sso(&self) -> bool {
        self.idp.value == ORGANIZATION_SSO_IDP
            && (self.authenticator.value.is_empty() || self.authenticator.value == ORGANIZATION_AUTHENTICATOR)
    }
}

/// Whether one `authenticationOptions` entry (`{idp, authenticator}`, either may be absent) keeps
/// the step option `option_idp`/`option_authenticator`, as the framework applies it
/// (carbon-identity-framework `JsGraphBuilder.filterOptions`): an entry with an authenticator and
/// no idp means idp `LOCAL`; an entry with an idp alone keeps every authenticator of that IdP;
/// with both, both must match. Names match exactly (authenticator names are the internal names,
/// as with `AdaptiveAuth.AuthenticatorNameInAuthConfig.Enable`, which the IS 7 docs assume). An
/// entry with neither keeps nothing.
pub fn filter_entry_matches(
    idp: Option<&str>,
    authenticator: Option<&str>,
    option_idp: &str,
    option_authenticator: &str,
) -> bool {
    let idp = match (idp, authenticator) {
        (None, None) => return false,
        (None, Some(_)) => LOCAL_IDP,
        (Some(idp), _) => idp,
    };
    idp == option_idp && authenticator.is_none_or(|a| a == option_authenticator)
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: u32,
    /// The `id: N` entry.
    pub span: Span,
    pub options: Vec<StepOption>,
}

/// Which of the formats WSO2 users keep flows in an object came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// The REST shapes IAM-CTL exports today (YAML or JSON).
    Rest,
    /// The bean YAML of older IAM-CTL exports (`applicationName`, ...).
    Legacy,
    /// File-based deployment XML (`<ServiceProvider>`, `<IdentityProvider>`).
    Xml,
}

/// How a script is written in its host file, which decides how inserted text is escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptHost {
    JsonString,
    YamlDoubleQuoted,
    YamlSingleQuoted,
    /// A literal or folded block, or a plain scalar: text goes in as it is.
    YamlBlockOrPlain,
    XmlCdata,
    /// XML character data, where `&` and `<` are escaped.
    XmlText,
}

impl ScriptHost {
    /// The style of a YAML or JSON scalar starting at `start`.
    pub fn of_scalar(text: &str, start: usize, json: bool) -> ScriptHost {
        match text.as_bytes().get(start) {
            Some(b'"') if json => ScriptHost::JsonString,
            Some(b'"') => ScriptHost::YamlDoubleQuoted,
            Some(b'\'') => ScriptHost::YamlSingleQuoted,
            _ => ScriptHost::YamlBlockOrPlain,
        }
    }

    /// `text` escaped for insertion into a script written this way.
    pub fn escape(self, text: &str) -> String {
        match self {
            ScriptHost::JsonString | ScriptHost::YamlDoubleQuoted => {
                text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n").replace('\t', "\\t")
            }
            ScriptHost::YamlSingleQuoted => text.replace('\'', "''"),
            ScriptHost::YamlBlockOrPlain => text.to_string(),
            ScriptHost::XmlCdata => text.replace("]]>", "]]]]><![CDATA[>"),
            ScriptHost::XmlText => text.replace('&', "&amp;").replace('<', "&lt;"),
        }
    }
}

/// A conditional-authentication script embedded in an application file.
#[derive(Debug, Clone)]
pub struct EmbeddedScript {
    pub text: String,
    /// The script's scalar in the host file.
    pub span: Span,
    pub host: ScriptHost,
    /// `authenticationScriptConfig.enabled: false` / `<AuthenticationScript enabled="false">`:
    /// the server does not run it.
    pub enabled: bool,
    /// Where `enabled` is stated, if it is.
    pub enabled_span: Option<Span>,
    /// Maps offsets in `text` to offsets in the host file.
    map: OffsetMap,
}

/// How a script's offsets map to its file's: `None` when the scalar's style could not be
/// re-decoded, in which case positions fall back to the scalar's start.
#[derive(Debug, Clone)]
enum OffsetMap {
    Known(Option<ScalarMap>),
    /// Built from the file's text the first time a position is needed: most scripts of a tenant
    /// never show one, and building the map re-decodes the whole scalar.
    Lazy(std::sync::OnceLock<Option<ScalarMap>>),
}

impl EmbeddedScript {
    /// A script held in the YAML or JSON scalar at `span`.
    pub fn in_scalar(
        text: String,
        span: Span,
        host: ScriptHost,
        enabled: bool,
        enabled_span: Option<Span>,
    ) -> Self {
        EmbeddedScript {
            text,
            span,
            host,
            enabled,
            enabled_span,
            map: OffsetMap::Lazy(std::sync::OnceLock::new()),
        }
    }

    /// A script whose offset map is already known.
    pub fn with_map(
        text: String,
        span: Span,
        host: ScriptHost,
        enabled: bool,
        enabled_span: Option<Span>,
        map: Option<ScalarMap>,
    ) -> Self {
        EmbeddedScript { text, span, host, enabled, enabled_span, map: OffsetMap::Known(map) }
    }

    /// The host-file span of the script range `start..end`; `files` holds the script's file.
    pub fn host_span(&self, files: &SourceFiles, start: usize, end: usize) -> Span {
        match self.offset_map(files) {
            Some(map) => Span::new(self.span.file, map.to_host(start), map.to_host(end)),
            None => Span::new(self.span.file, self.span.start, self.span.start),
        }
    }

    /// Whether script positions map exactly to the file (edits can be made there).
    pub fn has_offset_map(&self, files: &SourceFiles) -> bool {
        self.offset_map(files).is_some()
    }

    fn offset_map(&self, files: &SourceFiles) -> Option<&ScalarMap> {
        match &self.map {
            OffsetMap::Known(map) => map.as_ref(),
            OffsetMap::Lazy(cell) => cell
                .get_or_init(|| {
                    let host = files.try_get(self.span.file).map_or("", |f| f.text.as_str());
                    ScalarMap::build(host, self.span.start, &self.text)
                })
                .as_ref(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Application {
    pub name: Located<String>,
    /// The document has no name of its own (a PATCH body, a template): `name` is taken from the
    /// file name, and the application takes no part in duplicate checks.
    pub name_from_file: bool,
    pub file: FileId,
    /// Set when the file joins the model.
    pub tenant: TenantId,
    pub steps: Vec<Step>,
    pub script: Option<EmbeddedScript>,
    /// The value of a `script` key that is present but empty (`""`, `null`): a script added by a
    /// fix replaces it rather than adding a second `script` key.
    pub empty_script: Option<Span>,
    /// The step whose user is the subject (`subjectStepId`, default 1).
    pub subject_step: u32,
    /// The `authenticationSequence` key.
    pub sequence_key: Span,
    /// The `steps` key inside it, before which a missing script is inserted.
    pub steps_key: Option<Span>,
    /// `authenticationSequence.type`, when given (`DEFAULT`, `USER_DEFINED`).
    pub sequence_type: Option<String>,
    /// Where that value is written (`DEFAULT`, `default`), for a fix that makes a script run.
    pub sequence_type_span: Option<Span>,
    /// The script key (`authenticationScriptConfig`, `<AuthenticationScript>`) when the file has
    /// one without a script in it: a fix then declines rather than write a second one.
    pub script_config: Option<Span>,
    /// The application uses the tenant's default flow (`type: DEFAULT`, legacy
    /// `authenticationType: default`): what the file states is checked, and findings say so.
    pub uses_default_flow: bool,
    pub format: SourceFormat,
}

impl Application {
    /// Where the definition starts in its file, as far as its spans tell: its name or its
    /// `authenticationSequence` key, whichever comes first. Every step and script of the
    /// application is after it, and before the start of the next application in the file.
    pub fn start(&self) -> usize {
        self.name.span.start.min(self.sequence_key.start)
    }

    pub fn step(&self, id: u32) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Position of step `id` in `steps`.
    pub fn step_index(&self, id: u32) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }
}

/// Where an IdP's JIT switch is, or where it would go.
#[derive(Debug, Clone)]
pub enum JitSetting {
    /// `provisioning.jit.isEnabled` is present; the span covers the `isEnabled: ...` entry and
    /// `value` the boolean itself.
    Stated { enabled: bool, entry: Span, value: Span },
    /// No `provisioning.jit` (or no `isEnabled` in it): the console reads this as disabled.
    Missing,
}

#[derive(Debug, Clone)]
pub struct IdentityProvider {
    pub name: Located<String>,
    /// The `name` key, before which a missing JIT block is inserted.
    pub name_key: Span,
    pub file: FileId,
    /// Set when the file joins the model.
    pub tenant: TenantId,
    pub jit: JitSetting,
    /// The `provisioning` key (`justInTimeProvisioningConfig` in bean YAML,
    /// `<JustInTimeProvisioningConfig>` in XML) when present.
    pub provisioning_key: Option<Span>,
    /// Its value (the mapping, `null`, or the element), where a missing switch is added.
    pub provisioning_value: Option<Span>,
    /// The IdP's claim configuration, as far as the file states it.
    pub claims: IdpClaims,
    pub format: SourceFormat,
}

/// What an IdP file says about the claims it sends: the OTP authenticators read the email address
/// or mobile number a federated user's IdP asserts through this configuration.
#[derive(Debug, Clone, Default)]
pub struct IdpClaims {
    /// Where the claim configuration is (`claims`, `claimConfig`, `<ClaimConfig>`); `None` when
    /// the file has none.
    pub span: Option<Span>,
    /// The IdP sends claims in the local (WSO2) dialect: no mapping is needed.
    pub local_dialect: bool,
    /// Each mapping of a remote claim to a local claim.
    pub mappings: Vec<ClaimMapping>,
}

#[derive(Debug, Clone)]
pub struct ClaimMapping {
    /// The local claim URI (`http://wso2.org/claims/emailaddress`).
    pub local: String,
    /// The IdP's own claim name.
    pub remote: String,
    pub span: Span,
}

impl IdpClaims {
    /// The mapping to the local claim `local`, if the IdP states one.
    pub fn mapping_to(&self, local: &str) -> Option<&ClaimMapping> {
        self.mappings.iter().find(|m| m.local == local)
    }
}

impl IdentityProvider {
    pub fn jit_enabled(&self) -> bool {
        matches!(self.jit, JitSetting::Stated { enabled: true, .. })
    }
}

/// The connection a step option signs in through, as far as the rules need to know it.
#[derive(Debug, Clone, Copy)]
pub enum Connection<'a> {
    /// An IdP defined in a file of the application's tenant.
    Defined(&'a IdentityProvider),
    /// IS 7's organisation login connection `SSO`, which no file defines: the server creates it
    /// without JIT provisioning, so its users have no local account in the root organisation.
    OrganizationSso,
}

impl Connection<'_> {
    pub fn jit_enabled(&self) -> bool {
        match self {
            Connection::Defined(idp) => idp.jit_enabled(),
            Connection::OrganizationSso => false,
        }
    }
}

/// What one file defines, in document order (duplicates included: they are judged when the
/// file joins the model).
#[derive(Default, Clone)]
pub struct Definitions {
    pub applications: Vec<Application>,
    pub identity_providers: Vec<IdentityProvider>,
}

/// A second definition of a name within one tenant.
#[derive(Debug, Clone)]
pub struct Duplicate {
    /// "application" or "identity provider".
    pub kind: &'static str,
    pub name: String,
    pub first: Span,
    pub later: Span,
    /// For IdPs whose JIT settings differ: the one that disables JIT is the one checked.
    pub jit_differs: bool,
}

/// Everything loaded in one run. IdP names are unique within a tenant: each tenant has its own.
#[derive(Default)]
pub struct FlowModel {
    pub applications: Vec<Application>,
    /// Indexed by tenant.
    identity_providers: Vec<BTreeMap<String, IdentityProvider>>,
    /// Named applications per tenant, for duplicate checks: (tenant, name) -> the name's span.
    application_names: std::collections::HashMap<(TenantId, String), Span>,
}

impl FlowModel {
    /// Adds what a later file (of tenant `tenant`) defines; returns the names it defines again.
    /// Of two definitions of one IdP, the one with JIT disabled is kept when they differ (the
    /// server may hold either, and the conflict must not be missed); otherwise the first.
    pub fn add(&mut self, definitions: Definitions, tenant: TenantId) -> Vec<Duplicate> {
        let mut duplicates = Vec::new();
        for mut app in definitions.applications {
            app.tenant = tenant;
            if !app.name_from_file {
                match self.application_names.entry((tenant, app.name.value.clone())) {
                    std::collections::hash_map::Entry::Occupied(first) => duplicates.push(Duplicate {
                        kind: "application",
                        name: app.name.value.clone(),
                        first: *first.get(),
                        later: app.name.span,
                        jit_differs: false,
                    }),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(app.name.span);
                    }
                }
            }
            self.applications.push(app);
        }
        let index = tenant.0 as usize;
        if self.identity_providers.len() <= index {
            self.identity_providers.resize_with(index + 1, BTreeMap::new);
        }
        let idps = &mut self.identity_providers[index];
        for mut idp in definitions.identity_providers {
            idp.tenant = tenant;
            match idps.entry(idp.name.value.clone()) {
                std::collections::btree_map::Entry::Occupied(mut first) => {
                    let jit_differs = first.get().jit_enabled() != idp.jit_enabled();
                    duplicates.push(Duplicate {
                        kind: "identity provider",
                        name: idp.name.value.clone(),
                        first: first.get().name.span,
                        later: idp.name.span,
                        jit_differs,
                    });
                    if jit_differs && !idp.jit_enabled() {
                        first.insert(idp);
                    }
                }
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(idp);
                }
            }
        }
        duplicates
    }

    /// The IdP named `name` in `tenant`.
    pub fn identity_provider(&self, tenant: TenantId, name: &str) -> Option<&IdentityProvider> {
        self.identity_providers.get(tenant.0 as usize)?.get(name)
    }

    /// The IdPs of `tenant`, by name.
    pub fn identity_providers(&self, tenant: TenantId) -> impl Iterator<Item = &IdentityProvider> {
        self.identity_providers.get(tenant.0 as usize).into_iter().flat_map(|m| m.values())
    }

    /// Every IdP of the run, tenant by tenant.
    pub fn all_identity_providers(&self) -> impl Iterator<Item = &IdentityProvider> {
        self.identity_providers.iter().flat_map(|m| m.values())
    }

    pub fn identity_provider_count(&self) -> usize {
        self.identity_providers.iter().map(BTreeMap::len).sum()
    }

    /// The connection `option` signs in through, for an application of `tenant`: an IdP of the
    /// tenant, or the built-in organisation login when no file defines `SSO`. `None` for
    /// `LOCAL` and for unknown IdPs.
    pub fn connection(&self, tenant: TenantId, option: &StepOption) -> Option<Connection<'_>> {
        if option.is_local() {
            return None;
        }
        match self.identity_provider(tenant, &option.idp.value) {
            Some(idp) => Some(Connection::Defined(idp)),
            None if option.is_organization_sso() => Some(Connection::OrganizationSso),
            None => None,
        }
    }
}

/// Of `candidates` (indices into `applications`, of one name in one file: the documents of a
/// multi-document file), the one whose document holds byte `offset`: the last to start at or
/// before it (the first when none does). A finding names its application by name only; two
/// documents of one file may define the same name (a `duplicate-definition`), each with its own
/// findings.
pub fn application_at(applications: &[Application], candidates: &[usize], offset: usize) -> Option<usize> {
    let starts = |&&i: &&usize| applications.get(i).map(Application::start);
    candidates
        .iter()
        .filter(|i| starts(i).is_some_and(|s| s <= offset))
        .max_by_key(|i| starts(i))
        .or_else(|| candidates.iter().min_by_key(|i| starts(i)))
        .copied()
}

/// Applications by name, to find the one a finding is about: a finding names its application by
/// name only (`Diagnostic::app`), and names repeat across tenants, files and the documents of
/// one file. One lookup per finding, however large the tenant.
pub struct ApplicationIndex<'a> {
    applications: &'a [Application],
    by_file: HashMap<(&'a str, FileId), Vec<usize>>,
    by_tenant: HashMap<(TenantId, &'a str), usize>,
}

impl<'a> ApplicationIndex<'a> {
    pub fn new(applications: &'a [Application]) -> Self {
        let mut by_file: HashMap<(&str, FileId), Vec<usize>> = HashMap::with_capacity(applications.len());
        let mut by_tenant = HashMap::with_capacity(applications.len());
        for (i, app) in applications.iter().enumerate() {
            by_file.entry((app.name.value.as_str(), app.file)).or_default().push(i);
            by_tenant.entry((app.tenant, app.name.value.as_str())).or_insert(i);
        }
        ApplicationIndex { applications, by_file, by_tenant }
    }

    /// The application `name` defined in `file` whose document holds byte `offset`.
    pub fn in_file(&self, name: &str, file: FileId, offset: usize) -> Option<usize> {
        application_at(self.applications, self.by_file.get(&(name, file))?, offset)
    }

    /// [`Self::in_file`], or else the first application `name` of `tenant` (a finding placed in
    /// another file than its application's, such as an IdP's).
    pub fn of(&self, name: &str, tenant: TenantId, file: FileId, offset: usize) -> Option<usize> {
        self.in_file(name, file, offset).or_else(|| self.by_tenant.get(&(tenant, name)).copied())
    }
}
