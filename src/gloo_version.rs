//! The Gloo Platform release a repository targets (`gloo.version` of `portico.yaml`): the API
//! its schemas, rules and semantics follow where the API changed between releases.
//!
//! The facts of each release live with what they describe (the schema data in
//! `model/kinds/versions.rs`, the delegation semantics in `model/flatten.rs`); this module only
//! names the releases.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};
use serde_json::Value as Json;

/// A Gloo Platform minor release portico knows the API of, oldest first (the order compares
/// releases: `V2_3 < V2_4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum GlooVersion {
    /// Gloo Platform 2.2.
    V2_2,
    /// Gloo Platform 2.3.
    V2_3,
    /// Gloo Platform 2.4.
    V2_4,
    /// Gloo Platform 2.5.
    V2_5,
    /// Gloo Platform 2.6.
    V2_6,
    /// Gloo Platform 2.7, the newest release portico knows and the default.
    #[default]
    V2_7,
}

impl GlooVersion {
    /// Every supported release, oldest first.
    pub const ALL: [GlooVersion; 6] = [
        GlooVersion::V2_2,
        GlooVersion::V2_3,
        GlooVersion::V2_4,
        GlooVersion::V2_5,
        GlooVersion::V2_6,
        GlooVersion::V2_7,
    ];

    /// The newest supported release: the default when `portico.yaml` names none.
    pub const LATEST: GlooVersion = GlooVersion::V2_7;

    /// `"2.5"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            GlooVersion::V2_2 => "2.2",
            GlooVersion::V2_3 => "2.3",
            GlooVersion::V2_4 => "2.4",
            GlooVersion::V2_5 => "2.5",
            GlooVersion::V2_6 => "2.6",
            GlooVersion::V2_7 => "2.7",
        }
    }

    /// The release `text` names: `2.5`. A patch release (`2.5.11`) is not accepted: the API
    /// of a minor release is what portico knows, and the schema says so at the value.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }

    /// Decodes `gloo.version` without ever failing: a value that names no supported release is
    /// `None` (the schema reports it at its line, and the rest of the file still applies).
    ///
    /// # Errors
    /// Only when the underlying deserializer fails.
    pub fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Self>, D::Error> {
        Ok(match Json::deserialize(d)? {
            Json::String(s) => Self::parse(&s),
            // `version: 2.5` unquoted is a YAML float.
            Json::Number(n) => Self::parse(&n.to_string()),
            _ => None,
        })
    }
}

impl fmt::Display for GlooVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl JsonSchema for GlooVersion {
    fn schema_name() -> Cow<'static, str> {
        "GlooVersion".into()
    }

    /// A minor release as a string (`"2.5"`) or as the number YAML makes of `2.5` unquoted.
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
        let numbers: Vec<f64> = names.iter().filter_map(|n| n.parse().ok()).collect();
        json_schema!({
            "type": ["string", "number"],
            "if": {"type": "string"},
            "then": {"enum": names},
            "else": {"enum": numbers},
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_releases_parse() {
        assert_eq!(GlooVersion::parse("2.5"), Some(GlooVersion::V2_5));
        assert_eq!(GlooVersion::parse("2.2"), Some(GlooVersion::V2_2));
        assert_eq!(GlooVersion::parse("2.5.11"), None);
        assert_eq!(GlooVersion::parse("2.8"), None);
        assert_eq!(GlooVersion::parse("2.1"), None);
        assert_eq!(GlooVersion::parse("1.17"), None);
        assert!(GlooVersion::V2_3 < GlooVersion::V2_4);
        assert_eq!(GlooVersion::default(), GlooVersion::LATEST);
    }

    #[test]
    fn an_unquoted_version_is_a_number() {
        let decode = |v: Json| GlooVersion::decode(v).ok().flatten();
        assert_eq!(decode(serde_json::json!(2.4)), Some(GlooVersion::V2_4));
        assert_eq!(decode(serde_json::json!("2.7")), Some(GlooVersion::V2_7));
        assert_eq!(decode(serde_json::json!(true)), None);
    }
}
