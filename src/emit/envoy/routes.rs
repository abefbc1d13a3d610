//! One RouteConfiguration per root route table with hosts: its routes flattened through
//! delegation, each with its match, its action, its ext_authz settings and, on an API-product
//! route, the product metadata the Rego reads.

use std::collections::BTreeSet;

use serde_json::{Value as Json, json};

use crate::access::PORTAL_METADATA;
use crate::emit::EmitInput;
use crate::model::Model;
use crate::model::artifacts::file_name::stem;
use crate::model::flatten::{FlatRoute, FlatTable, Flattened, Matcher, PathMatch, ValueMatch};
use crate::model::kinds::HttpRoute;

use super::Document;
use super::clusters::Clusters;
use super::ext_authz::{self, EXT_AUTHZ, Filters};

/// The HTTP filter that puts the product metadata on a request.
pub(super) const SET_METADATA: &str = "envoy.filters.http.set_metadata";
/// Its configuration type, for the filter and its per-route settings alike.
pub(super) const SET_METADATA_TYPE: &str =
    "type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config";

/// The route configurations of a build.
pub(super) struct Routes {
    /// One RouteConfiguration document per root table with hosts, by table identity.
    pub(super) documents: Vec<Document>,
    /// The virtual host of each, for the bootstrap's listener.
    pub(super) virtual_hosts: Vec<Json>,
    /// The server of the first protected route whose ExtAuthServer has a filter: the one the
    /// bootstrap's listener runs.
    pub(super) server: Option<(String, String)>,
    /// Whether some route carries product metadata (the listener then needs set_metadata).
    pub(super) any_product: bool,
}

/// What every route of a build is made with.
pub(super) struct RouteContext<'a> {
    /// The pipeline's results.
    pub(super) input: &'a EmitInput<'a>,
    /// Per route instance, the policy that protects it (`model::protection`).
    pub(super) protector: &'a [Option<usize>],
    /// The ext_authz filters, to find the listener's.
    pub(super) filters: &'a Filters,
}

/// The RouteConfiguration of every flattened root table with hosts; the clusters its routes
/// forward to are added to `clusters`.
pub(super) fn build(
    context: &RouteContext<'_>,
    flattened: &Flattened,
    clusters: &mut Clusters,
) -> Routes {
    let model = context.input.model;
    let mut out = Routes {
        documents: Vec::new(),
        virtual_hosts: Vec::new(),
        server: None,
        any_product: false,
    };
    for root in with_hosts(model, &flattened.tables) {
        let table = &model.route_tables[root.table];
        let mut routes = Vec::new();
        let mut seen_names: BTreeSet<String> = BTreeSet::new();
        for flat_route in &root.routes {
            if let Some(route) = route(context, flat_route, &mut seen_names, clusters, &mut out) {
                routes.push(route);
            }
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
        out.documents.push(Document {
            path: format!("envoy/routes/{name}.yaml"),
            json: json!({
                "name": name,
                "virtual_hosts": [vhost.clone()],
            }),
            message: "envoy.config.route.v3.RouteConfiguration",
        });
        out.virtual_hosts.push(vhost);
    }
    out
}

/// The Envoy route of one flattened leaf route; `None` when Envoy cannot express its action.
/// `seen_names` holds the route names of its RouteConfiguration so far: a route reached twice
/// gets `~2`, `~3`, … so that each name is unique.
fn route(
    context: &RouteContext<'_>,
    flat_route: &FlatRoute,
    seen_names: &mut BTreeSet<String>,
    clusters: &mut Clusters,
    routes: &mut Routes,
) -> Option<Json> {
    let model = context.input.model;
    let leaf_table = model.route_tables.get(flat_route.route.table)?;
    let leaf = leaf_table.spec.http.get(flat_route.route.route)?;
    let (kind, action) = route_action(leaf, &leaf_table.meta.id.namespace, clusters)?;
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
    let policy = flat_route
        .instance
        .and_then(|id| context.protector.get(id as usize).copied().flatten())
        .and_then(|p| model.ext_auth_policies.get(p));
    let mut per_filter = serde_json::Map::new();
    let ext_authz = match policy {
        Some(policy) => {
            if routes.server.is_none() {
                let server = ext_authz::server_of(policy);
                if context.filters.get(&server).is_some() {
                    routes.server = Some(server);
                }
            }
            ext_authz::per_route(model, policy, &name)
        }
        None => ext_authz::disabled(),
    };
    per_filter.insert(EXT_AUTHZ.to_string(), ext_authz);
    if let Some(metadata) = product_metadata(context.input, flat_route.instance) {
        routes.any_product = true;
        per_filter.insert(SET_METADATA.to_string(), metadata);
    }
    let mut route = json!({
        "name": name,
        "match": route_match(&flat_route.matcher),
        "typed_per_filter_config": Json::Object(per_filter),
    });
    if let Json::Object(map) = &mut route {
        map.insert(kind, action);
    }
    Some(route)
}

/// The set_metadata per-route settings that put the route's API-product metadata where the
/// Rego reads it (the module documentation of `emit::envoy` says why constants); `None` off
/// a product.
fn product_metadata(input: &EmitInput<'_>, instance: Option<u32>) -> Option<Json> {
    let product_table = instance
        .and_then(|id| input.index.instance(id))
        .and_then(|i| i.product_table)
        .and_then(|t| input.model.route_tables.get(t))?;
    let portal = product_table.spec.portal_metadata.as_ref()?;
    let product_id = portal.api_product_id.as_deref()?;
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
    // `allow_overwrite`: the route's values win over anything an earlier filter may have put
    // in the namespace (set_metadata_filter.rst: untyped values are merged only when it is
    // set).
    Some(json!({
        "@type": SET_METADATA_TYPE,
        "metadata": [{
            "metadata_namespace": PORTAL_METADATA,
            "allow_overwrite": true,
            "value": Json::Object(value),
        }],
    }))
}

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

/// The Envoy `RouteMatch` of a combined matcher.
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
    clusters: &mut Clusters,
) -> Option<(String, Json)> {
    if let Some(forward) = &route.forward_to {
        let mut targets = Vec::new();
        for dest in &forward.destinations {
            let name = clusters.for_route(dest, namespace)?;
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
