use crate::checks::Context;
use crate::checks::rego::{by_policy_product, describe_profile, policy_anchor, product_span};
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Evaluates each ExtAuthPolicy on every API-product route it protects with synthesized
    /// requests (the product id in the portal metadata, the route's path, method and host, an
    /// access token shaped as the linked identity provider issues it) and reports a product
    /// that is granted to a token that does not hold its scope: a token with no scopes, or one
    /// holding only another product's scope. Only policies that authorize at all (an `opaAuth`
    /// step or `requiredScopes`) are held to this; a policy that only validates the token is
    /// visible in `portico matrix`.
    ///
    /// Only policies linked to an identity provider of `portico.yaml` are judged: the token
    /// shape decides the outcome.
    ///
    /// ## Why is this bad?
    /// The scope is supposed to be the key to the API product. A policy that grants without it
    /// lets every user with any valid token call the product, which is exactly what the
    /// portal's subscriptions were meant to prevent.
    ///
    /// ## Example
    /// ```rego
    /// allow if {
    ///     filter_metadata := input.check_request.attributes.metadata_context.filter_metadata
    ///     product := filter_metadata["io.solo.gloo.apimanagement"].api_product_id
    ///     some scope in array.concat(input.state.jwtAccessToken.scp, [""])
    ///     startswith(product, scope)   # "" or a shorter product's scope also matches
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rego
    /// allow if {
    ///     filter_metadata := input.check_request.attributes.metadata_context.filter_metadata
    ///     product := filter_metadata["io.solo.gloo.apimanagement"].api_product_id
    ///     product != ""
    ///     product in input.state.jwtAccessToken.scp
    /// }
    /// ```
    code: "PC511",
    slug: "product-reachable-without-scope",
    severity: Error,
    since: "0.1.0",
}

/// The finding for API product `product`, granted by `policy` (`namespace/name`) on `route` to
/// `profile` (see [`describe_profile`]), at `span`.
fn finding(product: &str, profile: &str, policy: &str, route: &str, span: Span) -> Finding {
    Finding::new(
        format!(
            "API product `{product}` is granted to {profile}: policy `{policy}` does not require \
             the product's scope"
        ),
        span,
    )
    .help(format!(
        "grant only when the token's scopes contain the product id exactly (`product in \
         <scopes>`); route `{route}` was evaluated"
    ))
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let linked: Vec<bool> = (0..ctx.model.ext_auth_policies.len())
        .map(|p| ctx.facts.is_linked(p))
        .collect();
    for ((policy, product), decisions) in by_policy_product(ctx) {
        let Some(leak) = decisions
            .iter()
            .find(|d| d.allowed == Some(true) && !d.holds_product_scope())
        else {
            continue;
        };
        // Without a configured identity provider the token's shape is a guess: judge only
        // policies whose tokens portico knows.
        if !linked.get(policy).copied().unwrap_or(false) {
            continue;
        }
        if !authorizes(ctx, policy) {
            continue;
        }
        let Some((span, _)) = policy_anchor(ctx, policy) else {
            continue;
        };
        let Some(resource) = ctx.model.ext_auth_policies.get(policy) else {
            continue;
        };
        let profile = describe_profile(leak);
        let mut finding = finding(product, &profile, &leak.policy_name, &leak.route, span)
            .about(&resource.meta.id);
        if let Some(at) = product_span(ctx, leak) {
            finding = finding.related(at, format!("API product `{product}`"));
        }
        out.push(finding);
    }
}

/// Whether a policy has an authorization step: an `opaAuth` step or `requiredScopes`.
fn authorizes(ctx: &Context<'_>, policy: usize) -> bool {
    let Some(gloo) = ctx
        .model
        .ext_auth_policies
        .get(policy)
        .and_then(|p| p.spec.gloo_auth())
    else {
        return false;
    };
    gloo.configs.iter().any(|step| {
        step.opa_auth.is_some()
            || step
                .oauth2
                .as_ref()
                .and_then(|o| o.access_token_validation.as_ref())
                .is_some_and(|a| a.required_scopes.is_some())
    })
}
