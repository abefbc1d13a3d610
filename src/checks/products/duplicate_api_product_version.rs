use std::collections::BTreeMap;

use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::model::ResourceId;

crate::declare_rule! {
    /// ## What it does
    /// Reports two RouteTables that declare the same API product id with the same `apiVersion`.
    ///
    /// ## Why is this bad?
    /// The portal identifies an API version by the pair: two tables claiming it publish one
    /// version with two different sets of routes and docs, and which one users see depends on
    /// creation order.
    ///
    /// ## Example
    /// ```yaml
    /// # petstore-rt and petstore-v2-rt
    /// portalMetadata:
    ///   apiProductId: petstore
    ///   apiVersion: v1
    /// ```
    ///
    /// ## Use instead
    /// Give the second table `apiVersion: v2`, or merge the tables.
    code: "PC302",
    slug: "duplicate-api-product-version",
    severity: Error,
    since: "0.1.0",
}

/// The finding for API product `product` with `version` (`apiVersion `v1`` or `no apiVersion`)
/// declared again at `span`, after `first` declared it at `first_span`.
fn finding(
    product: &str,
    version: &str,
    first: &ResourceId,
    span: Span,
    first_span: Span,
) -> Finding {
    Finding::new(
        format!("API product `{product}` with {version} is also declared by {first}"),
        span,
    )
    .label("declared again here")
    .related(first_span, "first declared here")
    .help(
        "each (apiProductId, apiVersion) pair must belong to one route table: bump the version or \
         merge the tables",
    )
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let mut seen: BTreeMap<(&str, Option<&str>), usize> = BTreeMap::new();
    let mut order: Vec<usize> = (0..ctx.model.route_tables.len()).collect();
    order.sort_by(|&a, &b| {
        ctx.model.route_tables[a]
            .meta
            .id
            .cmp(&ctx.model.route_tables[b].meta.id)
    });
    for t in order {
        let table = &ctx.model.route_tables[t];
        let Some(pm) = &table.spec.portal_metadata else {
            continue;
        };
        let Some(product) = pm.api_product_id.as_deref() else {
            continue;
        };
        let key = (product, pm.api_version.as_deref());
        match seen.get(&key) {
            None => {
                seen.insert(key, t);
            }
            Some(&first) => {
                let other = &ctx.model.route_tables[first];
                let path = if pm.api_version.is_some() {
                    "/spec/portalMetadata/apiVersion"
                } else {
                    "/spec/portalMetadata/apiProductId"
                };
                let version = pm.api_version.as_deref().map_or_else(
                    || "no apiVersion".to_owned(),
                    |v| format!("apiVersion `{v}`"),
                );
                let span = ctx.span(&table.meta, path);
                let first_span = ctx.span(&other.meta, path);
                out.push(
                    finding(product, &version, &other.meta.id, span, first_span)
                        .about(&table.meta.id),
                );
            }
        }
    }
}
