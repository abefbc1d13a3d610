use crate::checks::Context;
use crate::checks::rego::scope_claim_shape::{issued_claim, provider_label};
use crate::checks::rego::{by_policy_product, policy_anchor, product_span};
use crate::config::IdentityProvider;
use crate::diagnostic::{Finding, Span};
use crate::rego::facts::Segment;

crate::declare_rule! {
    /// ## What it does
    /// Evaluates each ExtAuthPolicy on every API-product route it protects (see PC511) and
    /// reports a product that no token can open: the request is denied even with a token that
    /// holds the product's scope, and with one that holds every product scope. Names the likely
    /// cause, such as a scope claim the identity provider does not issue, or `requiredScopes`
    /// read from a `scope` claim Okta tokens lack.
    ///
    /// Only policies linked to an identity provider of `portico.yaml` are judged: the token
    /// shape decides the outcome.
    ///
    /// ## Why is this bad?
    /// The product answers 403 to every subscriber: the policy is dead. Nothing fails at deploy
    /// time; users find it.
    ///
    /// ## Example
    /// ```rego
    /// allow if {
    ///     filter_metadata := input.check_request.attributes.metadata_context.filter_metadata
    ///     # the field is `api_product_id`: `product` is undefined, so no token is granted
    ///     product := filter_metadata["io.solo.gloo.apimanagement"].api_product
    ///     product in input.state.jwtAccessToken.scp
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rego
    /// allow if {
    ///     filter_metadata := input.check_request.attributes.metadata_context.filter_metadata
    ///     product := filter_metadata["io.solo.gloo.apimanagement"].api_product_id
    ///     …
    ///     product in input.state.jwtAccessToken.scp
    /// }
    /// ```
    code: "PC512",
    slug: "product-unreachable-with-scope",
    severity: Error,
    since: "0.1.0",
}

/// The finding for API product `product`, denied on `route` even with its scope: `reason` says
/// why, as far as portico can tell.
fn finding(product: &str, reason: &str, route: &str, span: Span) -> Finding {
    let message = format!(
        "API product `{product}` is denied even to a token holding its scope `{product}`: \
         {reason}"
    );
    Finding::new(message, span).help(format!(
        "evaluated route `{route}` with the token the linked identity provider issues; fix the \
         policy so that a token holding `{product}` is granted"
    ))
}

/// The most common cause: the Rego reads the scope claim `read`, the provider issues `claim`.
fn other_claim(read: &str, provider: &IdentityProvider, claim: &str) -> String {
    let provider = provider_label(provider);
    format!("the Rego reads the `{read}` claim, but {provider} issues scopes in `{claim}`")
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let providers = &ctx.config.settings.identity_providers;
    let links = &ctx.facts.links;
    let linked: Vec<bool> = links.iter().map(Option::is_some).collect();
    for ((policy, product), decisions) in by_policy_product(ctx) {
        // Without a configured identity provider the token's shape is a guess: judge only
        // policies whose tokens portico knows.
        if !linked.get(policy).copied().unwrap_or(false) {
            continue;
        }
        let with_scope: Vec<_> = decisions
            .iter()
            .filter(|d| d.holds_product_scope())
            .collect();
        if with_scope.is_empty() || !with_scope.iter().all(|d| d.allowed == Some(false)) {
            continue;
        }
        let Some((span, step)) = policy_anchor(ctx, policy) else {
            continue;
        };
        let Some(resource) = ctx.model.ext_auth_policies.get(policy) else {
            continue;
        };
        let Some(denied) = with_scope.first() else {
            continue;
        };
        let provider = links
            .get(policy)
            .copied()
            .flatten()
            .and_then(|p| providers.get(p));
        // The most common cause: the Rego reads a claim the provider does not issue.
        let claim_cause = provider.and_then(|provider| {
            let (claim, _) = issued_claim(provider.provider_type);
            ctx.rego
                .steps
                .iter()
                .filter(|s| s.policy == Some(policy))
                .find_map(|s| {
                    ctx.rego.step_facts(s).find_map(|(_, module, facts)| {
                        facts
                            .input_reads
                            .iter()
                            .find_map(|r| match r.path.as_slice() {
                                [Segment::Key(a), Segment::Key(b), Segment::Key(c), ..]
                                    if a == "state"
                                        && b == "jwtAccessToken"
                                        && ["scope", "scp"].contains(&c.as_str())
                                        && c != claim =>
                                {
                                    Some((
                                        other_claim(c, provider, claim),
                                        module.span(r.segment_ranges.get(2).unwrap_or(&r.range)),
                                    ))
                                }
                                _ => None,
                            })
                    })
                })
        });
        let reason = claim_cause
            .as_ref()
            .map(|(c, _)| c.clone())
            .or_else(|| {
                denied
                    .reason
                    .as_deref()
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "the policy denies it".to_string());
        let mut finding = finding(product, &reason, &denied.route, span).about(&resource.meta.id);
        if let Some((_, at)) = claim_cause {
            finding = finding.related(at, "claim read here");
        } else if let Some(module) = step
            .and_then(|s| ctx.rego.steps.get(s))
            .and_then(|s| ctx.rego.step_facts(s).next())
            .map(|(_, m, f)| m.span(&f.package_range))
        {
            finding = finding.related(module, "the policy's Rego");
        }
        if let Some(at) = product_span(ctx, denied) {
            finding = finding.related(at, format!("API product `{product}`"));
        }
        out.push(finding);
    }
}
