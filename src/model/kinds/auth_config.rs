//! AuthConfig (enterprise.gloo.solo.io/v1) spec, also `ExtAuthPolicy.spec.config.glooAuth`.
//!
//! Field for field the `spec` of the official CRD (`authconfigs.enterprise.gloo.solo.io`,
//! Gloo v1.22); `tests/conformance.rs` compares the generated schema with the CRD. Decoding is
//! lenient (unknown keys are ignored, every field has a default); the schema is the strict part:
//! objects are closed and the CRD's `required` lists are repeated with
//! `#[schemars(extend("required" = [...]))]` on the struct, because `#[schemars(required)]` on a
//! field alone does not mark it required while the struct has `#[serde(default)]`.
//! `x-kubernetes-int-or-string` fields (protobuf enums) are kept as [`Json`] and accept a string
//! or an integer; `x-kubernetes-preserve-unknown-fields` objects are kept as [`Json`] and accept
//! any object.

use crate::model::kinds::common::StringMap;
use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde_json::Value as Json;

/// Schema of an `x-kubernetes-int-or-string` field: a string (the enum value's name) or an
/// integer (its number).
#[derive(Debug, Clone, Default, Deserialize)]
struct IntOrString;

impl JsonSchema for IntOrString {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "IntOrString".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": ["integer", "string"]})
    }
}

/// Schema of an `x-kubernetes-preserve-unknown-fields` object: any object.
type AnyObject = serde_json::Map<String, Json>;

/// `AuthConfig.spec`, also `ExtAuthPolicy.spec.config.glooAuth`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["configs"]))]
pub struct AuthConfigSpec {
    /// The auth steps; by default every one must authorize the request.
    #[schemars(required)]
    pub configs: Vec<AuthStep>,
    /// How the named steps combine, e.g. `(basic1 || basic2) && !oidc2`; unset means all must pass.
    pub boolean_expr: Option<String>,
    /// OIDC redirect becomes 401.
    pub fail_on_redirect: Option<bool>,
    /// Validation status, set by Gloo; read-only for clients.
    pub namespaced_statuses: Option<NamespacedStatuses>,
}

/// `namespacedStatuses`: the validation status per reporting namespace.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct NamespacedStatuses {
    /// Status per namespace, kept raw.
    #[schemars(with = "BTreeMap<String, AnyObject>")]
    pub statuses: BTreeMap<String, Json>,
}

/// One entry of `configs`: a name and exactly one kind of step.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AuthStep {
    /// Name used in `booleanExpr`; defaults to `config_<index>`.
    pub name: Option<String>,
    // Steps are boxed: a step holds exactly one, and inline they made every step several
    // kilobytes, most of the model's memory for policies.
    /// API keys stored in Secrets or Aerospike.
    pub api_key_auth: Option<Box<ApiKeyAuth>>,
    /// HTTP basic auth with hashed passwords.
    pub basic_auth: Option<Box<BasicAuth>>,
    /// HMAC request signing.
    pub hmac_auth: Option<Box<HmacAuth>>,
    /// Placeholder for the JWT filter's result in `booleanExpr`; takes no fields.
    pub jwt: Option<EmptyMessage>,
    /// LDAP bind and group membership.
    pub ldap: Option<Box<Ldap>>,
    /// Deprecated OIDC configuration; prefer `oauth2.oidcAuthorizationCode`.
    pub oauth: Option<Box<OAuth>>,
    /// OAuth2 / OIDC.
    pub oauth2: Option<Box<OAuth2>>,
    /// OPA with modules from ConfigMaps.
    pub opa_auth: Option<Box<OpaAuth>>,
    /// OPA through an OPA server or the ext auth service's sidecar.
    pub opa_server_auth: Option<Box<OpaServerAuth>>,
    /// Delegation to a custom gRPC or HTTP auth server.
    pub pass_through_auth: Option<Box<PassThroughAuth>>,
    /// A Go plugin loaded by the ext auth service.
    pub plugin_auth: Option<Box<AuthPlugin>>,
    /// API keys checked against the Gloo Portal.
    pub portal_auth: Option<Box<PortalAuth>>,
}

/// An empty protobuf message (`google.protobuf.Empty` and the like): takes no fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("properties" = {}))]
pub struct EmptyMessage {}

