//! The first stage: which files to read.
//!
//! Directories are walked (sorted, so runs are deterministic); `.yml`, `.yaml`, `.json` and `.xml` files
//! are kept. Files named explicitly are read whatever their extension, as the user asked.

use std::path::{Path, PathBuf};

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

fn has_known_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
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
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    let special = |path: &Path| WalkProblem {
        display: display(path),
        message: "not a regular file (a FIFO, socket or device): skipped".into(),
    };
    for root in paths {
        if !root.is_dir() {
            // Reading a FIFO would block forever.
            if root.metadata().is_ok_and(|m| m.is_file()) {
                inputs.push(Input { display: display(root), path: root.clone() });
            } else {
                problems.push(special(root));
            }
            continue;
        }
        let walk = WalkDir::new(root).follow_links(false).sort_by_file_name().into_iter().filter_entry(|e| {
            // Version-control and build directories hold no tenant configuration.
            e.depth() == 0 || !matches!(e.file_name().to_str(), Some(".git" | "target" | "node_modules"))
        });
        for entry in walk {
            match entry {
                Ok(e) if e.file_type().is_file() && has_known_extension(e.path()) => {
                    inputs.push(Input { display: display(e.path()), path: e.path().to_path_buf() });
                }
                // A link to a file is read; links to directories are not followed (no loops).
                Ok(e) if e.path_is_symlink() && has_known_extension(e.path()) => match e.path().metadata() {
                    Ok(m) if m.is_file() => {
                        inputs.push(Input { display: display(e.path()), path: e.path().to_path_buf() })
                    }
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => problems.push(special(e.path())),
                    Err(err) => problems.push(WalkProblem {
                        display: display(e.path()),
                        message: format!("broken symbolic link: {err}"),
                    }),
                },
                Ok(e)
                    if !e.file_type().is_dir()
                        && !e.file_type().is_symlink()
                        && has_known_extension(e.path()) =>
                {
                    problems.push(special(e.path()))
                }
                Ok(_) => {}
                Err(err) => problems.push(WalkProblem {
                    display: err.path().map(display).unwrap_or_else(|| display(root)),
                    message: err.io_error().map_or_else(|| err.to_string(), |io| io.to_string()),
                }),
            }
        }
    }
    inputs.sort();
    inputs.dedup();
    Ok(Discovered { inputs, problems })
}
