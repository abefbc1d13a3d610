use crate::checks::Context;
use crate::config::{IdentityProvider, ProviderType};
use crate::diagnostic::{Finding, Span};
use crate::model::identity::{Inventory, OtherApplication, near_miss};

crate::declare_rule! {
    /// ## What it does
    /// Reports an API product (`portalMetadata.apiProductId`) whose routes are protected by an
    /// ExtAuthPolicy linked to an identity provider that declares no scope spelled exactly as
    /// the product id, in the form its tokens carry (Cognito: `identifier/name`, e.g.
    /// `https://api.example.com/tracks`). The help names the declared scope it most likely meant:
    /// case only, `http` vs `https`, a trailing slash, the bare name where the URI form is
    /// needed and the reverse, another word separator (`-` `_` `.` `:`), the resource server's
    /// Name used as prefix, or a small typo.
    ///
    /// Entra tokens are issued for one resource: when `resourceServer` (the App ID URI) is set,
    /// only scopes of the application whose `identifierUris` hold it count. The help says when
    /// the product id is the request form `api://portal/tracks` (the token's `scp` holds the bare
    /// value `tracks`), when the scope belongs to another application, and when no application
    /// has the configured App ID URI.
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
    since: "0.1.0",
}

/// The finding for API product `product` at `span`, which no scope of `provider` matches;
/// `help` names the scope it most likely meant or what to declare.
fn finding(product: &str, provider: &IdentityProvider, span: Span, help: String) -> Finding {
    let provider = &provider.name;
    let message = format!(
        "API product `{product}` has no scope at identity provider `{provider}`: no token can \
         carry it"
    );
    Finding::new(message, span)
        .label("no declared scope matches")
        .help(help)
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let providers = &ctx.config.settings.identity_providers;
    for at in ctx.facts.products_at_providers(ctx.model, providers) {
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
        if inventory.tokens.contains(product) {
            continue;
        }
        let config_span = |pointer: &str| {
            let span = ctx
                .config
                .doc
                .as_ref()
                .and_then(|d| d.root.pointer(&format!("/identityProviders/{p}/{pointer}")))
                .map(|f| f.node.span)?;
            Some(Span::new(ctx.config.file?, span.range()))
        };
        let (help, related) = if let Some(value) = inventory.entra_bare_value(provider, product) {
            let help = format!(
                "write `apiProductId: {value}`: Entra access tokens carry the bare scope value \
                 `{value}` in `scp`, and `{product}` is only the form a client requests it in"
            );
            let declared = inventory.declared_at.get(&value).cloned().flatten();
            (
                help,
                declared.map(|(f, r)| (Span::new(f, r), "the scope's value".to_owned())),
            )
        } else if let Some((scope, app)) = inventory.other_application(product) {
            let help = other_application_help(provider, inventory, product, scope, app);
            let configured = provider.resource_server.as_deref().unwrap_or_default();
            let related = app.declared_at.clone().map(|(f, r)| {
                (
                    Span::new(f, r),
                    format!("declared by an application without `{configured}`"),
                )
            });
            (help, related)
        } else {
            let (help, closest) = near_miss_help(provider, inventory, product);
            let near =
                closest.and_then(|scope| inventory.declared_at.get(&scope).cloned().flatten());
            let related = match near {
                Some((file, range)) => {
                    Some((Span::new(file, range), "closest declared scope".to_owned()))
                }
                None => config_span("scopes")
                    .map(|span| (span, format!("scopes declared for {}", provider.name))),
            };
            (help, related)
        };
        let span = ctx.span(&table.meta, "/spec/portalMetadata/apiProductId");
        let mut finding = finding(product, provider, span, help).about(&table.meta.id);
        // The other end: where the closest scope is declared, or the inline scope list.
        if let Some((span, message)) = related {
            finding = finding.related(span, message);
        }
        if inventory.other_application(product).is_some()
            && inventory.entra_bare_value(provider, product).is_none()
            && let Some(span) = config_span("resourceServer")
        {
            finding = finding.related(span, "the App ID URI tokens are issued for");
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

/// The help for a product whose scope no declaration matches, and the declared scope it most
/// likely meant.
fn near_miss_help(
    provider: &IdentityProvider,
    inventory: &Inventory,
    product: &str,
) -> (String, Option<String>) {
    let named = inventory.name_prefix_fix(product).map(|s| {
        (
            s,
            "tokens carry the resource server's Identifier, not its Name",
        )
    });
    // A Cognito token scope is always `identifier/name`, split at the last `/` with neither
    // part empty: a bare product id (or one ending in `/`) can never match, so declaring it at
    // the provider is no fix; nor is a resource server named after another one's Name, when
    // that one already declares the scope.
    let cognito_form = product
        .rsplit_once('/')
        .is_some_and(|(identifier, name)| !identifier.is_empty() && !name.is_empty());
    let declarable =
        (provider.provider_type != ProviderType::Cognito || cognito_form) && named.is_none();
    let suggestion = named.or_else(|| near_miss(product, &inventory.tokens));
    let help = match (suggestion.clone(), declarable) {
        (Some((scope, why)), true) => format!(
            "the closest declared scope is `{scope}` ({why}): write `apiProductId: {scope}`, or \
             declare `{product}` at {}",
            provider.name
        ),
        (Some((scope, why)), false) => format!("write `apiProductId: {scope}` ({why})"),
        (None, true) => format!(
            "declare the scope `{product}` at {} and list it under `scopes:` in portico.yaml",
            provider.name
        ),
        (None, false) => "Cognito tokens carry `<resource server identifier>/<scope>`: write the \
                          full form as `apiProductId`"
            .to_owned(),
    };
    (help, suggestion.map(|(scope, _)| scope))
}

/// The help for a product whose scope an Entra application other than the configured resource
/// declares: either `resourceServer` names no application of the sources (a wrong App ID URI),
/// or the scope sits in another application than the products' one.
fn other_application_help(
    provider: &IdentityProvider,
    inventory: &Inventory,
    product: &str,
    scope: &str,
    app: &OtherApplication,
) -> String {
    let configured = provider.resource_server.as_deref().unwrap_or_default();
    let owner = if app.app_id_uris.is_empty() {
        "an Entra application without identifierUris".to_owned()
    } else {
        let uris: Vec<String> = app.app_id_uris.iter().map(|u| format!("`{u}`")).collect();
        format!(
            "the Entra application with identifierUris {}",
            uris.join(", ")
        )
    };
    let bare = if scope == product {
        String::new()
    } else {
        format!("; then write `apiProductId: {scope}`, the bare value tokens carry")
    };
    if inventory.app_id_uris.contains(configured) {
        // The configured application exists: the scope is in the wrong one.
        return format!(
            "`{scope}` is declared by {owner}, not by the one with `{configured}` (resourceServer \
             of {}); a token is issued for one resource and never carries another application's \
             scopes: declare `{scope}` in the application with `{configured}`{bare}",
            provider.name
        );
    }
    // No application has the configured App ID URI: most likely `resourceServer` is wrong.
    let fix = match app.app_id_uris.first() {
        Some(uri) => format!(
            "write `resourceServer: {uri}` in portico.yaml, or add `{configured}` to that \
             application's identifierUris"
        ),
        None => format!("give that application the App ID URI `{configured}`"),
    };
    format!(
        "`{scope}` is declared by {owner}, but {} is configured with resourceServer \
         `{configured}`, which no application in its scope sources has: {fix}{bare}",
        provider.name
    )
}
