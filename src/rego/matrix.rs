//! The access matrix (PRODUCT §7): for every API-product route an ExtAuthPolicy protects, the
//! input the gateway would send the ext auth service is synthesized for a set of token
//! profiles (no scope, each product scope alone, all of them), and the policy's auth chain is
//! decided: token validation with `requiredScopes` as Gloo checks it, and every `opaAuth`
//! step evaluated with regorus, combined in order or by `booleanExpr`.
//!
//! One engine is built per `opaAuth` step and reused for every input, so the cost is one
//! compile per step plus one evaluation per route and profile.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::config::{IdentityProvider, ProviderType};
use crate::model::Model;
use crate::model::identity::link_policies;
use crate::model::index::Index;
use crate::model::kinds::{AuthConfigSpec, AuthStep};
use crate::model::selection::PolicySelection;

use super::builtins_opa::OPA_BUILTINS;
use super::parse::Syntax;
use super::{Analysis, OpaStep};

/// The metadata namespace the portal fills for ext auth.
pub const PORTAL_METADATA: &str = "io.solo.gloo.apimanagement";

/// How long one evaluation may run before it counts as an error (a runaway policy must not
/// hang the linter).
const EVALUATION_LIMIT: Duration = Duration::from_secs(2);

/// The start of the error of a step whose modules do not all parse.
const MODULE_SYNTAX: &str = "a module does not parse";

/// A token profile.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Profile {
    /// A valid token without any product scope.
    NoScopes,
    /// Only this product's scope.
    Only(String),
    /// Every product scope of the provider.
    All,
}

/// One decision of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `namespace/table/route` of the leaf route.
    pub route: String,
    /// Instance id in the index.
    pub instance: u32,
    /// The route's API product.
    pub api_product_id: String,
    /// Index into [`Model::ext_auth_policies`].
    pub policy: usize,
    /// `namespace/name` of the policy.
    pub policy_name: String,
    /// The profile evaluated.
    pub profile: Profile,
    /// The token's scopes.
    pub token_scopes: Vec<String>,
    /// The decision; `None` when it could not be evaluated.
    pub allowed: Option<bool>,
    /// Why the request was denied, or why it could not be evaluated.
    pub reason: Option<String>,
    /// Set when evaluation failed: the step index in [`Analysis::steps`] and the error.
    pub error: Option<EvaluationError>,
}

impl Decision {
    /// Whether the token of this decision carries the route's product scope.
    #[must_use]
    pub fn holds_product_scope(&self) -> bool {
        self.token_scopes.iter().any(|s| s == &self.api_product_id)
    }
}

/// An evaluation that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationError {
    /// Index into [`Analysis::steps`].
    pub step: usize,
    /// The message.
    pub message: String,
    /// The evaluator lacks an OPA builtin the policy calls: not the policy's fault.
    pub unsupported_builtin: Option<String>,
    /// A module of the step does not parse (PC501 reports it; nothing was evaluated).
    pub module_syntax: bool,
    /// Where in which module (index into [`Analysis::modules`], range of its text), when the
    /// error names a position.
    pub location: Option<(usize, std::ops::Range<usize>)>,
}

/// The whole matrix, sorted by route, policy and profile.
#[derive(Debug, Clone, Default)]
pub struct Matrix {
    /// Every decision.
    pub decisions: Vec<Decision>,
}

impl Matrix {
    /// The JSON form of PRODUCT §7.
    #[must_use]
    pub fn to_json(&self) -> Json {
        let decisions: Vec<Json> = self
            .decisions
            .iter()
            .map(|d| {
                let mut o = json!({
                    "route": d.route,
                    "apiProductId": d.api_product_id,
                    "policy": d.policy_name,
                    "tokenScopes": d.token_scopes,
                    "allowed": d.allowed,
                });
                if let (Some(reason), Json::Object(map)) = (&d.reason, &mut o) {
                    map.insert("reason".to_string(), Json::String(reason.clone()));
                }
                o
            })
            .collect();
        json!({"version": 1, "decisions": decisions})
    }
}

