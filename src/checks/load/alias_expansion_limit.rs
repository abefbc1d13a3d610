use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::load::LoadProblem;
use crate::load::yaml::{ALIAS_EXPANSION_BUDGET, YamlProblem};

crate::declare_rule! {
    /// ## What it does
    /// Reports a document whose aliases expand to more than 200,000 nodes, and skips it.
    ///
    /// ## Why is this bad?
    /// Nested aliases multiply: nine levels of nine references each ("billion laughs") expand a
    /// few hundred bytes into hundreds of millions of nodes, enough to exhaust the memory of
    /// any tool that reads the file, including the Kubernetes API server. Real gateway
    /// configuration never comes close to the limit.
    ///
    /// ## Example
    /// ```yaml
    /// a: &a [x, x, x, x, x, x, x, x, x]
    /// b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    /// c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    /// # ... and so on
    /// ```
    ///
    /// ## Use instead
    /// Write the values out, or keep anchors for small shared fragments only.
    code: "PC004",
    slug: "alias-expansion-limit",
    severity: Error,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for problem in &ctx.repo.problems {
        let LoadProblem::Yaml {
            file,
            problem: YamlProblem::AliasBudget { span },
        } = problem
        else {
            continue;
        };
        out.push(
            Finding::new(
                format!("aliases in this document expand to more than {ALIAS_EXPANSION_BUDGET} nodes; the document was not read"),
                Span::new(*file, span.clone()),
            )
            .label("expansion passed the limit here")
            .help("this looks like an alias bomb; write the values out instead of nesting aliases"),
        );
    }
}
