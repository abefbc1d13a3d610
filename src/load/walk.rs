//! File discovery (PRODUCT §1): directories are walked with the `ignore` crate, honouring
//! `.gitignore` unless asked not to, skipping hidden directories, `target/`, the artifacts of
//! the build output directory and configured globs; files named explicitly are always read.
//! The result is sorted, so the order of discovery never changes a result.
//!
//! The repository is untrusted input (a pull request controls every file), so the walk reads
//! only what lies inside its root:
//! - ignore files (`.gitignore`, `.ignore`) are honoured at the root and below, never above
//!   it: a `.gitignore` in a parent directory, even above the repository's `.git`, would
//!   otherwise hide the repository's files from the check (the `ignore` crate still opens
//!   those above to build its chain of directories, and applies none of them). Nor is the
//!   user's global gitignore (`core.excludesFile`) read: it is this machine's setting, and the
//!   same repository must give the same result on every machine. The root's own
//!   `.git/info/exclude` is read (a local file of that clone, which no pull request writes).
//! - a symlink, to a file or to a directory, that leads outside the root is reported and not
//!   followed; links that stay inside are followed.
//! - only regular files are opened: a FIFO or a device named `*.yaml` is reported, not read
//!   (a FIFO would block the walk, a device would never end).
//! - the build output directory hides only what a build wrote: inside it, the files at
//!   artifact paths ([`is_artifact_path`]) are not read, and only when it holds the
//!   build marker. Every other file there is read like any other, so `output: routes` does not
//!   take the route tables out of the check.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

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
    /// The build output directories (absolute, or relative to the working directory): inside
    /// one that holds the build marker, the files at artifact paths are not read.
    pub outputs: Vec<PathBuf>,
}

/// A file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    /// Path as reachable from the working directory.
    pub path: PathBuf,
    /// Path relative to the root it was found under, with `/`.
    pub name: String,
}

/// A file the walk found, and where it really is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkedFile {
    /// The file.
    pub found: FoundFile,
    /// Its canonical path (links resolved): the same file reached through two PATHs, or
    /// through a link inside the root, has the same one, and is read once.
    pub canonical: PathBuf,
    /// Whether it was reached through a link (to the file or to a directory above it): the
    /// file's own name is preferred to a link's when both are found.
    pub linked: bool,
}

/// A problem met while walking, reported against the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkProblem {
    /// The path, as reachable from the working directory.
    pub path: PathBuf,
    /// Relative name, with `/`.
    pub name: String,
    /// Where the entry itself is (its directory resolved, its own name kept, a link not
    /// followed), so that two overlapping PATHs report it once.
    pub location: PathBuf,
    /// What went wrong.
    pub kind: WalkProblemKind,
}

/// The kinds of walk problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkProblemKind {
    /// The entry could not be read (permissions, vanished, symlink loop, not a regular file).
    Unreadable(String),
    /// A symlink (to a file or a directory) leads outside the root; it is not followed.
    OutsideRoot(PathBuf),
}

/// What walking one root found: files sorted by name, and problems sorted by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Walk {
    /// The files to read.
    pub files: Vec<WalkedFile>,
    /// The entries that are not read, and why.
    pub problems: Vec<WalkProblem>,
}