/// What the matrix needs from the rest of the pipeline.
pub struct MatrixInput<'a> {
    /// The model.
    pub model: &'a Model,
    /// Resolved routes.
    pub index: &'a Index,
    /// Which routes each policy selects.
    pub selections: &'a [PolicySelection],
    /// Parsed Rego and the `opaAuth` steps.
    pub rego: &'a Analysis,
    /// `identityProviders` of portico.yaml.
    pub providers: &'a [IdentityProvider],
}

/// A route a policy protects, with what the request to it looks like.
struct ProductRoute {
    instance: u32,
    name: String,
    product: String,
    product_name: Option<String>,
    api_id: String,
    host: String,
    path: String,
    method: String,
    route_name: String,
}

/// Evaluates the matrix.
#[must_use]
pub fn evaluate(input: &MatrixInput<'_>) -> Matrix {
    let links = link_policies(input.model, input.providers);
    // Policies are independent: each worker evaluates a share of them with its own engines.
    // The result is sorted afterwards, so it does not depend on how the work was split.
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(input.selections.len().div_ceil(8))
        .max(1);
    let share = input.selections.len().div_ceil(workers).max(1);
    let mut decisions: Vec<Decision> = if workers == 1 {
        evaluate_policies(input, input.selections, &links)
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = input
                .selections
                .chunks(share)
                .map(|chunk| scope.spawn(|| evaluate_policies(input, chunk, &links)))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };
    decisions.sort_by(|a, b| {
        (&a.route, &a.policy_name, &a.profile).cmp(&(&b.route, &b.policy_name, &b.profile))
    });
    decisions.dedup_by(|a, b| a.route == b.route && a.policy == b.policy && a.profile == b.profile);
    Matrix { decisions }
}

fn evaluate_policies(
    input: &MatrixInput<'_>,
    selections: &[PolicySelection],
    links: &[Option<usize>],
) -> Vec<Decision> {
    let mut evaluator = Evaluator {
        input,
        engines: BTreeMap::new(),
        memo: BTreeMap::new(),
        independent: BTreeMap::new(),
    };
    let mut decisions = Vec::new();
    for selection in selections {
        let Some(policy) = input.model.ext_auth_policies.get(selection.policy) else {
            continue;
        };
        let Some(gloo) = policy
            .spec
            .config
            .as_ref()
            .and_then(|c| c.gloo_auth.as_ref())
        else {
            continue;
        };
        let routes = product_routes(input, selection);
        if routes.is_empty() {
            continue;
        }
        let provider = links
            .get(selection.policy)
            .copied()
            .flatten()
            .and_then(|p| input.providers.get(p));
        let products: BTreeSet<&str> = routes.iter().map(|r| r.product.as_str()).collect();
        let steps: Vec<(usize, &OpaStep)> = input
            .rego
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.policy == Some(selection.policy))
            .collect();
        let policy_name = format!("{}/{}", policy.meta.id.namespace, policy.meta.id.name);
        let ordered: Vec<&str> = products.iter().copied().collect();
        for route in &routes {
            // At most four profiles per route keep the matrix linear in the routes: none, its
            // own scope, one other product's scope (the next in order), and all the policy's
            // product scopes.
            let mut profiles = vec![Profile::NoScopes, Profile::Only(route.product.clone())];
            if let Some(position) = ordered.iter().position(|p| *p == route.product)
                && ordered.len() > 1
                && let Some(other) = ordered.get((position + 1) % ordered.len())
            {
                profiles.push(Profile::Only((*other).to_string()));
                profiles.push(Profile::All);
            }
            for profile in &profiles {
                let scopes: Vec<String> = match profile {
                    Profile::NoScopes => Vec::new(),
                    Profile::Only(p) => vec![p.clone()],
                    Profile::All => products.iter().map(|p| (*p).to_string()).collect(),
                };
                let mut request = Request {
                    route,
                    provider,
                    scopes: &scopes,
                    policy_namespace: &policy.meta.id.namespace,
                    policy: &policy.meta.id.name,
                    built: None,
                };
                let outcome = decide(gloo, &steps, &mut request, &mut evaluator);
                let (allowed, reason, error) = match outcome {
                    Outcome::Allowed => (Some(true), None, None),
                    Outcome::Denied(reason) => (Some(false), Some(reason), None),
                    Outcome::Error(e) => (None, Some(e.message.clone()), Some(e)),
                };
                decisions.push(Decision {
                    route: route.name.clone(),
                    instance: route.instance,
                    api_product_id: route.product.clone(),
                    policy: selection.policy,
                    policy_name: policy_name.clone(),
                    profile: profile.clone(),
                    token_scopes: scopes,
                    allowed,
                    reason,
                    error,
                });
            }
        }
    }
    decisions
}

