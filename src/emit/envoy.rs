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

use crate::model::index::RouteRef;
use crate::model::kinds::{DestinationReference, ExtAuthServerSpec, HttpRequestMatcher, HttpRoute};
use crate::model::{Model, Resource};

use super::{EmitError, EmitInput};
use crate::model::artifacts::auth_config::id_of;
use crate::model::artifacts::file_name::{file_name, stem};

use crate::rego::matrix::PORTAL_METADATA;
const EXT_AUTHZ: &str = "envoy.filters.http.ext_authz";
const SET_METADATA: &str = "envoy.filters.http.set_metadata";
const SET_METADATA_TYPE: &str =
    "type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config";

/// The path part of a combined matcher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathMatch {
    /// `prefix`.
    Prefix(String),
    /// `exact`.
    Exact(String),
    /// `regex`.
    Regex(String),
}

/// A route matcher with its parents' matchers folded in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    /// Path.
    pub path: PathMatch,
    /// `ignoreCase` on the URI.
    pub ignore_case: bool,
    /// HTTP method.
    pub method: Option<String>,
    /// Header matchers, as Envoy JSON.
    pub headers: Vec<Json>,
    /// Query parameter matchers, as Envoy JSON.
    pub query: Vec<Json>,
}

impl Default for Matcher {
    fn default() -> Self {
        Self {
            path: PathMatch::Prefix("/".to_string()),
            ignore_case: false,
            method: None,
            headers: Vec::new(),
            query: Vec::new(),
        }
    }
}

/// A child matcher the parent's does not contain: Gloo rejects the delegation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherConflict {
    /// The delegating route.
    pub parent: RouteRef,
    /// The child route.
    pub child: RouteRef,
    /// Index of the child's matcher.
    pub matcher: usize,
    /// What conflicts.
    pub message: String,
}

/// A leaf route with its combined matcher, in the order Envoy will try it.
#[derive(Debug, Clone)]
pub struct FlatRoute {
    /// The leaf route.
    pub route: RouteRef,
    /// Delegating routes from the root down.
    pub parents: Vec<RouteRef>,
    /// The combined matcher.
    pub matcher: Matcher,
}

fn matcher_of(m: &HttpRequestMatcher) -> Matcher {
    let mut out = Matcher::default();
    if let Some(uri) = &m.uri {
        if let Some(e) = &uri.exact {
            out.path = PathMatch::Exact(e.clone());
        } else if let Some(p) = &uri.prefix {
            out.path = PathMatch::Prefix(p.clone());
        } else if let Some(r) = &uri.regex {
            out.path = PathMatch::Regex(r.clone());
        }
        out.ignore_case = uri.ignore_case.unwrap_or(false);
    }
    out.method.clone_from(&m.method);
    for h in &m.headers {
        let Some(name) = &h.name else { continue };
        let mut header = json!({"name": name});
        if let (Json::Object(map), Some(value)) = (&mut header, &h.value) {
            let string_match = if h.regex.unwrap_or(false) {
                json!({"safe_regex": {"regex": value}})
            } else {
                json!({"exact": value})
            };
            map.insert("string_match".to_string(), string_match);
        } else if let Json::Object(map) = &mut header {
            map.insert("present_match".to_string(), json!(true));
        }
        if h.invert_match.unwrap_or(false)
            && let Json::Object(map) = &mut header
        {
            map.insert("invert_match".to_string(), json!(true));
        }
        out.headers.push(header);
    }
    for q in &m.query_parameters {
        let Some(name) = &q.name else { continue };
        let mut param = json!({"name": name});
        if let Json::Object(map) = &mut param {
            match &q.value {
                Some(value) if q.regex.unwrap_or(false) => {
                    map.insert(
                        "string_match".to_string(),
                        json!({"safe_regex": {"regex": value}}),
                    );
                }
                Some(value) => {
                    map.insert("string_match".to_string(), json!({"exact": value}));
                }
                None => {
                    map.insert("present_match".to_string(), json!(true));
                }
            }
        }
        out.query.push(param);
    }
    out
}

/// Folds a child matcher into its parent's: the child must be at least as specific.
fn combine(parent: &Matcher, child: &Matcher, child_has_uri: bool) -> Result<Matcher, String> {
    let path = if child_has_uri {
        match (&parent.path, &child.path) {
            (PathMatch::Prefix(p), PathMatch::Prefix(c) | PathMatch::Exact(c))
                if !c.starts_with(p.as_str()) =>
            {
                return Err(format!("path `{c}` is outside the parent's prefix `{p}`"));
            }
            (PathMatch::Exact(p), PathMatch::Exact(c)) if p != c => {
                return Err(format!(
                    "path `{c}` differs from the parent's exact path `{p}`"
                ));
            }
            (PathMatch::Exact(p), PathMatch::Prefix(c)) if p != c => {
                return Err(format!(
                    "prefix `{c}` is wider than the parent's exact path `{p}`"
                ));
            }
            _ => child.path.clone(),
        }
    } else {
        parent.path.clone()
    };
    let method = match (&parent.method, &child.method) {
        (Some(p), Some(c)) if !p.eq_ignore_ascii_case(c) => {
            return Err(format!("method `{c}` differs from the parent's `{p}`"));
        }
        (p, c) => c.clone().or_else(|| p.clone()),
    };
    let mut headers = parent.headers.clone();
    headers.extend(
        child
            .headers
            .iter()
            .filter(|h| !parent.headers.contains(h))
            .cloned(),
    );
    let mut query = parent.query.clone();
    query.extend(
        child
            .query
            .iter()
            .filter(|q| !parent.query.contains(q))
            .cloned(),
    );
    Ok(Matcher {
        path,
        ignore_case: if child_has_uri {
            child.ignore_case
        } else {
            parent.ignore_case
        },
        method,
        headers,
        query,
    })
}

