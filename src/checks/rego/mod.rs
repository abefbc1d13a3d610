//! PC5xx: Rego modules and the `opaAuth` steps that run them.

pub mod access_matrix_not_evaluated;
pub mod duplicate_module_key;
pub mod fast_input_conversion_drops_check_request;
pub mod input_path_outside_contract;
pub mod invalid_opa_query;
pub mod product_reachable_without_scope;
pub mod product_unreachable_with_scope;
pub mod query_result_not_boolean;
pub mod query_rule_not_found;
pub mod rego_evaluation_error;
pub mod rego_syntax_error;
pub mod rego_v0_syntax;
pub mod scope_claim_shape;
pub mod unknown_rego_function;

use std::collections::BTreeSet;

use crate::checks::Context;
use crate::diagnostic::Span;
use crate::rego::OpaStep;
pub(crate) use crate::rego::resolve::{Resolved, resolve};

/// Modules some `opaAuth` step runs: only those are held to the ext auth input contract (a
/// `.rego` file may belong to another system).
pub(crate) fn modules_in_use(ctx: &Context<'_>) -> BTreeSet<usize> {
    ctx.rego.steps.iter().flat_map(OpaStep::modules).collect()
}

/// The span of a range of a step's query text: exact when the YAML value holds the query
/// verbatim (plain or simply quoted), else the whole value.
pub(crate) fn query_span(
    ctx: &Context<'_>,
    step: &OpaStep,
    range: &std::ops::Range<usize>,
) -> Span {
    let whole = ctx.span(&step.meta, &format!("{}/query", step.path));
    let Some(query) = step.query.as_deref() else {
        return whole;
    };
    let file = ctx.repo.sources.get(whole.file);
    let raw = file.text.get(whole.range.clone()).unwrap_or_default();
    let start = if raw == query {
        whole.range.start
    } else if raw.len() == query.len() + 2 && raw.get(1..raw.len() - 1) == Some(query) {
        whole.range.start + 1
    } else {
        return whole;
    };
    Span::new(
        whole.file,
        start + range.start.min(query.len())..start + range.end.min(query.len()),
    )
}

/// Where a matrix finding about a policy points: its first `opaAuth` query, else the policy's
/// name. Returns the span and the step index used.
pub(crate) fn policy_anchor(ctx: &Context<'_>, policy: usize) -> Option<(Span, Option<usize>)> {
    let resource = ctx.model.ext_auth_policies.get(policy)?;
    let step = ctx.rego.steps.iter().position(|s| s.policy == Some(policy));
    let span = match step.and_then(|s| ctx.rego.steps.get(s)) {
        Some(step) => ctx.span(&step.meta, &format!("{}/query", step.path)),
        None => ctx.span(&resource.meta, "/metadata/name"),
    };
    Some((span, step))
}

/// Decisions grouped by (policy, product), in matrix order.
pub(crate) fn by_policy_product<'a>(
    ctx: &'a Context<'_>,
) -> std::collections::BTreeMap<(usize, &'a str), Vec<&'a crate::access::Decision>> {
    let mut groups: std::collections::BTreeMap<(usize, &str), Vec<_>> =
        std::collections::BTreeMap::new();
    for d in &ctx.matrix.decisions {
        groups
            .entry((d.policy, &*d.api_product_id))
            .or_default()
            .push(d);
    }
    groups
}

/// The span of the `apiProductId` a decision's route serves.
pub(crate) fn product_span(ctx: &Context<'_>, decision: &crate::access::Decision) -> Option<Span> {
    let instance = ctx.index.instance(decision.instance)?;
    let table = ctx.model.route_tables.get(instance.product_table?)?;
    Some(ctx.span(&table.meta, "/spec/portalMetadata/apiProductId"))
}

/// A phrase for a token profile.
pub(crate) fn describe_profile(decision: &crate::access::Decision) -> String {
    match &*decision.token_scopes {
        [] => "a valid token with no scopes".to_string(),
        scopes => format!(
            "a token holding only {}",
            scopes
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
