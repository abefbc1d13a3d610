//! portico's rendering of kustomize deploy units against `kubectl kustomize`, on the
//! kustomization roots of the real repositories in `../shared/corpus/real-world-2`.
//!
//! The corpus keeps only the Gloo documents and the kustomization files of each repository,
//! so many builds list files that are not there. Each folder is copied to a temporary
//! directory and every `resources`/`bases` entry that names a missing local path gets an empty
//! file in its place (kustomize reads an empty file as no resources, which is what portico does
//! with a missing one: it renders the unit without it), and a missing patch file is taken out
//! of its kustomization (portico renders the unit without it too). Builds kubectl still cannot do (remote
//! bases, patches of resources that are not there, plugins) are skipped and counted. Only the
//! Gloo-group documents (`*.solo.io`) are compared, as parsed JSON values, order-independent.
//!
//! Skips, saying so, where `kubectl` is not installed or the corpus is absent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use portico::model::kustomize::{self, KUSTOMIZATION_FILE_NAMES};
use serde_json::Value;

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A JSON value with `null` entries and key order left out of the comparison, and one known
/// difference of the YAML parsers that is not rendering: a block scalar ending the file with
/// no line break after it. YAML 1.2.2 §8.1.1.2 (`b-chomped-last(CLIP) ::= b-as-line-feed |
/// <end-of-input>`) gives it no final line break, as go-yaml (kubectl) reads it; portico's
/// loader (granit-parser 2.2) adds one. Strings are compared without one trailing `\n`.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, Value> = map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, canonical(v)))
                .collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        Value::String(text) => Value::String(text.strip_suffix('\n').unwrap_or(text).to_owned()),
        other => other.clone(),
    }
}

fn is_gloo(value: &Value) -> bool {
    value
        .get("apiVersion")
        .and_then(Value::as_str)
        .is_some_and(|v| v.split('/').next().unwrap_or("").ends_with(".solo.io"))
}

/// Gives every missing local `resources`/`bases` entry of every kustomization under `dir` an
/// empty file, and leaves out the patch files that are missing.
fn stub_missing(dir: &Path) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !KUSTOMIZATION_FILE_NAMES.contains(&name.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let Ok(mut k) = yaml_serde::from_str::<Value>(&text) else {
                continue;
            };
            // Only paths that stay inside the copy, `..` resolved: nothing is written elsewhere.
            let local = |rel: &str| {
                !(rel.contains("://") || rel.starts_with('/') || rel.contains("?ref="))
                    && lexical(&d.join(rel)).starts_with(dir)
            };
            for key in ["resources", "bases"] {
                for item in k.get(key).and_then(Value::as_array).into_iter().flatten() {
                    let Some(rel) = item.as_str() else { continue };
                    let target = lexical(&d.join(rel));
                    if local(rel) && !target.exists() {
                        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
                        std::fs::write(&target, "").unwrap();
                    }
                }
            }
            // A patch file that is not there is left out, as portico renders the unit
            // without it.
            let mut changed = false;
            if let Some(list) = k
                .get_mut("patchesStrategicMerge")
                .and_then(Value::as_array_mut)
            {
                let before = list.len();
                list.retain(|item| {
                    item.as_str()
                        .is_none_or(|rel| rel.contains('\n') || !local(rel) || d.join(rel).exists())
                });
                changed |= list.len() != before;
            }
            if let Some(list) = k.get_mut("patches").and_then(Value::as_array_mut) {
                let before = list.len();
                list.retain(|item| {
                    item.get("path")
                        .and_then(Value::as_str)
                        .is_none_or(|rel| !local(rel) || d.join(rel).exists())
                });
                changed |= list.len() != before;
            }
            if changed {
                std::fs::write(&path, yaml_serde::to_string(&k).unwrap()).unwrap();
            }
        }
    }
}

/// `path` with `.` and `..` resolved without the file system.
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&path, &target);
        } else if kind.is_file() {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The Gloo documents of a `kubectl kustomize` output.
fn kubectl_documents(dir: &Path) -> Result<Vec<Value>, String> {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let error = err.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(error.to_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut docs = Vec::new();
    for doc in yaml_serde::Deserializer::from_str(&text) {
        let value: Value = serde::Deserialize::deserialize(doc).map_err(|e| e.to_string())?;
        if is_gloo(&value) {
            docs.push(canonical(&value));
        }
    }
    Ok(docs)
}

#[test]
fn rendering_matches_kubectl_kustomize_on_the_corpus() {
    let Some(corpus) = common::shared_path("corpus/real-world-2") else {
        return;
    };
    if !kubectl_available() {
        common::skipped("kubectl is not installed");
        return;
    }
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    // portico's own fixtures: every kind of patch and transformer on Gloo kinds, which the
    // corpus patches rarely.
    let fixtures = [
        common::root().join("testdata/kustomize/merge"),
        common::root().join("testdata/repos/kustomize-units"),
    ];
    folders.extend(fixtures.iter().cloned());
    let mut fixture_roots = 0;
    let (mut compared, mut skipped, mut not_rendered) = (0, BTreeMap::<String, usize>::new(), 0);
    let mut differences = Vec::new();
    for folder in folders {
        let result = common::check_path(&folder);
        let units = kustomize::discover(&result.repo, &[]);
        not_rendered += units.problems.iter().filter(|p| !p.rendered).count();
        let temp = tempfile::tempdir().unwrap();
        copy_dir(&folder, temp.path());
        stub_missing(temp.path());
        for unit in &units.units {
            let dir = Path::new(&unit.name).parent().unwrap_or(Path::new(""));
            let expected = match kubectl_documents(&temp.path().join(dir)) {
                Ok(docs) => docs,
                Err(reason) => {
                    // The kind of error, without the paths and names in it.
                    let reason = [
                        "already registered id",
                        "no matches for",
                        "failed to find unique target",
                        "unable to find plugin",
                        "must build at directory",
                    ]
                    .into_iter()
                    .find(|known| reason.contains(known))
                    .unwrap_or("other")
                    .to_owned();
                    *skipped.entry(reason).or_default() += 1;
                    continue;
                }
            };
            let mut rendered: Vec<String> = unit
                .resources
                .iter()
                .map(|r| r.root.to_json())
                .filter(is_gloo)
                .map(|v| canonical(&v).to_string())
                .collect();
            let mut expected: Vec<String> = expected.iter().map(Value::to_string).collect();
            rendered.sort();
            expected.sort();
            compared += 1;
            if fixtures.contains(&folder) {
                fixture_roots += 1;
            }
            if rendered != expected {
                differences.push(format!(
                    "{}/{}:\n  portico: {rendered:?}\n  kubectl: {expected:?}",
                    folder.file_name().unwrap().to_string_lossy(),
                    unit.name
                ));
            }
        }
    }
    // Shown with `--nocapture`: what was compared, and why the rest was not.
    let _ = writeln!(
        std::io::stderr(),
        "kustomize rendering: {compared} roots compared with kubectl kustomize, {} skipped \
         (kubectl could not build them: {skipped:?}), {not_rendered} not rendered by portico \
         (PC008)",
        skipped.values().sum::<usize>()
    );
    assert!(compared > 0, "no root compared");
    // The merge fixture's overlay and the units fixture's prod overlay (its remote unit is
    // not rendered).
    assert_eq!(fixture_roots, 2, "a fixture root was not compared");
    assert!(
        differences.is_empty(),
        "{} of {compared} roots differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
