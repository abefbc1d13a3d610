//! Where the API of the kinds changed between Gloo Platform releases: the fields and enum values
//! a release added or removed, applied to the schema generated from the typed shapes (which hold
//! the union of every supported release).
//!
//! Source of every fact: the protos of solo-io/solo-apis, branches `gloo-mesh-v2.2.x` (tip
//! 161d8c6c, 2.2.8+), `gloo-mesh-v2.3.x` (9a419e2b), `gloo-mesh-v2.4.x` (ab69c3d1),
//! `gloo-mesh-v2.5.x` (8eb02c2a, 2.5.11) and `gloo-mesh-v2.6.x` (dddfa166, 2.6.5), files
//! `api/gloo.solo.io/networking/v2/route_table.proto`, `common/v2/references.proto`,
//! `common/v2/cloud_provider_options.proto` and `common/v2/portal_metadata.proto`, compared
//! message by message. solo-apis has no 2.7 branch: 2.7 is taken to have the 2.6 API (no field
//! of these kinds is known to have changed).
//!
//! The ExtAuthPolicy, ExtAuthServer and AuthConfig fields portico validates are the same in
//! every supported release.

use serde_json::Value as Json;

use crate::gloo_version::GlooVersion;

/// A field of one object of the schema (`$defs` name, JSON name) that not every release has.
struct FieldChange {
    /// The `$defs` entry: the Rust type of the object.
    object: &'static str,
    /// The JSON name of the field.
    field: &'static str,
    /// The first release that has it (`None`: every supported release before `removed`).
    added: Option<GlooVersion>,
    /// The first release that no longer has it.
    removed: Option<GlooVersion>,
}

/// A value of a protobuf enum (`$defs` name, value name) that not every release has.
struct ValueChange {
    /// The `$defs` entry of the enum.
    object: &'static str,
    /// The value.
    value: &'static str,
    /// The first release that no longer has it.
    removed: GlooVersion,
}

const fn added(object: &'static str, field: &'static str, v: GlooVersion) -> FieldChange {
    FieldChange {
        object,
        field,
        added: Some(v),
        removed: None,
    }
}

const fn removed(object: &'static str, field: &'static str, v: GlooVersion) -> FieldChange {
    FieldChange {
        object,
        field,
        added: None,
        removed: Some(v),
    }
}

use GlooVersion::{V2_3, V2_4, V2_5};

/// The fields that changed. 2.2's Lambda destination (`kind: CLOUD_PROVIDER`, `function:
/// {logicalName, awsLambda: {unwrapAsAlb, unwrapAsApiGateway, invocationStyle}}`) became
/// `awsLambda: {cloudProvider, function, qualifier, options}` in 2.3; portal metadata came in
/// 2.3 without the API product fields, which came in 2.4.
const FIELDS: &[FieldChange] = &[
    added("RouteTableSpec", "tcp", V2_3),
    added("RouteTableSpec", "tls", V2_3),
    added("RouteTableSpec", "portalMetadata", V2_3),
    added("RouteTableSpec", "applyToDestinations", V2_4),
    added("RouteTableSpec", "failureMode", V2_5),
    added("RouteTableSpec", "virtualServiceAnnotations", V2_5),
    added("ForwardTo", "regexRewrite", V2_4),
    added("ForwardTo", "autoHostRewrite", V2_4),
    removed("DestinationReference", "function", V2_3),
    added("DestinationReference", "awsLambda", V2_3),
    removed("LambdaOptions", "unwrapAsAlb", V2_3),
    removed("LambdaOptions", "unwrapAsApiGateway", V2_3),
    added("LambdaOptions", "requestTransformation", V2_3),
    added("LambdaOptions", "responseTransformation", V2_3),
    added("PortalMetadata", "apiProductId", V2_4),
    added("PortalMetadata", "apiProductDisplayName", V2_4),
    added("PortalMetadata", "apiVersion", V2_4),
    added("PortalMetadata", "lifecycle", V2_4),
];

/// The enum values that changed: `DestinationKind.CLOUD_PROVIDER = 3` of a destination
/// reference is in 2.2 only.
const VALUES: &[ValueChange] = &[ValueChange {
    object: "DestinationReferenceKind",
    value: "CLOUD_PROVIDER",
    removed: V2_3,
}];

fn has(version: GlooVersion, added: Option<GlooVersion>, removed: Option<GlooVersion>) -> bool {
    added.is_none_or(|a| version >= a) && removed.is_none_or(|r| version < r)
}

