//! `--format github`: GitHub Actions workflow commands, which GitHub shows as annotations on the
//! pull request (chosen automatically when `GITHUB_ACTIONS=true` and no `--format` is given).

use crate::check::Report;
use crate::diagnostic::Severity;

/// Escapes the message of a workflow command (the log shows it as it is: no escape sequences).
fn data(text: &str) -> String {
    crate::untrusted::terminal(text).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let file = report.files.get(d.span.file);
        let start = file.line_col(d.span.start);
        let end = file.line_col(d.span.end);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut message = d.message.clone();
        if !d.trace.is_empty() {
            message.push_str(&format!("\npath: {}", d.trace.join(" -> ")));
        }
        if let Some(help) = &d.help {
            message.push_str(&format!("\n{help}"));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            property(&file.display),
            start.line,
            start.column,
            end.line,
            end.column,
            property(&format!("authlint {}", d.rule)),
            data(&message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_workflow_commands_need() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(data("a\u{1b}[2Jb"), "a?[2Jb");
    }
}
