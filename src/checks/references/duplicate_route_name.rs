use std::collections::HashMap;

use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::model::ResourceId;

crate::declare_rule! {
    /// ## What it does
    /// Reports two HTTP routes with the same name in one RouteTable.
    ///
    /// ## Why is this bad?
    /// Gloo renames the second one `duplicate-<name>-<n>`: metrics, access logs and anything
    /// that refers to the route by name (route-name policies, dashboards, portal docs) no
    /// longer find it.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    ///   - name: pets-api
    ///     matchers:
    ///       - uri:
    ///           prefix: /petstore/pets
    ///   - name: pets-api
    ///     matchers:
    ///       - uri:
    ///           prefix: /petstore/users
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// http:
    ///   - name: pets-api
    ///     matchers:
    ///       - uri:
    ///           prefix: /petstore/pets
    ///   - name: users-api
    ///     matchers:
    ///       - uri:
    ///           prefix: /petstore/users
    /// ```
    code: "PC207",
    slug: "duplicate-route-name",
    severity: Warning,
    since: "0.1.0",
}

/// The finding for the route name `name`, used again in `table` at `span` after `first`.
fn finding(name: &str, table: &ResourceId, span: Span, first: Span) -> Finding {
    Finding::new(
        format!("route name `{name}` is used twice in {table}"),
        span,
    )
    .label("used again here")
    .related(first, "first used here")
    .help(format!(
        "Gloo renames this route `duplicate-{name}-…`; give each route a unique name"
    ))
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for table in &ctx.model.route_tables {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, route) in table.spec.http.iter().enumerate() {
            let Some(name) = route.name.as_deref() else {
                continue;
            };
            if let Some(&first) = seen.get(name) {
                let span = ctx.span(&table.meta, &format!("/spec/http/{i}/name"));
                let first = ctx.span(&table.meta, &format!("/spec/http/{first}/name"));
                out.push(finding(name, &table.meta.id, span, first).about(&table.meta.id));
            } else {
                seen.insert(name, i);
            }
        }
    }
}
