//! The language server's view of a workspace: the files on disk with the editor's open buffers
//! over them, and the findings of the same pipeline as `authlint check`, kept up to date one
//! edit at a time.
//!
//! Every file keeps the [`FileId`] it was first given, so the findings of an application that
//! no edit touched stay valid and are not recomputed. After an edit the flow model is rebuilt
//! from what each file defines (cheap: no file is read or parsed again but the edited ones),
//! and an application is analysed again only when something it depends on changed: its own
//! file, the files of the IdPs its steps name, or (for a name no IdP of its tenant has) the
//! IdP names of the workspace. The findings then go through the config and the suppressions
//! exactly as in `authlint check`.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::catalogue::Catalogue;
use crate::check::{self, LoadedFile};
use crate::config::{self, Config};
use crate::diagnostic::Diagnostic;
use crate::discover::{self, Input};
use crate::model::{Application, Definitions, FlowModel};
use crate::rules::{self, duplicate_definition, syntax_error};
use crate::source::{FileId, SourceFile, SourceFiles, Span};
use crate::tenants::{self, TenantId, Tenants};

/// One file the workspace knows, by its [`FileId`].
struct Slot {
    /// The path as the pipeline sees it: relative to the workspace root when under it.
    path: PathBuf,
    /// False once the file is deleted (and not open): it defines nothing.
    present: bool,
    /// Changes whenever the file's text does.
    generation: u64,
    definitions: Definitions,
    /// What reading and parsing the file reported.
    load_diagnostics: Vec<Diagnostic>,
    /// The open buffer does not parse: `definitions` holds the IdPs of its last text that did,
    /// and this is that text, which the analysis reads in its place (see [`Workspace::reload`]).
    last_good: Option<SourceFile>,
}

/// The findings of one application and what they were computed from.
struct Cached {
    fingerprint: u64,
    diagnostics: Vec<Diagnostic>,
}

pub struct Workspace {
    /// The workspace folder (absolute); the process runs in it, so that paths, tenant names and
    /// the config file are found as `authlint check` run there finds them.
    root: PathBuf,
    /// Whether the folder is walked for files (see [`Workspace::load`]).
    walk: bool,
    config: Config,
    /// Why `.authlint.yaml` could not be used (the defaults are used meanwhile).
    pub config_error: Option<String>,
    catalogue: Catalogue,
    pub files: SourceFiles,
    slots: Vec<Slot>,
    by_path: HashMap<PathBuf, FileId>,
    /// The text of each open document, which overrides the file on disk.
    open: HashMap<PathBuf, String>,
    tenants: Tenants,
    pub model: FlowModel,
    cache: HashMap<(FileId, usize), Cached>,
    /// Files whose text must be read again (or taken from their buffer) before the next check.
    stale: BTreeSet<FileId>,
    /// A file appeared or went away: tenants are assigned again.
    paths_changed: bool,
    next_generation: u64,
    /// The current findings, sorted as in `authlint check`.
    pub diagnostics: Vec<Diagnostic>,
    /// How many applications the last refresh analysed (the others kept their findings).
    pub last_analysed: usize,
}

impl Workspace {
    /// Loads every file under `root` (an absolute directory) with its `.authlint.yaml`.
    /// Without `walk`, only open documents are checked (a client that names no folder, or one
    /// that does not exist: the server must not read whatever directory it was started in).
    pub fn load(root: PathBuf, catalogue: &Catalogue, walk: bool) -> Workspace {
        let mut ws = Workspace {
            root,
            walk,
            config: Config::default(),
            config_error: None,
            catalogue: catalogue.clone(),
            files: SourceFiles::default(),
            slots: Vec::new(),
            by_path: HashMap::new(),
            open: HashMap::new(),
            tenants: Tenants::default(),
            model: FlowModel::default(),
            cache: HashMap::new(),
            stale: BTreeSet::new(),
            paths_changed: true,
            next_generation: 0,
            diagnostics: Vec::new(),
            last_analysed: 0,
        };
        ws.reload_config();
        ws.rediscover();
        ws
    }

