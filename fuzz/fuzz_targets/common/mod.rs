//! What the fuzz targets share: the pipeline of `authlint check` without the file system (parse,
//! load, analyse, rules, both renderers), the invariants every report must satisfy, and a worker
//! thread with the binary's 1 GiB stack (src/main.rs) to run it on, so that a deep input
//! overflows here only where it would overflow `authlint` itself.

#![allow(dead_code)]

use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

use authlint::analysis;
use authlint::catalogue::Catalogue;
use authlint::check::Report;
use authlint::diagnostic::Diagnostic;
use authlint::document::{self, Format};
use authlint::load;
use authlint::model::FlowModel;
use authlint::report::{human, json};
use authlint::rules::{self, Context, analysis_incomplete, syntax_error};
use authlint::source::{SourceFile, SourceFiles, Span};

/// The stack `authlint` runs its work on (src/main.rs).
const STACK_SIZE: usize = 1 << 30;

/// Identity providers every run sees next to the fuzzed file: one JIT-disabled, one without a
/// JIT block (disabled), one JIT-enabled.
pub const IDPS: &str = "name: Google
provisioning:
  jit:
    isEnabled: false
---
name: Facebook
federatedAuthenticators:
  authenticators: []
---
name: Corp
provisioning:
  jit:
    isEnabled: true
";

/// One input file of a run.
pub struct Input {
    pub name: String,
    pub text: String,
    pub format: Format,
}

impl Input {
    pub fn new(name: &str, text: String, format: Format) -> Input {
        Input { name: name.to_string(), text, format }
    }
}

/// `check::check` minus discovery and reading: every file parsed and loaded, every application
/// analysed and judged, diagnostics sorted.
pub fn pipeline(inputs: &[Input]) -> Report {
    let mut files = SourceFiles::default();
    let mut model = FlowModel::default();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    for input in inputs {
        let id =
            files.add(SourceFile::new(input.name.clone().into(), input.name.clone(), input.text.clone()));
        let file = files.get(id);
        match document::parse(id, &file.text, input.format) {
            Ok(docs) => load::load_documents(file, id, &docs, &mut model, &mut diagnostics),
            Err(e) => {
                let offset = e
                    .offset
                    .or_else(|| {
                        let (line, column) = e.line_col?;
                        let start = file.line_start(line)?;
                        let rest = file.text.get(start..).unwrap_or("");
                        Some(
                            start
                                + rest
                                    .chars()
                                    .take(column.saturating_sub(1))
                                    .map(char::len_utf8)
                                    .sum::<usize>(),
                        )
                    })
                    .unwrap_or(0)
                    .min(file.text.len());
                diagnostics.push(syntax_error::diagnostic(
                    Span::new(id, offset, offset),
                    "invalid",
                    &e.message,
                ));
            }
        }
    }
    let catalogue = Catalogue::builtin();
    let ctx = Context { files: &files, model: &model, catalogue: &catalogue };
    for app in &model.applications {
        match analysis::analyze_app(app) {
            Ok(result) => diagnostics.extend(rules::check_application(&ctx, app, &result)),
            Err(e) => {
                let span = app.script.as_ref().map_or(app.name.span, |s| s.host_span(&files, e.offset, e.end));
                if e.too_deep {
                    diagnostics.push(analysis_incomplete::too_deep(app, span, &e.message));
                } else {
                    diagnostics.push(syntax_error::diagnostic(span, "script", &e.message));
                }
            }
        }
    }
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Report {
        applications: model.applications.len(),
        identity_providers: model.identity_providers.len(),
        model,
        files,
        diagnostics,
        timings: Vec::new(),
    }
}

fn assert_span(report: &Report, span: Span, what: &str, d: &Diagnostic) {
    assert!(
        (span.file.0 as usize) < report.files.len(),
        "{what} of a {} diagnostic names file {} of {}",
        d.rule,
        span.file.0,
        report.files.len()
    );
    let len = report.files.get(span.file).text.len();
    assert!(
        span.start <= span.end && span.end <= len,
        "{what} of a {} diagnostic ({}) is {}..{}, past the end of its file ({len} bytes)",
        d.rule,
        d.message,
        span.start,
        span.end
    );
}

/// What every report must satisfy: spans inside their files, fix edits on character boundaries
/// (applying them must not panic), both renderers working, and the same output twice.
pub fn check_report(report: &Report, again: &Report) {
    for d in &report.diagnostics {
        assert_span(report, d.span, "the span", d);
        for l in &d.related {
            assert_span(report, l.span, "a related label", d);
        }
        for f in &d.fixes {
            for e in &f.edits {
                assert_span(report, e.span, "a fix edit", d);
                let text = &report.files.get(e.span.file).text;
                assert!(
                    text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end),
                    "a fix edit of a {} diagnostic splits a character",
                    d.rule
                );
            }
        }
    }
    let first = json::render(report);
    let _ = human::render(report, human::Color::Never);
    assert_eq!(first, json::render(again), "two runs on the same input differ");
}

/// Runs the pipeline twice (determinism) and checks the report.
pub fn run_and_check(inputs: Vec<Input>) {
    on_big_stack(move || {
        let report = pipeline(&inputs);
        let again = pipeline(&inputs);
        check_report(&report, &again);
    });
}

type Job = Box<dyn FnOnce() + Send>;

struct Worker {
    jobs: mpsc::Sender<Job>,
    done: mpsc::Receiver<()>,
}

/// Runs `job` on a long-lived worker thread with `authlint`'s stack. A panic there aborts the
/// process (libfuzzer-sys's panic hook), which libFuzzer reports as a crash.
pub fn on_big_stack(job: impl FnOnce() + Send + 'static) {
    static WORKER: OnceLock<Mutex<Worker>> = OnceLock::new();
    let worker = WORKER.get_or_init(|| {
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (done_tx, done) = mpsc::channel();
        std::thread::Builder::new()
            .name("authlint".into())
            .stack_size(STACK_SIZE)
            .spawn(move || {
                for job in job_rx {
                    job();
                    let _ = done_tx.send(());
                }
            })
            .expect("spawn the worker thread");
        Mutex::new(Worker { jobs, done })
    });
    let worker = worker.lock().unwrap_or_else(|e| e.into_inner());
    worker.jobs.send(Box::new(job)).expect("worker alive");
    worker.done.recv().expect("worker finished the job");
}
