//! Reading only the repository, and only up to the limit (issue 16, items 11–16 and 25): the
//! repository is untrusted input, `portico.yaml` included, so nothing outside it is read or
//! shown, no input is read past the size limit, ignore files and links above or outside the
//! root change nothing, each file is read once, and standard input is an input like a file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::path::Path;

use portico::load::source::FileId as FileIdOf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a run of the binary may take before the test calls it a hang. Generous: the
/// tests run the debug build on a shared machine, and a bounded read of the inputs below
/// takes milliseconds, while the unbounded one took 5 s to gigabytes.
const HANG: Duration = Duration::from_secs(120);

/// What standard input is fed with, from a thread of its own.
type Feed = Box<dyn FnOnce(&mut dyn Write) + Send>;

/// One diagnostic of a JSON report: code, file, line, column, message.
type Found = (String, String, u64, u64, String);

/// What a run of the binary printed.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `dir`, feeding `stdin` from a thread (so an endless writer works),
/// and fails the test if it does not end within [`HANG`].
fn run_in(dir: &Path, args: &[&str], stdin: Option<Feed>) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(feed) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        // Detached: an endless writer ends when portico closes the pipe (EPIPE).
        std::thread::spawn(move || feed(&mut pipe));
    }
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("portico {args:?} did not finish within {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}

/// The diagnostics of a JSON report as (code, file, line, column, message).
fn diagnostics(report: &str) -> Vec<Found> {
    let report: serde_json::Value = serde_json::from_str(report)
        .unwrap_or_else(|e| panic!("not a JSON report ({e}):\n{report}"));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap_or("").to_owned(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn codes(report: &str) -> Vec<String> {
    diagnostics(report).into_iter().map(|d| d.0).collect()
}

/// A copy of `testdata/repos/<name>` at `to`.
fn copy_repo(name: &str, to: &Path) {
    common::copy_tree(
        &common::root().join("testdata/repos").join(name),
        to,
        &|_, rel| rel.to_owned(),
    );
}

/// The portal-okta example as one multi-document stream.
fn okta_stream() -> String {
    let root = common::root().join("testdata/repos/portal-okta");
    let mut text = String::new();
    for file in [
        "auth/ext-auth-policy.yaml",
        "auth/ext-auth-server.yaml",
        "auth/okta-scope-policy.yaml",
        "routes/api-example-com.yaml",
        "routes/petstore-rt.yaml",
        "routes/tracks-rt.yaml",
    ] {
        text.push_str("---\n");
        text.push_str(&std::fs::read_to_string(root.join(file)).unwrap());
    }
    text
}

// Item 11: `scopeSources` entries outside the repository.

/// What a file outside the repository holds: none of it may reach the report.
const SECRET: &str = "aws_access_key_id: AKIAFAKEFAKEFAKE1234\ntoken: \"ghp_faketokenfaketoken\n";

#[test]
fn scope_sources_outside_the_repository_are_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_repo("portal-cognito", &repo);
    std::fs::create_dir(dir.path().join("home")).unwrap();
    let secret = dir.path().join("home/credentials.yaml");
    std::fs::write(&secret, SECRET).unwrap();
    let mut entries = vec![
        "idp/cognito.yaml".to_owned(),
        "../home/credentials.yaml".to_owned(),
        secret.to_string_lossy().into_owned(),
    ];
    #[cfg(unix)]
    {
        entries.push("/proc/self/status".to_owned());
        // A link inside the repository that leads out of it.
        std::os::unix::fs::symlink(&secret, repo.join("idp/linked.yaml")).unwrap();
        entries.push("idp/linked.yaml".to_owned());
    }
    let config = std::fs::read_to_string(repo.join("portico.yaml")).unwrap();
    let listed = format!("scopeSources: [{}]", entries.join(", "));
    let config = config.replace("scopeSources: [idp/cognito.yaml]", &listed);
    assert!(config.contains(&listed), "the fixture changed");
    std::fs::write(repo.join("portico.yaml"), &config).unwrap();
    let line = config
        .lines()
        .position(|l| l.contains("scopeSources:"))
        .unwrap() as u64
        + 1;
    let line_text = config.lines().nth(line as usize - 1).unwrap();

    for format in ["human", "json", "sarif", "github"] {
        let run = run_in(
            dir.path(),
            &["check", "--format", format, "--no-ignore", "repo"],
            None,
        );
        for leaked in ["AKIAFAKE", "ghp_fake", "VmHWM", "Umask"] {
            assert!(
                !run.stdout.contains(leaked) && !run.stderr.contains(leaked),
                "{format}: `{leaked}` from outside the repository reached the report:\n{}",
                run.stdout
            );
        }
    }
    let run = run_in(dir.path(), &["check", "--format", "json", "repo"], None);
    let found = diagnostics(&run.stdout);
    let refused: Vec<&Found> = found.iter().filter(|d| d.0 == "PC306").collect();
    // Every entry but the repository's own file, each at its place in portico.yaml, named.
    assert_eq!(refused.len(), entries.len() - 1, "{found:#?}");
    for (entry, d) in entries.iter().skip(1).zip(&refused) {
        let column = line_text.find(entry.as_str()).unwrap() as u64 + 1;
        assert_eq!(
            (d.1.as_str(), d.2, d.3),
            ("portico.yaml", line, column),
            "{entry}: {d:?}"
        );
        assert!(
            d.4.contains(&format!("`{entry}`")) && d.4.contains("outside the repository"),
            "{d:?}"
        );
    }
    // Nothing else is reported: the outside files were not parsed either (no PC001 for the
    // unclosed quote in the secret), and the repository's own scope source was read. The
    // walk met the link too, and did not follow it.
    let others: Vec<_> = found
        .iter()
        .filter(|d| d.0 != "PC306" && !(d.0 == "PC007" && d.1 == "idp/linked.yaml"))
        .collect();
    assert_eq!(others, Vec::<&Found>::new());
    // The same files are read inside the repository.
    std::fs::copy(&secret, repo.join("idp/credentials.yaml")).unwrap();
    let inside = config.replace(
        &listed,
        "scopeSources: [idp/cognito.yaml, idp/credentials.yaml]",
    );
    std::fs::write(repo.join("portico.yaml"), inside).unwrap();
    // Only `routes/` is walked: a finding on the file can only come from reading it as a scope
    // source (its unclosed quote is PC001, which says all there is to say about it).
    let run = run_in(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--config",
            "repo/portico.yaml",
            "repo/routes",
        ],
        None,
    );
    assert!(
        diagnostics(&run.stdout)
            .iter()
            .any(|d| d.0 == "PC001" && d.1.ends_with("credentials.yaml")),
        "a scope source inside the repository is read: {}",
        run.stdout
    );
}

// Item 12: every read stops at the limit and one byte.

/// Runs `check --max-file-bytes 4096` on `args`, asserting it ends (within [`HANG`]) with
/// PC005 for `file`.
fn assert_bounded(dir: &Path, args: &[&str], stdin: Option<Feed>, file: &str) {
    let mut all = vec!["check", "--format", "json", "--max-file-bytes", "4096"];
    all.extend_from_slice(args);
    let run = run_in(dir, &all, stdin);
    let found = diagnostics(&run.stdout);
    assert!(
        found.iter().any(|d| d.0 == "PC005"
            && d.1 == file
            && d.4.contains("more than the 4096-byte limit")),
        "{args:?}: {found:#?}\n{}",
        run.stderr
    );
    assert_eq!(run.code, Some(1), "{args:?}");
}

/// Writes `y\n` until the reader goes away.
fn endless(out: &mut dyn Write) {
    let chunk = b"y\n".repeat(4096);
    while out.write_all(&chunk).is_ok() {}
}

#[cfg(unix)]
#[test]
fn a_fifo_named_on_the_command_line_is_read_only_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("stream.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let writer = fifo.clone();
    // Opening blocks until portico opens the other end; writing ends with EPIPE once it
    // stops reading and exits.
    std::thread::spawn(move || {
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(writer) {
            endless(&mut f);
        }
    });
    assert_bounded(dir.path(), &["stream.yaml"], None, "stream.yaml");
}

#[cfg(unix)]
#[test]
fn dev_zero_is_read_only_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    assert_bounded(dir.path(), &["/dev/zero"], None, "/dev/zero");
}

