use crate::checks::Context;
use crate::diagnostic::Finding;
use crate::model::flatten::flatten_all;

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
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for conflict in flatten_all(ctx.model, ctx.index).conflicts {
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
        out.push(
            Finding::new(
                format!("delegated route matcher conflicts with its parent: {}", conflict.message),
                ctx.span(&child.meta, &child_path),
            )
            .help("a delegated route must match a subset of what the delegating route matches: extend the parent's path, or move the child under it")
            .resource(child.meta.id.to_string())
            .related(
                ctx.span(&parent.meta, &format!("/spec/http/{}/matchers", conflict.parent.route)),
                "the delegating route's matchers",
            ),
        );
    }
}
