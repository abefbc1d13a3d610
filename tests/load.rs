//! Loader behaviour across files: a broken file never hides the findings in the others.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{POLICY_WITH_TYPO, ROUTES};

use std::time::{Duration, Instant};

fn codes(dir: &std::path::Path) -> Vec<(String, &'static str, usize)> {
    let result = common::check_path(dir);
    result
        .diagnostics
        .iter()
        .map(|d| {
            let file = result.repo.sources.get(d.finding.span.file);
            (
                file.name.clone(),
                d.code,
                file.line_col(d.finding.span.range.start).line,
            )
        })
        .collect()
}

#[test]
fn a_syntax_error_does_not_hide_other_files_or_documents() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a-broken.yaml"),
        "kind: RouteTable\nspec: [unclosed\n---\n".to_owned() + ROUTES,
    )
    .unwrap();
    std::fs::write(dir.path().join("b-policy.yaml"), POLICY_WITH_TYPO).unwrap();
    let found = codes(dir.path());
    assert_eq!(
        found,
        vec![
            ("a-broken.yaml".to_owned(), "PC001", 2),
            ("b-policy.yaml".to_owned(), "PC201", 7)
        ],
        // PC201 is only checked when some route table was read: it firing proves the document
        // after the broken one was loaded and the policy compared with its routes.
        "the route table after the broken document must still be read, and the policy checked against it"
    );
}

#[test]
fn an_alias_bomb_is_stopped_quickly_and_the_rest_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..14 {
        let p = i - 1;
        bomb.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    std::fs::write(dir.path().join("bomb.yaml"), bomb).unwrap();
    std::fs::write(dir.path().join("policy.yaml"), POLICY_WITH_TYPO).unwrap();
    std::fs::write(dir.path().join("routes.yaml"), ROUTES).unwrap();
    let started = Instant::now();
    let found = codes(dir.path());
    // Generous bound: this guards against a hang or exponential blow-up, not a speed target.
    assert!(started.elapsed() < Duration::from_secs(10));
    let found: Vec<_> = found.iter().map(|(f, c, _)| (f.as_str(), *c)).collect();
    assert_eq!(
        found,
        vec![("bomb.yaml", "PC004"), ("policy.yaml", "PC201")]
    );
}

#[test]
fn unreadable_and_binary_files_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("binary.yaml"), b"kind: \0\x01\x02").unwrap();
    std::fs::write(dir.path().join("latin1.yaml"), b"name: caf\xe9\n").unwrap();
    std::fs::write(dir.path().join("empty.yaml"), b"").unwrap();
    std::fs::write(dir.path().join("only-separator.yaml"), b"---\n").unwrap();
    std::fs::write(dir.path().join("policy.yaml"), POLICY_WITH_TYPO).unwrap();
    std::fs::write(dir.path().join("routes.yaml"), ROUTES).unwrap();
    let found: Vec<_> = codes(dir.path())
        .into_iter()
        .map(|(f, c, _)| (f, c))
        .collect();
    assert_eq!(
        found,
        vec![
            ("binary.yaml".to_owned(), "PC005"),
            ("latin1.yaml".to_owned(), "PC005"),
            ("policy.yaml".to_owned(), "PC201"),
        ]
    );
}

#[test]
fn gitignored_hidden_and_target_directories_are_skipped_unless_named() {
    let dir = tempfile::tempdir().unwrap();
    for sub in [".hidden", "target", "ignored"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("policy.yaml"), POLICY_WITH_TYPO).unwrap();
    }
    std::fs::write(dir.path().join(".gitignore"), "ignored/\n").unwrap();
    std::fs::write(dir.path().join("routes.yaml"), ROUTES).unwrap();
    assert!(codes(dir.path()).is_empty());
    // Named explicitly, a file is always read.
    let result = portico::check(&portico::CheckRequest {
        inputs: vec![
            portico::load::Input::Path(dir.path().join("routes.yaml")),
            portico::load::Input::Path(dir.path().join("ignored/policy.yaml")),
        ],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        result
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>(),
        vec!["PC201"]
    );
    // --no-ignore reads what .gitignore excludes (hidden and target/ stay skipped).
    let result = portico::check(&portico::CheckRequest {
        inputs: vec![portico::load::Input::Path(dir.path().to_path_buf())],
        no_ignore: true,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        result
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>(),
        vec!["PC201"]
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_out_of_the_root_do_not_hang_or_escape() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("policy.yaml"), POLICY_WITH_TYPO).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("routes.yaml"), ROUTES).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("policy.yaml"),
        dir.path().join("linked.yaml"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop/back")).unwrap();
    let found: Vec<_> = codes(dir.path())
        .into_iter()
        .map(|(f, c, _)| (f, c))
        .collect();
    assert!(
        found.contains(&("linked.yaml".to_owned(), "PC007")),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|(_, c)| *c == "PC201"),
        "the outside file must not be read: {found:?}"
    );
}

