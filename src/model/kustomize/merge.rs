//! Patches applied to spanned trees, the way kustomize applies them, keeping for every node
//! the file it came from ([`Origin`]): a strategic-merge patch of a kind kustomize has no
//! schema for (every Gloo CRD), and RFC 6902 JSON patches.
//!
//! Written on [`Node`] rather than with the `json-patch` crate: that crate works on
//! `serde_json` values, which have no positions, and a finding in a patched value must point
//! into the patch.

use compact_str::CompactString;

use crate::load::node::{Entry, Node, Origin, Shared, Style, TextSpan, Value};
use crate::load::source::FileId;

/// `node` with every node that is still in its own document's file marked as coming from
/// `file`: a patch's nodes keep their spans, which are in the patch file.
#[must_use]
pub fn stamped(node: &Node, file: FileId) -> Node {
    let origin = if node.origin == Origin::DOCUMENT {
        Origin::file(file)
    } else {
        node.origin
    };
    let value = match &node.value {
        Value::Seq(items) => Value::Seq(
            items
                .iter()
                .map(|item| stamped(item, file))
                .collect::<Vec<_>>()
                .into(),
        ),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|e| Entry {
                    key: e.key.clone(),
                    key_span: e.key_span,
                    value: stamped(&e.value, file),
                })
                .collect::<Vec<_>>()
                .into(),
        ),
        other => other.clone(),
    };
    Node {
        span: node.span,
        style: node.style,
        origin,
        value,
    }
}

/// A string node at `span` of `file`.
#[must_use]
pub fn string_node(text: &str, span: TextSpan, file: FileId) -> Node {
    Node {
        span,
        style: Style::Plain,
        origin: Origin::file(file),
        value: Value::String(CompactString::from(text)),
    }
}

/// An empty mapping at `span` of `file`.
#[must_use]
pub fn empty_map(span: TextSpan, file: FileId) -> Node {
    Node {
        span,
        style: Style::Collection,
        origin: Origin::file(file),
        value: Value::Map(Vec::new().into()),
    }
}

/// The `$patch` directive of a mapping (`delete`, `replace`, `merge`).
fn directive(node: &Node) -> Option<&str> {
    node.get("$patch").and_then(Node::as_str)
}

/// Applies a strategic-merge `patch` (already [`stamped`]) to `dest`; `None` when the patch
/// deletes it.
///
/// kustomize applies these with kyaml's `merge2` walker (kustomize `api/filters/
/// patchstrategicmerge`, kyaml `yaml/merge2/merge2.go` and `yaml/walk/walk.go`). For a kind
/// without an OpenAPI schema, which is every Gloo CRD: mappings merge key by key, a `null`
/// value deletes the key, `$patch: delete` deletes the mapping and `$patch: replace` replaces
/// it, and a sequence is replaced whole — the walker infers associative lists (by `name` and
/// the other `AssociativeSequenceKeys`) only when `InferAssociativeLists` is set, which the
/// patch filter leaves off. Checked with kubectl v1.32.4 (kustomize v5.5.0): a RouteTable
/// patch with `http: [{name: two, …}]` replaces the whole `http` list of the base, named items
/// and all.
#[must_use]
pub fn merge(dest: &Node, patch: &Node) -> Option<Node> {
    match (&dest.value, &patch.value) {
        (_, Value::Null) => None,
        (Value::Map(dest_entries), Value::Map(patch_entries)) => match directive(patch) {
            Some("delete") => None,
            Some("replace") => Some(without_directives(patch)),
            _ => {
                let mut entries: Vec<Entry> = dest_entries.to_vec();
                for p in patch_entries.iter().filter(|e| e.key != "$patch") {
                    match entries.iter().position(|e| e.key == p.key) {
                        Some(at) => match merge(&entries[at].value, &p.value) {
                            None => {
                                entries.remove(at);
                            }
                            Some(merged) => {
                                // A merged mapping stays the destination's (its key with it);
                                // a replaced value comes with the patch's key, so that a key and
                                // its value are always read in one file.
                                let kept = matches!(
                                    (&entries[at].value.value, &p.value.value),
                                    (Value::Map(_), Value::Map(_))
                                ) && directive(&p.value) != Some("replace");
                                if !kept {
                                    entries[at].key_span = p.key_span;
                                }
                                entries[at].value = merged;
                            }
                        },
                        None => {
                            if !matches!(p.value.value, Value::Null) {
                                entries.push(Entry {
                                    key: p.key.clone(),
                                    key_span: p.key_span,
                                    value: without_directives(&p.value),
                                });
                            }
                        }
                    }
                }
                Some(Node {
                    span: dest.span,
                    style: dest.style,
                    origin: dest.origin,
                    value: Value::Map(entries.into()),
                })
            }
        },
        _ => Some(without_directives(patch)),
    }
}

