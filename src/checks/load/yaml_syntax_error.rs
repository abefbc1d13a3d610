use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::load::LoadProblem;
use crate::load::yaml::YamlProblem;

crate::declare_rule! {
    /// ## What it does
    /// Reports text that is not valid YAML, at the line and column where the parser stopped.
    ///
    /// ## Why is this bad?
    /// `kubectl apply` rejects the whole file, and every resource in the broken document is
    /// missing from the analysis. portico skips only the broken document: the other documents
    /// of the file and the other files are still checked.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hosts: [api.example.com
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   hosts: [api.example.com]
    /// ```
    code: "PC001",
    slug: "yaml-syntax-error",
    severity: Error,
    since: "0.1.0",
}

/// The finding for a syntax error the parser reports with `message` at `span`.
fn syntax_error(message: &str, span: Span) -> Finding {
    Finding::new(format!("invalid YAML: {message}"), span)
        .label("the parser stopped here")
        .help("fix the syntax; the rest of this document was not checked")
}

/// The finding for an alias at `span` with no anchor before it.
fn unknown_alias(span: Span) -> Finding {
    Finding::new("alias refers to no anchor defined before it", span)
        .help("define the anchor (`&name`) before using the alias (`*name`) in the same document")
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for problem in &ctx.repo.problems {
        let LoadProblem::Yaml { file, problem } = problem else {
            continue;
        };
        match problem {
            YamlProblem::Syntax { span, message } => {
                let mut finding = syntax_error(message, Span::new(*file, span.clone()));
                let source = ctx.repo.sources.get(*file);
                let line = source.line_col(span.start).line;
                if source.line_text(line).is_some_and(|l| l.contains("{{")) {
                    // A Go template action (`{{- if … }}`, `{{ .Values.x }}.example.com`) is
                    // not YAML until rendered; a Helm chart's templates are not read at all
                    // (PC009), this file is not in one.
                    finding = finding.help(
                        "this line holds a template expression (`{{ … }}`): the file is YAML only \
                         once rendered; render it and check the output (`… | portico check -`)",
                    );
                }
                out.push(finding);
            }
            YamlProblem::UnknownAlias { span } => {
                out.push(unknown_alias(Span::new(*file, span.clone())));
            }
            YamlProblem::DuplicateKey { .. } | YamlProblem::AliasBudget { .. } => {}
        }
    }
}
