//! `portico build` on an untrusted repository (issue 16, items 1–6): the output directory is
//! never one that holds the inputs, the working or home directory, a file, or files portico
//! did not write; `output:` of portico.yaml never leads out of the repository; a killed build
//! is recovered by the next; concurrent builds are locked out, not raced; `--check` reports
//! every extra file and never prints the content of one portico did not write.
//!
//! Each test runs the built binary on a copy of `testdata/repos/portal-okta` in a temporary
//! directory, and compares everything in that directory, byte for byte, before and after:
//! nothing but what portico writes may change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// What a file outside the build holds; it must never appear in portico's output.
const SECRET: &str = "aws_secret_access_key = wJalrXUtnFEMI-K7MDENG-SECRET";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn from(out: &Output) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn assert(&self, code: i32, stderr_has: &str) -> &Self {
        assert!(
            self.code == code && self.stderr.contains(stderr_has),
            "expected exit {code} and `{stderr_has}` on stderr, got exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
        assert!(
            !self.stdout.contains(SECRET) && !self.stderr.contains(SECRET),
            "a file portico did not write was printed:\n{}{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// A temporary directory holding a copy of the example at `repo/`, and a home directory.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let from = common::root().join("testdata/repos/portal-okta");
        common::copy_tree(&from, &dir.path().join("repo"), &|_, rel| rel.to_string());
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Self { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        let root = self.dir.path().canonicalize().unwrap();
        if rel.is_empty() { root } else { root.join(rel) }
    }

    fn command(&self, cwd: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
        command
            .args(args)
            .current_dir(self.path(cwd))
            .env("NO_COLOR", "1")
            .env("HOME", self.path("home"));
        command
    }

    /// Runs portico in `cwd` (relative to the sandbox).
    fn run(&self, cwd: &str, args: &[&str]) -> Run {
        Run::from(&self.command(cwd, args).output().unwrap())
    }

    /// Every entry under the sandbox but those under `except`: files with their bytes,
    /// symbolic links with their target, directories.
    fn tree(&self, except: &[&str]) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        let root = self.path("");
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if except
                    .iter()
                    .any(|e| rel == *e || rel.starts_with(&format!("{e}/")))
                {
                    continue;
                }
                let kind = entry.file_type().unwrap();
                let content = if kind.is_symlink() {
                    let mut bytes = b"link -> ".to_vec();
                    bytes.extend(std::fs::read_link(&path).unwrap().to_string_lossy().bytes());
                    bytes
                } else if kind.is_dir() {
                    stack.push(path);
                    b"dir".to_vec()
                } else {
                    std::fs::read(&path).unwrap()
                };
                out.insert(rel, content);
            }
        }
        out
    }

    fn write(&self, rel: &str, content: &[u8]) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

fn assert_unchanged(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) {
    let changed: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(changed.is_empty(), "changed: {changed:?}");
}