#[test]
fn endless_standard_input_is_read_only_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    assert_bounded(dir.path(), &["-"], Some(Box::new(endless)), "<stdin>");
}

#[cfg(unix)]
#[test]
fn a_baseline_or_configuration_that_never_ends_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_repo("portal-okta", &repo);
    // --baseline: a usage error, exit 2, quickly.
    let run = run_in(
        dir.path(),
        &[
            "check",
            "--max-file-bytes",
            "4096",
            "--baseline",
            "/dev/zero",
            "repo",
        ],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("over the 4096-byte limit"),
        "{}",
        run.stderr
    );
    // `baseline:` in portico.yaml: a configuration problem (PC901), the rest is checked. The
    // device is outside the repository, so it is not even opened (by its name, or through a
    // link the repository commits).
    let config = std::fs::read_to_string(repo.join("portico.yaml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", repo.join("zero")).unwrap();
    for (baseline, message) in [
        ("/dev/zero", "is an absolute path"),
        ("zero", "leads outside the repository (to /dev/zero)"),
    ] {
        std::fs::write(
            repo.join("portico.yaml"),
            format!("{config}baseline: {baseline}\n"),
        )
        .unwrap();
        let run = run_in(dir.path(), &["check", "--format", "json", "repo"], None);
        let found = diagnostics(&run.stdout);
        assert!(
            found
                .iter()
                .any(|d| d.0 == "PC901" && d.4.contains(message)),
            "{found:#?}"
        );
    }
    std::fs::remove_file(repo.join("zero")).unwrap();
    // --config naming a device: refused (it is not a configuration file), not read.
    let run = run_in(
        dir.path(),
        &["check", "--config", "/dev/zero", "repo"],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn the_walk_does_not_open_fifos() {
    // A FIFO with no writer: opening it would block the walk for ever.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yaml"), common::POLICY_WITH_TYPO).unwrap();
    std::fs::write(dir.path().join("routes.yaml"), common::ROUTES).unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.path().join("blocked.yaml"))
        .status()
        .unwrap();
    assert!(made.success());
    // And a scope source that is one.
    let made = Command::new("mkfifo")
        .arg(dir.path().join("scopes.json"))
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::write(
        dir.path().join("portico.yaml"),
        "identityProviders:\n  - name: idp\n    type: generic\n    issuer: https://idp.example.com\n    jwksUri: https://idp.example.com/keys\n    scopeSources: [scopes.json]\n",
    )
    .unwrap();
    let run = run_in(dir.path(), &["check", "--format", "json", "."], None);
    let found = diagnostics(&run.stdout);
    let at = |code: &str, file: &str| found.iter().any(|d| d.0 == code && d.1 == file);
    assert!(
        at("PC201", "policy.yaml"),
        "the rest is checked: {found:#?}"
    );
    assert!(at("PC005", "blocked.yaml"), "{found:#?}");
    assert!(at("PC306", "portico.yaml"), "{found:#?}");
}

// Item 13: ignore files above the root.

#[test]
fn ignore_files_above_the_root_are_not_honoured() {
    let dir = tempfile::tempdir().unwrap();
    // Above the repository, and above its `.git`.
    std::fs::write(dir.path().join(".gitignore"), "*.yaml\n").unwrap();
    std::fs::write(dir.path().join(".ignore"), "*.yaml\n").unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::write(repo.join("policy.yaml"), common::POLICY_WITH_TYPO).unwrap();
    std::fs::write(repo.join("routes.yaml"), common::ROUTES).unwrap();
    // The repository's own ignore file still applies.
    std::fs::write(repo.join(".gitignore"), "ignored.yaml\n").unwrap();
    std::fs::write(repo.join("ignored.yaml"), "a: [\n").unwrap();
    let result = common::check_path(&repo);
    let found: Vec<(&str, &str)> = result
        .diagnostics
        .iter()
        .map(|d| {
            (
                result.repo.sources.get(d.finding.span.file).name.as_str(),
                d.code,
            )
        })
        .collect();
    assert!(found.contains(&("policy.yaml", "PC201")), "{found:?}");
    assert!(
        !found.iter().any(|(f, _)| *f == "ignored.yaml"),
        "the root's .gitignore is honoured: {found:?}"
    );
    // The root of the walk is the PATH: walking a directory of the repository, the
    // repository's ignore file is above it too.
    let sub = repo.join("sub");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("policy.yaml"), common::POLICY_WITH_TYPO).unwrap();
    std::fs::write(sub.join("routes.yaml"), common::ROUTES).unwrap();
    std::fs::write(repo.join(".gitignore"), "sub/\n").unwrap();
    let result = common::check_path(&sub);
    assert!(
        result.diagnostics.iter().any(|d| d.code == "PC201"),
        "{:?}",
        result.diagnostics
    );
}

