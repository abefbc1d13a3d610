//! The hooks of `.pre-commit-hooks.yaml`, run by pre-commit itself (installed from PyPI, pinned)
//! in a temporary git repository: clean on the example, failing on the broken one and on build
//! output that drifted.
//!
//! The hooks are declared `language: rust`, which makes pre-commit `cargo install` portico from
//! its repository; here they are copied into a `repo: local` configuration with `language:
//! system` and the freshly built binary as entry, so the test runs this tree's portico with the
//! ids, entries, arguments and file filters the published hooks declare.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

/// The pre-commit release the hooks are tested with.
const PRE_COMMIT_VERSION: &str = "4.7.0";

/// A missing consumer fails in CI and explains itself elsewhere, never passes silently (as the
/// Envoy oracle of tests/build.rs).
fn consumer_missing(what: &str) {
    let message = format!("{what}: this test did not run");
    assert!(
        std::env::var_os("CI").is_none(),
        "{message} (CI must be able to `pip install pre-commit=={PRE_COMMIT_VERSION}`)"
    );
    common::skipped(&message);
}

/// pre-commit, installed with `pip install --target` into a directory under the target
/// directory: once per pin, reused by later runs. (A virtualenv would tie its scripts to the
/// path it was created at; a `--target` directory is plain modules, run with
/// `python3 -m pre_commit`, and can be built elsewhere and renamed into place.)
#[derive(Clone)]
struct PreCommit {
    site: PathBuf,
}

impl PreCommit {
    fn command(&self) -> Command {
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "pre_commit"])
            .env("PYTHONPATH", &self.site)
            .env("PYTHONDONTWRITEBYTECODE", "1");
        cmd
    }

    fn works(&self) -> bool {
        self.command().arg("--version").output().is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).contains(PRE_COMMIT_VERSION)
        })
    }
}

/// pre-commit, or why it cannot be had.
fn pre_commit() -> Result<PreCommit, String> {
    static ONCE: OnceLock<Result<PreCommit, String>> = OnceLock::new();
    ONCE.get_or_init(install).clone()
}