/// Route specificity as Gloo sorts delegated routes with `ROUTE_SPECIFICITY`: exact paths,
/// then regexes, then prefixes from the longest; more header and query matchers first.
fn specificity(m: &Matcher) -> (u8, std::cmp::Reverse<usize>, std::cmp::Reverse<usize>) {
    let (rank, len) = match &m.path {
        PathMatch::Exact(p) => (0, p.len()),
        PathMatch::Regex(r) => (1, r.len()),
        PathMatch::Prefix(p) => (2, p.len()),
    };
    (
        rank,
        std::cmp::Reverse(len),
        std::cmp::Reverse(m.headers.len() + m.query.len()),
    )
}

/// Flattens the routes of a root table through delegation, in Gloo's order, with the
/// conflicts between parent and child matchers.
#[must_use]
pub fn flatten(
    model: &Model,
    children: &BTreeMap<RouteRef, Vec<usize>>,
    root: usize,
) -> (Vec<FlatRoute>, Vec<MatcherConflict>) {
    let mut out = Vec::new();
    let mut conflicts = Vec::new();
    let mut visiting = vec![root];
    walk(
        model,
        children,
        root,
        &Matcher::default(),
        &[],
        &mut visiting,
        &mut out,
        &mut conflicts,
    );
    (out, conflicts)
}

#[allow(clippy::too_many_arguments)]
fn walk(
    model: &Model,
    children: &BTreeMap<RouteRef, Vec<usize>>,
    table: usize,
    parent: &Matcher,
    parents: &[RouteRef],
    visiting: &mut Vec<usize>,
    out: &mut Vec<FlatRoute>,
    conflicts: &mut Vec<MatcherConflict>,
) {
    // Depth is bounded like the index's: cycles are PC209's.
    if visiting.len() > 16 {
        return;
    }
    let Some(t) = model.route_tables.get(table) else {
        return;
    };
    for (r, route) in t.spec.http.iter().enumerate() {
        let here = RouteRef { table, route: r };
        let matchers: Vec<(usize, Matcher, bool)> = if route.matchers.is_empty() {
            vec![(0, Matcher::default(), false)]
        } else {
            route
                .matchers
                .iter()
                .enumerate()
                .map(|(i, m)| (i, matcher_of(m), m.uri.is_some()))
                .collect()
        };
        for (i, matcher, has_uri) in matchers {
            let combined = match combine(parent, &matcher, has_uri) {
                Ok(c) => c,
                Err(message) => {
                    if let Some(&p) = parents.last() {
                        conflicts.push(MatcherConflict {
                            parent: p,
                            child: here,
                            matcher: i,
                            message,
                        });
                    }
                    continue;
                }
            };
            if let Some(delegate) = &route.delegate {
                let mut kids: Vec<usize> = children
                    .get(&here)
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| !visiting.contains(c))
                    .collect();
                let by_specificity = delegate.sort_method.as_deref() == Some("ROUTE_SPECIFICITY");
                kids.sort_by(|&a, &b| {
                    let (ta, tb) = (&model.route_tables[a], &model.route_tables[b]);
                    tb.spec
                        .weight
                        .unwrap_or(0)
                        .cmp(&ta.spec.weight.unwrap_or(0))
                        .then_with(|| ta.meta.id.cmp(&tb.meta.id))
                });
                let mut chain = parents.to_vec();
                chain.push(here);
                let start = out.len();
                for kid in kids {
                    visiting.push(kid);
                    walk(
                        model, children, kid, &combined, &chain, visiting, out, conflicts,
                    );
                    visiting.pop();
                }
                if by_specificity {
                    out[start..].sort_by_key(|r| specificity(&r.matcher));
                }
            } else {
                out.push(FlatRoute {
                    route: here,
                    parents: parents.to_vec(),
                    matcher: combined,
                });
            }
        }
    }
}

