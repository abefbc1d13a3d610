use crate::checks::Context;
use crate::checks::schema::schema_findings;
use crate::diagnostic::Finding;
use crate::schema::validate::SchemaIssue;

crate::declare_rule! {
    /// ## What it does
    /// Reports a value of the wrong type in a resource portico reads (a number where a string
    /// is required, a mapping where a list is required, …) or a resource without
    /// `metadata.name`. When the value keeps portico from reading the resource at all, the
    /// resource is left out of the other checks and the help says so; a mistyped value inside
    /// an ExtAuthPolicy's `glooAuth` leaves only that value out.
    ///
    /// ## Why is this bad?
    /// The API server rejects the object: label values, ConfigMap data and most Gloo fields
    /// are strings, so `version: 2` or `enabled: true` under `labels` fails `kubectl apply`.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: petstore-rt
    ///   labels:
    ///     version: 2
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   name: petstore-rt
    ///   labels:
    ///     version: "2"
    /// ```
    code: "PC101",
    slug: "invalid-field-type",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // A bare list under `requiredScopes` has its own rule (PC406) with a precise fix.
    schema_findings(
        ctx,
        out,
        |e| match &e.issue {
            SchemaIssue::Type { found, .. } => {
                !(found == "a list" && e.pointer.ends_with("/requiredScopes"))
            }
            SchemaIssue::Other(_) => true,
            _ => false,
        },
        "wrong type",
    );
    for problem in &ctx.model.problems {
        let mut finding = Finding::new(problem.error.message.clone(), problem.span.clone())
            .help(help_for(&problem.error.message));
        if let Some(id) = &problem.id {
            finding = finding.about(id);
        }
        out.push(finding);
    }
}

fn help_for(message: &str) -> String {
    if message.contains("expected a string") {
        "quote the value so it is a string".to_owned()
    } else if message.contains("metadata.name") {
        "give the resource a `metadata.name`".to_owned()
    } else {
        "fix the value's type; this resource was left out of the other checks".to_owned()
    }
}
