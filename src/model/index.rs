//! The route index: delegation resolved from every root table down to leaf routes, each leaf
//! with its effective labels and API product, and label postings so a selector is answered by
//! intersecting posting lists instead of scanning every route for every policy.

use crate::model::kinds::common::StringMap;
use compact_str::CompactString;
use std::collections::HashMap;

use super::kinds::{ObjectSelector, RouteLabelSelector, RouteTableSpec};
use super::workspace::{Membership, Workspaces, membership};
use super::{Model, Resource};

/// A route: table index into [`Model::route_tables`] and route index into its `spec.http`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteRef {
    /// Table index.
    pub table: usize,
    /// Route index in `spec.http`.
    pub route: usize,
}

/// A leaf route as reached through one chain of delegation.
#[derive(Debug, Clone)]
pub struct RouteInstance {
    /// The leaf route.
    pub route: RouteRef,
    /// Delegating routes from the root down to the leaf's parent.
    pub parents: Vec<RouteRef>,
    /// Effective labels: child route > child table > parent route > parent table.
    pub labels: StringMap,
    /// Table whose `portalMetadata.apiProductId` the route serves (nearest table up the chain).
    pub product_table: Option<usize>,
}

/// The delegation of one route to the tables one of its selectors picks.
#[derive(Debug, Clone)]
pub struct DelegationEdge {
    /// The delegating route.
    pub parent: RouteRef,
    /// Index of the selector in `delegate.routeTables`.
    pub selector: usize,
    /// Tables selected, sorted.
    pub children: Vec<usize>,
    /// The selector names a workspace whose members the repository does not tell: it selects
    /// nothing here, and nothing may be said about what it selects (see [`Index::select_tables`]).
    pub unresolved: bool,
}

/// A chain of delegation that comes back to a table already on it.
#[derive(Debug, Clone)]
pub struct DelegationCycle {
    /// The delegating route that closes the cycle.
    pub route: RouteRef,
    /// The table it delegates back to.
    pub table: usize,
}

/// Most leaf-route instances the index expands before it stops (diamond-shaped delegation can
/// multiply paths); far above any real gateway.
pub const MAX_INSTANCES: usize = 2_000_000;
/// Deepest delegation chain followed.
pub const MAX_DEPTH: usize = 64;

/// The resolved route graph.
#[derive(Debug, Default)]
pub struct Index {
    /// Every leaf route instance, in a stable order (root tables sorted, then route order).
    pub instances: Vec<RouteInstance>,
    /// Every delegation, in source order.
    pub edges: Vec<DelegationEdge>,
    /// Cycles found.
    pub cycles: Vec<DelegationCycle>,
    /// Tables some delegation selects.
    pub delegated: Vec<bool>,
    /// Set when [`MAX_INSTANCES`] or [`MAX_DEPTH`] stopped the expansion.
    pub truncated: bool,
    label_postings: HashMap<(CompactString, CompactString), Vec<u32>>,
    tables_by_name: HashMap<String, Vec<usize>>,
    table_label_postings: HashMap<(CompactString, CompactString), Vec<usize>>,
}

