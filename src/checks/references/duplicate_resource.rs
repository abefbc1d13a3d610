use std::collections::HashMap;

use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::model::{Meta, ResourceId};

crate::declare_rule! {
    /// ## What it does
    /// Reports two objects with the same kind, namespace and name.
    ///
    /// ## Why is this bad?
    /// They are one object to Kubernetes: whichever is applied last replaces the other, so the
    /// cluster's state depends on file order, and half of what was reviewed never exists.
    /// Namespaces are compared after defaulting (`default` when omitted, as kubectl does).
    ///
    /// ## Example
    /// Two files that both define `RouteTable` `petstore-rt` in `gloo-mesh-gateways`.
    ///
    /// ## Use instead
    /// Rename one of them, or delete the stale copy.
    code: "PC206",
    slug: "duplicate-resource",
    severity: Error,
    since: "0.1.0",
}

/// The finding for `id`, defined again at `span` after its first definition at `first`.
fn finding(id: &ResourceId, span: Span, first: Span) -> Finding {
    Finding::new(format!("{id} is defined more than once"), span)
        .label("defined again here")
        .related(first, "first defined here")
        .help("objects are identified by kind, namespace and name: rename one or remove the copy")
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let mut first: HashMap<&ResourceId, &Meta> = HashMap::new();
    let mut all: Vec<&Meta> = ctx.model.all_documents_meta().collect();
    // Stable "first" regardless of kind grouping: file order, then document order.
    all.sort_by_key(|m| {
        (
            ctx.repo.sources.get(m.file).name.clone(),
            m.doc,
            m.base.clone(),
        )
    });
    for meta in all {
        match first.get(&meta.id) {
            None => {
                first.insert(&meta.id, meta);
            }
            Some(earlier) => {
                let span = ctx.span(meta, "/metadata/name");
                let first = ctx.span(earlier, "/metadata/name");
                out.push(finding(&meta.id, span, first).about(&meta.id));
            }
        }
    }
}
