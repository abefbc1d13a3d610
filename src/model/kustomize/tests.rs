#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use super::merge::{self, Operation, apply_operation, merge, stamped};
use super::{discover, join};
use crate::load::node::{Node, Origin};
use crate::load::source::{FileId, SourceFile};
use crate::load::{Input, LoadOptions, Repo};

fn parse(text: &str) -> Node {
    let file = SourceFile::new("t.yaml".into(), "t.yaml".into(), text.into());
    crate::load::yaml::parse(&file)
        .documents
        .into_iter()
        .next()
        .unwrap()
        .root
}

fn json(node: &Node) -> serde_json::Value {
    node.to_json()
}

#[test]
fn paths_resolve_against_the_kustomization() {
    assert_eq!(
        join("auth", "policy.rego").as_deref(),
        Some("auth/policy.rego")
    );
    assert_eq!(
        join("auth/overlay", "../rego/p.rego").as_deref(),
        Some("auth/rego/p.rego")
    );
    assert_eq!(join("", "./p.rego").as_deref(), Some("p.rego"));
    assert_eq!(join("", "../p.rego"), None);
}

#[test]
fn strategic_merge_of_a_kind_without_schema() {
    let dest = parse(
        "metadata: {name: a, labels: {x: '1', y: '2'}}\n\
         spec:\n  hosts: [a, b]\n  http:\n  - {name: one, labels: {k: v}}\n  - {name: two}\n",
    );
    let patch = stamped(
        &parse(
            "metadata: {labels: {y: null, z: '3'}}\n\
             spec:\n  hosts: [c]\n  http:\n  - {name: two, labels: {extra: '1'}}\n",
        ),
        FileId(7),
    );
    let merged = merge(&dest, &patch).unwrap();
    // Maps merge, `null` deletes, sequences (named items or not) are replaced whole.
    assert_eq!(
        json(&merged),
        serde_json::json!({
            "metadata": {"name": "a", "labels": {"x": "1", "z": "3"}},
            "spec": {"hosts": ["c"], "http": [{"name": "two", "labels": {"extra": "1"}}]}
        })
    );
    // What came from the patch is in the patch's file; the merged mapping stays the base's.
    let hosts = merged.pointer("/spec/hosts").unwrap();
    assert_eq!(hosts.file(FileId(1)), FileId(7));
    let name = merged.pointer("/metadata/name").unwrap();
    assert_eq!(name.file(FileId(1)), FileId(1));
    assert_eq!(merged.origin, Origin::DOCUMENT);
}

#[test]
fn patch_directives_delete_and_replace() {
    let dest = parse("spec: {a: {b: 1, c: 2}}\n");
    let delete = stamped(&parse("$patch: delete\n"), FileId(2));
    assert!(merge(&dest, &delete).is_none());
    let replace = stamped(&parse("spec: {a: {$patch: replace, d: 4}}\n"), FileId(2));
    assert_eq!(
        json(&merge(&dest, &replace).unwrap()),
        serde_json::json!({"spec": {"a": {"d": 4}}})
    );
}

#[test]
fn json_patch_operations() {
    let mut root = parse("spec: {hosts: [a, b], http: []}\n");
    let value = |text: &str| Some(stamped(&parse(text), FileId(3)));
    let op = |op, path, value| Operation {
        op,
        path,
        from: None,
        value,
    };
    apply_operation(&mut root, &op("add", "/spec/hosts/1", value("x"))).unwrap();
    apply_operation(&mut root, &op("add", "/spec/hosts/-", value("z"))).unwrap();
    apply_operation(&mut root, &op("remove", "/spec/hosts/0", None)).unwrap();
    apply_operation(
        &mut root,
        &op("replace", "/spec/http", value("[{name: r}]")),
    )
    .unwrap();
    assert_eq!(
        json(&root),
        serde_json::json!({"spec": {"hosts": ["x", "b", "z"], "http": [{"name": "r"}]}})
    );
    assert_eq!(
        root.pointer("/spec/hosts/0").unwrap().file(FileId(1)),
        FileId(3)
    );
    assert!(apply_operation(&mut root, &op("replace", "/spec/missing", value("1"))).is_err());
    assert!(apply_operation(&mut root, &op("test", "/spec/hosts/1", value("b"))).is_ok());
    assert!(apply_operation(&mut root, &op("test", "/spec/hosts/1", value("c"))).is_err());
    assert!(apply_operation(&mut root, &op("frobnicate", "/spec", None)).is_err());
}

