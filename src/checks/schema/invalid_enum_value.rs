use crate::checks::Context;
use crate::checks::schema::{release_unset, schema_findings};
use crate::diagnostic::Finding;
use crate::schema::validate::SchemaIssue;

crate::declare_rule! {
    /// ## What it does
    /// Reports a value outside the set the API allows (an enum such as `sortMethod`,
    /// `transportApiVersion` or `kind: SERVICE`, and the `apiVersion` of the kind), listing the
    /// allowed values and the closest one. A protobuf enum written as a number is reported with
    /// its names, not their ordinals, and a redirect code written as its HTTP status (`307`)
    /// with the name it stands for (`TEMPORARY_REDIRECT`). A value another Gloo Platform
    /// release has says which release added or removed it.
    ///
    /// ## Why is this bad?
    /// The API server rejects the object, or an older controller ignores the unknown value and
    /// falls back to the default behaviour.
    ///
    /// ## Example
    /// ```yaml
    /// delegate:
    ///   sortMethod: BY_WEIGHT
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// delegate:
    ///   sortMethod: TABLE_WEIGHT
    /// ```
    code: "PC103",
    slug: "invalid-enum-value",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // A value another release has, with no release configured, is PC112's.
    let unset = release_unset(ctx);
    schema_findings(
        ctx,
        out,
        |e| matches!(e.issue, SchemaIssue::Enum { .. }) && !(unset && e.note.is_some()),
        "not an allowed value",
    );
}
