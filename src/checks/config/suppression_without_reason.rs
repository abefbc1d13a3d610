use crate::checks::Context;
use crate::diagnostic::Finding;
use crate::suppression::Kind;

crate::declare_rule! {
    /// ## What it does
    /// Reports a suppression that does not say why: a `# portico-ignore` comment without
    /// `-- reason`, a `portico.dev/ignore` annotation entry without `: reason`, or an entry of
    /// `suppressions:` in `portico.yaml` without `reason:`.
    ///
    /// ## Why is this bad?
    /// A suppression hides a finding from every later reader. Without the reason, nobody can
    /// tell an accepted risk (an upstream chart, a migration in progress) from a finding
    /// silenced to get a pull request through, or know when the suppression can go.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     portico.dev/ignore: "PC201"
    /// spec:
    ///   applyToRoutes:
    ///     - route:
    ///         labels:
    ///           usagePlans: partner-portal # portico-ignore: PC201
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   applyToRoutes:
    ///     - route:
    ///         labels:
    ///           usagePlans: partner-portal # portico-ignore: PC201 -- partner routes arrive with the Q3 release
    /// ```
    code: "PC903",
    slug: "suppression-without-reason",
    severity: Warning,
    since: "0.1.0",
    phase: Suppressions,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(outcome) = ctx.suppressions else {
        return;
    };
    for s in outcome.suppressions.iter().filter(|s| s.reason.is_none()) {
        let codes = s
            .codes
            .iter()
            .map(|c| format!("`{}`", c.text))
            .collect::<Vec<_>>()
            .join(", ");
        let example = s.codes.first().map_or("PC201", |c| c.text.as_str());
        let help = match s.kind {
            Kind::YamlComment | Kind::RegoComment => {
                format!(
                    "add the reason after `--`: `# portico-ignore: {example} -- why it is accepted`"
                )
            }
            Kind::Annotation => {
                format!("add the reason after the code: `{example}: why it is accepted`")
            }
            Kind::Config => "add `reason:` to the entry".to_owned(),
        };
        let what = if codes.is_empty() {
            "suppression gives no reason".to_owned()
        } else {
            format!("suppression of {codes} gives no reason")
        };
        out.push(Finding::new(what, s.span.clone()).help(help));
    }
}