fn install() -> Result<PreCommit, String> {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let installed = PreCommit {
        site: base.join(format!("pre-commit-{PRE_COMMIT_VERSION}")),
    };
    if installed.works() {
        return Ok(installed);
    }
    // Installed beside the final place and renamed into it, so that two test runs sharing the
    // target directory never see a half-installed copy.
    std::fs::create_dir_all(&base).map_err(|e| format!("{}: {e}", base.display()))?;
    let staging = tempfile::tempdir_in(&base).map_err(|e| e.to_string())?;
    let fresh = staging.path().join("site");
    let out = Command::new("python3")
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-warn-script-location",
            "--target",
        ])
        .arg(&fresh)
        .arg(format!("pre-commit=={PRE_COMMIT_VERSION}"))
        .output()
        .map_err(|e| format!("python3 -m pip could not start: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "python3 -m pip install pre-commit=={PRE_COMMIT_VERSION} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if std::fs::rename(&fresh, &installed.site).is_err() && !installed.works() {
        // A broken copy from an interrupted run is in the way.
        let _ = std::fs::remove_dir_all(&installed.site);
        std::fs::rename(&fresh, &installed.site)
            .map_err(|e| format!("{}: {e}", installed.site.display()))?;
    }
    if installed.works() {
        Ok(installed)
    } else {
        Err(format!(
            "pre-commit installed in {} does not run",
            installed.site.display()
        ))
    }
}

/// The hooks of `.pre-commit-hooks.yaml`, as a `repo: local` configuration running the binary
/// under test. `args` gives extra arguments per hook id.
fn local_config(args: &[(&str, &[&str])]) -> String {
    let text = std::fs::read_to_string(common::root().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<serde_json::Map<String, Value>> = yaml_serde::from_str(&text).unwrap();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["portico-check", "portico-build-check"]);
    let binary = env!("CARGO_BIN_EXE_portico");
    assert!(
        !binary.contains(['\'', '"', ' ']),
        "the binary path needs quoting: {binary}"
    );
    let local: Vec<Value> = hooks
        .into_iter()
        .map(|mut hook| {
            assert_eq!(hook["language"], "rust");
            assert_eq!(
                hook["pass_filenames"], false,
                "the hooks check the whole repo"
            );
            let entry = hook["entry"].as_str().unwrap();
            let rest = entry
                .strip_prefix("portico ")
                .unwrap_or_else(|| panic!("entry runs portico: {entry}"));
            hook.insert("entry".into(), format!("{binary} {rest}").into());
            hook.insert("language".into(), "system".into());
            let id = hook["id"].as_str().unwrap().to_owned();
            if let Some((_, extra)) = args.iter().find(|(k, _)| *k == id) {
                hook.insert("args".into(), serde_json::json!(extra));
            }
            Value::Object(hook)
        })
        .collect();
    // JSON is YAML, and needs no quoting rules of its own.
    serde_json::to_string_pretty(&serde_json::json!({
        "repos": [{"repo": "local", "hooks": local}]
    }))
    .unwrap()
}

/// A git repository holding a copy of an example and the hook configuration, everything staged.
fn repo(example: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &common::root().join("testdata/repos").join(example),
        dir.path(),
    );
    std::fs::write(
        dir.path().join(".pre-commit-config.yaml"),
        local_config(&[("portico-build-check", &["--out", "generated"])]),
    )
    .unwrap();
    git(dir.path(), &["init", "--quiet"]);
    git(dir.path(), &["add", "--all"]);
    dir
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `pre-commit run --all-files` in `dir`, with its cache inside `dir`'s sibling temp dir.
fn run_hooks(pre_commit: &PreCommit, dir: &Path, home: &Path) -> (bool, String) {
    let out: Output = pre_commit
        .command()
        .args([
            "run",
            "--all-files",
            "--color",
            "never",
            "--show-diff-on-failure",
        ])
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", home)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// pre-commit's status line of a hook: `name.....Passed`.
fn status(output: &str, name: &str) -> Option<String> {
    output.lines().find_map(|l| {
        let rest = l.strip_prefix(name)?;
        let rest = rest.trim_start_matches('.');
        Some(rest.trim().to_owned())
    })
}

#[test]
fn hooks_pass_on_the_example_and_catch_drift() {
    let pre_commit = match pre_commit() {
        Ok(p) => p,
        Err(why) => return consumer_missing(&why),
    };
    let home = tempfile::tempdir().unwrap();
    let repo = repo("portal-okta");
    // The committed build output the build hook compares with.
    let built = Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(["build", "--out", "generated"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    git(repo.path(), &["add", "--all"]);

    let (ok, output) = run_hooks(&pre_commit, repo.path(), home.path());
    assert!(ok, "{output}");
    assert_eq!(
        status(&output, "portico check").as_deref(),
        Some("Passed"),
        "{output}"
    );
    assert_eq!(
        status(&output, "portico build --check").as_deref(),
        Some("Passed"),
        "{output}"
    );

    // A change that is clean but alters what the build emits: only the build hook fails, and
    // prints the diff.
    let tracks = repo.path().join("routes/tracks-rt.yaml");
    let text = std::fs::read_to_string(&tracks).unwrap();
    assert!(text.contains("number: 5000"));
    std::fs::write(&tracks, text.replace("number: 5000", "number: 5001")).unwrap();
    git(repo.path(), &["add", "--all"]);
    let (ok, output) = run_hooks(&pre_commit, repo.path(), home.path());
    assert!(!ok, "{output}");
    assert_eq!(
        status(&output, "portico check").as_deref(),
        Some("Passed"),
        "{output}"
    );
    assert_eq!(
        status(&output, "portico build --check").as_deref(),
        Some("Failed"),
        "{output}"
    );
    assert!(output.contains("--- a/envoy/bootstrap.yaml"), "{output}");
    assert!(
        output.contains("-                port_value: 5000"),
        "{output}"
    );
    assert!(
        output.contains("+                port_value: 5001"),
        "{output}"
    );
    assert!(output.contains("is out of date"), "{output}");
}

#[test]
fn hooks_fail_on_the_broken_example() {
    let pre_commit = match pre_commit() {
        Ok(p) => p,
        Err(why) => return consumer_missing(&why),
    };
    let home = tempfile::tempdir().unwrap();
    let repo = repo("portal-okta-broken");
    let (ok, output) = run_hooks(&pre_commit, repo.path(), home.path());
    assert!(!ok, "{output}");
    assert_eq!(
        status(&output, "portico check").as_deref(),
        Some("Failed"),
        "{output}"
    );
    assert!(output.contains("- exit code: 1"), "{output}");
    assert!(
        output.contains("PC201: selector matches no route"),
        "{output}"
    );
    assert!(output.contains("auth/ext-auth-policy.yaml"), "{output}");
    // The build refuses a repository with errors, so its hook fails too.
    assert_eq!(
        status(&output, "portico build --check").as_deref(),
        Some("Failed"),
        "{output}"
    );
    assert!(output.contains("build refused"), "{output}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
