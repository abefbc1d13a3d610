use crate::checks::Context;
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Reports an ExtAuthPolicy that validates JWTs but links to none of the identity providers
    /// in `portico.yaml`: neither its `remoteJwks.url` equals a provider's `jwksUri` nor its
    /// `jwt.issuer` a provider's `issuer`. Only reported when several providers are configured;
    /// with one, every JWT policy is linked to it.
    ///
    /// ## Why is this bad?
    /// portico cannot tell which scopes the policy's tokens carry, so its products' scopes go
    /// unchecked. Usually the URL differs in a detail (`/v1/keys` vs `/keys`, a trailing slash,
    /// another authorization server) — which may also mean the policy fetches keys from the
    /// wrong place.
    ///
    /// ## Example
    /// ```yaml
    /// remoteJwks:
    ///   url: https://dev-1234567.okta.com/oauth2/default/v1/key
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// remoteJwks:
    ///   url: https://dev-1234567.okta.com/oauth2/default/v1/keys
    /// ```
    code: "PC304",
    slug: "policy-without-provider",
    severity: Warning,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let providers = &ctx.config.settings.identity_providers;
    if providers.len() < 2 {
        return;
    }
    let links = &ctx.facts.links;
    for (i, policy) in ctx.model.ext_auth_policies.iter().enumerate() {
        if links.get(i).copied().flatten().is_some() {
            continue;
        }
        let jwt = crate::model::access_token_validations(ctx.model)
            .find(|(meta, _, atv)| meta.id == policy.meta.id && atv.jwt.is_some());
        let Some((meta, base, _)) = jwt else { continue };
        let urls: Vec<String> = providers
            .iter()
            .filter_map(|p| p.jwks_uri.as_ref().map(|u| format!("`{u}` ({})", p.name)))
            .collect();
        let mut finding = Finding::new(
            format!(
                "{} validates JWTs from none of the identity providers in portico.yaml",
                meta.id
            ),
            ctx.span(meta, &format!("{base}/jwt")),
        )
        .help(if urls.is_empty() {
            "set `jwksUri` or `issuer` of the provider in portico.yaml to what the policy uses"
                .to_owned()
        } else {
            format!(
                "providers' JWKS URLs: {}; fix the policy or the provider's `jwksUri`/`issuer`",
                urls.join(", ")
            )
        })
        .about(&meta.id);
        if let (Some(file), Some(range)) =
            (ctx.config.file, ctx.config.key_span("/identityProviders"))
        {
            finding = finding.related(Span::new(file, range), "identity providers");
        }
        out.push(finding);
    }
}
