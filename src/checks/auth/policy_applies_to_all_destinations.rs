use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::model::ResourceId;

crate::declare_rule! {
    /// ## What it does
    /// Reports an ExtAuthPolicy with neither `applyToRoutes` nor `applyToDestinations`.
    ///
    /// ## Why is this bad?
    /// Such a policy applies to every destination in its workspace, not to nothing. Usually the
    /// selector was forgotten or misspelled (`applyToRoute`), and the policy now demands tokens
    /// from health checks, public pages and other teams' services.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   config:
    ///     glooAuth: {...}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   applyToRoutes:
    ///     - route:
    ///         labels:
    ///           usagePlans: dev-portal
    ///   config:
    ///     glooAuth: {...}
    /// ```
    code: "PC401",
    slug: "policy-applies-to-all-destinations",
    severity: Warning,
    since: "0.1.0",
}

/// The finding for `policy`, whose `spec` key is at `span`.
fn finding(policy: &ResourceId, span: Span) -> Finding {
    Finding::new(
        format!(
            "{policy} has neither applyToRoutes nor applyToDestinations: it applies to every \
             destination in its workspace"
        ),
        span,
    )
    .help(
        "add `applyToRoutes` with a route label selector (or `applyToDestinations`) to say what \
         it protects",
    )
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for selection in ctx.selections.iter().filter(|s| s.applies_to_all) {
        let Some(policy) = ctx.model.ext_auth_policies.get(selection.policy) else {
            continue;
        };
        // Selectors that are an unrendered template (PC006's) are unknown, not absent.
        if ["/spec/applyToRoutes", "/spec/applyToDestinations"]
            .iter()
            .any(|path| ctx.model.is_unknown(&policy.meta, path))
        {
            continue;
        }
        let span = ctx.key_span(&policy.meta, "/spec");
        out.push(finding(&policy.meta.id, span).about(&policy.meta.id));
    }
}
