//! Facts about the repository that several rules, the access matrix and the emitter read,
//! computed once after the index and the selections (oxc's `Semantic`, ruff's `SemanticModel`):
//! which identity provider each ExtAuthPolicy validates tokens of, what each provider declares,
//! which products each provider protects, what each inline JWKS holds, where delegated
//! matchers conflict, and which policy protects each route.

use std::collections::BTreeMap;

use crate::config::IdentityProvider;
use crate::gloo_version::GlooVersion;
use crate::load::DocId;
use crate::model::flatten::{MatcherConflict, matcher_conflicts};
use crate::model::identity::{Inventory, inventory, link_policies};
use crate::model::index::Index;
use crate::model::jwks::{JwksAnalysis, analyse_jwks, inline_jwks};
use crate::model::kinds::RouteTableSpec;
use crate::model::protection::protecting_policies;
use crate::model::scopes::LoadedSource;
use crate::model::selection::{PolicySelection, Selected};
use crate::model::{Model, Resource};

/// The shared facts of a run.
#[derive(Debug)]
pub struct Facts {
    /// For each ExtAuthPolicy (by index), the identity provider (index in
    /// `identityProviders`) whose tokens it validates, when one matches.
    pub links: Vec<Option<usize>>,
    /// Each provider's inventory, in `identityProviders` order; `None` for a provider without
    /// scope sources.
    pub inventories: Vec<Option<Inventory>>,
    /// (product table, provider) → the first policy linked to that provider that protects one
    /// of the product's routes.
    pub protected_products: BTreeMap<(usize, usize), usize>,
    /// Each inline JWKS, by its document and the pointer of its `inlineString`.
    pub jwks: BTreeMap<(DocId, String), JwksAnalysis>,
    /// The matcher conflicts of delegation flattened from every root table (PC601); the
    /// Envoy emitter flattens whole ([`crate::model::flatten::flatten_all`]).
    pub matcher_conflicts: Vec<MatcherConflict>,
    /// For each route instance of the index, the policy whose ext auth protects it.
    pub protection: Vec<Option<usize>>,
    /// The Gloo Platform release whose semantics apply (delegated matchers).
    pub gloo_version: GlooVersion,
}

/// What [`Facts::build`] reads.
pub struct FactsInput<'a> {
    /// The resources.
    pub model: &'a Model,
    /// The resolved routes.
    pub index: &'a Index,
    /// Which routes each policy selects.
    pub selections: &'a [PolicySelection],
    /// `identityProviders` of portico.yaml.
    pub providers: &'a [IdentityProvider],
    /// The providers' scope sources, read.
    pub scope_sources: &'a [LoadedSource],
    /// `gloo.version` of portico.yaml, or the newest release.
    pub gloo_version: GlooVersion,
}

impl Facts {
    /// Computes every fact once.
    #[must_use]
    pub fn build(input: &FactsInput<'_>) -> Self {
        let links = link_policies(input.model, input.providers);
        let inventories = input
            .providers
            .iter()
            .enumerate()
            .map(|(i, p)| inventory(p, i, input.scope_sources))
            .collect();
        let protected_products = protected_products(input, &links);
        let jwks = inline_jwks(input.model)
            .into_iter()
            .map(|(meta, pointer, text)| ((meta.doc, meta.pointer(&pointer)), analyse_jwks(text)))
            .collect();
        Self {
            links,
            inventories,
            protected_products,
            jwks,
            matcher_conflicts: matcher_conflicts(input.model, input.index, input.gloo_version),
            protection: protecting_policies(input.model, input.index, input.selections),
            gloo_version: input.gloo_version,
        }
    }

    /// Whether ExtAuthPolicy `policy` is linked to an identity provider.
    #[must_use]
    pub fn is_linked(&self, policy: usize) -> bool {
        self.links.get(policy).copied().flatten().is_some()
    }

    /// The analysis of the inline JWKS at `pointer` (relative to the resource) of a resource.
    #[must_use]
    pub fn jwks_at(&self, meta: &crate::model::Meta, pointer: &str) -> Option<&JwksAnalysis> {
        self.jwks.get(&(meta.doc, meta.pointer(pointer)))
    }

    /// Every protected product with each provider that protects it and declares something.
    #[must_use]
    pub fn products_at_providers<'a>(
        &'a self,
        model: &'a Model,
        providers: &'a [IdentityProvider],
    ) -> Vec<ProductAtProvider<'a>> {
        self.protected_products
            .iter()
            .filter_map(|(&(t, p), &policy)| {
                let table = model.route_tables.get(t)?;
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
                    inventory: self.inventories.get(p)?.as_ref()?,
                    policy,
                })
            })
            .collect()
    }
}

/// A protected API product, seen from one identity provider whose scopes are known.
pub struct ProductAtProvider<'a> {
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

/// (product table, provider) → the first policy linked to that provider that protects one of
/// the product's routes.
fn protected_products(
    input: &FactsInput<'_>,
    links: &[Option<usize>],
) -> BTreeMap<(usize, usize), usize> {
    let mut pairs = BTreeMap::new();
    for selection in input.selections {
        let Some(provider) = links.get(selection.policy).copied().flatten() else {
            continue;
        };
        for selected in &selection.by_selector {
            let Selected::Routes(ids) = selected else {
                continue;
            };
            for &id in ids {
                let Some(table) = input.index.instance(id).and_then(|i| i.product_table) else {
                    continue;
                };
                pairs.entry((table, provider)).or_insert(selection.policy);
            }
        }
    }
    pairs
}
