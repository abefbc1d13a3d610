//! Delegation flattened into the routes a gateway serves: every root table's routes with
//! their delegated children folded in, each with the matcher Gloo combines from the parents'
//! and the child's (gloo-api.md §1, "Route matcher inheritance": since 2.4 a delegated route
//! inherits its parents' matchers), in the order Gloo tries them, and the child matchers Gloo
//! drops because they leave their parent's.
//!
//! [`flatten_all`] computes this once for the whole model: the Envoy emitter reads the routes,
//! PC601 the conflicts.

use std::collections::{BTreeMap, BTreeSet};

use super::Model;
use super::index::{Index, RouteRef};
use super::kinds::HttpRequestMatcher;

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

/// Flattens every table nothing delegates to.
#[must_use]
pub fn flatten_all(model: &Model, index: &Index) -> Flattened {
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
        let (mut routes, conflicts) = flatten(model, &children, root);
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
pub fn matcher_conflicts(model: &Model, index: &Index) -> Vec<MatcherConflict> {
    let children = children_map(index);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for root in 0..model.route_tables.len() {
        if index.delegated.get(root).copied().unwrap_or(true) {
            continue;
        }
        let (_, conflicts) = flatten(model, &children, root);
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

/// Folds a child matcher into its parent's: the child must be at least as specific.
fn combine(parent: &Matcher, child: &Matcher, child_has_uri: bool) -> Result<Matcher, String> {
    let path = if child_has_uri {
        match (&parent.path, &child.path) {
            (PathMatch::Prefix(p), PathMatch::Prefix(c) | PathMatch::Exact(c))
                if !c.starts_with(p.as_str()) =>
            {
                return Err(format!("path `{c}` is outside the parent's prefix `{p}`"));
            }
            (PathMatch::Exact(p), PathMatch::Exact(c)) if p != c => {
                return Err(format!(
                    "path `{c}` differs from the parent's exact path `{p}`"
                ));
            }
            (PathMatch::Exact(p), PathMatch::Prefix(c)) if p != c => {
                return Err(format!(
                    "prefix `{c}` is wider than the parent's exact path `{p}`"
                ));
            }
            _ => child.path.clone(),
        }
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
) -> (Vec<FlatRoute>, Vec<MatcherConflict>) {
    let mut walk = Walk {
        model,
        children,
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
                let combined = match combine(parent, &matcher, has_uri) {
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn prefix(p: &str) -> Matcher {
        Matcher {
            path: PathMatch::Prefix(p.to_string()),
            ..Matcher::default()
        }
    }

    #[test]
    fn child_matchers_must_stay_inside_the_parent() {
        assert!(combine(&prefix("/api"), &prefix("/api/pets"), true).is_ok());
        assert!(combine(&prefix("/api"), &prefix("/other"), true).is_err());
        let inherited = combine(&prefix("/api"), &Matcher::default(), false);
        assert_eq!(
            inherited.map(|m| m.path),
            Ok(PathMatch::Prefix("/api".to_string()))
        );
        let get = Matcher {
            method: Some("GET".to_string()),
            ..prefix("/api")
        };
        let post = Matcher {
            method: Some("POST".to_string()),
            ..prefix("/api/x")
        };
        assert!(combine(&get, &post, true).is_err());
    }

    #[test]
    fn a_header_both_match_on_is_kept_once() {
        let header = |value: ValueMatch| HeaderMatch {
            name: "x-team".to_string(),
            value,
            invert: false,
        };
        let parent = Matcher {
            headers: vec![header(ValueMatch::Exact("a".to_string()))],
            ..prefix("/api")
        };
        let child = Matcher {
            headers: vec![
                header(ValueMatch::Exact("a".to_string())),
                header(ValueMatch::Regex("a".to_string())),
            ],
            ..prefix("/api/x")
        };
        let combined = combine(&parent, &child, true).map(|m| m.headers);
        assert_eq!(
            combined,
            Ok(vec![
                header(ValueMatch::Exact("a".to_string())),
                header(ValueMatch::Regex("a".to_string()))
            ])
        );
    }

    #[test]
    fn specificity_orders_exact_regex_prefix() {
        let exact = Matcher {
            path: PathMatch::Exact("/a".to_string()),
            ..Matcher::default()
        };
        let mut all = [prefix("/a"), prefix("/a/b"), exact.clone()];
        all.sort_by_key(specificity);
        assert_eq!(all[0], exact);
        assert_eq!(all[1], prefix("/a/b"));
    }

    fn root_table(name: &str, prefix: &str) -> String {
        format!(
            "apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: {{name: {name}, namespace: gw}}
spec:
  hosts: [{name}.example.com]
  http:
    - name: all
      matchers: [{{uri: {{prefix: {prefix}}}}}]
      delegate: {{routeTables: [{{name: middle, namespace: gw}}]}}
"
        )
    }

    /// Two roots reach one child route through one delegating route: the child's conflict
    /// with that route is reported once, as the first root (in model order) sees it, and the
    /// route both roots serve is one instance per root.
    #[test]
    fn a_conflict_reached_from_two_roots_is_kept_once() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("a.yaml", &root_table("a", "/a"));
        write("b.yaml", &root_table("b", "/b"));
        write(
            "c.yaml",
            "apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: {name: middle, namespace: gw}
spec:
  http:
    - name: inherit
      delegate: {routeTables: [{name: leaf, namespace: gw}]}
---
apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: {name: leaf, namespace: gw}
spec:
  http:
    - name: elsewhere
      matchers: [{uri: {prefix: /c}}]
      directResponse: {status: 404}
    - name: any
      directResponse: {status: 200}
",
        );
        let result = crate::check(&crate::CheckRequest {
            inputs: vec![crate::load::Input::Path(dir.path().to_path_buf())],
            ..crate::CheckRequest::default()
        })
        .unwrap();
        let index = Index::build(&result.model);
        let flattened = flatten_all(&result.model, &index);
        let messages: Vec<&str> = flattened
            .conflicts
            .iter()
            .map(|c| c.message.as_str())
            .collect();
        assert_eq!(messages, ["path `/c` is outside the parent's prefix `/a`"]);
        let served: Vec<(usize, Option<u32>, &PathMatch)> = flattened
            .tables
            .iter()
            .flat_map(|t| &t.routes)
            .map(|r| (r.route.route, r.instance, &r.matcher.path))
            .collect();
        assert_eq!(served.len(), 2);
        assert!(
            served
                .iter()
                .all(|(route, instance, _)| *route == 1 && instance.is_some())
        );
        assert_ne!(served[0].1, served[1].1);
        assert_eq!(
            served.iter().map(|s| s.2).collect::<Vec<_>>(),
            [
                &PathMatch::Prefix("/a".to_string()),
                &PathMatch::Prefix("/b".to_string())
            ]
        );
    }
}