fn product_routes(input: &MatrixInput<'_>, selection: &PolicySelection) -> Vec<ProductRoute> {
    let mut out = Vec::new();
    // Only the routes the policy selects: scanning every route per policy would make the
    // matrix quadratic in a large repository.
    let mut ids: Vec<u32> = selection
        .by_selector
        .iter()
        .filter_map(|s| match s {
            crate::model::selection::Selected::Routes(ids) => Some(ids.iter().copied()),
            crate::model::selection::Selected::Unknown => None,
        })
        .flatten()
        .collect();
    ids.sort_unstable();
    ids.dedup();
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
        let host = root_table
            .spec
            .hosts
            .iter()
            .find(|h| !h.contains('*'))
            .or_else(|| root_table.spec.hosts.first())
            .map_or_else(|| "example.com".to_string(), |h| h.replace('*', "api"));
        let mut path = String::new();
        let mut method = "GET".to_string();
        // Parent matchers prefix the child's: the deepest that names a path wins, as Gloo
        // combines them.
        let chain = instance
            .parents
            .iter()
            .copied()
            .chain(std::iter::once(instance.route));
        for r in chain {
            let Some(route) = input
                .model
                .route_tables
                .get(r.table)
                .and_then(|t| t.spec.http.get(r.route))
            else {
                continue;
            };
            if let Some(m) = route.matchers.first() {
                if let Some(p) = m
                    .uri
                    .as_ref()
                    .and_then(|uri| uri.exact.as_ref().or(uri.prefix.as_ref()))
                {
                    path.clone_from(p);
                }
                if let Some(verb) = &m.method {
                    method.clone_from(verb);
                }
            }
        }
        if path.is_empty() {
            path = "/".to_string();
        }
        let portal = table.spec.portal_metadata.as_ref();
        let version = portal.and_then(|p| p.api_version.clone());
        let route_name = leaf
            .name
            .clone()
            .unwrap_or_else(|| format!("#{}", instance.route.route));
        out.push(ProductRoute {
            instance: id,
            name: format!(
                "{}/{}/{}",
                leaf_table.meta.id.namespace, leaf_table.meta.id.name, route_name
            ),
            product: product.to_string(),
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

/// The claims of an access token the provider would issue with these scopes.
fn token_claims(provider: Option<&IdentityProvider>, scopes: &[String]) -> Json {
    let joined = scopes.join(" ");
    let issuer = provider
        .and_then(|p| p.issuer.clone())
        .unwrap_or_else(|| "https://issuer.example.com".to_string());
    let mut claims = json!({
        "iss": issuer,
        "sub": "portico-synthetic-user",
        "iat": 1_700_000_000,
        "exp": 4_102_444_800_i64,
    });
    let Json::Object(map) = &mut claims else {
        return claims;
    };
    match provider.map(|p| p.provider_type) {
        Some(ProviderType::Okta) => {
            map.insert("scp".to_string(), json!(scopes));
            map.insert("cid".to_string(), json!("portico-client"));
            map.insert("uid".to_string(), json!("portico-user"));
        }
        Some(ProviderType::Entra) => {
            map.insert("scp".to_string(), json!(joined));
            map.insert("azp".to_string(), json!("portico-client"));
        }
        Some(ProviderType::Cognito) => {
            map.insert("scope".to_string(), json!(joined));
            map.insert("client_id".to_string(), json!("portico-client"));
            map.insert("token_use".to_string(), json!("access"));
        }
        _ => {
            map.insert("scope".to_string(), json!(joined));
            map.insert("client_id".to_string(), json!("portico-client"));
        }
    }
    claims
}

/// The ext auth input for a request to `route` with a token holding `scopes`.
fn synthesize(
    route: &ProductRoute,
    provider: Option<&IdentityProvider>,
    scopes: &[String],
    policy_ns: &str,
    policy: &str,
) -> Json {
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
        "api_product_id": route.product,
        "api_id": route.api_id,
    });
    if let (Some(name), Json::Object(m)) = (&route.product_name, &mut metadata) {
        m.insert("api_product_name".to_string(), json!(name));
    }
    json!({
        "check_request": {"attributes": {
            "request": {"http": http},
            "context_extensions": {
                "config_id": format!("{policy_ns}.{policy}"),
                "source_type": "route",
                "source_name": route.route_name,
            },
            "metadata_context": {"filter_metadata": {PORTAL_METADATA: metadata}},
        }},
        "http_request": http,
        "state": {"jwtAccessToken": token_claims(provider, scopes)},
    })
}

enum Outcome {
    Allowed,
    Denied(String),
    Error(EvaluationError),
}

/// Decides the auth chain: each step passes or fails, combined by `booleanExpr` or in order.
fn decide(
    gloo: &AuthConfigSpec,
    steps: &[(usize, &OpaStep)],
    request: &mut Request<'_>,
    evaluator: &mut Evaluator<'_>,
) -> Outcome {
    let mut results: Vec<(String, bool, String)> = Vec::new();
    let mut opa_steps = steps.iter();
    for (c, step) in gloo.configs.iter().enumerate() {
        let name = step.name.clone().unwrap_or_else(|| format!("config_{c}"));
        let (passed, why) = if step.opa_auth.is_some() {
            let Some(&(s, opa)) = opa_steps.next() else {
                continue;
            };
            match evaluator.evaluate(s, opa, request) {
                Ok(true) => (true, String::new()),
                Ok(false) => (
                    false,
                    format!(
                        "the OPA query `{}` does not grant",
                        opa.query.as_deref().unwrap_or("")
                    ),
                ),
                Err(e) => return Outcome::Error(e),
            }
        } else {
            oauth2_step(step, request.scopes, request.provider)
        };
        results.push((name, passed, why));
    }
    let allowed = match gloo
        .boolean_expr
        .as_deref()
        .filter(|e| !e.trim().is_empty())
    {
        Some(expr) => {
            let values: BTreeMap<&str, bool> =
                results.iter().map(|(n, p, _)| (n.as_str(), *p)).collect();
            match boolean_expr(expr, &values) {
                Some(v) => v,
                None => {
                    return Outcome::Error(EvaluationError {
                        step: usize::MAX,
                        message: format!("cannot evaluate booleanExpr `{expr}`"),
                        unsupported_builtin: None,
                        module_syntax: false,
                        location: None,
                    });
                }
            }
        }
        None => results.iter().all(|(_, p, _)| *p),
    };
    if allowed {
        Outcome::Allowed
    } else {
        Outcome::Denied(
            results
                .iter()
                .filter(|(_, p, _)| !p)
                .map(|(_, _, why)| why.clone())
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

/// An `oauth2` step with a synthesized valid token: `requiredScopes` is checked as Gloo does,
/// against the space-separated `scope` claim only. Other step kinds pass (the matrix is about
/// scopes; their own checks are elsewhere).
fn oauth2_step(
    step: &AuthStep,
    scopes: &[String],
    provider: Option<&IdentityProvider>,
) -> (bool, String) {
    let Some(required) = step
        .oauth2
        .as_ref()
        .and_then(|o| o.access_token_validation.as_ref())
        .and_then(|a| a.required_scopes.as_ref())
        .and_then(|r| r.get("scope"))
        .and_then(Json::as_array)
    else {
        return (true, String::new());
    };
    let has_scope_claim = !matches!(
        provider.map(|p| p.provider_type),
        Some(ProviderType::Okta | ProviderType::Entra)
    );
    let missing: Vec<&str> = required
        .iter()
        .filter_map(Json::as_str)
        .filter(|r| !has_scope_claim || !scopes.iter().any(|s| s == r))
        .collect();
    if missing.is_empty() {
        (true, String::new())
    } else if has_scope_claim {
        (
            false,
            format!("requiredScopes needs `{}`", missing.join("`, `")),
        )
    } else {
        (
            false,
            "requiredScopes reads the `scope` claim, which this provider's tokens do not carry"
                .to_string(),
        )
    }
}

/// A request of the matrix, synthesized only when an evaluation needs it.
struct Request<'a> {
    route: &'a ProductRoute,
    provider: Option<&'a IdentityProvider>,
    scopes: &'a [String],
    policy_namespace: &'a str,
    policy: &'a str,
    built: Option<Json>,
}

impl Request<'_> {
    fn json(&mut self) -> &Json {
        let (route, provider, scopes, namespace, policy) = (
            self.route,
            self.provider,
            self.scopes,
            self.policy_namespace,
            self.policy,
        );
        self.built
            .get_or_insert_with(|| synthesize(route, provider, scopes, namespace, policy))
    }
}

/// What an evaluation can depend on: the product and token always, the route and policy
/// unless the step reads neither.
type MemoKey = (usize, String, String, Vec<String>, Option<(String, String)>);

/// The engines (one per `opaAuth` step) and the decisions already made.
struct Evaluator<'a> {
    input: &'a MatrixInput<'a>,
    engines: BTreeMap<usize, Result<regorus::Engine, String>>,
    memo: BTreeMap<MemoKey, Result<bool, EvaluationError>>,
    /// Per step: whether it reads only the token and the portal metadata.
    independent: BTreeMap<usize, bool>,
}

impl Evaluator<'_> {
    fn evaluate(
        &mut self,
        index: usize,
        step: &OpaStep,
        request: &mut Request<'_>,
    ) -> Result<bool, EvaluationError> {
        let rego = self.input.rego;
        let independent = *self
            .independent
            .entry(index)
            .or_insert_with(|| reads_only_product_and_token(step, rego));
        let key: MemoKey = (
            index,
            request.route.product.clone(),
            request.route.api_id.clone(),
            request.scopes.to_vec(),
            (!independent).then(|| (request.route.name.clone(), request.policy.to_string())),
        );
        if let Some(known) = self.memo.get(&key) {
            return known.clone();
        }
        let outcome = evaluate_step(index, step, request.json(), self.input, &mut self.engines);
        self.memo.insert(key, outcome.clone());
        outcome
    }
}

