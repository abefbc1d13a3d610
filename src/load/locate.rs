//! Where a span is, structurally: the document, the Kubernetes object in it and the JSON
//! pointer of the node it starts in. Findings carry only spans; suppressions and baseline
//! fingerprints match them by the resource and pointer found here.

use crate::diagnostic::Span;
use crate::load::Repo;
use crate::load::node::{Node, Style, Value, escape_token};

/// The namespace kubectl gives an object that names none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Where a finding is, structurally: its document, the object in it, the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The document.
    pub doc: crate::load::DocId,
    /// Pointer of the object inside the document: empty, or `/items/N` inside a `List`.
    pub base: String,
    /// Pointer of the node, relative to the object (empty: the object itself).
    pub pointer: String,
    /// `Kind/namespace/name` of the object, when it has a kind and a name.
    pub resource: Option<String>,
    /// Whether the location lies inside the text of a multi-line string.
    pub in_text: bool,
}

/// Finds the document, object and node a span starts in.
#[must_use]
pub fn locate(repo: &Repo, span: &Span) -> Option<Location> {
    let offset = span.range.start;
    let mut chosen = None;
    for d in repo.documents_of(span.file) {
        if chosen.is_none() || d.doc.root.span.start() <= offset {
            chosen = Some(d.id());
        }
        if d.doc.root.span.start() > offset {
            break;
        }
    }
    let doc = chosen?;
    let root = repo.root(doc)?;
    let mut object = root;
    let mut base = String::new();
    if root.get("kind").and_then(Node::as_str) == Some("List")
        && let Some(Node {
            value: Value::Seq(items),
            ..
        }) = root.get("items")
        && let Some((i, item)) = items
            .iter()
            .enumerate()
            .rfind(|(_, item)| item.span.start() <= offset)
    {
        object = item;
        base = format!("/items/{i}");
    }
    let mut pointer = String::new();
    let in_text = descend(object, offset, &mut pointer);
    Some(Location {
        doc,
        base,
        pointer,
        resource: resource_of(object),
        in_text,
    })
}

/// `Kind/namespace/name` of a Kubernetes object node (namespace defaulted as kubectl does).
fn resource_of(object: &Node) -> Option<String> {
    let kind = object.get("kind").and_then(Node::as_str)?;
    let metadata = object.get("metadata")?;
    let name = metadata.get("name").and_then(Node::as_str)?;
    let namespace = metadata
        .get("namespace")
        .and_then(Node::as_str)
        .filter(|ns| !ns.is_empty())
        .unwrap_or(DEFAULT_NAMESPACE);
    Some(format!("{kind}/{namespace}/{name}"))
}

/// Extends `pointer` down to the deepest node at `offset`; returns whether `offset` lies inside
/// the text of a multi-line string.
fn descend(node: &Node, offset: usize, pointer: &mut String) -> bool {
    match &node.value {
        Value::Map(entries) => {
            let Some(entry) = entries
                .iter()
                .filter(|e| e.key_span.start() <= offset)
                .max_by_key(|e| e.key_span.start())
            else {
                return false;
            };
            pointer.push('/');
            pointer.push_str(&escape_token(&entry.key));
            if offset < entry.value.span.start() {
                return false;
            }
            descend(&entry.value, offset, pointer)
        }
        Value::Seq(items) => {
            let Some((i, item)) = items
                .iter()
                .enumerate()
                .rfind(|(_, item)| item.span.start() <= offset)
            else {
                return false;
            };
            pointer.push('/');
            pointer.push_str(&i.to_string());
            descend(item, offset, pointer)
        }
        Value::String(text) => {
            let multi_line = matches!(node.style, Style::Literal | Style::Folded)
                || text.trim_end().contains('\n');
            multi_line && offset > node.span.start()
        }
        _ => false,
    }
}
