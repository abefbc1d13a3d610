use crate::checks::Context;
use crate::checks::auth::inline_jwks;
use crate::diagnostic::{Finding, Span};
use crate::emit::authconfig::private_jwk_members;
use crate::load::embedded::map_scalar;

crate::declare_rule! {
    /// ## What it does
    /// Reports a key of a `localJwks.inlineString` (in an ExtAuthPolicy's `glooAuth` or an
    /// AuthConfig) that holds private key material: `d` (the private exponent of an RSA key,
    /// the private scalar of an EC or OKP key), the RSA factors `p`, `q`, `dp`, `dq`, `qi`,
    /// `oth`, or the secret `k` of a symmetric `oct` key (RFC 7518 §6, RFC 8037 §2). It points
    /// at the first private member of the key. `portico build` leaves private members out of
    /// the AuthConfigs it writes, and refuses to build while this is reported.
    ///
    /// ## Why is this bad?
    /// A JWKS used to verify tokens needs only public keys. With the private half committed,
    /// anyone who can read the repository can sign tokens that the gateway accepts, with any
    /// scope; the key has to be rotated. An `oct` key is a shared secret: verifying with it
    /// means anyone holding the AuthConfig can sign.
    ///
    /// ## Example
    /// ```yaml
    /// localJwks:
    ///   inlineString: |
    ///     {"keys": [{"kty": "RSA", "kid": "k1", "n": "...", "e": "AQAB", "d": "...", "p": "..."}]}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// localJwks:
    ///   inlineString: |
    ///     {"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "n": "...", "e": "AQAB"}]}
    /// ```
    code: "PC407",
    slug: "private-key-in-jwks",
    severity: Error,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (meta, path, text) in inline_jwks(ctx.model) {
        // Decided on the text alone; the YAML is read again only to place a finding.
        let Ok(jwks) = serde_json::from_str::<serde_json::Value>(text) else {
            continue;
        };
        let Some(keys) = jwks.get("keys").and_then(serde_json::Value::as_array) else {
            continue;
        };
        let private: Vec<(usize, Vec<&'static str>, Option<&str>)> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, key)| {
                let members = private_jwk_members(key.as_object()?);
                let kid = key.get("kid").and_then(serde_json::Value::as_str);
                (!members.is_empty()).then_some((i, members, kid))
            })
            .collect();
        if private.is_empty() {
            continue;
        }
        let Some(found) = ctx.node(meta, &path) else {
            continue;
        };
        let map = map_scalar(ctx.repo.sources.get(meta.file), found.node);
        // JSON is YAML: the span-keeping loader gives positions inside the JWKS text.
        let file = crate::load::source::SourceFile::new(
            String::new(),
            std::path::PathBuf::new(),
            text.to_owned(),
        );
        let parsed = crate::load::yaml::parse(&file);
        let root = parsed.documents.first().map(|d| &d.root);
        for (i, members, kid) in private {
            let range = root.map_or(0..0, |r| {
                r.pointer_or_parent(&format!("/keys/{i}/{}", members[0]))
                    .key_or_value_span()
            });
            let start = map.file_offset(range.start);
            let end = if map.is_exact() {
                map.file_offset(range.end).max(start)
            } else {
                start
            };
            let which = kid.map_or_else(|| format!("key {i}"), |k| format!("key {i} (`{k}`)"));
            let listed = members
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let help = if members.contains(&"k") {
                "an `oct` key is a shared secret: anyone who reads it can sign tokens. Rotate it, sign with an asymmetric key (RS256, ES256) and put only its public half here"
            } else {
                "keep only the public members (RSA: `kty`, `kid`, `n`, `e`; EC: `crv`, `x`, `y`; OKP: `crv`, `x`), and rotate this key: whoever reads the repository can sign tokens with it"
            };
            out.push(
                Finding::new(
                    format!("{which} of the inline JWKS holds private key material ({listed}): a private key is committed to the repository"),
                    Span::new(meta.file, start..end),
                )
                .label("private")
                .help(help)
                .resource(meta.id.to_string()),
            );
        }
    }
}
