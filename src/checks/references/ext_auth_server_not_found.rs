use crate::checks::Context;
use crate::diagnostic::Finding;
use crate::model::Kind;
use crate::suggest::{likely_help, likely_target};

crate::declare_rule! {
    /// ## What it does
    /// Reports an ExtAuthPolicy whose `config.server` names an ExtAuthServer that is not in the
    /// repository, with the closest ExtAuthServer name (or the only ExtAuthServer of its
    /// namespace, or of the repository, however far its name).
    ///
    /// ## Why is this bad?
    /// Gloo cannot attach the policy to an ext auth server, so it is not applied: depending on
    /// the gateway's defaults the routes stay unprotected or every request fails. An omitted
    /// namespace means the policy's own namespace.
    ///
    /// ## Example
    /// ```yaml
    /// config:
    ///   server:
    ///     name: ext-auth-srv
    ///     namespace: gloo-mesh
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// config:
    ///   server:
    ///     name: ext-auth-server
    ///     namespace: gloo-mesh
    /// ```
    code: "PC203",
    slug: "ext-auth-server-not-found",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let servers = &ctx.model.ext_auth_servers;
    for policy in &ctx.model.ext_auth_policies {
        let Some(server) = policy.spec.config.as_ref().and_then(|c| c.server.as_ref()) else {
            continue;
        };
        let Some(name) = server.name.as_deref() else {
            continue;
        };
        let namespace = server
            .namespace
            .as_deref()
            .unwrap_or(&policy.meta.id.namespace);
        // A template (PC006's) is unknown until rendered: the reference may resolve then.
        if crate::checks::looks_templated(name) || crate::checks::looks_templated(namespace) {
            continue;
        }
        if servers
            .iter()
            .any(|s| s.meta.id.name == name && s.meta.id.namespace == namespace)
            || ctx.model.is_broken(Kind::ExtAuthServer, namespace, name)
        {
            continue;
        }
        let meta = &policy.meta;
        let same_name = servers.iter().find(|s| s.meta.id.name == name);
        let mut finding = if let Some(other) = same_name {
            Finding::new(
                format!("ExtAuthServer `{name}` is not in namespace `{namespace}`"),
                ctx.span(
                    meta,
                    if server.namespace.is_some() {
                        "/spec/config/server/namespace"
                    } else {
                        "/spec/config/server/name"
                    },
                ),
            )
            .help(format!("it is in namespace `{}`", other.meta.id.namespace))
            .related(
                ctx.span(&other.meta, "/metadata/namespace"),
                "ExtAuthServer defined here",
            )
        } else {
            let candidates: Vec<(&str, &str)> = servers
                .iter()
                .map(|s| (s.meta.id.namespace.as_str(), s.meta.id.name.as_str()))
                .collect();
            let likely = likely_target(name, namespace, &candidates);
            let mut f = Finding::new(
                format!("ExtAuthServer `{namespace}/{name}` does not exist"),
                ctx.span(meta, "/spec/config/server/name"),
            )
            .label("no ExtAuthServer has this name")
            .help(likely.map_or_else(
                || "add the ExtAuthServer, or fix the reference".to_owned(),
                |(target, why)| likely_help("ExtAuthServer", target, why),
            ));
            if let Some(s) = likely.and_then(|((ns, n), _)| {
                servers
                    .iter()
                    .find(|x| x.meta.id.name == n && x.meta.id.namespace == ns)
            }) {
                f = f.related(ctx.span(&s.meta, "/metadata/name"), "closest ExtAuthServer");
            }
            f
        };
        finding = finding.about(&meta.id);
        out.push(finding);
    }
}
