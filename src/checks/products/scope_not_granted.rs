use crate::checks::Context;
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports an API product whose scope is declared at the provider but granted to no client
    /// by the sources that show grants: Okta policy rule `scope_whitelist`, Cognito
    /// `AllowedOAuthScopes`, Keycloak client default and optional scopes.
    ///
    /// ## Why is this bad?
    /// A declared scope that no client may request is never issued: the token never carries
    /// it, and every request to the product is denied.
    ///
    /// ## Example
    /// ```yaml
    /// AllowedOAuthScopes: [openid, https://api.example.com/pets]   # no .../tracks
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// AllowedOAuthScopes: [openid, https://api.example.com/pets, https://api.example.com/tracks]
    /// ```
    code: "PC309",
    slug: "scope-not-granted",
    severity: Warning,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let providers = &ctx.config.settings.identity_providers;
    for at in ctx.facts.products_at_providers(ctx.model, providers) {
        let (table, product, provider, inventory) =
            (at.table, at.product, at.provider, at.inventory);
        let Some(grants) = &inventory.grants else {
            continue;
        };
        let bare = product.rsplit('/').next().unwrap_or(product);
        if !inventory.tokens.contains(product)
            || grants.contains("*")
            || grants.contains(product)
            || grants.contains(bare)
        {
            continue;
        }
        out.push(
            Finding::new(
                format!("scope `{product}` is declared at {} but no client is granted it", provider.name),
                ctx.span(&table.meta, "/spec/portalMetadata/apiProductId"),
            )
            .help("grant the scope to the portal's client (Okta policy rule, Cognito AllowedOAuthScopes, Keycloak client scopes)")
            .resource(table.meta.id.to_string()),
        );
    }
}
