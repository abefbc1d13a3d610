//! Delegation flattened into the routes a gateway serves: every root table's routes with
//! their delegated children folded in, each with the matcher Gloo combines from the parents'
//! and the child's by the rule of the configured release ([`combine`]), in the order Gloo
//! tries them, and the child matchers Gloo drops because they conflict with their parent's.
//!
//! [`flatten_all`] computes this once for the whole model: the Envoy emitter reads the routes,
//! PC601 the conflicts.

use std::collections::{BTreeMap, BTreeSet};

use super::Model;
use super::index::{Index, RouteRef};
use super::kinds::HttpRequestMatcher;
use crate::gloo_version::GlooVersion;

/// The path part of a combined matcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathMatch {
    /// `prefix`.
    Prefix(String),
    /// `exact`.
    Exact(String),
    /// `regex`.
    Regex(String),
}

/// How a header or query parameter value must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueMatch {
    /// No value given: the header or parameter must be present.
    Present,
    /// Equal to this value.
    Exact(String),
    /// Matching this RE2 regex.
    Regex(String),
}

impl ValueMatch {
    fn of(value: Option<&String>, regex: Option<bool>) -> Self {
        match value {
            Some(value) if regex.unwrap_or(false) => Self::Regex(value.clone()),
            Some(value) => Self::Exact(value.clone()),
            None => Self::Present,
        }
    }
}

/// A header matcher of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMatch {
    /// The header name.
    pub name: String,
    /// How its value must match.
    pub value: ValueMatch,
    /// `invertMatch`: the route matches when the header does not.
    pub invert: bool,
}

/// A query parameter matcher of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryMatch {
    /// The parameter name.
    pub name: String,
    /// How its value must match.
    pub value: ValueMatch,
}

/// A route matcher with its parents' matchers folded in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    /// Path.
    pub path: PathMatch,
    /// `ignoreCase` on the URI.
    pub ignore_case: bool,
    /// HTTP method.
    pub method: Option<String>,
    /// Header matchers: all must match.
    pub headers: Vec<HeaderMatch>,
    /// Query parameter matchers: all must match.
    pub query: Vec<QueryMatch>,
}

impl Default for Matcher {
    fn default() -> Self {
        Self {
            path: PathMatch::Prefix("/".to_string()),
            ignore_case: false,
            method: None,
            headers: Vec::new(),
            query: Vec::new(),
        }
    }
}

/// A child matcher the parent's does not contain: Gloo rejects the delegation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherConflict {
    /// The delegating route.
    pub parent: RouteRef,
    /// The child route.
    pub child: RouteRef,
    /// Index of the child's matcher.
    pub matcher: usize,
    /// What conflicts.
    pub message: String,
}

/// A leaf route with its combined matcher, in the order Envoy will try it.
#[derive(Debug, Clone)]
pub struct FlatRoute {
    /// The leaf route.
    pub route: RouteRef,
    /// Delegating routes from the root down.
    pub parents: Vec<RouteRef>,
    /// The combined matcher.
    pub matcher: Matcher,
    /// The route instance of the index reached through the same parents (the first, when the
    /// index holds several): what the policy selections and the product metadata refer to.
    pub instance: Option<u32>,
}

/// The flattened routes of one root table.
#[derive(Debug, Clone)]
pub struct FlatTable {
    /// Index into [`Model::route_tables`].
    pub table: usize,
    /// Its leaf routes, in the order Gloo tries them.
    pub routes: Vec<FlatRoute>,
}

/// Every root table flattened, with the matcher conflicts found on the way.
#[derive(Debug, Clone, Default)]
pub struct Flattened {
    /// One per table nothing delegates to (hosts or not), in model order.
    pub tables: Vec<FlatTable>,
    /// Each (child route, child matcher, parent route) once, as first found in model order of
    /// the roots: a child reached through several roots conflicts the same way each time.
    pub conflicts: Vec<MatcherConflict>,
}

