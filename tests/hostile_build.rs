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
    // A symbolic link in the repository that leads out of it (D2 of the red-team review:
    // no link inside the repository is followed on the way to the output).
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
            run.assert(2, "is a symbolic link inside the repository");
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

/// Puts something at the lock's name.
type MakeLock = Box<dyn Fn(&Path)>;

/// D1 (red-team review of issue 16): the repository may commit the lock's name as a link to
/// any file the user can write, dangling or not, as a directory, or as a file of its own. A
/// build refuses (exit 2) and never follows, truncates, writes or deletes it; `--check`, which
/// takes no lock, is not concerned.
#[test]
fn a_lock_name_the_repository_holds_is_never_followed_overwritten_or_deleted() {
    let sandbox = Sandbox::new();
    sandbox.write("outside/important.txt", SECRET.as_bytes());
    let lock = sandbox.path("repo/.generated.portico-lock");
    let cases: Vec<(&str, MakeLock)> = vec![
        #[cfg(unix)]
        (
            "is a symbolic link",
            Box::new(|lock| symlink(Path::new("../outside/important.txt"), lock)),
        ),
        #[cfg(unix)]
        (
            "is a symbolic link",
            Box::new(|lock| symlink(Path::new("../outside/created.txt"), lock)),
        ),
        (
            "is not a regular file",
            Box::new(|lock| std::fs::create_dir(lock).unwrap()),
        ),
        (
            "holds something else",
            Box::new(|lock| std::fs::write(lock, "hand-written notes\n").unwrap()),
        ),
        (
            "holds something else",
            Box::new(|lock| {
                std::fs::write(lock, format!("{}\n{SECRET}\n", std::process::id())).unwrap();
            }),
        ),
    ];
    for (what, make) in cases {
        make(&lock);
        let before = sandbox.tree(&[]);
        sandbox
            .run("repo", &["build", "--out", "generated"])
            .assert(2, what)
            .assert(2, "not a lock portico made");
        assert_unchanged(&before, &sandbox.tree(&[]));
        sandbox
            .run("repo", &["build", "--check", "--out", "generated"])
            .assert(1, "is out of date");
        assert_unchanged(&before, &sandbox.tree(&[]));
        let meta = std::fs::symlink_metadata(&lock).unwrap();
        if meta.is_dir() {
            std::fs::remove_dir(&lock).unwrap();
        } else {
            std::fs::remove_file(&lock).unwrap();
        }
    }
    // What a lock holds (a process id, or nothing yet): a killed build's, taken over and gone.
    for stale in ["", "4000005\n"] {
        std::fs::write(&lock, stale).unwrap();
        sandbox
            .run("repo", &["build", "--out", "generated"])
            .assert(0, "wrote 9 files");
        assert!(std::fs::symlink_metadata(&lock).is_err(), "{stale:?}");
    }
}

/// D1: the names of the siblings a build writes (`.<name>.portico-new-<pid>`, `…-old-<pid>`)
/// taken by the repository (a directory of its own, a link out, a file) at this very process
/// id: the build goes through on other names and leaves them as they were.
#[test]
fn sibling_names_the_repository_holds_are_left_alone_and_not_reused() {
    let sandbox = Sandbox::new();
    let pid = std::process::id();
    let out = sandbox.path("repo/generated");
    sandbox.write("outside/secret.txt", SECRET.as_bytes());
    sandbox.write(
        &format!("repo/.generated.portico-new-{pid}/notes.md"),
        SECRET.as_bytes(),
    );
    sandbox.write(
        &format!("repo/.generated.portico-new-{pid}.1"),
        SECRET.as_bytes(),
    );
    #[cfg(unix)]
    symlink(
        Path::new("../outside"),
        &sandbox.path(&format!("repo/.generated.portico-old-{pid}")),
    );
    let before = sandbox.tree(&["repo/generated"]);
    let mut artifacts = portico::emit::Artifacts::new();
    artifacts.insert("envoy/bootstrap.yaml".into(), "a: 1\n".into());
    for round in 0..2 {
        // The first round creates the directory, the second replaces it (and moves the
        // previous build aside, under an `old` name).
        artifacts.insert("envoy/bootstrap.yaml".into(), format!("a: {round}\n"));
        let written = portico::emit::output::write(&out, &artifacts).unwrap();
        let left_alone = written
            .recovered
            .iter()
            .filter(|r| matches!(r, portico::emit::output::Recovered::LeftAlone { .. }))
            .count();
        assert_eq!(left_alone, if cfg!(unix) { 3 } else { 2 }, "{written:?}");
        assert_eq!(
            std::fs::read_to_string(out.join("envoy/bootstrap.yaml")).unwrap(),
            format!("a: {round}\n")
        );
        assert_unchanged(&before, &sandbox.tree(&["repo/generated"]));
    }
}