#[test]
fn added_values_keep_their_kustomization_line() {
    let mut root = parse("metadata: {name: a}\n");
    let span = crate::load::node::TextSpan::new(10..14);
    merge::set_entry(
        &mut root,
        "extra",
        span,
        merge::string_node("v", span, FileId(9)),
    );
    let found = root.pointer("/extra").unwrap();
    assert_eq!(found.file(FileId(1)), FileId(9));
    assert_eq!(found.key_or_value_span(), 10..14);
}

/// Loads the files into a repository (a temporary directory).
fn repo_of(files: &[(&str, &str)]) -> (tempfile::TempDir, Repo) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let mut repo = Repo::default();
    crate::load::load(
        &LoadOptions {
            inputs: vec![Input::Path(dir.path().to_path_buf())],
            walk: crate::load::walk::WalkOptions::default(),
            max_file_bytes: crate::load::DEFAULT_MAX_FILE_BYTES,
            excluded: Vec::new(),
        },
        &mut repo,
    )
    .unwrap();
    (dir, repo)
}

fn file_named(repo: &Repo, name: &str) -> FileId {
    repo.sources
        .iter()
        .find(|(_, f)| Path::new(&f.name) == Path::new(name))
        .map(|(id, _)| id)
        .unwrap()
}

const TABLE: &str = "apiVersion: networking.gloo.solo.io/v2\nkind: RouteTable\nmetadata:\n  name: rt\nspec:\n  hosts: [a.example.com]\n";

#[test]
fn roots_are_the_kustomizations_no_other_includes() {
    let (_dir, repo) = repo_of(&[
        ("base/kustomization.yaml", "resources: [rt.yaml]\n"),
        ("base/rt.yaml", TABLE),
        ("base/unlisted.yaml", TABLE),
        (
            "overlay/kustomization.yaml",
            "resources: [../base]\nnamespace: prod\ncommonLabels:\n  team: pets\n",
        ),
        ("plain/rt.yaml", TABLE),
    ]);
    let units = discover(&repo, &[]);
    assert_eq!(units.units.len(), 1, "{units:?}");
    let unit = &units.units[0];
    assert_eq!(unit.name, "overlay/kustomization.yaml");
    assert_eq!(unit.resources.len(), 1);
    let root = &unit.resources[0].root;
    assert_eq!(
        root.pointer("/metadata/namespace").unwrap().node.as_str(),
        Some("prod")
    );
    // The label added by commonLabels is located at its line of the kustomization.
    let overlay = file_named(&repo, "overlay/kustomization.yaml");
    let label = root.pointer("/metadata/labels/team").unwrap();
    assert_eq!(label.file(unit.resources[0].file), overlay);
    let text = &repo.sources.get(overlay).text;
    assert_eq!(&text[label.node.span.range()], "pets");
    // Neither the unlisted file nor the plain one is part of the unit.
    assert!(units.claimed.contains(&file_named(&repo, "base/rt.yaml")));
    assert!(
        !units
            .claimed
            .contains(&file_named(&repo, "base/unlisted.yaml"))
    );
    assert!(!units.claimed.contains(&file_named(&repo, "plain/rt.yaml")));
    assert!(units.is_context("plain/rt.yaml", file_named(&repo, "plain/rt.yaml")));
    assert!(!units.is_context(
        "base/unlisted.yaml",
        file_named(&repo, "base/unlisted.yaml")
    ));
}

#[test]
fn patch_files_are_not_resources() {
    let (_dir, repo) = repo_of(&[
        (
            "kustomization.yaml",
            "resources: [rt.yaml]\npatches:\n- path: patch.yaml\n",
        ),
        ("rt.yaml", TABLE),
        (
            "patch.yaml",
            "apiVersion: networking.gloo.solo.io/v2\nkind: RouteTable\nmetadata:\n  name: rt\nspec:\n  hosts: [b.example.com]\n",
        ),
    ]);
    let units = discover(&repo, &[]);
    let patch = file_named(&repo, "patch.yaml");
    assert!(units.patch_only.contains(&patch));
    let unit = &units.units[0];
    assert_eq!(unit.resources.len(), 1);
    let hosts = unit.resources[0].root.pointer("/spec/hosts/0").unwrap();
    assert_eq!(hosts.node.as_str(), Some("b.example.com"));
    assert_eq!(hosts.file(unit.resources[0].file), patch);
}

