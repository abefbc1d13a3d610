use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
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
    /// inlineString: |
    ///   {
    ///     "keys": [
    ///       {
    ///         "kty": "RSA",
    ///         "kid": "enc1",
    ///         "use": "enc",
    ///         …
    ///       },
    ///       {
    ///         "kty": "RSA",
    ///         "kid": "enc2",
    ///         "alg": "RSA-OAEP",
    ///         …
    ///       }
    ///     ]
    ///   }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// inlineString: |
    ///   {
    ///     "keys": [
    ///       {
    ///         "kty": "RSA",
    ///         "kid": "k1",
    ///         "use": "sig",
    ///         "alg": "RS256",
    ///         …
    ///       }
    ///     ]
    ///   }
    /// ```
    code: "PC405",
    slug: "jwks-without-signing-key",
    severity: Warning,
    since: "0.1.0",
}

/// The finding for the inline JWKS at `span`, whose `keys` keys all encrypt.
fn finding(keys: usize, span: Span) -> Finding {
    Finding::new(
        format!(
            "none of the {keys} key(s) of the inline JWKS can verify signatures: all are \
             encryption keys"
        ),
        span,
    )
    .help("copy the provider's signing key (`\"use\": \"sig\"`, an alg such as RS256 or ES256)")
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (meta, path, _) in inline_jwks(ctx.model) {
        let Some(analysis) = ctx.facts.jwks_at(meta, &path) else {
            continue;
        };
        if !analysis.problems.is_empty() || analysis.keys == 0 || analysis.signing_keys > 0 {
            continue;
        }
        out.push(finding(analysis.keys, ctx.span(meta, &path)).about(&meta.id));
    }
}
