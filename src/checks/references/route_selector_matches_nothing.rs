use std::collections::{BTreeMap, BTreeSet};

use crate::checks::references::label_source;
use crate::checks::{Context, did_you_mean, looks_templated};
use crate::diagnostic::{Finding, Span};
use crate::load::node::escape_token;
use crate::model::Meta;
use crate::model::kinds::RouteLabelSelector;
use crate::model::selection::Selected;
use crate::suggest::closest;

crate::declare_rule! {
    /// ## What it does
    /// Reports an ExtAuthPolicy `applyToRoutes` selector that matches no route, and says which
    /// label is missing, with the closest label key or value that routes do carry.
    ///
    /// ## Why is this bad?
    /// The policy is accepted and protects nothing (`numSelectedRoutes: 0`). The routes it was
    /// meant to protect stay open, or answer 403 for lack of the auth they expect. A typo in a
    /// label is the usual cause. portico compares with each route's effective labels, inherited
    /// through delegation (child route > child table > parent route > parent table).
    ///
    /// ## Example
    /// ```yaml
    /// applyToRoutes:
    ///   - route:
    ///       labels:
    ///         usagePlans: dev-portl
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// applyToRoutes:
    ///   - route:
    ///       labels:
    ///         usagePlans: dev-portal
    /// ```
    code: "PC201",
    slug: "route-selector-matches-nothing",
    severity: Error,
    since: "0.1.0",
}

/// Why a route selector matches no route; `closest` is the did-you-mean candidate.
enum Unmatched<'a> {
    /// No route has the label `key: value`; `carried` lists values routes do carry for `key`.
    NoLabel {
        key: &'a str,
        value: &'a str,
        closest: Option<&'a str>,
        carried: String,
    },
    /// No route has a label `key`.
    NoLabelKey {
        key: &'a str,
        closest: Option<&'a str>,
    },
    /// No route of `namespace` matches; `elsewhere` lists the namespaces where routes do.
    OtherNamespace {
        namespace: &'a str,
        elsewhere: String,
    },
    /// Each label is on some route, but no route carries them all.
    OutOfReach {
        own: &'a str,
        elsewhere: String,
    },
    NoRouteHasAll,
}

