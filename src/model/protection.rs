//! Which ExtAuthPolicy protects each route instance: the one the gateway applies when it
//! builds the route's ext_authz settings.

use std::collections::BTreeMap;

use super::Model;
use super::index::Index;
use super::selection::{PolicySelection, Selected};

/// Per instance of [`Index::instances`], the policy (index into [`Model::ext_auth_policies`])
/// that protects it: the first by name that selects it through `applyToRoutes` and has a
/// `glooAuth`. When several select one route, Gloo keeps the oldest and fails the newer ones
/// (gloo-api.md §7), and creation times are not in the repository (PC205 reports the
/// overlap): the first by name is portico's stable stand-in.
#[must_use]
pub fn protecting_policies(
    model: &Model,
    index: &Index,
    selections: &[PolicySelection],
) -> Vec<Option<usize>> {
    let mut selections_of: BTreeMap<usize, Vec<&PolicySelection>> = BTreeMap::new();
    for selection in selections {
        selections_of
            .entry(selection.policy)
            .or_default()
            .push(selection);
    }
    let mut policies: Vec<usize> = selections.iter().map(|s| s.policy).collect();
    policies.sort_by(|&a, &b| {
        model.ext_auth_policies[a]
            .meta
            .id
            .cmp(&model.ext_auth_policies[b].meta.id)
    });
    // Decided once for every instance: asking every policy per route made the build
    // quadratic.
    let mut protector: Vec<Option<usize>> = vec![None; index.instances.len()];
    for p in policies {
        if model.ext_auth_policies[p].spec.gloo_auth().is_none() {
            continue;
        }
        for selection in selections_of.get(&p).into_iter().flatten() {
            for selected in &selection.by_selector {
                if let Selected::Routes(ids) = selected {
                    for &id in ids {
                        if let Some(slot @ None) = protector.get_mut(id as usize) {
                            *slot = Some(p);
                        }
                    }
                }
            }
        }
    }
    protector
}
