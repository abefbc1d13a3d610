//! The access matrix (PRODUCT §7): for every API-product route an ExtAuthPolicy protects, the
//! input the gateway would send the ext auth service is synthesized for a set of token
//! profiles (no scope, each product scope alone, all of them), and the policy's auth chain is
//! decided: token validation with `requiredScopes` as Gloo checks it, and every `opaAuth`
//! step evaluated with regorus, combined in order or by `booleanExpr`.
//!
//! One engine is built per `opaAuth` step and reused for every input, so the cost is one
//! compile per step plus one evaluation per route and profile.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

use crate::config::{IdentityProvider, ProviderType};
use crate::model::Model;
use crate::model::identity::link_policies;
use crate::model::index::Index;
use crate::model::kinds::{AuthConfigSpec, AuthStep};
use crate::model::selection::PolicySelection;

use super::builtins_opa::OPA_BUILTINS;
use super::engine::{MODULE_SYNTAX, NOT_COMPILED, clean_message, locate};
use super::{Analysis, OpaStep};

/// The metadata namespace the portal fills for ext auth.
pub const PORTAL_METADATA: &str = "io.solo.gloo.apimanagement";

/// A token profile.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Profile {
    /// A valid token without any product scope.
    NoScopes,
    /// Only this product's scope.
    Only(Arc<str>),
    /// Every product scope of the provider.
    All,
}

/// One decision of the matrix. Strings shared by many decisions (route, product, policy,
/// scope lists) are reference-counted: a large repository has hundreds of thousands of
/// decisions, and copying them for each was most of the matrix's cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `namespace/table/route` of the leaf route.
    pub route: Arc<str>,
    /// Instance id in the index.
    pub instance: u32,
    /// The route's API product.
    pub api_product_id: Arc<str>,
    /// Index into [`Model::ext_auth_policies`].
    pub policy: usize,
    /// `namespace/name` of the policy.
    pub policy_name: Arc<str>,
    /// The token's scopes.
    pub token_scopes: Arc<[Arc<str>]>,
    /// The decision; `None` when it could not be evaluated.
    pub allowed: Option<bool>,
    /// Why the request was denied, or why it could not be evaluated.
    pub reason: Option<Arc<str>>,
    /// Set when evaluation failed: the step index in [`Analysis::steps`] and the error.
    pub error: Option<Arc<EvaluationError>>,
}

impl Decision {
    /// The profile evaluated. It is what the token's scopes are (none, one, or every product
    /// scope of the policy's routes, which is always more than one): deriving it rather than
    /// storing it keeps a decision at 104 bytes (128 with it), and a large matrix holds 80,000 of them.
    #[must_use]
    pub fn profile(&self) -> Profile {
        match &*self.token_scopes {
            [] => Profile::NoScopes,
            [only] => Profile::Only(only.clone()),
            _ => Profile::All,
        }
    }

    /// [`Decision::profile`] as a sort key, in [`Profile`]'s order, without cloning.
    fn profile_key(&self) -> (u8, Option<&str>) {
        match &*self.token_scopes {
            [] => (0, None),
            [only] => (1, Some(only)),
            _ => (2, None),
        }
    }

