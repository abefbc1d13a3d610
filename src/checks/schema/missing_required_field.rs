use crate::checks::Context;
use crate::checks::schema::schema_findings;
use crate::diagnostic::Finding;
use crate::schema::validate::SchemaIssue;

crate::declare_rule! {
    /// ## What it does
    /// Reports an object that lacks a field its API requires (`opaAuth.query`, `metadata.name`,
    /// `directResponse.status`, …), pointing at the object that should hold it.
    ///
    /// ## Why is this bad?
    /// The API server rejects the object, or the ext auth service rejects the AuthConfig built
    /// from it ("no query provided"), and every request on its routes is denied.
    ///
    /// ## Example
    /// ```yaml
    /// opaAuth:
    ///   modules:
    ///     - name: okta-scope-policy
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// opaAuth:
    ///   modules:
    ///     - name: okta-scope-policy
    ///   query: "data.test.allow == true"
    /// ```
    code: "PC104",
    slug: "missing-required-field",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    schema_findings(
        ctx,
        out,
        |e| matches!(e.issue, SchemaIssue::Required { .. }),
        "required field missing here",
    );
}
