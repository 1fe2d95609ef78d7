//! `--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers. The run
//! lists every rule (id, descriptions, help, default level); each result has its rule, level,
//! exact region, related locations, the path as a code flow, and the fixes.

use serde_sarif::sarif;

use crate::check::Report;
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules;
use crate::source::{SourceFiles, Span};

fn level(severity: Severity) -> serde_json::Value {
    serde_json::Value::String(
        match severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
        .into(),
    )
}

fn text(message: &str) -> sarif::Message {
    sarif::Message::builder().text(message.to_string()).build()
}

fn region(files: &SourceFiles, span: Span) -> sarif::Region {
    let file = files.get(span.file);
    let start = file.line_col(span.start);
    let end = file.line_col(span.end);
    sarif::Region::builder()
        .start_line(start.line as i64)
        .start_column(start.column as i64)
        .end_line(end.line as i64)
        .end_column(end.column as i64)
        .build()
}

fn physical(files: &SourceFiles, span: Span) -> sarif::PhysicalLocation {
    // SARIF wants URIs: relative paths with forward slashes are relative references.
    let uri = files.get(span.file).display.replace('\\', "/");
    sarif::PhysicalLocation::builder()
        .artifact_location(sarif::ArtifactLocation::builder().uri(uri).build())
        .region(region(files, span))
        .build()
}

fn location(files: &SourceFiles, span: Span, message: Option<&str>) -> sarif::Location {
    match message {
        Some(m) => {
            sarif::Location::builder().physical_location(physical(files, span)).message(text(m)).build()
        }
        None => sarif::Location::builder().physical_location(physical(files, span)).build(),
    }
}

fn result(report: &Report, d: &Diagnostic) -> sarif::Result {
    let files = &report.files;
    let primary = vec![location(files, d.span, None)];
    let related: Vec<sarif::Location> =
        d.related.iter().map(|l| location(files, l.span, Some(&l.message))).collect();
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\n\n");
        message.push_str(help);
    }
    let thread: Vec<sarif::ThreadFlowLocation> = d
        .trace
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let loc = match d.trace_spans.get(i).copied().flatten() {
                Some(span) => location(files, span, Some(step)),
                None => sarif::Location::builder().message(text(step)).build(),
            };
            sarif::ThreadFlowLocation::builder().location(loc).build()
        })
        .collect();
    let fixes: Vec<sarif::Fix> = d
        .fixes
        .iter()
        .map(|f| {
            let changes = f
                .edits
                .iter()
                .map(|e| {
                    let uri = files.get(e.span.file).display.replace('\\', "/");
                    sarif::ArtifactChange::builder()
                        .artifact_location(sarif::ArtifactLocation::builder().uri(uri).build())
                        .replacements(vec![
                            sarif::Replacement::builder()
                                .deleted_region(region(files, e.span))
                                .inserted_content(
                                    sarif::ArtifactContent::builder().text(e.replacement.clone()).build(),
                                )
                                .build(),
                        ])
                        .build()
                })
                .collect::<Vec<_>>();
            sarif::Fix::builder().description(text(&f.title)).artifact_changes(changes).build()
        })
        .collect();
    let mut result = sarif::Result::builder()
        .rule_id(d.rule.to_string())
        .level(match d.severity {
            Severity::Error => sarif::ResultLevel::Error,
            Severity::Warning => sarif::ResultLevel::Warning,
            Severity::Note => sarif::ResultLevel::Note,
        })
        .message(text(&message))
        .locations(primary)
        .build();
    if !related.is_empty() {
        result.related_locations = Some(related);
    }
    if !thread.is_empty() {
        let flow = sarif::ThreadFlow::builder().locations(thread).build();
        result.code_flows = Some(vec![sarif::CodeFlow::builder().thread_flows(vec![flow]).build()]);
    }
    if !fixes.is_empty() {
        result.fixes = Some(fixes);
    }
    if let Some(tenant) = report.tenant_of(d) {
        let mut properties = sarif::PropertyBag::builder().build();
        properties.additional_properties.insert("tenant".into(), serde_json::Value::String(tenant.into()));
        result.properties = Some(properties);
    }
    result
}

fn descriptor(rule: &rules::RuleInfo) -> sarif::ReportingDescriptor {
    sarif::ReportingDescriptor::builder()
        .id(rule.id.to_string())
        .name(rule.id.to_string())
        .short_description(sarif::MultiformatMessageString::builder().text(rule.summary.clone()).build())
        .full_description(sarif::MultiformatMessageString::builder().text(rule.summary.clone()).build())
        .help(
            sarif::MultiformatMessageString::builder()
                .text(format!("authlint explain {}", rule.id))
                .markdown(rule.doc.clone())
                .build(),
        )
        .default_configuration(sarif::ReportingConfiguration::builder().level(level(rule.severity)).build())
        .build()
}

pub fn render(report: &Report) -> String {
    let driver = sarif::ToolComponent::builder()
        .name("authlint".to_string())
        .version(env!("CARGO_PKG_VERSION").to_string())
        .rules(rules::registry().iter().map(descriptor).collect::<Vec<_>>())
        .build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(report.diagnostics.iter().map(|d| result(report, d)).collect::<Vec<_>>())
        .build();
    let log = sarif::Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json".to_string())
        .version(serde_json::Value::String("2.1.0".into()))
        .runs(vec![run])
        .build();
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}
