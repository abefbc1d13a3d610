use std::collections::BTreeMap;

use crate::checks::Context;
use crate::diagnostic::Finding;
use crate::emit::authconfig::id_of;

crate::declare_rule! {
    /// ## What it does
    /// Compiles the AuthConfig name of every ExtAuthPolicy with `glooAuth` the way Gloo
    /// Platform names it, `<policy>-<policyNamespace>-<cluster>-<extAuthService>` in the ext
    /// auth service's namespace, and reports two policies that get the same one: `b/p-a` and
    /// `a-b/p` both give `p-a-b-cluster1-ext-auth-service`. It points at the second policy's
    /// name, with the first as the related location.
    ///
    /// ## Why is this bad?
    /// The routes of both policies name the same `config_id`, and the ext auth service holds
    /// one config under it: every route of both policies is checked against whichever was
    /// written last, so one policy's routes get the other's rules. `portico build` refuses,
    /// since it cannot write two AuthConfigs under one name.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: p-a
    ///   namespace: b      # → p-a-b-cluster1-ext-auth-service
    /// ---
    /// metadata:
    ///   name: p
    ///   namespace: a-b    # → p-a-b-cluster1-ext-auth-service
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   name: p-a
    ///   namespace: b      # → p-a-b-cluster1-ext-auth-service
    /// ---
    /// metadata:
    ///   name: p-main
    ///   namespace: a-b    # → p-main-a-b-cluster1-ext-auth-service
    /// ```
    code: "PC602",
    slug: "authconfig-name-collision",
    severity: Error,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // The identity is the namespace and the name together: the `config_id` the routes send is
    // `<namespace>.<name>` (gloo-api.md §4), so equal names in different namespaces are two
    // configs.
    let mut by_id: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (p, policy) in ctx.model.ext_auth_policies.iter().enumerate() {
        if policy
            .spec
            .config
            .as_ref()
            .and_then(|c| c.gloo_auth.as_ref())
            .is_none()
        {
            continue;
        }
        let id = id_of(ctx.model, policy);
        by_id.entry((id.namespace, id.name)).or_default().push(p);
    }
    for ((namespace, name), mut policies) in by_id {
        let model = ctx.model;
        policies.sort_by(|&a, &b| {
            model.ext_auth_policies[a]
                .meta
                .id
                .cmp(&model.ext_auth_policies[b].meta.id)
        });
        // The same policy twice is PC206's.
        policies.dedup_by(|a, b| {
            model.ext_auth_policies[*a].meta.id == model.ext_auth_policies[*b].meta.id
        });
        let Some((&first, others)) = policies.split_first() else {
            continue;
        };
        let first = &model.ext_auth_policies[first].meta;
        for &other in others {
            let meta = &model.ext_auth_policies[other].meta;
            out.push(
                Finding::new(
                    format!(
                        "{} and {} both compile to AuthConfig `{name}` in namespace `{namespace}`",
                        meta.id, first.id
                    ),
                    ctx.span(meta, "/metadata/name"),
                )
                .label("same AuthConfig name")
                .related(ctx.span(first, "/metadata/name"), "the other policy")
                .help("Gloo names the AuthConfig `<policy>-<policyNamespace>-<cluster>-<extAuthService>`, so the routes of both policies would be checked against one config: rename one of the policies")
                .resource(meta.id.to_string()),
            );
        }
    }
}
