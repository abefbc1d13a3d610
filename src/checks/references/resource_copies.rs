//! The definitions of one object (kind, namespace, name) found more than once, each paired
//! with its nearest other copy: what PC206 and PC210 judge.
//!
//! Whether two definitions clash depends on how they are applied. Inside a kustomize unit every
//! document is built into one stream, and kustomize refuses two objects with one id ("may not
//! add resource with an already registered id", kustomize `api/resmap/reswrangler.go`
//! `Append`), so any second definition is an error. So is a second definition in one file,
//! which `kubectl apply -f <file>` applies after the first (the last applied wins). Outside
//! units, copies in different files are what a repository of alternatives looks like: one
//! folder per environment or per step, or one self-contained file per scenario (a use-case
//! catalogue keeps `3.1-exact-match.yaml` and `3.2-prefix-match.yaml` side by side, each
//! applied on its own), so portico cannot know they clash.

use std::collections::BTreeMap;

use crate::checks::Context;
use crate::model::{Meta, ResourceId};

/// One definition of an object that is defined more than once, and its nearest other copy.
pub(crate) struct Duplicate<'a> {
    /// The definition reported.
    pub meta: &'a Meta,
    /// The nearest earlier definition of the same object: same file first, then the one
    /// sharing the most leading folders.
    pub nearest: &'a Meta,
    /// Whether both are certainly applied together (same kustomize unit, or same file).
    pub together: bool,
    /// Whether both come from the kustomize unit being checked.
    pub in_unit: bool,
    /// Whether both define exactly the same object (equal as JSON values).
    pub identical: bool,
}

/// Every definition after the first of each object defined more than once, in file order.
pub(crate) fn copies<'a>(ctx: &Context<'a>) -> Vec<Duplicate<'a>> {
    let mut by_id: BTreeMap<&ResourceId, Vec<&Meta>> = BTreeMap::new();
    for meta in ctx.model.all_documents_meta() {
        by_id.entry(&meta.id).or_default().push(meta);
    }
    let name = |m: &Meta| ctx.repo.sources.get(m.file).name.as_str();
    let mut out = Vec::new();
    for (_, mut metas) in by_id {
        if metas.len() < 2 {
            continue;
        }
        // Stable regardless of kind grouping or walk order: file name, then document order.
        metas.sort_by(|a, b| (name(a), a.doc, &a.base).cmp(&(name(b), b.doc, &b.base)));
        for (i, &meta) in metas.iter().enumerate().skip(1) {
            let Some(&nearest) = metas[..i]
                .iter()
                .max_by_key(|earlier| closeness(name(meta), name(earlier)))
            else {
                continue;
            };
            let in_unit = ctx
                .unit_files
                .is_some_and(|unit| unit.contains(&meta.file) && unit.contains(&nearest.file));
            out.push(Duplicate {
                meta,
                nearest,
                together: in_unit || name(meta) == name(nearest),
                in_unit,
                identical: same_object(ctx, meta, nearest),
            });
        }
    }
    out.sort_by(|a, b| (name(a.meta), a.meta.doc).cmp(&(name(b.meta), b.meta.doc)));
    out
}

/// The folder of a file name as reported (`/`-separated).
fn folder(name: &str) -> &str {
    name.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// How close two files are: the same file first, then the number of leading folder segments
/// they share. Among equally close copies `max_by_key` keeps the last, the one just before in
/// file order.
fn closeness(a: &str, b: &str) -> (bool, usize) {
    let shared = folder(a)
        .split('/')
        .zip(folder(b).split('/'))
        .take_while(|(x, y)| x == y)
        .count();
    (a == b, shared)
}

/// Whether two definitions hold the same object, compared as JSON values (so comments, key
/// order and quoting do not count).
fn same_object(ctx: &Context<'_>, a: &Meta, b: &Meta) -> bool {
    let value = |m: &Meta| {
        ctx.root(m)
            .and_then(|root| root.pointer(&m.base))
            .map(|found| found.node.to_json())
    };
    match (value(a), value(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}
