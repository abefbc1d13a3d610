//! The request the gateway would send the ext auth service for an API-product route
//! (gloo-api.md §6): the route's host, path and method, the portal metadata of its product,
//! the context extensions of its policy, and a token of one profile.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Value as Json, json};

use crate::config::IdentityProvider;
use crate::model::flatten::{Inheritance, request_path};
use crate::model::index::RouteInstance;
use crate::model::kinds::{HttpRequestMatcher, RouteTableSpec};
use crate::model::selection::{PolicySelection, Selected};
use crate::model::{Model, Resource};
use crate::rego::evaluation::Value;

use super::profiles::token_claims;
use super::{MatrixInput, PORTAL_METADATA};

/// A route a policy protects, with what the request to it looks like.
pub(super) struct ProductRoute {
    pub(super) instance: u32,
    pub(super) name: Arc<str>,
    pub(super) product: Arc<str>,
    pub(super) product_name: Option<String>,
    pub(super) api_id: String,
    pub(super) host: String,
    pub(super) path: String,
    pub(super) method: String,
    pub(super) route_name: String,
}

/// The API-product routes a policy selects, one per route name.
pub(super) fn product_routes(
    input: &MatrixInput<'_>,
    selection: &PolicySelection,
) -> Vec<ProductRoute> {
    let mut out = Vec::new();
    // Only the routes the policy selects: scanning every route per policy would make the
    // matrix quadratic in a large repository.
    let mut ids: Vec<u32> = selection
        .by_selector
        .iter()
        .filter_map(|s| match s {
            Selected::Routes(ids) => Some(ids.iter().copied()),
            Selected::Unknown => None,
        })
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
    // One route reached through several parents, or a repository holding the same tables
    // many times over, gives many instances of one route name. The matrix keeps one decision
    // per route name, policy and profile (the lowest instance, see `evaluate_within`): deciding
    // only that instance gives the same matrix, and keeps N copies of a repository from
    // costing N^3 decisions (100 copies of an example: 43 s and 2.2 GB before).
    let mut seen: HashSet<Arc<str>> = HashSet::new();
    for id in ids {
        let Some(instance) = input.index.instances.get(id as usize) else {
            continue;
        };
        let Some(table) = instance
            .product_table
            .and_then(|t| input.model.route_tables.get(t))
        else {
            continue;
        };
        let Some(product) = table.spec.api_product_id().filter(|p| !p.is_empty()) else {
            continue;
        };
        let Some(leaf_table) = input.model.route_tables.get(instance.route.table) else {
            continue;
        };
        let Some(leaf) = leaf_table.spec.http.get(instance.route.route) else {
            continue;
        };
        let root_table = instance
            .parents
            .first()
            .and_then(|p| input.model.route_tables.get(p.table))
            .unwrap_or(leaf_table);
        let host = host_of(root_table);
        let (path, method) = path_and_method(
            input.model,
            instance,
            Inheritance::of(input.facts.gloo_version),
        );
        let portal = table.spec.portal_metadata.as_ref();
        let version = portal.and_then(|p| p.api_version.clone());
        let route_name = leaf
            .name
            .clone()
            .unwrap_or_else(|| format!("#{}", instance.route.route));
        let name: Arc<str> = format!(
            "{}/{}/{}",
            leaf_table.meta.id.namespace, leaf_table.meta.id.name, route_name
        )
        .into();
        if !seen.insert(name.clone()) {
            continue;
        }
        out.push(ProductRoute {
            instance: id,
            name,
            product: product.into(),
            product_name: portal.and_then(|p| {
                p.api_product_display_name
                    .clone()
                    .or_else(|| p.title.clone())
            }),
            api_id: version.map_or_else(|| product.to_string(), |v| format!("{product}-{v}")),
            host,
            path,
            method,
            route_name,
        });
    }
    out
}

/// The host a request to a route of `root_table` names: its first host without a wildcard,
/// else its first with `*` made a label.
fn host_of(root_table: &Resource<RouteTableSpec>) -> String {
    root_table
        .spec
        .hosts
        .iter()
        .find(|h| !h.contains('*'))
        .or_else(|| root_table.spec.hosts.first())
        .map_or_else(|| "example.com".to_string(), |h| h.replace('*', "api"))
}

/// The path and method of a request to `instance`: the path combined from the parents' and the
/// route's first matchers by the rule of the configured Gloo release (`flatten::request_path`),
/// the deepest method named.
fn path_and_method(
    model: &Model,
    instance: &RouteInstance,
    inherits: Inheritance,
) -> (String, String) {
    let mut method = "GET".to_string();
    let chain: Vec<&HttpRequestMatcher> = instance
        .parents
        .iter()
        .copied()
        .chain(std::iter::once(instance.route))
        .filter_map(|r| {
            model
                .route_tables
                .get(r.table)
                .and_then(|t| t.spec.http.get(r.route))
                .and_then(|route| route.matchers.first())
        })
        .collect();
    for m in &chain {
        if let Some(verb) = &m.method {
            method.clone_from(verb);
        }
    }
    (request_path(inherits, chain), method)
}

/// The parts of the ext auth input that depend on the route and policy, not on the token:
/// `check_request` and `http_request`.
pub(super) fn request_parts(route: &ProductRoute, policy_ns: &str, policy: &str) -> (Json, Json) {
    let headers = json!({
        ":authority": route.host,
        ":method": route.method,
        ":path": route.path,
        ":scheme": "https",
        "authorization": "Bearer <synthetic>",
        "x-forwarded-proto": "https",
    });
    let http = json!({
        "id": "portico-synthetic-request",
        "method": route.method,
        "headers": headers,
        "path": route.path,
        "host": route.host,
        "scheme": "https",
        "protocol": "HTTP/1.1",
    });
    let mut metadata = json!({
        "api_product_id": &*route.product,
        "api_id": route.api_id,
    });
    if let (Some(name), Json::Object(m)) = (&route.product_name, &mut metadata) {
        m.insert("api_product_name".to_string(), json!(name));
    }
    let check_request = json!({"attributes": {
        "request": {"http": http},
        "context_extensions": {
            "config_id": format!("{policy_ns}.{policy}"),
            "source_type": "route",
            "source_name": route.route_name,
        },
        "metadata_context": {"filter_metadata": {PORTAL_METADATA: metadata}},
    }});
    (check_request, http)
}

/// A request of the matrix: its route and policy parts are built once, when an evaluation
/// first needs them, and shared by every token profile.
pub(super) struct Request<'a> {
    pub(super) route: &'a ProductRoute,
    pub(super) provider: Option<&'a IdentityProvider>,
    pub(super) policy_namespace: &'a str,
    pub(super) policy: &'a str,
    pub(super) parts: Option<(Value, Value)>,
}

impl Request<'_> {
    /// The ext auth input with a token holding `scopes`.
    pub(super) fn value(&mut self, scopes: &[Arc<str>]) -> Value {
        let (route, namespace, policy) = (self.route, self.policy_namespace, self.policy);
        let (check_request, http) = self.parts.get_or_insert_with(|| {
            let (check_request, http) = request_parts(route, namespace, policy);
            (Value::from_json(&check_request), Value::from_json(&http))
        });
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let token = Value::from_json(&token_claims(self.provider, &scopes));
        Value::object([
            ("check_request", check_request.clone()),
            ("http_request", http.clone()),
            ("state", Value::object([("jwtAccessToken", token)])),
        ])
    }
}
