use crate::checks::{Context, did_you_mean, suggest_code};
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Reports a rule code in `portico.yaml` that no rule has: a key under `rules:`, or an entry
    /// of `codes:` under `suppressions:`. (Codes in `# portico-ignore` comments and
    /// `portico.dev/ignore` annotations are PC905's.)
    ///
    /// ## Why is this bad?
    /// A mistyped code (`PC21` for `PC201`) changes nothing: the rule keeps its default
    /// severity, or its findings stay reported, and the team believes it was turned down, off
    /// or suppressed.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   PC2011: warning
    ///   route-selector-matches-nothing: warning
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// rules:
    ///   PC201: warning
    /// ```
    code: "PC902",
    slug: "unknown-rule-code",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(file) = ctx.config.file else { return };
    for unknown in &ctx.config.unknown_codes {
        let code = &unknown.code;
        out.push(
            Finding::new(
                format!("unknown rule code `{code}`"),
                Span::new(file, unknown.span.clone()),
            )
            .maybe_help(
                did_you_mean(suggest_code(code))
                    .or_else(|| Some("`portico rules` lists every code".into())),
            ),
        );
    }
}
