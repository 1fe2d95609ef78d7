//! `authlint check`: the pipeline, stage by stage.
//!
//! discover files -> parse and load them into one flow model -> analyse each application's
//! flow -> run the rules -> sorted diagnostics. Bad input never stops the run: each problem
//! becomes a diagnostic and the other files are still checked.

use std::path::PathBuf;

use crate::analysis;
use crate::baseline;
use crate::catalogue::Catalogue;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::{self, Input};
use crate::document::{self, Format};
use crate::load;
use crate::model::FlowModel;
use crate::rules::{self, Context, analysis_incomplete, io_error, syntax_error};
use rayon::prelude::*;

use crate::source::{FileId, SourceFile, SourceFiles, Span};
use crate::suppress;

/// Everything one run found.
pub struct Report {
    pub files: SourceFiles,
    pub diagnostics: Vec<Diagnostic>,
    pub applications: usize,
    pub identity_providers: usize,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == crate::diagnostic::Severity::Error).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == crate::diagnostic::Severity::Warning).count()
    }
}

/// What one run checks, and how.
#[derive(Default, Clone)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub config: Config,
    /// `check -`: one document read from standard input, with the name to show for it.
    pub stdin: Option<(String, String)>,
    /// `--baseline FILE`: findings recorded there are not reported.
    pub baseline: Option<PathBuf>,
    /// Read files, parse YAML/JSON/XML and scripts, and stop: the floor the benchmark compares
    /// a full check against.
    pub parse_only: bool,
    /// Texts to use instead of what is on disk (for `authlint fix`, which checks its edits
    /// before writing anything).
    pub overlay: std::collections::BTreeMap<PathBuf, String>,
}

/// Checks every file under `paths` with the default settings. The error lists paths that do not
/// exist.
pub fn check(paths: &[PathBuf], catalogue: &Catalogue) -> Result<Report, Vec<String>> {
    let options = Options { paths: paths.to_vec(), ..Options::default() };
    run(&options, catalogue)
}

/// Runs the pipeline. The error says why the run could not be done (missing paths, an unusable
/// baseline): exit status 2.
pub fn run(options: &Options, catalogue: &Catalogue) -> Result<Report, Vec<String>> {
    let discovered = discover::discover(&options.paths)?;
    let mut files = SourceFiles::default();
    let mut model = FlowModel::default();
    let mut diagnostics = Vec::new();
    let config = &options.config;
    // Custom MFA authenticators from the config file join the catalogue.
    let mut catalogue = catalogue.clone();
    catalogue.add_needing_local_account(&config.needs_local_account);
    let catalogue = &catalogue;

    for problem in discovered.problems {
        let id = files.add(SourceFile::new(PathBuf::from(&problem.display), problem.display, String::new()));
        diagnostics.push(io_error::diagnostic(Span::new(id, 0, 0), problem.message));
    }
    // Reading and parsing files, and analysing applications, are independent per item: they
    // run on all cores, and their results are put back in input order, so the output does not
    // depend on scheduling.
    let pool = rayon::ThreadPoolBuilder::new()
        // The parsers and the analysis recurse over the input's nesting (see main.rs).
        .stack_size(STACK_SIZE)
        .build()
        .map_err(|e| vec![format!("cannot start worker threads: {e}")])?;
    let mut inputs: Vec<(Input, Option<String>)> = Vec::new();
    if let Some((name, text)) = &options.stdin {
        inputs.push((Input { display: name.clone(), path: PathBuf::from(name) }, Some(text.clone())));
    }
    for input in discovered.inputs.into_iter().filter(|i| !config.excludes(&i.path)) {
        let text = options.overlay.get(&input.path).cloned();
        inputs.push((input, text));
    }
    // In chunks: the parsed trees of a chunk are dropped once loaded, which bounds memory.
    let mut inputs = inputs.into_iter().peekable();
    while inputs.peek().is_some() {
        let chunk: Vec<(Input, Option<String>)> = inputs.by_ref().take(CHUNK).collect();
        let base = files.len();
        let prepared: Vec<Prepared> = pool.install(|| {
            chunk
                .into_par_iter()
                .enumerate()
                .map(|(i, (input, text))| {
                    prepare(input, FileId((base + i) as u32), text, config.max_file_size)
                })
                .collect()
        });
        for p in prepared {
            load_prepared(p, &mut files, &mut model, &mut diagnostics);
        }
    }

    if options.parse_only {
        pool.install(|| {
            model.applications.par_iter().filter_map(|a| a.script.as_ref()).for_each(|s| {
                // Parsed and dropped: only the cost is wanted.
                let _ = crate::script::parse(&s.text);
            })
        });
        return Ok(Report {
            applications: model.applications.len(),
            identity_providers: model.identity_providers.len(),
            files,
            diagnostics,
        });
    }
    let ctx = Context { files: &files, model: &model, catalogue };
    let per_app: Vec<Vec<Diagnostic>> =
        pool.install(|| model.applications.par_iter().map(|app| check_application(&ctx, app)).collect());
    diagnostics.extend(per_app.into_iter().flatten());

    // The config decides severities (and which rules are off); suppressions and the baseline
    // then remove what the user chose not to see.
    let configure = |diagnostics: &mut Vec<Diagnostic>| {
        diagnostics.retain_mut(|d| match config.severity(d.rule, d.severity) {
            Some(severity) => {
                d.severity = severity;
                true
            }
            None => false,
        })
    };
    configure(&mut diagnostics);
    let mut suppressions = suppress::collect(&files, &model);
    let mut unused = suppress::apply(&mut diagnostics, &mut suppressions, |rule| {
        config.severity(rule, Severity::Warning).is_some()
    });
    configure(&mut unused);
    diagnostics.extend(unused);
    if let Some(path) = &options.baseline {
        let mut stale = baseline::apply(path, &mut files, &mut diagnostics).map_err(|e| vec![e])?;
        configure(&mut stale);
        diagnostics.extend(stale);
    }
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(Report {
        applications: model.applications.len(),
        identity_providers: model.identity_providers.len(),
        files,
        diagnostics,
    })
}

