use std::collections::BTreeMap;

use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::load::node::escape_token;

crate::declare_rule! {
    /// ## What it does
    /// Reports an `opaAuth` step whose module ConfigMaps hold the same data key twice.
    ///
    /// ## Why is this bad?
    /// The ext auth service names each module after its data key; two modules with one name
    /// make it reject the AuthConfig ("`policy.rego` is a duplicate module"), and every
    /// request on the protected routes is denied.
    ///
    /// ## Example
    /// ```yaml
    /// # ConfigMap scope-policy
    /// data:
    ///   policy.rego: |
    ///     package test
    /// ---
    /// # ConfigMap method-policy, in the same opaAuth step
    /// data:
    ///   policy.rego: |
    ///     package test.method
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// # ConfigMap scope-policy
    /// data:
    ///   scopes.rego: |
    ///     package test
    /// ---
    /// # ConfigMap method-policy
    /// data:
    ///   method.rego: |
    ///     package test.method
    /// ```
    code: "PC504",
    slug: "duplicate-module-key",
    severity: Error,
    since: "0.1.0",
}

/// The finding for the module `key` in the ConfigMaps `first` and `second` (names), at the
/// step's module reference `span`; `first_key` and `second_key` are the two data keys.
fn finding(
    key: &str,
    first: &str,
    second: &str,
    span: Span,
    first_key: Span,
    second_key: Span,
) -> Finding {
    Finding::new(
        format!(
            "module `{key}` is in two ConfigMaps of this opaAuth step (`{first}` and `{second}`): \
             the ext auth service rejects duplicate module names"
        ),
        span,
    )
    .help(format!(
        "rename the data key `{key}` in one of the ConfigMaps"
    ))
    .related(first_key, format!("first `{key}`"))
    .related(second_key, format!("second `{key}`"))
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for step in &ctx.rego.steps {
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for &(reference, cm, _) in &step.config_maps {
            let Some(config_map) = ctx.model.config_maps.get(cm) else {
                continue;
            };
            for key in config_map.spec.data.keys() {
                let Some(&first) = seen.get(key.as_str()) else {
                    seen.insert(key, cm);
                    continue;
                };
                if first == cm {
                    // The same ConfigMap listed twice is harmless to this rule.
                    continue;
                }
                let Some(first_map) = ctx.model.config_maps.get(first) else {
                    continue;
                };
                let key_path = format!("/data/{}", escape_token(key));
                let span = ctx.span(&step.meta, &format!("{}/modules/{reference}", step.path));
                out.push(
                    finding(
                        key,
                        &first_map.meta.id.name,
                        &config_map.meta.id.name,
                        span,
                        ctx.key_span(&first_map.meta, &key_path),
                        ctx.key_span(&config_map.meta, &key_path),
                    )
                    .about(&step.meta.id),
                );
            }
        }
    }
}