/// The names of the entries of `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Item 1: `build R --out R`, `--out .`, `--out ..`, an ancestor of an input, `/`, `$HOME`, a
/// symbolic link to the repository: refused with exit 2 before anything is touched, with
/// `--check` too.
#[test]
fn an_output_that_holds_an_input_or_the_working_or_home_directory_is_refused() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.path("home/me")).unwrap();
    #[cfg(unix)]
    symlink(&sandbox.path("repo"), &sandbox.path("link"));
    let before = sandbox.tree(&[]);
    let root = sandbox.path("");
    let home = sandbox.path("home");
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        ("", vec!["repo", "--out", "repo"], "it is the input"),
        ("", vec!["repo", "--out", "repo/"], "it is the input"),
        (
            "repo",
            vec![".", "--out", "."],
            "contains the working directory",
        ),
        ("repo", vec!["--out", "."], "contains the working directory"),
        (
            "repo",
            vec![".", "--out", ".."],
            "contains the working directory",
        ),
        (
            "repo",
            vec![".", "--out", "./routes/.."],
            "contains the working directory",
        ),
        (
            "home",
            vec!["../repo", "--out", "../repo"],
            "it is the input",
        ),
        (
            "",
            vec!["repo", "--out", root.to_str().unwrap()],
            "contains the working directory",
        ),
        (
            "home",
            vec!["../repo/auth", "--out", "../repo"],
            "contains the input",
        ),
        (
            "home/me",
            vec!["../../repo", "--out", ".."],
            "contains the working directory",
        ),
        (
            "",
            vec!["repo/routes/petstore-rt.yaml", "--out", "repo/routes"],
            "contains the input",
        ),
        (
            "",
            vec![
                "repo",
                "--config",
                "repo/portico.yaml",
                "--out",
                "repo/portico.yaml",
            ],
            "it is the input",
        ),
        ("", vec!["repo", "--out", "/"], "is the filesystem root"),
        (
            "repo",
            vec![".", "--out", home.to_str().unwrap()],
            "contains the home directory",
        ),
        #[cfg(unix)]
        ("", vec!["repo", "--out", "link"], "it is the input"),
    ];
    for (cwd, args, message) in cases {
        for check in [false, true] {
            let mut all = vec!["build"];
            if check {
                all.push("--check");
            }
            all.extend(&args);
            let run = sandbox.run(cwd, &all);
            run.assert(2, "refusing to write the build to")
                .assert(2, message);
            assert_eq!(run.stdout, "", "{all:?}");
            assert_unchanged(&before, &sandbox.tree(&[]));
        }
    }
}