/// `node` without `$patch` keys and `null` values in its mappings: what a patch adds where the
/// destination has nothing.
fn without_directives(node: &Node) -> Node {
    match &node.value {
        Value::Map(entries) => Node {
            value: Value::Map(
                entries
                    .iter()
                    .filter(|e| e.key != "$patch" && !matches!(e.value.value, Value::Null))
                    .map(|e| Entry {
                        key: e.key.clone(),
                        key_span: e.key_span,
                        value: without_directives(&e.value),
                    })
                    .collect::<Vec<_>>()
                    .into(),
            ),
            ..node.clone()
        },
        _ => node.clone(),
    }
}

/// Why a JSON patch operation could not be applied (kustomize stops the build then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPatchError(pub String);

/// One RFC 6902 operation, read from a patch's sequence item.
pub struct Operation<'a> {
    /// `add`, `remove`, `replace`, `move`, `copy` or `test`.
    pub op: &'a str,
    /// The target pointer.
    pub path: &'a str,
    /// `from` of `move` and `copy`.
    pub from: Option<&'a str>,
    /// `value` of `add`, `replace` and `test`, stamped with the patch's file.
    pub value: Option<Node>,
}

/// Applies one RFC 6902 operation to `root` (kustomize's `PatchJson6902Transformer` and
/// `PatchTransformer` use `github.com/evanphx/json-patch`, which follows RFC 6902: `add` into
/// a sequence inserts at the index, `-` appends, `add` on an existing key replaces it;
/// `remove`, `replace`, `move`, `copy` and `test` need their target to exist).
///
/// # Errors
/// When the operation's path does not exist where it must, or the operation is unknown.
pub fn apply_operation(root: &mut Node, op: &Operation<'_>) -> Result<(), JsonPatchError> {
    let fail = |what: &str| JsonPatchError(format!("`{}` at `{}`: {what}", op.op, op.path));
    match op.op {
        "add" => {
            let value = op.value.clone().ok_or_else(|| fail("no `value`"))?;
            add(root, op.path, value).ok_or_else(|| fail("the parent does not exist"))
        }
        "remove" => remove(root, op.path)
            .map(|_| ())
            .ok_or_else(|| fail("the path does not exist")),
        "replace" => {
            let value = op.value.clone().ok_or_else(|| fail("no `value`"))?;
            remove(root, op.path).ok_or_else(|| fail("the path does not exist"))?;
            add(root, op.path, value).ok_or_else(|| fail("the parent does not exist"))
        }
        "move" | "copy" => {
            let from = op.from.ok_or_else(|| fail("no `from`"))?;
            let value = if op.op == "move" {
                remove(root, from)
            } else {
                root.pointer(from).map(|f| f.node.clone())
            }
            .ok_or_else(|| fail("`from` does not exist"))?;
            add(root, op.path, value).ok_or_else(|| fail("the parent does not exist"))
        }
        "test" => {
            let value = op.value.as_ref().ok_or_else(|| fail("no `value`"))?;
            let found = root
                .pointer(op.path)
                .ok_or_else(|| fail("the path does not exist"))?;
            if found.node.to_json() == value.to_json() {
                Ok(())
            } else {
                Err(fail("the value differs"))
            }
        }
        other => Err(JsonPatchError(format!("unknown operation `{other}`"))),
    }
}

