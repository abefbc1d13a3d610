//! Rule documentation generated from the rules themselves: `docs/rules/<CODE>.md` and the
//! index `docs/rules/README.md`. A test keeps the committed pages equal to these.

use super::Rule;
use super::registry::RULES;

/// The page of one rule.
#[must_use]
pub fn rule_page(rule: &Rule) -> String {
    format!(
        "<!-- Generated from src/checks by `PORTICO_UPDATE=1 cargo test`; do not edit. -->\n# {code} `{slug}`\n\nDefault severity: **{severity}**\n\n{body}",
        code = rule.code,
        slug = rule.slug,
        severity = rule.default_severity,
        body = rule.markdown()
    )
}

/// The index of every rule.
#[must_use]
pub fn index_page() -> String {
    let mut out = String::from(
        "<!-- Generated from src/checks by `PORTICO_UPDATE=1 cargo test`; do not edit. -->\n# Rules\n\n\
         Codes are `PC` + three digits; the hundreds digit names the stage: 0 load, 1 schema, \
         2 references and selectors, 3 API products and scopes, 4 auth configuration, 5 Rego, \
         6 emit and drift, 9 configuration. A code is never reused.\n\n\
         Change a rule's severity, or turn it off, under `rules:` in `portico.yaml`.\n\n\
         | Code | Name | Default | What it does |\n|---|---|---|---|\n",
    );
    for rule in RULES {
        out.push_str(&format!(
            "| [{code}]({code}.md) | `{slug}` | {severity} | {summary} |\n",
            code = rule.code,
            slug = rule.slug,
            severity = rule.default_severity,
            summary = rule.summary().replace('|', "\\|")
        ));
    }
    out
}
