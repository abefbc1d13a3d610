use crate::checks::Context;
use crate::checks::schema::{release_unset, schema_findings};
use crate::diagnostic::Finding;
use crate::schema::validate::SchemaIssue;

crate::declare_rule! {
    /// ## What it does
    /// Reports a key that the resource's API does not have: a typo (`applyToRoute`, `modlues`),
    /// the snake_case spelling of a camelCase field (`remote_jwks` for `remoteJwks`), or a key
    /// at the wrong level. It names the closest allowed key. Inside an ExtAuthPolicy's
    /// `glooAuth`, which Gloo decodes as protobuf JSON, the snake_case name is the field's
    /// proto name and is accepted; in an AuthConfig it is not.
    ///
    /// ## Why is this bad?
    /// Kubernetes silently prunes unknown fields, and Gloo ignores them in `glooAuth`. The
    /// object is accepted at apply time and the setting is simply not there: a misspelled
    /// `applyToRoutes` makes the policy apply to every destination, a misspelled
    /// `requiredScopes` requires no scope at all.
    ///
    /// ## Example
    /// ```yaml
    /// jwt:
    ///   remote_jwks:
    ///     url: https://dev-1234567.okta.com/oauth2/default/v1/keys
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// jwt:
    ///   remoteJwks:
    ///     url: https://dev-1234567.okta.com/oauth2/default/v1/keys
    /// ```
    code: "PC102",
    slug: "unknown-field",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // A value another release has, with no release configured, is PC112's.
    let unset = release_unset(ctx);
    schema_findings(
        ctx,
        out,
        |e| matches!(e.issue, SchemaIssue::UnknownField { .. }) && !(unset && e.note.is_some()),
        "not a field of this object",
    );
}
