use crate::checks::Context;
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Combines each delegated route's matchers with the matchers of the route delegating to
    /// it, as the gateway does, and reports a child matcher the parent's does not contain: a
    /// path outside the parent's prefix, a different exact path, or a different HTTP method.
    ///
    /// ## Why is this bad?
    /// Gloo drops the child route (it can never match requests that reach the parent), so the
    /// API behind it answers 404, and `portico build` cannot produce a route for it.
    ///
    /// ## Example
    /// ```yaml
    /// # parent: prefix /petstore, delegates to label table: petstore
    /// http:
    ///   - name: orders
    ///     matchers:
    ///       - uri:
    ///           prefix: /orders
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// http:
    ///   - name: orders
    ///     matchers:
    ///       - uri:
    ///           prefix: /petstore/orders
    /// ```
    code: "PC601",
    slug: "delegated-matcher-conflict",
    severity: Error,
    since: "0.1.0",
    // Since Gloo Platform 2.4 a delegated route inherits its parent's matchers (the docs page
    // "Route matcher inheritance", 2.4, 2.5 and latest; shared/reference/gloo-api.md), so a
    // child path is relative to the parent's prefix: all 7 findings on real-world-2
    // (DuncanDoyle/gg-graphql-demo, solo-io/aoa-catalog@2.3.x) are such children.
    status: Preview,
}

/// The finding for the child's matcher at `span` that `conflict` describes; `parent` is the
/// delegating route's matchers.
fn finding(conflict: &str, span: Span, parent: Span) -> Finding {
    Finding::new(
        format!("delegated route matcher conflicts with its parent: {conflict}"),
        span,
    )
    .help(
        "a delegated route must match a subset of what the delegating route matches: extend the \
         parent's path, or move the child under it",
    )
    .related(parent, "the delegating route's matchers")
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for conflict in &ctx.facts.matcher_conflicts {
        let (Some(child), Some(parent)) = (
            ctx.model.route_tables.get(conflict.child.table),
            ctx.model.route_tables.get(conflict.parent.table),
        ) else {
            continue;
        };
        let child_path = format!(
            "/spec/http/{}/matchers/{}",
            conflict.child.route, conflict.matcher
        );
        let parent_path = format!("/spec/http/{}/matchers", conflict.parent.route);
        let span = ctx.span(&child.meta, &child_path);
        let parent = ctx.span(&parent.meta, &parent_path);
        out.push(finding(&conflict.message, span, parent).about(&child.meta.id));
    }
}
