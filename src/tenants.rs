//! The second stage: which tenant each discovered file belongs to.
//!
//! IdP names are unique only within one tenant, and CI/CD repositories keep one export per
//! environment side by side (`dev/`, `staging/`, `environments/prod/`), each with the same
//! names and different settings. An application is therefore checked only against the IdPs of
//! its own tenant.
//!
//! A tenant root is a directory that directly holds an IAM-CTL export's `Applications/` or
//! `IdentityProviders/` folder, or a file-based deployment's `service-providers/` or
//! `identity-providers/` folder. It is recognised from the paths of the files being read (no
//! extra file-system access): a file at `dev/Applications/a.yml` makes `dev` a root, and every
//! file under `dev/` then belongs to it. When roots are nested, a file belongs to the deepest.
//! Files under no root form one tenant together. `tenants:` in `.authlint.yaml` (globs of
//! directories) replaces detection: each directory matching a glob is a root.

use std::path::{Component, Path, PathBuf};

use crate::config::Config;

/// Index of a tenant in [`Tenants`]; `TenantId(0)` holds the files under no tenant root.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TenantId(pub u32);

/// The tenant of files under no tenant root.
pub const LOOSE: TenantId = TenantId(0);

/// The folders whose parent is a tenant root (compared without regard to ASCII case).
pub const ROOT_MARKERS: &[&str] =
    &["Applications", "IdentityProviders", "service-providers", "identity-providers"];

/// One tenant: where its root is, and the name to show for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// The root directory as the paths of its files spell it; `None` for files under no root.
    pub root: Option<PathBuf>,
    /// The root as shown (`dev`, `environments/prod`, `.`); empty for files under no root.
    pub name: String,
}

/// Every tenant of a run; the first is always the one of files under no root (possibly empty).
#[derive(Debug, Clone)]
pub struct Tenants {
    tenants: Vec<Tenant>,
}

impl Default for Tenants {
    fn default() -> Tenants {
        Tenants { tenants: vec![Tenant { root: None, name: String::new() }] }
    }
}

impl Tenants {
    pub fn get(&self, id: TenantId) -> &Tenant {
        self.tenants.get(id.0 as usize).unwrap_or(&self.tenants[0])
    }

    /// The tenant's name for output: `None` for files under no tenant root.
    pub fn name(&self, id: TenantId) -> Option<&str> {
        let tenant = self.get(id);
        tenant.root.as_ref().map(|_| tenant.name.as_str())
    }

    pub fn len(&self) -> usize {
        self.tenants.len()
    }

    /// Never: the tenant of files under no root is always there (possibly with no file).
    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn ids(&self) -> impl Iterator<Item = TenantId> + '_ {
        (0..self.tenants.len() as u32).map(TenantId)
    }

    /// The tenant rooted at `root`, added if new.
    fn intern(&mut self, root: &Path) -> TenantId {
        if let Some(i) = self.tenants.iter().position(|t| t.root.as_deref() == Some(root)) {
            return TenantId(i as u32);
        }
        let shown = root.to_string_lossy();
        let name = if shown.is_empty() { ".".to_string() } else { shown.into_owned() };
        self.tenants.push(Tenant { root: Some(root.to_path_buf()), name });
        TenantId((self.tenants.len() - 1) as u32)
    }
}

/// `path` without `.` components (`./dev/Applications` and `dev/Applications` are one folder).
fn normalise(path: &Path) -> PathBuf {
    path.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}

/// The tenant root a file's own path names: the parent of its deepest marker folder.
fn detected_root(file: &Path) -> Option<PathBuf> {
    let dir = normalise(file.parent()?);
    let components: Vec<Component> = dir.components().collect();
    let marker = components.iter().rposition(|c| {
        let name = c.as_os_str().to_string_lossy();
        ROOT_MARKERS.iter().any(|m| m.eq_ignore_ascii_case(&name))
    })?;
    Some(components[..marker].iter().collect())
}

/// Assigns each file (given by path, in input order) to a tenant.
pub fn assign(paths: &[&Path], config: &Config) -> (Tenants, Vec<TenantId>) {
    let mut tenants = Tenants::default();
    let mut roots: Vec<PathBuf> = if config.has_tenant_globs() {
        let mut roots = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for path in paths {
            let Some(parent) = path.parent() else { continue };
            let parent = normalise(parent);
            if !seen.insert(parent.clone()) {
                continue;
            }
            // Every ancestor directory of the file that matches a glob (the deepest wins below).
            for dir in parent.ancestors() {
                if config.is_tenant_root(dir) {
                    roots.push(dir.to_path_buf());
                }
            }
        }
        roots
    } else {
        paths.iter().filter_map(|p| detected_root(p)).collect()
    };
    roots.sort();
    roots.dedup();
    // Deepest first, so that the first root a file is under is its own.
    roots.sort_by_key(|r| std::cmp::Reverse(r.components().count()));
    // Interned in path order, so that tenant ids (and the output) do not depend on depth.
    let mut by_name = roots.clone();
    by_name.sort();
    for root in &by_name {
        tenants.intern(root);
    }
    let of_file = paths
        .iter()
        .map(|path| {
            let file = normalise(path);
            roots
                .iter()
                .find(|root| file.starts_with(root) && file != **root)
                .map_or(LOOSE, |root| tenants.intern(root))
        })
        .collect();
    (tenants, of_file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(paths: &[&str], config: &Config) -> Vec<String> {
        let paths: Vec<&Path> = paths.iter().map(Path::new).collect();
        let (tenants, of) = assign(&paths, config);
        of.iter().map(|id| tenants.name(*id).unwrap_or("-").to_string()).collect()
    }

    #[test]
    fn the_parent_of_an_export_folder_is_a_tenant_root() {
        let got = names(
            &[
                "repo/dev/Applications/a.yml",
                "repo/dev/IdentityProviders/Google.yml",
                "repo/dev/Claims/x.yml",
                "./repo/environments/prod/identityproviders/Google.yml",
                "repo/environments/prod/Applications/a.yml",
                "conf/identity/service-providers/a.xml",
                "loose/a.yml",
            ],
            &Config::default(),
        );
        assert_eq!(
            got,
            [
                "repo/dev",
                "repo/dev",
                "repo/dev",
                "repo/environments/prod",
                "repo/environments/prod",
                "conf/identity",
                "-",
            ]
        );
        // The current directory holds `Applications/`: it is a root, and every file under it
        // belongs to it.
        assert_eq!(names(&["Applications/b.yml", "other/a.yml"], &Config::default()), [".", "."]);
    }

    #[test]
    fn a_file_belongs_to_its_deepest_root() {
        let got = names(&["a/Applications/x.yml", "a/b/IdentityProviders/y.yml"], &Config::default());
        assert_eq!(got, ["a", "a/b"]);
    }

    #[test]
    fn configured_globs_replace_detection() {
        let config = Config::parse(Path::new(".authlint.yaml"), "tenants: ['envs/*']\n").expect("valid");
        let got = names(&["envs/dev/apps/a.yml", "envs/qa/x/y/b.yml", "dev/Applications/c.yml"], &config);
        assert_eq!(got, ["envs/dev", "envs/qa", "-"]);
    }
}
