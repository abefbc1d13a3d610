use crate::checks::Context;
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports a RouteTable without `hosts` that sets `virtualGateways`, `applyToDestinations`
    /// or `failureMode` (the RouteTable CRD's validation rules). A table that another table
    /// delegates to and sets `virtualGateways` is reported by PC208 instead.
    ///
    /// ## Why is this bad?
    /// These fields only mean something on a root table, which `hosts` makes. The API server
    /// rejects the table: "virtualGateways can only be set when hosts is set".
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   virtualGateways:
    ///     - name: istio-ingressgateway
    ///   http: [...]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   hosts: [api.example.com]
    ///   virtualGateways:
    ///     - name: istio-ingressgateway
    ///   http: [...]
    /// ```
    code: "PC106",
    slug: "root-only-field-without-hosts",
    severity: Error,
    phase: Trees,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (t, table) in ctx.model.route_tables.iter().enumerate() {
        if !table.spec.hosts.is_empty() {
            continue;
        }
        let delegated = ctx.index.delegated.get(t).copied().unwrap_or(false);
        for field in ["virtualGateways", "applyToDestinations", "failureMode"] {
            if field == "virtualGateways" && delegated {
                continue;
            }
            let path = format!("/spec/{field}");
            let set = ctx
                .node(&table.meta, &path)
                .is_some_and(|f| match &f.node.value {
                    crate::load::node::Value::Seq(items) => !items.is_empty(),
                    crate::load::node::Value::Null => false,
                    _ => true,
                });
            if set {
                out.push(
                    Finding::new(
                        format!("`{field}` is set on a route table without `hosts`"),
                        ctx.key_span(&table.meta, &path),
                    )
                    .help(format!("add `hosts` (a root table), or remove `{field}`"))
                    .resource(table.meta.id.to_string()),
                );
            }
        }
    }
}
