//! Baselines: the adoption cycle on portal-okta-broken, fingerprints that ignore line numbers,
//! the file format, and baselines that cannot be used.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use portico::load::Input;
use portico::triage::baseline::{self, BaselineError};
use portico::{CheckRequest, CheckResult, Error};

/// A copy of a scenario repository in a temporary directory.
fn copy_repo(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &common::root().join("testdata/repos").join(name),
        dir.path(),
    );
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn check(repo: &Path, baseline: Option<&Path>) -> CheckResult {
    portico::check(&CheckRequest {
        inputs: vec![Input::Path(repo.to_path_buf())],
        baseline: baseline.map(Path::to_path_buf),
        ..CheckRequest::default()
    })
    .expect("check runs")
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn codes(result: &CheckResult) -> Vec<&'static str> {
    result.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn adoption_cycle_on_portal_okta_broken() {
    let repo = copy_repo("portal-okta-broken");
    let outside = tempfile::tempdir().unwrap();
    let file: PathBuf = outside.path().join("portico-baseline.json");

    // 1. Record every current finding.
    let first = check(repo.path(), None);
    let recorded = first.diagnostics.len();
    assert!(recorded >= 4, "{}", common::human(&first));
    baseline::write_baseline(&file, &first.baseline()).unwrap();
    let written = baseline::read(&file).unwrap().0;
    assert_eq!(written.version, baseline::VERSION);
    assert_eq!(written.entries.len(), recorded);

    // 2. With the baseline the run is clean, and the findings are counted as baselined.
    let clean = check(repo.path(), Some(&file));
    assert!(clean.diagnostics.is_empty(), "{}", common::human(&clean));
    assert_eq!(clean.summary.baselined, recorded);
    assert_eq!(clean.baselined.len(), recorded);

    // Moving every finding to other lines changes nothing: fingerprints ignore line numbers.
    let policy = repo.path().join("auth/ext-auth-policy.yaml");
    let table = repo.path().join("routes/petstore-rt.yaml");
    for path in [&policy, &table] {
        let text = std::fs::read_to_string(path).unwrap();
        std::fs::write(path, format!("# moved\n#\n# down\n{text}")).unwrap();
    }
    let moved = check(repo.path(), Some(&file));
    assert!(moved.diagnostics.is_empty(), "{}", common::human(&moved));

    // 3. A new finding is the only one reported.
    edit(
        &policy,
        "    - route:\n        labels:\n          usagePlans: dev-portl\n",
        "    - route:\n        labels:\n          usagePlans: dev-portl\n    - route:\n        labels:\n          usagePlans: partner-portal\n",
    );
    let changed = check(repo.path(), Some(&file));
    assert_eq!(codes(&changed), ["PC201"], "{}", common::human(&changed));
    assert!(
        changed.diagnostics[0]
            .finding
            .message
            .contains("partner-portal")
    );
    assert_eq!(changed.summary.baselined, recorded);

    // 4. A fixed finding shows as a stale baseline entry, at its line of the baseline file.
    edit(
        &policy,
        "url: http://dev-1234567",
        "url: https://dev-1234567",
    );
    let fixed = check(repo.path(), Some(&file));
    assert_eq!(
        codes(&fixed),
        ["PC906", "PC201"],
        "{}",
        common::human(&fixed)
    );
    let stale = &fixed.diagnostics[0];
    assert_eq!(stale.severity, portico::diagnostic::Severity::Info);
    let source = fixed.repo.sources.get(stale.finding.span.file);
    assert_eq!(source.path, file);
    let line = source.line_col(stale.finding.span.range.start).line;
    let text = std::fs::read_to_string(&file).unwrap();
    let expected = text.lines().position(|l| l.contains("\"PC403\"")).unwrap() + 1;
    assert_eq!(line, expected);
    assert!(
        stale.finding.message.starts_with(
            "baseline entry no longer occurs: PC403 on ExtAuthPolicy/gloo-mesh/oauth-okta"
        ),
        "{}",
        stale.finding.message
    );
    assert_eq!(fixed.summary.baselined, recorded - 1);
    let human = common::human(&fixed);
    assert!(human.contains("portico-baseline.json"), "{human}");

    // 5. Rewriting the baseline from that run keeps the accepted findings, drops the fixed one
    //    and records the new one.
    baseline::write_baseline(&file, &fixed.baseline()).unwrap();
    let rewritten = baseline::read(&file).unwrap().0;
    assert_eq!(rewritten.entries.len(), recorded);
    assert!(rewritten.entries.iter().all(|e| e.code != "PC906"));
    assert!(rewritten.entries.iter().all(|e| e.code != "PC403"));
    let again = check(repo.path(), Some(&file));
    assert!(again.diagnostics.is_empty(), "{}", common::human(&again));
}

#[test]
fn the_file_is_sorted_versioned_and_stable() {
    let repo = copy_repo("portal-okta-broken");
    let result = check(repo.path(), None);
    let built = result.baseline();
    let text = baseline::render(&built);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["version"], 1);
    let entries = json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), result.diagnostics.len());
    // One entry per line, so the file diffs line by line.
    assert_eq!(text.lines().count(), entries.len() + 5);
    let subjects: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["resource"].as_str().or(e["file"].as_str()).unwrap(),
                e["code"].as_str().unwrap(),
                e["pointer"].as_str().unwrap_or("")
            )
        })
        .collect();
    let mut sorted = subjects.clone();
    sorted.sort();
    assert_eq!(subjects, sorted);
    // No line numbers anywhere: entries hold a resource, a code, a pointer and the message.
    let first = &entries[0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["fingerprint", "code", "resource", "pointer", "message"],
        "{text}"
    );
    assert_eq!(
        entries
            .iter()
            .find(|e| e["code"] == "PC201")
            .map(|e| (e["resource"].clone(), e["pointer"].clone())),
        Some((
            "ExtAuthPolicy/gloo-mesh/oauth-okta".into(),
            "/spec/applyToRoutes/0/route/labels/usagePlans".into()
        ))
    );
    // The same input gives the same file.
    let again = baseline::render(&check(repo.path(), None).baseline());
    assert_eq!(text, again);
    // Parsing gives back what was rendered.
    assert_eq!(baseline::parse(Path::new("b.json"), &text).unwrap(), built);
}

