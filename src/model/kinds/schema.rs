//! The JSON Schemas of the Kubernetes kinds portico validates, generated from the typed shapes
//! of this module, and their validators, each compiled once.

use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use super::versions;
use super::{AuthConfigSpec, ExtAuthPolicySpec, ExtAuthServerSpec, ObjectMeta, RouteTableSpec};
use crate::gloo_version::GlooVersion;
use crate::model::Kind;
use crate::schema::generate::root_schema;
use crate::schema::proto_json::{Renames, normalize};
use crate::schema::validate::{
    CompiledSchema, SchemaError, SchemaIssue, allowed_keys, allowed_values,
};

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

/// The schema of `kind` as JSON (draft 2020-12) for the newest supported Gloo Platform release
/// (what `portico schema` prints and `schemas/` holds); `None` for a ConfigMap, whose `data` is
/// free-form and which portico does not validate.
#[must_use]
pub fn schema(kind: Kind) -> Option<Json> {
    schema_for(kind, GlooVersion::LATEST)
}

/// The schema of `kind` for the API of `version` ([`versions::for_version`]).
#[must_use]
pub fn schema_for(kind: Kind, version: GlooVersion) -> Option<Json> {
    union_schema(kind).map(|schema| versions::for_version(schema, version))
}

/// The schema of `kind` as generated from the typed shapes: the union of every supported
/// release's fields.
#[must_use]
pub fn union_schema(kind: Kind) -> Option<Json> {
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

/// Validates `instance` (with nulls already removed) against the schema of `kind` for the API
/// of `version`; `base` is the pointer of the instance inside its document. A key or enum value
/// that another release has is reported with the release that added or removed it. A ConfigMap
/// has no schema: no errors.
#[must_use]
pub fn validate(kind: Kind, version: GlooVersion, instance: &Json, base: &str) -> Vec<SchemaError> {
    let mut errors = match compiled(kind, version) {
        Some(compiled) => compiled.validate(instance, base),
        None => return Vec::new(),
    };
    for error in &mut errors {
        error.note = version_note(kind, version, error, base);
    }
    errors
}

/// The compiled schema of `kind` for `version`, compiled on first use.
fn compiled(kind: Kind, version: GlooVersion) -> Option<&'static CompiledSchema> {
    type Cells = [OnceLock<Option<CompiledSchema>>; GlooVersion::ALL.len()];
    static ROUTE_TABLE: Cells = [const { OnceLock::new() }; GlooVersion::ALL.len()];
    static EXT_AUTH_POLICY: Cells = [const { OnceLock::new() }; GlooVersion::ALL.len()];
    static EXT_AUTH_SERVER: Cells = [const { OnceLock::new() }; GlooVersion::ALL.len()];
    static AUTH_CONFIG: Cells = [const { OnceLock::new() }; GlooVersion::ALL.len()];
    let cells = match kind {
        Kind::RouteTable => &ROUTE_TABLE,
        Kind::ExtAuthPolicy => &EXT_AUTH_POLICY,
        Kind::ExtAuthServer => &EXT_AUTH_SERVER,
        Kind::AuthConfig => &AUTH_CONFIG,
        Kind::ConfigMap => return None,
    };
    let index = GlooVersion::ALL.iter().position(|v| *v == version)?;
    cells
        .get(index)?
        .get_or_init(|| {
            schema_for(kind, version).map(|schema| CompiledSchema::new(kind.as_str(), schema))
        })
        .as_ref()
}

/// "was removed in Gloo Platform 2.3, …" for an unknown key or enum value that the schema of
/// another release allows at the same place; `None` for one no release has.
fn version_note(
    kind: Kind,
    version: GlooVersion,
    error: &SchemaError,
    base: &str,
) -> Option<String> {
    let pointer = error.pointer.strip_prefix(base)?;
    let allowed_in = |other: GlooVersion| -> bool {
        let Some(schema) = compiled(kind, other).map(CompiledSchema::json) else {
            return false;
        };
        match &error.issue {
            SchemaIssue::UnknownField { key, .. } => allowed_keys(schema, pointer).contains(key),
            SchemaIssue::Enum { value, .. } => {
                allowed_values(schema, pointer).is_some_and(|values| values.contains(value))
            }
            _ => false,
        }
    };
    if !matches!(
        error.issue,
        SchemaIssue::UnknownField { .. } | SchemaIssue::Enum { .. }
    ) {
        return None;
    }
    let present: Vec<GlooVersion> = GlooVersion::ALL
        .into_iter()
        .filter(|v| *v != version && allowed_in(*v))
        .collect();
    let change = versions::change_note(version, &present)?;
    Some(format!(
        "{change}; portico reads this repository as Gloo Platform {version} (`gloo.version` in \
         portico.yaml)"
    ))
}

