//! The ext_authz HTTP filter of each ExtAuthServer (gloo-api.md §5), and the per-route
//! settings that send a route's check requests to its policy's AuthConfig or turn the check
//! off.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::access::PORTAL_METADATA;
use crate::model::kinds::{ExtAuthPolicySpec, ExtAuthServerSpec};
use crate::model::{Model, Resource};

use super::Document;
use super::clusters::{Clusters, cluster_doc, cluster_of};
use crate::model::artifacts::auth_config::id_of;
use crate::model::artifacts::file_name::file_name;

/// The filter's name, which per-route settings are keyed by.
pub(super) const EXT_AUTHZ: &str = "envoy.filters.http.ext_authz";

const PER_ROUTE_TYPE: &str =
    "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute";

/// The filter of every ExtAuthServer that names a destination.
pub(super) struct Filters {
    /// By server `(namespace, name)`; the last of two servers with one identity (PC206).
    by_server: BTreeMap<(String, String), Json>,
    /// One HttpFilter document per server, in model order.
    documents: Vec<Document>,
}

impl Filters {
    /// The filter of every ExtAuthServer, its cluster added to `clusters`.
    pub(super) fn build(model: &Model, clusters: &mut Clusters) -> Self {
        let mut filters = Self {
            by_server: BTreeMap::new(),
            documents: Vec::new(),
        };
        for server in &model.ext_auth_servers {
            let Some((filter, cluster)) = filter_of(server) else {
                continue;
            };
            let key = (
                server.meta.id.namespace.clone(),
                server.meta.id.name.clone(),
            );
            filters.documents.push(Document {
                // Names become file names: never a path separator or `..` of their own, one
                // file per server, at most MAX_FILE_NAME_BYTES (see `file_name`).
                path: format!("envoy/ext-authz/{}", file_name(&[&key.0, &key.1])),
                json: filter.clone(),
                message: "envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter",
            });
            clusters.insert(cluster);
            filters.by_server.insert(key, filter);
        }
        filters
    }

    /// The filter of the server `(namespace, name)`.
    pub(super) fn get(&self, server: &(String, String)) -> Option<&Json> {
        self.by_server.get(server)
    }

    /// The first filter by server identity.
    pub(super) fn first(&self) -> Option<&Json> {
        self.by_server.values().next()
    }

    /// The HttpFilter documents.
    pub(super) fn documents(&self) -> impl Iterator<Item = Document> + '_ {
        self.documents.iter().cloned()
    }
}

/// The `(namespace, name)` of the ExtAuthServer a policy names; the policy's namespace when
/// the reference names none.
pub(super) fn server_of(policy: &Resource<ExtAuthPolicySpec>) -> (String, String) {
    let server = policy.spec.config.as_ref().and_then(|c| c.server.as_ref());
    (
        server
            .and_then(|s| s.namespace.clone())
            .unwrap_or_else(|| policy.meta.id.namespace.clone()),
        server.and_then(|s| s.name.clone()).unwrap_or_default(),
    )
}

/// The per-route settings of a route `policy` protects: its check requests name the policy's
/// AuthConfig and the route, as Gloo's do (gloo-api.md §5).
pub(super) fn per_route(
    model: &Model,
    policy: &Resource<ExtAuthPolicySpec>,
    route_name: &str,
) -> Json {
    json!({
        "@type": PER_ROUTE_TYPE,
        "check_settings": {"context_extensions": {
            "config_id": id_of(model, policy).config_id(),
            "source_type": "route",
            "source_name": route_name,
        }},
    })
}

/// The per-route settings of a route no policy protects: no check request.
pub(super) fn disabled() -> Json {
    json!({
        "@type": PER_ROUTE_TYPE,
        "disabled": true,
    })
}

/// A Gloo duration (`200ms`, `2s`, `1m`) in protobuf JSON form (`0.200s`).
fn duration(text: &str) -> Option<String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let seconds: f64 = number.trim().parse::<f64>().ok()? * scale;
    (seconds.is_finite() && seconds >= 0.0).then(|| format!("{seconds:.3}s"))
}

/// The ext_authz HTTP filter of an ExtAuthServer.
fn filter_of(server: &Resource<ExtAuthServerSpec>) -> Option<(Json, Json)> {
    let dest = server.spec.destination_server.as_ref()?;
    let (cluster, host, port) = cluster_of(dest, &server.meta.id.namespace)?;
    let timeout = server
        .spec
        .request_timeout
        .as_deref()
        .and_then(duration)
        .unwrap_or_else(|| "0.200s".to_string());
    // The `:authority` of the check requests. Without it Envoy sends the cluster name, whose
    // `|` is not valid there: an HTTP/2 server may refuse every check (Envoy's own codec does,
    // "Invalid HTTP header field was received: … name: [:authority]", seen in tests/build.rs).
    // The form is the one Gloo writes (gloo-api.md §5, the generated EnvoyFilter).
    let authority = format!("outbound_.{port}_._.{host}");
    let mut config = json!({
        "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
        "grpc_service": {
            "envoy_grpc": {"cluster_name": cluster, "authority": authority},
            "timeout": timeout,
        },
        "transport_api_version": "V3",
        "metadata_context_namespaces": ["envoy.filters.http.jwt_authn", PORTAL_METADATA],
        "failure_mode_allow": server.spec.failure_mode_allow.unwrap_or(false),
    });
    if let Json::Object(map) = &mut config {
        if let Some(body) = &server.spec.request_body {
            let max = body.max_request_bytes.filter(|n| *n > 0).unwrap_or(4096);
            map.insert(
                "with_request_body".to_string(),
                json!({
                    "max_request_bytes": max,
                    "allow_partial_message": body.allow_partial_message.unwrap_or(false),
                    "pack_as_bytes": body.pack_as_bytes.unwrap_or(false),
                }),
            );
        }
        if let Some(code) = server.spec.status_on_error {
            map.insert("status_on_error".to_string(), json!({"code": code}));
        }
        if let Some(clear) = server.spec.clear_route_cache {
            map.insert("clear_route_cache".to_string(), json!(clear));
        }
    }
    let filter = json!({"name": EXT_AUTHZ, "typed_config": config});
    Some((filter, cluster_doc(&cluster, &host, port, true)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_protobuf_form() {
        assert_eq!(duration("200ms").as_deref(), Some("0.200s"));
        assert_eq!(duration("2s").as_deref(), Some("2.000s"));
        assert_eq!(duration("1m").as_deref(), Some("60.000s"));
        assert_eq!(duration("x"), None);
    }
}
