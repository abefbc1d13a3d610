use crate::checks::Context;
use crate::checks::auth::token_urls;
use crate::checks::looks_templated;
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports a `remoteJwks.url` that is not an absolute `https://` or `http://` URL, and a JWT
    /// `issuer` written as a URL (with `://`) that does not parse or has no host.
    ///
    /// ## Why is this bad?
    /// The ext auth service cannot fetch signing keys from a URL that does not parse, so every
    /// token fails validation and every request is denied. An issuer that is not the exact URL
    /// the identity provider puts in `iss` rejects every token the same way.
    ///
    /// ## Example
    /// ```yaml
    /// jwt:
    ///   remoteJwks:
    ///     url: dev-1234567.okta.com/oauth2/default/v1/keys
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// jwt:
    ///   remoteJwks:
    ///     url: https://dev-1234567.okta.com/oauth2/default/v1/keys
    /// ```
    code: "PC402",
    slug: "invalid-token-url",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (meta, path, what, value) in token_urls(ctx.model) {
        // RFC 7519 makes `iss` a StringOrURI: Google's ID tokens say `accounts.google.com`. An
        // issuer is only held to URL syntax when it is written as one.
        if looks_templated(value) || (what == "issuer" && !value.contains("://")) {
            continue;
        }
        let problem = match url::Url::parse(value) {
            Err(e) => Some(format!("{what} `{value}` is not a valid URL: {e}")),
            Ok(url) if !matches!(url.scheme(), "https" | "http") => {
                Some(format!("{what} `{value}` uses scheme `{}`", url.scheme()))
            }
            Ok(url) if url.host_str().is_none_or(str::is_empty) => {
                Some(format!("{what} `{value}` has no host"))
            }
            Ok(_) => None,
        };
        if let Some(message) = problem {
            let help = if !value.contains("://") {
                format!("write the full URL: `https://{value}`")
            } else {
                "use the absolute https URL published by the identity provider".to_owned()
            };
            out.push(
                Finding::new(message, ctx.span(meta, &path))
                    .help(help)
                    .about(&meta.id),
            );
        }
    }
}
