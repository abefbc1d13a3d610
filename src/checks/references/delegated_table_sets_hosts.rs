use crate::checks::Context;
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports a RouteTable that another table delegates to but that sets `hosts` or
    /// `virtualGateways` itself.
    ///
    /// ## Why is this bad?
    /// A delegated child takes its hosts and gateways from its parent; setting them makes it a
    /// root table as well. Its routes are then exposed twice: under the parent's host with the
    /// parent's matchers, and on their own under the child's hosts, where the parent's path
    /// prefix and route-level policies do not apply.
    ///
    /// ## Example
    /// ```yaml
    /// # petstore-rt, delegated to from api-example-com
    /// spec:
    ///   hosts:
    ///     - api.example.com
    ///   http:
    ///     - name: pets-api
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   http:
    ///     - name: pets-api
    /// ```
    code: "PC208",
    slug: "delegated-table-sets-hosts",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (t, table) in ctx.model.route_tables.iter().enumerate() {
        if !ctx.index.delegated.get(t).copied().unwrap_or(false) {
            continue;
        }
        let parent = ctx.index.edges.iter().find(|e| e.children.contains(&t));
        for (field, set) in [
            ("hosts", !table.spec.hosts.is_empty()),
            ("virtualGateways", !table.spec.virtual_gateways.is_empty()),
        ] {
            if !set {
                continue;
            }
            let mut finding = Finding::new(
                format!("{} is delegated to, but sets `{field}`", table.meta.id),
                ctx.key_span(&table.meta, &format!("/spec/{field}")),
            )
            .label("set on a delegated table")
            .help(format!(
                "remove `{field}`: a delegated table inherits it from the parent"
            ))
            .about(&table.meta.id);
            if let Some(parent_table) =
                parent.and_then(|e| ctx.model.route_tables.get(e.parent.table).map(|p| (p, e)))
            {
                let (p, e) = parent_table;
                finding = finding.related(
                    ctx.span(
                        &p.meta,
                        &format!(
                            "/spec/http/{}/delegate/routeTables/{}",
                            e.parent.route, e.selector
                        ),
                    ),
                    format!("delegated to from {}", p.meta.id),
                );
            }
            out.push(finding);
        }
    }
}