/// Item 1, the rule chosen for an output inside an input: allowed (that is where
/// `output: generated` puts it), written with its marker, and never read back as input.
#[test]
fn an_output_inside_the_repository_is_built_and_never_read_back() {
    let sandbox = Sandbox::new();
    let files_read = || {
        let run = sandbox.run("", &["check", "repo", "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        report["summary"]["files"].as_u64().unwrap()
    };
    let mut config = std::fs::read_to_string(sandbox.path("repo/portico.yaml")).unwrap();
    config.push_str("output: generated\n");
    sandbox.write("repo/portico.yaml", config.as_bytes());
    let read_before = files_read();
    let before = sandbox.tree(&["repo/generated"]);
    sandbox
        .run("", &["build", "repo"])
        .assert(0, "wrote 9 files");
    assert!(sandbox.path("repo/generated/.portico-build").is_file());
    assert_eq!(files_read(), read_before, "the output was read back");
    sandbox
        .run("", &["build", "repo"])
        .assert(0, "wrote 9 files");
    sandbox
        .run("", &["build", "--check", "repo"])
        .assert(0, "is up to date");
    // The same with `--out`, spelt differently each time.
    sandbox
        .run("repo", &["build", "--out", "generated"])
        .assert(0, "wrote 9 files");
    sandbox
        .run("", &["build", "repo", "--out", "repo/./generated/"])
        .assert(0, "wrote 9 files");
    assert_unchanged(&before, &sandbox.tree(&["repo/generated"]));
    assert_eq!(
        names(&sandbox.path("repo")),
        ["auth", "generated", "portico.yaml", "routes"]
    );
}

/// Item 2: `output:` naming an absolute path or `../x` is PC901 (so `check` reports it and
/// the build is refused), and even with PC901 turned off in the same file, or through a
/// symbolic link committed in the repository, nothing outside is deleted or printed.
#[test]
fn an_output_outside_the_repository_is_pc901_and_never_written_or_printed() {
    let sandbox = Sandbox::new();
    // Looks like a build portico wrote, to be sure the refusal does not depend on that.
    sandbox.write("outside/credentials", SECRET.as_bytes());
    sandbox.write("outside/.portico-build", b"");
    sandbox.write("outside/authconfigs/ns/creds.yaml", SECRET.as_bytes());
    let config = std::fs::read_to_string(sandbox.path("repo/portico.yaml")).unwrap();
    let outside = sandbox.path("outside");
    let outside = outside.to_str().unwrap();
    for output in ["../outside", outside, "generated/../../outside"] {
        sandbox.write(
            "repo/portico.yaml",
            format!("{config}output: {output}\n").as_bytes(),
        );
        let before = sandbox.tree(&[]);
        let run = sandbox.run("", &["check", "repo"]);
        run.assert(1, "");
        assert!(
            run.stdout
                .contains("PC901: invalid configuration: `output: "),
            "{}",
            run.stdout
        );
        sandbox
            .run("", &["build", "repo"])
            .assert(1, "build refused")
            .assert(1, "PC901");
        sandbox
            .run("", &["build", "--check", "repo"])
            .assert(1, "build refused");
        assert_unchanged(&before, &sandbox.tree(&[]));
        // A pull request can turn the finding off in the same file: the build still refuses.
        sandbox.write(
            "repo/portico.yaml",
            format!("{config}output: {output}\nrules:\n  PC901: \"off\"\n").as_bytes(),
        );
        let before = sandbox.tree(&[]);
        for args in [&["build", "repo"][..], &["build", "--check", "repo"]] {
            let run = sandbox.run("", args);
            run.assert(2, "refusing to write the build to `output:");
            assert_eq!(run.stdout, "");
        }
        assert_unchanged(&before, &sandbox.tree(&[]));
    }
    // A symbolic link in the repository that leads out of it.
    #[cfg(unix)]
    {
        sandbox.write(
            "repo/portico.yaml",
            format!("{config}output: generated\n").as_bytes(),
        );
        symlink(Path::new("../outside"), &sandbox.path("repo/generated"));
        let before = sandbox.tree(&[]);
        for args in [&["build", "repo"][..], &["build", "--check", "repo"]] {
            let run = sandbox.run("", args);
            run.assert(2, "must stay inside the repository");
            assert_eq!(run.stdout, "");
        }
        assert_unchanged(&before, &sandbox.tree(&[]));
    }
}

/// Item 3: a directory holding files portico did not write is never replaced: refused with
/// a message naming them and saying how to proceed; `--check` names them without content.
#[test]
fn a_directory_with_files_portico_did_not_write_is_refused() {
    let sandbox = Sandbox::new();
    sandbox.write("out/notes.md", SECRET.as_bytes());
    let before = sandbox.tree(&[]);
    sandbox.run("", &["build", "repo", "--out", "out"]).assert(
        2,
        "contains files portico did not write (notes.md); choose an empty directory or remove them",
    );
    let run = sandbox.run("", &["build", "--check", "repo", "--out", "out"]);
    run.assert(1, "`portico build` will refuse to replace it");
    assert_eq!(
        run.stdout,
        "extra file notes.md: content not shown (portico did not write it)\nmissing file .portico-build: the build marker\n"
    );
    assert_unchanged(&before, &sandbox.tree(&[]));

    // Removing them is the way on.
    std::fs::remove_file(sandbox.path("out/notes.md")).unwrap();
    sandbox
        .run("", &["build", "repo", "--out", "out"])
        .assert(0, "wrote 9 files");

    // A build portico wrote with one file added: refused, the build kept as it was.
    sandbox.write("out/README.md", b"hand-written\n");
    sandbox.write("out/authconfigs/ns/notes.txt", b"");
    let before = sandbox.tree(&[]);
    sandbox
        .run("", &["build", "repo", "--out", "out"])
        .assert(2, "(README.md, authconfigs/ns/notes.txt)");
    assert_unchanged(&before, &sandbox.tree(&[]));
    std::fs::remove_file(sandbox.path("out/README.md")).unwrap();
    std::fs::remove_file(sandbox.path("out/authconfigs/ns/notes.txt")).unwrap();

    // A symbolic link at an artifact path (to a file outside): not followed, not replaced.
    #[cfg(unix)]
    {
        sandbox.write("outside/credentials", SECRET.as_bytes());
        symlink(
            &sandbox.path("outside/credentials"),
            &sandbox.path("out/envoy/routes/z.yaml"),
        );
        let before = sandbox.tree(&[]);
        sandbox
            .run("", &["build", "repo", "--out", "out"])
            .assert(2, "(envoy/routes/z.yaml)");
        sandbox
            .run("", &["build", "--check", "repo", "--out", "out"])
            .assert(1, "will refuse to replace it");
        assert_unchanged(&before, &sandbox.tree(&[]));
        std::fs::remove_file(sandbox.path("out/envoy/routes/z.yaml")).unwrap();
    }

    // Artifacts without the marker (an older portico, or someone's own Envoy files).
    std::fs::remove_file(sandbox.path("out/.portico-build")).unwrap();
    let before = sandbox.tree(&[]);
    sandbox.run("", &["build", "repo", "--out", "out"]).assert(
        2,
        "it has no .portico-build marker, so portico did not write it",
    );
    assert_unchanged(&before, &sandbox.tree(&[]));
}

/// Item 4: `--out` naming a file (or a path through one) is refused before anything is
/// written or moved.
#[test]
fn a_file_as_output_is_refused_first() {
    let sandbox = Sandbox::new();
    sandbox.write("notes.txt", SECRET.as_bytes());
    #[cfg(unix)]
    symlink(Path::new("notes.txt"), &sandbox.path("link.txt"));
    let before = sandbox.tree(&[]);
    for out in ["notes.txt", "notes.txt/sub", "link.txt"] {
        if out == "link.txt" && !cfg!(unix) {
            continue;
        }
        for check in [false, true] {
            let mut args = vec!["build"];
            if check {
                args.push("--check");
            }
            args.extend(["repo", "--out", out]);
            let run = sandbox.run("", &args);
            run.assert(2, "exists and is not a directory");
            assert_eq!(run.stdout, "");
            assert_unchanged(&before, &sandbox.tree(&[]));
        }
    }
}

/// Item 5: a build killed between the two renames leaves the previous build aside and none in
/// place; the next build restores it (then replaces it), deletes the half-written tree, and
/// leaves alone a leftover that holds files portico did not write.
#[test]
fn an_interrupted_build_is_recovered_by_the_next() {
    let sandbox = Sandbox::new();
    sandbox
        .run("", &["build", "repo", "--out", "out"])
        .assert(0, "wrote 9 files");
    let complete = sandbox.tree(&[]);
    // The state a SIGKILL between the renames leaves: the previous build aside, the new one
    // beside it (here half written), a lock file nobody holds.
    std::fs::rename(
        sandbox.path("out"),
        sandbox.path(".out.portico-old-4000001"),
    )
    .unwrap();
    sandbox.write(".out.portico-new-4000001/.portico-build", b"");
    sandbox.write(
        ".out.portico-new-4000001/authconfigs/gloo-mesh-addons/half.yaml",
        b"apiVersion: ",
    );
    sandbox.write(".out.portico-lock", b"4000001\n");
    let run = sandbox.run("", &["build", "repo", "--out", "out"]);
    run.assert(0, "restored the previous build from")
        .assert(0, "deleted ")
        .assert(0, "wrote 9 files");
    assert_unchanged(&complete, &sandbox.tree(&[]));

    // A build the check refuses touches nothing, leftovers included; the next one recovers.
    std::fs::rename(
        sandbox.path("out"),
        sandbox.path(".out.portico-old-4000002"),
    )
    .unwrap();
    sandbox.write("repo/broken.yaml", common::POLICY_WITH_TYPO.as_bytes());
    let before = sandbox.tree(&[]);
    sandbox
        .run("", &["build", "repo", "--out", "out"])
        .assert(1, "build refused");
    assert_unchanged(&before, &sandbox.tree(&[]));
    std::fs::remove_file(sandbox.path("repo/broken.yaml")).unwrap();
    let run = sandbox.run("", &["build", "repo", "--out", "out"]);
    run.assert(0, "restored the previous build from");
    assert_unchanged(&complete, &sandbox.tree(&[]));

    // A leftover holding something else is not deleted, and the build says so.
    sandbox.write(".out.portico-old-4000003/notes.md", SECRET.as_bytes());
    let before = sandbox.tree(&["out"]);
    sandbox
        .run("", &["build", "repo", "--out", "out"])
        .assert(0, "left ")
        .assert(0, "alone: it holds files portico did not write (notes.md)");
    assert_unchanged(&before, &sandbox.tree(&["out"]));
}

/// Item 5: while a build holds the lock, another one fails with a clear message and touches
/// nothing; once it lets go, builds go through.
#[test]
fn a_held_lock_stops_a_second_build() {
    let sandbox = Sandbox::new();
    sandbox
        .run("", &["build", "repo", "--out", "out"])
        .assert(0, "wrote 9 files");
    let lock_path = sandbox.path(".out.portico-lock");
    let lock = std::fs::File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    std::fs::write(&lock_path, "4000004\n").unwrap();
    let before = sandbox.tree(&[]);
    sandbox
        .run("", &["build", "repo", "--out", "out"])
        .assert(2, "another portico build (pid 4000004) is writing")
        .assert(2, "try again when it ends");
    assert_unchanged(&before, &sandbox.tree(&[]));
    lock.unlock().unwrap();
    drop(lock);
    sandbox
        .run("", &["build", "repo", "--out", "out"])
        .assert(0, "wrote 9 files");
    assert!(!lock_path.exists(), "the lock file is left behind");
}

/// Item 5: builds started at once: each succeeds or reports the lock, and what remains is one
/// complete build with nothing beside it.
#[test]
fn concurrent_builds_each_succeed_or_report_the_lock() {
    let sandbox = Sandbox::new();
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..4 {
        let children: Vec<_> = (0..8)
            .map(|_| {
                sandbox
                    .command("", &["build", "repo", "--out", "out"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let run = Run::from(&child.wait_with_output().unwrap());
            let outcome = match run.code {
                0 => run.assert(0, "wrote 9 files"),
                _ => run.assert(2, "another portico build"),
            };
            *outcomes
                .entry(format!("exit {}", outcome.code))
                .or_default() += 1;
        }
        sandbox
            .run("", &["build", "--check", "repo", "--out", "out"])
            .assert(0, "is up to date");
        assert_eq!(names(&sandbox.path("")), ["home", "out", "repo"]);
    }
    assert!(
        outcomes.get("exit 0").copied().unwrap_or(0) >= 4,
        "{outcomes:?}"
    );
}

/// Item 6: an extra empty or non-UTF-8 file is drift (exit 1), named, its content not shown;
/// `build` then removes the ones at artifact paths.
#[test]
fn check_reports_extra_empty_and_non_utf8_files() {
    let sandbox = Sandbox::new();
    sandbox
        .run("", &["build", "repo", "--out", "out"])
        .assert(0, "wrote 9 files");
    let check = || sandbox.run("", &["build", "--check", "repo", "--out", "out"]);
    check().assert(0, "is up to date");
    let built = sandbox.tree(&[]);

    sandbox.write("out/authconfigs/gloo-mesh-addons/empty.yaml", b"");
    let run = check();
    run.assert(1, "is out of date: run `portico build`");
    assert_eq!(
        run.stdout,
        "extra file authconfigs/gloo-mesh-addons/empty.yaml: content not shown (empty)\n"
    );

    let mut binary = vec![0xff, 0xfe];
    binary.extend(SECRET.as_bytes());
    sandbox.write("out/envoy/routes/binary.yaml", &binary);
    let run = check();
    run.assert(1, "is out of date");
    assert!(
        run.stdout
            .contains("extra file envoy/routes/binary.yaml: content not shown (not UTF-8)\n"),
        "{}",
        run.stdout
    );

    // A changed artifact that is not UTF-8 either.
    let bootstrap = sandbox.path("out/envoy/bootstrap.yaml");
    let original = std::fs::read(&bootstrap).unwrap();
    let mut changed = original.clone();
    changed.extend(&binary);
    std::fs::write(&bootstrap, &changed).unwrap();
    let run = check();
    run.assert(1, "is out of date");
    assert!(
        run.stdout
            .contains("changed file envoy/bootstrap.yaml: content not shown (not UTF-8)\n"),
        "{}",
        run.stdout
    );

    // `build` puts it all right.
    sandbox
        .run("", &["build", "repo", "--out", "out"])
        .assert(0, "wrote 9 files");
    check().assert(0, "is up to date");
    assert_unchanged(&built, &sandbox.tree(&[]));

    // An extra file that is no artifact: drift, and `build` will refuse until it is removed.
    sandbox.write("out/notes.bin", &binary);
    let run = check();
    run.assert(1, "will refuse to replace it");
    assert_eq!(
        run.stdout,
        "extra file notes.bin: content not shown (portico did not write it)\n"
    );
}
