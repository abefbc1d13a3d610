//! PC4xx: auth configuration.

pub mod credentials_in_url;
pub mod insecure_token_url;
pub mod invalid_inline_jwks;
pub mod invalid_token_url;
pub mod jwks_without_signing_key;
pub mod policy_applies_to_all_destinations;
pub mod private_key_in_jwks;
pub mod required_scopes_bare_list;

use crate::model::{Meta, Model, access_token_validations};

/// Every token URL (`remoteJwks.url`, `issuer`) with its resource, pointer and a name for it.
pub(crate) fn token_urls(model: &Model) -> Vec<(&Meta, String, &'static str, &str)> {
    let mut out = Vec::new();
    for (meta, base, atv) in access_token_validations(model) {
        let Some(jwt) = &atv.jwt else { continue };
        if let Some(url) = jwt.remote_jwks.as_ref().and_then(|r| r.url.as_deref()) {
            out.push((
                meta,
                format!("{base}/jwt/remoteJwks/url"),
                "remote JWKS URL",
                url,
            ));
        }
        if let Some(issuer) = jwt.issuer.as_deref().filter(|i| !i.is_empty()) {
            out.push((meta, format!("{base}/jwt/issuer"), "issuer", issuer));
        }
    }
    out
}