// Item 14: a linked directory leading out of the root.

#[cfg(unix)]
#[test]
fn a_linked_directory_outside_the_root_is_reported_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_repo("portal-okta", &repo);
    std::fs::remove_file(repo.join("portico.yaml")).unwrap();
    // The policy's ConfigMap lives outside the repository, behind a link.
    std::fs::create_dir(dir.path().join("outside")).unwrap();
    std::fs::rename(
        repo.join("auth/okta-scope-policy.yaml"),
        dir.path().join("outside/okta-scope-policy.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink("../outside", repo.join("shared")).unwrap();
    // A link that stays inside is still followed (and its files are read once).
    std::os::unix::fs::symlink("routes", repo.join("routes-link")).unwrap();
    let run = run_in(dir.path(), &["check", "--format", "json", "repo"], None);
    let found = diagnostics(&run.stdout);
    assert!(
        found
            .iter()
            .any(|d| d.0 == "PC007" && d.1 == "shared" && d.4.contains("../outside")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|d| d.0 == "PC204" && d.4.contains("okta-scope-policy")),
        "the ConfigMap behind the link is not found: {found:#?}"
    );
    assert!(
        !found.iter().any(|d| d.0 == "PC206"),
        "files behind the inner link are read once: {found:#?}"
    );
}

// Item 15: overlapping PATHs.

#[test]
fn overlapping_paths_read_each_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_repo("portal-okta", &repo);
    #[cfg(unix)]
    std::os::unix::fs::symlink("ext-auth-policy.yaml", repo.join("auth/alias.yaml")).unwrap();
    let alone = run_in(dir.path(), &["check", "--format", "json", "repo"], None);
    assert_eq!(
        codes(&alone.stdout),
        Vec::<String>::new(),
        "{}",
        alone.stdout
    );
    let files = |run: &Run| -> u64 {
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        report["summary"]["files"].as_u64().unwrap()
    };
    for args in [
        vec!["repo", "repo/auth"],
        vec!["repo/auth", "repo"],
        vec![
            "repo",
            "repo/auth/ext-auth-policy.yaml",
            "./repo/routes/../auth",
            "repo",
        ],
    ] {
        let mut all = vec!["check", "--format", "json"];
        all.extend_from_slice(&args);
        let run = run_in(dir.path(), &all, None);
        assert_eq!(
            codes(&run.stdout),
            Vec::<String>::new(),
            "{args:?}: {}",
            run.stdout
        );
        assert_eq!(files(&run), files(&alone), "{args:?}");
        // Deterministic: the same names every run.
        assert_eq!(
            run_in(dir.path(), &all, None).stdout,
            run.stdout,
            "{args:?}"
        );
    }
    // The first PATH that reaches a file names it.
    let result = portico::check(&portico::CheckRequest {
        inputs: vec![
            portico::load::Input::Path(repo.join("auth")),
            portico::load::Input::Path(repo.clone()),
        ],
        ..portico::CheckRequest::default()
    })
    .unwrap();
    let names: Vec<&str> = result
        .repo
        .sources
        .iter()
        .map(|(_, f)| f.name.as_str())
        .collect();
    assert!(names.contains(&"ext-auth-policy.yaml"), "{names:?}");
    assert!(!names.contains(&"auth/ext-auth-policy.yaml"), "{names:?}");
    assert!(names.contains(&"routes/petstore-rt.yaml"), "{names:?}");
}

