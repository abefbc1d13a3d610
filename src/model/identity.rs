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
                .gloo_auth()
                .into_iter()
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
    /// Entra, with an App ID URI configured: scopes declared by applications whose
    /// `identifierUris` do not hold it. They are not in `tokens`: a token is issued for one
    /// resource and never carries another application's scopes.
    pub other_applications: std::collections::BTreeMap<String, OtherApplication>,
    /// Entra: every App ID URI of the applications the sources declare, to tell a mistyped
    /// `resourceServer` apart from a scope declared in the wrong application.
    pub app_id_uris: BTreeSet<String>,
}

/// A scope an Entra provider's tokens cannot carry because another application declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherApplication {
    /// The `identifierUris` of the application that declares the scope.
    pub app_id_uris: Vec<String>,
    /// Where the scope is declared.
    pub declared_at: Option<(FileId, Range<usize>)>,
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

    /// Entra: the bare scope value a product id written in request form stands for
    /// (`api://portal/tracks` → `tracks`). Clients request `<App ID URI>/<value>`, but the
    /// token's `scp` holds only `value`, and that is what the policy compares with.
    #[must_use]
    pub fn entra_bare_value(&self, provider: &IdentityProvider, product: &str) -> Option<String> {
        if provider.provider_type != ProviderType::Entra {
            return None;
        }
        let (_, value) = product.rsplit_once('/')?;
        self.tokens.contains(value).then(|| value.to_owned())
    }

    /// Entra: the application (other than the configured resource) that declares the scope a
    /// product id names, either as written or as its bare value.
    #[must_use]
    pub fn other_application(&self, product: &str) -> Option<(&str, &OtherApplication)> {
        let bare = product.rsplit_once('/').map_or(product, |(_, value)| value);
        [product, bare]
            .into_iter()
            .find_map(|p| self.other_applications.get_key_value(p))
            .map(|(scope, app)| (scope.as_str(), app))
    }
}

