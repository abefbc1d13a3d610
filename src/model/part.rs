//! Parts of a model: the subset of a repository's model by file (the plain part beside deploy
//! units, or the files a kustomization leaves out), and the model of one deploy unit.

use std::collections::BTreeMap;

use crate::gloo_version::GlooVersion;
use crate::load::Repo;
use crate::load::source::FileId;

use super::{Meta, Model, Resource, build_documents, kustomize};

impl Model {
    /// The part of the model whose documents `keep` accepts (by their file): the plain part
    /// of a repository with deploy units.
    #[must_use]
    pub fn subset(&self, keep: &dyn Fn(FileId) -> bool) -> Model {
        fn kept<S: Clone>(
            items: &[Resource<S>],
            keep: &dyn Fn(FileId) -> bool,
        ) -> Vec<Resource<S>> {
            items
                .iter()
                .filter(|r| keep(r.meta.file))
                .cloned()
                .collect()
        }
        let mut generated_files = BTreeMap::new();
        let mut config_maps = Vec::new();
        for (index, cm) in self.config_maps.iter().enumerate() {
            if keep(cm.meta.file) {
                for ((at, key), file) in self.generated_files.range((index, String::new())..) {
                    if *at != index {
                        break;
                    }
                    generated_files.insert((config_maps.len(), key.clone()), *file);
                }
                config_maps.push(cm.clone());
            }
        }
        let undecoded: Vec<Meta> = self
            .undecoded
            .iter()
            .filter(|m| keep(m.file))
            .cloned()
            .collect();
        Model {
            route_tables: kept(&self.route_tables, keep),
            ext_auth_policies: kept(&self.ext_auth_policies, keep),
            ext_auth_servers: kept(&self.ext_auth_servers, keep),
            config_maps,
            auth_configs: kept(&self.auth_configs, keep),
            broken: undecoded.iter().map(|m| m.id.clone()).collect(),
            undecoded,
            problems: self
                .problems
                .iter()
                .filter(|p| keep(p.span.file))
                .cloned()
                .collect(),
            schema_errors: self
                .schema_errors
                .iter()
                .filter(|e| keep(e.span.file))
                .cloned()
                .collect(),
            unknown_values: self
                .unknown_values
                .iter()
                .filter(|(doc, _, _)| keep(doc.file))
                .cloned()
                .collect(),
            other_objects: self.other_objects,
            // Workspaces are the management plane's, wherever they are kept: every part of the
            // repository is read with all of them.
            workspaces: self.workspaces.clone(),
            workspace_settings: self.workspace_settings.clone(),
            generated_files,
            rendered: BTreeMap::new(),
            unit_problems: Vec::new(),
        }
    }

    /// The model of a deploy unit: its rendered documents modelled, with the ConfigMaps its
    /// kustomizations generate.
    #[must_use]
    pub fn of_unit(repo: &Repo, unit: &kustomize::Unit, version: GlooVersion) -> Model {
        let documents = unit.documents();
        let mut model = build_documents(&documents, version);
        model.generated_files =
            kustomize::generator::add_generated_config_maps_of(repo, &mut model, &|file| {
                unit.kustomizations.get(&file).cloned()
            });
        model.rendered = documents
            .into_iter()
            .map(|d| (d.id(), d.doc.root))
            .collect();
        model
    }

    /// Whether nothing was modelled: no resource, nothing undecoded, no schema or shape
    /// problem.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.resource_count() == 0
            && self.undecoded.is_empty()
            && self.problems.is_empty()
            && self.schema_errors.is_empty()
            && self.unit_problems.is_empty()
    }

    /// Adds `context` (the plain files deployed next to a unit) to the unit's model.
    pub fn add_context(&mut self, mut context: Model) {
        let offset = self.config_maps.len();
        context.generated_files = std::mem::take(&mut context.generated_files)
            .into_iter()
            .map(|((index, key), file)| ((index + offset, key), file))
            .collect();
        self.append(context);
    }

    /// Appends the resources of `other`, modelled from later documents.
    pub(super) fn append(&mut self, other: Model) {
        self.route_tables.extend(other.route_tables);
        self.ext_auth_policies.extend(other.ext_auth_policies);
        self.ext_auth_servers.extend(other.ext_auth_servers);
        self.config_maps.extend(other.config_maps);
        self.auth_configs.extend(other.auth_configs);
        self.broken.extend(other.broken);
        self.undecoded.extend(other.undecoded);
        self.problems.extend(other.problems);
        self.schema_errors.extend(other.schema_errors);
        self.unknown_values.extend(other.unknown_values);
        self.other_objects += other.other_objects;
        self.workspaces.extend(other.workspaces);
        self.workspace_settings.extend(other.workspace_settings);
        self.generated_files.extend(other.generated_files);
    }
}