/// D2: `--out` through a symbolic link the repository committed (to a directory outside that
/// looks like a build, or to one of its own) is refused before anything is read or written,
/// `--check` included, which prints nothing of what lies there. A link outside the repository
/// (here to the repository itself) is the user's, and followed.
#[cfg(unix)]
#[test]
fn an_output_through_a_link_in_the_repository_is_refused() {
    let sandbox = Sandbox::new();
    sandbox.write("outside/.portico-build", b"");
    sandbox.write("outside/authconfigs/ns/creds.yaml", SECRET.as_bytes());
    symlink(Path::new("../outside"), &sandbox.path("repo/generated"));
    symlink(Path::new("routes"), &sandbox.path("repo/inside"));
    symlink(&sandbox.path("repo"), &sandbox.path("link"));
    let before = sandbox.tree(&[]);
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("repo", vec!["--out", "generated"]),
        ("repo", vec!["--out", "generated/sub"]),
        ("repo", vec!["--out", "./generated/"]),
        ("repo", vec!["--out", "inside/built"]),
        ("", vec!["repo", "--out", "repo/generated"]),
        ("", vec!["link", "--out", "link/generated"]),
        ("", vec!["repo", "--out", "link/generated"]),
        // Standard input and the repository's portico.yaml: its directory is the repository.
        (
            "",
            vec![
                "-",
                "--config",
                "repo/portico.yaml",
                "--out",
                "repo/generated",
            ],
        ),
    ];
    for (cwd, args) in cases {
        for check in [false, true] {
            let mut all = vec!["build"];
            if check {
                all.push("--check");
            }
            all.extend(&args);
            let run = sandbox.run(cwd, &all);
            run.assert(2, "is a symbolic link inside the repository");
            assert_eq!(run.stdout, "", "{all:?}");
            assert_unchanged(&before, &sandbox.tree(&[]));
        }
    }
    sandbox
        .run("", &["build", "link", "--out", "link/built"])
        .assert(0, "wrote 9 files");
    assert!(sandbox.path("repo/built/.portico-build").is_file());
    assert_unchanged(&before, &sandbox.tree(&["repo/built"]));
}

/// D3: `output:` reaching `.git` through a committed link, or naming it in a spelling that is
/// `.git` on macOS or Windows, and `--out` into a `.git` directory: refused, nothing written.
#[test]
fn an_output_in_git_is_refused_however_it_is_spelt() {
    let sandbox = Sandbox::new();
    // A fresh clone: no tag yet, so nothing there would stop a build.
    std::fs::create_dir_all(sandbox.path("repo/.git/refs/tags")).unwrap();
    sandbox.write("repo/.git/hooks/pre-commit.sample", b"#!/bin/sh\n");
    let config = std::fs::read_to_string(sandbox.path("repo/portico.yaml")).unwrap();
    #[cfg(unix)]
    {
        symlink(Path::new(".git/refs/tags"), &sandbox.path("repo/gen"));
        sandbox.write(
            "repo/portico.yaml",
            format!("{config}output: gen\n").as_bytes(),
        );
        let before = sandbox.tree(&[]);
        for args in [&["build", "repo"][..], &["build", "--check", "repo"]] {
            let run = sandbox.run("", args);
            run.assert(2, "repo/gen is a symbolic link inside the repository");
            assert_eq!(run.stdout, "");
        }
        assert_unchanged(&before, &sandbox.tree(&[]));
        std::fs::remove_file(sandbox.path("repo/gen")).unwrap();
    }
    for output in [".GIT/hooks", ".git./hooks", "sub/.Git /x", "GIT~1/hooks"] {
        sandbox.write(
            "repo/portico.yaml",
            format!("{config}output: \"{output}\"\n").as_bytes(),
        );
        let before = sandbox.tree(&[]);
        let run = sandbox.run("", &["check", "repo"]);
        run.assert(1, "");
        assert!(
            run.stdout.contains("is inside `.git`"),
            "{output}: {}",
            run.stdout
        );
        sandbox
            .run("", &["build", "repo"])
            .assert(1, "build refused");
        sandbox.write(
            "repo/portico.yaml",
            format!("{config}output: \"{output}\"\nrules:\n  PC901: \"off\"\n").as_bytes(),
        );
        let before_off = sandbox.tree(&[]);
        sandbox
            .run("", &["build", "repo"])
            .assert(2, "is inside `.git`");
        assert_unchanged(&before_off, &sandbox.tree(&[]));
        sandbox.write("repo/portico.yaml", config.as_bytes());
        assert_unchanged(&before, &{
            let mut now = sandbox.tree(&[]);
            now.insert(
                "repo/portico.yaml".into(),
                before["repo/portico.yaml"].clone(),
            );
            now
        });
    }
    sandbox.write("repo/portico.yaml", config.as_bytes());
    let before = sandbox.tree(&[]);
    for out in ["repo/.git/portico", "repo/.GIT/hooks", "repo/.git"] {
        sandbox
            .run("", &["build", "repo", "--out", out])
            .assert(2, "is inside a git directory");
    }
    assert_unchanged(&before, &sandbox.tree(&[]));
}

