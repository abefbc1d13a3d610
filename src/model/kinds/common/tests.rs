//! Decoding of the shared types: enums by name or number, server-set metadata.
use super::*;

#[test]
fn enums_decode_names_and_numbers_and_ignore_the_rest() {
    let decode = |v: Json| -> DestinationSelector {
        serde_json::from_value(serde_json::json!({"kind": v})).unwrap_or_default()
    };
    assert_eq!(decode("SERVICE".into()).kind.as_deref(), Some("SERVICE"));
    assert_eq!(
        decode(1.into()).kind.as_deref(),
        Some("VIRTUAL_DESTINATION")
    );
    assert_eq!(decode(7.into()).kind.as_deref(), Some("7"));
    assert_eq!(decode(true.into()).kind, None);
}

#[test]
fn server_set_metadata_never_fails_decoding() {
    let meta: Result<ObjectMeta, _> = serde_json::from_value(serde_json::json!({
        "name": "a",
        "resourceVersion": 12,
        "generation": "x",
        "managedFields": "oops",
    }));
    let meta = meta.unwrap_or_default();
    assert_eq!(meta.name.as_deref(), Some("a"));
    assert_eq!(meta.resource_version, None);
    assert!(meta.managed_fields.is_empty());
}