/// Whether a step's modules read only the token and the portal metadata: then routes of one
/// product with the same token share one decision.
fn reads_only_product_and_token(step: &OpaStep, rego: &Analysis) -> bool {
    step.modules().all(|m| {
        rego.modules
            .get(m)
            .and_then(|m| m.facts())
            .is_some_and(|facts| {
                facts.input_reads.iter().all(|read| {
                    let keys: Vec<&str> = read
                        .path
                        .iter()
                        .map(|s| match s {
                            super::facts::Segment::Key(k) => k.as_str(),
                            _ => "*",
                        })
                        .collect();
                    matches!(keys.as_slice(), ["state", _, ..])
                        || matches!(
                            keys.as_slice(),
                            ["check_request", "attributes", "metadata_context", _, ..]
                        )
                })
            })
    })
}

fn evaluate_step(
    index: usize,
    step: &OpaStep,
    request: &Json,
    input: &MatrixInput<'_>,
    engines: &mut BTreeMap<usize, Result<regorus::Engine, String>>,
) -> Result<bool, EvaluationError> {
    let error = |message: String, unsupported_builtin: Option<String>| {
        let location = locate(&message, step, input.rego);
        EvaluationError {
            step: index,
            module_syntax: message.starts_with(MODULE_SYNTAX),
            message: clean_message(&message),
            unsupported_builtin,
            location,
        }
    };
    let query = step.query.as_deref().unwrap_or("").trim().to_string();
    if query.is_empty() {
        return Err(error("the opaAuth query is blank".to_string(), None));
    }
    let engine = engines
        .entry(index)
        .or_insert_with(|| build_engine(step, input.rego));
    let engine = match engine {
        Ok(e) => e,
        Err(message) => {
            let message = message.clone();
            return Err(error(message, None));
        }
    };
    engine.set_input(regorus::Value::from(request.clone()));
    // The common `data.pkg.rule == true` form is evaluated as the rule itself: the same
    // answer (undefined and non-true values deny either way) without parsing and planning the
    // query again for every input.
    if let Some(rule) = query.strip_suffix("== true").map(str::trim).filter(|r| {
        r.starts_with("data.")
            && r.chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '_')
    }) {
        return match engine.eval_rule(rule.to_string()) {
            Ok(value) => Ok(value == regorus::Value::Bool(true)),
            // A rule no module defines is undefined to OPA, and undefined denies (PC506 says
            // why).
            Err(e) if format!("{e:#}").contains("not a valid rule path") => Ok(false),
            Err(e) => {
                let full = format!("{e:#}");
                let unsupported = unsupported_builtin(&full);
                Err(error(full, unsupported))
            }
        };
    }
    let results = engine.eval_query(query, false).map_err(|e| {
        let full = format!("{e:#}");
        let unsupported = unsupported_builtin(&full);
        error(full, unsupported)
    })?;
    let Some(first) = results.result.first().and_then(|r| r.expressions.first()) else {
        // Undefined: the ext auth service denies.
        return Ok(false);
    };
    let value: Json = first
        .value
        .to_json_str()
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Json::Null);
    Ok(grants(&value))
}

