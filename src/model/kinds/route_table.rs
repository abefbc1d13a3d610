//! RouteTable (networking.gloo.solo.io/v2).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value as Json;

use super::common::{DestinationReference, ObjectReference, ObjectSelector};

/// `RouteTable.spec`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RouteTableSpec {
    /// Hosts; set only on root tables.
    pub hosts: Vec<String>,
    /// Virtual gateways; set only on root tables.
    pub virtual_gateways: Vec<ObjectReference>,
    /// Tables delegated to are ordered by weight.
    pub weight: Option<i64>,
    /// HTTP routes.
    pub http: Vec<HttpRoute>,
    /// Portal metadata of the API product this table serves.
    pub portal_metadata: Option<PortalMetadata>,
    /// `defaultDestination`, `workloadSelectors`, `tcp`, `tls`, … kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// One entry of `spec.http`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct HttpRoute {
    /// Route name, unique per table.
    pub name: Option<String>,
    /// Route labels, used by policy selectors.
    pub labels: BTreeMap<String, String>,
    /// Request matchers; none matches everything.
    pub matchers: Vec<Json>,
    /// Forward action.
    pub forward_to: Option<ForwardTo>,
    /// Delegate action.
    pub delegate: Option<Delegate>,
    /// Direct response action.
    pub direct_response: Option<Json>,
    /// Redirect action.
    pub redirect: Option<Json>,
    /// GraphQL action.
    pub graphql: Option<Json>,
}

/// `forwardTo`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ForwardTo {
    /// Destinations.
    pub destinations: Vec<DestinationReference>,
    /// Rewrites and the rest, kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// `delegate`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct Delegate {
    /// Selectors of the child tables.
    pub route_tables: Vec<ObjectSelector>,
    /// `TABLE_WEIGHT` (default) or `ROUTE_SPECIFICITY`.
    pub sort_method: Option<String>,
    /// `allowedRoutes`, kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}

/// `portalMetadata`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct PortalMetadata {
    /// The API product the table's routes belong to.
    pub api_product_id: Option<String>,
    /// Display name.
    pub api_product_display_name: Option<String>,
    /// API version; unique per product across tables.
    pub api_version: Option<String>,
    /// Title, description, contact, … kept raw.
    #[serde(flatten)]
    pub other: BTreeMap<String, Json>,
}
