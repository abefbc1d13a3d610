//! PC1xx: documents whose shape is wrong for their kind.

pub mod conflicting_fields;
pub mod default_destination_without_forward;
pub mod destination_weight_over_100;
pub mod direct_response_status_out_of_range;
pub mod field_of_another_release;
pub mod forward_without_destination;
pub mod invalid_enum_value;
pub mod invalid_field_type;
pub mod invalid_host;
pub mod missing_required_field;
pub mod root_only_field_without_hosts;
pub mod unknown_field;

use crate::checks::Context;
use crate::diagnostic::Finding;
use crate::schema::validate::SchemaError;

/// Whether portico.yaml leaves the Gloo Platform release unset, so that a field or value of
/// another release is PC112 (a warning: the repository may target that release) rather than
/// PC102 or PC103.
pub(crate) fn release_unset(ctx: &Context<'_>) -> bool {
    ctx.config.settings.gloo.version.is_none()
}

/// Findings for the schema errors `select` picks, at the offending key (unknown field), the
/// object (missing field) or the value (anything else).
pub(crate) fn schema_findings(
    ctx: &Context<'_>,
    out: &mut Vec<Finding>,
    select: impl Fn(&SchemaError) -> bool,
    label: &str,
) {
    for e in &ctx.model.schema_errors {
        if !select(&e.error) {
            continue;
        }
        let (message, help) = e.error.describe();
        let mut finding = Finding::new(message, e.span.clone())
            .label(label)
            .maybe_help(help);
        if let Some(id) = &e.id {
            finding = finding.about(id);
        }
        out.push(finding);
    }
}
