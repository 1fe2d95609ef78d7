//! The default output: one miette report per diagnostic (code frame, labels, the path that leads
//! there, help), then a summary line. Everything from the input (the files' text, names, paths)
//! goes through [`terminal`] first: no escape sequence of a file reaches the terminal.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use rayon::prelude::*;

use crate::check::Report;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceFiles, Span};
use crate::untrusted::{terminal, terminal_line};

/// Text from the input for one line of the terminal (see [`terminal_line`]).
fn line(text: &str) -> String {
    terminal_line(text).into_owned()
}

/// Whether to use colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Color {
    Always,
    Never,
}

/// A diagnostic in the shape miette renders.
#[derive(Debug)]
struct Rendered {
    code: &'static str,
    severity: miette::Severity,
    message: String,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<Rendered>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        // Without labels there is no frame to show (see `framed`).
        (!self.labels.is_empty()).then_some(&self.source as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }
}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Note => miette::Severity::Advice,
    }
}

/// The file of `span` as miette shows it, made safe for a terminal (of the same length, so that
/// spans still point where they did).
fn source(files: &SourceFiles, span: Span) -> NamedSource<String> {
    let file = files.get(span.file);
    NamedSource::new(terminal_line(&file.display), terminal(&file.text).into_owned())
}

/// A span of more lines than this is drawn as its first line: a frame of a whole object of a
/// document of hundreds of lines helps nobody.
const MAX_FRAMED_LINES: usize = 6;

fn source_span(files: &SourceFiles, span: Span) -> SourceSpan {
    let file = files.get(span.file);
    let (start, end) = (file.line_col(span.start).line, file.line_col(span.end).line);
    let end_offset = if end - start >= MAX_FRAMED_LINES {
        let line = file.line_text(span.start);
        let line_start = file.line_start(start).unwrap_or(span.start);
        (line_start + line.len()).max(span.start)
    } else {
        span.end
    };
    SourceSpan::new(span.start.into(), end_offset - span.start)
}

/// Columns past this are not drawn in a code frame (miette cannot pad that far, and a frame of a
/// megabyte-long line helps nobody): such findings print their position instead.
const MAX_FRAMED_COLUMN: usize = 2_000;

/// Whether a span can be shown in a code frame.
fn framed(files: &SourceFiles, span: Span) -> bool {
    let file = files.get(span.file);
    let line_length = file.line_text(span.start).len();
    line_length < MAX_FRAMED_COLUMN && file.line_col(span.end).column < MAX_FRAMED_COLUMN
}

fn to_rendered(files: &SourceFiles, d: &Diagnostic) -> Rendered {
    if !framed(files, d.span) || d.related.iter().any(|l| !framed(files, l.span)) {
        return unframed(files, d);
    }
    let mut labels =
        vec![LabeledSpan::new_primary_with_span(Some(line(&d.label)), source_span(files, d.span))];
    let mut related = Vec::new();
    for label in &d.related {
        if label.span.file == d.span.file {
            labels
                .push(LabeledSpan::new_with_span(Some(line(&label.message)), source_span(files, label.span)));
        } else {
            // Another file: its own frame, after the main one.
            related.push(Rendered {
                code: "",
                severity: miette::Severity::Advice,
                message: format!("see {}", line(&files.get(label.span.file).display)),
                source: source(files, label.span),
                labels: vec![LabeledSpan::new_primary_with_span(
                    Some(line(&label.message)),
                    source_span(files, label.span),
                )],
                help: None,
                related: Vec::new(),
            });
        }
    }
    let mut help = String::new();
    push_path_and_help(&mut help, d);
    Rendered {
        code: d.rule,
        severity: miette_severity(d.severity),
        message: line(&d.message),
        source: source(files, d.span),
        labels,
        help: (!help.is_empty()).then_some(help),
        related,
    }
}

/// The help of a finding, framed or not: the path that leads there, the fix, where to read more.
fn push_path_and_help(help: &mut String, d: &Diagnostic) {
    if !d.trace.is_empty() {
        help.push_str("path:\n");
        for (i, step) in d.trace.iter().enumerate() {
            help.push_str(&format!("  {}. {}\n", i + 1, line(step)));
        }
    }
    if let Some(h) = &d.help {
        help.push_str(&terminal(h));
        help.push('\n');
    }
    help.push_str(&format!("more: authlint explain {}", d.rule));
}

/// A finding on a very long line: its position and texts, without a code frame.
fn unframed(files: &SourceFiles, d: &Diagnostic) -> Rendered {
    let file = files.get(d.span.file);
    let at = file.line_col(d.span.start);
    let mut help = format!("at {}:{}:{}: {}\n", line(&file.display), at.line, at.column, line(&d.label));
    for label in &d.related {
        let f = files.get(label.span.file);
        let lc = f.line_col(label.span.start);
        help.push_str(&format!(
            "see {}:{}:{}: {}\n",
            line(&f.display),
            lc.line,
            lc.column,
            line(&label.message)
        ));
    }
    push_path_and_help(&mut help, d);
    Rendered {
        code: d.rule,
        severity: miette_severity(d.severity),
        message: line(&d.message),
        source: NamedSource::new(line(&file.display), String::new()),
        labels: Vec::new(),
        help: Some(help),
        related: Vec::new(),
    }
}

/// Renders every diagnostic and the summary line.
pub fn render(report: &Report, color: Color) -> String {
    let theme = match color {
        Color::Always => GraphicalTheme::unicode(),
        Color::Never => GraphicalTheme::unicode_nocolor(),
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        // Paths and code stay on one line, to be copied and clicked.
        .with_wrap_lines(false)
        .with_links(false);
    let render_one = |d: &Diagnostic| {
        let mut out = String::new();
        if handler.render_report(&mut out, &to_rendered(&report.files, d)).is_err() {
            out.push_str(&format!("{}: {}\n", d.rule, line(&d.message)));
        }
        out.push('\n');
        out
    };
    // Each finding is drawn on its own (on all cores when there are many), then joined in order.
    let rendered: Vec<String> = if report.diagnostics.len() > 64 {
        crate::workers::pool().install(|| report.diagnostics.par_iter().map(render_one).collect())
    } else {
        report.diagnostics.iter().map(render_one).collect()
    };
    let mut out = String::with_capacity(rendered.iter().map(String::len).sum::<usize>() + 200);
    for text in rendered {
        out.push_str(&text);
    }
    out.push_str(&summary(report));
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

pub fn summary(report: &Report) -> String {
    let mut out = format!(
        "{}, {} in {} ({}, {}).\n",
        plural(report.errors(), "error"),
        plural(report.warnings(), "warning"),
        plural(report.files.len(), "file"),
        plural(report.applications, "application"),
        plural(report.identity_providers, "identity provider"),
    );
    // Each environment's verdict on its own line, when the run holds more than one.
    let tenants = report.tenant_summaries();
    if tenants.len() > 1 {
        for t in tenants {
            out.push_str(&format!(
                "  {}: {}, {} ({}, {})\n",
                line(t.name.unwrap_or("files under no tenant root")),
                plural(t.errors, "error"),
                plural(t.warnings, "warning"),
                plural(t.applications, "application"),
                plural(t.identity_providers, "identity provider"),
            ));
        }
    }
    out
}
