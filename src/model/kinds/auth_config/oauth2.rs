//! `oauth2` and its `accessTokenValidation`: access tokens checked by introspection, as JWTs
//! against local or remote keys, or through userinfo, and the claims copied into headers.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use super::authorization_code::{OidcAuthorizationCode, PlainOAuth2};
use super::{AzureConfig, ClaimToHeader, EmptyMessage, ResourceRef};
use crate::model::kinds::common::StringMap;

/// `oauth2`: one of the fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OAuth2 {
    /// Validation of access tokens presented on the request.
    pub access_token_validation: Option<AccessTokenValidation>,
    /// Plain OAuth2 authorization code flow (tech preview).
    pub oauth2: Option<PlainOAuth2>,
    /// OIDC authorization code flow.
    pub oidc_authorization_code: Option<OidcAuthorizationCode>,
}

/// `accessTokenValidation`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AccessTokenValidation {
    /// Azure group claims lookup.
    pub azure: Option<AzureConfig>,
    /// How long introspection and userinfo responses are cached; defaults to 10m.
    pub cache_timeout: Option<String>,
    /// Claims copied into upstream request headers.
    pub claims_to_headers: Vec<ClaimToHeader>,
    /// Default scope validation; takes no fields.
    pub default: Option<EmptyMessage>,
    /// Claims copied into dynamic metadata.
    pub dynamic_metadata_from_claims: StringMap,
    /// Token introspection (RFC 7662).
    pub introspection: Option<IntrospectionValidation>,
    /// Deprecated introspection URL; prefer `introspection`.
    pub introspection_url: Option<String>,
    /// JWT validation.
    pub jwt: Option<JwtValidation>,
    /// `{scope: [...]}`; kept raw so the bare-list mistake can be reported, not rejected.
    #[schemars(with = "Option<RequiredScopes>")]
    pub required_scopes: Option<Json>,
    /// Userinfo URL.
    pub userinfo_url: Option<String>,
}

/// `requiredScopes`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RequiredScopes {
    /// The token must have all of these scopes.
    pub scope: Vec<String>,
}

/// `accessTokenValidation.introspection`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["introspectionUrl"]))]
pub struct IntrospectionValidation {
    /// Client ID, if the endpoint requires client authentication.
    pub client_id: Option<String>,
    /// Secret holding the client secret.
    pub client_secret_ref: Option<ResourceRef>,
    /// Allow a client ID without a client secret.
    pub disable_client_secret: Option<bool>,
    /// Token introspection endpoint.
    #[schemars(required)]
    pub introspection_url: Option<String>,
    /// Response attribute holding the user ID, e.g. `sub`.
    pub user_id_attribute_name: Option<String>,
}

/// `jwt` under `accessTokenValidation`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct JwtValidation {
    /// Allowed `aud` values.
    pub audiences: Vec<String>,
    /// Expected `iss`; empty means not checked.
    pub issuer: Option<String>,
    /// Keys inline.
    pub local_jwks: Option<LocalJwks>,
    /// Keys fetched from a URL.
    pub remote_jwks: Option<RemoteJwks>,
}

/// `localJwks`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["inlineString"]))]
pub struct LocalJwks {
    /// The JWKS as a JSON string.
    #[schemars(required)]
    pub inline_string: Option<String>,
}

/// `remoteJwks`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["url"]))]
pub struct RemoteJwks {
    /// Refresh interval (a duration such as `5m`); defaults to 5 minutes.
    pub refresh_interval: Option<String>,
    /// Where the keys are.
    #[schemars(required)]
    pub url: Option<String>,
}
