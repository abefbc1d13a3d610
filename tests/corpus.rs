//! The real-world corpus (../shared/corpus/real-world): over a thousand published Gloo
//! documents. Every file loads without a crash and without a loader error; the error-level
//! findings are kept in a reviewed snapshot (each kind is explained in docs/corpus.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use portico::diagnostic::Severity;
use portico::report::json::position;

/// The corpus, or `None` (skipped) when it is not beside the repository.
fn corpus_dir() -> Option<PathBuf> {
    common::shared_path("corpus/real-world")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_corpus_file_loads_and_errors_are_the_reviewed_ones() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let files = yaml_files(&dir);
    assert!(
        files.len() > 200,
        "expected the whole corpus, found {} files",
        files.len()
    );
    let mut documents = 0;
    let mut resources = 0;
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    let mut listing = String::new();
    for file in &files {
        let result = common::check_path(file);
        documents += result.repo.documents.len();
        resources += result.summary.resources;
        let rel = file
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for d in &result.diagnostics {
            // Every corpus file is valid YAML: a loader finding here is a portico bug.
            assert!(
                !matches!(d.code, "PC001" | "PC004" | "PC005"),
                "{rel}: loader error {} {}",
                d.code,
                d.finding.message
            );
            if d.severity == Severity::Error {
                *by_code.entry(d.code).or_default() += 1;
                let (_, (line, column), _) = position(&result.repo.sources, &d.finding.span);
                writeln!(
                    listing,
                    "{rel}:{line}:{column} {} {}",
                    d.code, d.finding.message
                )
                .unwrap();
            }
        }
    }
    assert!(
        documents > 1000,
        "expected over a thousand documents, read {documents}"
    );
    let mut summary = format!(
        "files: {}\ndocuments: {documents}\nresources: {resources}\nerrors by code:\n",
        files.len()
    );
    for (code, n) in &by_code {
        writeln!(summary, "  {code}: {n}").unwrap();
    }
    insta::with_settings!({snapshot_path => "snapshots/corpus", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("corpus_summary", summary);
        insta::assert_snapshot!("corpus_errors", listing);
    });
}

#[test]
fn whole_corpus_as_one_repository() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let result = common::check_path(&dir);
    assert!(result.summary.files > 200);
    assert!(result.summary.resources > 250, "{:?}", result.summary);
    assert!(
        !result
            .diagnostics
            .iter()
            .any(|d| matches!(d.code, "PC001" | "PC004" | "PC005"))
    );
}

/// Schema-stage codes: the document's shape, not its references.
const SCHEMA_CODES: &[&str] = &[
    "PC101", "PC102", "PC103", "PC104", "PC105", "PC106", "PC107", "PC108", "PC109", "PC110",
    "PC111", "PC112",
];

/// Every RouteTable, ExtAuthPolicy, ExtAuthServer and AuthConfig of the corpus validates, except
/// the documents listed in `tests/corpus_schema_exceptions.txt`, each with the reason it is
/// really wrong. A listed file that no longer has a schema finding fails the test too, so the
/// list stays exact.
#[test]
fn corpus_validates_except_reviewed_documents() {
    let Some(dir) = corpus_dir() else {
        return;
    };
    let listed_text =
        std::fs::read_to_string(common::root().join("tests/corpus_schema_exceptions.txt")).unwrap();
    let mut listed: BTreeMap<String, String> = BTreeMap::new();
    for line in listed_text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (file, reason) = line
            .split_once(" | ")
            .unwrap_or_else(|| panic!("`file | reason` expected: {line}"));
        assert!(!reason.trim().is_empty(), "{file} has no reason");
        listed.insert(file.trim().to_owned(), reason.trim().to_owned());
    }
    let mut unexpected = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for file in yaml_files(&dir) {
        let result = common::check_path(&file);
        let rel = file
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for d in result
            .diagnostics
            .iter()
            .filter(|d| SCHEMA_CODES.contains(&d.code))
        {
            if listed.contains_key(&rel) {
                seen.insert(rel.clone());
            } else {
                let (_, (line, column), _) = position(&result.repo.sources, &d.finding.span);
                unexpected.push(format!(
                    "{rel}:{line}:{column} {} {}",
                    d.code, d.finding.message
                ));
            }
        }
    }
    let stale: Vec<_> = listed.keys().filter(|f| !seen.contains(*f)).collect();
    assert!(
        unexpected.is_empty() && stale.is_empty(),
        "schema findings in files not on the reviewed list:\n{}\n\nlisted files with no schema finding any more:\n{stale:#?}",
        unexpected.join("\n")
    );
}
