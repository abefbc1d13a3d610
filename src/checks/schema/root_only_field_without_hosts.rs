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
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (t, table) in ctx.model.route_tables.iter().enumerate() {
        if !table.spec.hosts.is_empty() {
            continue;
        }
        let delegated = ctx.index.delegated.get(t).copied().unwrap_or(false);
        // Decided on the model (a value of the wrong type leaves the field unset there, and
        // the schema rules report it); the tree is read only to locate the finding.
        let set = [
            (
                "virtualGateways",
                !table.spec.virtual_gateways.is_empty() && !delegated,
            ),
            (
                "applyToDestinations",
                !table.spec.apply_to_destinations.is_empty(),
            ),
            ("failureMode", table.spec.failure_mode.is_some()),
        ];
        for (field, set) in set {
            let path = format!("/spec/{field}");
            if set {
                out.push(
                    Finding::new(
                        format!("`{field}` is set on a route table without `hosts`"),
                        ctx.key_span(&table.meta, &path),
                    )
                    .help(format!("add `hosts` (a root table), or remove `{field}`"))
                    .about(&table.meta.id),
                );
            }
        }
    }
}
