//! ConfigMap (v1).

use crate::model::kinds::common::StringMap;
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

/// A ConfigMap's data.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ConfigMapData {
    /// `data`.
    pub data: StringMap,
    /// `binaryData`, kept raw.
    pub binary_data: BTreeMap<String, Json>,
}