#[test]
fn fingerprints_ignore_lines_but_not_resources() {
    let repo = copy_repo("portal-okta-broken");
    let before = check(repo.path(), None);
    let fingerprints = |r: &CheckResult| -> Vec<(String, String)> {
        let mut v: Vec<_> = r
            .diagnostics
            .iter()
            .map(|d| (d.code.to_owned(), baseline::fingerprint(d, &r.repo)))
            .collect();
        v.sort();
        v
    };
    let policy = repo.path().join("auth/ext-auth-policy.yaml");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, format!("\n\n\n{text}")).unwrap();
    let shifted = check(repo.path(), None);
    assert_eq!(fingerprints(&before), fingerprints(&shifted));

    // Renaming the policy changes the fingerprints of its findings.
    edit(&policy, "name: oauth-okta", "name: oauth-okta-v2");
    let renamed = check(repo.path(), None);
    let old: Vec<_> = fingerprints(&before)
        .into_iter()
        .filter(|(c, _)| c == "PC403")
        .collect();
    let new: Vec<_> = fingerprints(&renamed)
        .into_iter()
        .filter(|(c, _)| c == "PC403")
        .collect();
    assert_eq!(old.len(), 1);
    assert_eq!(new.len(), 1);
    assert_ne!(old, new);
}