// Item 16: standard input.

#[test]
fn standard_input_gets_the_findings_a_file_gets() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("latin1.yaml", b"name: caf\xe9\n".to_vec()),
        (
            "utf16.yaml",
            b"\xff\xfen\x00a\x00m\x00e\x00:\x00 \x00x\x00\n\x00".to_vec(),
        ),
        ("nul.yaml", b"a: 1\n\0b: 2\n".to_vec()),
    ] {
        std::fs::write(dir.path().join(name), &bytes).unwrap();
        let as_file = run_in(dir.path(), &["check", "--format", "json", name], None);
        let piped = bytes.clone();
        let as_stdin = run_in(
            dir.path(),
            &["check", "--format", "json", "-"],
            Some(Box::new(move |w: &mut dyn Write| {
                let _ = w.write_all(&piped);
            })),
        );
        assert_eq!(as_stdin.code, Some(1), "{name}: {}", as_stdin.stderr);
        assert_eq!(as_file.code, as_stdin.code, "{name}");
        let strip = |found: Vec<Found>| -> Vec<(String, u64, u64, String)> {
            found.into_iter().map(|d| (d.0, d.2, d.3, d.4)).collect()
        };
        let file_found = strip(diagnostics(&as_file.stdout));
        assert_eq!(
            file_found.first().map(|d| d.0.as_str()),
            Some("PC005"),
            "{name}"
        );
        assert_eq!(file_found, strip(diagnostics(&as_stdin.stdout)), "{name}");
    }
}

