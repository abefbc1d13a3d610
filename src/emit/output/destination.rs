//! Where a build may go: the output directory resolved, and refused when it is or contains
//! something a build must never replace, or is reached through a link inside a repository.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use super::{OutputError, escaped_path, io_error};

/// `path` made absolute (relative to `working_dir`) with symbolic links resolved: its closest
/// existing ancestor canonicalized, then the components that do not exist yet (which can hold
/// no link, so `..` among them is resolved by name).
///
/// # Errors
/// When an existing part cannot be resolved (a link loop, no permission).
pub fn resolve(path: &Path, working_dir: &Path) -> io::Result<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        working_dir.join(path)
    };
    let components: Vec<Component<'_>> = absolute.components().collect();
    let mut existing = components.len();
    let base = loop {
        let prefix: PathBuf = components[..existing].iter().collect();
        match prefix.canonicalize() {
            Ok(canonical) => break canonical,
            Err(e)
                if existing > 1
                    && matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                    ) =>
            {
                existing -= 1;
            }
            Err(e) => return Err(e),
        }
    };
    let mut resolved = base;
    for component in &components[existing..] {
        match component {
            Component::Normal(name) => resolved.push(name),
            Component::ParentDir => {
                resolved.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Ok(resolved)
}

/// What the output directory must keep clear of.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    /// The inputs (PATH arguments and the configuration file): never inside the output. A
    /// directory among them is a repository: no symbolic link inside it is followed on the way
    /// to the output.
    pub inputs: &'a [PathBuf],
    /// The working directory: relative paths are resolved from it, and it is never inside the
    /// output (so neither `.` nor `..`).
    pub working_dir: &'a Path,
    /// The home directory, when known: never inside the output.
    pub home: Option<&'a Path>,
    /// The directory of the configuration file, when there is one: a repository, like a
    /// directory among the inputs (it is one when portico.yaml is named with `--config`).
    pub config_dir: Option<&'a Path>,
    /// When the output comes from `output:` of `portico.yaml`: the repository root (the
    /// directory of portico.yaml), which the output must lie inside, following no link in it.
    pub confined_to: Option<&'a Path>,
}

/// Checks that `out` may receive a build (see the module documentation) and returns it
/// resolved, which is what [`write`](super::write) and [`diff`](super::diff) should be given:
/// two spellings of one directory then share one lock.
///
/// # Errors
/// [`OutputError::Protected`], [`OutputError::OutsideRepository`],
/// [`OutputError::LinkInRepository`], [`OutputError::NotADirectory`], or when a path cannot be
/// resolved.
pub fn check_destination(out: &Path, limits: &Destination<'_>) -> Result<PathBuf, OutputError> {
    let resolve_or =
        |path: &Path| resolve(path, limits.working_dir).map_err(io_error("resolve", path));
    // The repositories: the directories among the inputs, the directory of portico.yaml, and
    // the root `output:` is confined to. An input that does not exist has been reported by the
    // check already.
    let mut repositories: Vec<PathBuf> = limits
        .inputs
        .iter()
        .map(PathBuf::as_path)
        .filter(|input| limits.working_dir.join(input).is_dir())
        .chain(limits.config_dir)
        .filter_map(|dir| resolve(dir, limits.working_dir).ok())
        .collect();
    let confined_to = limits.confined_to.map(resolve_or).transpose()?;
    repositories.extend(confined_to.iter().cloned());
    refuse_links_inside(out, limits.working_dir, &repositories)?;
    let resolved = resolve_or(out)?;
    let protected = |what: String| OutputError::Protected {
        out: resolved.clone(),
        what,
    };
    if resolved.parent().is_none() {
        return Err(protected("is the filesystem root".into()));
    }
    // `.git` holds the hooks and the configuration git runs: never written, wherever it is.
    if let Some(git) = resolved
        .components()
        .find(|c| crate::config::is_git_dir_name(c.as_os_str()))
    {
        return Err(protected(format!(
            "is inside a git directory (`{}`)",
            escaped_path(Path::new(git.as_os_str()))
        )));
    }
    if let Some(root) = confined_to
        && (resolved == root || !resolved.starts_with(&root))
    {
        return Err(OutputError::OutsideRepository {
            out: resolved,
            root,
        });
    }
    let working_dir = resolve_or(limits.working_dir)?;
    if working_dir.starts_with(&resolved) {
        return Err(protected(format!(
            "contains the working directory {}",
            escaped_path(&working_dir)
        )));
    }
    if let Some(home) = limits.home
        && let Ok(home) = resolve(home, limits.working_dir)
        && home.starts_with(&resolved)
    {
        return Err(protected(format!(
            "contains the home directory {}",
            escaped_path(&home)
        )));
    }
    for input in limits.inputs {
        // An input that does not exist has been reported by the check already.
        let Ok(input) = resolve(input, limits.working_dir) else {
            continue;
        };
        if input == resolved {
            return Err(protected(format!("is the input {}", escaped_path(&input))));
        }
        if input.starts_with(&resolved) {
            return Err(protected(format!(
                "contains the input {}",
                escaped_path(&input)
            )));
        }
    }
    // The output itself, or the closest ancestor that exists, must be a directory.
    let mut existing = resolved.as_path();
    loop {
        match fs::symlink_metadata(existing) {
            Ok(meta) if meta.is_dir() => break,
            Ok(_) => {
                return Err(OutputError::NotADirectory {
                    out: resolved.clone(),
                    found: existing.to_path_buf(),
                });
            }
            Err(_) => match existing.parent() {
                Some(parent) => existing = parent,
                None => break,
            },
        }
    }
    Ok(resolved)
}

/// Follows `path` (relative to `working_dir`) one component at a time, as the system would,
/// and refuses the first symbolic link met in a directory that lies inside one of the
/// `repositories` (resolved). A link outside them (`/tmp` on macOS, a link to the repository
/// itself) is followed: it is the user's, not the repository's.
pub(super) fn refuse_links_inside(
    path: &Path,
    working_dir: &Path,
    repositories: &[PathBuf],
) -> Result<(), OutputError> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        working_dir.join(path)
    };
    // Where the walk is, resolved as long as what it names exists.
    let mut current = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => current.push(component),
            Component::CurDir => {}
            Component::ParentDir => {
                current.pop();
            }
            Component::Normal(name) => {
                let next = current.join(name);
                match fs::symlink_metadata(&next) {
                    Ok(meta) if meta.file_type().is_symlink() => {
                        if let Some(repository) =
                            repositories.iter().find(|r| current.starts_with(r))
                        {
                            return Err(OutputError::LinkInRepository {
                                out: path.to_path_buf(),
                                link: next,
                                repository: repository.clone(),
                            });
                        }
                        current = next.canonicalize().map_err(io_error("resolve", &next))?;
                    }
                    // What does not exist holds no link: the rest is resolved by name.
                    Ok(_) | Err(_) => current = next,
                }
            }
        }
    }
    Ok(())
}
