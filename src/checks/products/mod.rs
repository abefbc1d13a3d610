//! PC3xx: API products.

pub mod duplicate_api_product_version;
pub mod empty_scope_source;
pub mod invalid_product_id;
pub mod policy_without_provider;
pub mod product_missing_from_metadata;
pub mod product_with_several_providers;
pub mod product_without_scope;
pub mod scope_not_granted;
pub mod scope_source_unreadable;
pub mod unprotected_product_route;
pub mod unused_scope;

use std::collections::BTreeMap;

use crate::checks::Context;
use crate::config::IdentityProvider;
use crate::model::Resource;
use crate::model::identity::{Inventory, inventory, link_policies};
use crate::model::kinds::RouteTableSpec;
use crate::model::selection::Selected;

/// Each provider's inventory, in `identityProviders` order.
pub(crate) fn inventories(ctx: &Context<'_>) -> Vec<Option<Inventory>> {
    ctx.config
        .settings
        .identity_providers
        .iter()
        .enumerate()
        .map(|(i, p)| inventory(p, i, ctx.scope_sources))
        .collect()
}

/// (product table, provider) → the first policy linked to that provider that protects one of
/// the product's routes.
pub(crate) fn protected_products(ctx: &Context<'_>) -> BTreeMap<(usize, usize), usize> {
    let links = link_policies(ctx.model, &ctx.config.settings.identity_providers);
    let mut pairs = BTreeMap::new();
    for selection in ctx.selections {
        let Some(provider) = links.get(selection.policy).copied().flatten() else {
            continue;
        };
        for selected in &selection.by_selector {
            let Selected::Routes(ids) = selected else {
                continue;
            };
            for &id in ids {
                let Some(table) = ctx.index.instance(id).and_then(|i| i.product_table) else {
                    continue;
                };
                pairs.entry((table, provider)).or_insert(selection.policy);
            }
        }
    }
    pairs
}

/// A protected API product, seen from one identity provider whose scopes are known.
pub(crate) struct ProductAtProvider<'a> {
    /// The product's route table.
    pub table: &'a Resource<RouteTableSpec>,
    /// Its `apiProductId`.
    pub product: &'a str,
    /// Index of the provider in `identityProviders`.
    pub provider_index: usize,
    /// The provider.
    pub provider: &'a IdentityProvider,
    /// What the provider declares.
    pub inventory: &'a Inventory,
    /// Index of the first policy of that provider protecting the product.
    pub policy: usize,
}

/// Every protected product with each provider that protects it and declares something.
pub(crate) fn products_at_providers<'a>(
    ctx: &Context<'a>,
    inventories: &'a [Option<Inventory>],
) -> Vec<ProductAtProvider<'a>> {
    let providers = &ctx.config.settings.identity_providers;
    protected_products(ctx)
        .into_iter()
        .filter_map(|((t, p), policy)| {
            let table = ctx.model.route_tables.get(t)?;
            let product = table
                .spec
                .portal_metadata
                .as_ref()?
                .api_product_id
                .as_deref()?;
            Some(ProductAtProvider {
                table,
                product,
                provider_index: p,
                provider: providers.get(p)?,
                inventory: inventories.get(p)?.as_ref()?,
                policy,
            })
        })
        .collect()
}
