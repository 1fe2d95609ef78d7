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
use crate::model::{Definitions, FlowModel};
use crate::rules::{self, Context, analysis_incomplete, duplicate_definition, io_error, syntax_error};
use crate::tenants::{self, TenantId, Tenants};
use rayon::prelude::*;

use crate::source::{FileId, SourceFile, SourceFiles, Span};
use crate::suppress;

/// Everything one run found.
pub struct Report {
    pub files: SourceFiles,
    pub diagnostics: Vec<Diagnostic>,
    pub applications: usize,
    pub identity_providers: usize,
    /// The tenants of the run; each file says which it belongs to.
    pub tenants: Tenants,
    /// What was loaded. Kept with the report so that it is freed (or, by the command line, not
    /// freed at all) with everything else, after the output is written.
    pub model: FlowModel,
    /// Wall time of each stage, in order (printed by the hidden `--timings` flag).
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == crate::diagnostic::Severity::Error).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == crate::diagnostic::Severity::Warning).count()
    }

    /// The tenant of a diagnostic (of the file it points at): `None` for files under no root.
    pub fn tenant_of(&self, d: &Diagnostic) -> Option<&str> {
        self.files.try_get(d.span.file).and_then(|f| self.tenants.name(f.tenant))
    }

    /// Counts per tenant, for the tenants that hold at least one file, in tenant order.
    pub fn tenant_summaries(&self) -> Vec<TenantSummary<'_>> {
        let mut out: Vec<TenantSummary> = self
            .tenants
            .ids()
            .map(|id| TenantSummary {
                name: self.tenants.name(id),
                files: 0,
                applications: self.model.applications.iter().filter(|a| a.tenant == id).count(),
                identity_providers: self.model.identity_providers(id).count(),
                errors: 0,
                warnings: 0,
            })
            .collect();
        for index in 0..self.files.len() {
            let tenant = self.files.get(FileId(index as u32)).tenant;
            if let Some(t) = out.get_mut(tenant.0 as usize) {
                t.files += 1;
            }
        }
        for d in &self.diagnostics {
            let tenant = self.files.try_get(d.span.file).map_or(tenants::LOOSE, |f| f.tenant);
            if let Some(t) = out.get_mut(tenant.0 as usize) {
                match d.severity {
                    Severity::Error => t.errors += 1,
                    Severity::Warning => t.warnings += 1,
                    Severity::Note => {}
                }
            }
        }
        out.retain(|t| t.files > 0);
        out
    }
}