/// Flattens every table nothing delegates to, combining matchers as `version` does.
#[must_use]
pub fn flatten_all(model: &Model, index: &Index, version: GlooVersion) -> Flattened {
    let children = children_map(index);
    // A flattened route is the index's instance with the same parents; the first when the
    // index holds several.
    let mut instance_of: BTreeMap<(&[RouteRef], RouteRef), u32> = BTreeMap::new();
    for (i, inst) in index.instances.iter().enumerate() {
        if let Ok(id) = u32::try_from(i) {
            instance_of
                .entry((inst.parents.as_slice(), inst.route))
                .or_insert(id);
        }
    }
    let mut flattened = Flattened::default();
    let mut seen = BTreeSet::new();
    for root in 0..model.route_tables.len() {
        if index.delegated.get(root).copied().unwrap_or(true) {
            continue;
        }
        let (mut routes, conflicts) = flatten(model, &children, root, version);
        for route in &mut routes {
            route.instance = instance_of
                .get(&(route.parents.as_slice(), route.route))
                .copied();
        }
        flattened.tables.push(FlatTable {
            table: root,
            routes,
        });
        flattened.conflicts.extend(
            conflicts
                .into_iter()
                .filter(|c| seen.insert((c.child, c.matcher, c.parent))),
        );
    }
    flattened
}

/// The matcher conflicts of [`flatten_all`], without keeping the flattened routes: what a check
/// needs (PC601). Each root's routes are dropped as soon as its conflicts are taken, so a check
/// never holds every flattened route of the repository at once; a build flattens again, whole.
#[must_use]
pub fn matcher_conflicts(
    model: &Model,
    index: &Index,
    version: GlooVersion,
) -> Vec<MatcherConflict> {
    let children = children_map(index);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for root in 0..model.route_tables.len() {
        if index.delegated.get(root).copied().unwrap_or(true) {
            continue;
        }
        let (_, conflicts) = flatten(model, &children, root, version);
        out.extend(
            conflicts
                .into_iter()
                .filter(|c| seen.insert((c.child, c.matcher, c.parent))),
        );
    }
    out
}

fn matcher_of(m: &HttpRequestMatcher) -> Matcher {
    let mut out = Matcher::default();
    if let Some(uri) = &m.uri {
        if let Some(e) = &uri.exact {
            out.path = PathMatch::Exact(e.clone());
        } else if let Some(p) = &uri.prefix {
            out.path = PathMatch::Prefix(p.clone());
        } else if let Some(r) = &uri.regex {
            out.path = PathMatch::Regex(r.clone());
        }
        out.ignore_case = uri.ignore_case.unwrap_or(false);
    }
    out.method.clone_from(&m.method);
    out.headers = m
        .headers
        .iter()
        .filter_map(|h| {
            Some(HeaderMatch {
                name: h.name.clone()?,
                value: ValueMatch::of(h.value.as_ref(), h.regex),
                invert: h.invert_match.unwrap_or(false),
            })
        })
        .collect();
    out.query = m
        .query_parameters
        .iter()
        .filter_map(|q| {
            Some(QueryMatch {
                name: q.name.clone()?,
                value: ValueMatch::of(q.value.as_ref(), q.regex),
            })
        })
        .collect();
    out
}

/// How Gloo combines the path of a delegated route with its parent's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inheritance {
    /// Gloo Platform 2.2 and 2.3: the child route matches only what both matchers match (the
    /// comment of `HTTPRoute.matchers` in `route_table.proto`, solo-apis `gloo-mesh-v2.2.x` and
    /// `gloo-mesh-v2.3.x`: "this route will only match traffic that includes both the parent
    /// and child's matchers. If these sets conflict, the delegating route on the parent will be
    /// replaced with a DirectResponseAction"). Paths intersect: the narrower of two nested
    /// prefixes; two paths neither of which contains the other conflict.
    Intersect,
    /// Gloo Platform 2.4 and later: a child path is relative to the parent's prefix (docs page
    /// "Route matcher inheritance", docs.solo.io gloo-mesh-gateway 2.4.x, gloo-mesh-enterprise
    /// 2.5.x and latest: parent `/product-1` with child `/foo` serves `/product-1/foo`). A
    /// child path that already starts with the parent's prefix is taken as written: the Gloo
    /// guides of these releases write children that way (the portal guide's `/petstore/pets`
    /// under `/petstore`, the workshops' `/productpage` under `/`), and they serve the path as
    /// written. Headers, query parameters and methods are combined as before.
    Prepend,
}

impl Inheritance {
    /// The rule of `version`.
    #[must_use]
    pub fn of(version: GlooVersion) -> Self {
        if version >= GlooVersion::V2_4 {
            Inheritance::Prepend
        } else {
            Inheritance::Intersect
        }
    }
}

/// `prefix` followed by the child path `path`, with one `/` between them.
fn joined(prefix: &str, path: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    if path.starts_with('/') {
        format!("{prefix}{path}")
    } else {
        format!("{prefix}/{path}")
    }
}

