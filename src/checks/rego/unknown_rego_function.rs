use std::collections::{BTreeMap, BTreeSet};

use crate::checks::{Context, did_you_mean};
use crate::diagnostic::Finding;
use crate::rego::builtins_opa::OPA_BUILTINS;
use crate::suggest::closest;

crate::declare_rule! {
    /// ## What it does
    /// Reports a call to a function that is neither an OPA built-in nor a function defined in
    /// the module's package or imported, with the closest name.
    ///
    /// ## Why is this bad?
    /// OPA rejects the module when it compiles it, so the AuthConfig is rejected; engines that
    /// compile lazily fail only when the rule is first evaluated, in production.
    ///
    /// ## Example
    /// ```rego
    /// has_scope(scope) if scope in splitt(input.state.jwtAccessToken.scope, " ")
    ///
    /// allow if {
    ///     has_scpoe("petstore")
    ///     startwith(input.http_request.path, "/petstore")
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rego
    /// has_scope(scope) if scope in split(input.state.jwtAccessToken.scope, " ")
    ///
    /// allow if {
    ///     has_scope("petstore")
    ///     …
    /// }
    /// ```
    code: "PC503",
    slug: "unknown-rego-function",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // Functions are rules: any rule of the same package (in any module) may be called.
    let mut by_package: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for facts in ctx.rego.modules.iter().filter_map(|m| m.facts()) {
        by_package
            .entry(facts.package.as_str())
            .or_default()
            .extend(facts.rules.iter().map(|r| r.name.as_str()));
    }
    for module in &ctx.rego.modules {
        let Some(facts) = module.facts() else {
            continue;
        };
        let local = by_package.get(facts.package.as_str());
        for call in &facts.calls {
            let name = call.name.as_str();
            let head = name.split('.').next().unwrap_or(name);
            let known = OPA_BUILTINS.binary_search(&name).is_ok()
                || regorus::unstable::BUILTINS.contains_key(name)
                || local.is_some_and(|rules| rules.contains(head))
                || facts.imports.contains_key(head)
                || head == "data";
            if known {
                continue;
            }
            let candidates = OPA_BUILTINS
                .iter()
                .copied()
                .chain(local.into_iter().flatten().copied());
            out.push(
                Finding::new(
                    format!(
                        "unknown function `{name}`: not an OPA built-in nor a rule of package `{}`",
                        facts.package
                    ),
                    module.span(&call.range),
                )
                .maybe_help(did_you_mean(closest(name, candidates)))
                .label("unknown function"),
            );
        }
    }
}
