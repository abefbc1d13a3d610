use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::load::embedded::map_scalar;
use crate::model::jwks::{self, JsonMember, JsonObject, inline_jwks};

crate::declare_rule! {
    /// ## What it does
    /// Reports a key of a `localJwks.inlineString` (in an ExtAuthPolicy's `glooAuth` or an
    /// AuthConfig) that holds private key material: `d` (the private exponent of an RSA key,
    /// the private scalar of an EC or OKP key), the RSA factors `p`, `q`, `dp`, `dq`, `qi`,
    /// `oth`, or the secret `k` of a symmetric `oct` key (RFC 7518 §6, RFC 8037 §2). Every
    /// object of the JSON text is read, also one under a member other than `keys` and one of
    /// a member written twice (`{"keys": [private], "keys": [public]}`), which JSON readers
    /// that keep the last of two members never show. It points at the first private member of
    /// the key. `portico build` writes only the public members of the keys in `keys` into the
    /// AuthConfigs, and refuses to build while this is reported.
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
    ///     {
    ///       "keys": [
    ///         {
    ///           "kty": "RSA",
    ///           "kid": "k1",
    ///           …
    ///           "e": "AQAB",
    ///           "d": "X4cTteJY_…",
    ///           "p": "83i-7IvMGXoM…",
    ///           …
    ///         }
    ///       ]
    ///     }
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
    code: "PC407",
    slug: "private-key-in-jwks",
    severity: Error,
    since: "0.1.0",
}

/// The finding for `which` key of an inline JWKS (`key 0 (`kid`)`, `the JWK Set object`), whose
/// private members `names` start at `span`.
fn finding(which: &str, names: &[&str], span: Span) -> Finding {
    let listed = names
        .iter()
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = if names.contains(&"k") {
        "an `oct` key is a shared secret: anyone who reads it can sign tokens. Rotate it, sign \
         with an asymmetric key (RS256, ES256) and put only its public half here"
    } else {
        "keep only the public members (RSA: `kty`, `kid`, `n`, `e`; EC: `crv`, `x`, `y`; OKP: \
         `crv`, `x`), and rotate this key: whoever reads the repository can sign tokens with it"
    };
    Finding::new(
        format!(
            "{which} of the inline JWKS holds private key material ({listed}): a private key is \
             committed to the repository"
        ),
        span,
    )
    .label("private")
    .help(help)
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (meta, path, text) in inline_jwks(ctx.model) {
        // Every object of the text, members written twice included: serde_json keeps only the
        // last of two `keys`, so a private key in the first, or under a member nothing reads,
        // went unseen.
        let objects = jwks::objects(text);
        let private: Vec<(&JsonObject, Vec<&JsonMember>)> = objects
            .iter()
            // The entries of `oth` (RFC 7518 §6.3.2.7: `r`, `d`, `t` of further primes) are
            // part of the key that holds them, which is reported for its `oth`.
            .filter(|o| !o.pointer.contains("/oth/"))
            .map(|o| (o, o.private_members()))
            .filter(|(_, members)| !members.is_empty())
            .collect();
        if private.is_empty() {
            continue;
        }
        let Some(found) = ctx.node(meta, &path) else {
            continue;
        };
        let file = found.file(meta.file);
        let map = map_scalar(ctx.repo.sources.get(file), found.node);
        for (object, members) in private {
            let range = members[0].name_span.clone();
            let start = map.file_offset(range.start);
            let end = if map.is_exact() {
                map.file_offset(range.end).max(start)
            } else {
                start
            };
            let mut which = match object.pointer.strip_prefix("/keys/") {
                Some(i) if i.parse::<usize>().is_ok() => format!("key {i}"),
                _ if object.pointer.is_empty() => "the JWK Set object".to_string(),
                _ => format!("the object at `{}`", object.pointer),
            };
            if let Some(kid) = object.scalar("kid") {
                which.push_str(&format!(" (`{kid}`)"));
            }
            let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
            let span = Span::new(file, start..end);
            out.push(finding(&which, &names, span).about(&meta.id));
        }
    }
}