/// A regex that matches `literal` exactly (RE2 syntax).
fn regex_literal(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len());
    for c in literal.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The combined path of a child path under its parent's, or why they conflict.
fn combine_path(
    inherits: Inheritance,
    parent: &PathMatch,
    child: &PathMatch,
) -> Result<PathMatch, String> {
    use PathMatch::{Exact, Prefix, Regex};
    Ok(match (inherits, parent, child) {
        // Under an exact parent path only that path reaches the child, in every release.
        (_, Exact(p), Exact(c)) if p != c => {
            return Err(format!(
                "path `{c}` differs from the parent's exact path `{p}`"
            ));
        }
        (_, Exact(p), Prefix(c)) if !p.starts_with(c.as_str()) => {
            return Err(format!(
                "prefix `{c}` does not match the parent's exact path `{p}`"
            ));
        }
        (_, Exact(p), Prefix(_) | Exact(_)) => Exact(p.clone()),
        // A path already under the parent's prefix is the same in both rules.
        (_, Prefix(p), Prefix(c) | Exact(c) | Regex(c)) if c.starts_with(p.as_str()) => {
            child.clone()
        }
        (Inheritance::Intersect, Prefix(p), Prefix(c)) if p.starts_with(c.as_str()) => {
            parent.clone()
        }
        (Inheritance::Intersect, Prefix(p), Prefix(c) | Exact(c)) => {
            return Err(format!("path `{c}` is outside the parent's prefix `{p}`"));
        }
        (Inheritance::Prepend, Prefix(p), Prefix(c)) => Prefix(joined(p, c)),
        (Inheritance::Prepend, Prefix(p), Exact(c)) => Exact(joined(p, c)),
        (Inheritance::Prepend, Prefix(p), Regex(c)) => {
            Regex(format!("{}{c}", regex_literal(p.trim_end_matches('/'))))
        }
        // Whether a regex overlaps another path is not decided here: the child's path stands.
        (_, _, _) => child.clone(),
    })
}

/// The path a request to a route takes, from the first matcher of each route on the way down
/// (`chain`: root first), combined by the rule `inherits`; `/` when none names one. A regex
/// names no path, and a conflicting child (PC601) keeps the path it writes.
#[must_use]
pub fn request_path<'a>(
    inherits: Inheritance,
    chain: impl IntoIterator<Item = &'a HttpRequestMatcher>,
) -> String {
    let mut path = PathMatch::Prefix("/".to_owned());
    for matcher in chain {
        let child = matcher_of(matcher).path;
        if matches!(child, PathMatch::Regex(_)) || matcher.uri.is_none() {
            continue;
        }
        path = combine_path(inherits, &path, &child).unwrap_or(child);
    }
    match path {
        PathMatch::Prefix(p) | PathMatch::Exact(p) | PathMatch::Regex(p) => p,
    }
}

/// Folds a child matcher into its parent's by the rule `inherits`.
fn combine(
    inherits: Inheritance,
    parent: &Matcher,
    child: &Matcher,
    child_has_uri: bool,
) -> Result<Matcher, String> {
    let path = if child_has_uri {
        combine_path(inherits, &parent.path, &child.path)?
    } else {
        parent.path.clone()
    };
    let method = match (&parent.method, &child.method) {
        (Some(p), Some(c)) if !p.eq_ignore_ascii_case(c) => {
            return Err(format!("method `{c}` differs from the parent's `{p}`"));
        }
        (p, c) => c.clone().or_else(|| p.clone()),
    };
    let mut headers = parent.headers.clone();
    headers.extend(
        child
            .headers
            .iter()
            .filter(|h| !parent.headers.contains(h))
            .cloned(),
    );
    let mut query = parent.query.clone();
    query.extend(
        child
            .query
            .iter()
            .filter(|q| !parent.query.contains(q))
            .cloned(),
    );
    Ok(Matcher {
        path,
        ignore_case: if child_has_uri {
            child.ignore_case
        } else {
            parent.ignore_case
        },
        method,
        headers,
        query,
    })
}

/// Route specificity as Gloo sorts delegated routes with `ROUTE_SPECIFICITY` (gloo-api.md §1,
/// `DelegateAction.sortMethod`): exact paths, then regexes, then prefixes from the longest;
/// more header and query matchers first.
fn specificity(m: &Matcher) -> (u8, std::cmp::Reverse<usize>, std::cmp::Reverse<usize>) {
    let (rank, len) = match &m.path {
        PathMatch::Exact(p) => (0, p.len()),
        PathMatch::Regex(r) => (1, r.len()),
        PathMatch::Prefix(p) => (2, p.len()),
    };
    (
        rank,
        std::cmp::Reverse(len),
        std::cmp::Reverse(m.headers.len() + m.query.len()),
    )
}

