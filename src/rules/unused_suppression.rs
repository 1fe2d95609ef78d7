//! ## What it does
//! Reports a suppression comment (`# authlint-disable RULE`, `// authlint-disable-next-line
//! RULE`) that silences nothing: the finding it was written for is gone, or the rule name is
//! misspelt.
//!
//! ## Why is this bad?
//! Stale suppressions pile up and hide the next real finding at that place. A misspelt rule name
//! silences nothing while its author believes it does.
//!
//! ## Example
//! ```yaml
//! # authlint-disable jit-mfa-conflit -- typo: silences nothing
//! ```
//!
//! ## How to fix
//! Delete the suppression, or correct the rule name (`authlint rules` lists them).

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::rules::Id;
use crate::source::Span;

pub const ID: Id = "unused-suppression";

/// `alone`: no other rule the comment names silenced anything, so the whole comment can go.
pub fn diagnostic(comment: Span, rule: &str, alone: bool) -> Diagnostic {
    let known = crate::rules::find(rule).is_some();
    let message = if known {
        format!("this suppression of `{rule}` silences nothing")
    } else {
        format!("this suppression names `{rule}`, which is not a rule")
    };
    let mut d = Diagnostic::new(ID, comment, message)
        .with_label(if known { "nothing to suppress here any more" } else { "no such rule" })
        .with_help(if known && alone {
            "delete the suppression".to_string()
        } else if known {
            format!("remove `{rule}` from the suppression (the other rules it names are used)")
        } else {
            "correct the rule name; `authlint rules` lists them".to_string()
        });
    if known && alone {
        d.fixes.push(Fix {
            strategy: None,
            title: "delete the suppression".into(),
            edits: vec![Edit { span: comment, replacement: String::new() }],
        });
    }
    d
}
