use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::load::LoadProblem;
use crate::load::yaml::YamlProblem;

crate::declare_rule! {
    /// ## What it does
    /// Reports a key that appears twice in the same YAML mapping.
    ///
    /// ## Why is this bad?
    /// YAML forbids duplicate keys. Some tools keep the first value, others the last, and
    /// `kubectl` rejects the document, so what you reviewed is not what gets applied. A second
    /// `labels:` or `spec:` block is a common copy-paste mistake that silently drops half the
    /// configuration.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: petstore-rt
    ///   name: tracks-rt
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   name: petstore-rt
    /// ```
    code: "PC002",
    slug: "duplicate-key",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for problem in &ctx.repo.problems {
        let LoadProblem::Yaml {
            file,
            problem: YamlProblem::DuplicateKey { span, first, key },
        } = problem
        else {
            continue;
        };
        out.push(
            Finding::new(
                format!("duplicate key `{key}`"),
                Span::new(*file, span.clone()),
            )
            .label("defined again here")
            .related(Span::new(*file, first.clone()), "first defined here")
            .help("remove one of the two, or merge their values"),
        );
    }
}