    /// The workspace folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Makes the folder the process's current directory. The pipeline reads paths relative to
    /// it (as `authlint check` run there does: the tenant names, exclusions and paths shown
    /// depend on it), and a session may have several folders: each operation that reads the
    /// file system enters its folder first. The server handles one message at a time, so no
    /// other folder's work runs meanwhile.
    fn enter(&self) {
        if !self.walk {
            return;
        }
        if let Err(e) = std::env::set_current_dir(&self.root) {
            eprintln!("authlint server: cannot change to the workspace folder {}: {e}", self.root.display());
        }
    }

    /// Reads `.authlint.yaml` again (after it changed) and checks everything again.
    pub fn reload_config(&mut self) {
        self.enter();
        self.config_error = None;
        self.config = match Config::discover(&self.root, None) {
            Ok(config) => config,
            Err(e) => {
                self.config_error = Some(e);
                Config::default()
            }
        };
        let mut catalogue = Catalogue::builtin();
        catalogue.add_custom(&self.config.authenticators);
        self.catalogue = catalogue;
        self.cache.clear();
        self.stale.extend((0..self.slots.len()).map(|i| FileId(i as u32)));
        self.paths_changed = true;
    }

    /// Walks the workspace again: files that appeared join, files that went away leave.
    /// Open documents count whether or not they are on disk, unless the config excludes them.
    pub fn rediscover(&mut self) {
        self.enter();
        let mut wanted: BTreeSet<PathBuf> =
            if self.walk { self.walk_files(Path::new(".")) } else { BTreeSet::new() };
        wanted.extend(self.open.keys().filter(|p| self.wants(p)).cloned());
        for (index, slot) in self.slots.iter_mut().enumerate() {
            let keep = wanted.contains(&slot.path);
            if slot.present != keep {
                slot.present = keep;
                self.paths_changed = true;
            }
            self.stale.insert(FileId(index as u32));
        }
        for path in wanted {
            self.file_id(&path);
        }
    }

    /// The files under `dir` that the workspace reads, as a walk finds them.
    fn walk_files(&self, dir: &Path) -> BTreeSet<PathBuf> {
        let found = crate::workers::pool().install(|| discover::discover(&[dir.to_path_buf()]));
        let inputs = match found {
            Ok(found) => found.inputs,
            Err(missing) => {
                eprintln!("authlint server: {}", missing.join("; "));
                Vec::new()
            }
        };
        inputs.into_iter().map(|i| relative(&i.path)).filter(|p| self.wants(p)).collect()
    }

