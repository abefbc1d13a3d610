//! Hostile inputs (issue 8): each gets a clear diagnostic or is read without complaint, never
//! a crash or a hang, and the rest of the repository is still checked — the policy with a
//! misspelt label next to them is always reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{POLICY_WITH_TYPO, ROUTES};

/// Checks a repository holding the hostile file and the policy; returns the codes found per
/// file, and asserts the policy's PC201 is among them.
fn check_with(name: &str, content: &[u8]) -> Vec<(String, &'static str)> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yaml"), POLICY_WITH_TYPO).unwrap();
    std::fs::write(dir.path().join("routes.yaml"), ROUTES).unwrap();
    std::fs::write(dir.path().join(name), content).unwrap();
    common::codes_beside_policy(&common::check_path(dir.path()))
}

fn codes_of(found: &[(String, &'static str)], file: &str) -> Vec<&'static str> {
    found
        .iter()
        .filter(|(f, _)| f == file)
        .map(|(_, c)| *c)
        .collect()
}

#[test]
fn ten_thousand_levels_of_nesting() {
    let mut deep = String::from("a: ");
    deep.push_str(&"[".repeat(10_000));
    deep.push_str(&"]".repeat(10_000));
    deep.push('\n');
    let found = check_with("deep.yaml", deep.as_bytes());
    assert_eq!(codes_of(&found, "deep.yaml"), vec!["PC001"], "{found:?}");
    let mut deep_map = String::from("a: ");
    deep_map.push_str(&"{k: ".repeat(10_000));
    deep_map.push_str(&"}".repeat(10_000));
    deep_map.push('\n');
    let found = check_with("deep-map.yaml", deep_map.as_bytes());
    assert_eq!(
        codes_of(&found, "deep-map.yaml"),
        vec!["PC001"],
        "{found:?}"
    );
}

#[test]
fn very_long_lines_are_read() {
    let line = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: big}}\ndata:\n  blob: {}\n",
        "x".repeat(4_000_000)
    );
    let found = check_with("long.yaml", line.as_bytes());
    assert_eq!(codes_of(&found, "long.yaml"), Vec::<&str>::new());
}

#[test]
fn nul_bytes_and_invalid_utf8_are_reported() {
    let found = check_with("nul.yaml", b"a: 1\n\0\0\0b: 2\n");
    assert_eq!(codes_of(&found, "nul.yaml"), vec!["PC005"], "{found:?}");
    let found = check_with("latin1.yaml", b"name: caf\xe9\n");
    assert_eq!(codes_of(&found, "latin1.yaml"), vec!["PC005"], "{found:?}");
}

#[test]
fn empty_files_and_bare_separators_are_fine() {
    for (name, text) in [
        ("empty.yaml", ""),
        ("sep.yaml", "---\n"),
        ("seps.yaml", "---\n---\n...\n"),
        ("comment.yaml", "# nothing\n"),
    ] {
        let found = check_with(name, text.as_bytes());
        assert_eq!(codes_of(&found, name), Vec::<&str>::new(), "{name}");
    }
}

#[test]
fn duplicate_keys_are_reported_in_place() {
    let found = check_with(
        "dup.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    assert!(codes_of(&found, "dup.yaml").contains(&"PC002"), "{found:?}");
}

#[test]
fn a_file_that_vanishes_after_listing_is_reported() {
    // A dangling link takes the same path as a file removed between the walk and the read:
    // listed, then unreadable.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yaml"), POLICY_WITH_TYPO).unwrap();
    std::fs::write(dir.path().join("routes.yaml"), ROUTES).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        dir.path().join("gone.yaml"),
        dir.path().join("vanished.yaml"),
    )
    .unwrap();
    let result = common::check_path(dir.path());
    let codes: Vec<_> = result.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"PC201"), "{codes:?}");
    #[cfg(unix)]
    assert!(codes.contains(&"PC005"), "{codes:?}");
}

#[test]
fn many_tiny_documents() {
    // 200,000 documents in one file (1.6 MB); the benchmark covers a million.
    let text = "---\na: 1\n".repeat(200_000);
    let found = check_with("many.yaml", text.as_bytes());
    assert_eq!(codes_of(&found, "many.yaml"), Vec::<&str>::new());
}

#[test]
fn an_oversized_file_is_reported_not_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yaml"), POLICY_WITH_TYPO).unwrap();
    std::fs::write(dir.path().join("routes.yaml"), ROUTES).unwrap();
    let big = vec![b'#'; 1 << 20];
    std::fs::write(dir.path().join("big.yaml"), &big).unwrap();
    let mut repo = portico::load::Repo::default();
    let options = portico::load::LoadOptions {
        inputs: vec![portico::load::Input::Path(dir.path().to_path_buf())],
        walk: portico::load::walk::WalkOptions::default(),
        max_file_bytes: 1000,
        excluded: Vec::new(),
    };
    portico::load::load(&options, &mut repo).unwrap();
    let problems: Vec<String> = repo.problems.iter().map(|p| format!("{p:?}")).collect();
    assert!(
        problems.iter().any(|p| p.contains("TooLarge")),
        "{problems:?}"
    );
    let read: Vec<&str> = repo
        .documents
        .iter()
        .map(|d| repo.sources.get(d.file).name.as_str())
        .collect();
    assert_eq!(
        read,
        vec!["policy.yaml", "routes.yaml"],
        "only the small files are read"
    );
}

