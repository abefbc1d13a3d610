use compact_str::CompactString;
use std::collections::BTreeSet;

use crate::checks::{Context, did_you_mean};
use crate::diagnostic::{Finding, Span};
use crate::load::node::escape_token;
use crate::model::kinds::ObjectSelector;
use crate::model::workspace::Workspaces;
use crate::suggest::{closest, likely_help, likely_target};

crate::declare_rule! {
    /// ## What it does
    /// Reports a `delegate.routeTables` selector of a RouteTable route that selects no route
    /// table, with the closest table name, namespace or label that exists. A selector by
    /// `workspace` whose Workspace is not in the repository is not judged (what it selects is
    /// unknown), nor one by labels beside another selector of the route that selects tables.
    ///
    /// ## Why is this bad?
    /// Gloo replaces a delegating route whose selector matches nothing with nothing: every
    /// request to that path prefix gets a 404, and none of the child table's routes, policies
    /// or API products exist at the gateway.
    ///
    /// ## Example
    /// ```yaml
    /// delegate:
    ///   routeTables:
    ///     - name: petstore-rtt
    ///       namespace: gloo-mesh-gateways
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// delegate:
    ///   routeTables:
    ///     - name: petstore-rt
    ///       namespace: gloo-mesh-gateways
    /// ```
    code: "PC202",
    slug: "delegate-selector-matches-nothing",
    severity: Error,
    since: "0.1.0",
}

