//! Rule documentation generated from the rules themselves: `docs/rules/<CODE>.md` and the
//! index `docs/rules/README.md`. A test keeps the committed pages equal to these.

use super::registry::RULES;
use super::{Rule, Status};

/// The first line of every generated page.
const GENERATED: &str =
    "<!-- Generated from src/checks by `PORTICO_UPDATE=1 cargo test`; do not edit. -->\n";

/// What a preview rule's documentation says about it.
const PREVIEW_NOTE: &str = "This rule is in preview: it is still being tuned on real \
                            repositories, and what it reports may change in any release.";

/// The note a rule's documentation carries about its status, if any.
fn status_note(rule: &Rule) -> Option<&'static str> {
    match rule.status {
        Status::Stable => None,
        Status::Preview => Some(PREVIEW_NOTE),
    }
}

/// The page of one rule.
#[must_use]
pub fn rule_page(rule: &Rule) -> String {
    let note = status_note(rule)
        .map(|n| format!("{n}\n\n"))
        .unwrap_or_default();
    format!(
        "{GENERATED}# {code} `{slug}`\n\n\
         Default severity: **{severity}** · Status: **{status}** · Since: {since}\n\n\
         {note}{body}",
        code = rule.code,
        slug = rule.slug,
        severity = rule.default_severity,
        status = rule.status,
        since = rule.since,
        body = rule.markdown()
    )
}

/// The index of every rule.
#[must_use]
pub fn index_page() -> String {
    let mut out = format!(
        "{GENERATED}# Rules\n\n\
         Codes are `PC` + three digits; the hundreds digit names the stage: 0 load, 1 schema, \
         2 references and selectors, 3 API products and scopes, 4 auth configuration, 5 Rego, \
         6 emit and drift, 9 configuration. A code is never reused.\n\n\
         Change a rule's severity, or turn it off, under `rules:` in `portico.yaml`. A rule in \
         preview is still being tuned on real repositories: what it reports may change in any \
         release.\n\n\
         | Code | Name | Default | Status | What it does |\n|---|---|---|---|---|\n",
    );
    for rule in RULES {
        out.push_str(&format!(
            "| [{code}]({code}.md) | `{slug}` | {severity} | {status} | {summary} |\n",
            code = rule.code,
            slug = rule.slug,
            severity = rule.default_severity,
            status = rule.status,
            summary = rule.summary().replace('|', "\\|")
        ));
    }
    out
}
