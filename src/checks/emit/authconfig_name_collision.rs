use std::collections::BTreeMap;

use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::model::artifacts::auth_config::{compile_from, id_of};
use crate::model::kinds::ExtAuthPolicySpec;
use crate::model::{Meta, Resource, ResourceId};

crate::declare_rule! {
    /// ## What it does
    /// Compiles the AuthConfig name of every ExtAuthPolicy with `glooAuth` the way Gloo
    /// Platform names it, `<policy>-<policyNamespace>-<cluster>-<extAuthService>` in the ext
    /// auth service's namespace, and reports two policies that get the same one: `b/p-a` and
    /// `a-b/p` both give `p-a-b-cluster1-ext-auth-service`. It points at the second policy's
    /// name, with the first as the related location. It also reports an AuthConfig kept in the
    /// repository under the name compiled for a policy, unless it is exactly the AuthConfig
    /// `portico build` writes for it (an earlier build read back).
    ///
    /// ## Why is this bad?
    /// The routes of both policies name the same `config_id`, and the ext auth service holds
    /// one config under it: every route of both policies is checked against whichever was
    /// written last, so one policy's routes get the other's rules. `portico build` refuses,
    /// since it cannot write two AuthConfigs under one name. An AuthConfig kept by hand under
    /// that name replaces the compiled one, or is replaced by it, depending on which is applied
    /// last: a pull request can change how tokens are checked without touching the policy.
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
    since: "0.1.0",
}

/// What else has the name of the AuthConfig compiled for a policy.
enum Collision<'a> {
    /// The AuthConfig `config`, kept by hand, has the name compiled for `policy`.
    KeptByHand {
        config: &'a ResourceId,
        policy: &'a ResourceId,
    },
    /// `policy` compiles to the same AuthConfig name as `first`.
    TwoPolicies {
        policy: &'a ResourceId,
        first: &'a ResourceId,
    },
}

impl Collision<'_> {
    /// The message about the AuthConfig `name` in `namespace`.
    fn message(&self, namespace: &str, name: &str) -> String {
        match self {
            Self::KeptByHand { config, policy } => format!(
                "{config} is kept by hand under the name of the AuthConfig compiled for {policy} \
                 (`{name}` in namespace `{namespace}`): whichever is applied last decides how the \
                 tokens of the policy's routes are checked"
            ),
            Self::TwoPolicies { policy, first } => format!(
                "{policy} and {first} both compile to AuthConfig `{name}` in namespace \
                 `{namespace}`"
            ),
        }
    }

    fn help(&self) -> &'static str {
        match self {
            Self::KeptByHand { .. } => {
                "rename or remove the AuthConfig kept by hand (Gloo names the policy's \
                 `<policy>-<policyNamespace>-<cluster>-<extAuthService>`); if it is the output of \
                 an earlier `portico build`, build again"
            }
            Self::TwoPolicies { .. } => {
                "Gloo names the AuthConfig \
                 `<policy>-<policyNamespace>-<cluster>-<extAuthService>`, so the routes of both \
                 policies would be checked against one config: rename one of the policies"
            }
        }
    }

    /// The label of the other end: the policy.
    fn other(&self) -> &'static str {
        match self {
            Self::KeptByHand { .. } => "the policy whose AuthConfig has this name",
            Self::TwoPolicies { .. } => "the other policy",
        }
    }

    /// The finding about the AuthConfig `name` in `namespace`, at `span`; `other` is the
    /// policy's name.
    fn finding(&self, namespace: &str, name: &str, span: Span, other: Span) -> Finding {
        Finding::new(self.message(namespace, name), span)
            .label("same AuthConfig name")
            .related(other, self.other())
            .help(self.help())
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // The identity is the namespace and the name together: the `config_id` the routes send is
    // `<namespace>.<name>` (gloo-api.md §4), so equal names in different namespaces are two
    // configs.
    let mut by_id: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (p, policy) in ctx.model.ext_auth_policies.iter().enumerate() {
        if policy.spec.gloo_auth().is_none() {
            continue;
        }
        let id = id_of(ctx.model, policy);
        by_id.entry((id.namespace, id.name)).or_default().push(p);
    }
    let model = ctx.model;
    // The AuthConfigs kept by hand under a name portico compiles for a policy.
    for config in &model.auth_configs {
        let id = (
            config.meta.id.namespace.clone(),
            config.meta.id.name.clone(),
        );
        let Some(&policy) = by_id.get(&id).and_then(|policies| {
            policies.iter().min_by(|&&a, &&b| {
                model.ext_auth_policies[a]
                    .meta
                    .id
                    .cmp(&model.ext_auth_policies[b].meta.id)
            })
        }) else {
            continue;
        };
        let policy = &model.ext_auth_policies[policy];
        if is_compiled_from(ctx, &config.meta, policy) {
            continue;
        }
        let (namespace, name) = id;
        let collision = Collision::KeptByHand {
            config: &config.meta.id,
            policy: &policy.meta.id,
        };
        let span = ctx.span(&config.meta, "/metadata/name");
        let other = ctx.span(&policy.meta, "/metadata/name");
        out.push(
            collision
                .finding(&namespace, &name, span, other)
                // The policy's: its AuthConfig is the artifact in question, so the build
                // refuses however this is quieted (findings about hand-kept AuthConfigs do not).
                .about(&policy.meta.id),
        );
    }
    for ((namespace, name), mut policies) in by_id {
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
            let collision = Collision::TwoPolicies {
                policy: &meta.id,
                first: &first.id,
            };
            let span = ctx.span(meta, "/metadata/name");
            let other = ctx.span(first, "/metadata/name");
            out.push(
                collision
                    .finding(&namespace, &name, span, other)
                    .about(&meta.id),
            );
        }
    }
}

/// Whether the AuthConfig of `meta` is the document `portico build` writes for `policy`: a
/// build read back (its output inside the checked directory), or an exact copy. Applying
/// either then gives the same config.
fn is_compiled_from(ctx: &Context<'_>, meta: &Meta, policy: &Resource<ExtAuthPolicySpec>) -> bool {
    let Ok(Some((_, compiled))) = compile_from(ctx.repo, ctx.model, policy) else {
        return false;
    };
    let Some(found) = ctx.node(meta, "") else {
        return false;
    };
    let mut kept = found.node.to_json();
    crate::schema::validate::strip_nulls(&mut kept);
    kept == compiled
}
