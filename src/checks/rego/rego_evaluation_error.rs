use std::collections::BTreeSet;

use crate::checks::Context;
use crate::checks::rego::policy_anchor;
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Reports a policy whose Rego fails while the access matrix is evaluated: a runtime error
    /// (a builtin given the wrong type under strict errors, a conflict between complete rules
    /// that produce different values, a compile error such as an unsafe variable), the
    /// evaluation time limit, or a `booleanExpr` that cannot be read. Calls to OPA builtins the
    /// evaluator does not implement are PC514 instead.
    ///
    /// Evaluation is bounded: one request may take 2 s, all the decisions of one policy 5 s
    /// (past either, the policy's remaining decisions are not evaluated and it is reported
    /// once), and a built-in call may build at most 2^20 elements or 16 MiB of text. The clock
    /// (`time.now_ns`) reads Wednesday 15 November 2023, 12:00 UTC, and `rand.intn` and
    /// `uuid.rfc4122` are fixed by their arguments, so a decision never changes between runs.
    ///
    /// ## Why is this bad?
    /// OPA answers such a request with an error, which the ext auth service turns into a
    /// denial (or rejects the AuthConfig when the module does not compile).
    ///
    /// ## Example
    /// ```rego
    /// # a token with scopes, on a GET: both definitions hold, with different values
    /// decision := "scope" if {
    ///     count(input.state.jwtAccessToken.scp) > 0
    /// }
    ///
    /// decision := "method" if {
    ///     input.http_request.method == "GET"
    /// }
    ///
    /// allow if decision == "scope"
    /// ```
    ///
    /// ## Use instead
    /// Decide in one rule, so that no two definitions can hold at once with different values:
    /// ```rego
    /// allow if {
    ///     filter_metadata := input.check_request.attributes.metadata_context.filter_metadata
    ///     product := filter_metadata["io.solo.gloo.apimanagement"].api_product_id
    ///     product != ""
    ///     product in input.state.jwtAccessToken.scp
    /// }
    /// ```
    code: "PC513",
    slug: "rego-evaluation-error",
    severity: Error,
    since: "0.1.0",
}

/// The finding for `policy` (`namespace/name`), whose evaluation on `route` failed with
/// `error`, at `span`.
fn finding(policy: &str, route: &str, error: &str, span: Span) -> Finding {
    Finding::new(
        format!("evaluating policy `{policy}` on route `{route}` failed: {error}"),
        span,
    )
    .help(
        "the ext auth service denies requests whose policy evaluation fails; run `portico matrix` \
         to see every decision",
    )
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let mut seen = BTreeSet::new();
    for d in &ctx.matrix.decisions {
        let Some(error) = &d.error else { continue };
        // Unknown functions are PC503 (misspelt) or PC514 (missing from the evaluator).
        if error.unsupported_builtin.is_some()
            || error.module_syntax
            || error.run_budget
            || error.reported_by.is_some()
            || error.message.contains("could not find function")
            || !seen.insert((d.policy, error.message.clone()))
        {
            continue;
        }
        let Some((query, _)) = policy_anchor(ctx, d.policy) else {
            continue;
        };
        let Some(policy) = ctx.model.ext_auth_policies.get(d.policy) else {
            continue;
        };
        let located = error
            .location
            .as_ref()
            .and_then(|(m, range)| Some(ctx.rego.modules.get(*m)?.span(range)));
        let span = located.clone().unwrap_or_else(|| query.clone());
        let mut finding =
            finding(&d.policy_name, &d.route, &error.message, span).about(&policy.meta.id);
        if located.is_some() {
            finding = finding.related(query, "the query evaluated");
        }
        out.push(finding);
    }
}
