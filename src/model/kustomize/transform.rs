//! kustomize's builtin transformers on rendered trees: namespace, name prefix and suffix,
//! labels and annotations, each added value located at the kustomization line that adds it.

use crate::diagnostic::Span;
use crate::load::node::{Entry, Node, Origin, TextSpan, Value};
use crate::load::source::FileId;

use super::merge;
use super::render::{Rendered, entries, sequence};
use super::select::identity;
use super::{RenderedResource, UnitProblem};

/// Kinds without a namespace, which kustomize's namespace transformer leaves alone (kustomize
/// `api/filters/namespace`, which skips cluster-scoped kinds; the common ones).
pub(super) fn is_namespaced(root: &Node) -> bool {
    let (_, kind, _) = identity(root);
    !matches!(
        kind,
        "Namespace"
            | "CustomResourceDefinition"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "PersistentVolume"
            | "StorageClass"
            | "PriorityClass"
            | "APIService"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "IngressClass"
    )
}

/// Sets `metadata.<key>` to `value`, which a kustomization line adds (its key at `key_span`).
pub(super) fn set_metadata(
    root: &mut Node,
    key: &str,
    key_span: TextSpan,
    value: Node,
    file: FileId,
) {
    if let Some(metadata) = merge::child_map(root, "metadata", key_span, file) {
        merge::set_entry(metadata, key, key_span, value);
    }
}

/// `metadata.name` with a prefix and a suffix (the name keeps its place in the file).
pub(super) fn rename(root: &mut Node, prefix: &str, suffix: &str) {
    let Some(name) = root.get("metadata").and_then(|m| m.get("name")) else {
        return;
    };
    let Some(text) = name.as_str() else {
        return;
    };
    let renamed = Node {
        value: Value::String(format!("{prefix}{text}{suffix}").into()),
        ..name.clone()
    };
    let key_span = root
        .get("metadata")
        .and_then(|m| m.entry("name"))
        .map_or(renamed.span, |e| e.key_span);
    if let Some(metadata) = root.entry("metadata").map(|e| e.value.clone()) {
        let mut metadata = metadata;
        merge::set_entry(&mut metadata, "name", key_span, renamed);
        let span = metadata.span;
        merge::set_entry(
            root,
            "metadata",
            root.entry("metadata").map_or(span, |e| e.key_span),
            metadata,
        );
    }
}

/// Adds each entry (a label or an annotation a kustomization line sets) to `metadata.<field>`
/// of the resources `applies` accepts; each added value keeps its kustomization line.
pub(super) fn add_to_metadata(
    acc: &mut [RenderedResource],
    field: &str,
    pairs: &[&Entry],
    file: FileId,
    applies: &dyn Fn(&Node) -> bool,
) {
    if pairs.is_empty() {
        return;
    }
    for r in acc.iter_mut().filter(|r| applies(&r.root)) {
        let Some(metadata) = merge::child_map(&mut r.root, "metadata", pairs[0].key_span, file)
        else {
            continue;
        };
        let Some(map) = merge::child_map(metadata, field, pairs[0].key_span, file) else {
            continue;
        };
        for pair in pairs {
            let value = match &pair.value.value {
                Value::String(_) => pair.value.clone(),
                // kustomize writes every label value as a string.
                _ => Node {
                    value: Value::String(pair.value.to_json().to_string().trim_matches('"').into()),
                    ..pair.value.clone()
                },
            };
            let value = Node {
                origin: if value.origin == Origin::DOCUMENT {
                    Origin::file(file)
                } else {
                    value.origin
                },
                ..value
            };
            merge::set_entry(map, &pair.key, pair.key_span, value);
        }
    }
}

/// Applies one `transformers:` configuration: the builtin `LabelTransformer`,
/// `AnnotationsTransformer`, `NamespaceTransformer` and `PrefixSuffixTransformer` (kustomize
/// `plugin/builtin/*transformer`), on the objects their `fieldSpecs` select. Any other kind
/// is a plugin portico does not run.
pub(super) fn builtin_transformer(
    file: FileId,
    at: &Node,
    config: &Node,
    acc: &mut [RenderedResource],
) -> Rendered<()> {
    let (_, kind, _) = identity(config);
    let source = config.origin.resolve(file);
    let kinds: Vec<&str> = config
        .get("fieldSpecs")
        .into_iter()
        .flat_map(sequence)
        .map(|spec| spec.get("kind").and_then(Node::as_str).unwrap_or(""))
        .collect();
    let applies = |root: &Node| {
        let (_, k, _) = identity(root);
        kinds.is_empty() || kinds.iter().any(|want| want.is_empty() || *want == k)
    };
    match kind {
        "LabelTransformer" => {
            let pairs: Vec<&Entry> = config.get("labels").into_iter().flat_map(entries).collect();
            add_to_metadata(acc, "labels", &pairs, source, &applies);
        }
        "AnnotationsTransformer" => {
            let pairs: Vec<&Entry> = config
                .get("annotations")
                .into_iter()
                .flat_map(entries)
                .collect();
            add_to_metadata(acc, "annotations", &pairs, source, &applies);
        }
        "NamespaceTransformer" => {
            if let Some(entry) = config.get("metadata").and_then(|m| m.entry("namespace"))
                && let Some(ns) = entry.value.as_str()
            {
                let value = merge::string_node(ns, entry.value.span, source);
                for r in acc
                    .iter_mut()
                    .filter(|r| is_namespaced(&r.root) && applies(&r.root))
                {
                    set_metadata(
                        &mut r.root,
                        "namespace",
                        entry.key_span,
                        value.clone(),
                        source,
                    );
                }
            }
        }
        "PrefixSuffixTransformer" => {
            let prefix = config.get("prefix").and_then(Node::as_str).unwrap_or("");
            let suffix = config.get("suffix").and_then(Node::as_str).unwrap_or("");
            for r in acc.iter_mut().filter(|r| applies(&r.root)) {
                rename(&mut r.root, prefix, suffix);
            }
        }
        other => {
            return Err(UnitProblem {
                span: Span::new(at.origin.resolve(file), at.span.range()),
                message: format!("transformer `{other}` is a plugin portico does not run"),
                rendered: false,
            });
        }
    }
    Ok(())
}