/// Where Gloo decodes a part of a document with its protobuf JSON decoder rather than the API
/// server checking it against the CRD: `ExtAuthPolicy.spec.config.glooAuth`, which Gloo reads
/// with jsonpb (see [`crate::schema::proto_json`] for the source) and which the API server
/// stores as written.
const PROTO_JSON_PARTS: &[(Kind, &str)] = &[(Kind::ExtAuthPolicy, "/spec/config/glooAuth")];

/// `instance` read the way Gloo reads it: every part Gloo decodes as protobuf JSON rewritten
/// into the spelling of portico's schema (quoted integers as numbers, proto field names as
/// JSON names), with the renamed keys to point findings back at what the file says. `None`
/// when nothing in the instance is read that way (nothing to rewrite).
#[must_use]
pub fn read_as_gloo_does(kind: Kind, instance: &Json, base: &str) -> Option<(Json, Renames)> {
    let mut out: Option<(Json, Renames)> = None;
    for &(part_kind, part) in PROTO_JSON_PARTS {
        if part_kind != kind || instance.pointer(part).is_none() {
            continue;
        }
        let Some(root) = proto_json_schema(part_kind) else {
            continue;
        };
        let (copy, renames) = out.get_or_insert_with(|| (instance.clone(), Renames::default()));
        if let Some(value) = copy.pointer_mut(part) {
            let found = normalize(root, part, value, &format!("{base}{part}"));
            renames.extend(found);
        }
    }
    out
}

/// The `glooAuth` of an ExtAuthPolicy (the object alone) read the way Gloo reads it, for
/// `build` to copy into an AuthConfig, whose CRD has a structural schema and takes only the
/// canonical spelling.
#[must_use]
pub fn gloo_auth_as_gloo_reads(mut gloo_auth: Json) -> Json {
    if let Some(root) = proto_json_schema(Kind::ExtAuthPolicy) {
        let part = "/spec/config/glooAuth";
        let _ = normalize(root, part, &mut gloo_auth, part);
    }
    gloo_auth
}

/// The schema of a kind that has a part Gloo reads as protobuf JSON, generated once.
fn proto_json_schema(kind: Kind) -> Option<&'static Json> {
    static EXT_AUTH_POLICY: OnceLock<Option<Json>> = OnceLock::new();
    match kind {
        Kind::ExtAuthPolicy => EXT_AUTH_POLICY.get_or_init(|| schema(kind)).as_ref(),
        _ => None,
    }
}

