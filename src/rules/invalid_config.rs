//! ## What it does
//! Reports an application or identity provider whose fields authlint cannot read: a step
//! without an `id`, `steps` that is not a list, a script that is not a string, a JIT switch that
//! is not a boolean.
//!
//! ## Why is this bad?
//! The WSO2 server would reject or misread the object. authlint leaves it out of the analysis
//! (so it is not checked) and says so, rather than guessing.
//!
//! ## Example
//! ```yaml
//! authenticationSequence:
//!   steps: 7
//! ```
//!
//! ## How to fix
//! Give the field the shape of the file's own format: the Application and IdP Management REST
//! APIs (`name`, `authenticationSequence`, `provisioning.jit.isEnabled`), the bean YAML that
//! IAM-CTL exports (`applicationName`, `localAndOutBoundAuthenticationConfig`,
//! `justInTimeProvisioningConfig`), or the file-based XML (`<ServiceProvider>`,
//! `<IdentityProvider>`). The help of each finding names the format it read.

use crate::diagnostic::Diagnostic;
use crate::model::SourceFormat;
use crate::rules::Id;
use crate::source::Span;

pub const ID: Id = "invalid-config";

pub fn diagnostic(span: Span, message: String) -> Diagnostic {
    Diagnostic::new(ID, span, message)
        .with_label("authlint cannot read this value")
        .with_help("give the field the shape its format expects; this object is not checked until then")
}

/// `d` with a help that speaks of the format the object was read as.
pub fn in_format(mut d: Diagnostic, format: SourceFormat) -> Diagnostic {
    if d.rule != ID {
        return d;
    }
    let shape = match format {
        SourceFormat::Rest => "the Application or IdP Management REST API (what its GET returns)",
        SourceFormat::Legacy => {
            "the bean YAML that IAM-CTL exports (the `ServiceProvider` / `IdentityProvider` bean)"
        }
        SourceFormat::Xml => "the file-based `<ServiceProvider>` / `<IdentityProvider>` XML of the server",
    };
    d.help = Some(format!("give the field the shape of {shape}; this object is not checked until then"));
    d
}
