//! The flow model: applications and identity providers, whatever file format they came from.
//!
//! Every field that a diagnostic may point at keeps its [`Span`].

use std::collections::BTreeMap;

use crate::scalar_map::ScalarMap;
use crate::source::{FileId, SourceFiles, Span};

/// The IdP name WSO2 uses for local authenticators.
pub const LOCAL_IDP: &str = "LOCAL";

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
                text.replace('\\', "\\\\").replace('"', "\\\"")
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
    pub file: FileId,
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
    /// The application uses the tenant's default flow (`type: DEFAULT`, legacy
    /// `authenticationType: default`): what the file states is checked, and findings say so.
    pub uses_default_flow: bool,
    pub format: SourceFormat,
}

impl Application {
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
    pub jit: JitSetting,
    /// The `provisioning` key when present.
    pub provisioning_key: Option<Span>,
    pub format: SourceFormat,
}

impl IdentityProvider {
    pub fn jit_enabled(&self) -> bool {
        matches!(self.jit, JitSetting::Stated { enabled: true, .. })
    }
}

/// Everything loaded in one run. IdP names are tenant-wide.
#[derive(Default)]
pub struct FlowModel {
    pub applications: Vec<Application>,
    pub identity_providers: BTreeMap<String, IdentityProvider>,
}

impl FlowModel {
    /// Adds what a later file holds. IdP names are tenant-wide; the first file (in path order)
    /// wins.
    pub fn merge(&mut self, later: FlowModel) {
        self.applications.extend(later.applications);
        for (name, idp) in later.identity_providers {
            self.identity_providers.entry(name).or_insert(idp);
        }
    }
}
