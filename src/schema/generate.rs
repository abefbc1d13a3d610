//! JSON Schemas generated from Rust types (schemars), in the form portico validates against and
//! publishes under `schemas/`. Objects are closed (`additionalProperties: false`) wherever the
//! type lists its properties, as kubeconform `-strict` does: Kubernetes silently prunes unknown
//! fields, so an unknown key is a field the author meant to set and did not.
//!
//! The owners of the types (the model for the Kubernetes kinds, `config` for `portico.yaml`)
//! generate their schemas with [`root_schema`].

use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema};
use serde_json::Value as Json;

/// The schema of `T` as JSON (draft 2020-12), titled `title`, with nulls dropped and objects
/// closed.
#[must_use]
pub fn root_schema<T: JsonSchema>(title: &str) -> Json {
    let generator = schemars::generate::SchemaSettings::draft2020_12()
        .for_deserialize()
        .with_transform(RecursiveTransform(drop_null))
        .with_transform(RecursiveTransform(close_objects))
        .into_generator();
    let mut json = generator.into_root_schema_for::<T>().to_value();
    if let Some(object) = json.as_object_mut() {
        object.insert("title".into(), Json::String(title.into()));
    }
    json
}

/// `schema` as committed under `schemas/`: pretty JSON with a trailing newline.
#[must_use]
pub fn pretty(schema: &Json) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
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
