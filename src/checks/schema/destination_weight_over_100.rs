use crate::checks::TreeContext;
use crate::diagnostic::{Finding, Span};
use crate::load::node::Value;

crate::declare_rule! {
    /// ## What it does
    /// Reports `forwardTo` destinations whose `weight`s add up to more than 100.
    ///
    /// ## Why is this bad?
    /// Weights are percentages of the route's traffic; Gloo spreads the remainder of 100 over
    /// unweighted destinations and rejects weights over 100, so the traffic split you wrote is
    /// not the one you get.
    ///
    /// ## Example
    /// ```yaml
    /// destinations:
    ///   - ref: {name: pets-v1, namespace: petstore}
    ///     port: {number: 8080}
    ///     weight: 80
    ///   - ref: {name: pets-v2, namespace: petstore}
    ///     port: {number: 8080}
    ///     weight: 30
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// destinations:
    ///   - ref: {name: pets-v1, namespace: petstore}
    ///     port: {number: 8080}
    ///     weight: 70
    ///   - ref: {name: pets-v2, namespace: petstore}
    ///     port: {number: 8080}
    ///     weight: 30
    /// ```
    code: "PC111",
    slug: "destination-weight-over-100",
    severity: Error,
    since: "0.1.0",
    phase: Trees,
}

/// The finding for destination weights that add up to `total`, at the last weight (`span`).
fn finding(total: f64, span: Span) -> Finding {
    Finding::new(
        format!("destination weights add up to {total}, more than 100"),
        span,
    )
    .help("weights are percentages of the route's traffic: make them add up to 100 at most")
}

fn check(ctx: &TreeContext<'_>, out: &mut Vec<Finding>) {
    for table in &ctx.model.route_tables {
        for i in 0..table.spec.http.len() {
            let base = format!("/spec/http/{i}/forwardTo/destinations");
            let Some(found) = ctx.node(&table.meta, &base) else {
                continue;
            };
            let Value::Seq(items) = &found.node.value else {
                continue;
            };
            let weights: Vec<(usize, f64)> = items
                .iter()
                .enumerate()
                .filter_map(|(d, item)| match item.get("weight").map(|w| &w.value) {
                    Some(Value::Number(n)) => n.as_f64().map(|w| (d, w)),
                    _ => None,
                })
                .collect();
            let total: f64 = weights.iter().map(|(_, w)| w).sum();
            if total <= 100.0 {
                continue;
            }
            let Some(&(last, _)) = weights.last() else {
                continue;
            };
            let span = ctx.span(&table.meta, &format!("{base}/{last}/weight"));
            out.push(finding(total, span).about(&table.meta.id));
        }
    }
}
