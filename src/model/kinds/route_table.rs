//! RouteTable (networking.gloo.solo.io/v2), field for field
//! `api/gloo.solo.io/networking/v2/route_table.proto` of solo-apis branch `gloo-mesh-v2.6.x`.

use crate::model::kinds::common::StringMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::common::{
    ClusterObjectRef, DestinationReference, DestinationSelector, FailureMode, HttpRequestMatcher,
    ObjectReference, ObjectSelector, PortalMetadata, RedirectResponseCode, RouteFilter, SortMethod,
    TcpRequestMatcher, TlsRequestMatcher, WorkloadSelector,
};

/// `RouteTable.spec`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteTableSpec {
    /// Hosts; set only on root tables.
    pub hosts: Vec<String>,
    /// Virtual gateways that serve the table; set only on root tables.
    pub virtual_gateways: Vec<ObjectReference>,
    /// Source workloads (with sidecars) that route traffic for this table (east-west only).
    #[schemars(length(max = 10000))]
    pub workload_selectors: Vec<WorkloadSelector>,
    /// Destinations that route traffic for this table via a producer-side policy (waypoints).
    pub apply_to_destinations: Vec<DestinationSelector>,
    /// Destination of `forwardTo` routes that name none.
    pub default_destination: Option<DestinationReference>,
    /// HTTP routes.
    #[schemars(length(max = 10000))]
    pub http: Vec<HttpRoute>,
    /// TCP routes (internal traffic only).
    #[schemars(length(max = 10000))]
    pub tcp: Vec<TcpRoute>,
    /// TLS routes (unterminated TLS, SNI routing).
    #[schemars(length(max = 10000))]
    pub tls: Vec<TlsRoute>,
    /// Tables delegated to are ordered by weight, highest first (default 0).
    #[schemars(with = "Option<i32>")]
    pub weight: Option<i64>,
    /// Portal metadata of the API product this table serves.
    pub portal_metadata: Option<PortalMetadata>,
    /// Behaviour when routes are misconfigured; root tables only.
    #[serde(deserialize_with = "FailureMode::decode")]
    #[schemars(with = "Option<FailureMode>")]
    pub failure_mode: Option<String>,
    /// Annotations added to the generated VirtualService; root tables only.
    pub virtual_service_annotations: StringMap,
}

impl RouteTableSpec {
    /// The API product this table's routes belong to (`portalMetadata.apiProductId`).
    #[must_use]
    pub fn api_product_id(&self) -> Option<&str> {
        self.portal_metadata.as_ref()?.api_product_id.as_deref()
    }
}

/// `HTTPRoute`: one entry of `spec.http`, matchers and exactly one action.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct HttpRoute {
    /// Route name, unique per table.
    pub name: Option<String>,
    /// Route labels, used by policy selectors.
    pub labels: StringMap,
    /// Request matchers; none matches everything.
    pub matchers: Vec<HttpRequestMatcher>,
    /// Forward to one or more destinations.
    pub forward_to: Option<ForwardTo>,
    /// Delegate to other route tables.
    // Boxed, like the rare actions below: only routes of host tables delegate.
    pub delegate: Option<Box<Delegate>>,
    // The rare actions are boxed: inline, they made every route 550 bytes, mostly empty.
    /// Redirect the client.
    pub redirect: Option<Box<RedirectAction>>,
    /// Respond directly from the proxy.
    pub direct_response: Option<Box<DirectResponseAction>>,
    /// Handle the request as GraphQL.
    pub graphql: Option<Box<GraphqlAction>>,
}

/// `TCPRoute`: one entry of `spec.tcp`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["forwardTo"]))]
pub struct TcpRoute {
    /// Request matchers.
    pub matchers: Vec<TcpRequestMatcher>,
    /// Forward to one or more destinations (required; rewrites are not supported).
    #[schemars(required)]
    pub forward_to: Option<ForwardTo>,
}

/// `TLSRoute`: one entry of `spec.tls`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["forwardTo"]))]
pub struct TlsRoute {
    /// Request matchers (SNI hosts and port).
    pub matchers: Vec<TlsRequestMatcher>,
    /// Forward to one or more destinations (required).
    #[schemars(required)]
    pub forward_to: Option<TlsForwardTo>,
}

