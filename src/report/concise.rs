//! `--format concise`: one line per finding, `file:line:col: severity[rule] message`, for
//! editors, `grep` and pre-commit logs. Text from the input is made safe for a terminal and kept
//! on its line (see [`terminal_line`]).

use crate::check::Report;
use crate::report::severity_name;
use crate::untrusted::terminal_line;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let file = report.files.get(d.span.file);
        let at = file.line_col(d.span.start);
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {}\n",
            terminal_line(&file.display),
            at.line,
            at.column,
            severity_name(d.severity),
            d.rule,
            terminal_line(&d.message)
        ));
    }
    out.push_str(&super::human::summary(report));
    out
}
