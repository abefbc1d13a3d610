//! A policy's auth chain decided for one request, as the ext auth service runs it
//! (gloo-api.md §2): each `glooAuth` step passes or fails (`oauth2` by its `requiredScopes`,
//! `opaAuth` by its query), and the results combine by `booleanExpr`, or all must pass.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value as Json;

use crate::config::{IdentityProvider, ProviderType};
use crate::model::kinds::{AuthConfigSpec, AuthStep};
use crate::rego::OpaStep;

use super::boolean_expr::boolean_expr;
use super::eval::{Evaluator, evaluate_step};
use super::request::Request;
use super::{EvaluationError, MatrixInput};

/// How a request fared; cloned into every decision it stands for.
#[derive(Clone)]
pub(super) enum Outcome {
    /// The chain lets the request through.
    Allowed,
    /// The chain refuses it, and why.
    Denied(Arc<str>),
    /// It could not be decided.
    Error(Arc<EvaluationError>),
}

/// Decides the auth chain: each step passes or fails, combined by `booleanExpr` or in order.
pub(super) fn decide(
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
                        reported_by: None,
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
/// against the space-separated `scope` claim only (gloo-api.md §6). Other step kinds pass (the matrix is about
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
