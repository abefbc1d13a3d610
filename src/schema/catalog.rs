//! The JSON Schemas portico validates against, generated from the model types. Objects are
//! closed (`additionalProperties: false`) wherever the type lists its properties, as
//! kubeconform `-strict` does: Kubernetes silently prunes unknown fields, so an unknown key is
//! a field the author meant to set and did not.

use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::config::ConfigFile;
use crate::model::kinds::{
    AuthConfigSpec, ExtAuthPolicySpec, ExtAuthServerSpec, ObjectMeta, RouteTableSpec,
};

/// The documents portico has a schema for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchemaKind {
    /// `networking.gloo.solo.io/v2` RouteTable.
    RouteTable,
    /// `security.policy.gloo.solo.io/v2` ExtAuthPolicy.
    ExtAuthPolicy,
    /// `admin.gloo.solo.io/v2` ExtAuthServer.
    ExtAuthServer,
    /// `enterprise.gloo.solo.io/v1` AuthConfig.
    AuthConfig,
    /// `portico.yaml`.
    Config,
}

impl SchemaKind {
    /// Every kind, in file-name order.
    pub const ALL: [SchemaKind; 5] = [
        SchemaKind::AuthConfig,
        SchemaKind::ExtAuthPolicy,
        SchemaKind::ExtAuthServer,
        SchemaKind::Config,
        SchemaKind::RouteTable,
    ];

    /// The file name under `schemas/`.
    #[must_use]
    pub fn file_name(self) -> &'static str {
        match self {
            SchemaKind::RouteTable => "routetable.schema.json",
            SchemaKind::ExtAuthPolicy => "extauthpolicy.schema.json",
            SchemaKind::ExtAuthServer => "extauthserver.schema.json",
            SchemaKind::AuthConfig => "authconfig.schema.json",
            SchemaKind::Config => "portico.schema.json",
        }
    }

    /// The name used on the command line (`portico schema routetable`).
    #[must_use]
    pub fn cli_name(self) -> &'static str {
        match self {
            SchemaKind::RouteTable => "routetable",
            SchemaKind::ExtAuthPolicy => "extauthpolicy",
            SchemaKind::ExtAuthServer => "extauthserver",
            SchemaKind::AuthConfig => "authconfig",
            SchemaKind::Config => "config",
        }
    }

    /// Looks a kind up by its command-line or Kubernetes name, ignoring case.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| {
            k.cli_name() == lower || (lower == "portico.yaml" && *k == SchemaKind::Config)
        })
    }
}

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

/// The schema of `kind` as JSON (draft 2020-12).
#[must_use]
pub fn schema(kind: SchemaKind) -> Json {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_deserialize()
        .with_transform(RecursiveTransform(drop_null))
        .with_transform(RecursiveTransform(close_objects))
        .into_generator();
    let (schema, title, api_version, kind_name) = match kind {
        SchemaKind::RouteTable => (
            generator.into_root_schema_for::<Object<RouteTableSpec>>(),
            "RouteTable",
            "networking.gloo.solo.io/v2",
            Some("RouteTable"),
        ),
        SchemaKind::ExtAuthPolicy => (
            generator.into_root_schema_for::<Object<ExtAuthPolicySpec>>(),
            "ExtAuthPolicy",
            "security.policy.gloo.solo.io/v2",
            Some("ExtAuthPolicy"),
        ),
        SchemaKind::ExtAuthServer => (
            generator.into_root_schema_for::<Object<ExtAuthServerSpec>>(),
            "ExtAuthServer",
            "admin.gloo.solo.io/v2",
            Some("ExtAuthServer"),
        ),
        SchemaKind::AuthConfig => (
            generator.into_root_schema_for::<Object<AuthConfigSpec>>(),
            "AuthConfig",
            "enterprise.gloo.solo.io/v1",
            Some("AuthConfig"),
        ),
        SchemaKind::Config => (
            generator.into_root_schema_for::<ConfigFile>(),
            "portico.yaml",
            "",
            None,
        ),
    };
    let mut json = schema.to_value();
    if let Some(object) = json.as_object_mut() {
        object.insert("title".into(), Json::String(title.into()));
        if let Some(kind_name) = kind_name {
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
    }
    json
}

/// The schema of `kind` as committed under `schemas/`: pretty JSON with a trailing newline.
#[must_use]
pub fn schema_text(kind: SchemaKind) -> String {
    let mut text = serde_json::to_string_pretty(&schema(kind)).unwrap_or_default();
    text.push('\n');
    text
}

/// Kubernetes treats `field: null` as absent and portico strips nulls before validating, so an
/// optional field's schema is just its type; errors then say "expected a list" rather than
/// "matches none of anyOf".
fn drop_null(schema: &mut Schema) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(Json::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let single = types.remove(0);
            object.insert("type".into(), single);
        }
    }
    let is_null = |v: &Json| v.get("type").and_then(Json::as_str) == Some("null");
    let branch = match object.get("anyOf") {
        Some(Json::Array(branches)) if branches.len() == 2 && branches.iter().any(is_null) => {
            branches.iter().find(|b| !is_null(b)).cloned()
        }
        _ => None,
    };
    if let Some(Json::Object(branch)) = branch {
        object.remove("anyOf");
        for (k, v) in branch {
            object.entry(k).or_insert(v);
        }
    }
    if object.get("default").is_some_and(Json::is_null) {
        object.remove("default");
    }
}

/// Closes every object schema that lists its properties and says nothing about others.
fn close_objects(schema: &mut Schema) {
    if let Some(object) = schema.as_object_mut()
        && object.contains_key("properties")
        && !object.contains_key("additionalProperties")
    {
        object.insert("additionalProperties".into(), Json::Bool(false));
    }
}
