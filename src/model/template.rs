//! Unrendered template values in a modelled object: their value is unknown, so no schema rule
//! reports them as a wrong type, value or format, and the object is decoded without them.
//!
//! The placeholder rule (PC006) reports each of them once; the object stays in every other
//! check, as it would be after rendering apart from the values nobody can know yet.

use serde_json::Value as Json;

use crate::load::node::{Node, pointer_tokens};
use crate::schema::validate::{SchemaError, SchemaIssue};

/// Takes out of `errors` those about a value that is an unrendered template (a wrong type,
/// enum value or format: not an unknown or missing key, which the template does not explain),
/// and returns their pointers relative to the object at `base` of the document `root`.
pub fn take_unknown_values(errors: &mut Vec<SchemaError>, root: &Node, base: &str) -> Vec<String> {
    let mut unknown = Vec::new();
    errors.retain(|e| {
        let about_value = matches!(
            e.issue,
            SchemaIssue::Type { .. } | SchemaIssue::Enum { .. } | SchemaIssue::Other(_)
        );
        let templated = about_value
            && root
                .pointer(&e.pointer)
                .is_some_and(|found| found.node.is_unrendered_template());
        if templated && let Some(relative) = e.pointer.strip_prefix(base) {
            unknown.push(relative.to_owned());
        }
        !templated
    });
    unknown
}

/// `object` without the mapping entries at `pointers` (an unknown value is an absent one to
/// the typed model). An item of a list stays: removing it would move the items after it, and
/// every finding about them would point at the wrong one; an object whose list holds an
/// unknown item of the wrong type fails to decode and is left out, without a finding.
pub fn without(object: &Json, pointers: &[String]) -> Json {
    let mut out = object.clone();
    for pointer in pointers {
        let tokens: Vec<String> = pointer_tokens(pointer).collect();
        let Some((last, parents)) = tokens.split_last() else {
            continue;
        };
        let parent = parents.iter().try_fold(&mut out, |at, token| match at {
            Json::Object(map) => map.get_mut(token.as_str()),
            Json::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        });
        if let Some(Json::Object(map)) = parent {
            map.remove(last.as_str());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_mapping_entries_are_removed() {
        let object =
            serde_json::json!({"spec": {"port": "{{ .Values.port }}", "items": ["{{ x }}", 1]}});
        let out = without(
            &object,
            &["/spec/port".to_owned(), "/spec/items/0".to_owned()],
        );
        assert_eq!(out, serde_json::json!({"spec": {"items": ["{{ x }}", 1]}}));
    }
}