    /// The path the pipeline uses for `path` (absolute, from the editor).
    pub fn pipeline_path(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.root) {
            Ok(rel) => rel.to_path_buf(),
            Err(_) => path.to_path_buf(),
        }
    }

    /// The absolute path of a pipeline path.
    pub fn absolute(&self, path: &Path) -> PathBuf {
        self.root.join(path)
    }

    pub fn is_config_file(&self, path: &Path) -> bool {
        path.file_name().is_some_and(|n| n == config::FILE_NAME)
    }

    /// Whether authlint reads the file at `path` (a pipeline path).
    pub fn wants(&self, path: &Path) -> bool {
        discover::is_wanted(path) && !self.config.excludes(path)
    }

    /// The id of `path`, given one now if the file is new to the workspace.
    fn file_id(&mut self, path: &Path) -> FileId {
        if let Some(&id) = self.by_path.get(path) {
            if !self.slots[id.0 as usize].present {
                self.slots[id.0 as usize].present = true;
                self.paths_changed = true;
            }
            return id;
        }
        let id = self.files.add(SourceFile::new(path.to_path_buf(), display(path), String::new()));
        self.slots.push(Slot {
            path: path.to_path_buf(),
            present: true,
            generation: 0,
            definitions: Definitions::default(),
            load_diagnostics: Vec::new(),
            last_good: None,
        });
        self.by_path.insert(path.to_path_buf(), id);
        self.stale.insert(id);
        self.paths_changed = true;
        id
    }

    /// The file `id` of a pipeline path, if the workspace knows it and it is present.
    pub fn lookup(&self, path: &Path) -> Option<FileId> {
        self.by_path.get(path).copied().filter(|id| self.slots[id.0 as usize].present)
    }

    pub fn path_of(&self, id: FileId) -> Option<&Path> {
        self.slots.get(id.0 as usize).map(|s| s.path.as_path())
    }

    /// An editor opened or changed a document: its text replaces the file's.
    pub fn set_buffer(&mut self, path: &Path, text: String) {
        self.enter();
        // Opening a document whose text is the file's changes nothing.
        let unchanged = self.lookup(path).is_some_and(|id| {
            self.files.get(id).text == text && self.slots[id.0 as usize].last_good.is_none()
        });
        // Kept even when the config excludes the file: a later config may not.
        self.open.insert(path.to_path_buf(), text);
        if self.wants(path) && !unchanged {
            let id = self.file_id(path);
            self.stale.insert(id);
        }
    }

    /// An editor closed a document: the file on disk counts again (if it is still there).
    pub fn close_buffer(&mut self, path: &Path) {
        if self.open.remove(path).is_some() {
            self.disk_changed(path);
        }
    }

    pub fn is_open(&self, path: &Path) -> bool {
        self.open.contains_key(path)
    }

    /// A file was created, changed or deleted on disk. An open document keeps its buffer.
    pub fn disk_changed(&mut self, path: &Path) {
        self.enter();
        if self.open.contains_key(path) {
            return;
        }
        if self.wants(path) {
            if path.is_file() {
                let id = self.file_id(path);
                self.stale.insert(id);
            } else if let Some(id) = self.lookup(path) {
                self.gone(id);
            }
            return;
        }
        // Editors report a directory created, deleted or renamed as one event for the directory.
        let maybe_directory = path.is_dir() || path.extension().is_none();
        if !self.walk || !maybe_directory {
            return;
        }
        if path.is_dir() {
            for file in self.walk_files(path) {
                if !self.open.contains_key(&file) {
                    let id = self.file_id(&file);
                    self.stale.insert(id);
                }
            }
        }
        let under: Vec<FileId> = (0..self.slots.len())
            .map(|i| FileId(i as u32))
            .filter(|id| {
                let slot = &self.slots[id.0 as usize];
                slot.present && slot.path.starts_with(path) && !self.open.contains_key(&slot.path)
            })
            .collect();
        for id in under {
            if !self.slots[id.0 as usize].path.is_file() {
                self.gone(id);
            }
        }
    }

    /// File `id` is no longer on disk.
    fn gone(&mut self, id: FileId) {
        self.slots[id.0 as usize].present = false;
        self.stale.insert(id);
        self.paths_changed = true;
    }

    /// The files (not open) that the fixes of the findings in file `id` would edit and whose
    /// text on disk is no longer the text they were computed on: a client without file watchers
    /// does not say when another program changed them, and an edit computed on old text
    /// corrupts the file.
    pub fn changed_on_disk_under_fixes(&self, id: FileId) -> Vec<PathBuf> {
        let mut files: BTreeSet<FileId> = BTreeSet::from([id]);
        for d in self.diagnostics_in(id) {
            files.extend(d.fixes.iter().flat_map(|f| f.edits.iter().map(|e| e.span.file)));
        }
        files
            .into_iter()
            .filter_map(|file| {
                let path = &self.slots.get(file.0 as usize)?.path;
                if self.open.contains_key(path) {
                    return None;
                }
                let on_disk = std::fs::read(self.absolute(path)).ok();
                (on_disk.as_deref() != Some(self.files.get(file).text.as_bytes())).then(|| path.clone())
            })
            .collect()
    }

    /// Whether an edit waits to be checked.
    pub fn is_stale(&self) -> bool {
        !self.stale.is_empty() || self.paths_changed
    }

    /// Reads what changed and checks again what it can affect; `diagnostics` then holds every
    /// finding of the workspace.
    pub fn refresh(&mut self) {
        self.enter();
        let stale: Vec<FileId> = std::mem::take(&mut self.stale).into_iter().collect();
        self.reload(&stale);
        if std::mem::take(&mut self.paths_changed) {
            self.assign_tenants();
        }
        // The model, rebuilt in path order (the order of `authlint check`): duplicates are
        // judged between files, so they are found again each time.
        let mut order: Vec<FileId> = (0..self.slots.len())
            .map(|i| FileId(i as u32))
            .filter(|id| self.slots[id.0 as usize].present)
            .collect();
        order.sort_by(|a, b| self.slots[a.0 as usize].path.cmp(&self.slots[b.0 as usize].path));
        let mut model = FlowModel::default();
        let mut diagnostics = Vec::new();
        let mut app_keys = Vec::new();
        for &id in &order {
            let slot = &self.slots[id.0 as usize];
            let tenant = self.files.get(id).tenant;
            app_keys.extend((0..slot.definitions.applications.len()).map(|i| (id, i)));
            let duplicates = model.add(slot.definitions.clone(), tenant);
            diagnostics.extend(
                duplicates.iter().map(|d| duplicate_definition::diagnostic(d, &self.tenants, tenant)),
            );
            diagnostics.extend(slot.load_diagnostics.iter().cloned());
        }
        self.model = model;
        // The analysis reads the last good text of a buffer that does not parse, with the IdPs
        // loaded from it; the findings are then shown on the buffer as it is.
        self.swap_last_good();
        self.analyse(&app_keys, &mut diagnostics);
        self.swap_last_good();
        // Positions in that text would point at the wrong places in the buffer: what points
        // there goes (the buffer's own syntax error stays), and so do edits there.
        let stale_text =
            |file: FileId| self.slots.get(file.0 as usize).is_some_and(|s| s.last_good.is_some());
        if self.slots.iter().any(|s| s.last_good.is_some()) {
            let from_the_buffer = |d: &Diagnostic| {
                self.slots[d.span.file.0 as usize]
                    .load_diagnostics
                    .iter()
                    .any(|l| l.span == d.span && l.rule == d.rule)
            };
            diagnostics.retain(|d| !stale_text(d.span.file) || from_the_buffer(d));
            for d in &mut diagnostics {
                d.fixes.retain(|f| !f.edits.iter().any(|e| stale_text(e.span.file)));
                d.related.retain(|l| !stale_text(l.span.file));
                for span in &mut d.trace_spans {
                    if span.is_some_and(|s| stale_text(s.file)) {
                        *span = None;
                    }
                }
            }
        }
        check::configure_and_suppress(&self.config, &self.files, &self.model, &mut diagnostics);
        diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.diagnostics = diagnostics;
    }

    /// Exchanges the text of each buffer that does not parse with its last good text.
    fn swap_last_good(&mut self) {
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if let Some(mut good) = slot.last_good.take() {
                let id = FileId(index as u32);
                good.tenant = self.files.get(id).tenant;
                slot.last_good = self.files.replace(id, good);
            }
        }
    }

    /// Reads and parses the files `ids` again (from their buffer when open).
    fn reload(&mut self, ids: &[FileId]) {
        let max_size = self.config.max_file_size;
        let jobs: Vec<(FileId, PathBuf, Option<String>, bool)> = ids
            .iter()
            .map(|&id| {
                let slot = &self.slots[id.0 as usize];
                (id, slot.path.clone(), self.open.get(&slot.path).cloned(), slot.present)
            })
            .collect();
        let tenants: Vec<TenantId> = jobs.iter().map(|(id, ..)| self.files.get(*id).tenant).collect();
        let loaded: Vec<Option<LoadedFile>> = crate::workers::pool().install(|| {
            jobs.into_par_iter()
                .zip(tenants)
                .map(|((id, path, text, present), tenant)| {
                    present.then(|| {
                        load_guarded(Input { display: display(&path), path }, id, tenant, text, max_size)
                    })
                })
                .collect()
        });
        let reloaded: std::collections::HashSet<FileId> = ids.iter().copied().collect();
        self.cache.retain(|(file, _), _| !reloaded.contains(file));
        for (&id, loaded) in ids.iter().zip(loaded) {
            self.next_generation += 1;
            let slot = &mut self.slots[id.0 as usize];
            slot.generation = self.next_generation;
            match loaded {
                // An IdP file being typed into is often not YAML for a moment: its last IdPs that
                // parsed stay, or every application using them would flip to `unknown-idp` and
                // back at each keystroke. Its applications go (their findings would point into
                // text that is gone), and so do fixes that would edit it (see `refresh`).
                Some(file)
                    if self.open.contains_key(&slot.path)
                        && file.diagnostics.iter().any(|d| d.rule == syntax_error::ID)
                        && !slot.definitions.identity_providers.is_empty() =>
                {
                    slot.definitions.applications.clear();
                    slot.load_diagnostics = file.diagnostics;
                    let good = self.files.replace(id, file.source);
                    if slot.last_good.is_none() {
                        slot.last_good = good;
                    }
                }
                Some(file) => {
                    slot.definitions = file.definitions;
                    slot.load_diagnostics = file.diagnostics;
                    slot.last_good = None;
                    self.files.replace(id, file.source);
                }
                None => {
                    slot.definitions = Definitions::default();
                    slot.load_diagnostics = Vec::new();
                    slot.last_good = None;
                    let tenant = self.files.get(id).tenant;
                    let mut empty = SourceFile::new(slot.path.clone(), display(&slot.path), String::new());
                    empty.tenant = tenant;
                    self.files.replace(id, empty);
                }
            }
        }
    }

    /// Assigns every present file to its tenant; when any file moves to another tenant, every
    /// application is checked again.
    fn assign_tenants(&mut self) {
        let present: Vec<FileId> = (0..self.slots.len())
            .map(|i| FileId(i as u32))
            .filter(|id| self.slots[id.0 as usize].present)
            .collect();
        let paths: Vec<&Path> = present.iter().map(|id| self.slots[id.0 as usize].path.as_path()).collect();
        let (tenants, tenant_of) = tenants::assign(&paths, &self.config);
        let mut moved = tenants.len() != self.tenants.len();
        for (id, tenant) in present.iter().zip(tenant_of) {
            if let Some(file) = self.files.get_mut(*id) {
                moved |= file.tenant != tenant;
                file.tenant = tenant;
            }
        }
        self.tenants = tenants;
        if moved {
            self.cache.clear();
        }
    }

    /// Runs the analysis and the rules on the applications whose inputs changed; the others
    /// keep their findings. `keys` names the model's applications in order.
    fn analyse(&mut self, keys: &[(FileId, usize)], diagnostics: &mut Vec<Diagnostic>) {
        let idp_names = self.idp_names_fingerprint();
        let fingerprints: Vec<u64> =
            self.model.applications.iter().map(|app| self.fingerprint(app, idp_names)).collect();
        let todo: Vec<usize> = (0..keys.len())
            .filter(|&i| self.cache.get(&keys[i]).is_none_or(|c| c.fingerprint != fingerprints[i]))
            .collect();
        let ctx = rules::Context {
            files: &self.files,
            model: &self.model,
            catalogue: &self.catalogue,
            tenants: &self.tenants,
        };
        let apps = &self.model.applications;
        let fresh: Vec<Vec<Diagnostic>> = crate::workers::pool()
            .install(|| todo.par_iter().map(|&i| check_guarded(&ctx, &apps[i])).collect());
        self.last_analysed = todo.len();
        for (i, found) in todo.into_iter().zip(fresh) {
            self.cache.insert(keys[i], Cached { fingerprint: fingerprints[i], diagnostics: found });
        }
        // Applications that no longer exist leave the cache.
        let live: std::collections::HashSet<&(FileId, usize)> = keys.iter().collect();
        self.cache.retain(|key, _| live.contains(key));
        for key in keys {
            if let Some(cached) = self.cache.get(key) {
                diagnostics.extend(cached.diagnostics.iter().cloned());
            }
        }
    }

    /// What an application's findings depend on, as one number.
    fn fingerprint(&self, app: &Application, idp_names: u64) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.slots[app.file.0 as usize].generation.hash(&mut h);
        app.tenant.hash(&mut h);
        for option in app.steps.iter().flat_map(|s| &s.options) {
            match self.model.connection(app.tenant, option) {
                Some(crate::model::Connection::Defined(idp)) => {
                    (idp.file, self.slots[idp.file.0 as usize].generation).hash(&mut h)
                }
                // `unknown-idp` names the IdPs of the tenant and where else the name is defined.
                None if !option.is_local() => idp_names.hash(&mut h),
                _ => {}
            }
        }
        h.finish()
    }

    /// Every IdP name of the workspace with its tenant and file.
    fn idp_names_fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for idp in self.model.all_identity_providers() {
            (&idp.name.value, idp.tenant, idp.file).hash(&mut h);
        }
        h.finish()
    }

    /// The findings in file `id`.
    pub fn diagnostics_in(&self, id: FileId) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(move |d| d.span.file == id)
    }
}

