//! Scope declarations in JSON and YAML files: CloudFormation, Cognito CLI, Okta, OIDC
//! metadata, Keycloak, Auth0 Deploy CLI, Entra manifests.

use super::{ScopeSource, SourceError};
use crate::load::source::SourceFile;
use crate::load::yaml::Document;

/// Detects the format of a JSON/YAML file from its content and reads it.
///
/// # Errors
/// When the content matches no known format.
pub fn detect(_file: &SourceFile, _documents: &[Document]) -> Result<ScopeSource, SourceError> {
    Err(SourceError::UnknownFormat)
}
