//! Pass 1 of the Envoy validation: the proto-JSON parse into a `DynamicMessage` with unknown
//! fields denied, and the JSON Pointer of whatever it refuses (also used by pass 2).

use prost_reflect::{DeserializeOptions, DynamicMessage, MessageDescriptor};
use serde_json::Value as Json;

use super::EnvoyError;

pub(super) fn parse(desc: MessageDescriptor, json: &Json) -> Result<DynamicMessage, EnvoyError> {
    // prost-reflect buffers the keys of an `Any` that come before `@type` and deserializes them
    // later without serde_path_to_error's tracking, which cuts the path short at the Any.
    // Moving `@type` first keeps the full path; the keys themselves are unchanged.
    let hoisted;
    let input = if type_url_needs_hoisting(json) {
        hoisted = hoist_type_urls(json.clone());
        &hoisted
    } else {
        json
    };
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(input, &mut track);
    let options = DeserializeOptions::new().deny_unknown_fields(true);
    match DynamicMessage::deserialize_with_options(desc, de, &options) {
        Ok(message) => Ok(message),
        Err(err) => {
            let mut path = Vec::new();
            for segment in track.path().iter() {
                match segment {
                    serde_path_to_error::Segment::Seq { index } => path.push(index.to_string()),
                    serde_path_to_error::Segment::Map { key } => path.push(key.clone()),
                    serde_path_to_error::Segment::Enum { variant } => path.push(variant.clone()),
                    serde_path_to_error::Segment::Unknown => break,
                }
            }
            let message = err.to_string();
            // An unknown field is reported at the object that holds it; point at the key
            // itself, which is what a reader wants underlined.
            if let Some(name) = message
                .strip_prefix("unrecognized field name '")
                .and_then(|rest| rest.strip_suffix('\''))
                && lookup(json, &path).is_some_and(|v| v.get(name).is_some())
            {
                path.push(name.to_owned());
            }
            Err(EnvoyError {
                pointer: pointer(&path),
                message,
            })
        }
    }
}

fn type_url_needs_hoisting(json: &Json) -> bool {
    match json {
        Json::Object(map) => {
            (map.contains_key("@type") && map.keys().next().is_some_and(|k| k != "@type"))
                || map.values().any(type_url_needs_hoisting)
        }
        Json::Array(items) => items.iter().any(type_url_needs_hoisting),
        _ => false,
    }
}

fn hoist_type_urls(json: Json) -> Json {
    match json {
        Json::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            if let Some(type_url) = map.get("@type") {
                out.insert("@type".to_owned(), type_url.clone());
            }
            for (key, value) in map {
                if key != "@type" {
                    out.insert(key, hoist_type_urls(value));
                }
            }
            Json::Object(out)
        }
        Json::Array(items) => Json::Array(items.into_iter().map(hoist_type_urls).collect()),
        other => other,
    }
}

fn lookup<'a>(json: &'a Json, path: &[String]) -> Option<&'a Json> {
    path.iter().try_fold(json, |node, segment| match node {
        Json::Object(map) => map.get(segment),
        Json::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

pub(super) fn pointer(path: &[String]) -> String {
    let mut out = String::new();
    for segment in path {
        out.push('/');
        out.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    }
    out
}
