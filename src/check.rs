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
use crate::source::{SourceFile, SourceFiles, Span};
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
    if let Some((name, text)) = &options.stdin {
        let input = Input { display: name.clone(), path: PathBuf::from(name) };
        load_text(input, text.clone(), &mut files, &mut model, &mut diagnostics);
    }
    for input in discovered.inputs.into_iter().filter(|i| !config.excludes(&i.path)) {
        match options.overlay.get(&input.path) {
            Some(text) => load_text(input, text.clone(), &mut files, &mut model, &mut diagnostics),
            None => read_file(input, &mut files, &mut model, &mut diagnostics),
        }
    }

    let ctx = Context { files: &files, model: &model, catalogue };
    for app in &model.applications {
        match analysis::analyze_app(app) {
            Ok(result) => diagnostics.extend(rules::check_application(&ctx, app, &result)),
            Err(e) => {
                let span = app.script.as_ref().map_or(app.name.span, |s| s.host_span(e.offset, e.end));
                if e.too_deep {
                    diagnostics.push(analysis_incomplete::too_deep(app, span, &e.message));
                } else {
                    let what = format!("the script of `{}` is not valid JavaScript", app.name.value);
                    diagnostics
                        .push(syntax_error::diagnostic(span, &what, &e.message).with_app(&app.name.value));
                }
            }
        }
    }

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

/// Reads, parses and loads one file; every failure becomes a diagnostic on that file.
fn read_file(
    input: Input,
    files: &mut SourceFiles,
    model: &mut FlowModel,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let bytes = match std::fs::read(&input.path) {
        Ok(b) => b,
        Err(e) => {
            let id = files.add(SourceFile::new(input.path, input.display, String::new()));
            diagnostics.push(io_error::diagnostic(Span::new(id, 0, 0), format!("cannot read the file: {e}")));
            return;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let id = files.add(SourceFile::new(input.path, input.display, text));
            diagnostics
                .push(io_error::diagnostic(Span::new(id, at, at), "the file is not UTF-8 text".into()));
            return;
        }
    };
    load_text(input, text, files, model, diagnostics);
}

/// Parses and loads the text of one file (read from disk or from standard input).
fn load_text(
    input: Input,
    text: String,
    files: &mut SourceFiles,
    model: &mut FlowModel,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let extension = |x: &str| input.path.extension().is_some_and(|e| e.eq_ignore_ascii_case(x));
    if extension("xml") {
        let id = files.add(SourceFile::new(input.path, input.display, text));
        load::xml::load_xml(files.get(id), id, model, diagnostics);
        return;
    }
    let is_json = extension("json");
    let format = if is_json { Format::Json } else { Format::Yaml };
    let id = files.add(SourceFile::new(input.path, input.display, text));
    let file = files.get(id);
    match document::parse(id, &file.text, format) {
        Ok(docs) => load::load_documents(file, id, &docs, model, diagnostics),
        Err(e) => {
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
            let what = if is_json { "invalid JSON" } else { "invalid YAML" };
            diagnostics.push(syntax_error::diagnostic(Span::new(id, offset, offset), what, &e.message));
        }
    }
}
