use crate::checks::Context;
use crate::checks::auth::token_urls;
use crate::checks::looks_templated;
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports a `remoteJwks.url` or JWT `issuer` that uses plain `http://`.
    ///
    /// ## Why is this bad?
    /// Signing keys fetched over plain HTTP can be replaced by anyone on the network path, who
    /// can then mint tokens the gateway accepts. Identity providers publish their issuer and
    /// JWKS over HTTPS; an `http://` issuer rarely equals the `iss` the tokens carry. Local
    /// development setups (an in-cluster Keycloak) are the usual exception: lower the severity
    /// for those in `portico.yaml`.
    ///
    /// ## Example
    /// ```yaml
    /// remoteJwks:
    ///   url: http://dev-1234567.okta.com/oauth2/default/v1/keys
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// remoteJwks:
    ///   url: https://dev-1234567.okta.com/oauth2/default/v1/keys
    /// ```
    code: "PC403",
    slug: "insecure-token-url",
    severity: Warning,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (meta, path, what, value) in token_urls(ctx.model) {
        if looks_templated(value) {
            continue;
        }
        let Ok(url) = url::Url::parse(value) else {
            continue;
        };
        if url.scheme() != "http" || url.host_str().is_none_or(str::is_empty) {
            continue;
        }
        out.push(
            Finding::new(
                format!("{what} `{value}` uses plain http"),
                ctx.span(meta, &path),
            )
            .help(format!(
                "use `https://{}`",
                value.trim_start_matches("http://")
            ))
            .about(&meta.id),
        );
    }
}
