use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::rego::parse::Syntax;

crate::declare_rule! {
    /// ## What it does
    /// Notes a Rego module written in the pre-1.0 syntax (`allow { … }`, `deny[msg] { … }`,
    /// `default allow = false` without `if`). Set `rego.version` in portico.yaml to `v0` when
    /// the ext auth service runs OPA in v0-compatibility mode (the note then goes away), or to
    /// `v1` to make such modules errors.
    ///
    /// ## Why is this bad?
    /// OPA 1.x parses Rego v1 by default and rejects these modules unless v0 compatibility is
    /// on; upgrading the ext auth service then rejects the AuthConfigs that use them.
    ///
    /// ## Example
    /// ```rego
    /// package test
    ///
    /// default allow = false
    ///
    /// allow {
    ///     input.http_request.method == "GET"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// When the ext auth service runs OPA in v0-compatibility mode, say so in `portico.yaml`:
    /// ```yaml
    /// rego:
    ///   version: v0
    /// ```
    /// Otherwise rewrite the module in v1 syntax (`opa fmt --v0-v1`): `import rego.v1`,
    /// `default allow := false`, `allow if { … }`.
    code: "PC502",
    slug: "rego-v0-syntax",
    severity: Info,
    since: "0.1.0",
}

/// The finding for `module` (its display name), written in v0 syntax, at its package (`span`).
fn finding(module: &str, span: Span) -> Finding {
    Finding::new(
        format!(
            "{module} uses the pre-1.0 Rego syntax, which OPA 1.x rejects unless v0 compatibility \
             is on"
        ),
        span,
    )
    .help(
        "add `import rego.v1`, `if` before rule bodies and `contains` for multi-value rules (`opa \
         fmt --v0-v1` does it); or set `rego.version: v0` in portico.yaml if the ext auth service \
         runs OPA in v0 mode",
    )
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // With `rego.version: v0` the service runs in v0 mode: nothing to note.
    if ctx.rego.accepted != crate::rego::parse::Accepted::Auto {
        return;
    }
    for module in &ctx.rego.modules {
        let Ok(parsed) = &module.parsed else { continue };
        if parsed.syntax != Syntax::V0 {
            continue;
        }
        let name = module.display_name(ctx.model, ctx.repo);
        out.push(finding(&name, module.span(&parsed.facts.package_range)));
    }
}
