//! Rego modules as the Rego stage will see them: every ConfigMap data value that holds a Rego
//! module and every standalone `.rego` file, each with the map from offsets in the module text
//! back to the file (through the ConfigMap's block scalar).

use crate::load::Repo;
use crate::load::embedded::{TextMap, map_scalar};
use crate::load::node::escape_token;
use crate::load::source::FileId;

use super::Model;

/// Where a module comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegoOrigin {
    /// Data key `key` of ConfigMap `config_map` (index into [`Model::config_maps`]).
    ConfigMap {
        /// Index into [`Model::config_maps`].
        config_map: usize,
        /// The data key, e.g. `policy.rego`.
        key: String,
    },
    /// A `.rego` file.
    File,
}

/// One Rego module.
#[derive(Debug, Clone)]
pub struct RegoSource {
    /// The file holding it.
    pub file: FileId,
    /// Where in the file.
    pub origin: RegoOrigin,
    /// The module text as the OPA engine receives it.
    pub text: String,
    /// Module offset → file offset; `None` for a `.rego` file, where they are equal.
    pub map: Option<TextMap>,
}

impl RegoSource {
    /// The file offset of an offset in the module text.
    #[must_use]
    pub fn file_offset(&self, offset: usize) -> usize {
        self.map.as_ref().map_or(offset, |m| m.file_offset(offset))
    }
}

/// Whether text reads as a Rego module: its first statement is a `package` declaration.
#[must_use]
pub fn is_rego_module(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .is_some_and(|l| l.starts_with("package ") || l.starts_with("package\t"))
}

/// Every Rego module in the repository, ConfigMaps first (in model order), then `.rego` files.
#[must_use]
pub fn rego_sources(repo: &Repo, model: &Model) -> Vec<RegoSource> {
    let mut out = Vec::new();
    for (c, cm) in model.config_maps.iter().enumerate() {
        let file = repo.sources.get(cm.meta.file);
        for (key, text) in &cm.spec.data {
            if !is_rego_module(text) {
                continue;
            }
            if let Some(&file) = model.generated_files.get(&(c, key.to_string())) {
                // A kustomize-generated value is a whole file: positions are its own.
                out.push(RegoSource {
                    file,
                    origin: RegoOrigin::ConfigMap {
                        config_map: c,
                        key: key.to_string(),
                    },
                    text: text.to_string(),
                    map: None,
                });
                continue;
            }
            let pointer = cm.meta.pointer(&format!("/data/{}", escape_token(key)));
            let Some(found) = repo
                .root(cm.meta.doc)
                .and_then(|root| root.pointer(&pointer))
            else {
                continue;
            };
            out.push(RegoSource {
                file: cm.meta.file,
                origin: RegoOrigin::ConfigMap {
                    config_map: c,
                    key: key.to_string(),
                },
                text: text.to_string(),
                map: Some(map_scalar(file, found.node)),
            });
        }
    }
    let generated: std::collections::BTreeSet<FileId> =
        model.generated_files.values().copied().collect();
    for &id in repo.rego_files.iter().filter(|id| !generated.contains(id)) {
        out.push(RegoSource {
            file: id,
            origin: RegoOrigin::File,
            text: repo.sources.get(id).text.to_string(),
            map: None,
        });
    }
    out
}
