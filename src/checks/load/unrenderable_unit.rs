use crate::checks::Context;
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports a kustomization portico cannot render as kustomize would: a remote base, a
    /// generator or transformer plugin, a file or directory that is not in the repository, a
    /// patch that matches nothing, a cycle. Its files are then checked as plain files, each
    /// document on its own, as if no kustomization listed them. A unit that lists files the
    /// repository does not hold (kustomize would stop there) is checked without them, and
    /// says so.
    ///
    /// ## Why is this bad?
    /// What such a unit deploys is not what its files say: a patch or a transformer that was
    /// not applied can make a finding false, or hide a true one. Knowing that the unit was not
    /// rendered tells you how far to trust what portico reports on it.
    ///
    /// ## Example
    /// ```yaml
    /// resources:
    /// - https://github.com/example/gateway-config//base?ref=v1.2.0
    /// - routes.yaml
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// resources:
    /// - routes.yaml
    /// ```
    /// or run `kustomize build overlay | portico check -` to check what the unit deploys.
    code: "PC008",
    slug: "unrenderable-unit",
    severity: Info,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for problem in &ctx.model.unit_problems {
        let message = if problem.rendered {
            format!("kustomize unit incomplete: {}", problem.message)
        } else {
            format!(
                "kustomize unit not rendered: {}; its files are checked as plain files",
                problem.message
            )
        };
        out.push(
            Finding::new(message, problem.span.clone())
                .help("check what it deploys with `kustomize build DIR | portico check -`"),
        );
    }
}
