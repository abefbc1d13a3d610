//! The token profiles of the matrix (PRODUCT §7) and the access token an identity provider
//! would issue for each: no product scope, the route's own product scope, another product's,
//! and every product scope of the policy.

use std::sync::Arc;

use serde_json::{Value as Json, json};

use crate::config::{IdentityProvider, ProviderType};

/// The scopes of a token, shared by every decision made with it.
pub(super) type Scopes = Arc<[Arc<str>]>;

/// Most token profiles evaluated per route (see [`profiles`]).
pub(super) const MAX_PROFILES: usize = 4;

/// The token scopes of each profile of a product's routes (see [`super::Decision::profile`]). At
/// most four per route keep the matrix linear in the routes: none, its own scope, one other
/// product's scope (the next in order), and all the policy's product scopes (`ordered`, more
/// than one, or this profile is left out).
pub(super) fn profiles(
    product: &Arc<str>,
    ordered: &[Arc<str>],
    all: &Arc<[Arc<str>]>,
) -> Vec<Scopes> {
    let mut out = vec![Arc::from(Vec::new()), Arc::from(vec![product.clone()])];
    if ordered.len() > 1
        && let Some(position) = ordered.iter().position(|p| p == product)
        && let Some(other) = ordered.get((position + 1) % ordered.len())
    {
        out.push(Arc::from(vec![other.clone()]));
        out.push(all.clone());
    }
    out
}

/// The claims of an access token the provider would issue with these scopes.
pub(super) fn token_claims(provider: Option<&IdentityProvider>, scopes: &[String]) -> Json {
    let joined = scopes.join(" ");
    let issuer = provider
        .and_then(|p| p.issuer.clone())
        .unwrap_or_else(|| "https://issuer.example.com".to_string());
    let mut claims = json!({
        "iss": issuer,
        "sub": "portico-synthetic-user",
        "iat": 1_700_000_000,
        "exp": 4_102_444_800_i64,
    });
    let Json::Object(map) = &mut claims else {
        return claims;
    };
    match provider.map(|p| p.provider_type) {
        Some(ProviderType::Okta) => {
            map.insert("scp".to_string(), json!(scopes));
            map.insert("cid".to_string(), json!("portico-client"));
            map.insert("uid".to_string(), json!("portico-user"));
        }
        Some(ProviderType::Entra) => {
            map.insert("scp".to_string(), json!(joined));
            map.insert("azp".to_string(), json!("portico-client"));
        }
        Some(ProviderType::Cognito) => {
            map.insert("scope".to_string(), json!(joined));
            map.insert("client_id".to_string(), json!("portico-client"));
            map.insert("token_use".to_string(), json!("access"));
        }
        _ => {
            map.insert("scope".to_string(), json!(joined));
            map.insert("client_id".to_string(), json!("portico-client"));
        }
    }
    claims
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shapes_follow_the_provider() {
        let provider = |t| IdentityProvider {
            name: "p".to_string(),
            provider_type: t,
            issuer: None,
            jwks_uri: None,
            resource_server: None,
            scopes: Vec::new(),
            scope_sources: Vec::new(),
        };
        let scopes = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            token_claims(Some(&provider(ProviderType::Okta)), &scopes)["scp"],
            json!(["a", "b"])
        );
        assert_eq!(
            token_claims(Some(&provider(ProviderType::Entra)), &scopes)["scp"],
            json!("a b")
        );
        assert_eq!(
            token_claims(Some(&provider(ProviderType::Cognito)), &scopes)["scope"],
            json!("a b")
        );
        assert!(
            token_claims(Some(&provider(ProviderType::Okta)), &scopes)
                .get("scope")
                .is_none()
        );
    }
}