/// The tokens of an RFC 6901 pointer, unescaped.
fn tokens(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Calls `edit` on the parent of `pointer`'s last token, rebuilding the shared collections on
/// the way down; `None` when a step is missing.
fn edit_parent<T>(
    root: &mut Node,
    pointer: &str,
    edit: impl FnOnce(&mut Node, &str) -> Option<T>,
) -> Option<T> {
    let tokens = tokens(pointer);
    let (last, path) = tokens.split_last()?;
    edit_at(root, path, &mut Some(edit), last)
}

fn edit_at<T, F: FnOnce(&mut Node, &str) -> Option<T>>(
    node: &mut Node,
    path: &[String],
    edit: &mut Option<F>,
    last: &str,
) -> Option<T> {
    let Some((first, rest)) = path.split_first() else {
        return (edit.take()?)(node, last);
    };
    match &node.value {
        Value::Map(entries) => {
            let mut entries = entries.to_vec();
            let at = entries.iter().position(|e| e.key == first.as_str())?;
            let result = edit_at(&mut entries[at].value, rest, edit, last);
            node.value = Value::Map(entries.into());
            result
        }
        Value::Seq(items) => {
            let mut items = items.to_vec();
            let at: usize = first.parse().ok()?;
            let result = edit_at(items.get_mut(at)?, rest, edit, last);
            node.value = Value::Seq(items.into());
            result
        }
        _ => None,
    }
}

fn add(root: &mut Node, pointer: &str, value: Node) -> Option<()> {
    if pointer.is_empty() {
        *root = value;
        return Some(());
    }
    edit_parent(root, pointer, |parent, last| match &parent.value {
        Value::Map(entries) => {
            let mut entries = entries.to_vec();
            let key_span = value.span;
            match entries.iter().position(|e| e.key == last) {
                Some(at) => {
                    entries[at].key_span = key_span;
                    entries[at].value = value;
                }
                None => entries.push(Entry {
                    key: CompactString::from(last),
                    key_span,
                    value,
                }),
            }
            parent.value = Value::Map(entries.into());
            Some(())
        }
        Value::Seq(items) => {
            let mut items = items.to_vec();
            let at = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>().ok().filter(|i| *i <= items.len())?
            };
            items.insert(at, value);
            parent.value = Value::Seq(items.into());
            Some(())
        }
        _ => None,
    })
}

fn remove(root: &mut Node, pointer: &str) -> Option<Node> {
    edit_parent(root, pointer, |parent, last| match &parent.value {
        Value::Map(entries) => {
            let mut entries = entries.to_vec();
            let at = entries.iter().position(|e| e.key == last)?;
            let removed = entries.remove(at).value;
            parent.value = Value::Map(entries.into());
            Some(removed)
        }
        Value::Seq(items) => {
            let mut items = items.to_vec();
            let at: usize = last.parse().ok().filter(|i| *i < items.len())?;
            let removed = items.remove(at);
            parent.value = Value::Seq(items.into());
            Some(removed)
        }
        _ => None,
    })
}

/// Sets `node[key] = value`, creating `node` as a mapping when it is not one; the entry's key
/// takes `key_span` (in the same file as `value`).
pub fn set_entry(node: &mut Node, key: &str, key_span: TextSpan, value: Node) {
    let mut entries: Vec<Entry> = match &node.value {
        Value::Map(entries) => entries.to_vec(),
        _ => Vec::new(),
    };
    match entries.iter().position(|e| e.key == key) {
        Some(at) => {
            entries[at].key_span = key_span;
            entries[at].value = value;
        }
        None => entries.push(Entry {
            key: CompactString::from(key),
            key_span,
            value,
        }),
    }
    node.value = Value::Map(Shared::from(entries));
}

/// The mapping at `key` of `node`, made (as an empty mapping of `file` at `span`) when absent
/// or not a mapping; `None` when `node` is not a mapping.
pub fn child_map<'a>(
    node: &'a mut Node,
    key: &str,
    span: TextSpan,
    file: FileId,
) -> Option<&'a mut Node> {
    let Value::Map(entries) = &node.value else {
        return None;
    };
    let mut entries = entries.to_vec();
    let at = match entries.iter().position(|e| e.key == key) {
        Some(at) => {
            if !matches!(entries[at].value.value, Value::Map(_)) {
                entries[at].value = empty_map(span, file);
                entries[at].key_span = span;
            }
            at
        }
        None => {
            entries.push(Entry {
                key: CompactString::from(key),
                key_span: span,
                value: empty_map(span, file),
            });
            entries.len() - 1
        }
    };
    node.value = Value::Map(entries.into());
    map_value_mut(node, at)
}

/// The value of the `at`-th entry of a mapping node, mutably (the shared slice is copied once
/// when another tree holds it too).
fn map_value_mut(node: &mut Node, at: usize) -> Option<&mut Node> {
    match &mut node.value {
        Value::Map(entries) => entries.to_mut().get_mut(at).map(|e| &mut e.value),
        _ => None,
    }
}
