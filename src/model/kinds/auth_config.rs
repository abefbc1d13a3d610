//! AuthConfig (enterprise.gloo.solo.io/v1) spec, also `ExtAuthPolicy.spec.config.glooAuth`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

/// `AuthConfig.spec`, also `ExtAuthPolicy.spec.config.glooAuth`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AuthConfigSpec {
    /// The auth steps.
    pub configs: Vec<AuthStep>,
    /// How the steps combine; unset means all must pass.
    pub boolean_expr: Option<String>,
    /// OIDC redirect becomes 401.
    pub fail_on_redirect: Option<bool>,
}

/// One entry of `configs`: a name and exactly one kind of step.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AuthStep {
    /// Name used in `booleanExpr`; defaults to `config_<index>`.
    pub name: Option<String>,
    /// OAuth2 / OIDC.
    pub oauth2: Option<OAuth2>,
    /// OPA with modules from ConfigMaps.
    pub opa_auth: Option<OpaAuth>,
    /// `basicAuth`, `apiKeyAuth`, `ldap`, `jwt`, `passThroughAuth`, `hmacAuth`, `opaServerAuth`,
    /// `pluginAuth`, `oauth`: accepted and kept.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// `oauth2`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OAuth2 {
    /// Access-token validation.
    pub access_token_validation: Option<AccessTokenValidation>,
    /// `oidcAuthorizationCode`, `oauth2`: kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// `accessTokenValidation`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AccessTokenValidation {
    /// JWT validation.
    pub jwt: Option<JwtValidation>,
    /// Introspection, kept raw.
    pub introspection: Option<Json>,
    /// Deprecated introspection URL.
    pub introspection_url: Option<String>,
    /// Userinfo URL.
    pub userinfo_url: Option<String>,
    /// `{scope: [...]}`; kept raw so the bare-list mistake can be reported, not rejected.
    pub required_scopes: Option<Json>,
    /// Claims copied into dynamic metadata.
    pub dynamic_metadata_from_claims: BTreeMap<String, String>,
    /// `cacheTimeout`, … kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// `jwt` under `accessTokenValidation`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct JwtValidation {
    /// Keys fetched from a URL.
    pub remote_jwks: Option<RemoteJwks>,
    /// Keys inline.
    pub local_jwks: Option<LocalJwks>,
    /// Expected `iss`; empty means not checked.
    pub issuer: Option<String>,
}

/// `remoteJwks`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RemoteJwks {
    /// Where the keys are.
    pub url: Option<String>,
    /// Refresh interval.
    pub refresh_interval: Option<Json>,
}

/// `localJwks`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct LocalJwks {
    /// The JWKS as a JSON string.
    pub inline_string: Option<String>,
}

/// `opaAuth`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OpaAuth {
    /// ConfigMaps holding the Rego modules.
    pub modules: Vec<ResourceRef>,
    /// The query, e.g. `data.test.allow == true`.
    pub query: Option<String>,
    /// Options, kept raw.
    pub options: Option<Json>,
}

/// solo-kit `ResourceRef` (no cluster).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ResourceRef {
    /// Name.
    pub name: Option<String>,
    /// Namespace; defaults to the referring object's.
    pub namespace: Option<String>,
}
