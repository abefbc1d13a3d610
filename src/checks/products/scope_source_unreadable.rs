use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::model::scopes::{SourceError, SourceState};

crate::declare_rule! {
    /// ## What it does
    /// Reports a `scopeSources` entry of `portico.yaml` that portico cannot use: the file does
    /// not exist, does not parse (at the parser's line), or is none of the formats portico
    /// reads (Terraform, CloudFormation, Cognito CLI, Okta scopes, OIDC metadata, Keycloak realm
    /// export, Auth0 Deploy CLI, Entra manifest).
    ///
    /// ## Why is this bad?
    /// The provider's scopes are then unknown, and portico cannot tell whether each API
    /// product's scope exists: the check the file was listed for silently does not happen.
    ///
    /// ## Example
    /// ```yaml
    /// identityProviders:
    ///   - name: cognito
    ///     type: cognito
    ///     scopeSources: [infra/cognito.tf]   # the file is infra/cognito/main.tf
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    ///     scopeSources: [infra/cognito/main.tf]
    /// ```
    code: "PC306",
    slug: "scope-source-unreadable",
    severity: Error,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for loaded in ctx.scope_sources {
        let entry = format!(
            "/identityProviders/{}/scopeSources/{}",
            loaded.provider, loaded.entry
        );
        let config_span = ctx
            .config
            .file
            .zip(ctx.config.doc.as_ref())
            .map(|(file, doc)| {
                Span::new(file, doc.root.pointer_or_parent(&entry).node.span.range())
            });
        let finding = match (&loaded.state, loaded.file) {
            (SourceState::Read(_), _) => continue,
            (SourceState::Missing, _) => {
                let Some(span) = config_span else { continue };
                Finding::new("scope source file not found", span)
                    .help("paths in `scopeSources` are relative to portico.yaml")
            }
            (SourceState::Failed(SourceError::Syntax(range, message)), Some(file)) => {
                let mut f = Finding::new(
                    format!("scope source does not parse: {message}"),
                    Span::new(file, range.clone()),
                )
                .help("fix the syntax; until then this provider's scopes are unknown");
                if let Some(span) = config_span {
                    f = f.related(span, "listed here");
                }
                f
            }
            (SourceState::Failed(SourceError::UnknownFormat), Some(file)) => {
                let mut f = Finding::new("scope source is not a format portico reads", Span::new(file, 0..0)).help(
                    "portico reads Terraform, CloudFormation, Cognito CLI, Okta scopes, OIDC metadata, Keycloak realm, Auth0 Deploy CLI and Entra manifest files",
                );
                if let Some(span) = config_span {
                    f = f.related(span, "listed here");
                }
                f
            }
            (SourceState::Failed(_), None) => continue,
        };
        out.push(finding);
    }
}
