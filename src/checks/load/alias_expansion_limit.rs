use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::load::LoadProblem;
use crate::load::yaml::YamlProblem;

crate::declare_rule! {
    /// ## What it does
    /// Reports a document whose aliases take its file past the file's alias budget, and skips
    /// it.
    ///
    /// A file's aliases, all its documents together, may expand to 10,000 nodes plus 4 per
    /// byte of the file, at most 1,000,000 (a string counts one node more per 64 bytes).
    ///
    /// ## Why is this bad?
    /// Nested aliases multiply: nine levels of nine references each ("billion laughs") expand a
    /// few hundred bytes into hundreds of millions of nodes, enough to exhaust the memory of
    /// any tool that reads the file, including the Kubernetes API server. Real gateway
    /// configuration never comes close to the limit.
    ///
    /// ## Example
    /// ```yaml
    /// x-anchors:
    ///   l0: &l0 [x, x, x, x, x, x, x, x, x]
    ///   l1: &l1 [*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0]
    ///   l2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]
    ///   # … and so on, to l11
    /// ```
    ///
    /// ## Use instead
    /// Write the values out, or keep anchors for small shared fragments only.
    code: "PC004",
    slug: "alias-expansion-limit",
    severity: Error,
    since: "0.1.0",
}

/// The finding for a file whose aliases expand past `limit` nodes at `span`.
fn finding(limit: usize, span: Span) -> Finding {
    Finding::new(
        format!(
            "aliases in this file expand to more than {limit} nodes; the document was not read"
        ),
        span,
    )
    .label("expansion passed the limit here")
    .help("this looks like an alias bomb; write the values out instead of nesting aliases")
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for problem in &ctx.repo.problems {
        let LoadProblem::Yaml {
            file,
            problem: YamlProblem::AliasBudget { span, limit },
        } = problem
        else {
            continue;
        };
        out.push(finding(*limit, Span::new(*file, span.clone())));
    }
}
