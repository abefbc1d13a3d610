//! Types shared by several kinds: Kubernetes object metadata, and the Gloo Platform common
//! types (`common.gloo.solo.io`, solo-apis `api/gloo.solo.io/common/v2/*.proto`, branch
//! `gloo-mesh-v2.6.x`): references, selectors, ports, request matchers, portal metadata.
//!
//! Protobuf enums keep the Rust type `Option<String>`: decoding takes the value's name, or its
//! number as protojson also accepts (turned into the name), and ignores anything else; the
//! schema (one of the `proto_enum!` types below) allows the names and their numbers.

use std::borrow::Cow;

use compact_str::CompactString;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value as Json;

/// Declares the schema type of a protobuf enum whose values are numbered 0, 1, 2, … in order;
/// `meaning [...]` gives what each value stands for (an HTTP status), for the help of a value
/// written as that number instead of the name.
macro_rules! proto_enum {
    ($(#[$doc:meta])* $name:ident = [$($value:literal),+ $(,)?]) => {
        proto_enum! { $(#[$doc])* $name = [$($value),+] meaning [] }
    };
    ($(#[$doc:meta])* $name:ident = [$($value:literal),+ $(,)?] meaning [$($meaning:literal),* $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default)]
        pub struct $name;

        impl $name {
            /// The value names, in number order.
            pub const VALUES: &'static [&'static str] = &[$($value),+];

            /// What each value stands for, in value order; empty when the names say it all.
            pub const MEANINGS: &'static [u32] = &[$($meaning),*];

            /// Decodes the enum as `Option<String>` (`#[serde(deserialize_with = ...)]`): the
            /// name as written, a number turned into its name, anything else ignored.
            ///
            /// # Errors
            /// Only when the underlying deserializer fails.
            pub fn decode<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
                Ok(enum_name(Json::deserialize(d)?, Self::VALUES))
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                enum_schema(Self::VALUES, Self::MEANINGS)
            }
        }
    };
}

/// The name of an enum value given by name or by number.
fn enum_name(value: Json, names: &[&str]) -> Option<String> {
    match value {
        Json::String(s) => Some(s),
        Json::Number(n) => Some(
            n.as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| names.get(i))
                .map_or_else(|| n.to_string(), |name| (*name).to_owned()),
        ),
        _ => None,
    }
}

/// Decodes a field nobody reads without ever failing: a value of the wrong type becomes the
/// default (the schema reports it).
fn lenient<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(d: D) -> Result<T, D::Error> {
    Ok(serde_json::from_value(Json::deserialize(d)?).unwrap_or_default())
}

/// A protobuf enum: one of the names, or one of their numbers. `if`/`then`/`else` rather than
/// `anyOf`, so that a wrong name is reported against the names alone. With `meanings`, the
/// description pairs each name with what it stands for (`TEMPORARY_REDIRECT (307)`), which
/// the validator reads to name the value a number like 307 meant.
fn enum_schema(names: &[&str], meanings: &[u32]) -> Schema {
    let numbers: Vec<usize> = (0..names.len()).collect();
    let mut schema = json_schema!({
        "type": ["string", "integer"],
        "if": {"type": "string"},
        "then": {"enum": names},
        "else": {"enum": numbers},
    });
    if !meanings.is_empty() {
        let pairs: Vec<String> = names
            .iter()
            .zip(meanings)
            .map(|(name, meaning)| format!("{name} ({meaning})"))
            .collect();
        schema.insert("description".into(), Json::String(pairs.join(", ")));
    }
    schema
}

proto_enum! {
    /// `DestinationKind`: the kind of a selected destination (default `SERVICE`).
    DestinationKind = ["SERVICE", "VIRTUAL_DESTINATION", "EXTERNAL_SERVICE"]
}

proto_enum! {
    /// `DestinationReference.kind`: `DestinationKind`, plus `CLOUD_PROVIDER` (a Lambda function
    /// behind a CloudProvider, with `function`) in Gloo Platform 2.2 only
    /// (`model/kinds/versions.rs`). Selectors never had it: 2.2's `DestinationSelector` had
    /// its own enum of the other three.
    DestinationReferenceKind = [
        "SERVICE",
        "VIRTUAL_DESTINATION",
        "EXTERNAL_SERVICE",
        "CLOUD_PROVIDER",
    ]
}

proto_enum! {
    /// `WorkloadSelector.WorkloadKind`: Kubernetes workloads (default) or VMs.
    WorkloadKind = ["KUBE", "VM"]
}

proto_enum! {
    /// `LambdaOptions.RequestTransformation`.
    LambdaRequestTransformation = ["REQUEST_DEFAULT", "REQUEST_DISABLE"]
}

proto_enum! {
    /// `LambdaOptions.ResponseTransformation`.
    LambdaResponseTransformation = ["RESPONSE_DEFAULT", "RESPONSE_DISABLE"]
}

proto_enum! {
    /// `LambdaOptions.InvocationStyle`.
    LambdaInvocationStyle = ["SYNC", "ASYNC"]
}

proto_enum! {
    /// `DelegateAction.SortMethod`.
    SortMethod = ["TABLE_WEIGHT", "ROUTE_SPECIFICITY"]
}

proto_enum! {
    /// `RouteTableSpec.FailureMode`.
    FailureMode = ["ROUTE_REPLACEMENT", "FREEZE_CONFIG"]
}

proto_enum! {
    /// `RedirectAction.RedirectResponseCode`; each value's HTTP status is in its comment in
    /// `route_table.proto` (solo-apis `gloo-mesh-v2.2.x` to `gloo-mesh-v2.6.x`).
    RedirectResponseCode = [
        "MOVED_PERMANENTLY",
        "FOUND",
        "SEE_OTHER",
        "TEMPORARY_REDIRECT",
        "PERMANENT_REDIRECT",
    ] meaning [301, 302, 303, 307, 308]
}

proto_enum! {
    /// `ExtAuthServerSpec.ApiVersion`: the `ext_authz` transport API version.
    TransportApiVersion = ["GLOO_MESH_AUTO", "ENVOY_AUTO", "V3"]
}

// ---------------------------------------------------------------------------------------------
// Kubernetes metadata

/// `metadata` of any object (Kubernetes `ObjectMeta`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectMeta {
    /// `metadata.name`.
    pub name: Option<String>,
    /// Prefix the server uses to generate a unique name when `name` is not given.
    #[serde(deserialize_with = "lenient")]
    pub generate_name: Option<String>,
    /// `metadata.namespace`; `None` means the kubectl default.
    pub namespace: Option<String>,
    /// Deprecated, read-only URL of the object.
    #[serde(deserialize_with = "lenient")]
    pub self_link: Option<String>,
    /// Unique id, set by the server.
    #[serde(deserialize_with = "lenient")]
    pub uid: Option<String>,
    /// Opaque version for optimistic concurrency, set by the server.
    #[serde(deserialize_with = "lenient")]
    pub resource_version: Option<String>,
    /// Generation of the desired state, set by the server.
    #[serde(deserialize_with = "lenient")]
    pub generation: Option<i64>,
    /// Creation time (RFC 3339), set by the server.
    #[serde(deserialize_with = "lenient")]
    pub creation_timestamp: Option<String>,
    /// Time the object will be deleted (RFC 3339), set by the server.
    #[serde(deserialize_with = "lenient")]
    pub deletion_timestamp: Option<String>,
    /// Seconds allowed for graceful termination, set by the server.
    #[serde(deserialize_with = "lenient")]
    pub deletion_grace_period_seconds: Option<i64>,
    /// `metadata.labels`.
    pub labels: StringMap,
    /// `metadata.annotations`.
    pub annotations: StringMap,
    /// Objects this one depends on.
    #[serde(deserialize_with = "lenient")]
    pub owner_references: Vec<OwnerReference>,
    /// Finalizers that must be empty before the object is deleted.
    #[serde(deserialize_with = "lenient")]
    pub finalizers: Vec<String>,
    /// Field ownership of server-side apply, set by the server.
    #[serde(deserialize_with = "lenient")]
    pub managed_fields: Vec<ManagedFieldsEntry>,
}