#[test]
fn units_that_cannot_be_rendered_say_so_once() {
    let (_dir, repo) = repo_of(&[
        (
            "remote/kustomization.yaml",
            "resources:\n- https://github.com/example/config//base?ref=v1\n- rt.yaml\n",
        ),
        ("remote/rt.yaml", TABLE),
        ("a/kustomization.yaml", "resources: [../b]\n"),
        ("b/kustomization.yaml", "resources: [../a]\n"),
        ("c/kustomization.yaml", "resources: [../a]\n"),
        (
            "plugin/kustomization.yaml",
            "resources: [rt.yaml]\ntransformers: [t.yaml]\n",
        ),
        ("plugin/rt.yaml", TABLE),
        (
            "plugin/t.yaml",
            "apiVersion: example.com/v1\nkind: SopsTransformer\nmetadata:\n  name: t\n",
        ),
        (
            "missing/kustomization.yaml",
            "resources: [rt.yaml, gone.yaml]\n",
        ),
        ("missing/rt.yaml", TABLE),
    ]);
    let units = discover(&repo, &[]);
    let messages: Vec<&str> = units.problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("is remote")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("plugin")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`missing/gone.yaml` is not in the repository")),
        "{messages:?}"
    );
    // The remote and plugin units stay plain; the one missing a file is rendered without it.
    assert!(!units.claimed.contains(&file_named(&repo, "remote/rt.yaml")));
    assert!(!units.claimed.contains(&file_named(&repo, "plugin/rt.yaml")));
    assert!(
        units
            .claimed
            .contains(&file_named(&repo, "missing/rt.yaml"))
    );
    // `a` and `b` include each other: `c`, the root including them, is a cycle.
    assert!(
        messages.iter().any(|m| m.contains("a cycle")),
        "{messages:?}"
    );
    assert_eq!(units.units.len(), 1);
}

#[test]
fn unit_globs_make_folders_units() {
    let (_dir, repo) = repo_of(&[
        ("steps/1/rt.yaml", TABLE),
        ("steps/2/rt.yaml", TABLE),
        ("other/rt.yaml", TABLE),
    ]);
    let units = discover(&repo, &["steps/*".to_owned()]);
    let names: Vec<&str> = units.units.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["steps/1", "steps/2"]);
    assert!(!units.claimed.contains(&file_named(&repo, "other/rt.yaml")));
    assert!(discover(&repo, &[]).is_empty());
}

#[test]
fn a_base_listed_many_times_at_every_level_is_bounded() {
    // Ten levels each listing the next one ten times: 10^10 copies of one table unbounded.
    let mut files: Vec<(String, String)> = vec![("l10/rt.yaml".into(), TABLE.into())];
    files.push((
        "l10/kustomization.yaml".into(),
        "resources: [rt.yaml]\n".into(),
    ));
    for level in 0..10 {
        let entries = vec![format!("../l{}", level + 1); 10].join(", ");
        files.push((
            format!("l{level}/kustomization.yaml"),
            format!("resources: [{entries}]\n"),
        ));
    }
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let (_dir, repo) = repo_of(&borrowed);
    let started = std::time::Instant::now();
    let units = discover(&repo, &[]);
    assert!(started.elapsed().as_secs() < 20);
    assert!(units.units.is_empty());
    assert!(
        units.problems[0]
            .message
            .contains("more than 100000 resources"),
        "{:?}",
        units.problems
    );
}

#[test]
fn a_file_named_kustomization_defines_a_unit() {
    let (_dir, repo) = repo_of(&[
        (
            "app/Kustomization",
            "resources: [rt.yaml]\nnamespace: apps\n",
        ),
        ("app/rt.yaml", TABLE),
    ]);
    let units = discover(&repo, &[]);
    assert_eq!(units.units.len(), 1, "{units:?}");
    assert_eq!(units.units[0].name, "app/Kustomization");
}

#[test]
fn generated_config_maps_take_the_namespace_and_prefix_of_the_kustomizations_above() {
    let (_dir, repo) = repo_of(&[
        ("base/p.rego", "package x\nallow := true\n"),
        (
            "base/kustomization.yaml",
            "configMapGenerator:\n- name: mods\n  files: [p.rego]\ngeneratorOptions:\n  disableNameSuffixHash: true\nnamespace: basens\nnamePrefix: b-\n",
        ),
        (
            "overlay/kustomization.yaml",
            "resources: [../base]\nnamespace: prod\nnamePrefix: x-\nnameSuffix: -v1\n",
        ),
    ]);
    let units = discover(&repo, &[]);
    let model = crate::model::Model::of_unit(
        &repo,
        &units.units[0],
        crate::gloo_version::GlooVersion::LATEST,
    );
    let ids: Vec<String> = model
        .config_maps
        .iter()
        .map(|c| c.meta.id.to_string())
        .collect();
    // As kubectl kustomize v1.32.4 renders it: the outer namespace, the prefixes nested.
    assert_eq!(ids, ["ConfigMap/prod/x-b-mods-v1"]);
    assert_eq!(model.generated_files.len(), 1);
}
