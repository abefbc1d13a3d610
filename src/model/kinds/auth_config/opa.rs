//! `opaAuth` (modules from ConfigMaps) and `opaServerAuth` (an OPA server or the ext auth
//! service's sidecar).

use schemars::JsonSchema;
use serde::Deserialize;

use super::ResourceRef;

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