/// `metadata.ownerReferences[]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["apiVersion", "kind", "name", "uid"]))]
pub struct OwnerReference {
    /// API version of the owner.
    #[schemars(required)]
    pub api_version: Option<String>,
    /// Kind of the owner.
    #[schemars(required)]
    pub kind: Option<String>,
    /// Name of the owner.
    #[schemars(required)]
    pub name: Option<String>,
    /// UID of the owner.
    #[schemars(required)]
    pub uid: Option<String>,
    /// Whether the owner is the managing controller.
    pub controller: Option<bool>,
    /// Whether the owner cannot be deleted before this object.
    pub block_owner_deletion: Option<bool>,
}

/// `metadata.managedFields[]`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ManagedFieldsEntry {
    /// The workflow managing the fields.
    pub manager: Option<String>,
    /// `Apply` or `Update`.
    pub operation: Option<String>,
    /// API version of the fields.
    pub api_version: Option<String>,
    /// When the fields were last changed.
    pub time: Option<String>,
    /// Format of `fieldsV1`.
    pub fields_type: Option<String>,
    /// The field set, kept raw.
    #[serde(rename = "fieldsV1")]
    #[schemars(with = "Option<serde_json::Map<String, Json>>")]
    pub fields_v1: Option<Json>,
    /// The subresource the fields were written through.
    pub subresource: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// references.proto, port.proto

