//! `--format junit`: JUnit XML, which most CI systems display as test results: one test suite per
//! file checked, one failing test case per finding (a clean file has one passing case). A file
//! under a tenant root carries its tenant as the suite's `tenant` property.

use crate::check::Report;
use crate::report::severity_name;

fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

pub fn render(report: &Report) -> String {
    let mut suites = String::new();
    let mut total_tests = 0;
    let mut total_failures = 0;
    for index in 0..report.files.len() {
        let id = crate::source::FileId(index as u32);
        let file = report.files.get(id);
        let findings: Vec<_> = report.diagnostics.iter().filter(|d| d.span.file == id).collect();
        let mut cases = String::new();
        for d in &findings {
            let at = file.line_col(d.span.start);
            let mut details = format!("{}:{}:{}: {}", file.display, at.line, at.column, d.message);
            for step in &d.trace {
                details.push_str(&format!("\n  path: {step}"));
            }
            if let Some(help) = &d.help {
                details.push_str(&format!("\n{help}"));
            }
            cases.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{} at {}:{}\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                xml(&file.display),
                d.rule,
                at.line,
                at.column,
                severity_name(d.severity),
                xml(&d.message),
                xml(&details)
            ));
        }
        let tests = findings.len().max(1);
        if findings.is_empty() {
            cases.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"authlint\"/>\n",
                xml(&file.display)
            ));
        }
        total_tests += tests;
        total_failures += findings.len();
        let properties = match report.tenants.name(file.tenant) {
            Some(tenant) => format!(
                "    <properties>\n      <property name=\"tenant\" value=\"{}\"/>\n    </properties>\n",
                xml(tenant)
            ),
            None => String::new(),
        };
        suites.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{}\" errors=\"0\">\n{properties}{cases}  </testsuite>\n",
            xml(&file.display),
            findings.len()
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"authlint\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"0\">\n{suites}</testsuites>\n"
    )
}