/// Walks one directory root.
pub fn walk_dir(root: &Path, options: &WalkOptions) -> Walk {
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
        // Ignore files above the root are outside the repository (see the module comment).
        // The crate (ignore 0.4.35, `Ignore::add_parents`) still opens the parents' ignore
        // files to build its chain of directories, which its loop detection needs when
        // following links, but `matched_ignore` applies them only when `parents` is on.
        .parents(false)
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
    // Canonical, to compare with the files' canonical paths whatever the spelling; only the
    // directories that carry the marker, which a file there cannot fake as a link.
    let outputs: Vec<PathBuf> = options
        .outputs
        .iter()
        .filter_map(|d| d.canonicalize().ok())
        .filter(|d| std::fs::symlink_metadata(d.join(MARKER)).is_ok_and(|meta| meta.is_file()))
        .collect();
    // The filter decides which directories are entered; a linked directory leading out of the
    // root is reported from inside it, as the walk goes, so the problems wait here.
    let escaping: Arc<Mutex<Vec<WalkProblem>>> = Arc::default();
    let filter_problems = Arc::clone(&escaping);
    let filter_root = root.to_path_buf();
    let filter_canonical_root = canonical_root.clone();
    builder.filter_entry(move |entry| {
        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
        if !is_dir || entry.depth() == 0 {
            return true;
        }
        if entry.file_name() == "target" {
            return false;
        }
        let linked = entry.path_is_symlink();
        // Resolved only when needed: one system call per component of the path.
        let canonical = linked.then(|| entry.path().canonicalize().ok()).flatten();
        if linked
            && let Some(target) = &canonical
            && !target.starts_with(&filter_canonical_root)
        {
            let path = entry.path();
            filter_problems
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(WalkProblem {
                    path: path.to_path_buf(),
                    name: relative_name(&filter_root, path),
                    location: own_location(path),
                    kind: WalkProblemKind::OutsideRoot(written_target(path, target)),
                });
            return false;
        }
        true
    });
    // Directories reached through a link that stays inside the root: a file under one is not
    // where its path says, so its canonical path is asked for.
    let mut linked_dirs: Vec<PathBuf> = Vec::new();
    for result in builder.build() {
        match result {
            Ok(entry) => {
                let Some(file_type) = entry.file_type() else {
                    continue;
                };
                let path = entry.path();
                if file_type.is_dir() {
                    if entry.path_is_symlink() {
                        linked_dirs.push(path.to_path_buf());
                    }
                    continue;
                }
                if !has_walked_extension(path) {
                    continue;
                }
                let name = relative_name(root, path);
                if !file_type.is_file() {
                    // A FIFO would block the walk and a device would never end; naming one
                    // on the command line still reads it, within the size limit.
                    problems.push(WalkProblem {
                        path: path.to_path_buf(),
                        location: own_location(path),
                        name,
                        kind: WalkProblemKind::Unreadable(
                            "not a regular file (a FIFO, socket or device); a walk reads only regular files, name it on the command line to read it".into(),
                        ),
                    });
                    continue;
                }
                let through_link =
                    entry.path_is_symlink() || linked_dirs.iter().any(|d| path.starts_with(d));
                let canonical = if through_link {
                    match path.canonicalize() {
                        Ok(target) if !target.starts_with(&canonical_root) => {
                            problems.push(WalkProblem {
                                path: path.to_path_buf(),
                                location: own_location(path),
                                name,
                                kind: WalkProblemKind::OutsideRoot(written_target(path, &target)),
                            });
                            continue;
                        }
                        Ok(target) => target,
                        Err(e) => {
                            problems.push(WalkProblem {
                                path: path.to_path_buf(),
                                location: own_location(path),
                                name,
                                kind: WalkProblemKind::Unreadable(e.to_string()),
                            });
                            continue;
                        }
                    }
                } else {
                    // No link on the way: the path under the canonical root is canonical, and
                    // costs no system call (a walk of 100,000 files would otherwise resolve
                    // every component of every path).
                    canonical_root.join(path.strip_prefix(root).unwrap_or(path))
                };
                if is_built(&canonical, &outputs) {
                    continue;
                }
                files.push(WalkedFile {
                    found: FoundFile {
                        path: path.to_path_buf(),
                        name,
                    },
                    canonical,
                    linked: through_link,
                });
            }
            Err(error) => {
                let path = error_path(&error).unwrap_or_else(|| root.to_path_buf());
                problems.push(WalkProblem {
                    name: relative_name(root, &path),
                    location: own_location(&path),
                    path,
                    kind: WalkProblemKind::Unreadable(error.to_string()),
                });
            }
        }
    }
    problems.append(&mut escaping.lock().unwrap_or_else(PoisonError::into_inner));
    files.sort_by(|a, b| a.found.name.cmp(&b.found.name));
    problems.sort_by(|a, b| a.name.cmp(&b.name));
    Walk { files, problems }
}

