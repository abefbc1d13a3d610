use std::collections::BTreeMap;

use crate::checks::Context;
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Reports an API product whose routes are protected by policies linked to different
    /// identity providers.
    ///
    /// ## Why is this bad?
    /// One login, one token: a user's token comes from one provider and opens the products
    /// whose scopes that provider declared. A product split across providers needs two tokens
    /// (and two scope declarations that must be kept in step); some of its routes always deny
    /// the token a client holds.
    ///
    /// ## Example
    /// ```yaml
    /// # pets-api is selected by oauth-okta, users-api (same product) by oauth-cognito
    /// ```
    ///
    /// ## Use instead
    /// Protect every route of a product with policies of the same provider.
    code: "PC311",
    slug: "product-with-several-providers",
    severity: Warning,
    since: "0.1.0",
}

/// The finding for API product `product` at `span`, protected by policies of the providers
/// `names` (each quoted).
fn finding(product: &str, names: &[String], span: Span) -> Finding {
    Finding::new(
        format!(
            "API product `{product}` is protected by policies of several identity providers: {}",
            names.join(", ")
        ),
        span,
    )
    .help(
        "protect all routes of a product with policies of one provider, so one token opens all \
         of it",
    )
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let providers = &ctx.config.settings.identity_providers;
    let mut by_table: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
    for (&(table, provider), &policy) in &ctx.facts.protected_products {
        by_table.entry(table).or_default().push((provider, policy));
    }
    for (t, served) in by_table {
        if served.len() < 2 {
            continue;
        }
        let Some(table) = ctx.model.route_tables.get(t) else {
            continue;
        };
        let Some(product) = table.spec.api_product_id() else {
            continue;
        };
        let names: Vec<String> = served
            .iter()
            .filter_map(|(p, _)| providers.get(*p).map(|x| format!("`{}`", x.name)))
            .collect();
        let span = ctx.span(&table.meta, "/spec/portalMetadata/apiProductId");
        let mut finding = finding(product, &names, span).about(&table.meta.id);
        for (p, policy) in served {
            if let (Some(policy), Some(provider)) =
                (ctx.model.ext_auth_policies.get(policy), providers.get(p))
            {
                finding = finding.related(
                    ctx.key_span(&policy.meta, "/spec/applyToRoutes"),
                    format!("{} validates {} tokens", policy.meta.id, provider.name),
                );
            }
        }
        out.push(finding);
    }
}
