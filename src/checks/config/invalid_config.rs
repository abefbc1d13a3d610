use crate::checks::Context;
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Reports a `portico.yaml` that does not have the documented shape: an unknown key (with
    /// the closest known key), a value of the wrong type, an unknown provider type or severity.
    ///
    /// ## Why is this bad?
    /// A misspelled setting is otherwise ignored: `rule:` instead of `rules:` leaves every
    /// severity at its default, `ignore: vendor/**` as a string instead of a list does not
    /// exclude anything. When the configuration cannot be read, portico runs with defaults.
    ///
    /// ## Example
    /// ```yaml
    /// identityProviders:
    ///   - name: okta-default
    ///     type: okra
    ///     jwksUrl: https://dev-1234567.okta.com/oauth2/default/v1/keys
    /// rule:
    ///   PC403: warning
    /// ignore: vendor/**
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// identityProviders:
    ///   - name: okta-default
    ///     type: okta
    ///     jwksUri: https://dev-1234567.okta.com/oauth2/default/v1/keys
    /// rules:
    ///   PC403: warning
    /// ignore: ["vendor/**"]
    /// ```
    code: "PC901",
    slug: "invalid-config",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(file) = ctx.config.file else { return };
    for problem in &ctx.config.problems {
        out.push(
            Finding::new(
                problem.message.clone(),
                Span::new(file, problem.span.clone()),
            )
            .maybe_help(problem.help.clone()),
        );
    }
}
