use crate::checks::Context;
use crate::diagnostic::Finding;
use crate::model::jwks::inline_jwks;

crate::declare_rule! {
    /// ## What it does
    /// Reports an inline JWKS whose keys are all encryption keys (`"use": "enc"`, or an
    /// encryption algorithm such as `RSA-OAEP`).
    ///
    /// ## Why is this bad?
    /// Gloo verifies JWT signatures only with signing keys and ignores the others. With no
    /// signing key left, no token can be verified and every request is denied. This happens
    /// when the wrong entry of the provider's JWKS (its encryption key) is copied.
    ///
    /// ## Example
    /// ```yaml
    /// inlineString: '{"keys": [{"kty": "RSA", "kid": "k1", "use": "enc", "alg": "RSA-OAEP", "n": "...", "e": "AQAB"}]}'
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// inlineString: '{"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": "...", "e": "AQAB"}]}'
    /// ```
    code: "PC405",
    slug: "jwks-without-signing-key",
    severity: Warning,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (meta, path, _) in inline_jwks(ctx.model) {
        let Some(analysis) = ctx.facts.jwks_at(meta, &path) else {
            continue;
        };
        if !analysis.problems.is_empty() || analysis.keys == 0 || analysis.signing_keys > 0 {
            continue;
        }
        out.push(
            Finding::new(
                format!("none of the {} key(s) of the inline JWKS can verify signatures: all are encryption keys", analysis.keys),
                ctx.span(meta, &path),
            )
            .help("copy the provider's signing key (`\"use\": \"sig\"`, an alg such as RS256 or ES256)")
            .resource(meta.id.to_string()),
        );
    }
}