#[test]
fn dash_is_standard_input_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let stream = okta_stream();
    let feed = |text: String| -> Option<Feed> {
        Some(Box::new(move |w: &mut dyn Write| {
            let _ = w.write_all(text.as_bytes());
        }))
    };
    let check = run_in(dir.path(), &["check", "-"], feed(stream.clone()));
    assert_eq!(check.code, Some(0), "{}{}", check.stdout, check.stderr);
    // Listed twice, it is read once (a second read would find it empty, and a duplicate
    // would report every resource twice).
    let twice = run_in(
        dir.path(),
        &["check", "--format", "json", "-", "-"],
        feed(stream.clone()),
    );
    assert_eq!(
        codes(&twice.stdout),
        Vec::<String>::new(),
        "{}",
        twice.stdout
    );
    let matrix = run_in(dir.path(), &["matrix", "-"], feed(stream.clone()));
    assert_eq!(matrix.code, Some(0), "{}", matrix.stderr);
    assert!(!matrix.stderr.contains("no such file"), "{}", matrix.stderr);
    assert!(matrix.stdout.contains("petstore"), "{}", matrix.stdout);
    let out = dir.path().join("generated");
    let build = run_in(
        dir.path(),
        &["build", "--out", out.to_str().unwrap(), "-"],
        feed(stream),
    );
    assert_eq!(build.code, Some(0), "{}", build.stderr);
    assert!(!build.stderr.contains("no such file"), "{}", build.stderr);
    assert!(out.join("authconfigs").is_dir(), "{}", build.stderr);
}

// Item 25: scope sources are looked up, not searched for.

#[test]
fn scope_sources_reuse_the_walked_file_under_any_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_repo("portal-cognito", &repo);
    let config = std::fs::read_to_string(repo.join("portico.yaml")).unwrap();
    let spellings = "scopeSources: [idp/cognito.yaml, ./idp/cognito.yaml, idp/../idp/cognito.yaml, routes/../idp//cognito.yaml]";
    let config = config.replace("scopeSources: [idp/cognito.yaml]", spellings);
    assert!(config.contains(spellings), "the fixture changed");
    std::fs::write(repo.join("portico.yaml"), config).unwrap();
    let result = common::check_path(&repo);
    assert_eq!(
        result
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>(),
        Vec::<&str>::new()
    );
    // One file, the one the walk read, however it is spelled.
    let read: Vec<FileIdOf> = result
        .repo
        .sources
        .iter()
        .filter(|(_, f)| f.name.ends_with("cognito.yaml"))
        .map(|(id, _)| id)
        .collect();
    let walked = result.repo.file_at(&repo.join("idp/cognito.yaml")).unwrap();
    assert_eq!(read, vec![walked]);
    assert_eq!(
        result
            .repo
            .file_at(&repo.join("routes/../idp/./cognito.yaml")),
        Some(walked)
    );
    assert_eq!(
        result.summary.files,
        common::check_path(&repo).summary.files
    );
}

