//! ## What it does
//! Reports an entry of the baseline file (`--baseline FILE`) that no longer matches a finding:
//! the problem it recorded was fixed, or the application or file was renamed.
//!
//! ## Why is this bad?
//! A baseline exists to hide known findings while a tenant is cleaned up; an entry that hides
//! nothing today would hide the same problem if it came back.
//!
//! ## How to fix
//! Write the baseline again (`authlint check --write-baseline FILE`), or delete the entry.

use crate::diagnostic::Diagnostic;
use crate::rules::Id;
use crate::source::Span;

pub const ID: Id = "stale-baseline";

pub fn diagnostic(span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(ID, span, format!("this baseline entry matches no finding any more: {what}"))
        .with_label("fixed or renamed since the baseline was written")
        .with_help("write the baseline again with `--write-baseline`, or delete this entry")
}
