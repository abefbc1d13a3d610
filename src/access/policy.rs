//! One policy's decisions: every API-product route it selects, for each token profile, its
//! auth chain decided once per product when the Rego cannot tell the routes of a product
//! apart.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use crate::model::selection::PolicySelection;
use crate::rego::evaluation::EngineClones;
use crate::rego::facts::Segment;
use crate::rego::{Analysis, OpaStep};

use super::chain::{Outcome, decide};
use super::eval::{Evaluator, RunBudget};
use super::profiles::{Scopes, profiles};
use super::request::{Request, product_routes};
use super::{Budgets, Decision, EvaluationError, MatrixInput};

/// What every worker shares.
pub(super) struct PolicyContext<'a> {
    /// The pipeline's results.
    pub(super) input: &'a MatrixInput<'a>,
    /// Per policy, the identity provider it is linked to.
    pub(super) links: &'a [Option<usize>],
    /// Per policy, its `opaAuth` steps (indices into [`Analysis::steps`]).
    pub(super) steps_of: &'a [Vec<usize>],
    /// The time limits.
    pub(super) budgets: Budgets,
    /// The time left to the run's evaluations.
    pub(super) run: &'a RunBudget,
}

/// The decisions of `selections`' policies, appended to `out` policy by policy.
pub(super) fn evaluate_policies(
    context: &PolicyContext<'_>,
    selections: &[PolicySelection],
    out: &Mutex<Vec<Decision>>,
) {
    let mut evaluator = Evaluator {
        engines: EngineClones::default(),
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
    // A step that cannot be evaluated (its cause has a finding of its own) leaves every
    // decision of the policy that reaches it not evaluated, sharing one error.
    if let Some((index, cause)) = steps
        .iter()
        .find_map(|&(i, step)| Some((i, step.unevaluable(input.rego)?)))
    {
        evaluator.policy = Err(Arc::new(EvaluationError {
            step: index,
            message: cause.why().to_owned(),
            unsupported_builtin: None,
            module_syntax: false,
            location: None,
            run_budget: false,
            reported_by: Some(cause.reported_by()),
        }));
    }
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
                            Segment::Key(k) => k.as_str(),
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
