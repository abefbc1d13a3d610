//! Identity providers (PRODUCT §2–§3): which provider issues the tokens each ExtAuthPolicy
//! validates, and the exact scope strings its tokens carry for the scopes declared in
//! `portico.yaml`.

use std::collections::BTreeSet;

use crate::config::{IdentityProvider, ProviderType};

use super::Model;
use super::kinds::JwtValidation;

/// For each ExtAuthPolicy (same order as [`Model::ext_auth_policies`]), the index of its
/// provider in `providers`: the one whose `jwksUri` equals the policy's `remoteJwks.url` or
/// whose `issuer` equals its `jwt.issuer`; with a single provider, every policy that
/// validates JWTs. `None` when no provider matches or the policy validates no JWT.
#[must_use]
pub fn link_policies(model: &Model, providers: &[IdentityProvider]) -> Vec<Option<usize>> {
    model
        .ext_auth_policies
        .iter()
        .map(|policy| {
            let jwts: Vec<&JwtValidation> = policy
                .spec
                .config
                .iter()
                .filter_map(|c| c.gloo_auth.as_ref())
                .flat_map(|g| g.configs.iter())
                .filter_map(|step| {
                    step.oauth2
                        .as_ref()?
                        .access_token_validation
                        .as_ref()?
                        .jwt
                        .as_ref()
                })
                .collect();
            if jwts.is_empty() {
                return None;
            }
            let by_url = providers.iter().position(|p| {
                jwts.iter().any(|j| {
                    let url = j.remote_jwks.as_ref().and_then(|r| r.url.as_deref());
                    (p.jwks_uri.is_some() && p.jwks_uri.as_deref() == url)
                        || (p.issuer.is_some() && p.issuer.as_deref() == j.issuer.as_deref())
                })
            });
            by_url.or_else(|| (providers.len() == 1).then_some(0))
        })
        .collect()
}

/// The scope strings a token of `provider` carries for its declared scopes, or `None` when the
/// inventory is unknown: nothing declared inline, or scope source files that portico does not
/// read yet (then a scope absent from the inline list may be declared there).
#[must_use]
pub fn token_scopes(provider: &IdentityProvider) -> Option<BTreeSet<String>> {
    if provider.scopes.is_empty() || !provider.scope_sources.is_empty() {
        return None;
    }
    Some(
        provider
            .scopes
            .iter()
            .map(|s| token_scope(provider, s))
            .collect(),
    )
}

/// The string a token carries for declared scope `name`: Cognito prefixes the resource
/// server identifier (`https://api.example.com/tracks`) unless the declaration is already the
/// full form; every other provider carries the name as declared.
#[must_use]
pub fn token_scope(provider: &IdentityProvider, name: &str) -> String {
    match (provider.provider_type, provider.resource_server.as_deref()) {
        (ProviderType::Cognito, Some(identifier)) if !name.contains('/') => {
            format!("{identifier}/{name}")
        }
        _ => name.to_owned(),
    }
}

/// The declared scope a product id most likely meant, with why: case only, http vs https, a
/// trailing slash, the bare name where the token carries `identifier/name` (and the reverse), or
/// a small typo. Returns the exact string to write as `apiProductId`.
#[must_use]
pub fn near_miss(product: &str, scopes: &BTreeSet<String>) -> Option<(String, &'static str)> {
    let lower = product.to_lowercase();
    for s in scopes {
        if s.to_lowercase() == lower {
            return Some((s.clone(), "scopes are case-sensitive"));
        }
    }
    let swapped = if let Some(rest) = product.strip_prefix("http://") {
        Some(format!("https://{rest}"))
    } else {
        product
            .strip_prefix("https://")
            .map(|rest| format!("http://{rest}"))
    };
    if let Some(swapped) = swapped.filter(|s| scopes.contains(s)) {
        return Some((swapped, "`http` and `https` are different scopes"));
    }
    for s in scopes {
        if s.trim_end_matches('/') == product.trim_end_matches('/')
            || s.replace("//", "/") == product.replace("//", "/")
        {
            return Some((s.clone(), "a slash is part of the scope string"));
        }
    }
    for s in scopes {
        if s.rsplit_once('/').is_some_and(|(_, name)| name == product) {
            return Some((
                s.clone(),
                "the token carries the scope with its resource server identifier",
            ));
        }
    }
    if let Some((_, name)) = product.rsplit_once('/')
        && scopes.contains(name)
    {
        return Some((name.to_owned(), "the token carries the bare scope name"));
    }
    crate::suggest::closest(product, scopes.iter().map(String::as_str))
        .map(|s| (s.to_owned(), "closest declared scope"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn near_misses() {
        let okta = set(&["petstore", "tracks"]);
        assert_eq!(
            near_miss("Tracks", &okta).map(|m| m.0),
            Some("tracks".into())
        );
        assert_eq!(
            near_miss("trakcs", &okta).map(|m| m.0),
            Some("tracks".into())
        );
        assert_eq!(
            near_miss("https://api.example.com/tracks", &okta).map(|m| m.0),
            Some("tracks".into())
        );
        let cognito = set(&["https://api.example.com/tracks"]);
        assert_eq!(
            near_miss("tracks", &cognito).map(|m| m.0),
            Some("https://api.example.com/tracks".into())
        );
        assert_eq!(
            near_miss("http://api.example.com/tracks", &cognito).map(|m| m.0),
            Some("https://api.example.com/tracks".into())
        );
        assert_eq!(
            near_miss("https://api.example.com//tracks", &cognito).map(|m| m.0),
            Some("https://api.example.com/tracks".into())
        );
        assert_eq!(near_miss("orders", &okta), None);
    }
}