// The layout of a build's output directory, which `emit::output` writes and the walk must
// recognise so as not to read a build back as input. It is defined here, upstream, so that the
// walk does not depend on the stage that runs after it.

/// The marker file a build writes at the top of its output directory: a directory holding it
/// (and only artifacts) is one portico wrote, and the next build may replace it.
pub const MARKER: &str = ".portico-build";

/// Whether `rel` (relative, with `/`) is the path of a file a build writes:
/// `authconfigs/<namespace>/<name>.yaml` (`model::artifacts::auth_config`), `envoy/bootstrap.yaml` and
/// `envoy/{ext-authz,routes,clusters}/<name>.yaml` (`envoy.rs`). Each name is one path
/// segment that does not start with `.`, so an artifact never leads out of its directory or
/// onto a hidden file.
#[must_use]
pub fn is_artifact_path(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        ["authconfigs", namespace, file] => is_segment(namespace) && is_yaml_file(file),
        ["envoy", "bootstrap.yaml"] => true,
        ["envoy", "ext-authz" | "routes" | "clusters", file] => is_yaml_file(file),
        _ => false,
    }
}

/// Whether `rel` is a directory that holds artifacts.
#[must_use]
pub fn is_artifact_dir(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        ["authconfigs" | "envoy"] | ["envoy", "ext-authz" | "routes" | "clusters"] => true,
        ["authconfigs", namespace] => is_segment(namespace),
        _ => false,
    }
}

fn is_segment(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
}

fn is_yaml_file(name: &str) -> bool {
    is_segment(name) && name.len() > ".yaml".len() && name.ends_with(".yaml")
}

/// Whether the file at `canonical` is an artifact of one of the build `outputs` (canonical,
/// each holding the marker): the build's own output, not input.
fn is_built(canonical: &Path, outputs: &[PathBuf]) -> bool {
    outputs.iter().any(|out| {
        canonical.strip_prefix(out).is_ok_and(|rel| {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            is_artifact_path(&rel.join("/"))
        })
    })
}

/// Where a link points, as written in the link (not where it resolves on this machine), for
/// the report; `resolved` when it cannot be read.
fn written_target(link: &Path, resolved: &Path) -> PathBuf {
    std::fs::read_link(link).unwrap_or_else(|_| resolved.to_path_buf())
}

/// The entry's own place: its directory resolved, its name kept, so a link is not followed.
pub(crate) fn own_location(path: &Path) -> PathBuf {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let parent = parent
        .canonicalize()
        .unwrap_or_else(|_| parent.to_path_buf());
    match path.file_name() {
        Some(name) => parent.join(name),
        None => parent,
    }
}

fn has_walked_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| WALKED_EXTENSIONS.contains(&e))
        // The third name kustomize reads as a kustomization (kustomize `api/konfig`,
        // `RecognizedKustomizationFileNames`), read as YAML: it defines a deploy unit.
        || path.file_name() == Some(std::ffi::OsStr::new("Kustomization"))
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

    #[test]
    fn artifact_paths_are_the_shapes_the_emitters_write() {
        for good in [
            "authconfigs/gloo-mesh/oauth-okta-gloo-mesh-cluster1-ext-auth-service.yaml",
            "envoy/bootstrap.yaml",
            "envoy/ext-authz/gloo-mesh.ext-auth-server.yaml",
            "envoy/routes/gloo-mesh.api.yaml",
            "envoy/clusters/outbound_9001_ext-auth-service.yaml",
        ] {
            assert!(is_artifact_path(good), "{good}");
        }
        for bad in [
            "",
            "stale.yaml",
            ".portico-build",
            "authconfigs/ns/..yaml",
            "authconfigs/../x.yaml",
            "authconfigs/ns/.hidden.yaml",
            "authconfigs/ns/x.txt",
            "authconfigs/ns/sub/x.yaml",
            "authconfigs/ns/.yaml",
            "envoy/other/x.yaml",
            "envoy/x.yaml",
            "/etc/passwd",
            "authconfigs/n\\s/x.yaml",
        ] {
            assert!(!is_artifact_path(bad), "{bad}");
        }
    }
}
