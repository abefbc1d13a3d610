use crate::checks::Context;
use crate::diagnostic::Finding;
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
    /// # tracks-rt
    /// http:
    ///   - name: back
    ///     delegate:
    ///       routeTables:
    ///         - name: api-example-com
    /// ```
    ///
    /// ## Use instead
    /// Delegate only downwards, from host tables to product tables.
    code: "PC209",
    slug: "delegation-cycle",
    severity: Error,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for cycle in &ctx.index.cycles {
        let (Some(parent), Some(target)) = (
            ctx.model.route_tables.get(cycle.route.table),
            ctx.model.route_tables.get(cycle.table),
        ) else {
            continue;
        };
        out.push(
            Finding::new(
                format!("delegation cycle: this route delegates to {}, which is already on the delegation chain", target.meta.id),
                ctx.span(&parent.meta, &format!("/spec/http/{}/delegate", cycle.route.route)),
            )
            .label("delegates back up the chain")
            .related(ctx.span(&target.meta, "/metadata/name"), "table already on the chain")
            .help("delegate only from parent tables to child tables")
            .resource(parent.meta.id.to_string()),
        );
    }
    if ctx.index.truncated
        && let Some(table) = ctx.model.route_tables.first()
    {
        out.push(
                Finding::new(
                    format!("delegation is deeper than {MAX_DEPTH} levels or expands to more than {MAX_INSTANCES} routes; the rest was not analysed"),
                    ctx.span(&table.meta, "/metadata/name"),
                )
                .help("check for delegation that selects many tables at every level"),
            );
    }
}