/// The OPA builtin an evaluation error says the evaluator lacks.
fn unsupported_builtin(error: &str) -> Option<String> {
    super::parse::error_message(error)
        .split("could not find function ")
        .nth(1)
        .map(|rest| rest.trim().trim_matches('`').to_string())
        .filter(|f| OPA_BUILTINS.binary_search(&f.as_str()).is_ok())
}

/// Whether a query value grants: `true`, `[true, …]`, or an object with `allow`/`allowed`
/// true.
fn grants(value: &Json) -> bool {
    match value {
        Json::Bool(b) => *b,
        Json::Array(items) => items.first().is_some_and(|f| f == &Json::Bool(true)),
        Json::Object(map) => map
            .get("allow")
            .or_else(|| map.get("allowed"))
            .is_some_and(|v| v == &Json::Bool(true)),
        _ => false,
    }
}

fn build_engine(step: &OpaStep, rego: &Analysis) -> Result<regorus::Engine, String> {
    let mut engine = regorus::Engine::new();
    engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
        limit: EVALUATION_LIMIT,
        // Reading the clock on every unit of work costs more than the evaluation itself.
        check_interval: NonZeroU32::new(1024).unwrap_or(NonZeroU32::MIN),
    });
    let mut v0 = false;
    for m in step.modules() {
        let Some(module) = rego.modules.get(m) else {
            continue;
        };
        match &module.parsed {
            Ok(parsed) => v0 |= parsed.syntax == Syntax::V0,
            Err(e) => return Err(format!("{MODULE_SYNTAX}: {}", e.message)),
        }
    }
    engine.set_rego_v0(v0);
    for (n, m) in step.modules().enumerate() {
        let Some(module) = rego.modules.get(m) else {
            continue;
        };
        engine
            .add_policy(format!("module-{n}.rego"), module.source.text.clone())
            .map_err(|e| format!("{e:#}"))?;
    }
    Ok(engine)
}

