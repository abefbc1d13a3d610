//! ExtAuthPolicy (security.policy.gloo.solo.io/v2).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use super::auth_config::AuthConfigSpec;
use super::common::{ObjectReference, ObjectSelector};

/// `ExtAuthPolicy.spec`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteSelector {
    /// Select routes by their effective labels.
    pub route: Option<RouteLabelSelector>,
    /// Select routes by the destinations they forward to.
    pub with_destinations: Option<DestinationSelector>,
}

/// `RouteLabelSelector`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ExtAuthPolicyConfig {
    /// The ExtAuthServer to use.
    pub server: Option<ObjectReference>,
    /// Gloo's ext auth service configuration (the AuthConfig spec).
    pub gloo_auth: Option<AuthConfigSpec>,
    /// Custom ext auth server configuration, kept raw.
    pub custom_auth: Option<Json>,
}
