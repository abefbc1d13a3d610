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
//!
//! The larger steps have a module each (`apiKeyAuth`, `oauth2` with its access token
//! validation, the authorization code flows, OPA, `passThroughAuth`); this one holds the spec,
//! the step, the types several steps share, and the steps of a few fields (`basicAuth`,
//! `hmacAuth`, `ldap`, `pluginAuth`, `portalAuth`).

mod api_key;
mod authorization_code;
mod oauth2;
mod opa;
mod pass_through;

pub use api_key::*;
pub use authorization_code::*;
pub use oauth2::*;
pub use opa::*;
pub use pass_through::*;

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