/// Entra, with an App ID URI configured: the `identifierUris` of the application declaring
/// `scope` when they are all known and none is the configured one. A scope whose application is
/// unknown (another format, a Terraform variable) is assumed to belong to the configured
/// resource: unknown is never missing.
fn other_application_uris(
    provider: &IdentityProvider,
    scope: &super::scopes::DeclaredScope,
) -> Option<Vec<String>> {
    if provider.provider_type != ProviderType::Entra {
        return None;
    }
    let configured = provider.resource_server.as_deref()?;
    let uris = scope
        .app_id_uris
        .as_ref()?
        .iter()
        .cloned()
        .collect::<Option<Vec<String>>>()?;
    (!uris.iter().any(|u| u == configured)).then_some(uris)
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
            inv.app_id_uris
                .extend(scope.app_id_uris.iter().flatten().flatten().cloned());
            if !scope.enabled {
                continue;
            }
            if let Some(app_id_uris) = other_application_uris(provider, scope) {
                // Another resource's scope, even an unresolved one, is none of this provider's.
                if let Some(name) = &scope.name {
                    inv.other_applications
                        .entry(name.clone())
                        .or_insert_with(|| OtherApplication {
                            app_id_uris,
                            declared_at: loaded.file.map(|f| (f, scope.span.clone())),
                        });
                }
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
/// trailing slash, the bare name where the token carries `identifier/name` (and the reverse),
/// another word separator (`-` `_` `.` `:`), or a small typo. Returns the exact string to write
/// as `apiProductId`.
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
    // `-`, `_`, `.` and `:` are all common word separators in scope names.
    let separators = |s: &str| s.replace(['_', '.', ':'], "-");
    let normalised = separators(product);
    for s in scopes {
        if separators(s) == normalised {
            return Some((
                s.clone(),
                "`-`, `_`, `.` and `:` are different characters in a scope",
            ));
        }
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
        let auth0 = set(&["read:tracks", "petstore_v1"]);
        assert_eq!(
            near_miss("read-tracks", &auth0),
            Some((
                "read:tracks".into(),
                "`-`, `_`, `.` and `:` are different characters in a scope"
            ))
        );
        assert_eq!(
            near_miss("petstore.v1", &auth0).map(|m| m.0),
            Some("petstore_v1".into())
        );
    }

    use crate::model::scopes::{DeclaredScope, ScopeSource, SourceFormat};

    fn entra(resource_server: Option<&str>) -> IdentityProvider {
        IdentityProvider {
            name: "entra".into(),
            provider_type: ProviderType::Entra,
            issuer: None,
            jwks_uri: None,
            resource_server: resource_server.map(str::to_owned),
            scopes: Vec::new(),
            scope_sources: vec!["portal.json".into(), "billing.json".into()],
        }
    }

    /// An application's identifierUris (`None`: the source does not say; an entry `None`:
    /// unresolved) and its scope values.
    type App<'a> = (Option<&'a [Option<&'a str>]>, &'a [&'a str]);

    /// One Entra manifest per application.
    fn manifests(apps: &[App<'_>]) -> Vec<LoadedSource> {
        apps.iter()
            .enumerate()
            .map(|(entry, (uris, values))| {
                let uris: Option<Vec<Option<String>>> =
                    uris.map(|u| u.iter().map(|s| s.map(str::to_owned)).collect());
                let scopes = values
                    .iter()
                    .map(|v| DeclaredScope {
                        name: Some((*v).to_owned()),
                        resource_server: uris.iter().flatten().flatten().next().cloned(),
                        resource_server_name: None,
                        app_id_uris: uris.clone(),
                        enabled: true,
                        span: 0..v.len(),
                    })
                    .collect();
                LoadedSource {
                    provider: 0,
                    entry,
                    file: None,
                    state: SourceState::Read(ScopeSource {
                        format: SourceFormat::EntraManifest,
                        scopes,
                        grants: None,
                        complete: true,
                        problems: Vec::new(),
                    }),
                }
            })
            .collect()
    }

    fn tokens(inv: &Inventory) -> Vec<&str> {
        inv.tokens.iter().map(String::as_str).collect()
    }

    #[test]
    fn entra_matches_only_the_configured_application() {
        let sources = manifests(&[
            (
                Some(&[Some("api://0c7e9f5a"), Some("api://portal")]),
                &["tracks", "pets"],
            ),
            (Some(&[Some("api://billing")]), &["invoices"]),
        ]);
        let provider = entra(Some("api://portal"));
        let inv = inventory(&provider, 0, &sources).unwrap_or_default();
        // Any of the application's URIs selects it, not only the first.
        assert_eq!(tokens(&inv), ["pets", "tracks"]);
        assert!(!inv.unknown && inv.complete);
        let (scope, app) = inv.other_application("invoices").unwrap_or_else(|| {
            unreachable!("invoices belongs to api://billing");
        });
        assert_eq!(scope, "invoices");
        assert_eq!(app.app_id_uris, ["api://billing"]);
        assert!(inv.other_application("api://billing/invoices").is_some());
        assert!(inv.other_application("tracks").is_none());
        assert!(inv.app_id_uris.contains("api://portal"));
        assert_eq!(inv.app_id_uris.len(), 3);

        // The request form stands for the bare value the token carries.
        assert_eq!(
            inv.entra_bare_value(&provider, "api://portal/tracks"),
            Some("tracks".into())
        );
        assert_eq!(inv.entra_bare_value(&provider, "api://portal/orders"), None);
        assert_eq!(inv.entra_bare_value(&provider, "tracks"), None);
        let okta = IdentityProvider {
            provider_type: ProviderType::Okta,
            ..provider.clone()
        };
        assert_eq!(inv.entra_bare_value(&okta, "api://portal/tracks"), None);

        // Without a configured App ID URI every application's scopes count.
        let inv = inventory(&entra(None), 0, &sources).unwrap_or_default();
        assert_eq!(tokens(&inv), ["invoices", "pets", "tracks"]);
        assert!(inv.other_applications.is_empty());
    }

    #[test]
    fn entra_wrong_app_id_uri_leaves_no_scope() {
        let sources = manifests(&[(Some(&[Some("api://portal-api")]), &["tracks"])]);
        let inv = inventory(&entra(Some("api://portal")), 0, &sources).unwrap_or_default();
        assert!(inv.tokens.is_empty());
        assert!(inv.complete && !inv.unknown);
        assert!(!inv.app_id_uris.contains("api://portal"));
        assert!(inv.other_application("tracks").is_some());
    }

    #[test]
    fn entra_unknown_application_is_never_missing() {
        // An unresolved URI may be the configured one; a source without URIs (Terraform
        // `azuread_application_permission_scope`) does not say which application it is.
        let sources = manifests(&[
            (Some(&[None, Some("api://other")]), &["tracks"]),
            (None, &["pets"]),
        ]);
        let inv = inventory(&entra(Some("api://portal")), 0, &sources).unwrap_or_default();
        assert_eq!(tokens(&inv), ["pets", "tracks"]);
        assert!(inv.other_applications.is_empty());
    }
}
