//! Terraform scope declarations.

use super::{ScopeSource, SourceError};
use crate::load::source::SourceFile;

/// Parses a `.tf` file.
///
/// # Errors
/// When it is not valid HCL, or declares none of the known resources.
pub fn parse(_file: &SourceFile) -> Result<ScopeSource, SourceError> {
    Err(SourceError::UnknownFormat)
}