/// `ObjectReference`: a Kubernetes API object by name, namespace and cluster.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectReference {
    /// Name of the object.
    pub name: Option<String>,
    /// Namespace; defaults to the referring object's.
    pub namespace: Option<String>,
    /// Cluster; defaults to the referring object's.
    pub cluster: Option<String>,
}

/// skv2 `ClusterObjectRef`: an object by name, namespace and cluster name.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ClusterObjectRef {
    /// Name of the object.
    pub name: Option<String>,
    /// Namespace of the object.
    pub namespace: Option<String>,
    /// Cluster of the object.
    pub cluster_name: Option<String>,
}

/// `DestinationReference`: the upstream a route forwards to.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct DestinationReference {
    /// A Kubernetes destination object by its metadata (one of `ref`, `awsLambda`).
    #[serde(rename = "ref")]
    pub reference: Option<ObjectReference>,
    /// An AWS Lambda function (one of `ref`, `awsLambda`; Gloo Platform 2.3 and later).
    pub aws_lambda: Option<Box<AwsLambdaReference>>,
    /// The function to call on the CloudProvider `ref` names with `kind: CLOUD_PROVIDER`
    /// (Gloo Platform 2.2 only, replaced by `awsLambda`).
    pub function: Option<Box<FunctionDestination>>,
    /// Kind of the Kubernetes destination; defaults to `SERVICE`.
    #[serde(deserialize_with = "DestinationReferenceKind::decode")]
    #[schemars(with = "Option<DestinationReferenceKind>")]
    pub kind: Option<String>,
    /// Port on the destination; required if it has more than one.
    pub port: Option<PortSelector>,
    /// Subset of the destination's endpoints, by label.
    pub subset: StringMap,
    /// Share of the route's traffic; weights of a route's destinations sum to 100.
    #[schemars(with = "Option<u32>")]
    pub weight: Option<i64>,
}

/// `AWSLambdaReference`: an AWS Lambda function as a destination.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AwsLambdaReference {
    /// The AWS CloudProvider.
    pub cloud_provider: Option<ObjectReference>,
    /// Name of the function.
    pub function: Option<String>,
    /// Qualifier of the function; defaults to `$LATEST`.
    pub qualifier: Option<String>,
    /// How the function is invoked and its payloads transformed.
    pub options: Option<LambdaOptions>,
}

/// `FunctionDestinationSpec` (Gloo Platform 2.2, `common/v2/cloud_provider_options.proto`): a
/// serverless function as a destination.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct FunctionDestination {
    /// The logical name the CloudProvider calls the function by.
    pub logical_name: Option<String>,
    /// AWS Lambda options.
    pub aws_lambda: Option<LambdaOptions>,
}

/// `LambdaOptions` (the union of its 2.2 and its 2.3+ fields; `model/kinds/versions.rs` says
/// which release has which).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct LambdaOptions {
    /// Unwrap the response as an ALB would (Gloo Platform 2.2 only).
    pub unwrap_as_alb: Option<bool>,
    /// Unwrap the response as an AWS API Gateway would (Gloo Platform 2.2 only).
    pub unwrap_as_api_gateway: Option<bool>,
    /// Request transformation: `REQUEST_DEFAULT` or `REQUEST_DISABLE`.
    #[serde(deserialize_with = "LambdaRequestTransformation::decode")]
    #[schemars(with = "Option<LambdaRequestTransformation>")]
    pub request_transformation: Option<String>,
    /// Response transformation: `RESPONSE_DEFAULT` or `RESPONSE_DISABLE`.
    #[serde(deserialize_with = "LambdaResponseTransformation::decode")]
    #[schemars(with = "Option<LambdaResponseTransformation>")]
    pub response_transformation: Option<String>,
    /// `SYNC` (default) or `ASYNC` invocation.
    #[serde(deserialize_with = "LambdaInvocationStyle::decode")]
    #[schemars(with = "Option<LambdaInvocationStyle>")]
    pub invocation_style: Option<String>,
}

