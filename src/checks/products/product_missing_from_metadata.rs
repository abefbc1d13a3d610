use crate::checks::Context;
use crate::diagnostic::Finding;
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
    /// ```yaml
    /// scopeSources: [idp/openid-configuration.json]   # scopes_supported lacks "tracks"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// scopeSources: [idp/okta-scopes.json]
    /// ```
    code: "PC307",
    slug: "product-missing-from-metadata",
    severity: Warning,
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
        let hint = near_miss(product, &inventory.tokens)
            .map(|(s, why)| format!("; the closest published scope is `{s}` ({why})"))
            .unwrap_or_default();
        out.push(
            Finding::new(
                format!("API product `{product}` is not among the scopes {} publishes in its discovery metadata", provider.name),
                ctx.span(&table.meta, "/spec/portalMetadata/apiProductId"),
            )
            .help(format!("metadata may omit unpublished scopes: list a source that declares them to check for sure{hint}"))
            .resource(table.meta.id.to_string()),
        );
    }
}
