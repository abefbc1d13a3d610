//! The authorization code flows: `oauth2.oauth2` (plain OAuth2), `oauth2.oidcAuthorizationCode`
//! and the deprecated `oauth`, with the sessions, cookies and client authentication they use.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use super::{AuthRedisOptions, AzureConfig, ClaimToHeader, EmptyMessage, IntOrString, ResourceRef};
use crate::model::kinds::common::StringMap;

/// `oauth` (deprecated: prefer `oauth2`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["appUrl"]))]
pub struct OAuth {
    /// Public URL of the application.
    #[schemars(required)]
    pub app_url: Option<String>,
    /// Extra query parameters of the authorization request.
    pub auth_endpoint_query_params: StringMap,
    /// Callback path relative to `appUrl`.
    pub callback_path: Option<String>,
    /// Client ID registered with the issuer.
    pub client_id: Option<String>,
    /// Secret holding the client secret.
    pub client_secret_ref: Option<ResourceRef>,
    /// Issuer URL; discovery at `<issuerUrl>/.well-known/openid-configuration`.
    pub issuer_url: Option<String>,
    /// Scopes besides `openid`.
    pub scopes: Vec<String>,
}

/// `oauth2.oauth2`: plain OAuth2 authorization code flow.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend(
    "required" = ["clientId", "appUrl", "callbackPath", "authEndpoint", "tokenEndpoint"]
))]
pub struct PlainOAuth2 {
    /// Where to redirect after logout; defaults to `appUrl`.
    pub after_logout_url: Option<String>,
    /// Public URL of the application.
    #[schemars(required)]
    pub app_url: Option<String>,
    /// Authorization endpoint of the provider.
    #[schemars(required)]
    pub auth_endpoint: Option<String>,
    /// Extra query parameters of the authorization request.
    pub auth_endpoint_query_params: StringMap,
    /// Callback path relative to `appUrl`.
    #[schemars(required)]
    pub callback_path: Option<String>,
    /// Client ID registered with the issuer.
    #[schemars(required)]
    pub client_id: Option<String>,
    /// Secret holding the client secret.
    pub client_secret_ref: Option<ResourceRef>,
    /// Do not use a client secret.
    pub disable_client_secret: Option<bool>,
    /// Logout path relative to `appUrl`; no logout when unset.
    pub logout_path: Option<String>,
    /// Token revocation endpoint of the provider (RFC 7009).
    pub revocation_endpoint: Option<String>,
    /// Scopes to request.
    pub scopes: Vec<String>,
    /// User session.
    pub session: Option<UserSession>,
    /// Token endpoint of the provider.
    #[schemars(required)]
    pub token_endpoint: Option<String>,
    /// Extra query parameters of the token request.
    pub token_endpoint_query_params: StringMap,
}

/// `session`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct UserSession {
    /// Encryption of the session cookie values.
    pub cipher_config: Option<SessionCipherConfig>,
    /// Tokens kept in the cookie itself.
    pub cookie: Option<CookieSession>,
    /// Set-Cookie options.
    pub cookie_options: Option<SessionCookieOptions>,
    /// Fail the request when the session cannot be fetched.
    pub fail_on_fetch_failure: Option<bool>,
    /// Tokens kept in Redis, a session ID in the cookie.
    pub redis: Option<RedisSession>,
}

/// `session.cipherConfig`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SessionCipherConfig {
    /// Secret of type `gloo.solo.io.EncryptionKeySecret` holding a 32-byte key.
    pub key_ref: Option<ResourceRef>,
}

/// `session.cookie`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct CookieSession {
    /// Refresh expired ID tokens with the refresh token; defaults to false.
    pub allow_refreshing: Option<bool>,
    /// Prefix of the cookie keys.
    pub key_prefix: Option<String>,
    /// Domain the request host must match (RFC 6265).
    pub target_domain: Option<String>,
}

