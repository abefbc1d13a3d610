//! kustomize `configMapGenerator`: the ConfigMaps kustomize builds from files (usually the
//! `.rego` modules) exist in the repository only as a generator entry, so portico builds them
//! too. A module from a generator keeps its own file for positions.
//!
//! Generated names get a content hash suffix unless `generatorOptions.disableNameSuffixHash`
//! is set; kustomize rewrites references to them only in fields it knows, and an
//! ExtAuthPolicy's `opaAuth.modules` is not one of them, so the name the policy must use is the
//! generator's `name` (with the hash disabled) — which is what portico models.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::load::Repo;
use crate::load::source::FileId;

use super::join;
use crate::model::kinds::ConfigMapData;
use crate::model::{Kind, Meta, Model, Resource, ResourceId};

/// Whether a document is a kustomization: by its kind, or by the file name kustomize reads.
fn is_kustomization(name: &str, root: &crate::load::node::Node) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    root.get("kind").and_then(crate::load::node::Node::as_str) == Some("Kustomization")
        || matches!(
            file,
            "kustomization.yaml" | "kustomization.yml" | "Kustomization"
        )
}

/// Adds every generated ConfigMap with its file-backed data keys; returns, per new ConfigMap
/// index and key, the file the value came from.
pub fn add_generated_config_maps(
    repo: &Repo,
    model: &mut Model,
) -> BTreeMap<(usize, String), FileId> {
    add_generated_config_maps_of(repo, model, &|_| Some(Placement::default()))
}

/// Where a kustomization's generated ConfigMaps end up once the kustomizations above it
/// transformed them: kustomize applies each level's `namespace` (the outermost wins) and
/// `namePrefix`/`nameSuffix` (nested) to generated objects as to any other (checked with kubectl
/// v1.32.4: a base generating `mods` in `basens`, under an overlay with `namespace: prod` and
/// `namePrefix: x-`, yields `prod/x-mods`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// The namespace an enclosing kustomization sets, overriding the generator's own.
    pub namespace: Option<String>,
    /// The prefixes of the kustomization and those above it, outermost first.
    pub prefix: String,
    /// The suffixes, innermost first.
    pub suffix: String,
}

/// [`add_generated_config_maps`] for the kustomizations `placed` gives a [`Placement`] (those
/// of one deploy unit).
pub fn add_generated_config_maps_of(
    repo: &Repo,
    model: &mut Model,
    placed: &dyn Fn(FileId) -> Option<Placement>,
) -> BTreeMap<(usize, String), FileId> {
    let mut generated = BTreeMap::new();
    let by_name: BTreeMap<&str, FileId> = repo
        .sources
        .iter()
        .map(|(id, f)| (f.name.as_str(), id))
        .collect();
    for loaded in &repo.documents {
        let Some(placement) = placed(loaded.file) else {
            continue;
        };
        let file = repo.sources.get(loaded.file);
        // Checked on the tree: converting every document to JSON just to find the
        // kustomizations cost more than the rest of this pass.
        if !is_kustomization(&file.name, &loaded.doc.root) {
            continue;
        }
        let json = loaded.doc.root.to_json();
        let Some(generators) = json.get("configMapGenerator").and_then(Json::as_array) else {
            continue;
        };
        let dir = file.name.rsplit_once('/').map_or("", |(d, _)| d);
        let default_namespace = json
            .get("namespace")
            .and_then(Json::as_str)
            .unwrap_or("default");
        for (i, generator) in generators.iter().enumerate() {
            let Some(name) = generator.get("name").and_then(Json::as_str) else {
                continue;
            };
            let namespace = placement.namespace.as_deref().unwrap_or_else(|| {
                generator
                    .get("namespace")
                    .and_then(Json::as_str)
                    .unwrap_or(default_namespace)
            });
            let name = format!("{}{name}{}", placement.prefix, placement.suffix);
            let mut data = ConfigMapData::default();
            let mut files = Vec::new();
            for entry in generator
                .get("files")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let Some(entry) = entry.as_str() else {
                    continue;
                };
                let (key, path) = entry
                    .split_once('=')
                    .unwrap_or_else(|| (entry.rsplit('/').next().unwrap_or(entry), entry));
                let Some(id) = join(dir, path).and_then(|p| by_name.get(p.as_str()).copied())
                else {
                    continue;
                };
                data.data
                    .insert(key.into(), (&*repo.sources.get(id).text).into());
                files.push((key.to_string(), id));
            }
            for literal in generator
                .get("literals")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                if let Some((k, v)) = literal.as_str().and_then(|l| l.split_once('=')) {
                    data.data.insert(k.into(), v.into());
                }
            }
            let index = model.config_maps.len();
            for (key, id) in files {
                generated.insert((index, key), id);
            }
            model.config_maps.push(Resource {
                meta: Meta {
                    id: ResourceId {
                        kind: Kind::ConfigMap,
                        namespace: namespace.to_string(),
                        name,
                    },
                    doc: loaded.id(),
                    file: loaded.file,
                    base: format!("/configMapGenerator/{i}"),
                    labels: crate::model::kinds::common::StringMap::new(),
                    annotations: crate::model::kinds::common::StringMap::new(),
                },
                spec: data,
            });
        }
    }
    generated
}