/// A module set that parses but does not compile (an unsafe variable, recursion, a rule
/// defined both as a function and a value, …), at the position regorus names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// Index into [`Analysis::steps`].
    pub step: usize,
    /// Module index and range, when the error names a position.
    pub location: Option<(usize, std::ops::Range<usize>)>,
    /// The message.
    pub message: String,
}

/// Compiles every `opaAuth` step whose modules all parse, for the rule its query names, the
/// way OPA compiles the modules when the ext auth service builds the AuthConfig.
#[must_use]
pub fn compile_errors(rego: &Analysis) -> Vec<CompileError> {
    let mut out: Vec<CompileError> = Vec::new();
    let mut compiled: BTreeSet<(Vec<usize>, String)> = BTreeSet::new();
    for (index, step) in rego.steps.iter().enumerate() {
        if step.modules().next().is_none()
            || step
                .modules()
                .any(|m| rego.modules.get(m).is_none_or(|m| m.parsed.is_err()))
        {
            continue;
        }
        let Some(rule) = step
            .query
            .as_deref()
            .and_then(|q| q.split_whitespace().find(|w| w.starts_with("data.")))
            .map(|w| w.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_')))
        else {
            continue;
        };
        // Steps that share their modules and query rule compile the same way: once is enough.
        let key = (step.modules().collect::<Vec<_>>(), rule.to_string());
        if !compiled.insert(key) {
            continue;
        }
        let mut engine = match build_engine(step, rego) {
            Ok(engine) => engine,
            Err(message) => {
                out.push(CompileError {
                    step: index,
                    location: locate(&message, step, rego),
                    message: clean_message(&message),
                });
                continue;
            }
        };
        let entry: regorus::Rc<str> = rule.into();
        if let Err(e) = engine.compile_with_entrypoint(&entry) {
            let text = format!("{e:#}");
            // A query naming a missing rule is PC506's finding, not a compile error.
            if text.contains("not a valid rule path") || text.contains("not found") {
                continue;
            }
            let error = CompileError {
                step: index,
                location: locate(&text, step, rego),
                message: clean_message(&text),
            };
            if !out
                .iter()
                .any(|o| o.location == error.location && o.message == error.message)
            {
                out.push(error);
            }
        }
    }
    out
}

/// The module position a regorus error names (`--> module-N.rego:LINE:COL`, the names
/// [`build_engine`] gives the step's modules).
fn locate(text: &str, step: &OpaStep, rego: &Analysis) -> Option<(usize, std::ops::Range<usize>)> {
    let rest = text.split("--> module-").nth(1)?;
    let (n, rest) = rest.split_once(".rego:")?;
    let location = rest.lines().next()?;
    let mut parts = location.split(':');
    let line: usize = parts.next()?.trim().parse().ok()?;
    let col: usize = parts.next()?.trim().parse().ok()?;
    let module = step.modules().nth(n.parse().ok()?)?;
    let source = &rego.modules.get(module)?.source.text;
    let start = super::parse::offset_of(source, line, col);
    let end = source[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    Some((module, start..end))
}

/// The message of a regorus error without its code frame or the engine's module names.
fn clean_message(text: &str) -> String {
    let line = super::parse::error_message(text);
    match line.split_once(" at module-") {
        // "rule conflicts with rule at module-0.rego:12:1": the engine's module name means
        // nothing to the user, the line inside the module does.
        Some((head, place)) => match place.split(':').nth(1) {
            Some(l) => format!("{head} at line {l} of the module"),
            None => head.to_string(),
        },
        None => line,
    }
}

/// Evaluates Gloo's `booleanExpr` over the steps' results: names, `!`, `&&`, `||` and
/// parentheses. `None` for an expression it cannot read or a name it does not know.
#[must_use]
pub fn boolean_expr(expr: &str, values: &BTreeMap<&str, bool>) -> Option<bool> {
    let tokens = tokenize(expr)?;
    let mut pos = 0;
    let value = or_expr(&tokens, &mut pos, values)?;
    (pos == tokens.len()).then_some(value)
}

fn tokenize(expr: &str) -> Option<Vec<String>> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            ' ' | '\t' | '\n' => i += 1,
            '(' | ')' | '!' => {
                tokens.push(c.to_string());
                i += 1;
            }
            '&' | '|' => {
                if chars.get(i + 1) != Some(&c) {
                    return None;
                }
                tokens.push(format!("{c}{c}"));
                i += 2;
            }
            _ if c.is_alphanumeric() || c == '_' || c == '-' || c == '.' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '-' || *c == '.')
                {
                    i += 1;
                }
                tokens.push(chars[start..i].iter().collect());
            }
            _ => return None,
        }
    }
    Some(tokens)
}