/// solo-kit `ResourceRef` (no cluster).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ResourceRef {
    /// Name.
    pub name: Option<String>,
    /// Namespace; defaults to the referring object's.
    pub namespace: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// apiKeyAuth

/// `apiKeyAuth`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyAuth {
    /// API keys stored in an Aerospike database.
    pub aerospike_apikey_storage: Option<AerospikeApiKeyStorage>,
    /// Deprecated: use `k8sSecretApikeyStorage.apiKeySecretRefs`.
    pub api_key_secret_refs: Vec<ResourceRef>,
    /// How stored API keys are hashed.
    pub digest: Option<ApiKeyDigest>,
    /// Header carrying the API key; defaults to `api-key`.
    pub header_name: Option<String>,
    /// Deprecated: use `headersFromMetadataEntry`.
    pub headers_from_metadata: BTreeMap<String, ApiKeyMetadataEntry>,
    /// Headers to add from the API key's metadata, by header name.
    pub headers_from_metadata_entry: BTreeMap<String, ApiKeyMetadataEntry>,
    /// HMAC applied to API keys before lookup.
    pub hmac: Option<ApiKeyHmac>,
    /// API keys stored in Kubernetes Secrets.
    pub k8s_secret_apikey_storage: Option<K8sSecretApiKeyStorage>,
    /// Deprecated: use `k8sSecretApikeyStorage.labelSelector`.
    pub label_selector: StringMap,
    /// Where the API key is looked for.
    #[serde(rename = "match")]
    pub matcher: Option<ApiKeyMatch>,
    /// Do not check the metadata of the API key.
    pub skip_metadata_validation: Option<bool>,
}

/// `aerospikeApikeyStorage`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AerospikeApiKeyStorage {
    /// Skip verifying the server certificate.
    pub allow_insecure: Option<bool>,
    /// Keys per batch request; defaults to 5000.
    pub batch_size: Option<i32>,
    /// Path of the client TLS certificate.
    pub cert_path: Option<String>,
    /// Commit on the master and all replicas (the default).
    #[schemars(range(max = 4_294_967_295_u32))]
    pub commit_all: Option<u32>,
    /// Commit on the master only.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub commit_master: Option<u32>,
    /// Address of one cluster member.
    pub hostname: Option<String>,
    /// Path of the client TLS key.
    pub key_path: Option<String>,
    /// Labels a stored key must carry to be valid.
    pub label_selector: StringMap,
    /// Aerospike namespace; defaults to `solo-namespace`.
    pub namespace: Option<String>,
    /// TLS name of the server node.
    pub node_tls_name: Option<String>,
    /// Port; defaults to 3000.
    pub port: Option<i32>,
    /// Read mode for availability (AP).
    pub read_mode_ap: Option<AerospikeReadModeAp>,
    /// Read mode for strong consistency (SC).
    pub read_mode_sc: Option<AerospikeReadModeSc>,
    /// Path of the root CA; system certificates when unset.
    pub root_ca_path: Option<String>,
    /// Aerospike set; defaults to `apikeys`.
    pub set: Option<String>,
    /// TLS curve groups.
    pub tls_curve_groups: Vec<AerospikeTlsCurveId>,
    /// TLS version: 1.0 to 1.3; defaults to 1.3.
    pub tls_version: Option<String>,
}

/// `readModeAp`: one of the fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AerospikeReadModeAp {
    /// Consult all duplicate nodes.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_ap_all: Option<u32>,
    /// Consult a single node.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_ap_one: Option<u32>,
}

/// `readModeSc`: one of the fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AerospikeReadModeSc {
    /// Read from the master, any full replica or unavailable partitions.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_sc_allow_unavailable: Option<u32>,
    /// Every client sees an increasing sequence of record versions.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_sc_linearize: Option<u32>,
    /// Read from the master or any full replica.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_sc_replica: Option<u32>,
    /// This client sees an increasing sequence of record versions (the default).
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_sc_session: Option<u32>,
}

/// One entry of `tlsCurveGroups`: one of the fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AerospikeTlsCurveId {
    /// P-256.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub curve_p256: Option<u32>,
    /// P-384.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub curve_p384: Option<u32>,
    /// P-521.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub curve_p521: Option<u32>,
    /// X25519.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub x25519: Option<u32>,
}