/// Why a delegate selector matches no route table; `closest` is the did-you-mean candidate.
enum Unmatched<'a> {
    /// It names a table that does not exist.
    NoTable {
        name: &'a str,
        closest: Option<&'a str>,
    },
    /// It names a table in `namespace`, and the tables of that name are all elsewhere.
    OtherNamespace {
        name: &'a str,
        namespace: &'a str,
        closest: Option<&'a str>,
    },
    /// It names a table that lacks the selector's labels.
    LabelsDiffer { name: &'a str },
    /// No table has a label `key`.
    NoLabelKey {
        key: &'a str,
        closest: Option<&'a str>,
    },
    /// No table has the label `key: value`.
    NoLabel {
        key: &'a str,
        value: &'a str,
        closest: Option<&'a str>,
    },
    /// Tables match every other field, but none is in a namespace of the workspace.
    OutsideWorkspace { workspace: &'a str },
    /// Tables match, but all in workspaces the parent's workspace does not import.
    OutOfReach { own: &'a str },
    /// Each field matches some table, but no table matches them all.
    NoTableMatchesAll,
}

impl Unmatched<'_> {
    fn message(&self) -> String {
        match self {
            Self::NoTable { name, .. } => {
                format!("delegates to route table `{name}`, which does not exist")
            }
            Self::OtherNamespace {
                name, namespace, ..
            } => format!(
                "delegates to route table `{name}` in namespace `{namespace}`, but that table is \
                 in another namespace"
            ),
            Self::LabelsDiffer { name } => format!(
                "delegates to route table `{name}`, but that table does not carry the selector's \
                 labels"
            ),
            Self::NoLabelKey { key, .. } => {
                format!("delegate selector matches no route table: no table has a label `{key}`")
            }
            Self::NoLabel { key, value, .. } => format!(
                "delegate selector matches no route table: no table has label `{key}: {value}`"
            ),
            Self::OutsideWorkspace { workspace } => {
                format!("delegate selector matches no route table in workspace `{workspace}`")
            }
            Self::OutOfReach { own } => format!(
                "delegate selector matches no route table that workspace `{own}` can select"
            ),
            Self::NoTableMatchesAll => "delegate selector matches no route table".to_owned(),
        }
    }

    fn label(&self) -> Option<&'static str> {
        match self {
            Self::NoTable { .. } => Some("no route table has this name"),
            Self::OtherNamespace { .. } => Some("no table of that name here"),
            _ => None,
        }
    }

    fn help(&self) -> Option<String> {
        match self {
            Self::NoTable { closest, .. }
            | Self::OtherNamespace { closest, .. }
            | Self::NoLabelKey { closest, .. }
            | Self::NoLabel { closest, .. } => did_you_mean(*closest),
            Self::LabelsDiffer { .. } => None,
            Self::OutOfReach { own } => Some(format!(
                "the tables that match are in workspaces the WorkspaceSettings of `{own}` do not \
                 import (`importFrom`)"
            )),
            Self::OutsideWorkspace { .. } => Some(
                "the tables that match the other fields are in namespaces the workspace does \
                 not hold; add their namespace to the Workspace, or fix `workspace`"
                    .to_owned(),
            ),
            Self::NoTableMatchesAll => Some(
                "no single table matches every field of this selector (labels and namespace \
                 together)"
                    .to_owned(),
            ),
        }
    }

    fn finding(&self, span: Span) -> Finding {
        let finding = Finding::new(self.message(), span).maybe_help(self.help());
        match self.label() {
            Some(label) => finding.label(label),
            None => finding,
        }
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let tables = &ctx.model.route_tables;
    for edge in &ctx.index.edges {
        // A workspace the repository does not describe: what it selects is unknown.
        if !edge.children.is_empty() || edge.unresolved {
            continue;
        }
        let Some(table) = tables.get(edge.parent.table) else {
            continue;
        };
        let Some(selector) = table
            .spec
            .http
            .get(edge.parent.route)
            .and_then(|r| r.delegate.as_ref())
            .and_then(|d| d.route_tables.get(edge.selector))
        else {
            continue;
        };
        // A template value (PC006's) is unknown until rendered, in the selector or in what it
        // is compared with: the selector may match then.
        let templated = crate::checks::looks_templated;
        let unknown = [&selector.name, &selector.namespace]
            .into_iter()
            .flatten()
            .any(|v| templated(v))
            || selector.labels.iter().any(|(k, v)| {
                templated(v)
                    || tables
                        .iter()
                        .any(|t| t.meta.labels.get(k).is_some_and(|v| templated(v)))
            })
            || tables.iter().any(|t| {
                (selector.name.is_some() && templated(&t.meta.id.name))
                    || templated(&t.meta.id.namespace)
            });
        if unknown {
            continue;
        }
        // A selector by labels or workspace beside one that selects tables is the route's
        // room for tables to come (workshops add them step by step): the route still
        // serves, nothing is a 404. A selector by name names one table and is kept.
        let siblings_select = ctx.index.edges.iter().any(|other| {
            other.parent == edge.parent
                && other.selector != edge.selector
                && !other.children.is_empty()
        });
        if selector.name.is_none() && siblings_select {
            continue;
        }
        let base = format!(
            "/spec/http/{}/delegate/routeTables/{}",
            edge.parent.route, edge.selector
        );
        let meta = &table.meta;
        // A table that exists but could not be read is reported where it is broken.
        if let Some(name) = &selector.name {
            let ns = selector.namespace.as_deref().unwrap_or(&meta.id.namespace);
            if ctx
                .model
                .is_broken(crate::model::Kind::RouteTable, ns, name)
            {
                continue;
            }
        }
        // Tables match every other field: the workspace (named, or the parent's reach) is
        // what leaves them out.
        let anywhere = ObjectSelector {
            workspace: None,
            ..selector.clone()
        };
        let matched_elsewhere = !ctx
            .index
            .select_tables(tables, Workspaces::default(), &meta.id.namespace, &anywhere)
            .is_empty();
        let own = ctx.model.workspaces().workspace_of(&meta.id.namespace);
        let finding = if let Some(workspace) =
            selector.workspace.as_deref().filter(|_| matched_elsewhere)
        {
            Unmatched::OutsideWorkspace { workspace }
                .finding(ctx.span(meta, &format!("{base}/workspace")))
        } else if let Some(own) = own.filter(|_| matched_elsewhere && selector.workspace.is_none())
        {
            Unmatched::OutOfReach { own }.finding(ctx.span(meta, &base))
        } else if let Some(name) = &selector.name {
            let same_name: Vec<_> = tables.iter().filter(|t| &t.meta.id.name == name).collect();
            if same_name.is_empty() {
                // Any table but the delegating one (a table does not delegate to itself).
                let candidates: Vec<(&str, &str)> = tables
                    .iter()
                    .filter(|t| t.meta.id != meta.id)
                    .map(|t| (t.meta.id.namespace.as_str(), t.meta.id.name.as_str()))
                    .collect();
                let namespace = selector.namespace.as_deref().unwrap_or(&meta.id.namespace);
                let likely = likely_target(name, namespace, &candidates);
                let unmatched = Unmatched::NoTable {
                    name,
                    closest: likely.map(|((_, n), _)| n),
                };
                let mut f = unmatched.finding(ctx.span(meta, &format!("{base}/name")));
                if let Some((target, why)) = likely {
                    f = f.help(likely_help("RouteTable", target, why));
                }
                if let Some(t) = likely.and_then(|((ns, n), _)| {
                    tables
                        .iter()
                        .find(|t| t.meta.id.name == n && t.meta.id.namespace == ns)
                }) {
                    f = f.related(ctx.span(&t.meta, "/metadata/name"), "closest route table");
                }
                f
            } else if let Some(ns) = selector
                .namespace
                .as_ref()
                .filter(|ns| same_name.iter().all(|t| &t.meta.id.namespace != *ns))
            {
                let namespaces: BTreeSet<&str> = same_name
                    .iter()
                    .map(|t| t.meta.id.namespace.as_str())
                    .collect();
                let suggestion = closest(ns, namespaces.iter().copied())
                    .or_else(|| namespaces.iter().next().copied());
                let unmatched = Unmatched::OtherNamespace {
                    name,
                    namespace: ns,
                    closest: suggestion,
                };
                let mut f = unmatched.finding(ctx.span(meta, &format!("{base}/namespace")));
                if let Some(t) = same_name.first() {
                    f = f.related(
                        ctx.span(&t.meta, "/metadata/namespace"),
                        "the table's namespace",
                    );
                }
                f
            } else {
                let missing = selector
                    .labels
                    .iter()
                    .find(|(k, v)| same_name.iter().all(|t| t.meta.labels.get(*k) != Some(*v)));
                let path = missing.map_or_else(
                    || base.clone(),
                    |(k, _)| format!("{base}/labels/{}", escape_token(k)),
                );
                let mut f = Unmatched::LabelsDiffer { name }.finding(ctx.span(meta, &path));
                if let Some(t) = same_name.first() {
                    f = f.related(ctx.span(&t.meta, "/metadata/labels"), "the table's labels");
                }
                f
            }
        } else if let Some((key, value)) = selector
            .labels
            .iter()
            .find(|(k, v)| !tables.iter().any(|t| t.meta.labels.get(*k) == Some(*v)))
        {
            let path = format!("{base}/labels/{}", escape_token(key));
            let values: BTreeSet<&str> = tables
                .iter()
                .filter_map(|t| t.meta.labels.get(key))
                .map(CompactString::as_str)
                .collect();
            if values.is_empty() {
                let keys: BTreeSet<&str> = tables
                    .iter()
                    .flat_map(|t| t.meta.labels.keys())
                    .map(CompactString::as_str)
                    .collect();
                let unmatched = Unmatched::NoLabelKey {
                    key,
                    closest: closest(key, keys),
                };
                unmatched.finding(ctx.key_span(meta, &path))
            } else {
                let unmatched = Unmatched::NoLabel {
                    key,
                    value,
                    closest: closest(value, values),
                };
                unmatched.finding(ctx.span(meta, &path))
            }
        } else {
            Unmatched::NoTableMatchesAll.finding(ctx.span(meta, &base))
        };
        out.push(finding.about(&meta.id));
    }
}