    /// Whether the token of this decision carries the route's product scope.
    #[must_use]
    pub fn holds_product_scope(&self) -> bool {
        self.token_scopes.contains(&self.api_product_id)
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
    /// A module of the step does not parse, or OPA would not compile the modules (PC501
    /// reports it; nothing was evaluated).
    pub module_syntax: bool,
    /// Where in which module (index into [`Analysis::modules`], range of its text), when the
    /// error names a position.
    pub location: Option<(usize, std::ops::Range<usize>)>,
    /// The run's evaluation budget ([`RUN_BUDGET`]) was spent before this evaluation ended:
    /// not the policy's fault (PC514 notes it).
    pub run_budget: bool,
}

/// How long one evaluation (one request) may run. OPA answering one request in 2 s is a
/// broken policy, and a runaway one must not hang the linter.
pub const EVALUATION_LIMIT: Duration = Duration::from_secs(2);

/// How long all the evaluations of one ExtAuthPolicy may take together: a slow policy over
/// 23 routes took 3 min 7 s, 2 s an evaluation, and was reported 92 times. Once a policy runs
/// out of time (or one evaluation does) its remaining decisions are not evaluated and share
/// one error, reported once.
pub const POLICY_BUDGET: Duration = Duration::from_secs(5);

/// How long all the Rego evaluation of a run may take. Policies still unevaluated when it is
/// spent get a note (PC514) rather than a decision.
pub const RUN_BUDGET: Duration = Duration::from_secs(30);

/// How much stack an evaluation thread has. Regorus' interpreter recurses into every rule,
/// function and value it evaluates; functions that call themselves are refused before (see
/// [`super::recursion`]), and this leaves room for long chains of rules and deep values. It
/// is address space, committed only as far as it is used.
const EVALUATION_STACK: usize = 256 << 20;

/// The time limits of the matrix' evaluations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets {
    /// One evaluation ([`EVALUATION_LIMIT`]).
    pub evaluation: Duration,
    /// All the evaluations of one policy ([`POLICY_BUDGET`]).
    pub policy: Duration,
    /// All the evaluations of the run ([`RUN_BUDGET`]).
    pub run: Duration,
}

impl Default for Budgets {
    fn default() -> Self {
        Self {
            evaluation: EVALUATION_LIMIT,
            policy: POLICY_BUDGET,
            run: RUN_BUDGET,
        }
    }
}

/// The time left to the whole run's evaluations, shared by the workers.
struct RunBudget {
    left_ns: AtomicU64,
}

impl RunBudget {
    fn new(budget: Duration) -> Self {
        Self {
            left_ns: AtomicU64::new(u64::try_from(budget.as_nanos()).unwrap_or(u64::MAX)),
        }
    }

    fn left(&self) -> Duration {
        Duration::from_nanos(self.left_ns.load(Ordering::Relaxed))
    }

    fn spend(&self, spent: Duration) {
        let spent = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .left_ns
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                Some(left.saturating_sub(spent))
            });
    }
}

/// What one worker evaluates with: its clones of the compiled engines, and the time left.
struct Evaluator<'a> {
    engines: BTreeMap<usize, Result<regorus::Engine, String>>,
    budgets: Budgets,
    run: &'a RunBudget,
    /// The time left to the policy being evaluated, or the error that ended its evaluation.
    policy: Result<Duration, Arc<EvaluationError>>,
}

/// The whole matrix, sorted by route, policy and profile.
#[derive(Debug, Clone, Default)]
pub struct Matrix {
    /// Every decision.
    pub decisions: Vec<Decision>,
    /// The built-ins of the evaluated policies that answered with a fixed clock or fixed
    /// randomness instead of the real one ([`crate::rego::builtins_replaced::FIXED`]), sorted:
    /// the report says so, since a decision that reads the clock is only right for that time.
    pub fixed_builtins: Vec<&'static str>,
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
                    "route": &*d.route,
                    "apiProductId": &*d.api_product_id,
                    "policy": &*d.policy_name,
                    "tokenScopes": d.token_scopes.iter().map(|s| &**s).collect::<Vec<&str>>(),
                    "allowed": d.allowed,
                });
                if let (Some(reason), Json::Object(map)) = (&d.reason, &mut o) {
                    map.insert("reason".to_string(), Json::String(reason.to_string()));
                }
                o
            })
            .collect();
        let mut doc = json!({"version": 1, "decisions": decisions});
        if !self.fixed_builtins.is_empty()
            && let Json::Object(map) = &mut doc
        {
            map.insert(
                "fixedBuiltins".to_string(),
                json!({
                    "builtins": self.fixed_builtins,
                    "clock": crate::rego::builtins_replaced::FIXED_NOW_RFC3339,
                }),
            );
        }
        doc
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
    name: Arc<str>,
    product: Arc<str>,
    product_name: Option<String>,
    api_id: String,
    host: String,
    path: String,
    method: String,
    route_name: String,
}

/// Evaluates the matrix within the default [`Budgets`].
#[must_use]
pub fn evaluate(input: &MatrixInput<'_>) -> Matrix {
    evaluate_within(input, Budgets::default())
}

