use crate::checks::TreeContext;
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports a `forwardTo` route with no `destinations` in a RouteTable that has no
    /// `defaultDestination` (a RouteTable CRD validation rule).
    ///
    /// ## Why is this bad?
    /// The route has nowhere to send requests: the API server rejects the table, or the route
    /// answers every request with an error.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    ///   - name: pets
    ///     forwardTo: {}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// http:
    ///   - name: pets
    ///     forwardTo:
    ///       destinations:
    ///         - ref: {name: pets, namespace: petstore}
    ///           port: {number: 8080}
    /// ```
    code: "PC108",
    slug: "forward-without-destination",
    severity: Error,
    since: "0.1.0",
    phase: Trees,
}

fn check(ctx: &TreeContext<'_>, out: &mut Vec<Finding>) {
    for table in &ctx.model.route_tables {
        if ctx.node(&table.meta, "/spec/defaultDestination").is_some() {
            continue;
        }
        for (i, route) in table.spec.http.iter().enumerate() {
            let Some(forward) = &route.forward_to else {
                continue;
            };
            if !forward.destinations.is_empty() {
                continue;
            }
            out.push(
                Finding::new(
                    "`forwardTo` has no destinations and the table has no `defaultDestination`",
                    ctx.key_span(&table.meta, &format!("/spec/http/{i}/forwardTo")),
                )
                .help("list the destinations, or set `spec.defaultDestination`")
                .about(&table.meta.id),
            );
        }
    }
}
