use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::load::embedded::map_scalar;
use crate::model::jwks::inline_jwks;

crate::declare_rule! {
    /// ## What it does
    /// Reports a `localJwks.inlineString` that is not a usable JWKS: not JSON (unquoted or
    /// single-quoted keys are a common slip), not an object with a `keys` list, a key without
    /// `kty` or `kid`, a key whose parameters do not form a valid JWK, or a member written
    /// twice in one object (RFC 7517 §4 and §5 require unique member names). The position
    /// points inside the JSON text.
    ///
    /// ## Why is this bad?
    /// The ext auth service rejects the AuthConfig ("invalid character … looking for beginning
    /// of object key string") or ignores the key, and every request on the protected routes is
    /// denied. Of a member written twice, serde_json and Go's `encoding/json` keep the last
    /// (golang/go#24415), other readers the first or an error (RFC 8259 §4): what is used is
    /// not what the text shows first (a private key in the first `keys` went unseen this way).
    ///
    /// ## Example
    /// ```yaml
    /// localJwks:
    ///   inlineString: |
    ///     {keys: [{kty: RSA, kid: k1, use: sig, alg: RS256,
    ///       n: "nxmG2hr_…",
    ///       e: AQAB}]}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// localJwks:
    ///   inlineString: |
    ///     {
    ///       "keys": [
    ///         {
    ///           "kty": "RSA",
    ///           "kid": "k1",
    ///           "use": "sig",
    ///           "alg": "RS256",
    ///           "n": "nxmG2hr_…",
    ///           "e": "AQAB"
    ///         }
    ///       ]
    ///     }
    /// ```
    code: "PC404",
    slug: "invalid-inline-jwks",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (meta, path, _) in inline_jwks(ctx.model) {
        let Some(analysis) = ctx.facts.jwks_at(meta, &path) else {
            continue;
        };
        if analysis.problems.is_empty() {
            continue;
        }
        let Some(found) = ctx.node(meta, &path) else {
            continue;
        };
        let file = found.file(meta.file);
        let map = map_scalar(ctx.repo.sources.get(file), found.node);
        for problem in &analysis.problems {
            let start = map.file_offset(problem.range.start);
            let end = if map.is_exact() {
                map.file_offset(problem.range.end).max(start)
            } else {
                start
            };
            out.push(
                Finding::new(problem.message.clone(), Span::new(file, start..end))
                    .help(problem.help.clone())
                    .about(&meta.id),
            );
        }
    }
}
