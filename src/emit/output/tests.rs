//! Unit tests of the output directory: write and `--check` round trips, refused artifact
//! paths, path resolution, lock and leftover names, escaped paths, links, and the survey's
//! bound.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

use super::compare::{OnDisk, read_bounded};
use super::destination::refuse_links_inside;
use super::lock::is_lock_text;
use super::siblings::leftover_kind;
use super::survey::survey;
use super::*;
use crate::load::walk::MARKER;

fn build() -> Artifacts {
    let mut artifacts = Artifacts::new();
    artifacts.insert("authconfigs/ns/one.yaml".to_string(), "x: 1\n".to_string());
    artifacts.insert("envoy/bootstrap.yaml".to_string(), "y: 2\n".to_string());
    artifacts
}

#[test]
fn write_replaces_and_diff_reports_drift() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("generated");
    let mut artifacts = build();
    let written = write(&out, &artifacts).unwrap();
    assert_eq!((written.files, written.recovered), (2, vec![]));
    assert_eq!(diff(&out, &artifacts).unwrap().diff, "");
    assert_eq!(fs::read_to_string(out.join(MARKER)).unwrap(), MARKER_TEXT);
    // A stale artifact from an earlier build disappears on the next one.
    fs::write(out.join("authconfigs/ns/stale.yaml"), "z: 3\n").unwrap();
    let drift = diff(&out, &artifacts).unwrap().diff;
    assert!(
        drift.contains("--- a/authconfigs/ns/stale.yaml\n+++ /dev/null\n"),
        "{drift}"
    );
    artifacts.insert("envoy/bootstrap.yaml".to_string(), "y: 3\n".to_string());
    let drift = diff(&out, &artifacts).unwrap().diff;
    assert!(drift.contains("-y: 2\n+y: 3\n"), "{drift}");
    write(&out, &artifacts).unwrap();
    assert_eq!(
        survey(&out).unwrap().artifacts,
        vec!["authconfigs/ns/one.yaml", "envoy/bootstrap.yaml"]
    );
    assert_eq!(diff(&out, &artifacts).unwrap().diff, "");
    // Nothing is left beside the output, the lock included.
    let siblings: Vec<_> = fs::read_dir(tmp.path()).unwrap().flatten().collect();
    assert_eq!(siblings.len(), 1, "{siblings:?}");
}

#[test]
fn an_artifact_path_that_is_not_one_is_refused_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut artifacts = build();
    artifacts.insert("authconfigs/../../escape.yaml".to_string(), String::new());
    let error = write(&out, &artifacts).unwrap_err();
    assert!(matches!(error, OutputError::ArtifactPath { .. }), "{error}");
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
}

#[test]
fn resolve_follows_links_in_what_exists_and_names_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    fs::create_dir(root.join("a")).unwrap();
    assert_eq!(
        resolve(Path::new("a/new/../x/./y"), &root).unwrap(),
        root.join("a/x/y")
    );
    assert_eq!(resolve(Path::new(".."), &root.join("a")).unwrap(), root);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("a"), root.join("link")).unwrap();
        assert_eq!(
            resolve(Path::new("link/out"), &root).unwrap(),
            root.join("a/out")
        );
    }
}

#[test]
fn only_what_a_lock_holds_is_a_lock() {
    for good in [&b""[..], b"1\n", b"4294967295\n"] {
        assert!(is_lock_text(good), "{good:?}");
    }
    for bad in [
        &b"\n"[..],
        b"12",
        b"12\n\n",
        b"x\n",
        b"12345678901\n",
        b" 1\n",
    ] {
        assert!(!is_lock_text(bad), "{bad:?}");
    }
}

#[test]
fn leftovers_are_the_names_take_sibling_gives() {
    assert_eq!(leftover_kind("old-12"), Some(true));
    assert_eq!(leftover_kind("new-12"), Some(false));
    assert_eq!(leftover_kind("new-12.3"), Some(false));
    for other in [
        "lock",
        "new-",
        "new-x",
        "new-1.",
        "new-1.2.3",
        "old-+1",
        "mid-1",
    ] {
        assert_eq!(leftover_kind(other), None, "{other}");
    }
}

#[test]
fn printed_paths_show_control_characters_escaped() {
    assert_eq!(
        escaped_path(Path::new("a/x\n::error::y\u{1b}[31m\t\u{202e}z")),
        "a/x\\u{a}::error::y\\u{1b}[31m\\u{9}\\u{202e}z"
    );
    assert_eq!(escaped_path(Path::new("generated/é")), "generated/é");
}

#[cfg(unix)]
#[test]
fn check_reads_no_file_through_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("secret"), "s").unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret"), tmp.path().join("link")).unwrap();
    assert!(read_bounded(&tmp.path().join("link")).is_err());
    assert!(matches!(
        read_bounded(&tmp.path().join("secret")).unwrap(),
        OnDisk::Bytes(bytes) if bytes == b"s"
    ));
}

#[cfg(unix)]
#[test]
fn links_are_followed_only_outside_the_repositories() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    let repo = root.join("repo");
    fs::create_dir_all(repo.join("sub")).unwrap();
    std::os::unix::fs::symlink(&repo, root.join("to-repo")).unwrap();
    std::os::unix::fs::symlink("sub", repo.join("link")).unwrap();
    let repositories = [repo.clone()];
    let check = |path: &str| refuse_links_inside(Path::new(path), &root, &repositories);
    assert!(check("to-repo/sub/out").is_ok());
    assert!(check("repo/new/../sub/out").is_ok());
    for bad in [
        "repo/link",
        "repo/link/out",
        "to-repo/link/x",
        "repo/sub/../link",
    ] {
        assert!(
            matches!(check(bad), Err(OutputError::LinkInRepository { .. })),
            "{bad}"
        );
    }
}

#[test]
fn survey_stops_after_a_few_foreign_entries() {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..50 {
        fs::write(tmp.path().join(format!("f{i:02}")), "").unwrap();
    }
    let found = survey(tmp.path()).unwrap();
    assert_eq!(found.foreign, vec!["f00", "f01", "f02", "f03", "f04"]);
    assert!(found.more && !found.is_replaceable());
}