/// Reads, parses and loads one file; a panic (a bug in authlint) becomes a finding on the file
/// and a line in the log, so that one file cannot stop the others from being checked.
fn load_guarded(
    input: Input,
    id: FileId,
    tenant: TenantId,
    text: Option<String>,
    max_size: u64,
) -> LoadedFile {
    let shown = input.display.clone();
    let path = input.path.clone();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Lets the tests check that a panic while reading is survived (debug builds only).
        #[cfg(debug_assertions)]
        if text.as_deref().is_some_and(|t| t.contains("authlint-test-panic-on-load")) {
            panic!("a test asked for a panic");
        }
        check::load_file(input, id, tenant, text, max_size)
    }))
    .unwrap_or_else(|_| {
        eprintln!("authlint server: internal error while reading {shown} (see the panic above)");
        let mut source = SourceFile::new(path, shown, String::new());
        source.tenant = tenant;
        let message = "authlint failed while reading this file (an internal error: please report it)";
        LoadedFile {
            source,
            definitions: Definitions::default(),
            diagnostics: vec![crate::rules::io_error::diagnostic(Span::new(id, 0, 0), message.into())],
        }
    })
}

/// Analyses one application; a panic (a bug in authlint) becomes a finding on the application
/// and a line in the log, and the server goes on.
fn check_guarded(ctx: &rules::Context, app: &Application) -> Vec<Diagnostic> {
    #[cfg(debug_assertions)]
    if app.name.value == "authlint-test-panic" {
        // Lets the tests check that a panic while analysing is survived (debug builds only).
        return catch(app, || panic!("a test asked for a panic"));
    }
    catch(app, || check::check_application(ctx, app))
}

fn catch(app: &Application, f: impl FnOnce() -> Vec<Diagnostic>) -> Vec<Diagnostic> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(found) => found,
        Err(_) => {
            eprintln!(
                "authlint server: internal error while analysing `{}` (see the panic above)",
                app.name.value
            );
            let message = format!(
                "authlint failed while analysing `{}` (an internal error: please report it); its findings are missing",
                app.name.value
            );
            vec![Diagnostic::new("analysis-incomplete", app.name.span, message).with_app(&app.name.value)]
        }
    }
}

/// A walked path without its leading `./`.
fn relative(path: &Path) -> PathBuf {
    path.strip_prefix(".").map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