/// Evaluates the matrix within `budgets`.
#[must_use]
pub fn evaluate_within(input: &MatrixInput<'_>, budgets: Budgets) -> Matrix {
    let links = link_policies(input.model, input.providers);
    let mut steps_of: Vec<Vec<usize>> = vec![Vec::new(); input.model.ext_auth_policies.len()];
    for (i, step) in input.rego.steps.iter().enumerate() {
        if let Some(steps) = step.policy.and_then(|p| steps_of.get_mut(p)) {
            steps.push(i);
        }
    }
    let run = RunBudget::new(budgets.run);
    let context = PolicyContext {
        input,
        links: &links,
        steps_of: &steps_of,
        budgets,
        run: &run,
    };
    // Policies are independent: each task evaluates a share of them with its own engines.
    // The result is sorted afterwards, so it does not depend on how the work was split.
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(input.selections.len().div_ceil(8))
        .max(1);
    let share = input.selections.len().div_ceil(workers).max(1);
    // Workers hand their decisions, policy by policy, to one vector sized up front from the
    // routes the policies select (at most four profiles each). The matrix is the largest
    // structure of a run: growing it by doubling, or joining per-worker vectors, kept up to
    // three times its size alive at the peak. Capacity past what is written is never touched,
    // so an over-estimate costs address space, not memory.
    let bound: usize = input
        .selections
        .iter()
        .flat_map(|s| &s.by_selector)
        .map(|s| match s {
            crate::model::selection::Selected::Routes(ids) => ids.len() * MAX_PROFILES,
            crate::model::selection::Selected::Unknown => 0,
        })
        .sum();
    let out = Mutex::new(Vec::with_capacity(bound.min(MAX_RESERVED_DECISIONS)));
    let work = || {
        if workers == 1 {
            evaluate_policies(&context, input.selections, &out);
        } else {
            use rayon::prelude::*;
            input
                .selections
                .par_chunks(share)
                .for_each(|chunk| evaluate_policies(&context, chunk, &out));
        }
    };
    // On threads of a known, large stack (EVALUATION_STACK), whatever thread called.
    match rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .stack_size(EVALUATION_STACK)
        .thread_name(|i| format!("portico-rego-{i}"))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
    let mut decisions = out.into_inner().unwrap_or_else(PoisonError::into_inner);
    // Sorted on every field that tells decisions apart, so that the order (and which of two
    // duplicates the dedup keeps) does not depend on which worker finished first.
    decisions.sort_unstable_by(|a, b| {
        (
            &a.route,
            &a.policy_name,
            a.profile_key(),
            a.policy,
            a.instance,
        )
            .cmp(&(
                &b.route,
                &b.policy_name,
                b.profile_key(),
                b.policy,
                b.instance,
            ))
    });
    decisions.dedup_by(|a, b| {
        a.route == b.route && a.policy == b.policy && a.profile_key() == b.profile_key()
    });
    let fixed_builtins = fixed_builtins_called(input, &steps_of);
    Matrix {
        decisions,
        fixed_builtins,
    }
}

/// The replaced clock and randomness built-ins that a module of a policy's `opaAuth` step
/// calls, sorted.
fn fixed_builtins_called(input: &MatrixInput<'_>, steps_of: &[Vec<usize>]) -> Vec<&'static str> {
    let mut called: Vec<&'static str> = steps_of
        .iter()
        .flatten()
        .filter_map(|&step| input.rego.steps.get(step))
        .flat_map(crate::rego::OpaStep::modules)
        .filter_map(|m| input.rego.modules.get(m))
        .filter_map(|m| m.parsed.as_ref().ok())
        .flat_map(|p| &p.facts.calls)
        .filter_map(|call| {
            crate::rego::builtins_replaced::FIXED
                .iter()
                .copied()
                .find(|name| *name == call.name)
        })
        .collect();
    called.sort_unstable();
    called.dedup();
    called
}

/// Most token profiles evaluated per route (see [`profiles`]).
const MAX_PROFILES: usize = 4;

/// The most decisions reserved up front (128 MB of address space); past it the vector grows.
const MAX_RESERVED_DECISIONS: usize = 1 << 20;

/// The scopes of a token, shared by every decision made with it.
type Scopes = Arc<[Arc<str>]>;

/// What every worker shares.
struct PolicyContext<'a> {
    input: &'a MatrixInput<'a>,
    /// Per policy, the identity provider it is linked to.
    links: &'a [Option<usize>],
    /// Per policy, its `opaAuth` steps (indices into [`Analysis::steps`]).
    steps_of: &'a [Vec<usize>],
    /// The time limits.
    budgets: Budgets,
    /// The time left to the run's evaluations.
    run: &'a RunBudget,
}