/// A copy of `instance` for the typed decode, without the values inside a protobuf-JSON part
/// that `errors` (its schema errors, at canonical pointers) say have the wrong type: Gloo
/// would refuse them, validation reports each one, and the rest of the resource still takes
/// part in every other check instead of being dropped for one field. `None` when no such value.
#[must_use]
pub fn without_mistyped_values(
    kind: Kind,
    instance: &Json,
    base: &str,
    errors: &[SchemaError],
) -> Option<Json> {
    let mut copy: Option<Json> = None;
    // Items of a list are blanked first and swept at the end, deepest list first, so that
    // removing one never shifts the index another error points at.
    let mut lists: Vec<String> = Vec::new();
    for error in errors {
        if !matches!(error.issue, SchemaIssue::Type { .. }) {
            continue;
        }
        let inside = PROTO_JSON_PARTS.iter().any(|&(k, part)| {
            let prefix = format!("{base}{part}/");
            k == kind && error.pointer.starts_with(&prefix)
        });
        let Some(local) = error.pointer.strip_prefix(base).filter(|_| inside) else {
            continue;
        };
        let copy = copy.get_or_insert_with(|| instance.clone());
        if let Some(list) = remove_at(copy, local) {
            lists.push(list);
        }
    }
    if let Some(copy) = copy.as_mut() {
        lists.sort_by_key(|l| std::cmp::Reverse(l.len()));
        lists.dedup();
        for list in lists {
            if let Some(Json::Array(items)) = copy.pointer_mut(&list) {
                items.retain(|item| !item.is_null());
            }
        }
    }
    copy
}
/// Removes the value at `pointer` from its mapping, or blanks it (null) in its list and
/// returns the list's pointer, for the caller to sweep.
fn remove_at(value: &mut Json, pointer: &str) -> Option<String> {
    let (parent, last) = pointer.rsplit_once('/')?;
    let last = last.replace("~1", "/").replace("~0", "~");
    match value.pointer_mut(parent) {
        Some(Json::Object(map)) => {
            map.remove(&last);
            None
        }
        Some(Json::Array(items)) => {
            let item = last.parse::<usize>().ok().and_then(|i| items.get_mut(i))?;
            *item = Json::Null;
            Some(parent.to_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_get_allowed_siblings() {
        let doc = serde_json::json!({
            "apiVersion": "security.policy.gloo.solo.io/v2",
            "kind": "ExtAuthPolicy",
            "metadata": {"name": "p"},
            "spec": {"applyToRoute": []}
        });
        let errors = validate(Kind::ExtAuthPolicy, GlooVersion::LATEST, &doc, "");
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

    /// A field or value of another release says which release added or removed it, and
    /// validates at that release.
    #[test]
    fn fields_of_other_releases_are_named_with_their_release() {
        let table = |spec: serde_json::Value| {
            serde_json::json!({
                "apiVersion": "networking.gloo.solo.io/v2",
                "kind": "RouteTable",
                "metadata": {"name": "t"},
                "spec": spec
            })
        };
        let lambda = table(
            serde_json::json!({"http": [{"forwardTo": {"destinations": [{
                "ref": {"name": "aws"},
                "kind": "CLOUD_PROVIDER",
                "function": {"logicalName": "f", "awsLambda": {"unwrapAsAlb": true}}
            }]}}]}),
        );
        assert!(validate(Kind::RouteTable, GlooVersion::V2_2, &lambda, "").is_empty());
        let described: Vec<String> = validate(Kind::RouteTable, GlooVersion::V2_5, &lambda, "")
            .iter()
            .map(|e| e.describe().0)
            .collect();
        assert_eq!(
            described,
            [
                "field `function` was removed in Gloo Platform 2.3; portico reads this \
                 repository as Gloo Platform 2.5 (`gloo.version` in portico.yaml)",
                "value `CLOUD_PROVIDER` was removed in Gloo Platform 2.3; portico reads this \
                 repository as Gloo Platform 2.5 (`gloo.version` in portico.yaml)",
            ]
        );
        let portal = table(serde_json::json!({
            "portalMetadata": {"apiProductId": "p", "title": "t"},
            "http": []
        }));
        let at_2_3 = validate(Kind::RouteTable, GlooVersion::V2_3, &portal, "");
        assert_eq!(at_2_3.len(), 1, "{at_2_3:?}");
        assert!(
            at_2_3[0]
                .describe()
                .0
                .starts_with("field `apiProductId` was added in Gloo Platform 2.4")
        );
        // No release requires either field: a table without them is not an API product.
        let untitled = table(serde_json::json!({"portalMetadata": {"title": "t"}, "http": []}));
        for version in GlooVersion::ALL
            .into_iter()
            .filter(|v| *v >= GlooVersion::V2_3)
        {
            assert!(validate(Kind::RouteTable, version, &untitled, "").is_empty());
        }
        // 2.2 had no portal metadata at all.
        let at_2_2 = validate(Kind::RouteTable, GlooVersion::V2_2, &untitled, "");
        assert_eq!(
            at_2_2
                .first()
                .and_then(|e| e.note.as_deref())
                .map(|n| n.split(';').next()),
            Some(Some("was added in Gloo Platform 2.3"))
        );
        // A field no release has stays unknown.
        let typo = table(serde_json::json!({"htp": []}));
        let errors = validate(Kind::RouteTable, GlooVersion::V2_3, &typo, "");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].note, None);
    }

    #[test]
    fn every_kind_but_config_maps_has_a_schema_that_compiles() {
        for kind in [
            Kind::RouteTable,
            Kind::ExtAuthPolicy,
            Kind::ExtAuthServer,
            Kind::AuthConfig,
        ] {
            let errors = validate(kind, GlooVersion::LATEST, &serde_json::json!({}), "");
            assert!(
                errors
                    .iter()
                    .all(|e| matches!(e.issue, SchemaIssue::Required { .. })),
                "{kind:?}: {errors:?}"
            );
            assert!(!errors.is_empty(), "{kind:?}");
        }
        assert_eq!(schema(Kind::ConfigMap), None);
        assert!(
            validate(
                Kind::ConfigMap,
                GlooVersion::LATEST,
                &serde_json::json!({"x": 1}),
                ""
            )
            .is_empty()
        );
    }
}
