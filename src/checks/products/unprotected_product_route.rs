use std::collections::{BTreeMap, BTreeSet};

use crate::checks::Context;
use crate::checks::references::route_name;
use crate::diagnostic::Finding;
use crate::model::index::RouteRef;
use crate::model::kinds::common::StringMap;
use crate::model::selection::{Selected, destination_coverage};
use crate::suggest::closest;

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
    // A route a misspelled selector was meant for is that one mistake, which PC201 reports
    // with its correction: not one more finding per route.
    for id in intended_routes(ctx) {
        if let Some(c) = covered.get_mut(id as usize) {
            *c = true;
        }
    }
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

/// The routes that route selectors matching nothing were most likely meant for: each selector
/// with every label no route carries replaced by the closest one some route does (PC201's
/// "did you mean"). A selector with a label that has no close match means nothing certain.
fn intended_routes(ctx: &Context<'_>) -> Vec<u32> {
    let mut values_by_key: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for ((k, v), _) in ctx.index.label_pairs() {
        values_by_key
            .entry(k.as_str())
            .or_default()
            .insert(v.as_str());
    }
    let mut ids = Vec::new();
    for selection in ctx.selections {
        let Some(policy) = ctx.model.ext_auth_policies.get(selection.policy) else {
            continue;
        };
        let selectors = policy.spec.apply_to_routes.iter().flatten();
        for (selector, selected) in selectors.zip(&selection.by_selector) {
            let Some(route) = &selector.route else {
                continue;
            };
            if !matches!(selected, Selected::Routes(found) if found.is_empty()) {
                continue;
            }
            let mut meant = route.clone();
            let mut labels = StringMap::new();
            let mut certain = true;
            for (key, value) in &route.labels {
                let key_meant = if values_by_key.contains_key(key.as_str()) {
                    Some(key.as_str())
                } else {
                    closest(key, values_by_key.keys().copied())
                };
                let value_meant = key_meant.and_then(|k| {
                    let values = values_by_key.get(k)?;
                    if values.contains(value.as_str()) {
                        Some(value.as_str())
                    } else {
                        closest(value, values.iter().copied())
                    }
                });
                match (key_meant, value_meant) {
                    (Some(k), Some(v)) => {
                        labels.insert(k.into(), v.into());
                    }
                    _ => certain = false,
                }
            }
            if !certain || labels == route.labels {
                continue;
            }
            meant.labels = labels;
            ids.extend(ctx.index.select_routes(ctx.model, &meant));
        }
    }
    ids
}
