//! Rendering one root kustomization: its resources accumulated, then its patches and
//! transformers applied in kustomize's order.
//!
//! The order is kustomize's (`api/internal/target/kusttarget.go`, `AccumulateTarget` and
//! `runTransformers`; `kusttarget_configplugin.go`, `configureBuiltinTransformers`, kustomize
//! v5.5.0): resources, then components (which apply their own directives to what the parent
//! accumulated so far), then the builtin transformers — `patchesStrategicMerge`, `patches`,
//! `namespace`, `namePrefix`/`nameSuffix`, `commonLabels`/`labels`, `commonAnnotations`,
//! `patchesJson6902` — then `transformers:`.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::Span;
use crate::load::embedded::map_scalar;
use crate::load::node::{Entry, Node, Origin, TextSpan, Value};
use crate::load::source::{FileId, SourceFile};

use super::merge::{self, Operation};
use super::select::{effective_namespace, identity, selects, without_identity};
use super::transform::{add_to_metadata, builtin_transformer, is_namespaced, rename, set_metadata};
use super::{Placement, RenderedResource, Tree, Unit, UnitProblem, dir_name, join};

/// How deep kustomizations may include each other: deeper is a cycle or a hostile repository.
const MAX_DEPTH: usize = 64;

/// How many resources one root may render: a base listed many times at every level of a
/// hostile repository would otherwise multiply its documents exponentially.
const MAX_RESOURCES: usize = 100_000;

/// The items of a sequence node (nothing for anything else).
pub(super) fn sequence(node: &Node) -> impl Iterator<Item = &Node> {
    match &node.value {
        Value::Seq(items) => items.iter(),
        _ => [].iter(),
    }
}

/// The entries of a mapping node (nothing for anything else).
pub(super) fn entries(node: &Node) -> impl Iterator<Item = &Entry> {
    match &node.value {
        Value::Map(entries) => entries.iter(),
        _ => [].iter(),
    }
}

struct Renderer<'t, 'a> {
    tree: &'t Tree<'a>,
    stack: Vec<FileId>,
    files: BTreeSet<FileId>,
    patches: BTreeSet<FileId>,
    /// The kustomizations read, each with the one that included it first (none for the root).
    kustomizations: BTreeMap<FileId, Option<FileId>>,
    /// What kustomize would stop at and the unit is rendered without: files not in the
    /// repository, patches of unmodelled kinds that match nothing.
    missing: Vec<(Span, String)>,
    /// Resources rendered so far (see [`MAX_RESOURCES`]).
    rendered: usize,
}

pub(super) type Rendered<T> = Result<T, UnitProblem>;

/// Renders the unit of the root kustomization `root`; also returns the files read as patches.
pub(super) fn render_root(tree: &Tree<'_>, root: FileId) -> Rendered<(Unit, BTreeSet<FileId>)> {
    let mut renderer = Renderer {
        tree,
        stack: Vec::new(),
        files: BTreeSet::new(),
        patches: BTreeSet::new(),
        kustomizations: BTreeMap::new(),
        missing: Vec::new(),
        rendered: 0,
    };
    let mut resources = Vec::new();
    renderer.kustomization(root, &mut resources, Span::new(root, 0..0))?;
    // kustomize stops at a missing file, and at a patch that matches nothing. Rendered without
    // them, the unit still deploys what the repository holds (a missing file is often one a
    // snapshot left out, or one CI generates; a patch of a kind portico does not model cannot
    // change what it checks): checking that is worth more than checking each file alone. It is
    // said once.
    let missing = renderer
        .missing
        .split_first()
        .map(|((span, what), rest)| UnitProblem {
            span: span.clone(),
            message: if rest.is_empty() {
                format!("{what}: the unit is checked without it")
            } else {
                format!(
                    "{what}, and {} more that kustomize would stop at: the unit is checked \
                     without them",
                    rest.len()
                )
            },
            rendered: true,
        });
    Ok((
        Unit {
            name: tree.repo.sources.get(root).name.clone(),
            resources,
            kustomizations: placements(tree, &renderer.kustomizations),
            files: renderer.files,
            missing,
        },
        renderer.patches,
    ))
}