/// The token scopes of each profile of a product's routes (see [`Decision::profile`]). At
/// most four per route keep the matrix linear in the routes: none, its own scope, one other
/// product's scope (the next in order), and all the policy's product scopes (`ordered`, more
/// than one, or this profile is left out).
fn profiles(product: &Arc<str>, ordered: &[Arc<str>], all: &Arc<[Arc<str>]>) -> Vec<Scopes> {
    let mut out = vec![Arc::from(Vec::new()), Arc::from(vec![product.clone()])];
    if ordered.len() > 1
        && let Some(position) = ordered.iter().position(|p| p == product)
        && let Some(other) = ordered.get((position + 1) % ordered.len())
    {
        out.push(Arc::from(vec![other.clone()]));
        out.push(all.clone());
    }
    out
}

fn evaluate_policies(
    context: &PolicyContext<'_>,
    selections: &[PolicySelection],
    out: &Mutex<Vec<Decision>>,
) {
    let mut evaluator = Evaluator {
        engines: BTreeMap::new(),
        budgets: context.budgets,
        run: context.run,
        policy: Ok(context.budgets.policy),
    };
    let mut decisions = Vec::new();
    for selection in selections {
        evaluator.policy = Ok(context.budgets.policy);
        evaluate_policy(context, selection, &mut evaluator, &mut decisions);
        out.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .append(&mut decisions);
    }
}

