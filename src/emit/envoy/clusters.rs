//! The Envoy clusters of a build: one per destination the routes forward to and one per
//! ExtAuthServer, named as the Gloo gateway names them.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::model::kinds::DestinationReference;

use super::Document;
use crate::model::artifacts::file_name::file_name;

/// Every cluster, by name.
#[derive(Default)]
pub(super) struct Clusters {
    by_name: BTreeMap<String, Json>,
}

impl Clusters {
    /// Adds a cluster, replacing one of the same name.
    pub(super) fn insert(&mut self, cluster: Json) {
        if let Some(name) = cluster.get("name").and_then(Json::as_str) {
            self.by_name.insert(name.to_string(), cluster);
        }
    }

    /// The name of a route destination's cluster, which is added unless a cluster of that name
    /// exists (an ExtAuthServer's, which speaks HTTP/2, stays as it is).
    pub(super) fn for_route(
        &mut self,
        dest: &DestinationReference,
        namespace: &str,
    ) -> Option<String> {
        let (name, host, port) = cluster_of(dest, namespace)?;
        self.by_name
            .entry(name.clone())
            .or_insert_with(|| cluster_doc(&name, &host, port, false));
        Some(name)
    }

    /// Every cluster, by name, for the bootstrap.
    pub(super) fn all(&self) -> Vec<Json> {
        self.by_name.values().cloned().collect()
    }

    /// One Cluster document per cluster, by name.
    pub(super) fn documents(&self) -> impl Iterator<Item = Document> + '_ {
        self.by_name.iter().map(|(name, cluster)| Document {
            path: format!("envoy/clusters/{}", file_name(&[name])),
            json: cluster.clone(),
            message: "envoy.config.cluster.v3.Cluster",
        })
    }
}

/// The Envoy cluster name of a destination (Istio's outbound form, as the Gloo gateway names
/// them) and the host and port behind it.
pub(super) fn cluster_of(
    dest: &DestinationReference,
    namespace: &str,
) -> Option<(String, String, u32)> {
    let reference = dest.reference.as_ref()?;
    let name = reference.name.as_deref()?;
    let ns = reference.namespace.as_deref().unwrap_or(namespace);
    let kind = dest.kind.as_deref().unwrap_or("SERVICE");
    let host = match kind {
        "SERVICE" => format!("{name}.{ns}.svc.cluster.local"),
        other => format!("{name}.{ns}.{}", other.to_lowercase().replace('_', "-")),
    };
    let port = dest.port.as_ref();
    let number = port
        .and_then(|p| p.number)
        .and_then(|n| u32::try_from(n).ok());
    // A named port's number lives in the Service, which is not in the repository: the
    // conventional numbers stand in (8083 is the Gloo ext auth service's gRPC port).
    let value = match (number, port.and_then(|p| p.name.as_deref())) {
        (Some(n), _) => n,
        (None, Some("grpc")) => 8083,
        (None, Some("https")) => 443,
        _ => 80,
    };
    Some((format!("outbound|{value}||{host}"), host, value))
}

/// A STRICT_DNS cluster of one endpoint; `http2` for gRPC (the ext auth service).
pub(super) fn cluster_doc(name: &str, host: &str, port: u32, http2: bool) -> Json {
    let mut cluster = json!({
        "name": name,
        "type": "STRICT_DNS",
        "connect_timeout": "5s",
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}]}],
        },
    });
    if http2 && let Json::Object(map) = &mut cluster {
        map.insert(
            "typed_extension_protocol_options".to_string(),
            json!({"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "explicit_http_config": {"http2_protocol_options": {}},
            }}),
        );
    }
    cluster
}
