//! The JSON Schemas of the Kubernetes kinds portico validates, generated from the typed shapes
//! of this module, and their validators, each compiled once.

use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use super::{AuthConfigSpec, ExtAuthPolicySpec, ExtAuthServerSpec, ObjectMeta, RouteTableSpec};
use crate::model::Kind;
use crate::schema::generate::root_schema;
use crate::schema::validate::{CompiledSchema, SchemaError};

/// A Kubernetes object of one kind: what a document of that kind must look like.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct Object<S: Default> {
    /// API group and version.
    api_version: String,
    /// The kind.
    kind: String,
    /// Object metadata.
    metadata: ObjectMeta,
    /// The specification.
    #[serde(default)]
    spec: S,
    /// Set by the server; any content is accepted.
    #[serde(default)]
    status: Option<Json>,
}

/// The schema of `kind` as JSON (draft 2020-12); `None` for a ConfigMap, whose `data` is
/// free-form and which portico does not validate.
#[must_use]
pub fn schema(kind: Kind) -> Option<Json> {
    let (schema, api_version) = match kind {
        Kind::RouteTable => (
            root_schema::<Object<RouteTableSpec>>(kind.as_str()),
            "networking.gloo.solo.io/v2",
        ),
        Kind::ExtAuthPolicy => (
            root_schema::<Object<ExtAuthPolicySpec>>(kind.as_str()),
            "security.policy.gloo.solo.io/v2",
        ),
        Kind::ExtAuthServer => (
            root_schema::<Object<ExtAuthServerSpec>>(kind.as_str()),
            "admin.gloo.solo.io/v2",
        ),
        Kind::AuthConfig => (
            root_schema::<Object<AuthConfigSpec>>(kind.as_str()),
            "enterprise.gloo.solo.io/v1",
        ),
        Kind::ConfigMap => return None,
    };
    Some(stamped(schema, api_version, kind.as_str()))
}

/// `schema` with what only this kind's documents say: its `apiVersion` and `kind` constants,
/// and a description saying that unknown keys are errors.
fn stamped(mut schema: Json, api_version: &str, kind_name: &str) -> Json {
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "description".into(),
            Json::String(format!(
                "{kind_name} ({api_version}), as portico validates it: unknown keys are errors."
            )),
        );
        if let Some(props) = object.get_mut("properties").and_then(Json::as_object_mut) {
            props.insert(
                "apiVersion".into(),
                serde_json::json!({"const": api_version}),
            );
            props.insert("kind".into(), serde_json::json!({"const": kind_name}));
        }
    }
    schema
}

/// Validates `instance` (with nulls already removed) against the schema of `kind`; `base` is
/// the pointer of the instance inside its document. A ConfigMap has no schema: no errors.
#[must_use]
pub fn validate(kind: Kind, instance: &Json, base: &str) -> Vec<SchemaError> {
    static ROUTE_TABLE: OnceLock<Option<CompiledSchema>> = OnceLock::new();
    static EXT_AUTH_POLICY: OnceLock<Option<CompiledSchema>> = OnceLock::new();
    static EXT_AUTH_SERVER: OnceLock<Option<CompiledSchema>> = OnceLock::new();
    static AUTH_CONFIG: OnceLock<Option<CompiledSchema>> = OnceLock::new();
    let cell = match kind {
        Kind::RouteTable => &ROUTE_TABLE,
        Kind::ExtAuthPolicy => &EXT_AUTH_POLICY,
        Kind::ExtAuthServer => &EXT_AUTH_SERVER,
        Kind::AuthConfig => &AUTH_CONFIG,
        Kind::ConfigMap => return Vec::new(),
    };
    cell.get_or_init(|| schema(kind).map(|schema| CompiledSchema::new(kind.as_str(), schema)))
        .as_ref()
        .map(|compiled| compiled.validate(instance, base))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::validate::SchemaIssue;

    #[test]
    fn unknown_keys_get_allowed_siblings() {
        let doc = serde_json::json!({
            "apiVersion": "security.policy.gloo.solo.io/v2",
            "kind": "ExtAuthPolicy",
            "metadata": {"name": "p"},
            "spec": {"applyToRoute": []}
        });
        let errors = validate(Kind::ExtAuthPolicy, &doc, "");
        let unknown: Vec<_> = errors
            .iter()
            .filter_map(|e| match &e.issue {
                SchemaIssue::UnknownField { key, allowed } => {
                    Some((e.pointer.clone(), key.clone(), allowed.clone()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(unknown.len(), 1, "{errors:?}");
        assert_eq!(unknown[0].0, "/spec");
        assert!(unknown[0].2.contains(&"applyToRoutes".to_owned()));
        let (message, help) = errors[0].describe();
        assert_eq!(message, "unknown field `applyToRoute`");
        assert!(
            help.unwrap_or_default()
                .contains("did you mean `applyToRoutes`?")
        );
    }

    #[test]
    fn every_kind_but_config_maps_has_a_schema_that_compiles() {
        for kind in [
            Kind::RouteTable,
            Kind::ExtAuthPolicy,
            Kind::ExtAuthServer,
            Kind::AuthConfig,
        ] {
            let errors = validate(kind, &serde_json::json!({}), "");
            assert!(
                errors
                    .iter()
                    .all(|e| matches!(e.issue, SchemaIssue::Required { .. })),
                "{kind:?}: {errors:?}"
            );
            assert!(!errors.is_empty(), "{kind:?}");
        }
        assert_eq!(schema(Kind::ConfigMap), None);
        assert!(validate(Kind::ConfigMap, &serde_json::json!({"x": 1}), "").is_empty());
    }
}
