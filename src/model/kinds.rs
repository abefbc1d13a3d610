//! Typed shapes of the Kubernetes kinds portico reads. Fields portico does not use yet are kept
//! as raw JSON so nothing a user wrote is lost; unknown keys are the schema stage's business.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

/// `metadata` of any object.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectMeta {
    /// `metadata.name`.
    pub name: Option<String>,
    /// `metadata.namespace`; `None` means the kubectl default.
    pub namespace: Option<String>,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
}

/// A reference by name, namespace and cluster (`ObjectReference` in the Gloo APIs).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectReference {
    /// Name of the object.
    pub name: Option<String>,
    /// Namespace; defaults to the referring object's.
    pub namespace: Option<String>,
    /// Cluster.
    pub cluster: Option<String>,
}

/// `ObjectSelector`: selects objects by labels, name, namespace, cluster and workspace.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectSelector {
    /// All of these labels must be present.
    pub labels: BTreeMap<String, String>,
    /// Exact name.
    pub name: Option<String>,
    /// Exact namespace; omitted selects in every namespace.
    pub namespace: Option<String>,
    /// Cluster.
    pub cluster: Option<String>,
    /// Workspace (resolved outside the repo).
    pub workspace: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// RouteTable (networking.gloo.solo.io/v2)

/// `RouteTable.spec`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteTableSpec {
    /// Hosts; set only on root tables.
    pub hosts: Vec<String>,
    /// Virtual gateways; set only on root tables.
    pub virtual_gateways: Vec<ObjectReference>,
    /// Tables delegated to are ordered by weight.
    pub weight: Option<i64>,
    /// HTTP routes.
    pub http: Vec<HttpRoute>,
    /// Portal metadata of the API product this table serves.
    pub portal_metadata: Option<PortalMetadata>,
    /// `defaultDestination`, `workloadSelectors`, `tcp`, `tls`, … kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// One entry of `spec.http`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HttpRoute {
    /// Route name, unique per table.
    pub name: Option<String>,
    /// Route labels, used by policy selectors.
    pub labels: BTreeMap<String, String>,
    /// Request matchers; none matches everything.
    pub matchers: Vec<Json>,
    /// Forward action.
    pub forward_to: Option<ForwardTo>,
    /// Delegate action.
    pub delegate: Option<Delegate>,
    /// Direct response action.
    pub direct_response: Option<Json>,
    /// Redirect action.
    pub redirect: Option<Json>,
    /// GraphQL action.
    pub graphql: Option<Json>,
}

/// `forwardTo`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ForwardTo {
    /// Destinations.
    pub destinations: Vec<DestinationReference>,
    /// Rewrites and the rest, kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// `DestinationReference`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DestinationReference {
    /// The destination object.
    #[serde(rename = "ref")]
    pub reference: Option<ObjectReference>,
    /// `SERVICE`, `VIRTUAL_DESTINATION`, `EXTERNAL_SERVICE`.
    pub kind: Option<String>,
    /// Port, subset, weight, … kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// `delegate`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Delegate {
    /// Selectors of the child tables.
    pub route_tables: Vec<ObjectSelector>,
    /// `TABLE_WEIGHT` (default) or `ROUTE_SPECIFICITY`.
    pub sort_method: Option<String>,
    /// `allowedRoutes`, kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// `portalMetadata`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PortalMetadata {
    /// The API product the table's routes belong to.
    pub api_product_id: Option<String>,
    /// Display name.
    pub api_product_display_name: Option<String>,
    /// API version; unique per product across tables.
    pub api_version: Option<String>,
    /// Title, description, contact, … kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

// ---------------------------------------------------------------------------------------------
// ExtAuthPolicy (security.policy.gloo.solo.io/v2)

/// `ExtAuthPolicy.spec`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExtAuthPolicySpec {
    /// Route selectors; `None` (absent) differs from empty.
    pub apply_to_routes: Option<Vec<RouteSelector>>,
    /// Destination selectors.
    pub apply_to_destinations: Option<Vec<DestinationSelector>>,
    /// The policy's configuration.
    pub config: Option<ExtAuthPolicyConfig>,
}

/// One entry of `applyToRoutes`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteSelector {
    /// Select routes by their effective labels.
    pub route: Option<RouteLabelSelector>,
    /// Select routes by the destinations they forward to.
    pub with_destinations: Option<DestinationSelector>,
}

/// `RouteLabelSelector`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteLabelSelector {
    /// All of these must be among the route's effective labels.
    pub labels: BTreeMap<String, String>,
    /// Namespace of the route's table; omitted selects in every namespace.
    pub namespace: Option<String>,
    /// Cluster.
    pub cluster: Option<String>,
    /// Workspace.
    pub workspace: Option<String>,
}

/// `DestinationSelector`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DestinationSelector {
    /// The object selector.
    pub selector: Option<ObjectSelector>,
    /// Destination kind.
    pub kind: Option<String>,
    /// Port, kept raw.
    pub port: Option<Json>,
}

/// `ExtAuthPolicy.spec.config`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExtAuthPolicyConfig {
    /// The ExtAuthServer to use.
    pub server: Option<ObjectReference>,
    /// Gloo's ext auth service configuration (the AuthConfig spec).
    pub gloo_auth: Option<AuthConfigSpec>,
    /// Custom ext auth server configuration, kept raw.
    pub custom_auth: Option<Json>,
}

/// `AuthConfig.spec`, also `ExtAuthPolicy.spec.config.glooAuth`.
#[derive(Debug, Clone, Default, Deserialize)]
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
#[derive(Debug, Clone, Default, Deserialize)]
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct OAuth2 {
    /// Access-token validation.
    pub access_token_validation: Option<AccessTokenValidation>,
    /// `oidcAuthorizationCode`, `oauth2`: kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// `accessTokenValidation`.
#[derive(Debug, Clone, Default, Deserialize)]
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
#[derive(Debug, Clone, Default, Deserialize)]
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RemoteJwks {
    /// Where the keys are.
    pub url: Option<String>,
    /// Refresh interval.
    pub refresh_interval: Option<Json>,
}

/// `localJwks`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LocalJwks {
    /// The JWKS as a JSON string.
    pub inline_string: Option<String>,
}

/// `opaAuth`.
#[derive(Debug, Clone, Default, Deserialize)]
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
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ResourceRef {
    /// Name.
    pub name: Option<String>,
    /// Namespace; defaults to the referring object's.
    pub namespace: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// ExtAuthServer (admin.gloo.solo.io/v2), ConfigMap (v1), AuthConfig (enterprise.gloo.solo.io/v1)

/// `ExtAuthServer.spec`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExtAuthServerSpec {
    /// The ext auth service.
    pub destination_server: Option<DestinationReference>,
    /// Timeouts, failure mode, request body, … kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// A ConfigMap's data.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConfigMapData {
    /// `data`.
    pub data: BTreeMap<String, String>,
    /// `binaryData`, kept raw.
    pub binary_data: BTreeMap<String, Json>,
}
