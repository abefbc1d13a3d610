use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::model::ResourceId;
use crate::model::index::{MAX_DEPTH, MAX_INSTANCES};

crate::declare_rule! {
    /// ## What it does
    /// Reports delegation that leads back to a route table already on the chain (A delegates to
    /// B, B delegates to A), and delegation too deep or too wide to expand.
    ///
    /// ## Why is this bad?
    /// Gloo cannot flatten a cycle into routes: the routes on it are dropped and requests get
    /// 404. portico stops following the chain at the cycle and reports it.
    ///
    /// ## Example
    /// ```yaml
    /// # pets-rt, delegated to from petstore-rt
    /// http:
    ///   - name: back
    ///     delegate:
    ///       routeTables:
    ///         - name: petstore-rt
    /// ```
    ///
    /// ## Use instead
    /// Delegate only downwards, from host tables to product tables.
    code: "PC209",
    slug: "delegation-cycle",
    severity: Error,
    since: "0.1.0",
}

/// The finding for the route at `span` that delegates to `target`, already on the chain at
/// `target_span`.
fn delegates_back(target: &ResourceId, span: Span, target_span: Span) -> Finding {
    Finding::new(
        format!(
            "delegation cycle: this route delegates to {target}, which is already on the \
             delegation chain"
        ),
        span,
    )
    .label("delegates back up the chain")
    .related(target_span, "table already on the chain")
    .help("delegate only from parent tables to child tables")
}

/// The finding, at the first table's name (`span`), that delegation was not expanded in full.
fn truncated(span: Span) -> Finding {
    Finding::new(
        format!(
            "delegation is deeper than {MAX_DEPTH} levels or expands to more than \
             {MAX_INSTANCES} routes; the rest was not analysed"
        ),
        span,
    )
    .help("check for delegation that selects many tables at every level")
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for cycle in &ctx.index.cycles {
        let (Some(parent), Some(target)) = (
            ctx.model.route_tables.get(cycle.route.table),
            ctx.model.route_tables.get(cycle.table),
        ) else {
            continue;
        };
        let span = ctx.span(
            &parent.meta,
            &format!("/spec/http/{}/delegate", cycle.route.route),
        );
        let target_span = ctx.span(&target.meta, "/metadata/name");
        out.push(delegates_back(&target.meta.id, span, target_span).about(&parent.meta.id));
    }
    if ctx.index.truncated
        && let Some(table) = ctx.model.route_tables.first()
    {
        out.push(truncated(ctx.span(&table.meta, "/metadata/name")));
    }
}