/// `session.cookieOptions`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SessionCookieOptions {
    /// Cookie domain.
    pub domain: Option<String>,
    /// HttpOnly; defaults to true.
    pub http_only: Option<bool>,
    /// Max age in seconds; defaults to 30 days, 0 disables expiry.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub max_age: Option<u32>,
    /// Non-secure cookie (testing only).
    pub not_secure: Option<bool>,
    /// Cookie path; defaults to `/`.
    pub path: Option<String>,
    /// `DefaultMode`, `LaxMode`, `StrictMode` or `NoneMode` (protobuf enum: name or number).
    #[schemars(with = "Option<IntOrString>")]
    pub same_site: Option<Json>,
}

/// `session.redis`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RedisSession {
    /// Refresh expired ID tokens with the refresh token; defaults to true.
    pub allow_refreshing: Option<bool>,
    /// Cookie holding the session ID; defaults to `__session`.
    pub cookie_name: Option<String>,
    /// Header sending the session ID to the token endpoint.
    pub header_name: Option<String>,
    /// Key prefix inside Redis.
    pub key_prefix: Option<String>,
    /// Connection to Redis.
    pub options: Option<AuthRedisOptions>,
    /// Refresh ID tokens this long before they expire; defaults to 2s.
    pub pre_expiry_buffer: Option<String>,
    /// Domain the request host must match (RFC 6265).
    pub target_domain: Option<String>,
}

/// `oauth2.oidcAuthorizationCode`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["clientId", "issuerUrl", "appUrl", "callbackPath"]))]
pub struct OidcAuthorizationCode {
    /// Access token claims copied into headers.
    pub access_token: Option<TokenClaimsToHeaders>,
    /// Where to redirect after logout; defaults to `appUrl`.
    pub after_logout_url: Option<String>,
    /// Public URL of the application.
    #[schemars(required)]
    pub app_url: Option<String>,
    /// Extra query parameters of the authorization request.
    pub auth_endpoint_query_params: StringMap,
    /// Fill the endpoint query parameters from dynamic metadata.
    pub auto_map_from_metadata: Option<AutoMapFromMetadata>,
    /// Azure group claims lookup.
    pub azure: Option<AzureConfig>,
    /// Callback path relative to `appUrl`.
    #[schemars(required)]
    pub callback_path: Option<String>,
    /// How the client authenticates to the token endpoint.
    pub client_authentication: Option<OidcClientAuthentication>,
    /// Client ID registered with the issuer.
    #[schemars(required)]
    pub client_id: Option<String>,
    /// Deprecated: use `clientAuthentication.clientSecret.clientSecretRef`.
    pub client_secret_ref: Option<ResourceRef>,
    /// Default provider behaviour; takes no fields.
    pub default: Option<EmptyMessage>,
    /// Deprecated: use `clientAuthentication.clientSecret.disableClientSecret`.
    pub disable_client_secret: Option<bool>,
    /// Overrides of the discovered OIDC configuration.
    pub discovery_override: Option<DiscoveryOverride>,
    /// How often the OIDC configuration is discovered; defaults to 30m.
    pub discovery_poll_interval: Option<String>,
    /// ID token claims copied into dynamic metadata.
    pub dynamic_metadata_from_claims: StringMap,
    /// End session endpoint request.
    pub end_session_properties: Option<EndSessionProperties>,
    /// OIDC front-channel logout.
    pub front_channel_logout: Option<FrontChannelLogout>,
    /// Headers forwarding the tokens upstream.
    pub headers: Option<OidcHeaderConfiguration>,
    /// ID token claims copied into headers.
    pub identity_token: Option<TokenClaimsToHeaders>,
    /// Issuer URL; discovery at `<issuerUrl>/.well-known/openid-configuration`.
    #[schemars(required)]
    pub issuer_url: Option<String>,
    /// What to do with a token signed by a key not in the cached JWKS.
    pub jwks_cache_refresh_policy: Option<JwksOnDemandCacheRefreshPolicy>,
    /// Logout path relative to `appUrl`; no logout when unset.
    pub logout_path: Option<String>,
    /// Treat `callbackPath` as a regular expression.
    pub parse_callback_path_as_regex: Option<bool>,
    /// Scopes besides `openid`.
    pub scopes: Vec<String>,
    /// User session.
    pub session: Option<UserSession>,
    /// Deprecated: use `session.redis.headerName`.
    pub session_id_header_name: Option<String>,
    /// Extra query parameters of the token request.
    pub token_endpoint_query_params: StringMap,
}

