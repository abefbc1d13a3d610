use crate::checks::TreeContext;
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports a RouteTable with a `defaultDestination` but no `forwardTo` route to use it
    /// (a RouteTable CRD validation rule).
    ///
    /// ## Why is this bad?
    /// `defaultDestination` only serves `forwardTo` routes that name no destination. Without
    /// one, the API server rejects the table; the setting usually belongs to another table.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   defaultDestination:
    ///     ref: {name: pets, namespace: petstore}
    ///     port: {number: 8080}
    ///   http:
    ///     - name: old-pets
    ///       redirect:
    ///         hostRedirect: pets.example.com
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   defaultDestination:
    ///     ref: {name: pets, namespace: petstore}
    ///     port: {number: 8080}
    ///   http:
    ///     - name: pets
    ///       forwardTo: {}
    /// ```
    code: "PC107",
    slug: "default-destination-without-forward",
    severity: Error,
    since: "0.1.0",
    phase: Trees,
}

fn check(ctx: &TreeContext<'_>, out: &mut Vec<Finding>) {
    for table in &ctx.model.route_tables {
        if ctx.node(&table.meta, "/spec/defaultDestination").is_none() {
            continue;
        }
        if table.spec.http.iter().any(|r| r.forward_to.is_some()) {
            continue;
        }
        out.push(
            Finding::new(
                "`defaultDestination` is set but no route uses `forwardTo`",
                ctx.key_span(&table.meta, "/spec/defaultDestination"),
            )
            .help("remove `defaultDestination`, or add a `forwardTo` route")
            .about(&table.meta.id),
        );
    }
}
