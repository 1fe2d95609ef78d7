//! The first stage: which files to read.
//!
//! Directories are walked, their subdirectories in parallel; `.yml`, `.yaml`, `.json` and
//! `.xml` files are kept, sorted by name so that runs are deterministic. Files named explicitly are read whatever their extension, as the user asked.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

/// Extensions authlint reads when walking a directory.
pub const EXTENSIONS: &[&str] = &["yml", "yaml", "json", "xml"];

/// A file to read, with the path to show for it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    pub display: String,
    pub path: PathBuf,
}

/// A problem met while walking: a directory or file that could not be listed.
#[derive(Debug)]
pub struct WalkProblem {
    pub display: String,
    pub message: String,
}

pub struct Discovered {
    pub inputs: Vec<Input>,
    pub problems: Vec<WalkProblem>,
}

/// Whether a file at `path` is one a walk would read: a known extension, and no directory of
/// tools (`.git`, `target`, `node_modules`) on the way. For files the language server hears of
/// one by one.
pub fn is_wanted(path: &Path) -> bool {
    has_known_extension(path)
        && !path
            .components()
            .any(|c| matches!(c.as_os_str().to_str(), Some(".git" | "target" | "node_modules")))
}

fn has_known_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// Walks `walker`, not descending into symbolic links or the directories of tools.
fn walk(walker: WalkDir) -> impl Iterator<Item = walkdir::Result<walkdir::DirEntry>> {
    walker.follow_links(false).into_iter().filter_entry(|e| {
        e.depth() == 0 || !matches!(e.file_name().to_str(), Some(".git" | "target" | "node_modules"))
    })
}

/// A path that is neither a file nor a directory.
fn special(path: &Path) -> WalkProblem {
    WalkProblem {
        display: display(path),
        message: "not a regular file (a FIFO, socket or device): skipped".into(),
    }
}

/// Files and problems found by one walk.
#[derive(Default)]
struct Found {
    inputs: Vec<Input>,
    problems: Vec<WalkProblem>,
}

impl Found {
    /// Keeps a walked entry that is a file to read, or says why it cannot be read; `root` is
    /// where the walk started (named when an error has no path).
    fn add(&mut self, entry: walkdir::Result<walkdir::DirEntry>, root: &Path) {
        match entry {
            Ok(e) if e.file_type().is_file() && has_known_extension(e.path()) => {
                self.inputs.push(Input { display: display(e.path()), path: e.into_path() });
            }
            Ok(e) if e.path_is_symlink() && has_known_extension(e.path()) => match e.path().metadata() {
                Ok(m) if m.is_file() => {
                    self.inputs.push(Input { display: display(e.path()), path: e.into_path() })
                }
                Ok(m) if m.is_dir() => {}
                Ok(_) => self.problems.push(special(e.path())),
                Err(err) => self.problems.push(WalkProblem {
                    display: display(e.path()),
                    message: format!("broken symbolic link: {err}"),
                }),
            },
            Ok(e)
                if !e.file_type().is_dir()
                    && !e.file_type().is_symlink()
                    && has_known_extension(e.path()) =>
            {
                self.problems.push(special(e.path()))
            }
            Ok(_) => {}
            Err(err) => self.problems.push(WalkProblem {
                display: err.path().map(display).unwrap_or_else(|| display(root)),
                message: err.io_error().map_or_else(|| err.to_string(), |io| io.to_string()),
            }),
        }
    }
}

/// Lists the files under `paths`. Paths that do not exist are returned as the error (one message
/// each): the user asked for something authlint cannot do.
pub fn discover(paths: &[PathBuf]) -> Result<Discovered, Vec<String>> {
    let missing: Vec<String> = paths
        .iter()
        .filter(|p| !p.exists())
        .map(|p| format!("{}: no such file or directory", display(p)))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut found = Found::default();
    for root in paths {
        if !root.is_dir() {
            if root.metadata().is_ok_and(|m| m.is_file()) {
                found.inputs.push(Input { display: display(root), path: root.clone() });
            } else {
                found.problems.push(special(root));
            }
            continue;
        }
        // The root's own entries, then each subdirectory walked on its own core: an export
        // keeps applications and identity providers in separate directories.
        let mut subdirectories = Vec::new();
        for entry in walk(WalkDir::new(root).min_depth(1).max_depth(1)) {
            match entry {
                Ok(e) if e.file_type().is_dir() => subdirectories.push(e.into_path()),
                other => found.add(other, root),
            }
        }
        let walked: Vec<Found> = subdirectories
            .par_iter()
            .map(|dir| {
                let mut found = Found::default();
                for entry in walk(WalkDir::new(dir)) {
                    found.add(entry, dir);
                }
                found
            })
            .collect();
        for mut part in walked {
            found.inputs.append(&mut part.inputs);
            found.problems.append(&mut part.problems);
        }
    }
    // The order files are read and reported in: by name, whatever order the walk found them in.
    let Found { mut inputs, mut problems } = found;
    inputs.par_sort_unstable();
    inputs.dedup();
    // Problems too, or they would come in the order the file system lists entries.
    problems.sort_by(|a, b| (&a.display, &a.message).cmp(&(&b.display, &b.message)));
    Ok(Discovered { inputs, problems })
}
