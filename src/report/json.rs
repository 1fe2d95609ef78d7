//! `--format json`: exactly one JSON object, diagnostics in the report's (sorted) order.

use rayon::prelude::*;
use serde::Serialize;

use crate::check::Report;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceFiles, Span};

#[derive(Serialize)]
struct Summary<'a> {
    files: usize,
    applications: usize,
    identity_providers: usize,
    errors: usize,
    warnings: usize,
    /// Per tenant (null name: files under no tenant root).
    tenants: Vec<crate::check::TenantSummary<'a>>,
}

#[derive(Serialize)]
struct Region<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    #[serde(flatten)]
    region: Region<'a>,
    /// The tenant root of the file (null: under no tenant root).
    tenant: Option<&'a str>,
    app: Option<&'a str>,
    idp: Option<&'a str>,
    step: Option<u32>,
    authenticator: Option<&'a str>,
    trace: &'a [String],
    related: Vec<Related<'a>>,
    help: Option<&'a str>,
    /// The command that prints the rule's documentation.
    explain: String,
    fixes: Vec<JsonFix<'a>>,
}

#[derive(Serialize)]
struct Related<'a> {
    #[serde(flatten)]
    region: Region<'a>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    /// `guard` or `enable-jit`: the `authlint fix --strategy` that applies it; null for a rule's
    /// own fix.
    strategy: Option<crate::diagnostic::Strategy>,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    #[serde(flatten)]
    region: Region<'a>,
    replacement: &'a str,
}

fn region(files: &SourceFiles, span: Span) -> Region<'_> {
    let file = files.get(span.file);
    let start = file.line_col(span.start);
    let end = file.line_col(span.end);
    Region {
        file: &file.display,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

fn diagnostic<'a>(report: &'a Report, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let files = &report.files;
    JsonDiagnostic {
        rule: d.rule,
        severity: d.severity,
        message: &d.message,
        region: region(files, d.span),
        tenant: report.tenant_of(d),
        app: d.app.as_deref(),
        idp: d.idp.as_deref(),
        step: d.step,
        authenticator: d.authenticator.as_deref(),
        trace: &d.trace,
        related: d
            .related
            .iter()
            .map(|l| Related { region: region(files, l.span), message: &l.message })
            .collect(),
        help: d.help.as_deref(),
        explain: format!("authlint explain {}", d.rule),
        fixes: d
            .fixes
            .iter()
            .map(|f| JsonFix {
                title: &f.title,
                strategy: f.strategy,
                edits: f
                    .edits
                    .iter()
                    .map(|e| JsonEdit { region: region(files, e.span), replacement: &e.replacement })
                    .collect(),
            })
            .collect(),
    }
}

pub fn render(report: &Report) -> String {
    let summary = Summary {
        files: report.files.len(),
        applications: report.applications,
        identity_providers: report.identity_providers,
        errors: report.errors(),
        warnings: report.warnings(),
        tenants: report.tenant_summaries(),
    };
    // Findings are serialised on their own (on all cores when there are many) and joined into
    // exactly what serialising the whole `Output` at once writes.
    let one = |d: &Diagnostic| pretty(&diagnostic(report, d)).replace('\n', "\n    ");
    let findings: Vec<String> = if report.diagnostics.len() > 64 {
        crate::workers::pool().install(|| report.diagnostics.par_iter().map(one).collect())
    } else {
        report.diagnostics.iter().map(one).collect()
    };
    let mut out = String::with_capacity(findings.iter().map(|f| f.len() + 6).sum::<usize>() + 512);
    out.push_str("{\n  \"version\": 1,\n  \"diagnostics\": [");
    for (i, finding) in findings.iter().enumerate() {
        out.push_str(if i == 0 { "\n    " } else { ",\n    " });
        out.push_str(finding);
    }
    out.push_str(if findings.is_empty() { "],\n" } else { "\n  ],\n" });
    out.push_str("  \"summary\": ");
    out.push_str(&pretty(&summary).replace('\n', "\n  "));
    out.push_str("\n}\n");
    out
}

/// Pretty JSON of one part of the output.
fn pretty<T: Serialize>(value: &T) -> String {
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole output, as one object.
    #[derive(Serialize)]
    struct Output<'a> {
        version: u32,
        diagnostics: Vec<JsonDiagnostic<'a>>,
        summary: Summary<'a>,
    }

    #[test]
    fn joined_findings_are_the_whole_object_serialised_at_once() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let catalogue = crate::catalogue::Catalogue::builtin();
        let Ok(mut report) = crate::check::check(&[root], &catalogue) else { panic!("fixtures are there") };
        assert!(report.diagnostics.len() > 10, "the fixtures have findings");
        // Past the size where findings are serialised in parallel.
        let findings = report.diagnostics.clone();
        while report.diagnostics.len() <= 64 {
            report.diagnostics.extend(findings.iter().cloned());
        }
        for diagnostics in [Vec::new(), findings, report.diagnostics.clone()] {
            report.diagnostics = diagnostics;
            let whole = Output {
                version: 1,
                diagnostics: report.diagnostics.iter().map(|d| diagnostic(&report, d)).collect(),
                summary: Summary {
                    files: report.files.len(),
                    applications: report.applications,
                    identity_providers: report.identity_providers,
                    errors: report.errors(),
                    warnings: report.warnings(),
                    tenants: report.tenant_summaries(),
                },
            };
            assert_eq!(render(&report), pretty(&whole) + "\n");
        }
    }
}
