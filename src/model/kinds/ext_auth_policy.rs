//! ExtAuthPolicy (security.policy.gloo.solo.io/v2), field for field
//! `api/gloo.solo.io/policy/v2/security/ext_auth_policy.proto` of solo-apis branch
//! `gloo-mesh-v2.6.x`; `config.glooAuth` is the AuthConfig spec.

use crate::model::kinds::common::StringMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::auth_config::AuthConfigSpec;
use super::common::{DestinationSelector, ObjectReference, RouteSelector};

/// `ExtAuthPolicy.spec`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ExtAuthPolicySpec {
    /// Route selectors; `None` (absent) differs from empty, which selects no route.
    pub apply_to_routes: Option<Vec<RouteSelector>>,
    /// Destination selectors (Kubernetes Services only).
    pub apply_to_destinations: Option<Vec<DestinationSelector>>,
    /// The policy's configuration.
    pub config: Option<ExtAuthPolicyConfig>,
}

impl ExtAuthPolicySpec {
    /// The AuthConfig spec the policy carries (`config.glooAuth`), which `build` compiles.
    #[must_use]
    pub fn gloo_auth(&self) -> Option<&AuthConfigSpec> {
        self.config.as_ref().and_then(|c| c.gloo_auth.as_ref())
    }
}

/// `ExtAuthPolicy.spec.config`: the server and one kind of auth.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ExtAuthPolicyConfig {
    /// Deprecated and rejected by the CRD: disables auth (one of `disable`, `glooAuth`, `customAuth`).
    pub disable: Option<bool>,
    /// Gloo ext auth service configuration, the AuthConfig spec (one of `disable`, `glooAuth`, `customAuth`).
    pub gloo_auth: Option<AuthConfigSpec>,
    /// Configuration for a custom ext auth server (one of `disable`, `glooAuth`, `customAuth`).
    pub custom_auth: Option<CustomAuth>,
    /// The ExtAuthServer to use; omitted uses the default server configuration.
    pub server: Option<ObjectReference>,
}

/// `Config.CustomAuth`: auth by your own ext auth server.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct CustomAuth {
    /// Context extensions added to the check request sent to the server.
    pub context_extensions: StringMap,
}
