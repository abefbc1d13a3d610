//! `passThroughAuth`: delegation to a custom gRPC or HTTP auth server, with its retry, TLS,
//! connection-pool, request and response settings.

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use super::{AnyObject, IntOrString, ResourceRef};
use crate::model::kinds::common::StringMap;

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