/// D8: a file name holding a line feed and escape sequences, in the output directory, is
/// shown escaped by `--check` (stdout and stderr) and by the refusal of `build`, so it cannot
/// forge a GitHub workflow command or drive the terminal; so is an `output:` name.
#[cfg(unix)]
#[test]
fn names_portico_did_not_write_are_printed_escaped() {
    let sandbox = Sandbox::new();
    sandbox
        .run("", &["build", "repo", "--out", "out"])
        .assert(0, "wrote 9 files");
    let forged = "x\n::error title=portico::forged annotation\u{1b}[31m";
    sandbox.write(&format!("out/{forged}"), b"");
    sandbox.write(&format!("out/authconfigs/{forged}/a.yaml"), b"");
    let raw = |run: &Run| {
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(
            !all.contains("\n::error") && !all.contains('\u{1b}'),
            "printed raw:\n{all}"
        );
        assert!(all.contains("x\\u{a}::error title=portico::forged annotation\\u{1b}[31m"));
    };
    let before = sandbox.tree(&[]);
    let run = sandbox.run("", &["build", "--check", "repo", "--out", "out"]);
    raw(run.assert(1, "will refuse to replace it"));
    let run = sandbox.run("", &["build", "repo", "--out", "out"]);
    raw(run.assert(2, "contains files portico did not write"));
    assert_unchanged(&before, &sandbox.tree(&[]));

    // A name from portico.yaml.
    let config = std::fs::read_to_string(sandbox.path("repo/portico.yaml")).unwrap();
    sandbox.write(
        "repo/portico.yaml",
        format!("{config}output: \"gen\\e[31m\"\n").as_bytes(),
    );
    let run = sandbox.run("", &["build", "repo"]);
    run.assert(0, "wrote 9 files to repo/gen\\u{1b}[31m");
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
}

/// `output:` is relative to the directory of portico.yaml, not to the first PATH; standard
/// input alone has no repository, so `build -` needs `--out` (or a `--config` with `output:`)
/// instead of writing to `-/generated`.
#[test]
fn output_is_relative_to_the_configuration_and_standard_input_needs_out() {
    let sandbox = Sandbox::new();
    let config = std::fs::read_to_string(sandbox.path("repo/portico.yaml")).unwrap();
    sandbox.write(
        "repo/portico.yaml",
        format!("{config}output: generated\n").as_bytes(),
    );
    let mut stream = String::new();
    for dir in ["auth", "routes"] {
        for name in names(&sandbox.path(&format!("repo/{dir}"))) {
            stream.push_str("---\n");
            stream.push_str(
                &std::fs::read_to_string(sandbox.path(&format!("repo/{dir}/{name}"))).unwrap(),
            );
        }
    }
    let with_stdin = |args: &[&str]| {
        let mut child = sandbox
            .command("", args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stdin.take().unwrap();
        let text = stream.clone();
        let feeder = std::thread::spawn(move || {
            use std::io::Write;
            let _ = pipe.write_all(text.as_bytes());
        });
        let out = child.wait_with_output().unwrap();
        feeder.join().unwrap();
        Run::from(&out)
    };
    let before = sandbox.tree(&[]);
    with_stdin(&["build", "-"]).assert(2, "pass --out DIR");
    with_stdin(&["build", "-", "-"]).assert(2, "pass --out DIR");
    assert_unchanged(&before, &sandbox.tree(&[]));
    with_stdin(&["build", "-", "--config", "repo/portico.yaml"]).assert(0, "wrote 9 files");
    assert!(sandbox.path("repo/generated/.portico-build").is_file());
    assert_unchanged(&before, &sandbox.tree(&["repo/generated"]));
    std::fs::remove_dir_all(sandbox.path("repo/generated")).unwrap();
    // `--config` in another directory than the first PATH: its `output:` is beside it.
    sandbox.write(
        "ci/portico.yaml",
        format!("{config}output: generated\n").as_bytes(),
    );
    let before = sandbox.tree(&[]);
    sandbox
        .run("", &["build", "repo", "--config", "ci/portico.yaml"])
        .assert(0, "wrote 9 files to ci/generated");
    assert_unchanged(&before, &sandbox.tree(&["ci/generated"]));
}