/// `apiKeyAuth.digest`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyDigest {
    /// Hash algorithm (protobuf enum: name or number).
    #[schemars(with = "Option<IntOrString>")]
    pub algorithm: Option<Json>,
}

/// `apiKeyAuth.hmac`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyHmac {
    /// HMAC algorithm (protobuf enum: name or number).
    #[schemars(with = "Option<IntOrString>")]
    pub algorithm: Option<Json>,
    /// Secret holding the HMAC key.
    pub shared_secret_ref: Option<ResourceRef>,
}

/// A value of `headersFromMetadata` / `headersFromMetadataEntry`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyMetadataEntry {
    /// Key of the API key metadata entry.
    pub name: Option<String>,
    /// Reject API keys without that entry.
    pub required: Option<bool>,
}

/// `k8sSecretApikeyStorage`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct K8sSecretApiKeyStorage {
    /// API key Secrets by reference.
    pub api_key_secret_refs: Vec<ResourceRef>,
    /// API key Secrets by label.
    pub label_selector: StringMap,
}

/// `apiKeyAuth.match`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyMatch {
    /// Headers that may carry the API key.
    pub headers: Vec<ApiKeyHeaderMatch>,
}

/// One entry of `match.headers`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyHeaderMatch {
    /// Header name.
    pub name: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// basicAuth

/// `basicAuth`: either `apr`, or `encryption` with `userList`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct BasicAuth {
    /// Legacy APR-hashed user list.
    pub apr: Option<BasicAuthApr>,
    /// Hashing algorithm of `userList` passwords.
    pub encryption: Option<BasicAuthEncryption>,
    /// Realm of the Basic challenge.
    pub realm: Option<String>,
    /// Users with salted hashed passwords.
    pub user_list: Option<BasicAuthUserList>,
}

/// `basicAuth.apr`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct BasicAuthApr {
    /// Credentials by user name.
    pub users: BTreeMap<String, SaltedHashedPassword>,
}

/// `basicAuth.encryption`: one of the fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct BasicAuthEncryption {
    /// Apache iterated MD5 (APR1).
    pub apr: Option<EmptyMessage>,
    /// SHA-1 (insecure).
    pub sha1: Option<EmptyMessage>,
}

/// `basicAuth.userList`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct BasicAuthUserList {
    /// Credentials by user name.
    pub users: BTreeMap<String, SaltedHashedPassword>,
}

/// Stored credentials of one user.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct SaltedHashedPassword {
    /// Salted and hashed password.
    pub hashed_password: Option<String>,
    /// Salt.
    pub salt: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// hmacAuth

/// `hmacAuth`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["secretRefs"]))]
pub struct HmacAuth {
    /// HMAC parameters from the HTTP headers, SHA-1; takes no fields.
    pub parameters_in_headers: Option<EmptyMessage>,
    /// Secrets holding the credentials.
    #[schemars(required)]
    pub secret_refs: Option<SecretRefList>,
}

/// `hmacAuth.secretRefs`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["secretRefs"]))]
pub struct SecretRefList {
    /// The Secrets.
    #[schemars(required)]
    pub secret_refs: Vec<ResourceRef>,
}

// ---------------------------------------------------------------------------------------------
// ldap

/// `ldap`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["address"]))]
pub struct Ldap {
    /// LDAP server, `ADDRESS:PORT`.
    #[schemars(required)]
    pub address: Option<String>,
    /// Group DNs, one of which the user must be member of.
    pub allowed_groups: Vec<String>,
    /// Skip group checks.
    pub disable_group_checking: Option<bool>,
    /// Service account used to look group membership up.
    pub group_lookup_settings: Option<LdapServiceAccount>,
    /// Attribute listing the user's groups; defaults to `memberOf`.
    pub membership_attribute_name: Option<String>,
    /// Connection pool.
    pub pool: Option<LdapConnectionPool>,
    /// Member search filter; defaults to `(uid=*)`.
    pub search_filter: Option<String>,
    /// User DN template with one `%s`, e.g. `uid=%s,ou=people,dc=solo,dc=io`.
    pub user_dn_template: Option<String>,
}

