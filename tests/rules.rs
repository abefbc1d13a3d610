//! Every rule's fixture repositories: `pass/` yields no diagnostic at all, `fail/` yields only
//! the rule's own code; the fail output is snapshotted with its input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Write;
use std::path::Path;

use walk_fixture::files;

#[test]
fn rule_fixtures() {
    let dir = common::root().join("testdata/rules");
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata/rules exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    fixtures.sort();
    assert!(!fixtures.is_empty());
    let mut problems = Vec::new();
    for fixture in &fixtures {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let code = name.split('-').next().unwrap().to_owned();
        let pass = common::check_path(&fixture.join("pass"));
        if !pass.diagnostics.is_empty() {
            problems.push(format!(
                "{name}/pass is not clean:\n{}",
                common::human(&pass)
            ));
        }
        let fail = common::check_path(&fixture.join("fail"));
        if fail.diagnostics.is_empty() {
            problems.push(format!("{name}/fail does not fire {code}"));
        }
        let others: Vec<_> = fail
            .diagnostics
            .iter()
            .filter(|d| d.code != code)
            .map(|d| d.code)
            .collect();
        if !others.is_empty() {
            problems.push(format!(
                "{name}/fail fires other codes {others:?}:\n{}",
                common::human(&fail)
            ));
        }
        let mut snapshot = String::new();
        for (rel, text) in files(&fixture.join("fail")) {
            writeln!(snapshot, "--- {rel}").unwrap();
            snapshot.push_str(&text);
            if !text.ends_with('\n') {
                snapshot.push('\n');
            }
        }
        snapshot.push_str("=== diagnostics\n");
        snapshot.push_str(&common::human(&fail));
        insta::with_settings!({snapshot_path => "snapshots/rules", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

mod walk_fixture {
    use super::Path;

    /// Every file under `dir` (not following links) with its text, sorted by relative path;
    /// binary or non-UTF-8 files are described instead of shown.
    pub fn files(dir: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        collect(dir, dir, &mut out);
        out.sort();
        out
    }

    fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.push((rel, format!("<symlink to {}>\n", target.display())));
            } else if meta.is_dir() {
                collect(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                let text = match String::from_utf8(bytes.clone()) {
                    Ok(t) if !t.contains('\0') => t,
                    _ => format!("<binary or non-UTF-8, {} bytes>\n", bytes.len()),
                };
                out.push((rel, text));
            }
        }
    }
}