#[test]
fn config_file_ignore_globs_and_output_dir_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("vendor/x")).unwrap();
    std::fs::create_dir_all(dir.path().join("generated")).unwrap();
    std::fs::write(dir.path().join("vendor/x/policy.yaml"), POLICY_WITH_TYPO).unwrap();
    std::fs::write(dir.path().join("generated/policy.yaml"), POLICY_WITH_TYPO).unwrap();
    std::fs::write(dir.path().join("routes.yaml"), ROUTES).unwrap();
    std::fs::write(
        dir.path().join("portico.yaml"),
        "ignore: [\"vendor/**\"]\noutput: generated\n",
    )
    .unwrap();
    // The output directory hides only what a build wrote there: the files at artifact paths,
    // when it holds the build marker. Anything else in it is read like any other file.
    let found: Vec<_> = codes(dir.path())
        .into_iter()
        .map(|(f, c, _)| (f, c))
        .collect();
    assert_eq!(found, [("generated/policy.yaml".to_owned(), "PC201")]);
    std::fs::write(dir.path().join("generated/.portico-build"), "").unwrap();
    std::fs::create_dir_all(dir.path().join("generated/authconfigs/ns")).unwrap();
    std::fs::rename(
        dir.path().join("generated/policy.yaml"),
        dir.path().join("generated/authconfigs/ns/policy.yaml"),
    )
    .unwrap();
    assert!(codes(dir.path()).is_empty());
}

/// Released trees come back identical: [`Repo::root`] parses the file again, and every
/// document's tree (values and spans) equals the one the loader built, across multi-document
/// files, lists and block scalars.
#[test]
fn a_released_tree_parses_again_to_the_same_tree() {
    for dir in [
        "testdata/repos/portal-okta-broken",
        "testdata/repos/portal-okta-kustomize",
    ] {
        let mut repo = portico::load::Repo::default();
        let options = portico::load::LoadOptions {
            inputs: vec![portico::load::Input::Path(common::root().join(dir))],
            walk: portico::load::walk::WalkOptions::default(),
            max_file_bytes: portico::load::DEFAULT_MAX_FILE_BYTES,
            excluded: Vec::new(),
        };
        portico::load::load(&options, &mut repo).unwrap();
        let ids: Vec<_> = repo.documents.iter().map(|d| d.id()).collect();
        let before: Vec<_> = ids.iter().map(|&i| repo.root(i).unwrap().clone()).collect();
        assert!(before.len() > 3, "{dir}: {} documents", before.len());
        repo.release_trees();
        assert!(repo.reparsed_files().is_empty());
        for (&i, tree) in ids.iter().zip(&before) {
            assert_eq!(repo.root(i), Some(tree), "{dir}: document {i:?}");
        }
        let files: std::collections::BTreeSet<_> = repo.documents.iter().map(|d| d.file).collect();
        assert_eq!(repo.reparsed_files(), files.into_iter().collect::<Vec<_>>());
    }
}

/// A clean check never parses a file twice; one with findings parses again only the files it
/// must locate something in (a finding or its other end).
#[test]
fn trees_are_parsed_again_only_to_locate_findings() {
    let clean = common::check_path(&common::root().join("testdata/repos/portal-okta"));
    assert!(clean.diagnostics.is_empty(), "{:?}", clean.diagnostics);
    assert!(clean.repo.documents.len() > 5);
    assert_eq!(clean.repo.reparsed_files(), Vec::new());

    let broken = common::check_path(&common::root().join("testdata/repos/portal-okta-broken"));
    let with_findings: std::collections::BTreeSet<_> = broken
        .diagnostics
        .iter()
        .chain(broken.suppressed.iter().map(|s| &s.diagnostic))
        .flat_map(|d| {
            std::iter::once(d.finding.span.file)
                .chain(d.finding.related.iter().map(|l| l.span.file))
        })
        .collect();
    let reparsed = broken.repo.reparsed_files();
    assert!(!reparsed.is_empty());
    for file in &reparsed {
        assert!(
            with_findings.contains(file),
            "{} was parsed again but holds no finding",
            broken.repo.sources.get(*file).name
        );
    }
}