// Red-team review of issue 16: what `output:`, `baseline:` and portico.yaml itself may make
// portico read, or not read.

/// `output:` hides only what a build wrote: inside the output directory, the files at artifact
/// paths, and only when it holds the build marker. The directory is the one beside
/// portico.yaml, not a directory of that name under the working directory or another PATH.
#[test]
fn the_output_directory_hides_only_the_artifacts_of_a_build() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_repo("portal-okta", &repo);
    let config = std::fs::read_to_string(repo.join("portico.yaml")).unwrap();
    std::fs::write(
        repo.join("portico.yaml"),
        format!("{config}output: extra\n"),
    )
    .unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let pc201_in = |cwd: &Path, args: &[&str]| -> Vec<String> {
        let mut all = vec!["check", "--format", "json"];
        all.extend(args);
        let run = run_in(cwd, &all, None);
        diagnostics(&run.stdout)
            .into_iter()
            .filter(|d| d.0 == "PC201")
            .map(|d| d.1)
            .collect()
    };
    // No marker: a folder like any other, named `output:` or not.
    write("repo/extra/typo.yaml", common::POLICY_WITH_TYPO);
    assert_eq!(pc201_in(dir.path(), &["repo"]), ["extra/typo.yaml"]);
    // With the marker: only the files at artifact paths are the build's.
    write("repo/extra/.portico-build", "");
    write(
        "repo/extra/authconfigs/gloo-mesh/typo.yaml",
        common::POLICY_WITH_TYPO,
    );
    write(
        "repo/extra/envoy/routes/typo.yaml",
        common::POLICY_WITH_TYPO,
    );
    assert_eq!(pc201_in(dir.path(), &["repo"]), ["extra/typo.yaml"]);
    // Not relative to another PATH, nor to the working directory.
    write("other/extra/.portico-build", "");
    write(
        "other/extra/authconfigs/gloo-mesh/typo.yaml",
        common::POLICY_WITH_TYPO,
    );
    assert_eq!(
        pc201_in(dir.path(), &["repo", "other"]),
        ["extra/authconfigs/gloo-mesh/typo.yaml", "extra/typo.yaml"]
    );
    write("repo/auth/extra/.portico-build", "");
    write(
        "repo/auth/extra/authconfigs/gloo-mesh/typo.yaml",
        common::POLICY_WITH_TYPO,
    );
    assert_eq!(
        pc201_in(&repo.join("auth"), &[".."]),
        [
            "auth/extra/authconfigs/gloo-mesh/typo.yaml",
            "extra/typo.yaml"
        ]
    );
}

/// What the configuration or baseline outside the repository holds: none of it may be read.
const OUTSIDE: &str = "AKIAFAKEFAKEFAKE1234";