/// Standard input is held to the same limit as files (offsets in the tree are 32-bit, so
/// nothing larger than 4 GiB is ever parsed, whatever the limit says).
#[test]
fn oversized_standard_input_is_reported_not_parsed() {
    let mut repo = portico::load::Repo::default();
    let options = portico::load::LoadOptions {
        inputs: vec![
            portico::load::Input::Stdin(format!("a: {}\n", "x".repeat(2000))),
            portico::load::Input::Stdin("b: 1\n".to_owned()),
        ],
        walk: portico::load::walk::WalkOptions::default(),
        max_file_bytes: 1000,
        excluded: Vec::new(),
    };
    portico::load::load(&options, &mut repo).unwrap();
    let problems: Vec<String> = repo.problems.iter().map(|p| format!("{p:?}")).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("TooLarge { size: 2004, limit: 1000 }"),
        "{problems:?}"
    );
    assert_eq!(repo.documents.len(), 1, "the small input is still read");
}

/// The size limit is configurable: `maxFileBytes` in portico.yaml, overridden by
/// `--max-file-bytes`. The file over it is PC005 at its name, the rest is still checked.
#[test]
fn the_size_limit_comes_from_the_config_and_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yaml"), POLICY_WITH_TYPO).unwrap();
    std::fs::write(dir.path().join("routes.yaml"), ROUTES).unwrap();
    std::fs::write(
        dir.path().join("big.yaml"),
        format!("a: {}\n", "x".repeat(5000)),
    )
    .unwrap();
    let codes = |result: &portico::CheckResult| -> Vec<(String, &'static str)> {
        result
            .diagnostics
            .iter()
            .map(|d| {
                (
                    result.repo.sources.get(d.finding.span.file).name.clone(),
                    d.code,
                )
            })
            .collect()
    };
    // The default (16 MiB) reads it.
    let found = codes(&common::check_path(dir.path()));
    assert!(
        !found.contains(&("big.yaml".to_string(), "PC005")),
        "{found:?}"
    );
    // The config's limit refuses it.
    std::fs::write(dir.path().join("portico.yaml"), "maxFileBytes: 4096\n").unwrap();
    let found = codes(&common::check_path(dir.path()));
    assert!(
        found.contains(&("big.yaml".to_string(), "PC005")),
        "{found:?}"
    );
    assert!(
        found.contains(&("policy.yaml".to_string(), "PC201")),
        "{found:?}"
    );
    // The request's limit wins over the config's.
    let result = portico::check(&portico::CheckRequest {
        inputs: vec![portico::load::Input::Path(dir.path().to_path_buf())],
        max_file_bytes: Some(1 << 20),
        ..portico::CheckRequest::default()
    })
    .unwrap();
    let found = codes(&result);
    assert!(
        !found.contains(&("big.yaml".to_string(), "PC005")),
        "{found:?}"
    );
    // And through the command line.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(["check", "--max-file-bytes", "100", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let too_large: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "PC005")
        .filter_map(|d| d["file"].as_str())
        .collect();
    // policy.yaml and routes.yaml are over 100 bytes too; portico.yaml is read regardless.
    assert_eq!(
        too_large,
        vec!["big.yaml", "policy.yaml", "routes.yaml"],
        "{report:#}"
    );
}

/// Every input a fuzz target found trouble with (testdata/hostile/, named after the target
/// and libFuzzer's verdict) is read as a repository file, and by the reader of the target that
/// found it, without a crash; the policy next to it is still checked.
#[test]
fn fuzz_findings_stay_fixed() {
    let dir = common::root().join("testdata/hostile");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        // Directories are whole repositories (tests/hostile_rego.rs), not fuzz findings.
        if path.is_dir() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let content = std::fs::read(&path).unwrap();
        check_with(&name, &content);
        if name.starts_with("scope_sources-") {
            let text = String::from_utf8_lossy(&content).into_owned();
            // The target reads its input as Terraform or as a JSON/YAML export; the file's
            // extension says which.
            let as_name = if name.ends_with(".tf") {
                "idp/scopes.tf"
            } else {
                "idp/scopes.json"
            };
            let file = portico::load::source::SourceFile::new(as_name.into(), as_name.into(), text);
            let documents = portico::load::yaml::parse(&file).documents;
            let _ = portico::model::scopes::read(&file, &documents);
        }
        if name.starts_with("rego-") {
            let text = String::from_utf8_lossy(&content).into_owned();
            let module = portico::rego::parse::parse_module(
                "fuzz.rego",
                &text,
                portico::rego::parse::Accepted::Auto,
            );
            assert!(module.is_err_and(|e| e.too_deep), "{name}");
            assert!(portico::rego::parse::parse_query(&text).is_err(), "{name}");
        }
        seen += 1;
    }
    assert!(
        seen >= 6,
        "the fuzz findings are missing from {}",
        dir.display()
    );
}
