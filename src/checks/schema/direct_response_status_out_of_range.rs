use crate::checks::TreeContext;
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports a `directResponse.status` outside 100–599, the range the RouteTable CRD allows.
    ///
    /// ## Why is this bad?
    /// The API server rejects the table; a status such as `2000` or `0` is usually a typo.
    ///
    /// ## Example
    /// ```yaml
    /// directResponse:
    ///   status: 4040
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// directResponse:
    ///   status: 404
    /// ```
    code: "PC110",
    slug: "direct-response-status-out-of-range",
    severity: Error,
    since: "0.1.0",
    phase: Trees,
}

fn check(ctx: &TreeContext<'_>, out: &mut Vec<Finding>) {
    for table in &ctx.model.route_tables {
        for i in 0..table.spec.http.len() {
            let path = format!("/spec/http/{i}/directResponse/status");
            let Some(found) = ctx.node(&table.meta, &path) else {
                continue;
            };
            let crate::load::node::Value::Number(n) = &found.node.value else {
                continue;
            };
            let status = n.as_f64().unwrap_or(0.0);
            if (100.0..=599.0).contains(&status) {
                continue;
            }
            out.push(
                Finding::new(
                    format!("status {n} is not an HTTP status code (100–599)"),
                    ctx.span(&table.meta, &path),
                )
                .help("use a status between 100 and 599")
                .about(&table.meta.id),
            );
        }
    }
}
