use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::model::identity::near_miss;

crate::declare_rule! {
    /// ## What it does
    /// Reports an API product whose scope is absent from a provider whose only scope sources
    /// are discovery metadata (`scopes_supported` of `.well-known/openid-configuration` or RFC
    /// 8414 metadata).
    ///
    /// ## Why is this bad?
    /// Publishing a scope in discovery metadata is optional (Okta publishes custom scopes only
    /// with `metadataPublish: ALL_CLIENTS`), so the scope may exist; but if it does not, every
    /// request to the product is denied. A warning, not an error: add a source that declares
    /// the scopes (Terraform, the Okta scopes export) to know for sure.
    ///
    /// ## Example
    /// The provider's only source, `idp/openid-configuration.json`, does not publish `tracks`:
    /// ```json
    /// {
    ///   "issuer": "https://idp.example.com",
    ///   "scopes_supported": ["openid", "profile"]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Publish the scope in the metadata (Okta: `metadataPublish: ALL_CLIENTS`), or list a source
    /// that declares every scope, such as the Okta scopes export:
    /// ```json
    /// {
    ///   "issuer": "https://idp.example.com",
    ///   "scopes_supported": ["openid", "profile", "tracks"]
    /// }
    /// ```
    code: "PC307",
    slug: "product-missing-from-metadata",
    severity: Warning,
    since: "0.1.0",
}

/// The finding for API product `product` at `span`, missing from the discovery metadata of
/// `provider`; `closest` is the closest published scope and why, if any is close.
fn finding(product: &str, provider: &str, closest: Option<(String, &str)>, span: Span) -> Finding {
    let hint = closest
        .map(|(s, why)| format!("; the closest published scope is `{s}` ({why})"))
        .unwrap_or_default();
    Finding::new(
        format!(
            "API product `{product}` is not among the scopes {provider} publishes in its \
             discovery metadata"
        ),
        span,
    )
    .help(format!(
        "metadata may omit unpublished scopes: list a source that declares them to check for \
         sure{hint}"
    ))
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let providers = &ctx.config.settings.identity_providers;
    for at in ctx.facts.products_at_providers(ctx.model, providers) {
        let (table, product, provider, inventory) =
            (at.table, at.product, at.provider, at.inventory);
        if inventory.complete || inventory.unknown {
            continue;
        }
        if inventory.tokens.contains(product) {
            continue;
        }
        let closest = near_miss(product, &inventory.tokens);
        let span = ctx.span(&table.meta, "/spec/portalMetadata/apiProductId");
        out.push(finding(product, &provider.name, closest, span).about(&table.meta.id));
    }
}