/// `schema` (the union of every release, as generated) cut down to the API of `version`.
#[must_use]
pub fn for_version(mut schema: Json, version: GlooVersion) -> Json {
    let Some(defs) = schema.get_mut("$defs").and_then(Json::as_object_mut) else {
        return schema;
    };
    for change in FIELDS.iter().filter(|c| !has(version, c.added, c.removed)) {
        let Some(object) = defs.get_mut(change.object) else {
            continue;
        };
        if let Some(properties) = object.get_mut("properties").and_then(Json::as_object_mut) {
            // `shift_remove` keeps the order of the others: the published schema stays stable.
            properties.shift_remove(change.field);
        }
        if let Some(required) = object.get_mut("required").and_then(Json::as_array_mut) {
            required.retain(|r| r != change.field);
        }
    }
    for change in VALUES.iter().filter(|c| version >= c.removed) {
        let Some(object) = defs.get_mut(change.object) else {
            continue;
        };
        // `enum_schema` of `common.rs`: names under `then`, their numbers under `else`.
        let index = object
            .pointer("/then/enum")
            .and_then(Json::as_array)
            .and_then(|names| names.iter().position(|n| n == change.value));
        if let Some(index) = index {
            for branch in ["/then/enum", "/else/enum"] {
                if let Some(values) = object.pointer_mut(branch).and_then(Json::as_array_mut)
                    && index < values.len()
                {
                    values.remove(index);
                }
            }
        }
    }
    drop_unreferenced(&mut schema);
    schema
}

/// Removes the `$defs` entries nothing refers to any more (the types of removed fields).
fn drop_unreferenced(schema: &mut Json) {
    fn refs(value: &Json, out: &mut std::collections::BTreeSet<String>) {
        match value {
            Json::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", Json::String(r)) => {
                            if let Some(name) = r.strip_prefix("#/$defs/") {
                                out.insert(name.to_owned());
                            }
                        }
                        _ => refs(v, out),
                    }
                }
            }
            Json::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    // Each pass drops the definitions only dropped ones referred to; the chains are short.
    for _ in 0..8 {
        let mut used = std::collections::BTreeSet::new();
        refs(schema, &mut used);
        let Some(defs) = schema.get_mut("$defs").and_then(Json::as_object_mut) else {
            return;
        };
        let before = defs.len();
        defs.retain(|name, _| used.contains(name));
        if defs.len() == before {
            return;
        }
    }
}

/// The releases `present` holds for, said the way a reader acts on it: "was removed in Gloo
/// Platform 2.3" or "was added in Gloo Platform 2.4" (relative to `version`, which does not
/// hold), or "exists only in Gloo Platform 2.3" when it came and went.
#[must_use]
pub fn change_note(version: GlooVersion, present: &[GlooVersion]) -> Option<String> {
    let first = *present.first()?;
    let last = *present.last()?;
    let after_last = GlooVersion::ALL.into_iter().find(|v| *v > last);
    Some(match after_last {
        Some(gone) if version >= gone && first == GlooVersion::ALL[0] => {
            format!("was removed in Gloo Platform {gone}")
        }
        None if version < first => format!("was added in Gloo Platform {first}"),
        _ if first == last => format!("exists only in Gloo Platform {first}"),
        _ => format!("exists only in Gloo Platform {first} to {last}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_change_names_an_object_and_a_field_of_the_schema() {
        use crate::model::Kind;
        let schema = crate::model::kinds::schema::schema_for(Kind::RouteTable, GlooVersion::V2_2)
            .unwrap_or_default();
        let union = crate::model::kinds::schema::union_schema(Kind::RouteTable).unwrap_or_default();
        for change in FIELDS {
            let pointer = format!("/$defs/{}/properties/{}", change.object, change.field);
            assert!(union.pointer(&pointer).is_some(), "{pointer}");
        }
        for change in VALUES {
            let pointer = format!("/$defs/{}/then/enum", change.object);
            let names = union.pointer(&pointer).and_then(Json::as_array);
            assert!(
                names.is_some_and(|n| n.iter().any(|v| v == change.value)),
                "{pointer}"
            );
        }
        assert!(
            schema
                .pointer("/$defs/DestinationReference/properties/function")
                .is_some()
        );
        assert!(
            schema
                .pointer("/$defs/DestinationReference/properties/awsLambda")
                .is_none()
        );
    }

    #[test]
    fn notes_say_removed_added_or_only() {
        use GlooVersion::*;
        assert_eq!(
            change_note(V2_6, &[V2_2]).as_deref(),
            Some("was removed in Gloo Platform 2.3")
        );
        assert_eq!(
            change_note(V2_3, &[V2_4, V2_5, V2_6, V2_7]).as_deref(),
            Some("was added in Gloo Platform 2.4")
        );
        assert_eq!(
            change_note(V2_2, &[V2_3]).as_deref(),
            Some("exists only in Gloo Platform 2.3")
        );
    }
}
