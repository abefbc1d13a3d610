use crate::checks::Context;
use crate::checks::products::{inventories, products_at_providers};
use crate::config::ProviderType;
use crate::diagnostic::{Finding, Span};
use crate::model::identity::near_miss;

crate::declare_rule! {
    /// ## What it does
    /// Reports an API product (`portalMetadata.apiProductId`) whose routes are protected by an
    /// ExtAuthPolicy linked to an identity provider that declares no scope spelled exactly as
    /// the product id, in the form its tokens carry (Cognito: `identifier/name`, e.g.
    /// `https://api.example.com/tracks`). The help names the declared scope it most likely meant:
    /// case only, `http` vs `https`, a trailing slash, the bare name where the URI form is
    /// needed and the reverse, or a small typo.
    ///
    /// A policy is linked to the provider whose `jwksUri` or `issuer` in `portico.yaml` equals
    /// its `remoteJwks.url` or `jwt.issuer`; with one provider, every JWT policy is. Scopes come
    /// from `scopes:` in `portico.yaml` and the files under `scopeSources` (Terraform,
    /// CloudFormation, provider exports). A scope whose declaration cannot be resolved (a
    /// Terraform variable) makes the inventory unknown, and nothing is reported as missing.
    ///
    /// ## Why is this bad?
    /// The policy grants a request only when the token carries the product's scope. If the
    /// identity provider has no such scope, no user can ever get one: every request to the
    /// product is denied with 403, and the portal shows a product nobody can call.
    ///
    /// ## Example
    /// ```yaml
    /// # portico.yaml: cognito, resourceServer https://api.example.com, scopes [tracks]
    /// portalMetadata:
    ///   apiProductId: tracks
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// portalMetadata:
    ///   apiProductId: https://api.example.com/tracks
    /// ```
    code: "PC303",
    slug: "product-without-scope",
    severity: Error,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let inventories = inventories(ctx);
    for at in products_at_providers(ctx, &inventories) {
        let (table, product, provider, inventory, p, policy) = (
            at.table,
            at.product,
            at.provider,
            at.inventory,
            at.provider_index,
            at.policy,
        );
        // Unknown is never missing; metadata-only inventories are PC307's.
        if inventory.unknown || !inventory.complete {
            continue;
        }
        let scopes = &inventory.tokens;
        if scopes.contains(product) {
            continue;
        }
        // A Cognito token scope is always `identifier/name`: a bare product id can never match,
        // so declaring it at the provider is no fix.
        let declarable = provider.provider_type != ProviderType::Cognito || product.contains('/');
        let named = inventory.name_prefix_fix(product).map(|s| {
            (
                s,
                "tokens carry the resource server's Identifier, not its Name",
            )
        });
        let suggestion = named.or_else(|| near_miss(product, scopes));
        let help = match (suggestion.clone(), declarable) {
            (Some((scope, why)), true) => format!(
                "the closest declared scope is `{scope}` ({why}): write `apiProductId: {scope}`, or declare `{product}` at {}",
                provider.name
            ),
            (Some((scope, why)), false) => format!("write `apiProductId: {scope}` ({why})"),
            (None, true) => format!(
                "declare the scope `{product}` at {} and list it under `scopes:` in portico.yaml",
                provider.name
            ),
            (None, false) => "Cognito tokens carry `<resource server identifier>/<scope>`: write the full form as `apiProductId`".to_owned(),
        };
        let mut finding = Finding::new(
            format!("API product `{product}` has no scope at identity provider `{}`: no token can carry it", provider.name),
            ctx.span(&table.meta, "/spec/portalMetadata/apiProductId"),
        )
        .label("no declared scope matches")
        .help(help)
        .resource(table.meta.id.to_string());
        // The other end: where the closest scope is declared, or the inline scope list.
        let near =
            suggestion.and_then(|(scope, _)| inventory.declared_at.get(&scope).cloned().flatten());
        let inline = ctx
            .config
            .doc
            .as_ref()
            .and_then(|d| d.root.pointer(&format!("/identityProviders/{p}/scopes")))
            .map(|f| f.node.span.clone());
        if let Some((file, range)) = near {
            finding = finding.related(Span::new(file, range), "closest declared scope");
        } else if let (Some(file), Some(range)) = (ctx.config.file, inline) {
            finding = finding.related(
                Span::new(file, range),
                format!("scopes declared for {}", provider.name),
            );
        }
        if let Some(policy) = ctx.model.ext_auth_policies.get(policy) {
            finding = finding.related(
                ctx.key_span(&policy.meta, "/spec/applyToRoutes"),
                format!("{} protects the product", policy.meta.id),
            );
        }
        out.push(finding);
    }
}