/// `baseline:` of portico.yaml outside the repository, by an absolute path, `..` or a
/// committed symbolic link: PC901 at its line, and not read (the findings it would quiet are
/// reported). Inside the repository, it is read.
#[test]
fn a_baseline_outside_the_repository_is_pc901_and_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_repo("portal-okta", &repo);
    std::fs::write(repo.join("typo.yaml"), common::POLICY_WITH_TYPO).unwrap();
    std::fs::create_dir(dir.path().join("outside")).unwrap();
    let run = run_in(
        dir.path(),
        &["check", "repo", "--write-baseline", "outside/b.json"],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let baseline = dir.path().join("outside/b.json");
    let config = std::fs::read_to_string(repo.join("portico.yaml")).unwrap();
    let check = |baseline: &str| {
        std::fs::write(
            repo.join("portico.yaml"),
            format!("{config}baseline: {baseline}\n"),
        )
        .unwrap();
        let run = run_in(dir.path(), &["check", "--format", "json", "repo"], None);
        diagnostics(&run.stdout)
    };
    #[cfg(unix)]
    std::os::unix::fs::symlink("../outside/b.json", repo.join("linked.json")).unwrap();
    let absolute = baseline.to_str().unwrap().to_owned();
    let mut cases = vec![
        ("../outside/b.json", "leads out of the repository with `..`"),
        (absolute.as_str(), "is an absolute path"),
    ];
    if cfg!(unix) {
        cases.push(("linked.json", "leads outside the repository"));
    }
    for (name, message) in cases {
        let found = check(name);
        assert!(
            found
                .iter()
                .any(|d| d.0 == "PC901" && d.1 == "portico.yaml" && d.4.contains(message)),
            "{name}: {found:#?}"
        );
        assert!(found.iter().any(|d| d.0 == "PC201"), "{name}: {found:#?}");
    }
    // The same baseline, committed: read, and the finding it records is quiet.
    std::fs::copy(&baseline, repo.join("b.json")).unwrap();
    let found = check("b.json");
    assert!(
        !found.iter().any(|d| d.0 == "PC201" || d.0 == "PC901"),
        "{found:#?}"
    );
}

/// portico.yaml as a symbolic link leading out of the repository (the one found at the first
/// PATH, or named with `--config` under it): not read, so neither applied nor shown in a code
/// frame; PC901 says so. A link that stays inside is read.
#[cfg(unix)]
#[test]
fn a_configuration_linked_out_of_the_repository_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_repo("portal-okta", &repo);
    std::fs::write(repo.join("typo.yaml"), common::POLICY_WITH_TYPO).unwrap();
    std::fs::create_dir(dir.path().join("outside")).unwrap();
    // Read, it would turn PC201 off, and its unknown key would be shown in a code frame.
    let config = format!("rules:\n  PC201: \"off\"\nawsKey: {OUTSIDE}\n");
    std::fs::write(dir.path().join("outside/portico.yaml"), &config).unwrap();
    std::fs::remove_file(repo.join("portico.yaml")).unwrap();
    std::os::unix::fs::symlink("../outside/portico.yaml", repo.join("portico.yaml")).unwrap();
    for args in [
        &["repo"][..],
        &["repo", "--config", "repo/portico.yaml"],
        &["repo/", "--config", "./repo/portico.yaml"],
    ] {
        let mut all = vec!["check"];
        all.extend(args);
        let human = run_in(dir.path(), &all, None);
        assert_eq!(human.code, Some(1), "{}", human.stderr);
        assert!(
            !human.stdout.contains(OUTSIDE) && !human.stderr.contains(OUTSIDE),
            "{}",
            human.stdout
        );
        all.extend(["--format", "json"]);
        let found = diagnostics(&run_in(dir.path(), &all, None).stdout);
        let about_config: Vec<&Found> = found
            .iter()
            .filter(|d| d.1.ends_with("portico.yaml"))
            .collect();
        assert!(
            about_config.len() == 1
                && about_config[0].0 == "PC901"
                && about_config[0].4.contains("leads outside the repository"),
            "{args:?}: {found:#?}"
        );
        assert!(found.iter().any(|d| d.0 == "PC201"), "{found:#?}");
    }
    // A link inside the repository is read like the file: PC201 off, the unknown key reported.
    std::fs::create_dir(repo.join("conf")).unwrap();
    std::fs::write(repo.join("conf/portico.yaml"), &config).unwrap();
    std::fs::remove_file(repo.join("portico.yaml")).unwrap();
    std::os::unix::fs::symlink("conf/portico.yaml", repo.join("portico.yaml")).unwrap();
    let found =
        diagnostics(&run_in(dir.path(), &["check", "--format", "json", "repo"], None).stdout);
    assert!(!found.iter().any(|d| d.0 == "PC201"), "{found:#?}");
    assert!(found.iter().any(|d| d.0 == "PC901"), "{found:#?}");
}