/// `TLSRoute.TLSForwardToAction`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["destinations"]))]
pub struct TlsForwardTo {
    /// Destinations (required, 1 to 100).
    #[schemars(required, length(min = 1, max = 100))]
    pub destinations: Vec<DestinationReference>,
}

/// `ForwardToAction`: forward to destinations, optionally rewriting path and host.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ForwardTo {
    /// Destinations; none means the table's `defaultDestination`.
    #[schemars(length(max = 100))]
    pub destinations: Vec<DestinationReference>,
    /// Replace the matched path (prefix or whole path) with this (one of `pathRewrite`, `regexRewrite`).
    pub path_rewrite: Option<String>,
    /// Rewrite the path with a regex (one of `pathRewrite`, `regexRewrite`).
    // Boxed: rare, and inline it was a third of every forwarding route.
    pub regex_rewrite: Option<Box<RegexMatchAndSubstitute>>,
    /// Replace the Host header with this (one of `hostRewrite`, `autoHostRewrite`).
    pub host_rewrite: Option<String>,
    /// Replace the Host header with the destination's hostname (one of `hostRewrite`, `autoHostRewrite`).
    pub auto_host_rewrite: Option<bool>,
}

/// Envoy `type.matcher.v3.RegexMatchAndSubstitute`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["pattern"]))]
pub struct RegexMatchAndSubstitute {
    /// The regex to match (required).
    #[schemars(required)]
    pub pattern: Option<RegexMatcher>,
    /// The substitution; may refer to capture groups (`\1`).
    pub substitution: Option<String>,
}

/// Envoy `type.matcher.v3.RegexMatcher`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["regex"]))]
pub struct RegexMatcher {
    /// Deprecated: Google RE2 engine options.
    pub google_re2: Option<GoogleRe2>,
    /// The RE2 regex (required, non-empty).
    #[schemars(required, length(min = 1))]
    pub regex: Option<String>,
}

/// Envoy `type.matcher.v3.RegexMatcher.GoogleRE2`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct GoogleRe2 {
    /// Deprecated: maximum program size.
    #[schemars(with = "Option<u32>")]
    pub max_program_size: Option<i64>,
}

/// `DelegateAction`: delegate to other route tables.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Delegate {
    /// Selectors of the child tables.
    pub route_tables: Vec<ObjectSelector>,
    /// Only tables matching these filters may be delegated to.
    pub allowed_routes: Vec<RouteFilter>,
    /// `TABLE_WEIGHT` (default) or `ROUTE_SPECIFICITY`.
    #[serde(deserialize_with = "SortMethod::decode")]
    #[schemars(with = "Option<SortMethod>")]
    pub sort_method: Option<String>,
}

/// `RedirectAction`: redirect the client.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RedirectAction {
    /// Replace the host of the URL.
    pub host_redirect: Option<String>,
    /// Replace the path of the URL.
    pub path_redirect: Option<String>,
    /// Response code; defaults to `MOVED_PERMANENTLY` (301).
    #[serde(deserialize_with = "RedirectResponseCode::decode")]
    #[schemars(with = "Option<RedirectResponseCode>")]
    pub response_code: Option<String>,
}

/// `DirectResponseAction`: respond directly from the proxy.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["status"]))]
pub struct DirectResponseAction {
    /// HTTP status (required, 100–599).
    #[schemars(required, with = "Option<u32>")]
    pub status: Option<i64>,
    /// Response body (under 1 MiB); none when omitted.
    #[schemars(length(max = 1_048_576))]
    pub body: Option<String>,
}

/// `GraphQLAction`: handle the request as GraphQL.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct GraphqlAction {
    /// A GraphQLSchema (one of `schema`, `stitchedSchema`).
    pub schema: Option<ClusterObjectRef>,
    /// A GraphQLStitchedSchema (one of `schema`, `stitchedSchema`).
    pub stitched_schema: Option<ClusterObjectRef>,
    /// Options for this schema.
    pub options: Option<GraphqlOptions>,
}

/// `GraphQLAction.Options`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct GraphqlOptions {
    /// Log request and response details in the Envoy debug logs (default false).
    pub log_sensitive_info: Option<bool>,
}
