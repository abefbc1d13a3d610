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
use crate::rego::{facts::ModuleFacts, query::DataRef};

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

/// Where a `data` reference of a query leads in a step's modules.
pub(crate) enum Resolved<'a> {
    /// To rule `rule` of package `package`, defined in these modules' facts.
    Rule {
        rule: String,
        definitions: Vec<&'a ModuleFacts>,
    },
    /// To a whole package.
    Package(String),
    /// To rule `rule`, which package `package` does not define.
    MissingRule {
        package: String,
        rule: String,
        rules: Vec<&'a str>,
    },
    /// Into no package of the step.
    MissingPackage {
        wanted: String,
        packages: Vec<&'a str>,
    },
}

/// Resolves a `data` reference against the packages of a step's modules: the longest
/// package that prefixes the path, then the rule under it.
pub(crate) fn resolve<'a>(facts: &[&'a ModuleFacts], reference: &DataRef) -> Resolved<'a> {
    let path = &reference.path;
    let package = facts
        .iter()
        .map(|f| f.package.as_str())
        .filter(|p| {
            let parts: Vec<&str> = p.split('.').collect();
            parts.len() <= path.len() && parts.iter().zip(path).all(|(a, b)| a == b)
        })
        .max_by_key(|p| p.split('.').count());
    let Some(package) = package else {
        let mut packages: Vec<&str> = facts.iter().map(|f| f.package.as_str()).collect();
        packages.sort_unstable();
        packages.dedup();
        let wanted = path
            .get(..path.len().saturating_sub(1).max(1))
            .unwrap_or_default()
            .join(".");
        return Resolved::MissingPackage { wanted, packages };
    };
    let depth = package.split('.').count();
    let Some(rule) = path.get(depth) else {
        return Resolved::Package(package.to_string());
    };
    let definitions: Vec<&ModuleFacts> = facts
        .iter()
        .copied()
        .filter(|f| f.package == package && f.rules.iter().any(|r| &r.name == rule))
        .collect();
    if definitions.is_empty() {
        let mut rules: Vec<&str> = facts
            .iter()
            .filter(|f| f.package == package)
            .flat_map(|f| f.rules.iter().map(|r| r.name.as_str()))
            .collect();
        rules.sort_unstable();
        rules.dedup();
        return Resolved::MissingRule {
            package: package.to_string(),
            rule: rule.clone(),
            rules,
        };
    }
    Resolved::Rule {
        rule: rule.clone(),
        definitions,
    }
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
