//! What `portico build` writes, as the model determines it: the AuthConfig compiled for each
//! ExtAuthPolicy and its Gloo identity ([`auth_config`]), the file names of artifacts
//! ([`file_name`]) and the forms Kubernetes requires of the names they carry
//! ([`kubernetes_name`]). Emit writes these; the checks of the emit stage (PC602, PC603) predict
//! from the same definitions what a build would get wrong, so the two cannot disagree.

pub mod auth_config;
pub mod file_name;
pub mod kubernetes_name;

/// A document portico compiled that is not valid: a bug in portico (the checks report what
/// would cause it first), reported with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidArtifact {
    /// The artifact.
    pub file: String,
    /// JSON Pointer inside the document.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}
