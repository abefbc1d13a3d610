//! File discovery (PRODUCT §1): directories are walked with the `ignore` crate, honouring
//! `.gitignore` unless asked not to, skipping hidden directories, `target/`, the build output
//! directory and configured globs; files named explicitly are always read. The result is sorted,
//! so the order of discovery never changes a result.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;

/// Extensions read when walking a directory.
pub const WALKED_EXTENSIONS: &[&str] = &["yaml", "yml", "json", "rego", "tf"];

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Read files `.gitignore` and `.ignore` exclude too.
    pub no_ignore: bool,
    /// Globs (relative to each root) not to read, from `portico.yaml` `ignore:`.
    pub exclude: Vec<String>,
    /// Directory names to skip wherever they appear (the build output directory).
    pub skip_dirs: Vec<PathBuf>,
}

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Path as reachable from the working directory.
    pub path: PathBuf,
    /// Path relative to the root it was found under, with `/`.
    pub name: String,
}

/// A problem met while walking, reported against the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkProblem {
    /// The path, as reachable from the working directory.
    pub path: PathBuf,
    /// Relative name, with `/`.
    pub name: String,
    /// What went wrong.
    pub kind: WalkProblemKind,
}

/// The kinds of walk problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkProblemKind {
    /// The entry could not be read (permissions, vanished, symlink loop).
    Unreadable(String),
    /// A symlink leads outside the root; it is not followed.
    OutsideRoot(PathBuf),
}

/// Walks one directory root.
pub fn walk_dir(root: &Path, options: &WalkOptions) -> (Vec<FoundFile>, Vec<WalkProblem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(true)
        .follow_links(true)
        .git_ignore(!options.no_ignore)
        .git_exclude(!options.no_ignore)
        .git_global(false)
        .ignore(!options.no_ignore)
        .parents(!options.no_ignore)
        .require_git(false)
        .sort_by_file_name(std::cmp::Ord::cmp);
    if !options.exclude.is_empty() {
        let mut overrides = OverrideBuilder::new(root);
        for glob in &options.exclude {
            // A leading `!` makes an override glob an exclusion.
            let _ = overrides.add(&format!("!{glob}"));
        }
        if let Ok(built) = overrides.build() {
            builder.overrides(built);
        }
    }
    // A skipped directory is named relative to the root (`output:` of portico.yaml) or to the
    // working directory (`build --out`); compare canonical paths so either spelling matches.
    let skip_dirs: Vec<PathBuf> = options
        .skip_dirs
        .iter()
        .flat_map(|d| [root.join(d), d.clone()])
        .filter_map(|d| d.canonicalize().ok())
        .collect();
    builder.filter_entry(move |entry| {
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if !is_dir || entry.depth() == 0 {
            return true;
        }
        entry.file_name() != "target"
            && (skip_dirs.is_empty()
                || entry
                    .path()
                    .canonicalize()
                    .is_ok_and(|p| !skip_dirs.contains(&p)))
    });
    for result in builder.build() {
        match result {
            Ok(entry) => {
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let path = entry.path();
                if !has_walked_extension(path) {
                    continue;
                }
                let name = relative_name(root, path);
                if entry.path_is_symlink() {
                    match path.canonicalize() {
                        Ok(target) if !target.starts_with(&canonical_root) => {
                            // Report the link as written, not where it resolves on this machine.
                            let written = std::fs::read_link(path).unwrap_or(target);
                            problems.push(WalkProblem {
                                path: path.to_path_buf(),
                                name,
                                kind: WalkProblemKind::OutsideRoot(written),
                            });
                            continue;
                        }
                        Ok(_) => {}
                        Err(e) => {
                            problems.push(WalkProblem {
                                path: path.to_path_buf(),
                                name,
                                kind: WalkProblemKind::Unreadable(e.to_string()),
                            });
                            continue;
                        }
                    }
                }
                files.push(FoundFile {
                    path: path.to_path_buf(),
                    name,
                });
            }
            Err(error) => {
                let path = error_path(&error).unwrap_or_else(|| root.to_path_buf());
                problems.push(WalkProblem {
                    name: relative_name(root, &path),
                    path,
                    kind: WalkProblemKind::Unreadable(error.to_string()),
                });
            }
        }
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    (files, problems)
}

fn has_walked_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| WALKED_EXTENSIONS.contains(&e))
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// `path` relative to `root`, with `/` separators.
#[must_use]
pub fn relative_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        path.to_string_lossy().replace('\\', "/")
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_names_use_slashes() {
        assert_eq!(
            relative_name(Path::new("a"), Path::new("a/b/c.yaml")),
            "b/c.yaml"
        );
        assert_eq!(
            relative_name(Path::new("."), Path::new("./b/c.yaml")),
            "b/c.yaml"
        );
    }
}
