//! The AuthConfig artifacts of a build: the AuthConfig the model compiles for each
//! ExtAuthPolicy with `glooAuth` ([`crate::model::artifacts::auth_config`]), by path.

use serde_json::Value as Json;

use crate::load::Repo;
use crate::model::Model;
use crate::model::artifacts::InvalidArtifact;
use crate::model::artifacts::auth_config::compile_from;

use super::EmitError;

impl From<InvalidArtifact> for EmitError {
    fn from(invalid: InvalidArtifact) -> Self {
        EmitError::Invalid {
            file: invalid.file,
            pointer: invalid.pointer,
            message: invalid.message,
        }
    }
}

/// Every AuthConfig of the model, (artifact path, document) sorted by path, with `glooAuth`
/// read from the policies' documents.
///
/// # Errors
/// When a document fails portico's AuthConfig schema.
pub fn emit(repo: &Repo, model: &Model) -> Result<Vec<(String, Json)>, EmitError> {
    let mut out = Vec::new();
    for policy in &model.ext_auth_policies {
        if let Some(compiled) = compile_from(repo, model, policy)? {
            out.push(compiled);
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