/// `ldap.groupLookupSettings`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct LdapServiceAccount {
    /// Check group membership as the service account.
    pub check_groups_with_service_account: Option<bool>,
    /// Secret with the service account's credentials.
    pub credentials_secret_ref: Option<ResourceRef>,
}

/// `ldap.pool`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct LdapConnectionPool {
    /// Connections opened at start; defaults to 2.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub initial_size: Option<u32>,
    /// Most pooled connections; defaults to 5.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub max_size: Option<u32>,
}

// ---------------------------------------------------------------------------------------------
// oauth (deprecated)

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

// ---------------------------------------------------------------------------------------------
// oauth2

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

/// `azure`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AzureConfig {
    /// Redis caching the group claims.
    pub claims_caching_options: Option<AuthRedisOptions>,
    /// Client ID of the Azure application.
    pub client_id: Option<String>,
    /// Secret holding the client secret.
    pub client_secret: Option<ResourceRef>,
    /// Azure tenant ID.
    pub tenant_id: Option<String>,
}

/// Connection to Redis.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AuthRedisOptions {
    /// Database; 0 when unset.
    pub db: Option<i32>,
    /// `address:port` or `unix://path/to/unix.sock`.
    pub host: Option<String>,
    /// Connection pool size; defaults to 10 per CPU.
    pub pool_size: Option<i32>,
    /// `TCP` (default) or `TLS` (protobuf enum: name or number).
    #[schemars(with = "Option<IntOrString>")]
    pub socket_type: Option<Json>,
    /// Mount path of the TLS certificates, e.g. `/certs`.
    pub tls_cert_mount_path: Option<String>,
}

/// One entry of `claimsToHeaders`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ClaimToHeader {
    /// Append to an existing header instead of overwriting it.
    pub append: Option<bool>,
    /// Claim name, e.g. `sub`.
    pub claim: Option<String>,
    /// Header name, e.g. `x-sub`.
    pub header: Option<String>,
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

// ---------------------------------------------------------------------------------------------
// opaAuth, opaServerAuth

/// `opaAuth`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["query"]))]
pub struct OpaAuth {
    /// ConfigMaps holding the Rego modules.
    pub modules: Vec<ResourceRef>,
    /// Options.
    pub options: Option<OpaAuthOptions>,
    /// The query, e.g. `data.test.allow == true`.
    #[schemars(required)]
    pub query: Option<String>,
}

/// `options` of `opaAuth` / `opaServerAuth`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct OpaAuthOptions {
    /// Faster input conversion; drops non-scalar, non-map, non-string-array fields.
    pub fast_input_conversion: Option<bool>,
    /// Deprecated: store the decision reason in dynamic metadata.
    pub return_decision_reason: Option<bool>,
}

/// `opaServerAuth`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["package"]))]
pub struct OpaServerAuth {
    /// Options.
    pub options: Option<OpaAuthOptions>,
    /// Package of the Rego bundle queried through the OPA data API.
    #[schemars(required)]
    pub package: Option<String>,
    /// Rule of the Rego bundle queried; subfields with `/`.
    pub rule_name: Option<String>,
    /// OPA server `ADDRESS:PORT`; the sidecar when unset.
    pub server_addr: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// passThroughAuth

/// `passThroughAuth`: `grpc` or `http`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PassThroughAuth {
    /// Custom configuration passed with every request, kept raw.
    #[schemars(with = "Option<AnyObject>")]
    pub config: Option<Json>,
    /// Allow the request when the auth server fails.
    pub failure_mode_allow: Option<bool>,
    /// gRPC auth server implementing Envoy's external authorization API.
    pub grpc: Option<PassThroughGrpc>,
    /// HTTP auth server; 200 authorizes.
    pub http: Option<PassThroughHttp>,
}

/// `passThroughAuth.grpc`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["address"]))]
pub struct PassThroughGrpc {
    /// Auth server `ADDRESS:PORT`.
    #[schemars(required)]
    pub address: Option<String>,
    /// Response timeout; defaults to 5s.
    pub connection_timeout: Option<String>,
    /// Retries.
    pub retry_policy: Option<PassThroughRetryPolicy>,
    /// TLS; plaintext when unset.
    pub tls_config: Option<PassThroughTlsConfig>,
}

