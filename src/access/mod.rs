//! The access matrix (PRODUCT §7): for every API-product route an ExtAuthPolicy protects, the
//! input the gateway would send the ext auth service is synthesized for a set of token
//! profiles (no scope, each product scope alone, all of them), and the policy's auth chain is
//! decided: token validation with `requiredScopes` as Gloo checks it, and every `opaAuth`
//! step evaluated with regorus, combined in order or by `booleanExpr`.
//!
//! One engine is built per `opaAuth` step and reused for every input, so the cost is one
//! compile per step plus one evaluation per route and profile.
//!
//! The stage in parts: `profiles` (token profiles and tokens), `request` (the request a
//! route gets), `chain` (a policy's auth chain, with `boolean_expr`), `eval` (one
//! `opaAuth` step within the time limits) and `policy` (one policy's decisions); this module
//! schedules the policies over the cores and sorts the result.

mod boolean_expr;
mod chain;
mod eval;
mod policy;
mod profiles;
mod request;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::{Value as Json, json};

use crate::config::IdentityProvider;
use crate::model::Model;
use crate::model::index::Index;
use crate::model::selection::{PolicySelection, Selected};
use crate::rego::evaluation::EVALUATION_STACK;
use crate::rego::{Analysis, OpaStep};

use eval::RunBudget;
use policy::{PolicyContext, evaluate_policies};
use profiles::MAX_PROFILES;

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
    /// The step could not be evaluated for a cause this rule reports at its source (a missing
    /// module ConfigMap, a query that does not parse or reads no rule): nothing was evaluated,
    /// and nothing more is reported.
    pub reported_by: Option<&'static str>,
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
    /// The facts computed once: which provider each policy is linked to.
    pub facts: &'a crate::model::facts::Facts,
}

/// Evaluates the matrix within the default [`Budgets`].
#[must_use]
pub fn evaluate(input: &MatrixInput<'_>) -> Matrix {
    evaluate_within(input, Budgets::default())
}

/// Evaluates the matrix within `budgets`.
#[must_use]
pub fn evaluate_within(input: &MatrixInput<'_>, budgets: Budgets) -> Matrix {
    let links = &input.facts.links;
    let mut steps_of: Vec<Vec<usize>> = vec![Vec::new(); input.model.ext_auth_policies.len()];
    for (i, step) in input.rego.steps.iter().enumerate() {
        if let Some(steps) = step.policy.and_then(|p| steps_of.get_mut(p)) {
            steps.push(i);
        }
    }
    let run = RunBudget::new(budgets.run);
    let context = PolicyContext {
        input,
        links,
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
            Selected::Routes(ids) => ids.len() * MAX_PROFILES,
            Selected::Unknown => 0,
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
        .flat_map(OpaStep::modules)
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

/// The most decisions reserved up front (128 MB of address space); past it the vector grows.
const MAX_RESERVED_DECISIONS: usize = 1 << 20;

#[cfg(test)]
mod tests {
    use super::profiles::profiles;
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
}