fn or_expr(tokens: &[String], pos: &mut usize, values: &BTreeMap<&str, bool>) -> Option<bool> {
    let mut value = and_expr(tokens, pos, values)?;
    while tokens.get(*pos).is_some_and(|t| t == "||") {
        *pos += 1;
        let rhs = and_expr(tokens, pos, values)?;
        value = value || rhs;
    }
    Some(value)
}

fn and_expr(tokens: &[String], pos: &mut usize, values: &BTreeMap<&str, bool>) -> Option<bool> {
    let mut value = unary(tokens, pos, values)?;
    while tokens.get(*pos).is_some_and(|t| t == "&&") {
        *pos += 1;
        let rhs = unary(tokens, pos, values)?;
        value = value && rhs;
    }
    Some(value)
}

fn unary(tokens: &[String], pos: &mut usize, values: &BTreeMap<&str, bool>) -> Option<bool> {
    let token = tokens.get(*pos)?;
    *pos += 1;
    match token.as_str() {
        "!" => unary(tokens, pos, values).map(|v| !v),
        "(" => {
            let v = or_expr(tokens, pos, values)?;
            (tokens.get(*pos).map(String::as_str) == Some(")")).then(|| {
                *pos += 1;
                v
            })
        }
        name => values.get(name).copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boolean_expressions() {
        let values: BTreeMap<&str, bool> = [("a", true), ("b", false), ("c", true)]
            .into_iter()
            .collect();
        assert_eq!(boolean_expr("a && b", &values), Some(false));
        assert_eq!(boolean_expr("a && (b || c)", &values), Some(true));
        assert_eq!(boolean_expr("!b && !(a && b)", &values), Some(true));
        assert_eq!(boolean_expr("a & b", &values), None);
        assert_eq!(boolean_expr("a && d", &values), None);
        assert_eq!(boolean_expr("(a", &values), None);
    }

    #[test]
    fn query_values_that_grant() {
        assert!(grants(&json!(true)));
        assert!(grants(&json!([true, {"x": 1}])));
        assert!(grants(&json!({"allowed": true})));
        assert!(grants(&json!({"allow": true, "headers": {}})));
        assert!(!grants(&json!(false)));
        assert!(!grants(&json!("true")));
        assert!(!grants(&json!([false])));
        assert!(!grants(&json!({"allow": "yes"})));
    }

    #[test]
    fn token_shapes_follow_the_provider() {
        let provider = |t| IdentityProvider {
            name: "p".to_string(),
            provider_type: t,
            issuer: None,
            jwks_uri: None,
            resource_server: None,
            scopes: Vec::new(),
            scope_sources: Vec::new(),
        };
        let scopes = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            token_claims(Some(&provider(ProviderType::Okta)), &scopes)["scp"],
            json!(["a", "b"])
        );
        assert_eq!(
            token_claims(Some(&provider(ProviderType::Entra)), &scopes)["scp"],
            json!("a b")
        );
        assert_eq!(
            token_claims(Some(&provider(ProviderType::Cognito)), &scopes)["scope"],
            json!("a b")
        );
        assert!(
            token_claims(Some(&provider(ProviderType::Okta)), &scopes)
                .get("scope")
                .is_none()
        );
    }
}
