//! The real repositories of ../shared/corpus/real-world-2: each folder is one repository
//! snapshot, checked on its own as portico would check it in that repository's CI. Nothing
//! crashes, no file gets a loader finding it should not, and every error and warning is kept
//! in a reviewed snapshot (each kind is explained in docs/corpus.md): a new one shows up in
//! review as a change of that snapshot.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

use portico::diagnostic::Severity;
use portico::report::json::position;

/// The corpus, or `None` (skipped) when it is not beside the repository.
fn corpus_dir() -> Option<PathBuf> {
    common::shared_path("corpus/real-world-2")
}

#[test]
fn every_repository_checks_and_its_errors_and_warnings_are_the_reviewed_ones() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let mut repositories: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    repositories.sort();
    assert!(
        repositories.len() >= 18,
        "expected the 18 repositories, found {}",
        repositories.len()
    );
    let mut summary = String::new();
    let mut listing = String::new();
    let mut by_code: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for repository in &repositories {
        let name = repository
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let result = common::check_path(repository);
        writeln!(
            summary,
            "{name}: {} files, {} resources, {} errors, {} warnings, {} infos",
            result.summary.files,
            result.summary.resources,
            result.summary.errors,
            result.summary.warnings,
            result.summary.infos
        )
        .unwrap();
        for d in &result.diagnostics {
            let severity = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => continue,
            };
            *by_code.entry((d.code, severity)).or_default() += 1;
            let (file, (line, column), _) = position(&result.repo.sources, &d.finding.span);
            writeln!(
                listing,
                "{name}/{file}:{line}:{column} {severity} {} {}",
                d.code, d.finding.message
            )
            .unwrap();
        }
    }
    summary.push_str("errors and warnings by code:\n");
    for ((code, severity), n) in &by_code {
        writeln!(summary, "  {code} {severity}: {n}").unwrap();
    }
    insta::with_settings!({snapshot_path => "snapshots/corpus", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("repositories_summary", summary);
        insta::assert_snapshot!("repositories_findings", listing);
    });
}