/// `grpc.retryPolicy`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PassThroughRetryPolicy {
    /// Number of retries.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub num_retries: Option<u32>,
    /// Back-off between retries.
    pub retry_back_off: Option<PassThroughBackOff>,
}

/// `retryPolicy.retryBackOff`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PassThroughBackOff {
    /// Base interval.
    pub base_interval: Option<String>,
    /// Maximum interval.
    pub max_interval: Option<String>,
}

/// `tlsConfig` of `grpc` / `http`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PassThroughTlsConfig {
    /// Secret holding the TLS certificates.
    pub secret_ref: Option<ResourceRef>,
    /// TLS protocol versions.
    pub ssl_params: Option<PassThroughSslParams>,
}

/// `tlsConfig.sslParams`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PassThroughSslParams {
    /// Highest TLS version, e.g. `TLSv1_3` (protobuf enum: name or number).
    #[schemars(with = "Option<IntOrString>")]
    pub maximum_protocol_version: Option<Json>,
    /// Lowest TLS version, e.g. `TLSv1_2` (protobuf enum: name or number).
    #[schemars(with = "Option<IntOrString>")]
    pub minimum_protocol_version: Option<Json>,
}

/// `passThroughAuth.http`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["url"]))]
pub struct PassThroughHttp {
    /// Connection pool.
    pub connection_pool: Option<PassThroughConnectionPool>,
    /// Response timeout; defaults to 5s.
    pub connection_timeout: Option<String>,
    /// What the auth request carries.
    pub request: Option<PassThroughHttpRequest>,
    /// What is taken from the auth response.
    pub response: Option<PassThroughHttpResponse>,
    /// Timeout for the response headers.
    pub response_header_timeout: Option<String>,
    /// TLS.
    pub tls_config: Option<PassThroughTlsConfig>,
    /// Auth server URL, e.g. `http://ext-auth-service.svc.local:9001`.
    #[schemars(required)]
    pub url: Option<String>,
}

/// `http.connectionPool`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PassThroughConnectionPool {
    /// Idle connection timeout.
    pub idle_timeout: Option<String>,
    /// Most connections.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub max_conns: Option<u32>,
}

/// `http.request`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PassThroughHttpRequest {
    /// Request headers copied to the auth request.
    pub allowed_headers: Vec<String>,
    /// Headers added to the auth request.
    pub headers_to_add: StringMap,
    /// Include the request body.
    pub pass_through_body: Option<bool>,
    /// Include the filter metadata.
    pub pass_through_filter_metadata: Option<bool>,
    /// Include the ext auth state.
    pub pass_through_state: Option<bool>,
}

/// `http.response`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PassThroughHttpResponse {
    /// Auth response headers returned to the client on denial.
    pub allowed_client_headers_on_denied: Vec<String>,
    /// Auth response headers returned to the client on success.
    pub allowed_client_headers_on_success: Vec<String>,
    /// Auth response headers appended to the upstream request.
    pub allowed_upstream_headers: Vec<String>,
    /// Auth response headers overwriting those of the upstream request.
    pub allowed_upstream_headers_to_overwrite: Vec<String>,
    /// Read the ext auth state from the response body.
    pub read_state_from_response: Option<bool>,
}

// ---------------------------------------------------------------------------------------------
// pluginAuth, portalAuth

/// `pluginAuth`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["config"]))]
pub struct AuthPlugin {
    /// Configuration passed to the plugin, kept raw.
    #[schemars(required, with = "AnyObject")]
    pub config: Option<Json>,
    /// Exported symbol implementing the plugin; defaults to `name`.
    pub exported_symbol_name: Option<String>,
    /// Plugin name.
    pub name: Option<String>,
    /// Compiled plugin file; defaults to `<name>.so`.
    pub plugin_file_name: Option<String>,
}

/// `portalAuth`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PortalAuth {
    /// Header carrying the API key.
    pub api_key_header: Option<String>,
    /// How long portal answers are cached.
    pub cache_duration: Option<String>,
    /// Redis caching the portal answers.
    pub redis_options: Option<AuthRedisOptions>,
    /// Timeout of requests to the portal.
    pub request_timeout: Option<String>,
    /// Portal server URL.
    pub url: Option<String>,
}
