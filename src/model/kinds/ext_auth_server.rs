//! ExtAuthServer (admin.gloo.solo.io/v2), field for field
//! `api/gloo.solo.io/admin/v2/ext_auth_server.proto` of solo-apis branch `gloo-mesh-v2.6.x`.

use crate::model::kinds::common::StringMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::common::{DestinationReference, TransportApiVersion};

/// `ExtAuthServer.spec`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ExtAuthServerSpec {
    /// The ext auth service (a Service or VirtualDestination); default `ext-auth-service`.
    pub destination_server: Option<DestinationReference>,
    /// Talk to the server over HTTP instead of gRPC.
    pub http_service: Option<HttpService>,
    /// Timeout for the server to respond (a protobuf Duration such as `2s`; default 2s).
    pub request_timeout: Option<String>,
    /// Allow the request when the server fails or times out.
    pub failure_mode_allow: Option<bool>,
    /// Also send the request body.
    pub request_body: Option<BufferSettings>,
    /// Clear the route cache after the check.
    pub clear_route_cache: Option<bool>,
    /// HTTP status returned on a network error with the server (default 403).
    #[schemars(with = "Option<u32>")]
    pub status_on_error: Option<i64>,
    /// `ext_authz` transport API version.
    #[serde(deserialize_with = "TransportApiVersion::decode")]
    #[schemars(with = "Option<TransportApiVersion>")]
    pub transport_api_version: Option<String>,
    /// Additional prefix of the emitted statistics.
    pub stat_prefix: Option<String>,
}

/// `ExtAuthServerSpec.HttpService`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct HttpService {
    /// Prefix of the authorization request's path.
    pub path_prefix: Option<String>,
    /// What goes into the authorization request.
    pub request: Option<HttpServiceRequest>,
    /// What is taken from the authorization response.
    pub response: Option<HttpServiceResponse>,
}

/// `ExtAuthServerSpec.HttpService.Request`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct HttpServiceRequest {
    /// Client request headers copied to the authorization request.
    pub allowed_headers: Vec<String>,
    /// Headers added to the authorization request.
    pub headers_to_add: StringMap,
}

/// `ExtAuthServerSpec.HttpService.Response`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct HttpServiceResponse {
    /// Authorization response headers added to the upstream request.
    pub allowed_upstream_headers: Vec<String>,
    /// Authorization response headers added to the client's response on denial.
    pub allowed_client_headers: Vec<String>,
}

/// `ExtAuthServerSpec.BufferSettings`: buffering of the request body.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct BufferSettings {
    /// Maximum body size held in memory (default 4KB).
    #[schemars(with = "Option<u32>")]
    pub max_request_bytes: Option<i64>,
    /// Send a partial body when the limit is reached instead of returning 413.
    pub allow_partial_message: Option<bool>,
    /// Send the body as raw bytes.
    pub pack_as_bytes: Option<bool>,
}
