use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::load::{FileProblem, LoadProblem};

crate::declare_rule! {
    /// ## What it does
    /// Reports a symlink inside the checked directory that leads outside it; portico does not
    /// follow it.
    ///
    /// ## Why is this bad?
    /// Following links out of the root would make the result depend on files outside the
    /// repository (different on every machine) and could read anything the link points at.
    /// The linked configuration is not checked, which you should know.
    ///
    /// ## Example
    /// `routes/shared.yaml -> /etc/gateway/shared.yaml`
    ///
    /// ## Use instead
    /// Commit the file into the repository, or pass its path to portico explicitly.
    code: "PC007",
    slug: "symlink-outside-root",
    severity: Warning,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for problem in &ctx.repo.problems {
        let LoadProblem::File {
            file,
            problem: FileProblem::OutsideRoot(target),
        } = problem
        else {
            continue;
        };
        out.push(
            Finding::new(
                format!(
                    "symlink leads outside the checked directory (to {}); not followed",
                    target.display()
                ),
                Span::new(*file, 0..0),
            )
            .help(
                "commit the target into the repository, or name it on the command line to check it",
            ),
        );
    }
}