/// `PortSelector`: a port by number or by name.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PortSelector {
    /// Port number (one of `number`, `name`).
    #[schemars(with = "Option<u32>", range(min = 1, max = 65535))]
    pub number: Option<i64>,
    /// Port name (one of `number`, `name`).
    pub name: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// selectors.proto, cloud_provider_options.proto

/// `ObjectSelector`: selects objects by labels, name, namespace, cluster and workspace.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectSelector {
    /// All of these labels must be present.
    pub labels: StringMap,
    /// Exact name.
    pub name: Option<String>,
    /// Exact namespace; omitted selects in every namespace.
    pub namespace: Option<String>,
    /// Cluster.
    pub cluster: Option<String>,
    /// Workspace (resolved outside the repo).
    pub workspace: Option<String>,
}

/// `DestinationSelector`: selects routable destinations.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct DestinationSelector {
    /// Matches destination objects by their metadata.
    pub selector: Option<ObjectSelector>,
    /// Kind of destination; defaults to `SERVICE`.
    #[serde(deserialize_with = "DestinationKind::decode")]
    #[schemars(with = "Option<DestinationKind>")]
    pub kind: Option<String>,
    /// Port receiving traffic; every port when empty.
    pub port: Option<PortSelector>,
}

/// `RouteSelector`: selects routes by labels or by destinations (one of the two).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteSelector {
    /// Select routes by their effective labels.
    pub route: Option<RouteLabelSelector>,
    /// Select `forwardTo` routes by the destinations they forward to.
    pub with_destinations: Option<DestinationSelector>,
}

/// `RouteLabelSelector`: selects routes by label, namespace, cluster and workspace.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteLabelSelector {
    /// All of these must be among the route's effective labels.
    pub labels: StringMap,
    /// Namespace of the route's table; omitted selects in every namespace.
    pub namespace: Option<String>,
    /// Cluster of the route's table.
    pub cluster: Option<String>,
    /// Workspace of the route's table.
    pub workspace: Option<String>,
}

/// `WorkloadSelector`: selects workloads (with sidecars) by their metadata.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct WorkloadSelector {
    /// Matches workload objects by their metadata.
    pub selector: Option<ObjectSelector>,
    /// `KUBE` (default) or `VM`.
    #[serde(deserialize_with = "WorkloadKind::decode")]
    #[schemars(with = "Option<WorkloadKind>")]
    pub kind: Option<String>,
    /// Port on the selected workloads.
    pub port: Option<PortSelector>,
}

/// `RouteFilter`: restricts which route tables a delegating route may use.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteFilter {
    /// Filter out tables whose CloudProvider functionality does not match.
    pub cloud_provider: Option<CloudProviderFilterOptions>,
}

/// `CloudProviderFilterOptions`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct CloudProviderFilterOptions {
    /// Filter on AWS functionality.
    pub aws: Option<AwsFilterOptions>,
}

/// `AWSFilterOptions`: every list given must match.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct AwsFilterOptions {
    /// AWS account ids allowed.
    pub account_ids: Vec<String>,
    /// IAM invoke roles allowed (regex).
    pub iam_roles: Vec<String>,
    /// Regions allowed.
    pub regions: Vec<String>,
    /// Lambda functions allowed (regex).
    pub lambda_functions: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// http_matchers.proto, string_match.proto, tcp_matchers.proto, tls_matchers.proto

/// `HTTPRequestMatcher`: every condition given must match.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct HttpRequestMatcher {
    /// Matcher name (unsupported: name matching is not implemented).
    pub name: Option<String>,
    /// Match on the path.
    pub uri: Option<StringMatch>,
    /// Headers that must all match.
    pub headers: Vec<HeaderMatcher>,
    /// Query parameters that must all match.
    pub query_parameters: Vec<QueryParameterMatcher>,
    /// HTTP method.
    pub method: Option<String>,
    /// Port on the host.
    #[schemars(with = "Option<u32>", range(max = 65535))]
    pub port: Option<i64>,
}

/// `StringMatch`: exact, prefix, regex or suffix (one of them).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct StringMatch {
    /// Exact match.
    pub exact: Option<String>,
    /// Prefix match.
    pub prefix: Option<String>,
    /// RE2 regex match.
    pub regex: Option<String>,
    /// Suffix match (not supported by Gloo Platform).
    pub suffix: Option<String>,
    /// Case-insensitive exact/prefix/suffix match.
    pub ignore_case: Option<bool>,
}

