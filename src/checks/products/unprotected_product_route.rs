use std::collections::BTreeSet;

use crate::checks::Context;
use crate::checks::references::route_name;
use crate::diagnostic::Finding;
use crate::model::index::RouteRef;
use crate::model::selection::{Selected, destination_coverage};

crate::declare_rule! {
    /// ## What it does
    /// Reports a route that belongs to an API product (its table, or a table it is delegated
    /// from, sets `portalMetadata.apiProductId`) but that no ExtAuthPolicy applies to.
    ///
    /// ## Why is this bad?
    /// The product is published in the portal as protected by OAuth scopes, but this route
    /// answers anyone: no token is checked and no scope is required. It is usually a new route
    /// added without the label the policy selects on.
    ///
    /// ## Example
    /// ```yaml
    /// # petstore-rt (apiProductId: petstore); the policy selects usagePlans: dev-portal
    /// http:
    ///   - name: store-api
    ///     matchers:
    ///       - uri:
    ///           prefix: /petstore/store
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// http:
    ///   - name: store-api
    ///     labels:
    ///       usagePlans: dev-portal
    ///     matchers:
    ///       - uri:
    ///           prefix: /petstore/store
    /// ```
    code: "PC301",
    slug: "unprotected-product-route",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let mut covered = destination_coverage(ctx.model, ctx.index);
    for selection in ctx.selections {
        for selected in &selection.by_selector {
            if let Selected::Routes(ids) = selected {
                for &id in ids {
                    if let Some(c) = covered.get_mut(id as usize) {
                        *c = true;
                    }
                }
            }
        }
    }
    let policy_labels: BTreeSet<String> = ctx
        .model
        .ext_auth_policies
        .iter()
        .flat_map(|p| p.spec.apply_to_routes.iter().flatten())
        .filter_map(|s| s.route.as_ref())
        .flat_map(|r| r.labels.iter().map(|(k, v)| format!("`{k}: {v}`")))
        .collect();
    let unrendered = unrendered_selectors(ctx);
    let mut reported: BTreeSet<RouteRef> = BTreeSet::new();
    for (i, inst) in ctx.index.instances.iter().enumerate() {
        let Some(product_table) = inst
            .product_table
            .and_then(|t| ctx.model.route_tables.get(t))
        else {
            continue;
        };
        if covered.get(i).copied().unwrap_or(false) || unrendered.may_select(inst) {
            continue;
        }
        if !reported.insert(inst.route) {
            continue;
        }
        let Some(table) = ctx.model.route_tables.get(inst.route.table) else {
            continue;
        };
        let Some(route) = table.spec.http.get(inst.route.route) else {
            continue;
        };
        let product = product_table.spec.api_product_id().unwrap_or_default();
        let path = if route.name.is_some() {
            format!("/spec/http/{}/name", inst.route.route)
        } else {
            format!("/spec/http/{}", inst.route.route)
        };
        let help = if policy_labels.is_empty() {
            "add an ExtAuthPolicy that selects this route".to_owned()
        } else {
            format!(
                "no ExtAuthPolicy selects it; policies here select routes labelled {}",
                policy_labels
                    .iter()
                    .take(4)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push(
            Finding::new(
                format!(
                    "route `{}` of API product `{product}` is not protected by any ExtAuthPolicy",
                    route_name(route, inst.route.route)
                ),
                ctx.span(&table.meta, &path),
            )
            .label("reachable without a token")
            .related(
                ctx.span(&product_table.meta, "/spec/portalMetadata/apiProductId"),
                "API product declared here",
            )
            .help(help)
            .about(&table.meta.id),
        );
    }
}

/// The route selectors of the policies that hold an unrendered template (PC006's): what they
/// select is known only once rendered, so the routes they may select then are not reported.
struct UnrenderedSelectors<'a> {
    /// A policy's `applyToRoutes` is itself a template: any route may be selected.
    any: bool,
    /// Selectors with a template among their label values or namespace.
    partial: Vec<PartialSelector<'a>>,
}

/// A route selector with a template among its label values or namespace.
struct PartialSelector<'a> {
    /// The labels known.
    known: Vec<(&'a str, &'a str)>,
    /// The keys whose value is a template: any value of them may match.
    templated: Vec<&'a str>,
}

impl UnrenderedSelectors<'_> {
    fn may_select(&self, inst: &crate::model::index::RouteInstance) -> bool {
        self.any
            || self.partial.iter().any(|selector| {
                selector
                    .known
                    .iter()
                    .all(|(k, v)| inst.labels.get(*k).is_some_and(|l| l == v))
                    && selector
                        .templated
                        .iter()
                        .all(|k| inst.labels.get(*k).is_some())
            })
    }
}

fn unrendered_selectors<'a>(ctx: &Context<'a>) -> UnrenderedSelectors<'a> {
    let templated = crate::checks::looks_templated;
    let policies = &ctx.model.ext_auth_policies;
    let any = policies
        .iter()
        .any(|p| ctx.model.is_unknown(&p.meta, "/spec/applyToRoutes"));
    let partial = policies
        .iter()
        .flat_map(|p| p.spec.apply_to_routes.iter().flatten())
        .filter_map(|s| s.route.as_ref())
        .filter(|r| {
            r.labels.values().any(|v| templated(v)) || r.namespace.as_deref().is_some_and(templated)
        })
        .map(|r| {
            let (templated_labels, known): (Vec<_>, Vec<_>) =
                r.labels.iter().partition(|(_, v)| templated(v));
            PartialSelector {
                known: known
                    .into_iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect(),
                templated: templated_labels
                    .into_iter()
                    .map(|(k, _)| k.as_str())
                    .collect(),
            }
        })
        .collect();
    UnrenderedSelectors { any, partial }
}
