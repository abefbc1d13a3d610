use crate::checks::Context;
use crate::diagnostic::Finding;

use super::resource_copies::copies;

crate::declare_rule! {
    /// ## What it does
    /// Reports two definitions of one object (same kind, namespace and name) that are applied
    /// together: in one kustomize unit, or in one file. Copies in different files outside any
    /// unit may be alternatives (per environment, per step, per scenario): identical ones are
    /// fine, diverging ones are PC210.
    ///
    /// ## Why is this bad?
    /// They are one object to Kubernetes: whichever is applied last replaces the other, so the
    /// cluster's state depends on file order, and half of what was reviewed never exists.
    /// kustomize refuses to build a unit that holds one object twice. Namespaces are compared
    /// after defaulting (`default` when omitted, as kubectl does).
    ///
    /// ## Example
    /// ```yaml
    /// kind: RouteTable
    /// metadata:
    ///   name: petstore-rt
    ///   namespace: gloo-mesh-gateways
    /// spec:
    ///   hosts:
    ///     - store.example.com
    /// ```
    /// in the same file as another `RouteTable` `petstore-rt` in `gloo-mesh-gateways`.
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: RouteTable
    /// metadata:
    ///   name: store-rt
    ///   namespace: gloo-mesh-gateways
    /// ```
    code: "PC206",
    slug: "duplicate-resource",
    severity: Error,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for copy in copies(ctx) {
        // An identical copy in one file of the plain part applies the same object twice:
        // redundant, not a conflict. Inside a kustomize unit even that fails the build.
        if !copy.together || (copy.identical && !copy.in_unit) {
            continue;
        }
        let what = if copy.identical {
            "an identical copy"
        } else {
            "a different definition"
        };
        out.push(
            Finding::new(
                format!("{} is defined more than once", copy.meta.id),
                ctx.span(copy.meta, "/metadata/name"),
            )
            .label(format!("{what} here"))
            .related(
                ctx.span(copy.nearest, "/metadata/name"),
                "also defined here",
            )
            .help(
                "objects are identified by kind, namespace and name, and these are applied \
                 together: rename one or remove the copy",
            )
            .about(&copy.meta.id),
        );
    }
}