impl Unmatched<'_> {
    fn message(&self) -> String {
        match self {
            Self::NoLabel { key, value, .. } => {
                format!("selector matches no route: no route has label `{key}: {value}`")
            }
            Self::NoLabelKey { key, .. } => {
                format!("selector matches no route: no route has a label `{key}`")
            }
            Self::OtherNamespace { namespace, .. } => {
                format!("selector matches no route in namespace `{namespace}`")
            }
            Self::OutOfReach { own, .. } => {
                format!("selector matches no route that workspace `{own}` can select")
            }
            Self::NoRouteHasAll => {
                "selector matches no route: no single route carries all of these labels".to_owned()
            }
        }
    }

    fn label(&self) -> Option<&'static str> {
        match self {
            Self::NoLabel { .. } => Some("no route carries this value"),
            Self::NoLabelKey { .. } => Some("no route carries this label key"),
            _ => None,
        }
    }

    fn help(&self) -> Option<String> {
        match self {
            Self::NoLabel {
                key,
                closest,
                carried,
                ..
            } => did_you_mean(*closest)
                .or_else(|| Some(format!("routes carry `{key}` with {carried}"))),
            Self::NoLabelKey { closest, .. } => did_you_mean(*closest),
            Self::OtherNamespace { elsewhere, .. } if elsewhere.is_empty() => None,
            Self::OtherNamespace { elsewhere, .. } => Some(format!(
                "routes with these labels exist in namespace {elsewhere}"
            )),
            Self::OutOfReach { own, elsewhere } => Some(format!(
                "routes with these labels are in workspace {elsewhere}, which the WorkspaceSettings \
                 of `{own}` do not import (`importFrom`)"
            )),
            Self::NoRouteHasAll => Some(
                "each label exists on some route, but never all together; check the effective \
                 labels of the routes you meant"
                    .to_owned(),
            ),
        }
    }

    fn finding(&self, span: Span) -> Finding {
        let finding = Finding::new(self.message(), span);
        let finding = match self.label() {
            Some(label) => finding.label(label),
            None => finding,
        };
        finding.maybe_help(self.help())
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // With no route table loaded (a policy checked on its own) there is nothing to compare with.
    if ctx.model.route_tables.is_empty() {
        return;
    }
    let mut values_by_key: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut first_with: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    for ((k, v), id) in ctx.index.label_pairs() {
        values_by_key
            .entry(k.as_str())
            .or_default()
            .insert(v.as_str());
        first_with.insert((k.as_str(), v.as_str()), id);
    }
    for selection in ctx.selections {
        let Some(policy) = ctx.model.ext_auth_policies.get(selection.policy) else {
            continue;
        };
        let meta = &policy.meta;
        let selectors = policy.spec.apply_to_routes.iter().flatten();
        for (i, (selector, selected)) in selectors.zip(&selection.by_selector).enumerate() {
            let Some(route_selector) = &selector.route else {
                continue;
            };
            if !matches!(selected, Selected::Routes(ids) if ids.is_empty()) {
                continue;
            }
            // A template value (PC006's) is unknown until rendered, in the selector or in the
            // route labels it is compared with: the selector may match then.
            let unknown = route_selector.labels.iter().any(|(k, v)| {
                looks_templated(v)
                    || values_by_key
                        .get(k.as_str())
                        .is_some_and(|values| values.iter().any(|v| looks_templated(v)))
            }) || route_selector.namespace.as_deref().is_some_and(|ns| {
                looks_templated(ns)
                    || ctx
                        .model
                        .route_tables
                        .iter()
                        .any(|t| looks_templated(&t.meta.id.namespace))
            });
            if unknown {
                continue;
            }
            let base = format!("/spec/applyToRoutes/{i}/route");
            let missing = route_selector
                .labels
                .iter()
                .find(|(k, v)| !first_with.contains_key(&(k.as_str(), v.as_str())));
            let finding = if let Some((key, value)) = missing {
                let path = format!("{base}/labels/{}", escape_token(key));
                if let Some(values) = values_by_key.get(key.as_str()) {
                    let suggestion = closest(value, values.iter().copied());
                    let unmatched = Unmatched::NoLabel {
                        key,
                        value,
                        closest: suggestion,
                        carried: list(values.iter().copied()),
                    };
                    let mut f = unmatched.finding(ctx.span(meta, &path));
                    if let Some(s) = suggestion
                        && let Some(inst) = first_with
                            .get(&(key.as_str(), s))
                            .and_then(|&id| ctx.index.instance(id))
                        && let Some((span, _)) = label_source(ctx, inst, key)
                    {
                        f = f.related(span, "closest route label");
                    }
                    f
                } else {
                    let suggestion = closest(key, values_by_key.keys().copied());
                    let unmatched = Unmatched::NoLabelKey {
                        key,
                        closest: suggestion,
                    };
                    let mut f = unmatched.finding(ctx.key_span(meta, &path));
                    if let Some(s) = suggestion {
                        let inst = values_by_key
                            .get(s)
                            .and_then(|vals| vals.iter().next())
                            .and_then(|v| first_with.get(&(s, *v)))
                            .and_then(|&id| ctx.index.instance(id));
                        if let Some((span, _)) = inst.and_then(|inst| label_source(ctx, inst, s)) {
                            f = f.related(span, "closest route label");
                        }
                    }
                    f
                }
            } else if let Some((own, elsewhere)) = out_of_reach(ctx, route_selector, meta) {
                Unmatched::OutOfReach {
                    own,
                    elsewhere: list(elsewhere.into_iter()),
                }
                .finding(ctx.span(meta, &format!("{base}/labels")))
            } else if let Some(ns) = &route_selector.namespace {
                let mut unrestricted = route_selector.clone();
                unrestricted.namespace = None;
                let elsewhere: BTreeSet<&str> = ctx
                    .index
                    .select_routes(ctx.model, &unrestricted)
                    .iter()
                    .filter_map(|&id| ctx.index.instance(id))
                    .filter_map(|inst| ctx.model.route_tables.get(inst.route.table))
                    .map(|t| t.meta.id.namespace.as_str())
                    .collect();
                let unmatched = Unmatched::OtherNamespace {
                    namespace: ns,
                    elsewhere: list(elsewhere.into_iter()),
                };
                unmatched.finding(ctx.span(meta, &format!("{base}/namespace")))
            } else {
                Unmatched::NoRouteHasAll.finding(ctx.span(meta, &format!("{base}/labels")))
            };
            out.push(finding.about(&meta.id));
        }
    }
}

/// The policy's workspace and the workspaces of the routes the selector would pick if
/// workspaces did not bound it, when there are such routes (all out of the policy's reach).
fn out_of_reach<'a>(
    ctx: &Context<'a>,
    selector: &RouteLabelSelector,
    policy: &'a Meta,
) -> Option<(&'a str, BTreeSet<&'a str>)> {
    let scope = ctx.model.workspaces();
    let own = scope.workspace_of(&policy.id.namespace)?;
    let elsewhere: BTreeSet<&str> = ctx
        .index
        .select_routes(ctx.model, selector)
        .iter()
        .filter_map(|&id| ctx.index.instance(id))
        .filter_map(|inst| ctx.model.route_tables.get(inst.route.table))
        .filter_map(|t| scope.workspace_of(&t.meta.id.namespace))
        .collect();
    (!elsewhere.is_empty()).then_some((own, elsewhere))
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.take(5).map(|s| format!("`{s}`")).collect();
    items.join(", ")
}
