//! Envoy v3 configuration for the gateway (PRODUCT §6, gloo-api.md §5): the ext_authz HTTP
//! filter of each ExtAuthServer, the clusters it and the routes point at, a RouteConfiguration
//! per root route table with delegation flattened, and a static bootstrap that runs the whole
//! result locally.
//!
//! The API-product metadata the Rego reads under `metadata_context.filter_metadata
//! ["io.solo.gloo.apimanagement"]` is dynamic metadata in Gloo (gloo-api.md §5). Plain Envoy has
//! no filter of Gloo's that sets it, so each product route carries a per-route config of the
//! `envoy.filters.http.set_metadata` filter with the product's values as constants, and
//! ext_authz forwards that namespace through `metadata_context_namespaces`. Nothing a client
//! sends takes part: the values are in the route configuration, and set_metadata reads no
//! header. (An earlier design set them with `header_to_metadata` rules that fired
//! `on_header_missing` for a header no client was expected to send: any client that sent it
//! removed the product from the check request, and policies that let requests without a
//! product through then opened every product route.) set_metadata accepts a per-route config
//! (`SetMetadataConfig::createRouteSpecificFilterConfigTyped` in Envoy's
//! source/extensions/filters/http/set_metadata/config.cc); tests/build.rs proves with the real
//! Envoy 1.40 that the values reach the ext_authz check request, also when a client sends
//! headers of its own.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value as Json, json};

use crate::model::flatten::{FlatTable, Matcher, PathMatch, ValueMatch, flatten_all};
use crate::model::kinds::{DestinationReference, ExtAuthServerSpec, HttpRoute};
use crate::model::protection::protecting_policies;
use crate::model::{Model, Resource};

use super::authconfig::id_of;
use super::file_name::{file_name, stem};
use super::{EmitError, EmitInput};

use crate::rego::matrix::PORTAL_METADATA;
const EXT_AUTHZ: &str = "envoy.filters.http.ext_authz";
const SET_METADATA: &str = "envoy.filters.http.set_metadata";
const SET_METADATA_TYPE: &str =
    "type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config";

/// The flattened root tables that get a RouteConfiguration: those with hosts, by identity.
fn with_hosts<'a>(model: &Model, tables: &'a [FlatTable]) -> Vec<&'a FlatTable> {
    let mut roots: Vec<&FlatTable> = tables
        .iter()
        .filter(|t| !model.route_tables[t.table].spec.hosts.is_empty())
        .collect();
    roots.sort_by(|a, b| {
        model.route_tables[a.table]
            .meta
            .id
            .cmp(&model.route_tables[b.table].meta.id)
    });
    roots
}

