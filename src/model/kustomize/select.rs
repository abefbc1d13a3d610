//! Which resources a patch or a transformer applies to: identities, patch targets, selectors.

use crate::load::node::{Entry, Node, Value};

use super::render::entries;

/// `apiVersion`, `kind` and `metadata.name` of an object.
pub(super) fn identity(root: &Node) -> (&str, &str, &str) {
    (
        root.get("apiVersion").and_then(Node::as_str).unwrap_or(""),
        root.get("kind").and_then(Node::as_str).unwrap_or(""),
        root.get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .unwrap_or(""),
    )
}

/// `metadata.namespace`, `default` when absent or empty.
pub(super) fn effective_namespace(root: &Node) -> &str {
    root.get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str)
        .filter(|ns| !ns.is_empty())
        .unwrap_or("default")
}

/// A patch without `apiVersion`, `kind`, `metadata.name` and `metadata.namespace`.
pub(super) fn without_identity(patch: &Node) -> Node {
    let keep = |e: &&Entry| e.key != "apiVersion" && e.key != "kind";
    let entries: Vec<Entry> = entries(patch)
        .filter(keep)
        .map(|e| {
            if e.key == "metadata" {
                let metadata: Vec<Entry> = entries(&e.value)
                    .filter(|m| m.key != "name" && m.key != "namespace")
                    .cloned()
                    .collect();
                Entry {
                    value: Node {
                        value: Value::Map(metadata.into()),
                        ..e.value.clone()
                    },
                    ..e.clone()
                }
            } else {
                e.clone()
            }
        })
        .collect();
    Node {
        value: Value::Map(entries.into()),
        ..patch.clone()
    }
}

/// Whether a patch `target` (group, version, kind, name, namespace as anchored regular
/// expressions, `labelSelector`, `annotationSelector`) selects `root` (kustomize
/// `api/types/selector.go`, `Selector`; `api/resource/resource.go`: names and namespaces
/// are matched as regular expressions anchored at both ends).
pub(super) fn selects(target: &Node, root: &Node) -> bool {
    let (api_version, kind, name) = identity(root);
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let namespace = root
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Node::as_str)
        .unwrap_or("");
    let field = |key: &str, value: &str| match target.get(key).and_then(Node::as_str) {
        None | Some("") => true,
        Some(pattern) => regex::Regex::new(&format!("^(?:{pattern})$"))
            .map(|re| re.is_match(value))
            .unwrap_or(pattern == value),
    };
    field("group", group)
        && field("version", version)
        && field("kind", kind)
        && field("name", name)
        && field("namespace", namespace)
        && selector_matches(target.get("labelSelector"), root, "labels")
        && selector_matches(target.get("annotationSelector"), root, "annotations")
}

/// Whether an equality-based selector (`a=b,c`) matches the object's labels or annotations.
pub(super) fn selector_matches(selector: Option<&Node>, root: &Node, field: &str) -> bool {
    let Some(selector) = selector.and_then(Node::as_str) else {
        return true;
    };
    let values = root.get("metadata").and_then(|m| m.get(field));
    selector
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .all(|term| {
            let value_of = |key: &str| {
                values
                    .and_then(|v| v.get(key.trim()))
                    .and_then(Node::as_str)
            };
            if let Some((key, value)) = term.split_once("!=") {
                value_of(key) != Some(value.trim())
            } else if let Some((key, value)) = term.split_once('=') {
                value_of(key.trim_end_matches('=')) == Some(value.trim())
            } else if let Some(key) = term.strip_prefix('!') {
                value_of(key).is_none()
            } else {
                value_of(term).is_some()
            }
        })
}
