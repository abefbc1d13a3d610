use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::load::LoadProblem;
use crate::load::source::FileId;
use crate::load::yaml::YamlProblem;
use crate::model::scopes::{SourceError, SourceState};

crate::declare_rule! {
    /// ## What it does
    /// Reports a `scopeSources` entry of `portico.yaml` that portico cannot use: the file does
    /// not exist, cannot be read, lies outside the repository, does not parse (at the parser's
    /// line), or is none of the formats portico reads (Terraform, CloudFormation, Cognito CLI,
    /// Okta scopes, OIDC metadata, Keycloak realm export, Auth0 Deploy CLI, Entra manifest).
    ///
    /// The repository is the directory of `portico.yaml` and the first PATH. An entry that
    /// leads outside it (`../`, an absolute path, a symlink pointing out) is refused, and
    /// nothing of the file is read.
    ///
    /// ## Why is this bad?
    /// The provider's scopes are then unknown, and portico cannot tell whether each API
    /// product's scope exists: the check the file was listed for silently does not happen.
    /// A file outside the repository is different on every machine, and `portico.yaml` comes
    /// with the pull request: reading `../../.aws/credentials` would show its lines in the
    /// report.
    ///
    /// ## Example
    /// ```yaml
    /// # portico.yaml: a file that does not exist, one that does not parse, one in no format
    /// identityProviders:
    ///   - name: okta
    ///     type: okta
    ///     scopeSources: [idp/missing.json, idp/broken.tf, idp/notes.json]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// identityProviders:
    ///   - name: okta
    ///     type: okta
    ///     scopeSources: [idp/scopes.tf]
    /// ```
    code: "PC306",
    slug: "scope-source-unreadable",
    severity: Error,
    since: "0.1.0",
}

/// Why a scope source cannot be used.
enum Unusable<'a> {
    /// The file does not exist.
    Missing,
    /// The entry names a file outside the repository; `name` is the entry, quoted after a
    /// space, or empty when it is not known.
    OutsideRoot { name: String },
    /// The file cannot be read; `regular` when it is a regular file (PC005 says why).
    Unreadable { regular: bool },
    /// The file does not parse: the parser's `message`.
    Syntax { message: &'a str },
    /// The file is in no format portico reads.
    UnknownFormat,
}

impl Unusable<'_> {
    fn message(&self) -> String {
        match self {
            Self::Missing => "scope source file not found".to_owned(),
            Self::OutsideRoot { name } => {
                format!("scope source{name} lies outside the repository; not read")
            }
            Self::Unreadable { .. } => "scope source cannot be read".to_owned(),
            Self::Syntax { message } => format!("scope source does not parse: {message}"),
            Self::UnknownFormat => "scope source is not a format portico reads".to_owned(),
        }
    }

    fn help(&self) -> &'static str {
        match self {
            Self::Missing => "paths in `scopeSources` are relative to portico.yaml",
            Self::OutsideRoot { .. } => {
                "`scopeSources` name files inside the repository (the directory of portico.yaml): \
                 commit a copy of the export there"
            }
            Self::Unreadable { regular: true } => "PC005 on the file says why",
            Self::Unreadable { regular: false } => {
                "it is not a regular file (a FIFO, socket or device)"
            }
            Self::Syntax { .. } => "fix the syntax; until then this provider's scopes are unknown",
            Self::UnknownFormat => {
                "portico reads Terraform, CloudFormation, Cognito CLI, Okta scopes, OIDC metadata, \
                 Keycloak realm, Auth0 Deploy CLI and Entra manifest files"
            }
        }
    }

    fn finding(&self, span: Span) -> Finding {
        Finding::new(self.message(), span).help(self.help())
    }
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
                Unusable::Missing.finding(span)
            }
            (SourceState::OutsideRoot, _) => {
                let Some(span) = config_span else { continue };
                let name = ctx
                    .config
                    .settings
                    .identity_providers
                    .get(loaded.provider)
                    .and_then(|p| p.scope_sources.get(loaded.entry))
                    .map_or_else(String::new, |e| format!(" `{e}`"));
                Unusable::OutsideRoot { name }.finding(span)
            }
            (SourceState::Unreadable, file) => {
                let Some(span) = config_span else { continue };
                let regular = file.is_some();
                Unusable::Unreadable { regular }.finding(span)
            }
            (SourceState::Failed(SourceError::Syntax(range, message)), Some(file)) => {
                let span = Span::new(file, range.clone());
                let mut f = Unusable::Syntax { message }.finding(span);
                if let Some(span) = config_span {
                    f = f.related(span, "listed here");
                }
                f
            }
            (SourceState::Failed(SourceError::UnknownFormat), Some(file)) => {
                // A YAML file that does not parse has no recognisable format either: PC001
                // reports the one cause, where it is.
                if has_yaml_syntax_error(ctx, file) {
                    continue;
                }
                let mut f = Unusable::UnknownFormat.finding(Span::new(file, 0..0));
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

/// Whether PC001 reports a syntax error in `file`.
fn has_yaml_syntax_error(ctx: &Context<'_>, file: FileId) -> bool {
    ctx.repo.problems.iter().any(|p| {
        matches!(p, LoadProblem::Yaml { file: f, problem: YamlProblem::Syntax { .. } } if *f == file)
    })
}
