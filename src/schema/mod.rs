//! Stage 2: the shape of each document, as a generic engine: JSON Schemas generated from Rust
//! types ([`generate`]), strict validation against them with every error at a JSON pointer
//! ([`validate`]), and the typed decode below, its error mapped the same way, so that either
//! can be shown at its span. The schemas themselves belong to the owners of the types (the
//! model for the Kubernetes kinds, `config` for `portico.yaml`); this module knows none of
//! them, only their names ([`kind`]).

pub mod generate;
pub mod kind;
pub mod proto_json;
pub mod validate;

use serde::de::DeserializeOwned;

/// A document (or part of one) that does not have the shape its kind requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeError {
    /// JSON pointer, inside the document, of the offending value.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

/// Decodes `value` as `T`; `base` is the pointer of `value` inside its document.
///
/// # Errors
/// The first shape error, at the pointer of the offending value.
pub fn decode<T: DeserializeOwned>(value: &serde_json::Value, base: &str) -> Result<T, ShapeError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let mut pointer = base.to_owned();
        for segment in error.path().iter() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => {
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                }
                serde_path_to_error::Segment::Map { key } => {
                    pointer.push('/');
                    pointer.push_str(&crate::load::node::escape_token(key));
                }
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        ShapeError {
            pointer,
            message: humanize(&error.into_inner().to_string()),
        }
    })
}

/// serde_json speaks of "map" and "sequence"; users wrote YAML mappings and lists.
fn humanize(message: &str) -> String {
    message
        .replace("invalid type: ", "")
        .replace("a sequence", "a list")
        .replace("sequence", "list")
        .replace("a map", "a mapping")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn errors_carry_the_pointer() {
        let value = serde_json::json!({"labels": {"a": "b", "c": 2}});
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            labels: BTreeMap<String, String>,
        }
        let err = decode::<T>(&value, "/metadata").err();
        assert_eq!(
            err.map(|e| e.pointer),
            Some("/metadata/labels/c".to_owned())
        );
    }
}
