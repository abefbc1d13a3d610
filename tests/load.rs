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
    assert!(codes(dir.path()).is_empty());
}
