//! ## What it does
//! Reports a file or directory that authlint was asked to check but could not read
//! (permissions, a broken link, content that is not UTF-8 text).
//!
//! ## Why is this bad?
//! Whatever flows the file holds are not checked; a green run would hide that.
//!
//! ## How to fix
//! Make the file readable, or leave it out of the run.

use crate::diagnostic::Diagnostic;
use crate::rules::Id;
use crate::source::Span;

pub const ID: Id = "io-error";

pub fn diagnostic(span: Span, message: String) -> Diagnostic {
    Diagnostic::new(ID, span, message)
        .with_label("authlint could not read this")
        .with_help("make the file readable UTF-8 text, or leave it out of the run")
}
