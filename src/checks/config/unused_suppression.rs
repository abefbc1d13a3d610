use crate::checks::Context;
use crate::diagnostic::Finding;
use crate::suppression::Kind;

crate::declare_rule! {
    /// ## What it does
    /// Reports a code in a suppression that suppressed no finding although its rule ran: a
    /// `# portico-ignore` comment whose line has no such finding, a `portico.dev/ignore`
    /// annotation on a resource with no such finding, an entry of `suppressions:` in
    /// `portico.yaml` that matches none. Codes of rules that are off, or not selected, are not
    /// judged.
    ///
    /// ## Why is this bad?
    /// The finding was fixed, moved to another line, or the suppression was written on the
    /// wrong line. Left in place, it silently hides the next finding with that code there,
    /// which nobody has looked at.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   applyToRoutes:
    ///     - route:
    ///         labels:
    ///           usagePlans: dev-portal # portico-ignore: PC201 -- typo in the label, fixed since
    /// ```
    ///
    /// ## Use instead
    /// Delete a suppression once its finding is fixed; keep those that still suppress something:
    /// ```yaml
    /// spec:
    ///   applyToRoutes:
    ///     - route:
    ///         labels:
    ///           # portico-ignore: PC201 -- partner routes arrive with the Q3 release
    ///           usagePlans: partner-portal
    /// ```
    code: "PC904",
    slug: "unused-suppression",
    severity: Warning,
    since: "0.1.0",
    phase: Suppressions,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(outcome) = ctx.suppressions else {
        return;
    };
    for s in &outcome.suppressions {
        for c in s.codes.iter().filter(|c| c.ran && c.used == 0) {
            let Some(code) = c.code else { continue };
            let help = match s.kind {
                Kind::YamlComment | Kind::RegoComment => match s.lines.first() {
                    Some(line) => {
                        format!("nothing on line {line} reports {code}; remove `{code}` from it")
                    }
                    None => format!("no line follows it; remove `{code}` from it"),
                },
                Kind::Annotation => {
                    format!("nothing in this resource reports {code}; remove `{code}` from it")
                }
                Kind::Config => format!("no finding matches this entry; remove `{code}` from it"),
            };
            out.push(
                Finding::new(
                    format!("suppression of `{code}` suppresses nothing"),
                    c.span.clone(),
                )
                .help(help),
            );
        }
    }
}
