//! Which routes each ExtAuthPolicy selects, computed once for every check that needs it.

use std::collections::HashMap;

use super::Model;
use super::index::Index;
use super::kinds::DestinationSelector;

/// What one `applyToRoutes` entry selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selected {
    /// These route instances (ascending ids into [`Index::instances`]).
    Routes(Vec<u32>),
    /// Cannot be decided from the repository (a destination selector by labels: Services are
    /// not part of the repo).
    Unknown,
}

/// The routes an ExtAuthPolicy applies to.
#[derive(Debug, Clone)]
pub struct PolicySelection {
    /// Index into [`Model::ext_auth_policies`].
    pub policy: usize,
    /// One entry per `applyToRoutes` item.
    pub by_selector: Vec<Selected>,
    /// Neither `applyToRoutes` nor `applyToDestinations`: applies to every destination.
    pub applies_to_all: bool,
}

impl PolicySelection {
    /// Whether the policy certainly or possibly covers instance `id` through `applyToRoutes`.
    #[must_use]
    pub fn selects(&self, id: u32) -> bool {
        self.by_selector.iter().any(|s| match s {
            Selected::Routes(ids) => ids.binary_search(&id).is_ok(),
            Selected::Unknown => false,
        })
    }
}

/// Computes every policy's selection.
#[must_use]
pub fn select_all(model: &Model, index: &Index) -> Vec<PolicySelection> {
    let scope = model.workspaces();
    model
        .ext_auth_policies
        .iter()
        .enumerate()
        .map(|(p, policy)| {
            let spec = &policy.spec;
            let by_selector = spec
                .apply_to_routes
                .iter()
                .flatten()
                .map(|selector| {
                    if let Some(route) = &selector.route {
                        let mut ids = index.select_routes(model, route);
                        // Routes of a workspace the policy's does not import are not its to
                        // select (see `workspace::Workspaces::out_of_reach`), decided once
                        // per namespace of a table.
                        if !model.workspace_settings.is_empty() {
                            let mut reach: HashMap<&str, bool> = HashMap::new();
                            ids.retain(|&id| {
                                let Some(table) = index
                                    .instance(id)
                                    .and_then(|inst| model.route_tables.get(inst.route.table))
                                else {
                                    return true;
                                };
                                let ns = table.meta.id.namespace.as_str();
                                *reach.entry(ns).or_insert_with(|| {
                                    !scope.out_of_reach(&policy.meta.id.namespace, ns)
                                })
                            });
                        }
                        Selected::Routes(ids)
                    } else if let Some(dest) = &selector.with_destinations {
                        routes_to_destinations(model, index, dest, &policy.meta.id.namespace)
                    } else {
                        Selected::Routes(Vec::new())
                    }
                })
                .collect();
            PolicySelection {
                policy: p,
                by_selector,
                applies_to_all: spec.apply_to_routes.is_none()
                    && spec.apply_to_destinations.is_none(),
            }
        })
        .collect()
}

/// Routes forwarding to destinations a selector picks by name; selectors by labels are unknown.
#[must_use]
pub fn routes_to_destinations(
    model: &Model,
    index: &Index,
    dest: &DestinationSelector,
    _policy_ns: &str,
) -> Selected {
    let Some(selector) = &dest.selector else {
        return Selected::Unknown;
    };
    let Some(name) = &selector.name else {
        return Selected::Unknown;
    };
    if !selector.labels.is_empty() {
        return Selected::Unknown;
    }
    let mut ids = Vec::new();
    for (i, inst) in index.instances.iter().enumerate() {
        let Some(table) = model.route_tables.get(inst.route.table) else {
            continue;
        };
        let Some(route) = table.spec.http.get(inst.route.route) else {
            continue;
        };
        let Some(forward) = &route.forward_to else {
            continue;
        };
        let hit = forward.destinations.iter().any(|d| {
            d.reference.as_ref().is_some_and(|r| {
                r.name.as_deref() == Some(name.as_str())
                    && selector.namespace.as_ref().is_none_or(|ns| {
                        r.namespace.as_deref().unwrap_or(&table.meta.id.namespace) == ns
                    })
            })
        });
        if hit {
            ids.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
    }
    Selected::Routes(ids)
}

/// For every instance, whether some policy's `applyToDestinations` (or a policy that applies to
/// everything) may cover it. A destination selector by labels may pick any Service, so it covers
/// every route: portico cannot see Services and does not guess.
#[must_use]
pub fn destination_coverage(model: &Model, index: &Index) -> Vec<bool> {
    let mut covered = vec![false; index.instances.len()];
    for policy in &model.ext_auth_policies {
        let spec = &policy.spec;
        if spec.apply_to_routes.is_none() && spec.apply_to_destinations.is_none() {
            covered.iter_mut().for_each(|c| *c = true);
            return covered;
        }
        for dest in spec.apply_to_destinations.iter().flatten() {
            match routes_to_destinations(model, index, dest, &policy.meta.id.namespace) {
                Selected::Unknown => {
                    covered.iter_mut().for_each(|c| *c = true);
                    return covered;
                }
                Selected::Routes(ids) => {
                    for id in ids {
                        if let Some(c) = covered.get_mut(id as usize) {
                            *c = true;
                        }
                    }
                }
            }
        }
    }
    covered
}
