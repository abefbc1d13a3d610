//! Gloo Platform workspaces, read for one purpose: answering the `workspace:` of a selector
//! (`ObjectSelector.workspace`, "Only select objects in the given workspace") with the
//! namespaces the workspace holds.
//!
//! `Workspace` (admin.gloo.solo.io/v2, `api/gloo.solo.io/admin/v2/workspace.proto` and
//! `ClusterSelector` in `api/gloo.solo.io/common/v2/selectors.proto`, solo-io/solo-apis
//! branches `gloo-mesh-v2.3.x` to `gloo-mesh-v2.6.x`): `spec.workloadClusters[]` selects
//! clusters by `name` ("Use * to match name patterns") or by `selector` (labels of
//! KubernetesCluster objects), and in each the namespaces by `namespaces[].name` (with `*`)
//! or by `namespaces[].labels` (labels of Namespace objects). "When this is not specified, the
//! workspace contains no workload clusters." `WorkspaceSettings` only configures import and
//! export between workspaces; it adds no namespace to one, so it is not read.
//!
//! Which cluster a RouteTable is applied to is not in the repository; a table belongs to a
//! workspace when its namespace is one the workspace selects in some cluster. Membership that
//! depends on labels of clusters or namespaces cannot be decided from the repository: such a
//! workspace is unresolvable, like one that is not in the repository at all.

use serde_json::Value as Json;

/// What a repository says about one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// `metadata.name`: the name selectors use.
    pub name: String,
    /// Namespace name patterns (`*` matches any run of characters) over every selected cluster.
    pub namespaces: Vec<String>,
    /// Some cluster or namespace is selected by labels: membership is not known.
    pub by_labels: bool,
}

impl Workspace {
    /// Reads a `Workspace` object; `None` for any other kind or without a name.
    #[must_use]
    pub fn read(api_version: &str, kind: &str, json: &Json) -> Option<Self> {
        if kind != "Workspace" || !api_version.starts_with("admin.gloo.solo.io/") {
            return None;
        }
        let name = json.pointer("/metadata/name")?.as_str()?.to_owned();
        let mut namespaces = Vec::new();
        let mut by_labels = false;
        let clusters = json
            .pointer("/spec/workloadClusters")
            .and_then(Json::as_array);
        for cluster in clusters.into_iter().flatten() {
            if cluster
                .get("selector")
                .and_then(Json::as_object)
                .is_some_and(|s| !s.is_empty())
            {
                by_labels = true;
            }
            let selected = cluster.get("namespaces").and_then(Json::as_array);
            for namespace in selected.into_iter().flatten() {
                if namespace
                    .get("labels")
                    .and_then(Json::as_object)
                    .is_some_and(|l| !l.is_empty())
                {
                    by_labels = true;
                }
                if let Some(pattern) = namespace.get("name").and_then(Json::as_str) {
                    namespaces.push(pattern.to_owned());
                }
            }
        }
        Some(Workspace {
            name,
            namespaces,
            by_labels,
        })
    }

    /// Whether the workspace holds `namespace` (in some cluster).
    #[must_use]
    pub fn holds(&self, namespace: &str) -> bool {
        self.namespaces
            .iter()
            .any(|pattern| star_match(pattern, namespace))
    }
}

/// The namespaces a `workspace:` selector field selects in, as far as the repository tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership<'a> {
    /// The workspaces of that name in the repository (one, or copies of it per environment).
    Known(&'a [Workspace], &'a str),
    /// Not in the repository, or its members are chosen by labels: nothing can be said.
    Unresolvable,
}

impl Membership<'_> {
    /// Whether a table in `namespace` is in the workspace; `None` when that cannot be known.
    #[must_use]
    pub fn holds(&self, namespace: &str) -> Option<bool> {
        match self {
            Membership::Known(all, name) => Some(
                all.iter()
                    .filter(|w| w.name == *name)
                    .any(|w| w.holds(namespace)),
            ),
            Membership::Unresolvable => None,
        }
    }
}

/// The membership of workspace `name` among `workspaces`.
#[must_use]
pub fn membership<'a>(workspaces: &'a [Workspace], name: &'a str) -> Membership<'a> {
    let mut named = workspaces.iter().filter(|w| w.name == name).peekable();
    if named.peek().is_none() || named.any(|w| w.by_labels) {
        return Membership::Unresolvable;
    }
    Membership::Known(workspaces, name)
}

/// `pattern` with `*` standing for any run of characters (the only wildcard the workspace
/// API documents) matches all of `text`.
fn star_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*` at all.
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn stars_match_runs_of_characters() {
        for (pattern, text, expected) in [
            ("*", "anything", true),
            ("*", "", true),
            ("ns1*", "ns1-web", true),
            ("ns1*", "ns2-web", false),
            ("web", "web", true),
            ("web", "web2", false),
            ("*-prod", "shop-prod", true),
            ("*-prod", "shop-dev", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "acb", false),
            ("ab*ba", "aba", false),
        ] {
            assert_eq!(star_match(pattern, text), expected, "{pattern} ~ {text}");
        }
    }

    #[test]
    fn a_workspace_holds_its_namespaces_in_any_cluster() {
        let w = Workspace::read(
            "admin.gloo.solo.io/v2",
            "Workspace",
            &json!({"metadata": {"name": "shop", "namespace": "gloo-mesh"},
                "spec": {"workloadClusters": [
                    {"name": "cluster1", "namespaces": [{"name": "shop"}]},
                    {"name": "*", "namespaces": [{"name": "shop-*"}]}]}}),
        )
        .unwrap();
        assert!(!w.by_labels);
        let all = [w];
        let m = membership(&all, "shop");
        assert_eq!(m.holds("shop"), Some(true));
        assert_eq!(m.holds("shop-api"), Some(true));
        assert_eq!(m.holds("billing"), Some(false));
        assert_eq!(membership(&all, "billing"), Membership::Unresolvable);
    }

    #[test]
    fn membership_by_labels_is_unresolvable() {
        for spec in [
            json!({"workloadClusters": [{"selector": {"region": "us"}, "namespaces": [{"name": "a"}]}]}),
            json!({"workloadClusters": [{"name": "*", "namespaces": [{"labels": {"team": "a"}}]}]}),
        ] {
            let w = Workspace::read(
                "admin.gloo.solo.io/v2",
                "Workspace",
                &json!({"metadata": {"name": "a"}, "spec": spec}),
            )
            .unwrap();
            assert_eq!(membership(&[w], "a"), Membership::Unresolvable);
        }
    }

    #[test]
    fn a_workspace_without_clusters_holds_nothing() {
        let w = Workspace::read(
            "admin.gloo.solo.io/v2",
            "Workspace",
            &json!({"metadata": {"name": "policy"}}),
        )
        .unwrap();
        assert_eq!(membership(&[w], "policy").holds("policy"), Some(false));
        assert!(Workspace::read("v1", "ConfigMap", &json!({"metadata": {"name": "x"}})).is_none());
    }
}
