use crate::checks::registry::RULES;
use crate::checks::{Context, did_you_mean};
use crate::diagnostic::{Finding, Span};
use crate::load::node::escape_token;
use crate::suggest::closest;

crate::declare_rule! {
    /// ## What it does
    /// Reports a rule code under `rules:` in `portico.yaml` that no rule has.
    ///
    /// ## Why is this bad?
    /// A mistyped code (`PC21` for `PC201`) changes nothing: the rule keeps its default
    /// severity, and the team believes it was turned down or off.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    ///   PC2011: warning
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
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let Some(file) = ctx.config.file else { return };
    for code in ctx.config.settings.rules.keys() {
        if RULES.iter().any(|r| r.code == code) {
            continue;
        }
        let span = ctx
            .config
            .key_span(&format!("/rules/{}", escape_token(code)))
            .unwrap_or(0..0);
        let by_slug = RULES.iter().find(|r| r.slug == code).map(|r| r.code);
        let suggestion = by_slug.or_else(|| closest(code, RULES.iter().map(|r| r.code)));
        out.push(
            Finding::new(format!("unknown rule code `{code}`"), Span::new(file, span)).maybe_help(
                did_you_mean(suggestion)
                    .or_else(|| Some("`portico rules` lists every code".into())),
            ),
        );
    }
}
