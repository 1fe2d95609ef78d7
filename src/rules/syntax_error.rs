//! ## What it does
//! Reports a file that is not valid YAML or JSON, or a conditional-authentication script that
//! is not valid JavaScript.
//!
//! ## Why is this bad?
//! The WSO2 server rejects the file or the script; a script that does not parse fails every
//! sign-in to the application. authlint cannot check a flow it cannot read, so the other rules
//! say nothing about it until it is fixed.
//!
//! ## Example
//! ```yaml
//! script: |
//!   var onLoginRequest = function (context) {
//!       executeStep(1;
//!   };
//! ```
//!
//! ## How to fix
//! Correct the syntax at the reported position.

use crate::diagnostic::Diagnostic;
use crate::rules::Id;
use crate::source::Span;

pub const ID: Id = "syntax-error";

pub fn diagnostic(span: Span, what: &str, message: &str) -> Diagnostic {
    Diagnostic::new(ID, span, format!("{what}: {message}")).with_label(message.to_string()).with_help(
        "fix the syntax here; authlint checks the rest of the files, but not this one until it parses",
    )
}