/// Delegation edges as a map from delegating route to child tables.
#[must_use]
pub fn children_map(index: &crate::model::index::Index) -> BTreeMap<RouteRef, Vec<usize>> {
    let mut map: BTreeMap<RouteRef, Vec<usize>> = BTreeMap::new();
    for edge in &index.edges {
        map.entry(edge.parent)
            .or_default()
            .extend(edge.children.iter().copied());
    }
    for kids in map.values_mut() {
        kids.sort_unstable();
        kids.dedup();
    }
    map
}

/// Root tables: not delegated to, with hosts.
fn roots(input: &EmitInput<'_>) -> Vec<usize> {
    let mut roots: Vec<usize> = (0..input.model.route_tables.len())
        .filter(|&t| !input.index.delegated.get(t).copied().unwrap_or(false))
        .filter(|&t| !input.model.route_tables[t].spec.hosts.is_empty())
        .collect();
    roots.sort_by(|&a, &b| {
        input.model.route_tables[a]
            .meta
            .id
            .cmp(&input.model.route_tables[b].meta.id)
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
    let mut headers = m.headers.clone();
    if let Some(method) = &m.method {
        headers.push(json!({"name": ":method", "string_match": {"exact": method.to_uppercase()}}));
    }
    if !headers.is_empty() {
        out.insert("headers".to_string(), Json::Array(headers));
    }
    if !m.query.is_empty() {
        out.insert("query_parameters".to_string(), Json::Array(m.query.clone()));
    }
    Json::Object(out)
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
    // Which policy protects each route instance; the first by name when several do (PC205).
    let mut instance_of: BTreeMap<(Vec<RouteRef>, RouteRef), u32> = BTreeMap::new();
    for (i, inst) in input.index.instances.iter().enumerate() {
        if let Ok(id) = u32::try_from(i) {
            instance_of
                .entry((inst.parents.clone(), inst.route))
                .or_insert(id);
        }
    }
    let mut policies: Vec<usize> = input.selections.iter().map(|s| s.policy).collect();
    policies.sort_by(|&a, &b| {
        model.ext_auth_policies[a]
            .meta
            .id
            .cmp(&model.ext_auth_policies[b].meta.id)
    });
    // The protecting policy of every instance, decided once: the first policy by name that
    // selects it and has a `glooAuth` (asking every policy per route made the build
    // quadratic).
    let mut protector: Vec<Option<usize>> = vec![None; input.index.instances.len()];
    for &p in &policies {
        if model.ext_auth_policies[p]
            .spec
            .config
            .as_ref()
            .is_none_or(|c| c.gloo_auth.is_none())
        {
            continue;
        }
        for selection in input.selections.iter().filter(|s| s.policy == p) {
            for selected in &selection.by_selector {
                if let crate::model::selection::Selected::Routes(ids) = selected {
                    for &id in ids {
                        if let Some(slot @ None) = protector.get_mut(id as usize) {
                            *slot = Some(p);
                        }
                    }
                }
            }
        }
    }
    let children = children_map(input.index);
    let mut used_filter: Option<(String, String)> = None;
    let mut virtual_hosts = Vec::new();
    let mut any_product = false;
    for root in roots(input) {
        let table = &model.route_tables[root];
        let (flat, _) = flatten(model, &children, root);
        let mut routes = Vec::new();
        let mut seen_names: BTreeSet<String> = BTreeSet::new();
        for flat_route in &flat {
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
            let instance = instance_of
                .get(&(flat_route.parents.clone(), flat_route.route))
                .copied();
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

    fn prefix(p: &str) -> Matcher {
        Matcher {
            path: PathMatch::Prefix(p.to_string()),
            ..Matcher::default()
        }
    }

    #[test]
    fn child_matchers_must_stay_inside_the_parent() {
        assert!(combine(&prefix("/api"), &prefix("/api/pets"), true).is_ok());
        assert!(combine(&prefix("/api"), &prefix("/other"), true).is_err());
        let inherited = combine(&prefix("/api"), &Matcher::default(), false);
        assert_eq!(
            inherited.map(|m| m.path),
            Ok(PathMatch::Prefix("/api".to_string()))
        );
        let get = Matcher {
            method: Some("GET".to_string()),
            ..prefix("/api")
        };
        let post = Matcher {
            method: Some("POST".to_string()),
            ..prefix("/api/x")
        };
        assert!(combine(&get, &post, true).is_err());
    }

    #[test]
    fn durations_in_protobuf_form() {
        assert_eq!(duration("200ms").as_deref(), Some("0.200s"));
        assert_eq!(duration("2s").as_deref(), Some("2.000s"));
        assert_eq!(duration("1m").as_deref(), Some("60.000s"));
        assert_eq!(duration("x"), None);
    }

    #[test]
    fn specificity_orders_exact_regex_prefix() {
        let exact = Matcher {
            path: PathMatch::Exact("/a".to_string()),
            ..Matcher::default()
        };
        let mut all = [prefix("/a"), prefix("/a/b"), exact.clone()];
        all.sort_by_key(specificity);
        assert_eq!(all[0], exact);
        assert_eq!(all[1], prefix("/a/b"));
    }
}