/// `accessToken` / `identityToken`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenClaimsToHeaders {
    /// Claims copied into upstream request headers.
    pub claims_to_headers: Vec<ClaimToHeader>,
}

/// `autoMapFromMetadata`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AutoMapFromMetadata {
    /// Metadata namespace; defaults to `solo_authconfig_oidc`.
    pub namespace: Option<String>,
}

/// `clientAuthentication`: one of the fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OidcClientAuthentication {
    /// Client secret authentication.
    pub client_secret: Option<ClientSecretAuthentication>,
    /// Private key JWT authentication.
    pub private_key_jwt: Option<PrivateKeyJwt>,
}

/// `clientAuthentication.clientSecret`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ClientSecretAuthentication {
    /// Secret holding the client secret.
    pub client_secret_ref: Option<ResourceRef>,
    /// Do not use a client secret (some PKCE flows).
    pub disable_client_secret: Option<bool>,
}

/// `clientAuthentication.privateKeyJwt`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["signingKeyRef"]))]
pub struct PrivateKeyJwt {
    /// Secret holding the key that signs the client's JWT.
    #[schemars(required)]
    pub signing_key_ref: Option<ResourceRef>,
    /// How long the JWT is valid; defaults to 5s.
    pub valid_for: Option<String>,
}

/// `discoveryOverride`: values used instead of the discovered ones.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct DiscoveryOverride {
    /// Authorization endpoint.
    pub auth_endpoint: Option<String>,
    /// Client authentication methods of the token endpoint.
    pub auth_methods: Vec<String>,
    /// Claim types.
    pub claims: Vec<String>,
    /// End session endpoint.
    pub end_session_endpoint: Option<String>,
    /// ID token signing algorithms.
    pub id_token_algs: Vec<String>,
    /// JWKS URL.
    pub jwks_uri: Option<String>,
    /// Response types.
    pub response_types: Vec<String>,
    /// Token revocation endpoint.
    pub revocation_endpoint: Option<String>,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Subject identifier types.
    pub subjects: Vec<String>,
    /// Token endpoint.
    pub token_endpoint: Option<String>,
}

/// `endSessionProperties`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct EndSessionProperties {
    /// `GetMethod` (default) or `PostMethod` (protobuf enum: name or number).
    #[schemars(with = "Option<IntOrString>")]
    pub method_type: Option<Json>,
}

/// `frontChannelLogout`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct FrontChannelLogout {
    /// Front-channel logout path relative to `appUrl`.
    pub path: Option<String>,
}

/// `oidcAuthorizationCode.headers`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OidcHeaderConfiguration {
    /// Header forwarding the access token upstream.
    pub access_token_header: Option<String>,
    /// Header forwarding the ID token upstream.
    pub id_token_header: Option<String>,
    /// Prefix the access token header value with `Bearer`.
    pub use_bearer_schema_for_authorization: Option<bool>,
}

/// `jwksCacheRefreshPolicy`: one of the fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct JwksOnDemandCacheRefreshPolicy {
    /// Always fetch the JWKS on an unknown key (trusted environments only); takes no fields.
    pub always: Option<EmptyMessage>,
    /// Fetch on an unknown key, at most this often per polling interval.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub max_idp_req_per_polling_interval: Option<u32>,
    /// Never fetch on an unknown key (the default); takes no fields.
    pub never: Option<EmptyMessage>,
}
