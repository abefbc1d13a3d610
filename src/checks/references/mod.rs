//! PC2xx: references and selectors between resources.

pub mod delegate_selector_matches_nothing;
pub mod delegated_table_sets_hosts;
pub mod delegation_cycle;
pub mod diverging_resource_copies;
pub mod duplicate_resource;
pub mod duplicate_route_name;
pub mod ext_auth_server_not_found;
pub mod opa_module_config_map_not_found;
mod resource_copies;
pub mod route_selected_by_several_policies;
pub mod route_selector_matches_nothing;

use crate::checks::Context;
use crate::diagnostic::Span;
use crate::model::index::RouteInstance;

/// Where label `key` of a route instance is defined: the first of child route, child table,
/// parent route, parent table (the precedence order) that sets it.
pub(crate) fn label_source(
    ctx: &Context<'_>,
    inst: &RouteInstance,
    key: &str,
) -> Option<(Span, String)> {
    let esc = crate::load::node::escape_token(key);
    let chain = std::iter::once(inst.route).chain(inst.parents.iter().rev().copied());
    for r in chain {
        let table = ctx.model.route_tables.get(r.table)?;
        let route = table.spec.http.get(r.route)?;
        if route.labels.contains_key(key) {
            return Some((
                ctx.span(&table.meta, &format!("/spec/http/{}/labels/{esc}", r.route)),
                format!(
                    "label of route `{}` in {}",
                    route_name(route, r.route),
                    table.meta.id
                ),
            ));
        }
        if table.meta.labels.contains_key(key) {
            return Some((
                ctx.span(&table.meta, &format!("/metadata/labels/{esc}")),
                format!("label of {}", table.meta.id),
            ));
        }
    }
    None
}

/// A route's name, or `#index` when it has none.
pub(crate) fn route_name(route: &crate::model::kinds::HttpRoute, index: usize) -> String {
    route.name.clone().unwrap_or_else(|| format!("#{index}"))
}
