//! The workspace folders of a session, each checked as `authlint check` run in it would be (its
//! own `.authlint.yaml`, tenants and findings), and what the client was last told.
//!
//! A file belongs to the outermost folder whose root holds it (a nested folder checks it too,
//! without the IdPs around it: its findings for the file are not shown) and, when no folder
//! holds it, to the first folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types as lsp;

use super::convert::{self, Encoding};
use super::workspace::Workspace;
use crate::catalogue::Catalogue;
use crate::source::FileId;

#[derive(Default)]
pub struct Folders {
    list: Vec<Workspace>,
    /// What the client was last sent, by URI.
    published: HashMap<String, Vec<lsp::Diagnostic>>,
    /// A folder was removed: its findings must be cleared although no folder is stale.
    removed: bool,
}

/// What one check of the folders changed.
pub struct Checked {
    pub publish: Vec<lsp::PublishDiagnosticsParams>,
    pub analysed: usize,
    pub applications: usize,
}

impl Folders {
    /// Adds the folder at `root` (an absolute directory), unless it is there already. A root
    /// that is not a directory is not walked: only the documents opened in it are checked.
    pub fn add(&mut self, root: PathBuf) {
        if !self.list.iter().any(|w| w.root() == root) {
            let walk = root.is_dir();
            self.list.push(Workspace::load(root, &Catalogue::builtin(), walk));
        }
    }

    /// For a client that names no folder: only the documents it opens are checked.
    pub fn add_unwalked(&mut self, root: PathBuf) {
        self.list.push(Workspace::load(root, &Catalogue::builtin(), false));
    }

    /// Removes the folder at `root`; its findings are cleared at the next check.
    pub fn remove(&mut self, root: &Path) {
        let before = self.list.len();
        self.list.retain(|w| w.root() != root);
        self.removed |= self.list.len() != before;
    }

    /// The folder whose findings for `path` (absolute) count: the outermost that holds it
    /// (a nested folder does not see the IdPs of the folder around it), else the first.
    pub fn owner(&self, path: &Path) -> Option<usize> {
        (0..self.list.len())
            .filter(|&i| path.starts_with(self.list[i].root()))
            .min_by_key(|&i| self.list[i].root().components().count())
            .or((!self.list.is_empty()).then_some(0))
    }

    /// Every folder that holds `path` (absolute), or the first.
    pub fn holders(&self, path: &Path) -> Vec<usize> {
        let holding: Vec<usize> =
            (0..self.list.len()).filter(|&i| path.starts_with(self.list[i].root())).collect();
        if holding.is_empty() && !self.list.is_empty() { vec![0] } else { holding }
    }

    pub fn get(&self, index: usize) -> Option<&Workspace> {
        self.list.get(index)
    }

    pub fn get_mut(&mut self, index: usize) -> Option<&mut Workspace> {
        self.list.get_mut(index)
    }

    /// Config errors of the folders, for the log.
    pub fn config_errors(&self) -> Vec<String> {
        self.list.iter().filter_map(|w| w.config_error.clone()).collect()
    }

    /// Checks what changed in every folder; returns the publications for the URIs whose
    /// diagnostics changed (an empty list for those that have none left). `versions` gives the
    /// version of each open document (by absolute path).
    pub fn check(&mut self, encoding: Encoding, versions: &HashMap<PathBuf, i32>) -> Option<Checked> {
        let removed = std::mem::take(&mut self.removed);
        if !removed && !self.list.iter().any(Workspace::is_stale) {
            return None;
        }
        let mut analysed = 0;
        for workspace in self.list.iter_mut().filter(|w| w.is_stale()) {
            workspace.refresh();
            analysed += workspace.last_analysed;
        }
        let mut now: HashMap<String, (PathBuf, Vec<lsp::Diagnostic>)> = HashMap::new();
        for (index, workspace) in self.list.iter().enumerate() {
            let uri_of =
                |id: FileId| workspace.path_of(id).and_then(|p| convert::uri(&workspace.absolute(p)));
            let files =
                convert::Files { files: &workspace.files, encoding, uri_of: &uri_of, version_of: None };
            for d in &workspace.diagnostics {
                let (Some(uri), Some(path)) = (uri_of(d.span.file), workspace.path_of(d.span.file)) else {
                    continue;
                };
                if self.owner(&workspace.absolute(path)) != Some(index) {
                    continue;
                }
                if let Some(converted) = files.diagnostic(d) {
                    let entry = now
                        .entry(uri.as_str().to_string())
                        .or_insert_with(|| (workspace.absolute(path), Vec::new()));
                    entry.1.push(converted);
                }
            }
        }
        let mut changed: Vec<&String> = now
            .iter()
            .filter(|(uri, (_, list))| self.published.get(*uri) != Some(list))
            .map(|(uri, _)| uri)
            .chain(self.published.keys().filter(|uri| !now.contains_key(*uri)))
            .collect();
        changed.sort();
        let mut publish = Vec::new();
        for uri in changed {
            let Ok(parsed) = uri.parse::<lsp::Uri>() else { continue };
            let (diagnostics, version) = match now.get(uri) {
                Some((path, list)) => (list.clone(), versions.get(path).copied()),
                None => (Vec::new(), None),
            };
            publish.push(lsp::PublishDiagnosticsParams { uri: parsed, diagnostics, version });
        }
        self.published = now.into_iter().map(|(uri, (_, list))| (uri, list)).collect();
        let applications = self.list.iter().map(|w| w.model.applications.len()).sum();
        Some(Checked { publish, analysed, applications })
    }
}