/// What one tenant of a run holds and what was found in it.
#[derive(Debug, serde::Serialize)]
pub struct TenantSummary<'a> {
    /// The tenant root as shown; `None` for files under no tenant root.
    pub name: Option<&'a str>,
    pub files: usize,
    pub applications: usize,
    pub identity_providers: usize,
    pub errors: usize,
    pub warnings: usize,
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
    let mut timings = Timings::start();
    // Discovery, reading and parsing files, and analysing applications run on all cores; their
    // results are put back in input order, so the output does not depend on scheduling.
    let pool = crate::workers::pool();
    let discovered = pool.install(|| discover::discover(&options.paths))?;
    timings.lap("discover");
    let mut files = SourceFiles::default();
    let mut model = FlowModel::default();
    let mut diagnostics = Vec::new();
    let config = &options.config;
    // Custom MFA authenticators from the config file join the catalogue.
    let mut catalogue = catalogue.clone();
    catalogue.add_custom(&config.authenticators);
    let catalogue = &catalogue;

    for problem in discovered.problems {
        let id = files.add(SourceFile::new(PathBuf::from(&problem.display), problem.display, String::new()));
        diagnostics.push(io_error::diagnostic(Span::new(id, 0, 0), problem.message));
    }
    let mut inputs: Vec<(Input, Option<String>)> = Vec::with_capacity(discovered.inputs.len() + 1);
    if let Some((name, text)) = &options.stdin {
        inputs.push((Input { display: name.clone(), path: PathBuf::from(name) }, Some(text.clone())));
    }
    for input in discovered.inputs.into_iter().filter(|i| !config.excludes(&i.path)) {
        let text = options.overlay.get(&input.path).cloned();
        inputs.push((input, text));
    }
    let (tenants, tenant_of) = {
        let paths: Vec<&std::path::Path> = inputs.iter().map(|(input, _)| input.path.as_path()).collect();
        tenants::assign(&paths, config)
    };
    timings.lap("discover");
    // Each worker reads, parses and loads its file and drops the parsed tree at once; only the
    // text and what was loaded from it come back, in input order.
    let base = files.len();
    let loaded: Vec<LoadedFile> = pool.install(|| {
        inputs
            .into_par_iter()
            .zip(tenant_of)
            .enumerate()
            .map(|(i, ((input, text), tenant))| {
                load_file(input, FileId((base + i) as u32), tenant, text, config.max_file_size)
            })
            .collect()
    });
    timings.lap("read, parse and load files");
    // Sized once: growing vectors of 10,000 entries one doubling at a time costs page faults.
    files.reserve(loaded.len());
    model.applications.reserve(loaded.iter().map(|f| f.definitions.applications.len()).sum());
    diagnostics.reserve(loaded.iter().map(|f| f.diagnostics.len()).sum());
    for file in loaded {
        let tenant = file.source.tenant;
        files.add(file.source);
        let duplicates = model.add(file.definitions, tenant);
        diagnostics.extend(duplicates.iter().map(|d| duplicate_definition::diagnostic(d, &tenants, tenant)));
        diagnostics.extend(file.diagnostics);
    }
    timings.lap("merge the flow model");

    if options.parse_only {
        pool.install(|| {
            model.applications.par_iter().filter_map(|a| a.script.as_ref()).for_each(|s| {
                // Parsed and dropped: only the cost is wanted.
                let _ = crate::script::on_parse_stack(&s.text, || crate::script::parse(&s.text).is_ok());
            })
        });
        timings.lap("parse scripts");
        return Ok(Report {
            applications: model.applications.len(),
            identity_providers: model.identity_provider_count(),
            tenants,
            model,
            files,
            diagnostics,
            timings: timings.laps,
        });
    }
    let ctx = Context { files: &files, model: &model, catalogue, tenants: &tenants };
    let per_app: Vec<Vec<Diagnostic>> =
        pool.install(|| model.applications.par_iter().map(|app| check_application(&ctx, app)).collect());
    diagnostics.extend(per_app.into_iter().flatten());
    timings.lap("analyse applications and run rules");

    configure_and_suppress(config, &files, &model, &mut diagnostics);
    if let Some(path) = &options.baseline {
        let mut stale = baseline::apply(path, &mut files, &mut diagnostics).map_err(|e| vec![e])?;
        configure(config, &mut stale);
        diagnostics.extend(stale);
    }
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    timings.lap("suppressions, baseline, sort");
    Ok(Report {
        applications: model.applications.len(),
        identity_providers: model.identity_provider_count(),
        tenants,
        model,
        files,
        diagnostics,
        timings: timings.laps,
    })
}

/// The config decides severities (and which rules are off); suppressions then remove what the
/// user chose not to see, and report the ones that silence nothing.
pub(crate) fn configure_and_suppress(
    config: &Config,
    files: &SourceFiles,
    model: &FlowModel,
    diagnostics: &mut Vec<Diagnostic>,
) {
    configure(config, diagnostics);
    let mut suppressions = crate::workers::pool().install(|| suppress::collect(files, model));
    let mut unused = suppress::apply(diagnostics, &mut suppressions, |rule| {
        config.severity(rule, Severity::Warning).is_some()
    });
    configure(config, &mut unused);
    diagnostics.extend(unused);
}

/// Applies the config's severities, dropping the findings of rules turned off.
fn configure(config: &Config, diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.retain_mut(|d| match config.severity(d.rule, d.severity) {
        Some(severity) => {
            d.severity = severity;
            true
        }
        None => false,
    })
}

/// Wall time per stage; a stage that runs several times (once per chunk) adds up.
pub struct Timings {
    last: std::time::Instant,
    pub laps: Vec<(&'static str, std::time::Duration)>,
}

impl Timings {
    pub fn start() -> Timings {
        Timings { last: std::time::Instant::now(), laps: Vec::new() }
    }

