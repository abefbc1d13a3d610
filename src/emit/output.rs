//! Writing a build to disk and comparing one with it. The output directory belongs to
//! portico: a build replaces it whole (new tree written beside it, then swapped in with
//! renames), so a reader never sees half a build and files of removed policies disappear.

use std::path::{Path, PathBuf};

use super::Artifacts;

/// Every file under `dir`, relative with `/`, sorted; empty when `dir` does not exist.
fn existing_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(dir) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    dir.with_file_name(format!(".{name}.portico-{suffix}-{}", std::process::id()))
}

/// Replaces `dir` with exactly `artifacts`.
///
/// # Errors
/// When a file or directory cannot be written or renamed; `dir` is then left as it was.
pub fn write(dir: &Path, artifacts: &Artifacts) -> std::io::Result<()> {
    let fresh = sibling(dir, "new");
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh)?;
    }
    let result = (|| {
        std::fs::create_dir_all(&fresh)?;
        // Thousands of artifacts share a handful of directories: create each once.
        let mut created: std::collections::BTreeSet<std::path::PathBuf> =
            std::collections::BTreeSet::new();
        for (rel, text) in artifacts {
            let path = fresh.join(rel);
            if let Some(parent) = path.parent()
                && !created.contains(parent)
            {
                std::fs::create_dir_all(parent)?;
                created.insert(parent.to_path_buf());
            }
            std::fs::write(&path, text)?;
        }
        if dir.exists() {
            let old = sibling(dir, "old");
            std::fs::rename(dir, &old)?;
            if let Err(e) = std::fs::rename(&fresh, dir) {
                // Put the previous build back rather than leave nothing.
                let _ = std::fs::rename(&old, dir);
                return Err(e);
            }
            std::fs::remove_dir_all(&old)
        } else {
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(&fresh, dir)
        }
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&fresh);
    }
    result
}

/// A unified diff per file that differs between `dir` and `artifacts` (changed, missing from
/// `dir`, or extra in it), in path order; empty when the directory is up to date.
#[must_use]
pub fn diff(dir: &Path, artifacts: &Artifacts) -> String {
    let mut paths: Vec<String> = existing_files(dir);
    paths.extend(artifacts.keys().cloned());
    paths.sort();
    paths.dedup();
    let mut out = String::new();
    for rel in paths {
        let on_disk = std::fs::read_to_string(dir.join(&rel)).ok();
        let wanted = artifacts.get(&rel);
        if on_disk.as_ref() == wanted {
            continue;
        }
        let old = on_disk.unwrap_or_default();
        let new = wanted.cloned().unwrap_or_default();
        let text = similar::TextDiff::from_lines(&old, &new);
        let header_old = if old.is_empty() {
            "/dev/null".to_string()
        } else {
            format!("a/{rel}")
        };
        let header_new = if wanted.is_none() {
            "/dev/null".to_string()
        } else {
            format!("b/{rel}")
        };
        out.push_str(
            &text
                .unified_diff()
                .context_radius(3)
                .header(&header_old, &header_new)
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn write_replaces_and_diff_reports_drift() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("generated");
        let mut artifacts = Artifacts::new();
        artifacts.insert("a/one.yaml".to_string(), "x: 1\n".to_string());
        artifacts.insert("two.yaml".to_string(), "y: 2\n".to_string());
        write(&out, &artifacts).unwrap();
        assert_eq!(diff(&out, &artifacts), "");
        // A stale file from an earlier build disappears on the next one.
        std::fs::write(out.join("stale.yaml"), "z: 3\n").unwrap();
        let drift = diff(&out, &artifacts);
        assert!(drift.contains("--- a/stale.yaml\n+++ /dev/null"), "{drift}");
        artifacts.insert("two.yaml".to_string(), "y: 3\n".to_string());
        let drift = diff(&out, &artifacts);
        assert!(drift.contains("-y: 2\n+y: 3\n"), "{drift}");
        write(&out, &artifacts).unwrap();
        assert_eq!(existing_files(&out), vec!["a/one.yaml", "two.yaml"]);
        assert_eq!(diff(&out, &artifacts), "");
        // Nothing is left beside the output.
        let siblings: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
        assert_eq!(siblings.len(), 1);
    }
}
