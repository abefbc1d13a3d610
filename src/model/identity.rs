//! Identity providers (PRODUCT §2–§3): which provider issues the tokens each ExtAuthPolicy
//! validates, and the exact scope strings its tokens carry for the scopes declared in
//! `portico.yaml`.

use std::collections::BTreeSet;

use std::ops::Range;

use crate::config::{IdentityProvider, ProviderType};
use crate::load::source::FileId;

use super::scopes::{LoadedSource, SourceState};

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

/// What a provider is known to declare and grant.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The scope strings its tokens can carry.
    pub tokens: BTreeSet<String>,
    /// Some declaration could not be resolved (a Terraform variable, an unresolvable `!Ref`):
    /// a scope absent from `tokens` may still exist.
    pub unknown: bool,
    /// `false` when the scopes come only from discovery metadata, which lists published
    /// scopes only.
    pub complete: bool,
    /// Scopes some client is granted, when a source shows grants (`*` grants everything).
    pub grants: Option<BTreeSet<String>>,
    /// Where each token scope is declared: file and byte range (`None` for inline scopes,
    /// which live in portico.yaml).
    pub declared_at: std::collections::BTreeMap<String, Option<(FileId, Range<usize>)>>,
    /// Resource server display names (Cognito `Name`) to their identifiers: the name is a
    /// common wrong prefix.
    pub resource_server_names: std::collections::BTreeMap<String, String>,
}

impl Inventory {
    /// The scope a product id meant when it uses a resource server's display name as prefix
    /// (`Example API/tracks` for `https://api.example.com/tracks`).
    #[must_use]
    pub fn name_prefix_fix(&self, product: &str) -> Option<String> {
        let (prefix, scope) = product.rsplit_once('/')?;
        let identifier = self.resource_server_names.get(prefix)?;
        let fixed = format!("{identifier}/{scope}");
        self.tokens.contains(&fixed).then_some(fixed)
    }
}

/// The provider's inventory from its inline `scopes:` and the sources read for it, or `None`
/// when it declares nothing at all (then nothing can be missing).
#[must_use]
pub fn inventory(
    provider: &IdentityProvider,
    provider_index: usize,
    sources: &[LoadedSource],
) -> Option<Inventory> {
    let mine: Vec<&LoadedSource> = sources
        .iter()
        .filter(|s| s.provider == provider_index)
        .collect();
    if provider.scopes.is_empty() && mine.is_empty() {
        return None;
    }
    let mut inv = Inventory {
        complete: !provider.scopes.is_empty(),
        ..Inventory::default()
    };
    for name in &provider.scopes {
        let token = token_scope(provider, name);
        inv.declared_at.entry(token.clone()).or_insert(None);
        inv.tokens.insert(token);
    }
    for loaded in mine {
        let SourceState::Read(source) = &loaded.state else {
            // A source that could not be read may declare anything.
            inv.unknown = true;
            continue;
        };
        inv.complete |= source.complete;
        for scope in &source.scopes {
            if !scope.enabled {
                continue;
            }
            let Some(name) = &scope.name else {
                inv.unknown = true;
                continue;
            };
            let token = match (
                provider.provider_type,
                scope
                    .resource_server
                    .as_deref()
                    .or(provider.resource_server.as_deref()),
            ) {
                (ProviderType::Cognito, _) if name.contains('/') => name.clone(),
                (ProviderType::Cognito, Some(identifier)) => format!("{identifier}/{name}"),
                (ProviderType::Cognito, None) => {
                    inv.unknown = true;
                    continue;
                }
                _ => name.clone(),
            };
            if let (Some(display), Some(identifier)) =
                (&scope.resource_server_name, &scope.resource_server)
            {
                inv.resource_server_names
                    .insert(display.clone(), identifier.clone());
            }
            if let Some(file) = loaded.file {
                inv.declared_at
                    .entry(token.clone())
                    .or_insert(Some((file, scope.span.clone())));
            }
            inv.tokens.insert(token);
        }
        if let Some(grants) = &source.grants {
            let set = inv.grants.get_or_insert_with(BTreeSet::new);
            for grant in grants {
                match &grant.scope {
                    Some(scope) => {
                        set.insert(scope.clone());
                    }
                    None => {
                        set.insert("*".to_owned());
                    }
                }
            }
        }
    }
    Some(inv)
}

/// The scope strings a token of `provider` carries for its inline `scopes:`, or `None` when
/// there are none.
#[must_use]
pub fn token_scopes(provider: &IdentityProvider) -> Option<BTreeSet<String>> {
    if provider.scopes.is_empty() {
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
        .map(|s| (s.to_owned(), "a small typo"))
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
