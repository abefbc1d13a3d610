use super::*;
use serde_json::json;

fn schema() -> Json {
    json!({
        "type": "object",
        "properties": {"spec": {"$ref": "#/$defs/Spec"}},
        "$defs": {
            "Spec": {
                "type": "object",
                "properties": {
                    "clientId": {"type": ["string", "null"]},
                    "maxAge": {"type": ["integer", "null"], "minimum": 0},
                    "ratio": {"type": ["number", "null"]},
                    "mode": {"type": ["integer", "string"]},
                    "cookieOptions": {"anyOf": [{"$ref": "#/$defs/Cookie"}, {"type": "null"}]},
                    "steps": {"type": "array", "items": {"$ref": "#/$defs/Cookie"}},
                    "flag": {"type": ["boolean", "null"]}
                },
                "additionalProperties": false
            },
            "Cookie": {
                "type": "object",
                "properties": {"maxAge": {"type": ["integer", "null"]}, "httpOnly": {"type": "boolean"}},
                "additionalProperties": false
            }
        }
    })
}

#[test]
fn quoted_integers_become_numbers_where_an_integer_is_wanted() {
    let mut value =
        json!({"maxAge": "1800", "clientId": "1800", "cookieOptions": {"maxAge": "-3"}});
    let renames = normalize(&schema(), "/spec", &mut value, "/spec");
    assert!(renames.is_empty());
    assert_eq!(
        value,
        json!({"maxAge": 1800, "clientId": "1800", "cookieOptions": {"maxAge": -3}})
    );
}

#[test]
fn text_that_is_no_decimal_integer_stays_for_validation_to_report() {
    for text in ["18 00", "1e3", "1.5", "", "0x10", "thirty"] {
        let mut value = json!({"maxAge": text});
        let _ = normalize(&schema(), "/spec", &mut value, "/spec");
        assert_eq!(value, json!({"maxAge": text}), "{text}");
    }
}

#[test]
fn enums_keep_their_names_and_booleans_stay_strict() {
    let mut value = json!({"mode": "1", "flag": "true", "ratio": "0.5"});
    let _ = normalize(&schema(), "/spec", &mut value, "/spec");
    assert_eq!(value, json!({"mode": "1", "flag": "true", "ratio": 0.5}));
}

#[test]
fn proto_names_become_json_names_and_keep_their_written_pointer() {
    let mut value = json!({"client_id": "x", "cookie_options": {"max_age": "5", "http_only": true},
        "steps": [{"http_only": false}]});
    let renames = normalize(&schema(), "/spec", &mut value, "/items/0/spec");
    assert_eq!(
        value,
        json!({"clientId": "x", "cookieOptions": {"maxAge": 5, "httpOnly": true},
            "steps": [{"httpOnly": false}]})
    );
    assert_eq!(
        renames.original("/items/0/spec/cookieOptions/maxAge"),
        "/items/0/spec/cookie_options/max_age"
    );
    assert_eq!(
        renames.original("/items/0/spec/cookieOptions"),
        "/items/0/spec/cookie_options"
    );
    assert_eq!(
        renames.original("/items/0/spec/steps/0/httpOnly"),
        "/items/0/spec/steps/0/http_only"
    );
    // A sibling whose name merely starts like a renamed one is not renamed.
    assert_eq!(
        renames.original("/items/0/spec/clientIdX"),
        "/items/0/spec/clientIdX"
    );
}

#[test]
fn unknown_keys_and_doubled_spellings_are_left_alone() {
    let mut value = json!({"client_id": "a", "clientId": "b", "no_such_field": 1});
    let renames = normalize(&schema(), "/spec", &mut value, "/spec");
    assert!(renames.is_empty());
    assert_eq!(
        value,
        json!({"client_id": "a", "clientId": "b", "no_such_field": 1})
    );
}