impl Index {
    /// Builds the index.
    #[must_use]
    pub fn build(model: &Model) -> Self {
        let tables = &model.route_tables;
        let mut index = Index {
            delegated: vec![false; tables.len()],
            ..Index::default()
        };
        for (i, table) in tables.iter().enumerate() {
            index
                .tables_by_name
                .entry(table.meta.id.name.clone())
                .or_default()
                .push(i);
            for (k, v) in &table.meta.labels {
                index
                    .table_label_postings
                    .entry((k.clone(), v.clone()))
                    .or_default()
                    .push(i);
            }
        }
        // Delegation edges, and which tables are children.
        let mut children_of: HashMap<RouteRef, Vec<usize>> = HashMap::new();
        for (t, table) in tables.iter().enumerate() {
            for (r, route) in table.spec.http.iter().enumerate() {
                let Some(delegate) = &route.delegate else {
                    continue;
                };
                let parent = RouteRef { table: t, route: r };
                let mut all = Vec::new();
                for (s, selector) in delegate.route_tables.iter().enumerate() {
                    let unresolved = selector.workspace.as_deref().is_some_and(|w| {
                        membership(&model.workspaces, w) == Membership::Unresolvable
                    });
                    let children = index.select_tables(
                        tables,
                        model.workspaces(),
                        &table.meta.id.namespace,
                        selector,
                    );
                    for &c in &children {
                        if let Some(d) = index.delegated.get_mut(c) {
                            *d = true;
                        }
                    }
                    all.extend(children.iter().copied());
                    index.edges.push(DelegationEdge {
                        parent,
                        selector: s,
                        children,
                        unresolved,
                    });
                }
                all.sort_unstable();
                all.dedup();
                children_of.insert(parent, all);
            }
        }
        // Expand from every table no delegation selects. Tables with no hosts and no parent in
        // the repo are treated as roots too: their parent usually lives in another repository.
        let mut roots: Vec<usize> = (0..tables.len()).filter(|&t| !index.delegated[t]).collect();
        roots.sort_by(|&a, &b| tables[a].meta.id.cmp(&tables[b].meta.id));
        let mut expander = Expander {
            tables,
            children_of: &children_of,
            // Without diamonds in the delegation, there is one instance per route (a few of
            // which delegate instead): reserved, the list is not grown by doubling.
            instances: Vec::with_capacity(
                tables
                    .iter()
                    .map(|t| t.spec.http.len())
                    .sum::<usize>()
                    .min(MAX_INSTANCES),
            ),
            cycles: Vec::new(),
            truncated: false,
            path: Vec::new(),
            parents: Vec::new(),
        };
        for root in roots {
            expander.expand(root, &StringMap::new(), None);
        }
        // A cycle with no way in (every table on it is delegated to) is unreachable from any
        // root; walk those tables too so the cycle is still reported.
        let mut reached = vec![false; tables.len()];
        for inst in &expander.instances {
            reached[inst.route.table] = true;
            for p in &inst.parents {
                reached[p.table] = true;
            }
        }
        for t in 0..tables.len() {
            if !reached[t] && index.delegated[t] && expander.cycles.iter().all(|c| c.table != t) {
                let before = expander.instances.len();
                expander.expand(t, &StringMap::new(), None);
                for inst in &expander.instances[before..] {
                    reached[inst.route.table] = true;
                }
            }
        }
        index.instances = expander.instances;
        index.instances.shrink_to_fit();
        index.cycles = expander.cycles;
        index.cycles.sort_by_key(|c| (c.route, c.table));
        index.cycles.dedup_by_key(|c| (c.route, c.table));
        index.truncated = expander.truncated;
        for (i, inst) in index.instances.iter().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            for (k, v) in &inst.labels {
                index
                    .label_postings
                    .entry((k.clone(), v.clone()))
                    .or_default()
                    .push(id);
            }
        }
        index
    }

    /// Tables a delegate selector of a table in namespace `parent_ns` picks, sorted by index.
    ///
    /// `workspace:` keeps the tables in the namespaces of that workspace (see
    /// [`super::workspace`]). A workspace the repository does not describe makes the selector
    /// unresolvable: it selects nothing rather than every table, since a guess would invent
    /// findings about children it may not have (a delegated table that sets `hosts`).
    /// "Route tables are selected from both the tables defined within the current workspace
    /// and any tables imported into the workspace" (`DelegateAction.route_tables`,
    /// `api/gloo.solo.io/networking/v2/route_table.proto`, solo-io/solo-apis
    /// `gloo-mesh-v2.6.x`): a table certainly out of the parent's reach is not selected
    /// ([`Workspaces::out_of_reach`]).
    #[must_use]
    pub fn select_tables(
        &self,
        tables: &[Resource<RouteTableSpec>],
        scope: Workspaces<'_>,
        parent_ns: &str,
        selector: &ObjectSelector,
    ) -> Vec<usize> {
        let workspace = selector
            .workspace
            .as_deref()
            .map(|w| membership(scope.workspaces, w));
        if workspace == Some(Membership::Unresolvable) {
            return Vec::new();
        }
        let candidates: Vec<usize> = if let Some(name) = &selector.name {
            self.tables_by_name.get(name).cloned().unwrap_or_default()
        } else if let Some((k, v)) = selector.labels.iter().next() {
            self.table_label_postings
                .get(&(k.clone(), v.clone()))
                .cloned()
                .unwrap_or_default()
        } else {
            (0..tables.len()).collect()
        };
        let mut out: Vec<usize> = candidates
            .into_iter()
            .filter(|&t| {
                let meta = &tables[t].meta;
                selector
                    .namespace
                    .as_ref()
                    .is_none_or(|ns| *ns == meta.id.namespace)
                    && selector
                        .labels
                        .iter()
                        .all(|(k, v)| meta.labels.get(k) == Some(v))
                    && workspace.is_none_or(|w| w.holds(&meta.id.namespace) == Some(true))
                    && !scope.out_of_reach(parent_ns, &meta.id.namespace)
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// Instances a route label selector picks, ascending.
    #[must_use]
    pub fn select_routes(&self, model: &Model, selector: &RouteLabelSelector) -> Vec<u32> {
        let mut lists: Vec<&Vec<u32>> = Vec::with_capacity(selector.labels.len());
        for (k, v) in &selector.labels {
            match self.label_postings.get(&(k.clone(), v.clone())) {
                Some(list) => lists.push(list),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|l| l.len());
        let mut result: Vec<u32> = match lists.split_first() {
            None => (0..u32::try_from(self.instances.len()).unwrap_or(u32::MAX)).collect(),
            Some((first, rest)) => first
                .iter()
                .copied()
                .filter(|id| rest.iter().all(|l| l.binary_search(id).is_ok()))
                .collect(),
        };
        if let Some(ns) = &selector.namespace {
            result.retain(|&id| {
                self.instance(id)
                    .and_then(|inst| model.route_tables.get(inst.route.table))
                    .is_some_and(|t| t.meta.id.namespace == *ns)
            });
        }
        result
    }

    /// The instance with `id`.
    #[must_use]
    pub fn instance(&self, id: u32) -> Option<&RouteInstance> {
        self.instances.get(id as usize)
    }

    /// Every `(key, value)` label some route carries, with the instance that carries it first.
    pub fn label_pairs(&self) -> impl Iterator<Item = (&(CompactString, CompactString), u32)> {
        self.label_postings
            .iter()
            .filter_map(|(pair, ids)| ids.first().map(|&id| (pair, id)))
    }
}

struct Expander<'a> {
    tables: &'a [Resource<RouteTableSpec>],
    children_of: &'a HashMap<RouteRef, Vec<usize>>,
    instances: Vec<RouteInstance>,
    cycles: Vec<DelegationCycle>,
    truncated: bool,
    path: Vec<usize>,
    parents: Vec<RouteRef>,
}

impl Expander<'_> {
    fn expand(&mut self, table: usize, inherited: &StringMap, product: Option<usize>) {
        if self.path.len() >= MAX_DEPTH || self.instances.len() >= MAX_INSTANCES {
            self.truncated = true;
            return;
        }
        let Some(t) = self.tables.get(table) else {
            return;
        };
        self.path.push(table);
        let table_labels = overridden(inherited, &t.meta.labels);
        let product = if t
            .spec
            .portal_metadata
            .as_ref()
            .is_some_and(|p| p.api_product_id.is_some())
        {
            Some(table)
        } else {
            product
        };
        for (r, route) in t.spec.http.iter().enumerate() {
            let here = RouteRef { table, route: r };
            let labels = overridden(&table_labels, &route.labels);
            match self.children_of.get(&here) {
                Some(children) if route.delegate.is_some() => {
                    self.parents.push(here);
                    for &child in children {
                        if self.path.contains(&child) {
                            self.cycles.push(DelegationCycle {
                                route: here,
                                table: child,
                            });
                            continue;
                        }
                        self.expand(child, &labels, product);
                    }
                    self.parents.pop();
                }
                _ => {
                    if route.delegate.is_some() {
                        continue;
                    }
                    if self.instances.len() >= MAX_INSTANCES {
                        self.truncated = true;
                        break;
                    }
                    self.instances.push(RouteInstance {
                        route: here,
                        parents: self.parents.clone(),
                        labels,
                        product_table: product,
                    });
                }
            }
        }
        self.path.pop();
    }
}

/// `base` with `overrides` on top, allocated at its final size: every route instance keeps
/// its own copy, and extending a clone grew it to up to twice that.
fn overridden(base: &StringMap, overrides: &StringMap) -> StringMap {
    if overrides.is_empty() {
        return base.clone();
    }
    let mut labels = StringMap::with_capacity(base.len() + overrides.len());
    for (k, v) in base.iter().chain(overrides.iter()) {
        labels.insert(k.clone(), v.clone());
    }
    labels
}
