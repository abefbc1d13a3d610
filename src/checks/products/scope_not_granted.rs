use crate::checks::Context;
use crate::diagnostic::{Finding, Span};

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
    /// # idp/cognito.yaml: the resource server declares tracks, the portal's client may not request it
    /// Portal:
    ///   Type: AWS::Cognito::UserPoolClient
    ///   Properties:
    ///     AllowedOAuthScopes:
    ///       - openid
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// Portal:
    ///   Type: AWS::Cognito::UserPoolClient
    ///   Properties:
    ///     AllowedOAuthScopes:
    ///       - openid
    ///       - !Sub "${Api}/tracks"
    /// ```
    code: "PC309",
    slug: "scope-not-granted",
    severity: Warning,
    since: "0.1.0",
}

/// The finding for the scope `product` at `span`, which `provider` grants no client.
fn finding(product: &str, provider: &str, span: Span) -> Finding {
    Finding::new(
        format!("scope `{product}` is declared at {provider} but no client is granted it"),
        span,
    )
    .help(
        "grant the scope to the portal's client (Okta policy rule, Cognito AllowedOAuthScopes, \
         Keycloak client scopes)",
    )
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
        let span = ctx.span(&table.meta, "/spec/portalMetadata/apiProductId");
        out.push(finding(product, &provider.name, span).about(&table.meta.id));
    }
}
