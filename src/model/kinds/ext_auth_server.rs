//! ExtAuthServer (admin.gloo.solo.io/v2).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use super::common::DestinationReference;

/// `ExtAuthServer.spec`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ExtAuthServerSpec {
    /// The ext auth service.
    pub destination_server: Option<DestinationReference>,
    /// Timeouts, failure mode, request body, … kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}