/// Files read and parsed together before their trees are loaded and dropped.
const CHUNK: usize = 256;

/// Stack size of the worker threads (reserved, not committed: untouched pages cost nothing).
const STACK_SIZE: usize = 1 << 30;

/// Analyses one application and runs the rules on it.
fn check_application(ctx: &Context, app: &crate::model::Application) -> Vec<Diagnostic> {
    match analysis::analyze_app(app) {
        Ok(result) => rules::check_application(ctx, app, &result),
        Err(e) => {
            let span = app.script.as_ref().map_or(app.name.span, |s| s.host_span(e.offset, e.end));
            if e.too_deep {
                vec![analysis_incomplete::too_deep(app, span, &e.message)]
            } else {
                let what = format!("the script of `{}` is not valid JavaScript", app.name.value);
                vec![syntax_error::diagnostic(span, &what, &e.message).with_app(&app.name.value)]
            }
        }
    }
}

/// A file read and parsed (in parallel), ready to be loaded into the model.
struct Prepared {
    input: Input,
    text: String,
    outcome: Outcome,
}

enum Outcome {
    Unreadable(String),
    /// Larger than `max-file-size`: its size.
    TooLarge(u64),
    /// Not UTF-8: the byte offset of the first bad byte.
    NotUtf8(usize),
    Xml,
    Parsed {
        json: bool,
        result: Result<Vec<crate::document::Node>, crate::document::ParseError>,
    },
}

/// Reads (unless `text` is given) and parses one file, as file `id`.
fn prepare(input: Input, id: FileId, text: Option<String>, max_size: u64) -> Prepared {
    let text = match text {
        Some(t) => t,
        None if std::fs::metadata(&input.path).is_ok_and(|m| m.len() > max_size) => {
            let size = std::fs::metadata(&input.path).map(|m| m.len()).unwrap_or(0);
            return Prepared { input, text: String::new(), outcome: Outcome::TooLarge(size) };
        }
        None => match std::fs::read(&input.path) {
            Err(e) => {
                return Prepared { input, text: String::new(), outcome: Outcome::Unreadable(e.to_string()) };
            }
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                    return Prepared { input, text, outcome: Outcome::NotUtf8(at) };
                }
            },
        },
    };
    let extension = |x: &str| input.path.extension().is_some_and(|e| e.eq_ignore_ascii_case(x));
    if extension("xml") {
        return Prepared { input, text, outcome: Outcome::Xml };
    }
    let json = extension("json");
    let result = document::parse(id, &text, if json { Format::Json } else { Format::Yaml });
    Prepared { input, text, outcome: Outcome::Parsed { json, result } }
}

/// Adds a prepared file to the run and loads what it holds; failures become diagnostics.
fn load_prepared(
    p: Prepared,
    files: &mut SourceFiles,
    model: &mut FlowModel,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Prepared { input, text, outcome } = p;
    let id = files.add(SourceFile::new(input.path, input.display, text));
    let file = files.get(id);
    match outcome {
        Outcome::TooLarge(size) => diagnostics.push(io_error::diagnostic(
            Span::new(id, 0, 0),
            format!("the file is {size} bytes, over the limit of `max-file-size`: skipped"),
        )),
        Outcome::Unreadable(e) => {
            diagnostics.push(io_error::diagnostic(Span::new(id, 0, 0), format!("cannot read the file: {e}")))
        }
        Outcome::NotUtf8(at) => {
            diagnostics.push(io_error::diagnostic(Span::new(id, at, at), "the file is not UTF-8 text".into()))
        }
        Outcome::Xml => load::xml::load_xml(file, id, model, diagnostics),
        Outcome::Parsed { result: Ok(docs), .. } => load::load_documents(file, id, &docs, model, diagnostics),
        Outcome::Parsed { json, result: Err(e) } => {
            let offset = e.offset.or_else(|| {
                let (line, column) = e.line_col?;
                let start = file.line_start(line)?;
                let line_text = file.text.get(start..).unwrap_or("");
                Some(
                    start
                        + line_text.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum::<usize>(),
                )
            });
            let offset = offset.unwrap_or(0).min(file.text.len());
            let what = if json { "invalid JSON" } else { "invalid YAML" };
            diagnostics.push(syntax_error::diagnostic(Span::new(id, offset, offset), what, &e.message));
        }
    }
}