/// `HeaderMatcher`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct HeaderMatcher {
    /// Header name.
    pub name: Option<String>,
    /// Header value; absent matches any value.
    pub value: Option<String>,
    /// Treat `value` as a regex.
    pub regex: Option<bool>,
    /// Invert the match.
    pub invert_match: Option<bool>,
}

/// `HTTPRequestMatcher.QueryParameterMatcher`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct QueryParameterMatcher {
    /// Query parameter name.
    pub name: Option<String>,
    /// Query parameter value.
    pub value: Option<String>,
    /// Treat `value` as a regex.
    pub regex: Option<bool>,
}

/// `TCPRequestMatcher`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct TcpRequestMatcher {
    /// Port on the host.
    #[schemars(with = "Option<u32>", range(max = 65535))]
    pub port: Option<i64>,
}

/// `TLSRequestMatcher`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
#[schemars(extend("required" = ["sniHosts"]))]
pub struct TlsRequestMatcher {
    /// SNI hosts to match (required); wildcard prefixes allowed.
    #[schemars(required)]
    pub sni_hosts: Vec<String>,
    /// Port on the host.
    #[schemars(with = "Option<u32>", range(max = 65535))]
    pub port: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// portal_metadata.proto

/// `PortalMetadata`: how the table's API product appears in the developer portal.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
// No field is required by the CRD of any release (`portal_metadata.proto` of solo-apis
// `gloo-mesh-v2.6.x`, `route_table.proto` of `gloo-mesh-v2.3.x` to `gloo-mesh-v2.5.x`): a
// table without `apiProductId` is not an API product, which is not a mistake.
pub struct PortalMetadata {
    /// The API product the table's routes belong to (no spaces); without it the table is not
    /// an API product.
    pub api_product_id: Option<String>,
    /// Display name; defaults to `apiProductId`.
    pub api_product_display_name: Option<String>,
    /// API version; unique per product across tables.
    pub api_version: Option<String>,
    /// Title of the OpenAPI specification.
    pub title: Option<String>,
    /// Description of the OpenAPI specification (CommonMark).
    pub description: Option<String>,
    /// Terms of service (a URL).
    pub terms_of_service: Option<String>,
    /// Contact (an email address).
    pub contact: Option<String>,
    /// License name.
    pub license: Option<String>,
    /// Lifecycle stage of the API.
    pub lifecycle: Option<String>,
    /// Custom metadata shown in the portal and added to usage data.
    pub custom_metadata: StringMap,
}

#[cfg(test)]
mod tests;

/// A string-to-string map (labels, annotations, selectors, parameters), kept as a sorted
/// vector. Most of these hold one to three entries, where a `BTreeMap` allocates a node of
/// about 500 bytes each: at 20,000 routes that was a fifth of the model's memory.
/// Keys and values are `CompactString`s, inline up to 24 bytes: the effective labels of
/// every route instance are a copy, which then costs one allocation instead of five.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct StringMap(litemap::LiteMap<CompactString, CompactString>);

impl StringMap {
    /// An empty map.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty map with room for `n` entries.
    #[must_use]
    pub fn with_capacity(n: usize) -> Self {
        Self(litemap::LiteMap::with_capacity(n))
    }
}

impl std::ops::Deref for StringMap {
    type Target = litemap::LiteMap<CompactString, CompactString>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for StringMap {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl<K: Into<CompactString>, V: Into<CompactString>> FromIterator<(K, V)> for StringMap {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl<'a> IntoIterator for &'a StringMap {
    type Item = (&'a CompactString, &'a CompactString);
    type IntoIter = <&'a litemap::LiteMap<CompactString, CompactString> as IntoIterator>::IntoIter;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl JsonSchema for StringMap {
    fn schema_name() -> Cow<'static, str> {
        <BTreeMap<String, String>>::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        <BTreeMap<String, String>>::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <BTreeMap<String, String>>::json_schema(generator)
    }

    fn inline_schema() -> bool {
        <BTreeMap<String, String>>::inline_schema()
    }
}

impl<const N: usize> From<[(String, String); N]> for StringMap {
    fn from(entries: [(String, String); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl serde::Serialize for StringMap {
    /// Always a JSON object; litemap writes an empty map as an array, which would make the
    /// schemas' `default` for these fields `[]`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter())
    }
}
