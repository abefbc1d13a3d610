use crate::checks::Context;
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Combines each delegated route's matchers with the matchers of the route delegating to
    /// it, as the configured Gloo Platform release does (`gloo.version` of portico.yaml), and
    /// reports a child matcher that can match no request reaching the parent: a path other
    /// than the parent's exact path, a different HTTP method, and, before 2.4, a path outside
    /// the parent's prefix. Since 2.4 a child path is relative to the parent's prefix
    /// (`/orders` under `/petstore` serves `/petstore/orders`); a child path that already
    /// starts with the parent's prefix is taken as written.
    ///
    /// ## Why is this bad?
    /// Gloo replaces the delegating route with a direct response reporting the
    /// misconfiguration, so the APIs behind it answer with that instead of their content, and
    /// `portico build` cannot produce a route for the child.
    ///
    /// ## Example
    /// ```yaml
    /// # parent: exact path /status, delegates to label table: status
    /// http:
    ///   - name: healthz
    ///     matchers:
    ///       - uri:
    ///           exact: /healthz
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// http:
    ///   - name: healthz
    ///     matchers:
    ///       - uri:
    ///           exact: /status
    /// ```
    code: "PC601",
    slug: "delegated-matcher-conflict",
    severity: Error,
    since: "0.1.0",
    // The path rule of each release is in `model/flatten.rs` (`Inheritance`): intersection
    // before 2.4 (the `HTTPRoute.matchers` comment of route_table.proto, solo-apis 2.2/2.3),
    // the parent's prefix prepended since 2.4 (docs page "Route matcher inheritance"). The
    // docs do not say what a child that repeats the parent's prefix, or a regex child, gives;
    // portico takes such a path as written (as the Gloo guides write children), so the rule
    // stays in preview until that is confirmed on a gateway.
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
        "a delegated route must match requests that reach the delegating route: match the \
         parent's path and method, or move the route to a table the right parent delegates to",
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
