use std::collections::{BTreeMap, BTreeSet};

use crate::checks::Context;
use crate::checks::references::route_name;
use crate::diagnostic::{Finding, Span};
use crate::model::ResourceId;
use crate::model::index::RouteRef;
use crate::model::selection::Selected;

crate::declare_rule! {
    /// ## What it does
    /// Reports two ExtAuthPolicies whose selectors pick the same route, naming both policies
    /// and the route.
    ///
    /// ## Why is this bad?
    /// Only one ExtAuthPolicy applies to a route. Gloo keeps the oldest by creation time and
    /// marks the other FAILED, so which auth a route gets depends on the order the objects were
    /// created in: a fresh cluster and an upgraded one can disagree, and the stricter policy
    /// may be the one ignored.
    ///
    /// ## Example
    /// ```yaml
    /// # oauth-okta
    /// applyToRoutes:
    ///   - route:
    ///       labels:
    ///         usagePlans: dev-portal
    /// ---
    /// # api-key-auth
    /// applyToRoutes:
    ///   - route:
    ///       labels:
    ///         usagePlans: dev-portal
    /// ```
    ///
    /// ## Use instead
    /// Select disjoint sets of routes (distinct labels), or combine the two configurations in
    /// one policy with `booleanExpr`.
    code: "PC205",
    slug: "route-selected-by-several-policies",
    severity: Error,
    since: "0.1.0",
}

/// Where the two policies' selectors and the route are.
struct Ends {
    /// The later policy's selector.
    second: Span,
    /// The earlier policy's selector.
    first: Span,
    /// The route (its name, when it has one).
    route: Span,
}

/// The finding for route `name` of `table` (`more` counts the other routes, ` and 2 more
/// routes`, or is empty), selected by both `first` and `second`.
fn finding(
    name: &str,
    table: &ResourceId,
    more: &str,
    first: &ResourceId,
    second: &ResourceId,
    ends: Ends,
) -> Finding {
    Finding::new(
        format!(
            "route `{name}` of {table}{more} is selected by both {first} and {second}; only one \
             ExtAuthPolicy applies to a route"
        ),
        ends.second,
    )
    .label("this policy selects it")
    .related(ends.first, "this policy selects it too")
    .related(ends.route, "the route")
    .help(
        "Gloo keeps the older policy and marks the other FAILED; make the selectors disjoint or \
         merge the policies",
    )
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let policies = &ctx.model.ext_auth_policies;
    // route → (policy, first selector selecting it). A list, not a map: nearly every route has
    // one or two, and a map per route cost a few hundred bytes each on a large repository.
    let mut by_route: BTreeMap<RouteRef, Vec<(usize, usize)>> = BTreeMap::new();
    for selection in ctx.selections {
        for (s, selected) in selection.by_selector.iter().enumerate() {
            let Selected::Routes(ids) = selected else {
                continue;
            };
            for &id in ids {
                let Some(inst) = ctx.index.instance(id) else {
                    continue;
                };
                let selecting = by_route.entry(inst.route).or_default();
                if !selecting.iter().any(|&(p, _)| p == selection.policy) {
                    selecting.push((selection.policy, s));
                }
            }
        }
    }
    // (earlier policy, later policy) → routes, with the selectors that picked the first one
    let mut pairs: BTreeMap<(usize, usize), (BTreeSet<RouteRef>, usize, usize)> = BTreeMap::new();
    for (route, mut ordered) in by_route {
        if ordered.len() < 2 {
            continue;
        }
        ordered.sort_by(|a, b| (&policies[a.0].meta.id, a.0).cmp(&(&policies[b.0].meta.id, b.0)));
        for (i, &(first, first_sel)) in ordered.iter().enumerate() {
            for &(second, second_sel) in &ordered[i + 1..] {
                // Two definitions of one policy are one object to Kubernetes (PC206 reports them).
                if policies[first].meta.id == policies[second].meta.id {
                    continue;
                }
                let entry = pairs
                    .entry((first, second))
                    .or_insert_with(|| (BTreeSet::new(), first_sel, second_sel));
                entry.0.insert(route);
            }
        }
    }
    for ((first, second), (routes, first_sel, second_sel)) in pairs {
        let (Some(a), Some(b)) = (policies.get(first), policies.get(second)) else {
            continue;
        };
        let Some(route) = routes.iter().next() else {
            continue;
        };
        let Some(table) = ctx.model.route_tables.get(route.table) else {
            continue;
        };
        let Some(http) = table.spec.http.get(route.route) else {
            continue;
        };
        let name = route_name(http, route.route);
        let more = match routes.len() {
            1 => String::new(),
            n => format!(" and {} more route{}", n - 1, if n == 2 { "" } else { "s" }),
        };
        let route_path = if http.name.is_some() {
            format!("/spec/http/{}/name", route.route)
        } else {
            format!("/spec/http/{}", route.route)
        };
        let ends = Ends {
            second: ctx.span(&b.meta, &format!("/spec/applyToRoutes/{second_sel}")),
            first: ctx.span(&a.meta, &format!("/spec/applyToRoutes/{first_sel}")),
            route: ctx.span(&table.meta, &route_path),
        };
        out.push(
            finding(&name, &table.meta.id, &more, &a.meta.id, &b.meta.id, ends).about(&b.meta.id),
        );
    }
}
