//! `apiKeyAuth`: API keys stored in Kubernetes Secrets or in Aerospike, and how a request's
//! key is matched and turned into headers.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use super::{IntOrString, ResourceRef};
use crate::model::kinds::common::StringMap;

/// `apiKeyAuth`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyAuth {
    /// API keys stored in an Aerospike database.
    pub aerospike_apikey_storage: Option<AerospikeApiKeyStorage>,
    /// Deprecated: use `k8sSecretApikeyStorage.apiKeySecretRefs`.
    pub api_key_secret_refs: Vec<ResourceRef>,
    /// How stored API keys are hashed.
    pub digest: Option<ApiKeyDigest>,
    /// Header carrying the API key; defaults to `api-key`.
    pub header_name: Option<String>,
    /// Deprecated: use `headersFromMetadataEntry`.
    pub headers_from_metadata: BTreeMap<String, ApiKeyMetadataEntry>,
    /// Headers to add from the API key's metadata, by header name.
    pub headers_from_metadata_entry: BTreeMap<String, ApiKeyMetadataEntry>,
    /// HMAC applied to API keys before lookup.
    pub hmac: Option<ApiKeyHmac>,
    /// API keys stored in Kubernetes Secrets.
    pub k8s_secret_apikey_storage: Option<K8sSecretApiKeyStorage>,
    /// Deprecated: use `k8sSecretApikeyStorage.labelSelector`.
    pub label_selector: StringMap,
    /// Where the API key is looked for.
    #[serde(rename = "match")]
    pub matcher: Option<ApiKeyMatch>,
    /// Do not check the metadata of the API key.
    pub skip_metadata_validation: Option<bool>,
}

/// `aerospikeApikeyStorage`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AerospikeApiKeyStorage {
    /// Skip verifying the server certificate.
    pub allow_insecure: Option<bool>,
    /// Keys per batch request; defaults to 5000.
    pub batch_size: Option<i32>,
    /// Path of the client TLS certificate.
    pub cert_path: Option<String>,
    /// Commit on the master and all replicas (the default).
    #[schemars(range(max = 4_294_967_295_u32))]
    pub commit_all: Option<u32>,
    /// Commit on the master only.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub commit_master: Option<u32>,
    /// Address of one cluster member.
    pub hostname: Option<String>,
    /// Path of the client TLS key.
    pub key_path: Option<String>,
    /// Labels a stored key must carry to be valid.
    pub label_selector: StringMap,
    /// Aerospike namespace; defaults to `solo-namespace`.
    pub namespace: Option<String>,
    /// TLS name of the server node.
    pub node_tls_name: Option<String>,
    /// Port; defaults to 3000.
    pub port: Option<i32>,
    /// Read mode for availability (AP).
    pub read_mode_ap: Option<AerospikeReadModeAp>,
    /// Read mode for strong consistency (SC).
    pub read_mode_sc: Option<AerospikeReadModeSc>,
    /// Path of the root CA; system certificates when unset.
    pub root_ca_path: Option<String>,
    /// Aerospike set; defaults to `apikeys`.
    pub set: Option<String>,
    /// TLS curve groups.
    pub tls_curve_groups: Vec<AerospikeTlsCurveId>,
    /// TLS version: 1.0 to 1.3; defaults to 1.3.
    pub tls_version: Option<String>,
}

/// `readModeAp`: one of the fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AerospikeReadModeAp {
    /// Consult all duplicate nodes.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_ap_all: Option<u32>,
    /// Consult a single node.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_ap_one: Option<u32>,
}

/// `readModeSc`: one of the fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AerospikeReadModeSc {
    /// Read from the master, any full replica or unavailable partitions.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_sc_allow_unavailable: Option<u32>,
    /// Every client sees an increasing sequence of record versions.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_sc_linearize: Option<u32>,
    /// Read from the master or any full replica.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_sc_replica: Option<u32>,
    /// This client sees an increasing sequence of record versions (the default).
    #[schemars(range(max = 4_294_967_295_u32))]
    pub read_mode_sc_session: Option<u32>,
}

/// One entry of `tlsCurveGroups`: one of the fields.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AerospikeTlsCurveId {
    /// P-256.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub curve_p256: Option<u32>,
    /// P-384.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub curve_p384: Option<u32>,
    /// P-521.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub curve_p521: Option<u32>,
    /// X25519.
    #[schemars(range(max = 4_294_967_295_u32))]
    pub x25519: Option<u32>,
}

/// `apiKeyAuth.digest`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyDigest {
    /// Hash algorithm (protobuf enum: name or number).
    #[schemars(with = "Option<IntOrString>")]
    pub algorithm: Option<Json>,
}

/// `apiKeyAuth.hmac`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyHmac {
    /// HMAC algorithm (protobuf enum: name or number).
    #[schemars(with = "Option<IntOrString>")]
    pub algorithm: Option<Json>,
    /// Secret holding the HMAC key.
    pub shared_secret_ref: Option<ResourceRef>,
}

/// A value of `headersFromMetadata` / `headersFromMetadataEntry`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyMetadataEntry {
    /// Key of the API key metadata entry.
    pub name: Option<String>,
    /// Reject API keys without that entry.
    pub required: Option<bool>,
}

/// `k8sSecretApikeyStorage`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct K8sSecretApiKeyStorage {
    /// API key Secrets by reference.
    pub api_key_secret_refs: Vec<ResourceRef>,
    /// API key Secrets by label.
    pub label_selector: StringMap,
}

/// `apiKeyAuth.match`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyMatch {
    /// Headers that may carry the API key.
    pub headers: Vec<ApiKeyHeaderMatch>,
}

/// One entry of `match.headers`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ApiKeyHeaderMatch {
    /// Header name.
    pub name: Option<String>,
}
