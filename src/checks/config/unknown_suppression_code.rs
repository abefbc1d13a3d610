use crate::checks::{Context, did_you_mean, suggest_code};
use crate::diagnostic::Finding;
use crate::suppression::Kind;

crate::declare_rule! {
    /// ## What it does
    /// Reports a `# portico-ignore` comment or a `portico.dev/ignore` annotation that names a
    /// code no rule has, or no code at all, with the closest code. (Codes in `portico.yaml`
    /// are PC902's.)
    ///
    /// ## Why is this bad?
    /// A mistyped code suppresses nothing, so the finding it was meant for stays reported (or,
    /// if the finding is gone, the typo hides that the suppression is stale). Words meant as
    /// the reason but written without `--` read as codes too.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     portico.dev/ignore: "route-selector-matches-nothing: selected by the platform chart"
    /// spec:
    ///   applyToRoutes:
    ///     - route:
    ///         labels:
    ///           usagePlans: dev-portal # portico-ignore: PC2011 -- partner routes arrive with the Q3 release
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     portico.dev/ignore: "PC201: partner routes arrive with the Q3 release"
    /// ```
    code: "PC905",
    slug: "unknown-suppression-code",
    severity: Error,
    since: "0.1.0",
    phase: Suppressions,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(outcome) = ctx.suppressions else {
        return;
    };
    for s in outcome
        .suppressions
        .iter()
        .filter(|s| s.kind != Kind::Config)
    {
        if s.codes.is_empty() {
            let help = if s.kind == Kind::Annotation {
                "write the codes before the reason: `PC201: why it is accepted`"
            } else {
                "write the codes before the reason: `# portico-ignore: PC201 -- why it is accepted`"
            };
            out.push(Finding::new("suppression names no rule code", s.span.clone()).help(help));
            continue;
        }
        for c in s.codes.iter().filter(|c| c.code.is_none()) {
            let looks_like_code = c.text.len() >= 3
                && c.text
                    .get(..2)
                    .is_some_and(|p| p.eq_ignore_ascii_case("PC"));
            let help = did_you_mean(suggest_code(&c.text)).unwrap_or_else(|| {
                if looks_like_code {
                    "`portico rules` lists every code".to_owned()
                } else if s.kind == Kind::Annotation {
                    "separate the reason from the codes with `:`".to_owned()
                } else {
                    "separate the reason from the codes with `--`".to_owned()
                }
            });
            out.push(
                Finding::new(format!("`{}` is not a rule code", c.text), c.span.clone()).help(help),
            );
        }
    }
}
