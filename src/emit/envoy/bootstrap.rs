//! The static bootstrap that runs the whole build in one Envoy: a listener on port 8080 whose
//! HTTP connection manager serves every virtual host through set_metadata (when a route
//! carries product metadata), one ext_authz filter and the router, and every cluster.

use serde_json::{Value as Json, json};

use crate::emit::EmitError;

use super::Document;
use super::clusters::Clusters;
use super::ext_authz::Filters;
use super::routes::{Routes, SET_METADATA, SET_METADATA_TYPE};

/// The API message of the bootstrap.
pub(super) const MESSAGE: &str = "envoy.config.bootstrap.v3.Bootstrap";

/// The bootstrap, when some root table has hosts.
pub(super) fn build(routes: &Routes, filters: &Filters, clusters: &Clusters) -> Option<Document> {
    if routes.virtual_hosts.is_empty() {
        return None;
    }
    let mut http_filters = Vec::new();
    if routes.any_product {
        // Does nothing by itself: each product route's per-route config says what to set.
        http_filters.push(json!({
            "name": SET_METADATA,
            "typed_config": {"@type": SET_METADATA_TYPE},
        }));
    }
    // One listener runs one ext_authz filter: the server of the first protected route, else
    // the first server.
    let filter = routes
        .server
        .as_ref()
        .and_then(|k| filters.get(k))
        .or_else(|| filters.first());
    if let Some(filter) = filter {
        http_filters.push(filter.clone());
    }
    http_filters.push(json!({
        "name": "envoy.filters.http.router",
        "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
    }));
    let bootstrap = json!({
        "static_resources": {
            "listeners": [{
                "name": "gateway",
                "address": {"socket_address": {"address": "0.0.0.0", "port_value": 8080}},
                "filter_chains": [{"filters": [{
                    "name": "envoy.filters.network.http_connection_manager",
                    "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                        "stat_prefix": "gateway",
                        "route_config": {"name": "portico", "virtual_hosts": routes.virtual_hosts},
                        "http_filters": http_filters,
                    },
                }]}],
            }],
            "clusters": clusters.all(),
        },
    });
    Some(Document {
        path: "envoy/bootstrap.yaml".to_string(),
        json: bootstrap,
        message: MESSAGE,
    })
}

/// Validates the bootstrap without re-validating what it repeats: its virtual hosts are those
/// of the RouteConfigurations and its clusters those of the Cluster documents, each validated
/// as its own message already, so the bootstrap is checked with them emptied. (Validating all
/// routes twice was a third of a large build.)
pub(super) fn validate(path: &str, doc: &Json) -> Result<(), EmitError> {
    let mut skeleton = doc.clone();
    if let Some(Json::Array(clusters)) = skeleton.pointer_mut("/static_resources/clusters") {
        clusters.clear();
    }
    if let Some(Json::Array(listeners)) = skeleton.pointer_mut("/static_resources/listeners") {
        for listener in listeners {
            for chain in listener
                .get_mut("filter_chains")
                .and_then(Json::as_array_mut)
                .into_iter()
                .flatten()
            {
                for filter in chain
                    .get_mut("filters")
                    .and_then(Json::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    if let Some(Json::Array(hosts)) =
                        filter.pointer_mut("/typed_config/route_config/virtual_hosts")
                    {
                        hosts.clear();
                    }
                }
            }
        }
    }
    super::validate(path, MESSAGE, &skeleton)
}
