use crate::checks::Context;
use crate::checks::auth::access_token_validations;
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports `requiredScopes` written as a bare list instead of `{scope: [...]}`.
    ///
    /// ## Why is this bad?
    /// `requiredScopes` is an object whose `scope` field holds the list. A bare list does not
    /// match the API: the AuthConfig is rejected, or the field is dropped and no scope is
    /// required at all.
    ///
    /// ## Example
    /// ```yaml
    /// accessTokenValidation:
    ///   requiredScopes:
    ///     - petstore
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// accessTokenValidation:
    ///   requiredScopes:
    ///     scope:
    ///       - petstore
    /// ```
    code: "PC406",
    slug: "required-scopes-bare-list",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for (meta, base, atv) in access_token_validations(ctx.model) {
        let Some(serde_json::Value::Array(items)) = &atv.required_scopes else {
            continue;
        };
        let scopes: Vec<String> = items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        out.push(
            Finding::new(
                "`requiredScopes` is a bare list; it must be an object with a `scope` list",
                ctx.span(meta, &format!("{base}/requiredScopes")),
            )
            .help(format!(
                "write `requiredScopes: {{scope: [{}]}}`",
                scopes.join(", ")
            ))
            .about(&meta.id),
        );
    }
}