/// The Envoy cluster name of a destination (Istio's outbound form, as the Gloo gateway names
/// them) and the host and port behind it.
fn cluster_of(dest: &DestinationReference, namespace: &str) -> Option<(String, String, u32)> {
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

fn cluster_doc(name: &str, host: &str, port: u32, http2: bool) -> Json {
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
fn ext_authz_filter(server: &Resource<ExtAuthServerSpec>) -> Option<(Json, Json)> {
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

fn route_match(m: &Matcher) -> Json {
    let mut out = serde_json::Map::new();
    match &m.path {
        PathMatch::Prefix(p) => out.insert("prefix".to_string(), json!(p)),
        PathMatch::Exact(p) => out.insert("path".to_string(), json!(p)),
        PathMatch::Regex(r) => out.insert("safe_regex".to_string(), json!({"regex": r})),
    };
    if m.ignore_case {
        out.insert("case_sensitive".to_string(), json!(false));
    }
    let mut headers: Vec<Json> = m
        .headers
        .iter()
        .map(|h| {
            let mut header = value_match(&h.name, &h.value);
            if h.invert
                && let Json::Object(map) = &mut header
            {
                map.insert("invert_match".to_string(), json!(true));
            }
            header
        })
        .collect();
    if let Some(method) = &m.method {
        headers.push(json!({"name": ":method", "string_match": {"exact": method.to_uppercase()}}));
    }
    if !headers.is_empty() {
        out.insert("headers".to_string(), Json::Array(headers));
    }
    if !m.query.is_empty() {
        let query = m
            .query
            .iter()
            .map(|q| value_match(&q.name, &q.value))
            .collect();
        out.insert("query_parameters".to_string(), Json::Array(query));
    }
    Json::Object(out)
}

/// An Envoy `HeaderMatcher` or `QueryParameterMatcher` without `invert_match`: the two share
/// `name`, `string_match` and `present_match`.
fn value_match(name: &str, value: &ValueMatch) -> Json {
    match value {
        ValueMatch::Present => json!({"name": name, "present_match": true}),
        ValueMatch::Exact(v) => json!({"name": name, "string_match": {"exact": v}}),
        ValueMatch::Regex(r) => json!({"name": name, "string_match": {"safe_regex": {"regex": r}}}),
    }
}

/// The route action (or direct response / redirect) of a leaf route, with the clusters it
/// needs; `None` for actions Envoy cannot express without Gloo (GraphQL).
fn route_action(
    route: &HttpRoute,
    namespace: &str,
    clusters: &mut BTreeMap<String, Json>,
) -> Option<(String, Json)> {
    if let Some(forward) = &route.forward_to {
        let mut targets = Vec::new();
        for dest in &forward.destinations {
            let (name, host, port) = cluster_of(dest, namespace)?;
            clusters
                .entry(name.clone())
                .or_insert_with(|| cluster_doc(&name, &host, port, false));
            targets.push((name, dest.weight));
        }
        let mut action = match targets.as_slice() {
            [] => return None,
            [(name, _)] => json!({"cluster": name}),
            many => {
                json!({"weighted_clusters": {"clusters": many.iter().map(|(name, weight)| json!({
                "name": name,
                "weight": weight.and_then(|w| u32::try_from(w).ok()).unwrap_or(1),
            })).collect::<Vec<_>>()}})
            }
        };
        if let Json::Object(map) = &mut action {
            if let Some(rewrite) = &forward.path_rewrite {
                map.insert("prefix_rewrite".to_string(), json!(rewrite));
            }
            if let Some(host) = &forward.host_rewrite {
                map.insert("host_rewrite_literal".to_string(), json!(host));
            }
        }
        return Some(("route".to_string(), action));
    }
    if let Some(direct) = &route.direct_response {
        let mut response = json!({"status": direct.status.unwrap_or(200)});
        if let (Some(body), Json::Object(map)) = (&direct.body, &mut response) {
            map.insert("body".to_string(), json!({"inline_string": body}));
        }
        return Some(("direct_response".to_string(), response));
    }
    if let Some(redirect) = &route.redirect {
        let mut out = serde_json::Map::new();
        if let Some(host) = &redirect.host_redirect {
            out.insert("host_redirect".to_string(), json!(host));
        }
        if let Some(path) = &redirect.path_redirect {
            out.insert("path_redirect".to_string(), json!(path));
        }
        if let Some(code) = &redirect.response_code {
            out.insert("response_code".to_string(), json!(code));
        }
        return Some(("redirect".to_string(), Json::Object(out)));
    }
    None
}

/// Every Envoy document: (artifact path, document).
///
/// # Errors
/// When a document fails validation against Envoy's descriptors.
pub fn emit(input: &EmitInput<'_>) -> Result<Vec<(String, Json)>, EmitError> {
    let model = input.model;
    let mut docs: Vec<(String, Json, &'static str)> = Vec::new();
    let mut clusters: BTreeMap<String, Json> = BTreeMap::new();
    // The ext_authz filter of every ExtAuthServer.
    let mut filters: BTreeMap<(String, String), Json> = BTreeMap::new();
    for server in &model.ext_auth_servers {
        if let Some((filter, cluster)) = ext_authz_filter(server) {
            let key = (
                server.meta.id.namespace.clone(),
                server.meta.id.name.clone(),
            );
            docs.push((
                // Names become file names: never a path separator or `..` of their own, one
                // file per server, at most MAX_FILE_NAME_BYTES (see `file_name`).
                format!("envoy/ext-authz/{}", file_name(&[&key.0, &key.1])),
                filter.clone(),
                "envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter",
            ));
            if let Some(name) = cluster.get("name").and_then(Json::as_str) {
                clusters.insert(name.to_string(), cluster.clone());
            }
            filters.insert(key, filter);
        }
    }
    let protector = protecting_policies(model, input.index, input.selections);
    let flattened = flatten_all(model, input.index);
    let mut used_filter: Option<(String, String)> = None;
    let mut virtual_hosts = Vec::new();
    let mut any_product = false;
    for root in with_hosts(model, &flattened.tables) {
        let table = &model.route_tables[root.table];
        let mut routes = Vec::new();
        let mut seen_names: BTreeSet<String> = BTreeSet::new();
        for flat_route in &root.routes {
            let Some(leaf_table) = model.route_tables.get(flat_route.route.table) else {
                continue;
            };
            let Some(leaf) = leaf_table.spec.http.get(flat_route.route.route) else {
                continue;
            };
            let Some((kind, action)) =
                route_action(leaf, &leaf_table.meta.id.namespace, &mut clusters)
            else {
                continue;
            };
            let base_name = format!(
                "{}/{}/{}",
                leaf_table.meta.id.namespace,
                leaf_table.meta.id.name,
                leaf.name
                    .clone()
                    .unwrap_or_else(|| format!("#{}", flat_route.route.route))
            );
            let mut name = base_name.clone();
            let mut n = 2;
            while !seen_names.insert(name.clone()) {
                name = format!("{base_name}~{n}");
                n += 1;
            }
            let instance = flat_route.instance;
            let policy = instance.and_then(|id| protector.get(id as usize).copied().flatten());
            let mut per_filter = serde_json::Map::new();
            match policy {
                Some(p) => {
                    let resource = &model.ext_auth_policies[p];
                    let id = id_of(model, resource);
                    if used_filter.is_none() {
                        let server = resource
                            .spec
                            .config
                            .as_ref()
                            .and_then(|c| c.server.as_ref());
                        let key = (
                            server
                                .and_then(|s| s.namespace.clone())
                                .unwrap_or_else(|| resource.meta.id.namespace.clone()),
                            server.and_then(|s| s.name.clone()).unwrap_or_default(),
                        );
                        if filters.contains_key(&key) {
                            used_filter = Some(key);
                        }
                    }
                    per_filter.insert(
                        EXT_AUTHZ.to_string(),
                        json!({
                            "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute",
                            "check_settings": {"context_extensions": {
                                "config_id": id.config_id(),
                                "source_type": "route",
                                "source_name": name,
                            }},
                        }),
                    );
                }
                None => {
                    per_filter.insert(
                        EXT_AUTHZ.to_string(),
                        json!({
                            "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute",
                            "disabled": true,
                        }),
                    );
                }
            }
            let product = instance
                .and_then(|id| input.index.instance(id))
                .and_then(|i| i.product_table)
                .and_then(|t| model.route_tables.get(t));
            if let Some(product_table) = product
                && let Some(portal) = &product_table.spec.portal_metadata
                && let Some(product_id) = portal.api_product_id.as_deref()
            {
                any_product = true;
                let mut values = vec![("api_product_id", product_id.to_string())];
                if let Some(display) = portal
                    .api_product_display_name
                    .as_ref()
                    .or(portal.title.as_ref())
                {
                    values.push(("api_product_name", display.clone()));
                }
                values.push((
                    "api_id",
                    portal
                        .api_version
                        .as_ref()
                        .map_or_else(|| product_id.to_string(), |v| format!("{product_id}-{v}")),
                ));
                let value: serde_json::Map<String, Json> = values
                    .into_iter()
                    .map(|(key, value)| (key.to_string(), json!(value)))
                    .collect();
                // `allow_overwrite`: the route's values win over anything an earlier filter may
                // have put in the namespace (set_metadata_filter.rst: untyped values are merged
                // only when it is set).
                per_filter.insert(
                    SET_METADATA.to_string(),
                    json!({
                        "@type": SET_METADATA_TYPE,
                        "metadata": [{
                            "metadata_namespace": PORTAL_METADATA,
                            "allow_overwrite": true,
                            "value": Json::Object(value),
                        }],
                    }),
                );
            }
            let mut route = json!({
                "name": name,
                "match": route_match(&flat_route.matcher),
                "typed_per_filter_config": Json::Object(per_filter),
            });
            if let Json::Object(map) = &mut route {
                map.insert(kind, action);
            }
            routes.push(route);
        }
        // One name for the file, the RouteConfiguration and its virtual host: `<ns>.<name>`
        // where that is a Kubernetes name, else a hashed form (see `file_name`). `x`/`y.z` and
        // `x.y`/`z` once shared all three, and one table disappeared from the build.
        let name = stem(&[&table.meta.id.namespace, &table.meta.id.name]);
        let vhost = json!({
            "name": name,
            "domains": table.spec.hosts,
            "routes": routes,
        });
        docs.push((
            format!("envoy/routes/{name}.yaml"),
            json!({
                "name": name,
                "virtual_hosts": [vhost.clone()],
            }),
            "envoy.config.route.v3.RouteConfiguration",
        ));
        virtual_hosts.push(vhost);
    }
    for (name, cluster) in &clusters {
        docs.push((
            format!("envoy/clusters/{}", file_name(&[name])),
            cluster.clone(),
            "envoy.config.cluster.v3.Cluster",
        ));
    }
    if !virtual_hosts.is_empty() {
        let mut http_filters = Vec::new();
        if any_product {
            // Does nothing by itself: each product route's per-route config says what to set.
            http_filters.push(json!({
                "name": SET_METADATA,
                "typed_config": {"@type": SET_METADATA_TYPE},
            }));
        }
        let filter = used_filter
            .as_ref()
            .and_then(|k| filters.get(k))
            .or_else(|| filters.values().next());
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
                            "route_config": {"name": "portico", "virtual_hosts": virtual_hosts},
                            "http_filters": http_filters,
                        },
                    }]}],
                }],
                "clusters": clusters.values().cloned().collect::<Vec<_>>(),
            },
        });
        docs.push(("envoy/bootstrap.yaml".to_string(), bootstrap, BOOTSTRAP));
    }
    // Validation is independent per document: on every core, first error in document order.
    {
        use rayon::prelude::*;
        docs.par_iter()
            .map(|(path, doc, message)| {
                if *message == BOOTSTRAP {
                    validate_bootstrap(path, doc)
                } else {
                    validate(path, message, doc)
                }
            })
            .collect::<Result<Vec<()>, EmitError>>()?;
    }
    let mut out: Vec<(String, Json)> = docs.into_iter().map(|(path, doc, _)| (path, doc)).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

const BOOTSTRAP: &str = "envoy.config.bootstrap.v3.Bootstrap";

/// Validates the bootstrap without re-validating what it repeats: its virtual hosts are those
/// of the RouteConfigurations and its clusters those of the Cluster documents, each validated
/// as its own message already, so the bootstrap is checked with them emptied. (Validating all
/// routes twice was a third of a large build.)
fn validate_bootstrap(path: &str, doc: &Json) -> Result<(), EmitError> {
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
    validate(path, BOOTSTRAP, &skeleton)
}

fn validate(path: &str, message: &str, doc: &Json) -> Result<(), EmitError> {
    super::envoy_schema::validate(message, doc).map_err(|e| EmitError::Invalid {
        file: path.to_string(),
        pointer: e.pointer,
        message: e.message,
    })
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