/// The decisions of one policy on the product routes it selects, appended to `decisions`.
fn evaluate_policy(
    context: &PolicyContext<'_>,
    selection: &PolicySelection,
    evaluator: &mut Evaluator<'_>,
    decisions: &mut Vec<Decision>,
) {
    let input = context.input;
    let Some(policy) = input.model.ext_auth_policies.get(selection.policy) else {
        return;
    };
    let Some(gloo) = policy.spec.gloo_auth() else {
        return;
    };
    let routes = product_routes(input, selection);
    if routes.is_empty() {
        return;
    }
    let provider = context
        .links
        .get(selection.policy)
        .copied()
        .flatten()
        .and_then(|p| input.providers.get(p));
    let steps: Vec<(usize, &OpaStep)> = context
        .steps_of
        .get(selection.policy)
        .into_iter()
        .flatten()
        .filter_map(|&i| Some((i, input.rego.steps.get(i)?)))
        .collect();
    let policy_name: Arc<str> =
        format!("{}/{}", policy.meta.id.namespace, policy.meta.id.name).into();
    let ordered: Vec<Arc<str>> = routes
        .iter()
        .map(|r| &r.product)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .cloned()
        .collect();
    let all: Arc<[Arc<str>]> = ordered.clone().into();
    // When every step reads only the token and the portal metadata, the routes of one
    // product (and API version) get the same decisions: decide once per product.
    let shared = steps
        .iter()
        .all(|(_, step)| reads_only_product_and_token(step, input.rego));
    let mut known: HashMap<(&str, &str, usize), Outcome> = HashMap::new();
    let mut profiles_of: HashMap<&str, Vec<Scopes>> = HashMap::new();
    for route in &routes {
        let profiles = profiles_of
            .entry(&*route.product)
            .or_insert_with(|| profiles(&route.product, &ordered, &all));
        let mut request = Request {
            route,
            provider,
            policy_namespace: &policy.meta.id.namespace,
            policy: &policy.meta.id.name,
            parts: None,
        };
        for (slot, scopes) in profiles.iter().enumerate() {
            let key = (&*route.product, route.api_id.as_str(), slot);
            let outcome = match known.get(&key).filter(|_| shared) {
                Some(outcome) => outcome.clone(),
                None => {
                    let outcome = decide(gloo, &steps, &mut request, scopes, evaluator, input);
                    if shared {
                        known.insert(key, outcome.clone());
                    }
                    outcome
                }
            };
            let (allowed, reason, error) = match outcome {
                Outcome::Allowed => (Some(true), None, None),
                Outcome::Denied(reason) => (Some(false), Some(reason), None),
                Outcome::Error(e) => (None, Some(e.message.as_str().into()), Some(e)),
            };
            decisions.push(Decision {
                route: route.name.clone(),
                instance: route.instance,
                api_product_id: route.product.clone(),
                policy: selection.policy,
                policy_name: policy_name.clone(),
                token_scopes: scopes.clone(),
                allowed,
                reason,
                error,
            });
        }
    }
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
    // One route reached through several parents, or a repository holding the same tables
    // many times over, gives many instances of one route name. The matrix keeps one decision
    // per route name, policy and profile (the lowest instance, see `evaluate_within`): deciding
    // only that instance gives the same matrix, and keeps N copies of a repository from
    // costing N^3 decisions (100 copies of an example: 43 s and 2.2 GB before).
    let mut seen: std::collections::HashSet<Arc<str>> = std::collections::HashSet::new();
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

/// The parts of the ext auth input that depend on the route and policy, not on the token:
/// `check_request` and `http_request`.
fn request_parts(route: &ProductRoute, policy_ns: &str, policy: &str) -> (Json, Json) {
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

/// A JSON value as a regorus value, built directly (regorus' own conversion goes through serde
/// and costs more than the evaluation).
fn rego_value(json: &Json) -> regorus::Value {
    match json {
        Json::Null => regorus::Value::Null,
        Json::Bool(b) => regorus::Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => regorus::Value::from(i),
            (None, Some(u)) => regorus::Value::from(u),
            (None, None) => regorus::Value::from(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => regorus::Value::from(s.as_str()),
        Json::Array(items) => {
            regorus::Value::from(items.iter().map(rego_value).collect::<Vec<_>>())
        }
        Json::Object(map) => regorus::Value::from(
            map.iter()
                .map(|(k, v)| (regorus::Value::from(k.as_str()), rego_value(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// How a request fared; cloned into every decision it stands for.
#[derive(Clone)]
enum Outcome {
    Allowed,
    Denied(Arc<str>),
    Error(Arc<EvaluationError>),
}

/// Decides the auth chain: each step passes or fails, combined by `booleanExpr` or in order.
fn decide(
    gloo: &AuthConfigSpec,
    steps: &[(usize, &OpaStep)],
    request: &mut Request<'_>,
    scopes: &[Arc<str>],
    evaluator: &mut Evaluator<'_>,
    input: &MatrixInput<'_>,
) -> Outcome {
    let mut results: Vec<(String, bool, String)> = Vec::new();
    let mut opa_steps = steps.iter();
    for (c, step) in gloo.configs.iter().enumerate() {
        let name = step.name.clone().unwrap_or_else(|| format!("config_{c}"));
        let (passed, why) = if step.opa_auth.is_some() {
            let Some(&(s, opa)) = opa_steps.next() else {
                continue;
            };
            match evaluate_step(s, opa, request.value(scopes), input, evaluator) {
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
            oauth2_step(step, scopes, request.provider)
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
                    return Outcome::Error(Arc::new(EvaluationError {
                        step: usize::MAX,
                        message: format!("cannot evaluate booleanExpr `{expr}`"),
                        unsupported_builtin: None,
                        module_syntax: false,
                        location: None,
                        run_budget: false,
                    }));
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
                .map(|(_, _, why)| why.as_str())
                .collect::<Vec<_>>()
                .join("; ")
                .into(),
        )
    }
}

/// An `oauth2` step with a synthesized valid token: `requiredScopes` is checked as Gloo does,
/// against the space-separated `scope` claim only. Other step kinds pass (the matrix is about
/// scopes; their own checks are elsewhere).
fn oauth2_step(
    step: &AuthStep,
    scopes: &[Arc<str>],
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
        .filter(|r| !has_scope_claim || !scopes.iter().any(|s| &**s == *r))
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

/// A request of the matrix: its route and policy parts are built once, when an evaluation
/// first needs them, and shared by every token profile.
struct Request<'a> {
    route: &'a ProductRoute,
    provider: Option<&'a IdentityProvider>,
    policy_namespace: &'a str,
    policy: &'a str,
    parts: Option<(regorus::Value, regorus::Value)>,
}

impl Request<'_> {
    /// The ext auth input with a token holding `scopes`.
    fn value(&mut self, scopes: &[Arc<str>]) -> regorus::Value {
        let (route, namespace, policy) = (self.route, self.policy_namespace, self.policy);
        let (check_request, http) = self.parts.get_or_insert_with(|| {
            let (check_request, http) = request_parts(route, namespace, policy);
            (rego_value(&check_request), rego_value(&http))
        });
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let token = rego_value(&token_claims(self.provider, &scopes));
        let state = regorus::Value::from(BTreeMap::from([(
            regorus::Value::from("jwtAccessToken"),
            token,
        )]));
        regorus::Value::from(BTreeMap::from([
            (regorus::Value::from("check_request"), check_request.clone()),
            (regorus::Value::from("http_request"), http.clone()),
            (regorus::Value::from("state"), state),
        ]))
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
    request: regorus::Value,
    input: &MatrixInput<'_>,
    evaluator: &mut Evaluator<'_>,
) -> Result<bool, Arc<EvaluationError>> {
    let error = |message: String, unsupported_builtin: Option<String>| {
        let location = locate(&message, step, &input.rego.modules);
        Arc::new(EvaluationError {
            step: index,
            module_syntax: message.starts_with(MODULE_SYNTAX) || message.starts_with(NOT_COMPILED),
            message: clean_message(&message),
            unsupported_builtin,
            location,
            run_budget: false,
        })
    };
    let policy_left = evaluator.policy.clone()?;
    let run_left = evaluator.run.left();
    let query = step.query.as_deref().unwrap_or("").trim().to_string();
    if query.is_empty() {
        return Err(error("the opaAuth query is blank".to_string(), None));
    }
    let Some((slot, shared)) = input.rego.engines.of_step(index) else {
        return Err(error("the step has no engine".to_string(), None));
    };
    // Each worker evaluates on its own clone of the compiled engine (evaluating sets the
    // input); the clone shares the compiled modules.
    let engine = evaluator
        .engines
        .entry(slot)
        .or_insert_with(|| shared.clone());
    let engine = match engine {
        Ok(e) => e,
        Err(message) => {
            let message = message.clone();
            return Err(error(message, None));
        }
    };
    // The evaluation stops at whichever comes first: its own limit, the policy's or the
    // run's time left.
    let budgets = evaluator.budgets;
    let limit = budgets.evaluation.min(policy_left).min(run_left);
    let out_of_time = if run_left < budgets.evaluation.min(policy_left) {
        OutOfTime::Run
    } else if policy_left < budgets.evaluation {
        OutOfTime::Policy
    } else {
        OutOfTime::Evaluation
    };
    let evaluated = if limit.is_zero() {
        Err(OutOfTime::TIME_LIMIT.to_string())
    } else {
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit,
            // Reading the clock on every unit of work costs more than the evaluation itself.
            check_interval: NonZeroU32::new(1024).unwrap_or(NonZeroU32::MIN),
        });
        let started = Instant::now();
        let evaluated = crate::panic_boundary::run("regorus evaluating the query", || {
            evaluate_query(engine, request, &query)
        });
        let spent = started.elapsed();
        evaluator.run.spend(spent);
        evaluator.policy = Ok(policy_left.saturating_sub(spent));
        match evaluated {
            Ok(result) => result,
            Err(panicked) => {
                // The engine may be half-way through an evaluation: the next one starts from
                // a fresh clone of the compiled engine.
                evaluator.engines.remove(&slot);
                return Err(error(panicked, None));
            }
        }
    };
    match evaluated {
        Ok(granted) => Ok(granted),
        Err(full) if full.contains(OutOfTime::TIME_LIMIT) => {
            // The message is the same for every decision the policy has left, which share it.
            let ended = Arc::new(EvaluationError {
                step: index,
                message: out_of_time.message(budgets),
                unsupported_builtin: None,
                module_syntax: false,
                location: None,
                run_budget: out_of_time == OutOfTime::Run,
            });
            evaluator.policy = Err(ended.clone());
            Err(ended)
        }
        Err(full) => {
            let unsupported = unsupported_builtin(&full);
            Err(error(full, unsupported))
        }
    }
}

/// A duration in seconds, as the messages show it (`2 s`, `0.2 s`).
fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// Which time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutOfTime {
    Evaluation,
    Policy,
    Run,
}

impl OutOfTime {
    /// What regorus' timer says when it stops an evaluation (`LimitError::TimeLimitExceeded`).
    const TIME_LIMIT: &str = "execution exceeded time limit";

    fn message(self, budgets: Budgets) -> String {
        match self {
            Self::Evaluation => format!(
                "one evaluation ran past {}, the most portico gives one request; the policy's other decisions were not evaluated",
                seconds(budgets.evaluation)
            ),
            Self::Policy => format!(
                "its evaluations ran past {}, the most portico gives one policy; its other decisions were not evaluated",
                seconds(budgets.policy)
            ),
            Self::Run => format!(
                "the {} portico gives all the policies of a run were spent before its evaluation ended",
                seconds(budgets.run)
            ),
        }
    }
}

/// Evaluates `query` on `request`: whether it grants, or regorus' error rendered in full.
fn evaluate_query(
    engine: &mut regorus::Engine,
    request: regorus::Value,
    query: &str,
) -> Result<bool, String> {
    engine.set_input(request);
    let answer = evaluate_input(engine, query);
    // What the policy printed is gathered (never written to stderr) and dropped.
    let _ = engine.take_prints();
    answer
}

/// [`evaluate_query`] once the input is set.
fn evaluate_input(engine: &mut regorus::Engine, query: &str) -> Result<bool, String> {
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
            Err(e) => Err(format!("{e:#}")),
        };
    }
    let results = engine
        .eval_query(query.to_string(), false)
        .map_err(|e| format!("{e:#}"))?;
    // Undefined: the ext auth service denies.
    Ok(results
        .result
        .first()
        .and_then(|r| r.expressions.first())
        .is_some_and(|e| grants(&e.value)))
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
fn grants(value: &regorus::Value) -> bool {
    let yes = regorus::Value::Bool(true);
    match value {
        regorus::Value::Bool(b) => *b,
        regorus::Value::Array(items) => items.first() == Some(&yes),
        regorus::Value::Object(map) => {
            map.get(&regorus::Value::from("allow"))
                .or_else(|| map.get(&regorus::Value::from("allowed")))
                == Some(&yes)
        }
        _ => false,
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

    /// The matrix of a large repository holds hundreds of thousands of decisions.
    #[test]
    fn a_decision_stays_small() {
        assert_eq!(std::mem::size_of::<Decision>(), 104);
    }

    #[test]
    fn the_profile_is_what_the_token_holds() {
        let a: Arc<str> = Arc::from("a");
        let b: Arc<str> = Arc::from("b");
        let all: Arc<[Arc<str>]> = Arc::from(vec![a.clone(), b.clone()]);
        let got: Vec<Profile> = profiles(&a, &[a.clone(), b.clone()], &all)
            .into_iter()
            .map(|token_scopes| {
                Decision {
                    route: Arc::from("r"),
                    instance: 0,
                    api_product_id: a.clone(),
                    policy: 0,
                    policy_name: Arc::from("p"),
                    token_scopes,
                    allowed: None,
                    reason: None,
                    error: None,
                }
                .profile()
            })
            .collect();
        assert_eq!(
            got,
            [
                Profile::NoScopes,
                Profile::Only(a),
                Profile::Only(b),
                Profile::All
            ]
        );
    }

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
        assert!(grants(&rego_value(&json!(true))));
        assert!(grants(&rego_value(&json!([true, {"x": 1}]))));
        assert!(grants(&rego_value(&json!({"allowed": true}))));
        assert!(grants(&rego_value(&json!({"allow": true, "headers": {}}))));
        assert!(!grants(&rego_value(&json!(false))));
        assert!(!grants(&rego_value(&json!("true"))));
        assert!(!grants(&rego_value(&json!([false]))));
        assert!(!grants(&rego_value(&json!({"allow": "yes"}))));
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