/// Where each kustomization's generated objects end up ([`Placement`]): the `namespace` of the
/// outermost kustomization on its chain to the root that sets one, and the prefixes and
/// suffixes of the chain.
fn placements(
    tree: &Tree<'_>,
    parents: &BTreeMap<FileId, Option<FileId>>,
) -> BTreeMap<FileId, Placement> {
    let field = |file: FileId, key: &str| {
        tree.first_root(file)
            .and_then(|root| root.get(key))
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    parents
        .keys()
        .map(|&file| {
            let mut placement = Placement::default();
            let mut at = Some(file);
            let mut seen = BTreeSet::new();
            while let Some(k) = at.filter(|k| seen.insert(*k)) {
                if let Some(namespace) = field(k, "namespace") {
                    placement.namespace = Some(namespace);
                }
                placement.prefix = field(k, "namePrefix").unwrap_or_default() + &placement.prefix;
                placement
                    .suffix
                    .push_str(&field(k, "nameSuffix").unwrap_or_default());
                at = parents.get(&k).copied().flatten();
            }
            (file, placement)
        })
        .collect()
}

/// kustomize fields whose effect portico does not reproduce and that can change the objects
/// it checks: a unit using one is not rendered.
const UNSUPPORTED_FIELDS: [&str; 5] = [
    "generators",
    "helmCharts",
    "replacements",
    "vars",
    "helmChartInflationGenerator",
];

impl Renderer<'_, '_> {
    fn name(&self, file: FileId) -> &str {
        &self.tree.repo.sources.get(file).name
    }

    fn problem(span: Span, message: String) -> UnitProblem {
        UnitProblem {
            span,
            message,
            rendered: false,
        }
    }

    /// The span of `node` (in `file` unless it came from elsewhere).
    fn span(file: FileId, node: &Node) -> Span {
        Span::new(node.origin.resolve(file), node.span.range())
    }

    /// Applies the kustomization `file` into `acc`: a base adds what it renders, a component
    /// also transforms what `acc` holds already.
    fn kustomization(
        &mut self,
        file: FileId,
        acc: &mut Vec<RenderedResource>,
        at: Span,
    ) -> Rendered<()> {
        // Each kustomization read counts as a resource: bases listed many times at every
        // level cost calls even when they hold nothing.
        self.rendered += 1;
        if self.rendered > MAX_RESOURCES {
            return Err(Self::problem(
                at,
                format!("the unit renders more than {MAX_RESOURCES} resources"),
            ));
        }
        if self.stack.contains(&file) || self.stack.len() > MAX_DEPTH {
            return Err(Self::problem(
                at,
                format!(
                    "`{}` includes itself (a cycle of kustomizations)",
                    self.name(file)
                ),
            ));
        }
        let Some(root) = self.tree.first_root(file) else {
            return Err(Self::problem(
                at,
                format!("`{}` cannot be read", self.name(file)),
            ));
        };
        self.stack.push(file);
        self.files.insert(file);
        let parent = self.stack.iter().rev().nth(1).copied();
        self.kustomizations.entry(file).or_insert(parent);
        let dir = dir_name(self.name(file)).to_owned();
        for e in entries(root) {
            if UNSUPPORTED_FIELDS.contains(&e.key.as_str()) {
                return Err(Self::problem(
                    Span::new(file, e.key_span.range()),
                    format!("`{}` is not rendered by portico", e.key),
                ));
            }
        }
        for key in ["resources", "bases"] {
            for item in root.get(key).into_iter().flat_map(sequence) {
                self.resource(file, &dir, item, acc)?;
            }
        }
        for item in root.get("components").into_iter().flat_map(sequence) {
            let span = Self::span(file, item);
            let path = self.local_path(file, &dir, item)?;
            let Some(component) = self.tree.kustomization_in(&path) else {
                return Err(Self::problem(
                    span,
                    format!("component `{path}` has no kustomization"),
                ));
            };
            self.kustomization(component, acc, span)?;
        }
        self.transform(file, &dir, root, acc)?;
        self.stack.pop();
        Ok(())
    }

    /// The repository path an entry names; remote and absolute ones are not read.
    fn local_path(&self, file: FileId, dir: &str, item: &Node) -> Rendered<String> {
        let span = Self::span(file, item);
        let Some(entry) = item.as_str() else {
            return Err(Self::problem(
                span,
                "an entry that is not a path".to_owned(),
            ));
        };
        if is_remote(entry) {
            return Err(Self::problem(
                span,
                format!("`{entry}` is remote: portico does not fetch it"),
            ));
        }
        if entry.starts_with('/') {
            return Err(Self::problem(
                span,
                format!("`{entry}` is outside the repository"),
            ));
        }
        join(dir, entry)
            .ok_or_else(|| Self::problem(span, format!("`{entry}` is outside the repository")))
    }

    /// Adds what a `resources` entry names: a file's documents, or a directory's kustomization.
    fn resource(
        &mut self,
        file: FileId,
        dir: &str,
        item: &Node,
        acc: &mut Vec<RenderedResource>,
    ) -> Rendered<()> {
        let span = Self::span(file, item);
        let path = self.local_path(file, dir, item)?;
        if let Some(&id) = self.tree.by_name.get(path.as_str()) {
            self.files.insert(id);
            let documents = self.tree.repo.documents_of(id);
            self.rendered += documents.len();
            if self.rendered > MAX_RESOURCES {
                return Err(Self::problem(
                    span,
                    format!("the unit renders more than {MAX_RESOURCES} resources"),
                ));
            }
            for loaded in documents {
                let Some(root) = self.tree.repo.root(loaded.id()) else {
                    continue;
                };
                if matches!(root.value, Value::Null) {
                    continue;
                }
                acc.push(RenderedResource {
                    file: id,
                    index: loaded.doc.index,
                    root: root.clone(),
                    original_name: identity(root).2.to_owned(),
                    original_namespace: effective_namespace(root).to_owned(),
                });
            }
            return Ok(());
        }
        if let Some(base) = self.tree.kustomization_in(&path) {
            let mut rendered = Vec::new();
            self.kustomization(base, &mut rendered, span)?;
            acc.extend(rendered);
            return Ok(());
        }
        if self.tree.dirs.contains(path.as_str()) {
            return Err(Self::problem(
                span,
                format!("`{path}` is a directory without a kustomization"),
            ));
        }
        self.missing
            .push((span, format!("`{path}` is not in the repository")));
        Ok(())
    }

    /// The documents of a `patches` or `patchesJson6902` entry, from its `path` (a file) or
    /// its inline `patch`, with the node they were read from.
    fn patch_entry<'n>(
        &mut self,
        file: FileId,
        dir: &str,
        item: &'n Node,
    ) -> Rendered<(Vec<Node>, &'n Node)> {
        match (item.get("path"), item.get("patch")) {
            (Some(path), _) => Ok((self.patch_documents(file, dir, path, false)?, path)),
            (None, Some(text)) => Ok((self.patch_documents(file, dir, text, true)?, text)),
            (None, None) => Err(Self::problem(
                Self::span(file, item),
                "a patch without `path` or `patch`".to_owned(),
            )),
        }
    }

    /// The documents of a patch: a file (`path`), or inline text (a string of the
    /// kustomization, its nodes located in the kustomization's text).
    fn patch_documents(
        &mut self,
        file: FileId,
        dir: &str,
        item: &Node,
        inline: bool,
    ) -> Rendered<Vec<Node>> {
        if inline {
            return Ok(inline_documents(
                self.tree.repo.sources.get(file),
                file,
                item,
            ));
        }
        let span = Self::span(file, item);
        let path = self.local_path(file, dir, item)?;
        let Some(&id) = self.tree.by_name.get(path.as_str()) else {
            self.missing
                .push((span, format!("patch `{path}` is not in the repository")));
            return Ok(Vec::new());
        };
        self.files.insert(id);
        self.patches.insert(id);
        Ok(self
            .tree
            .repo
            .documents_of(id)
            .iter()
            .filter_map(|d| self.tree.repo.root(d.id()))
            .filter(|root| !matches!(root.value, Value::Null))
            .map(|root| merge::stamped(root, id))
            .collect())
    }

    fn transform(
        &mut self,
        file: FileId,
        dir: &str,
        root: &Node,
        acc: &mut Vec<RenderedResource>,
    ) -> Rendered<()> {
        for item in root
            .get("patchesStrategicMerge")
            .into_iter()
            .flat_map(sequence)
        {
            // An entry is a path, or the patch itself as a string (kustomize tries it as YAML
            // first: `api/internal/target/kusttarget.go`, inline patches).
            let inline = item
                .as_str()
                .is_some_and(|s| s.contains('\n') || s.contains(": "));
            for patch in self.patch_documents(file, dir, item, inline)? {
                self.strategic_merge(file, item, &patch, None, acc)?;
            }
        }
        for item in root.get("patches").into_iter().flat_map(sequence) {
            let (documents, source) = self.patch_entry(file, dir, item)?;
            let target = item.get("target");
            for patch in documents {
                if matches!(patch.value, Value::Seq(_)) {
                    let Some(target) = target else {
                        return Err(Self::problem(
                            Self::span(file, source),
                            "a JSON patch without `target`".to_owned(),
                        ));
                    };
                    self.json_patch(file, source, &patch, target, acc)?;
                } else {
                    self.strategic_merge(file, source, &patch, target, acc)?;
                }
            }
        }
        if let Some(namespace) = root.entry("namespace")
            && let Some(ns) = namespace.value.as_str()
        {
            let value = merge::string_node(ns, namespace.value.span, file);
            for r in acc.iter_mut().filter(|r| is_namespaced(&r.root)) {
                set_metadata(
                    &mut r.root,
                    "namespace",
                    namespace.key_span,
                    value.clone(),
                    file,
                );
            }
        }
        let prefix = root.get("namePrefix").and_then(Node::as_str).unwrap_or("");
        let suffix = root.get("nameSuffix").and_then(Node::as_str).unwrap_or("");
        if !prefix.is_empty() || !suffix.is_empty() {
            for r in acc.iter_mut() {
                rename(&mut r.root, prefix, suffix);
            }
        }
        let mut labels: Vec<&Entry> = root
            .get("commonLabels")
            .into_iter()
            .flat_map(entries)
            .collect();
        for set in root.get("labels").into_iter().flat_map(sequence) {
            labels.extend(set.get("pairs").into_iter().flat_map(entries));
        }
        add_to_metadata(acc, "labels", &labels, file, &|_| true);
        let annotations: Vec<&Entry> = root
            .get("commonAnnotations")
            .into_iter()
            .flat_map(entries)
            .collect();
        add_to_metadata(acc, "annotations", &annotations, file, &|_| true);
        for item in root.get("patchesJson6902").into_iter().flat_map(sequence) {
            let (documents, source) = self.patch_entry(file, dir, item)?;
            let Some(target) = item.get("target") else {
                return Err(Self::problem(
                    Self::span(file, item),
                    "a JSON patch without `target`".to_owned(),
                ));
            };
            for patch in documents {
                self.json_patch(file, source, &patch, target, acc)?;
            }
        }
        for item in root.get("transformers").into_iter().flat_map(sequence) {
            let inline = item.as_str().is_some_and(|s| s.contains('\n'));
            for config in self.patch_documents(file, dir, item, inline)? {
                builtin_transformer(file, item, &config, acc)?;
            }
        }
        Ok(())
    }

    /// Applies a strategic-merge patch to its targets: those `target` selects, else the
    /// resource of the patch's own kind and name.
    fn strategic_merge(
        &mut self,
        file: FileId,
        at: &Node,
        patch: &Node,
        target: Option<&Node>,
        acc: &mut Vec<RenderedResource>,
    ) -> Rendered<()> {
        let span = Self::span(file, at);
        let (_, kind, name) = identity(patch);
        let namespace = effective_namespace(patch);
        let matched: Vec<usize> = acc
            .iter()
            .enumerate()
            .filter(|(_, r)| match target {
                Some(t) => selects(t, &r.root),
                // kustomize finds the target by the patch's id, namespace included, an absent
                // namespace being `default` (`api/resid/resid.go`, `IsNsEquals` compares
                // `EffectiveNamespace`), against the resource's current id or an earlier one
                // (`GetMatchingResourcesByAnyId`); checked with kubectl v1.32.4: a patch
                // without a namespace does not match a resource whose file says `apps`, and
                // matches one that a base's `namespace:` moved.
                None => {
                    let (_, k, n) = identity(&r.root);
                    k == kind
                        && (n == name || r.original_name == name)
                        && (effective_namespace(&r.root) == namespace
                            || r.original_namespace == namespace)
                }
            })
            .map(|(i, _)| i)
            .collect();
        if matched.is_empty() {
            let kind = target
                .and_then(|t| t.get("kind"))
                .and_then(Node::as_str)
                .unwrap_or(kind);
            return self.unmatched(
                span,
                kind,
                format!("the patch of `{kind}/{name}` matches no resource of the unit"),
            );
        }
        // The target's identity stays its own: a patch names it, it does not rename it.
        let patch = without_identity(patch);
        let mut deleted = Vec::new();
        for i in matched {
            match merge::merge(&acc[i].root, &patch) {
                Some(merged) => acc[i].root = merged,
                None => deleted.push(i),
            }
        }
        for i in deleted.into_iter().rev() {
            acc.remove(i);
        }
        Ok(())
    }

    fn json_patch(
        &mut self,
        file: FileId,
        at: &Node,
        patch: &Node,
        target: &Node,
        acc: &mut [RenderedResource],
    ) -> Rendered<()> {
        let span = Self::span(file, at);
        let mut any = false;
        for r in acc.iter_mut().filter(|r| selects(target, &r.root)) {
            any = true;
            for op in sequence(patch) {
                let operation = Operation {
                    op: op.get("op").and_then(Node::as_str).unwrap_or(""),
                    path: op.get("path").and_then(Node::as_str).unwrap_or(""),
                    from: op.get("from").and_then(Node::as_str),
                    value: op.get("value").cloned(),
                };
                merge::apply_operation(&mut r.root, &operation)
                    .map_err(|e| Self::problem(span.clone(), format!("JSON patch: {}", e.0)))?;
            }
        }
        if any {
            Ok(())
        } else {
            let kind = target.get("kind").and_then(Node::as_str).unwrap_or("");
            self.unmatched(
                span,
                kind,
                format!("the JSON patch of `{kind}` matches no resource of the unit"),
            )
        }
    }

    /// A patch that matches nothing: kustomize stops there. A patch of a kind portico does not
    /// model cannot change what it checks (its target is most likely in a file the repository
    /// does not hold), so the unit is rendered without it and says so; one of a modelled kind
    /// (or of any kind) leaves the unit unrendered.
    fn unmatched(&mut self, span: Span, kind: &str, message: String) -> Rendered<()> {
        let modelled = [
            "RouteTable",
            "ExtAuthPolicy",
            "ExtAuthServer",
            "AuthConfig",
            "ConfigMap",
        ];
        if kind.is_empty() || modelled.contains(&kind) {
            return Err(Self::problem(span, message));
        }
        self.missing.push((span, message));
        Ok(())
    }
}

