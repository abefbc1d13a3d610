//! The emit stage (PRODUCT §6): the repository compiled into the artifacts to deploy, as a map
//! from relative path to file text. Nothing here touches the disk; [`write`] does that
//! atomically for the CLI, and [`diff`] compares with what is on disk for `build --check`.
//!
//! Every document is validated before it is returned: AuthConfigs against portico's own
//! AuthConfig schema, Envoy documents against Envoy's API descriptors. A failure is an internal
//! error naming the document and JSON path, never a file written.

pub mod authconfig;
pub mod envoy;
pub mod envoy_schema;
pub mod output;

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::model::Model;
use crate::model::index::Index;
use crate::model::selection::PolicySelection;
use crate::rego::Analysis;

pub use output::{diff, write};

/// The files of a build: relative path (with `/`) → text.
pub type Artifacts = BTreeMap<String, String>;

/// Why a build produced nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// An emitted document failed validation: a bug in portico, reported with where.
    #[error("internal error: emitted {file} is invalid at {pointer}: {message}")]
    Invalid {
        /// The artifact.
        file: String,
        /// JSON Pointer inside the document.
        pointer: String,
        /// What the validator said.
        message: String,
    },
    /// An emitted document could not be rendered as YAML: a bug in portico.
    #[error("internal error: cannot render {file} as YAML: {message}")]
    Render {
        /// The artifact.
        file: String,
        /// What the serializer said.
        message: String,
    },
}

/// What emitting needs.
pub struct EmitInput<'a> {
    /// Files and documents.
    pub repo: &'a crate::load::Repo,
    /// Typed resources.
    pub model: &'a Model,
    /// Resolved routes.
    pub index: &'a Index,
    /// Which routes each policy selects.
    pub selections: &'a [PolicySelection],
    /// The Rego stage (for the `opaAuth` steps' ConfigMaps).
    pub rego: &'a Analysis,
}

/// Compiles every artifact.
///
/// # Errors
/// When an emitted document does not validate.
pub fn emit(input: &EmitInput<'_>) -> Result<Artifacts, EmitError> {
    use rayon::prelude::*;
    let mut docs = authconfig::emit(input.repo, input.model)?;
    docs.extend(envoy::emit(input)?);
    // Rendering is independent per document; rayon keeps the order.
    let texts: Vec<(String, String)> = docs
        .into_par_iter()
        .map(|(path, doc)| match to_yaml(&doc) {
            Ok(text) => Ok((path, text)),
            Err(message) => Err(EmitError::Render {
                file: path,
                message,
            }),
        })
        .collect::<Result<_, _>>()?;
    Ok(texts.into_iter().collect())
}

/// Recursively sorts object keys, so output never depends on input order or hash order.
#[must_use]
pub fn sorted(value: &Json) -> Json {
    match value {
        Json::Object(map) => {
            let mut entries: Vec<(&String, &Json)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Json::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Json::Array(items) => Json::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// YAML text of a document: keys sorted, `\n` endings, a trailing newline.
///
/// # Errors
/// When the serializer refuses the document (it should not: the documents are plain JSON).
pub fn to_yaml(value: &Json) -> Result<String, String> {
    let mut text = yaml_serde::to_string(&sorted(value)).map_err(|e| e.to_string())?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text.replace("\r\n", "\n"))
}
