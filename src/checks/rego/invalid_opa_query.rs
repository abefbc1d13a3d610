use crate::checks::Context;
use crate::checks::load::unresolved_placeholder::find_placeholders;
use crate::checks::rego::query_span;
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports an `opaAuth` step whose `query` is blank or not a Rego query, at the
    /// query (the position of a syntax error inside it when the YAML value holds it verbatim).
    ///
    /// ## Why is this bad?
    /// The ext auth service rejects an OPA step without a query ("no query provided") and one
    /// whose query does not compile; the AuthConfig is rejected and requests are denied.
    ///
    /// ## Example
    /// ```yaml
    /// opaAuth:
    ///   modules:
    ///     - name: scope-policy
    ///   query: "data.test.allow = = true"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// opaAuth:
    ///   modules:
    ///     - name: scope-policy
    ///   query: "data.test.allow == true"
    /// ```
    code: "PC505",
    slug: "invalid-opa-query",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for step in &ctx.rego.steps {
        match &step.parsed_query {
            // A missing query is a schema error (PC104); a present, blank one is not.
            None if step.query.is_some() => out.push(
                Finding::new(
                    "the opaAuth query is blank",
                    ctx.span(&step.meta, &format!("{}/query", step.path)),
                )
                .help("name the rule that decides, e.g. `query: \"data.test.allow == true\"`")
                .about(&step.meta.id),
            ),
            None => {}
            // An unfilled template (PC006's) is not Rego yet.
            Some(Err(_))
                if step
                    .query
                    .as_deref()
                    .is_some_and(|q| !find_placeholders(q).is_empty()) => {}
            Some(Err(error)) => out.push(
                Finding::new(
                    format!("the opaAuth query does not parse: {}", error.message),
                    query_span(ctx, step, &error.range),
                )
                .help("a query is a Rego expression such as `data.test.allow == true`")
                .about(&step.meta.id),
            ),
            Some(Ok(_)) => {}
        }
    }
}