    pub fn lap(&mut self, stage: &'static str) {
        let now = std::time::Instant::now();
        let spent = now - self.last;
        self.last = now;
        match self.laps.iter_mut().find(|(name, _)| *name == stage) {
            Some((_, total)) => *total += spent,
            None => self.laps.push((stage, spent)),
        }
    }
}

/// Analyses one application and runs the rules on it.
pub(crate) fn check_application(ctx: &Context, app: &crate::model::Application) -> Vec<Diagnostic> {
    match analysis::analyze_app(app) {
        Ok(result) => rules::check_application(ctx, app, &result),
        Err(e) => {
            let span = app.script.as_ref().map_or(app.name.span, |s| s.host_span(ctx.files, e.offset, e.end));
            if e.too_deep {
                vec![analysis_incomplete::too_deep(app, span, &e.message)]
            } else {
                let what = format!("the script of `{}` is not valid JavaScript", app.name.value);
                vec![syntax_error::diagnostic(span, &what, &e.message).with_app(&app.name.value)]
            }
        }
    }
}

/// One file read, parsed and loaded (in parallel), ready to join the run.
pub(crate) struct LoadedFile {
    pub source: SourceFile,
    /// What the file defines.
    pub definitions: Definitions,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads (unless `text` is given), parses and loads one file, as file `id`; failures become
/// diagnostics.
pub(crate) fn load_file(
    input: Input,
    id: FileId,
    tenant: TenantId,
    text: Option<String>,
    max_size: u64,
) -> LoadedFile {
    let mut model = Definitions::default();
    let mut diagnostics = Vec::new();
    let text = match text {
        // An editor's unsaved buffer (or standard input) obeys the same limit as a file.
        Some(t) if t.len() as u64 > max_size => {
            let message =
                format!("the text is {} bytes, over the limit of `max-file-size`: skipped", t.len());
            Err((String::new(), io_error::diagnostic(Span::new(id, 0, 0), message)))
        }
        Some(t) => Ok(t),
        None => read_text(&input.path, id, max_size),
    };
    let text = match text {
        Ok(text) => text,
        Err((text, diagnostic)) => {
            let mut source = SourceFile::new(input.path, input.display, text);
            source.tenant = tenant;
            diagnostics.push(diagnostic);
            return LoadedFile { source, definitions: model, diagnostics };
        }
    };
    let mut source = SourceFile::new(input.path, input.display, text);
    source.tenant = tenant;
    let extension = |x: &str| source.path.extension().is_some_and(|e| e.eq_ignore_ascii_case(x));
    if extension("xml") {
        load::xml::load_xml(&source, id, &mut model, &mut diagnostics);
        return LoadedFile { source, definitions: model, diagnostics };
    }
    let json = extension("json");
    match document::parse(id, &source.text, if json { Format::Json } else { Format::Yaml }) {
        Ok(docs) => load::load_documents(&source, id, &docs, &mut model, &mut diagnostics),
        Err(e) => {
            let offset = e.offset.or_else(|| {
                let (line, column) = e.line_col?;
                let start = source.line_start(line)?;
                let line_text = source.text.get(start..).unwrap_or("");
                if json {
                    // serde_json counts columns in bytes.
                    let mut at = (start + column.saturating_sub(1)).min(source.text.len());
                    while !source.text.is_char_boundary(at) {
                        at -= 1;
                    }
                    return Some(at);
                }
                Some(
                    start
                        + line_text.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum::<usize>(),
                )
            });
            let offset = offset.unwrap_or(0).min(source.text.len());
            let what = if json { "invalid JSON" } else { "invalid YAML" };
            diagnostics.push(syntax_error::diagnostic(Span::new(id, offset, offset), what, &e.message));
        }
    }
    LoadedFile { source, definitions: model, diagnostics }
}

/// The text of file `id`, or the text to show for it (empty, or the lossy text of a file that
/// is not UTF-8) and why it cannot be checked.
fn read_text(path: &std::path::Path, id: FileId, max_size: u64) -> Result<String, (String, Diagnostic)> {
    use std::io::Read;
    let at_start = Span::new(id, 0, 0);
    let unreadable = |e: std::io::Error| {
        (String::new(), io_error::diagnostic(at_start, format!("cannot read the file: {e}")))
    };
    // One open and one fstat per file: on a tenant of 10,000 files the system calls are a fair
    // share of the run.
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > max_size {
        let message = format!("the file is {size} bytes, over the limit of `max-file-size`: skipped");
        return Err((String::new(), io_error::diagnostic(at_start, message)));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    // A file that grew since the fstat is still read to its end, within the limit.
    file.by_ref().take(max_size.saturating_add(1)).read_to_end(&mut bytes).map_err(unreadable)?;
    if bytes.len() as u64 > max_size {
        let message = format!("the file is over {max_size} bytes, the limit of `max-file-size`: skipped");
        return Err((String::new(), io_error::diagnostic(at_start, message)));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        (text, io_error::diagnostic(Span::new(id, at, at), "the file is not UTF-8 text".into()))
    })
}
