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
//! Give the field the shape the WSO2 REST API uses (see DOMAIN.md §3).

use crate::diagnostic::Diagnostic;
use crate::rules::Id;
use crate::source::Span;

pub const ID: Id = "invalid-config";

pub fn diagnostic(span: Span, message: String) -> Diagnostic {
    Diagnostic::new(ID, span, message)
        .with_label("authlint cannot read this value")
        .with_help("give the field the shape of the WSO2 REST API; this object is not checked until then")
}
