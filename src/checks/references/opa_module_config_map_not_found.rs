use crate::checks::Context;
use crate::diagnostic::Finding;
use crate::model::rego::RegoOrigin;
use crate::model::{Kind, gloo_auth_specs};
use crate::suggest::{likely_help, likely_target};

crate::declare_rule! {
    /// ## What it does
    /// Reports an `opaAuth.modules` entry (in an ExtAuthPolicy's `glooAuth` or an AuthConfig)
    /// naming a ConfigMap that is not in the repository, with the closest ConfigMap name (or
    /// the only ConfigMap holding Rego in its namespace, or in the repository).
    ///
    /// ## Why is this bad?
    /// The ext auth service cannot build the OPA step: the AuthConfig is rejected and every
    /// request on the protected routes is denied. An omitted namespace means the namespace of
    /// the policy or AuthConfig.
    ///
    /// ## Example
    /// ```yaml
    /// opaAuth:
    ///   modules:
    ///     - name: okta-scope-polcy
    ///       namespace: gloo-mesh
    ///   query: "data.test.allow == true"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// opaAuth:
    ///   modules:
    ///     - name: okta-scope-policy
    ///       namespace: gloo-mesh
    ///   query: "data.test.allow == true"
    /// ```
    code: "PC204",
    slug: "opa-module-config-map-not-found",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let maps = &ctx.model.config_maps;
    // The ConfigMaps a module reference can mean: those holding Rego, the only ones a
    // suggestion (by a close name, or by being the only one) may point at.
    let with_rego: std::collections::BTreeSet<usize> = ctx
        .rego
        .modules
        .iter()
        .filter_map(|m| match m.source.origin {
            RegoOrigin::ConfigMap { config_map, .. } => Some(config_map),
            RegoOrigin::File => None,
        })
        .collect();
    let candidates: Vec<(&str, &str)> = maps
        .iter()
        .enumerate()
        .filter(|(i, _)| with_rego.contains(i))
        .map(|(_, cm)| (cm.meta.id.namespace.as_str(), cm.meta.id.name.as_str()))
        .collect();
    for (meta, base, spec) in gloo_auth_specs(ctx.model) {
        for (c, step) in spec.configs.iter().enumerate() {
            let Some(opa) = &step.opa_auth else { continue };
            for (m, module) in opa.modules.iter().enumerate() {
                let Some(name) = module.name.as_deref() else {
                    continue;
                };
                let namespace = module.namespace.as_deref().unwrap_or(&meta.id.namespace);
                // A template (PC006's) is unknown until rendered: the reference may resolve then.
                if crate::checks::looks_templated(name) || crate::checks::looks_templated(namespace)
                {
                    continue;
                }
                if maps
                    .iter()
                    .any(|cm| cm.meta.id.name == name && cm.meta.id.namespace == namespace)
                    || ctx.model.is_broken(Kind::ConfigMap, namespace, name)
                {
                    continue;
                }
                let path = format!("{base}/configs/{c}/opaAuth/modules/{m}");
                let mut finding = if let Some(other) =
                    maps.iter().find(|cm| cm.meta.id.name == name)
                {
                    Finding::new(
                        format!("ConfigMap `{name}` is not in namespace `{namespace}`"),
                        ctx.span(
                            meta,
                            &if module.namespace.is_some() {
                                format!("{path}/namespace")
                            } else {
                                format!("{path}/name")
                            },
                        ),
                    )
                    .help(format!("it is in namespace `{}`", other.meta.id.namespace))
                    .related(
                        ctx.span(&other.meta, "/metadata/namespace"),
                        "ConfigMap defined here",
                    )
                } else {
                    let likely = likely_target(name, namespace, &candidates);
                    let mut f = Finding::new(
                        format!("OPA module ConfigMap `{namespace}/{name}` does not exist"),
                        ctx.span(meta, &format!("{path}/name")),
                    )
                    .label("no ConfigMap has this name")
                    .help(likely.map_or_else(
                        || {
                            "add the ConfigMap holding the Rego module, or fix the reference"
                                .to_owned()
                        },
                        |(target, why)| likely_help("ConfigMap holding Rego", target, why),
                    ));
                    if let Some(cm) = likely.and_then(|((ns, n), _)| {
                        maps.iter()
                            .find(|cm| cm.meta.id.name == n && cm.meta.id.namespace == ns)
                    }) {
                        f = f.related(ctx.span(&cm.meta, "/metadata/name"), "closest ConfigMap");
                    }
                    f
                };
                finding = finding.about(&meta.id);
                out.push(finding);
            }
        }
    }
}
