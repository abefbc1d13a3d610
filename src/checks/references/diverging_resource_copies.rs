use crate::checks::Context;
use crate::diagnostic::Finding;

use std::collections::{BTreeMap, BTreeSet};

use crate::load::source::FileId;
use crate::model::ResourceId;

use super::resource_copies::{Duplicate, copies};

crate::declare_rule! {
    /// ## What it does
    /// Reports an object (same kind, namespace and name) defined differently in two or more
    /// files of the plain part of the repository (files no kustomization and no `units:` glob
    /// of portico.yaml puts in a unit), once per object.
    ///
    /// ## Why is this bad?
    /// If both files are applied to one cluster, the last one applied wins and the other
    /// definition silently never exists. If they are alternatives (one folder per environment
    /// or per step, one file per scenario), portico cannot tell: declare them as separate units
    /// so each is checked on its own, as it is deployed. Identical copies are not reported.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RouteTable
    /// metadata:
    ///   name: petstore-rt
    ///   namespace: gloo-mesh-gateways
    /// spec:
    ///   hosts:
    ///     - staging.example.com
    /// ```
    /// in `staging/`, while `production/` defines `petstore-rt` with another host.
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   hosts:
    ///     - api.example.com
    /// ```
    /// the same definition in both files when both are applied to one cluster; when the
    /// files are alternatives, `units:` globs in portico.yaml, so that each folder is checked
    /// as its own unit.
    code: "PC210",
    slug: "diverging-resource-copies",
    severity: Warning,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // One finding per object: a catalogue of scenarios can define one object in dozens of
    // files, and one warning with its count says all there is to say.
    let mut diverging: BTreeMap<&ResourceId, Vec<Duplicate<'_>>> = BTreeMap::new();
    for copy in copies(ctx) {
        if !copy.together && !copy.identical {
            diverging.entry(&copy.meta.id).or_default().push(copy);
        }
    }
    for (id, copies) in diverging {
        let Some(first) = copies.first() else {
            continue;
        };
        let files: BTreeSet<FileId> = copies
            .iter()
            .flat_map(|c| [c.meta.file, c.nearest.file])
            .collect();
        out.push(
            Finding::new(
                format!("{id} is defined differently in {} files", files.len()),
                ctx.span(first.meta, "/metadata/name"),
            )
            .label("this definition")
            .related(
                ctx.span(first.nearest, "/metadata/name"),
                "differs from this one",
            )
            .help(
                "if these files are alternatives (per environment, step or scenario), declare \
                 each as its own unit with `units:` globs in portico.yaml (e.g. `units: \
                 [\"environments/*\"]`); if they are applied to one cluster, remove the stale \
                 copies",
            )
            .about(id),
        );
    }
}