/// Whether a resource entry is fetched from elsewhere (kustomize's remote targets:
/// `https://`, `git@`, `github.com/…`, `?ref=`; kustomize `api/internal/git/repospec.go`).
fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
        || entry.contains("?ref=")
        || entry.contains(".git//")
}

/// The YAML documents of an inline patch (a string of the kustomization), with every node
/// located in the kustomization's text: exactly where the string maps back to it (a literal
/// block or a plain scalar), else at the string.
fn inline_documents(source: &SourceFile, file: FileId, node: &Node) -> Vec<Node> {
    let Some(text) = node.as_str() else {
        return Vec::new();
    };
    let map = map_scalar(source, node);
    let inner = SourceFile::new(source.name.clone(), source.path.clone(), text.to_owned());
    crate::load::yaml::parse(&inner)
        .documents
        .into_iter()
        .map(|d| relocate(&d.root, &map, node.span, file))
        .filter(|root| !matches!(root.value, Value::Null))
        .collect()
}

/// `node` with its spans moved from the text of a string into the file holding the string.
fn relocate(
    node: &Node,
    map: &crate::load::embedded::TextMap,
    whole: TextSpan,
    file: FileId,
) -> Node {
    let place = |span: TextSpan| {
        if map.is_exact() {
            let start = map.file_offset(span.start());
            TextSpan::new(start..map.file_offset(span.end()).max(start))
        } else {
            whole
        }
    };
    let value = match &node.value {
        Value::Seq(items) => Value::Seq(
            items
                .iter()
                .map(|i| relocate(i, map, whole, file))
                .collect::<Vec<_>>()
                .into(),
        ),
        Value::Map(items) => Value::Map(
            items
                .iter()
                .map(|e| Entry {
                    key: e.key.clone(),
                    key_span: place(e.key_span),
                    value: relocate(&e.value, map, whole, file),
                })
                .collect::<Vec<_>>()
                .into(),
        ),
        other => other.clone(),
    };
    Node {
        span: place(node.span),
        style: node.style,
        origin: Origin::file(file),
        value,
    }
}
