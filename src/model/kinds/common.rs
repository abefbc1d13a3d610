//! Types shared by several kinds: object metadata, references and selectors.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

/// `metadata` of any object.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
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

/// `DestinationReference`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
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
