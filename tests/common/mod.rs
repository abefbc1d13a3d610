//! Shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use portico::load::Input;
use portico::report::human::HumanOptions;
use portico::{CheckRequest, CheckResult};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Checks one directory or file.
pub fn check_path(path: &Path) -> CheckResult {
    portico::check(&CheckRequest {
        inputs: vec![Input::Path(path.to_path_buf())],
        ..CheckRequest::default()
    })
    .expect("check runs")
}

/// Human rendering without colour at a fixed width.
pub fn human(result: &CheckResult) -> String {
    portico::report::human::render(
        result,
        HumanOptions {
            color: false,
            width: 100,
        },
    )
}

/// `portico ARGS` run in `dir` with `NO_COLOR` and a wide terminal: exit code (-1 for a
/// signal), stdout, stderr.
pub fn portico_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "1000")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether generated files should be rewritten instead of compared.
pub fn updating() -> bool {
    std::env::var_os("PORTICO_UPDATE").is_some_and(|v| v == "1")
}

/// Compares `actual` with the committed file at `path`, or rewrites it under `PORTICO_UPDATE=1`.
pub fn assert_generated(path: &Path, actual: &str) {
    if updating() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == actual,
        "{} is out of date with the code; regenerate it with `PORTICO_UPDATE=1 cargo test`",
        path.display()
    );
}

/// The shared reference and corpus directory beside the repository.
pub fn shared() -> PathBuf {
    std::env::var_os("PORTICO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"))
}

/// `rel` inside [`shared`], when it is there. A clone of the repository alone has no
/// `../shared` beside it, and the README's test command must still pass there: the test that
/// needs it is skipped with one line on the terminal saying what and why. In CI (`CI` set) a
/// missing file fails the test instead, so `.ci/run` never reports a skipped check as passing.
pub fn shared_path(rel: &str) -> Option<PathBuf> {
    let path = shared().join(rel);
    if path.exists() {
        return Some(path);
    }
    let message = format!(
        "{} is missing (set PORTICO_SHARED to the shared/ directory)",
        path.display()
    );
    assert!(std::env::var_os("CI").is_none(), "{message}");
    skipped(&message);
    None
}

/// Says on the terminal that a test did not run its check. libtest captures only the `print!`
/// family, so a direct write to the standard error stream stays visible in `cargo test`.
pub fn skipped(why: &str) {
    use std::io::Write;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// An ExtAuthPolicy whose route selector has a typo (`dev-portl`): a repository holding it and
/// [`ROUTES`] always yields PC201, which tests use to show the rest of a repository was checked.
pub const POLICY_WITH_TYPO: &str = "apiVersion: security.policy.gloo.solo.io/v2
kind: ExtAuthPolicy
metadata: {name: p, namespace: gloo-mesh}
spec:
  applyToRoutes:
    - route:
        labels: {usagePlans: dev-portl}
";

/// `(file, code)` of every diagnostic of a check, asserting that the PC201 of
/// [`POLICY_WITH_TYPO`] (kept in `policy.yaml`) is among them: the rest of the repository was
/// checked whatever the hostile file beside it holds.
pub fn codes_beside_policy(result: &CheckResult) -> Vec<(String, &'static str)> {
    let found: Vec<(String, &'static str)> = result
        .diagnostics
        .iter()
        .map(|d| {
            (
                result.repo.sources.get(d.finding.span.file).name.clone(),
                d.code,
            )
        })
        .collect();
    assert!(
        found.contains(&("policy.yaml".to_owned(), "PC201")),
        "the policy next to it was not checked: {found:?}"
    );
    found
}

/// A RouteTable with one route labelled `usagePlans: dev-portal`.
pub const ROUTES: &str = "apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: {name: rt, namespace: gloo-mesh}
spec:
  hosts: [api.example.com]
  http:
    - name: r
      labels: {usagePlans: dev-portal}
      forwardTo: {destinations: [{ref: {name: svc}, port: {number: 80}}]}
";

/// Copies every file under `from` to `to`, each at the relative path `place` gives for its
/// own relative path (with `/`), writing them in reverse path order so creation order differs
/// from the original's.
pub fn copy_tree(from: &Path, to: &Path, place: &dyn Fn(usize, &str) -> String) {
    let mut files = Vec::new();
    let mut stack = vec![from.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    files.reverse();
    for (i, file) in files.iter().enumerate() {
        let rel = file
            .strip_prefix(from)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let target = to.join(place(i, &rel));
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(file, &target).unwrap();
    }
}