#[test]
fn duplicates_are_counted() {
    // Two findings with one fingerprint: the baseline holds the entry twice and drops both; a
    // third is new.
    let repo = copy_repo("portal-okta-broken");
    let result = check(repo.path(), None);
    let d = result
        .diagnostics
        .iter()
        .find(|d| d.code == "PC201")
        .unwrap();
    let one = baseline::build([d], &result.repo);
    let two = baseline::build([d, d], &result.repo);
    assert_eq!(one.entries.len(), 1);
    assert_eq!(two.entries.len(), 2);
    let loaded = baseline::Loaded {
        baseline: one,
        file: d.finding.span.file,
    };
    let (kept, dropped, outcome) =
        baseline::apply(&loaded, vec![d.clone(), d.clone()], &result.repo);
    assert_eq!((kept.len(), dropped.len(), outcome.stale.len()), (1, 1, 0));
    let loaded = baseline::Loaded {
        baseline: two,
        file: d.finding.span.file,
    };
    let (kept, dropped, outcome) = baseline::apply(&loaded, vec![d.clone()], &result.repo);
    assert_eq!((kept.len(), dropped.len(), outcome.stale.len()), (0, 1, 1));
}

#[test]
fn baseline_named_in_portico_yaml() {
    let repo = copy_repo("portal-okta-broken");
    let first = check(repo.path(), None);
    baseline::write_baseline(
        &repo.path().join("portico-baseline.json"),
        &first.baseline(),
    )
    .unwrap();
    let config = repo.path().join("portico.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}baseline: portico-baseline.json\n")).unwrap();
    // The baseline lies inside the repository: it is not read as configuration to check.
    let clean = check(repo.path(), None);
    assert!(clean.diagnostics.is_empty(), "{}", common::human(&clean));
    assert_eq!(clean.summary.baselined, first.diagnostics.len());

    // A missing one is a configuration error, and the run goes on without it.
    std::fs::write(&config, format!("{text}baseline: missing.json\n")).unwrap();
    let missing = check(repo.path(), None);
    let pc901: Vec<_> = missing
        .diagnostics
        .iter()
        .filter(|d| d.code == "PC901")
        .collect();
    assert_eq!(pc901.len(), 1, "{}", common::human(&missing));
    assert!(pc901[0].finding.message.contains("missing.json"));
    assert_eq!(missing.diagnostics.len(), first.diagnostics.len() + 1);
}

#[test]
fn unusable_baselines_are_errors() {
    let repo = copy_repo("portal-okta");
    let dir = tempfile::tempdir().unwrap();
    let run = |path: &Path| {
        portico::check(&CheckRequest {
            inputs: vec![Input::Path(repo.path().to_path_buf())],
            baseline: Some(path.to_path_buf()),
            ..CheckRequest::default()
        })
    };
    let missing = dir.path().join("missing.json");
    assert!(matches!(
        run(&missing),
        Err(Error::Baseline(BaselineError::Io { .. }))
    ));
    let future = dir.path().join("future.json");
    std::fs::write(&future, "{\"version\": 2, \"entries\": []}").unwrap();
    let error = run(&future).expect_err("version 2 is refused");
    assert!(matches!(
        error,
        Error::Baseline(BaselineError::Version { found: 2, .. })
    ));
    assert!(error.to_string().contains("--write-baseline"), "{error}");
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "entries: []").unwrap();
    assert!(matches!(
        run(&junk),
        Err(Error::Baseline(BaselineError::Invalid { .. }))
    ));
    // An empty baseline is fine: nothing to drop, nothing stale.
    let empty = dir.path().join("empty.json");
    baseline::write_baseline(
        &empty,
        &baseline::Baseline {
            version: baseline::VERSION,
            entries: Vec::new(),
        },
    )
    .unwrap();
    assert_eq!(
        std::fs::read_to_string(&empty).unwrap(),
        "{\n  \"version\": 1,\n  \"entries\": []\n}\n"
    );
    let result = run(&empty).unwrap();
    assert!(result.diagnostics.is_empty(), "{}", common::human(&result));
}