/// Flattens the routes of a root table through delegation, in Gloo's order, with the
/// conflicts between parent and child matchers.
fn flatten(
    model: &Model,
    children: &BTreeMap<RouteRef, Vec<usize>>,
    root: usize,
    version: GlooVersion,
) -> (Vec<FlatRoute>, Vec<MatcherConflict>) {
    let mut walk = Walk {
        model,
        children,
        inherits: Inheritance::of(version),
        visiting: vec![root],
        out: Vec::new(),
        conflicts: Vec::new(),
    };
    walk.table(root, &Matcher::default(), &[]);
    (walk.out, walk.conflicts)
}

/// The state of one root table's walk through its delegations.
struct Walk<'a> {
    model: &'a Model,
    children: &'a BTreeMap<RouteRef, Vec<usize>>,
    /// How a child's path combines with its parent's in the configured release.
    inherits: Inheritance,
    /// The tables on the way down from the root, so that a cycle is not followed.
    visiting: Vec<usize>,
    out: Vec<FlatRoute>,
    conflicts: Vec<MatcherConflict>,
}

impl Walk<'_> {
    fn table(&mut self, table: usize, parent: &Matcher, parents: &[RouteRef]) {
        // Depth is bounded like the index's: cycles are PC209's.
        if self.visiting.len() > 16 {
            return;
        }
        let model = self.model;
        let Some(t) = model.route_tables.get(table) else {
            return;
        };
        for (r, route) in t.spec.http.iter().enumerate() {
            let here = RouteRef { table, route: r };
            let matchers: Vec<(usize, Matcher, bool)> = if route.matchers.is_empty() {
                vec![(0, Matcher::default(), false)]
            } else {
                route
                    .matchers
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (i, matcher_of(m), m.uri.is_some()))
                    .collect()
            };
            for (i, matcher, has_uri) in matchers {
                let combined = match combine(self.inherits, parent, &matcher, has_uri) {
                    Ok(c) => c,
                    Err(message) => {
                        if let Some(&p) = parents.last() {
                            self.conflicts.push(MatcherConflict {
                                parent: p,
                                child: here,
                                matcher: i,
                                message,
                            });
                        }
                        continue;
                    }
                };
                if let Some(delegate) = &route.delegate {
                    let by_specificity =
                        delegate.sort_method.as_deref() == Some("ROUTE_SPECIFICITY");
                    self.delegate(here, &combined, parents, by_specificity);
                } else {
                    self.out.push(FlatRoute {
                        route: here,
                        parents: parents.to_vec(),
                        matcher: combined,
                        instance: None,
                    });
                }
            }
        }
    }

    /// Walks the child tables of the delegating route `here`: higher `weight` first, then by
    /// identity (gloo-api.md §1, `RouteTableSpec.weight`).
    fn delegate(
        &mut self,
        here: RouteRef,
        combined: &Matcher,
        parents: &[RouteRef],
        by_specificity: bool,
    ) {
        let model = self.model;
        let mut kids: Vec<usize> = self
            .children
            .get(&here)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| !self.visiting.contains(c))
            .collect();
        kids.sort_by(|&a, &b| {
            let (ta, tb) = (&model.route_tables[a], &model.route_tables[b]);
            tb.spec
                .weight
                .unwrap_or(0)
                .cmp(&ta.spec.weight.unwrap_or(0))
                .then_with(|| ta.meta.id.cmp(&tb.meta.id))
        });
        let mut chain = parents.to_vec();
        chain.push(here);
        let start = self.out.len();
        for kid in kids {
            self.visiting.push(kid);
            self.table(kid, combined, &chain);
            self.visiting.pop();
        }
        if by_specificity {
            self.out[start..].sort_by_key(|r| specificity(&r.matcher));
        }
    }
}

/// Delegation edges as a map from delegating route to child tables.
fn children_map(index: &Index) -> BTreeMap<RouteRef, Vec<usize>> {
    let mut map: BTreeMap<RouteRef, Vec<usize>> = BTreeMap::new();
    for edge in &index.edges {
        map.entry(edge.parent)
            .or_default()
            .extend(edge.children.iter().copied());
    }
    for kids in map.values_mut() {
        kids.sort_unstable();
        kids.dedup();
    }
    map
}

#[cfg(test)]
mod tests;
