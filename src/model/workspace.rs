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
//! workspace contains no workload clusters."
//!
//! `WorkspaceSettings` (`api/gloo.solo.io/admin/v2/workspace_settings.proto`, same branches)
//! adds no namespace to a workspace; it says what the workspace imports and exports. "Objects
//! must both be exported by the workspace that is being imported and imported into this
//! workspace in order to be shared across workspaces", and a selector that omits `workspace`
//! selects "across all workspaces available in the parent object's workspace": a policy
//! selects routes of its own workspace and of those it imports. The settings are read only to
//! tell when a route is certainly out of a policy's reach ([`Workspaces::out_of_reach`]).
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

/// What a repository says about one `WorkspaceSettings`: where it is (which tells its
/// workspace: "The resource can be deployed to any of your workspace's namespaces") and the
/// workspaces it imports from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceSettings {
    /// `metadata.name`; `global` in the admin namespace overrides every workspace's own.
    pub name: String,
    /// `metadata.namespace` (empty when not written).
    pub namespace: String,
    /// `importFrom[].workspaces[].name` patterns (`*` as in [`Workspace`]).
    pub imports: Vec<String>,
    /// Some workspace is imported by labels: what it imports is not known.
    pub imports_by_labels: bool,
}

impl WorkspaceSettings {
    /// Reads a `WorkspaceSettings` object; `None` for any other kind or without a name.
    #[must_use]
    pub fn read(api_version: &str, kind: &str, json: &Json) -> Option<Self> {
        if kind != "WorkspaceSettings" || !api_version.starts_with("admin.gloo.solo.io/") {
            return None;
        }
        let name = json.pointer("/metadata/name")?.as_str()?.to_owned();
        let namespace = json
            .pointer("/metadata/namespace")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned();
        let mut imports = Vec::new();
        let mut imports_by_labels = false;
        let from = json.pointer("/spec/importFrom").and_then(Json::as_array);
        for selector in from.into_iter().flatten() {
            let workspaces = selector.get("workspaces").and_then(Json::as_array);
            for workspace in workspaces.into_iter().flatten() {
                if workspace
                    .get("selector")
                    .and_then(Json::as_object)
                    .is_some_and(|s| !s.is_empty())
                {
                    imports_by_labels = true;
                }
                if let Some(pattern) = workspace.get("name").and_then(Json::as_str) {
                    imports.push(pattern.to_owned());
                }
            }
        }
        Some(WorkspaceSettings {
            name,
            namespace,
            imports,
            imports_by_labels,
        })
    }
}

/// The workspaces and their settings, as the repository describes them (the default: none,
/// so nothing is out of reach).
#[derive(Debug, Clone, Copy, Default)]
pub struct Workspaces<'a> {
    /// Every `Workspace`.
    pub workspaces: &'a [Workspace],
    /// Every `WorkspaceSettings`.
    pub settings: &'a [WorkspaceSettings],
}

impl<'a> Workspaces<'a> {
    /// The one workspace holding `namespace`, when the repository tells it without doubt (no
    /// workspace chosen by labels, and every workspace holding it has the same name).
    #[must_use]
    pub fn workspace_of(&self, namespace: &str) -> Option<&'a str> {
        if self.workspaces.iter().any(|w| w.by_labels) {
            return None;
        }
        let mut holding = self
            .workspaces
            .iter()
            .filter(|w| w.holds(namespace))
            .map(|w| w.name.as_str());
        let first = holding.next()?;
        holding.all(|n| n == first).then_some(first)
    }

    /// Whether a route of a table in namespace `table_ns` is certainly out of reach of a policy
    /// in `policy_ns`: both workspaces known and different, the policy's workspace has
    /// settings in the repository, and neither they nor a `global` one import the table's
    /// workspace. Anything
    /// unknown keeps the route in reach: selecting too little would invent findings too (a
    /// route reported unprotected).
    #[must_use]
    pub fn out_of_reach(&self, policy_ns: &str, table_ns: &str) -> bool {
        let (Some(own), Some(other)) = (self.workspace_of(policy_ns), self.workspace_of(table_ns))
        else {
            return false;
        };
        if own == other {
            return false;
        }
        let mine = self
            .settings
            .iter()
            .filter(|s| s.name != "global" && self.workspace_of(&s.namespace) == Some(own));
        // "global workspace settings override settings defined in individual workspaces"
        // (workspace_settings.proto): what a `global` one imports counts for every workspace.
        let global = self.settings.iter().filter(|s| s.name == "global");
        let mut has_own = false;
        for settings in mine.chain(global) {
            has_own |= settings.name != "global";
            if settings.imports_by_labels
                || settings
                    .imports
                    .iter()
                    .any(|pattern| star_match(pattern, other))
            {
                return false;
            }
        }
        has_own
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

    fn workspace(name: &str, namespaces: &[&str]) -> Workspace {
        Workspace {
            name: name.to_owned(),
            namespaces: namespaces.iter().map(|n| (*n).to_owned()).collect(),
            by_labels: false,
        }
    }

    fn settings(namespace: &str, spec: &Json) -> WorkspaceSettings {
        WorkspaceSettings::read(
            "admin.gloo.solo.io/v2",
            "WorkspaceSettings",
            &json!({"metadata": {"name": "s", "namespace": namespace}, "spec": spec}),
        )
        .unwrap()
    }

    #[test]
    fn a_route_is_out_of_reach_only_when_its_workspace_is_certainly_not_imported() {
        let all = [
            workspace("shop", &["shop"]),
            workspace("billing", &["billing"]),
            workspace("gateways", &["gateways"]),
        ];
        let imports_gateways = [settings(
            "shop",
            &json!({"importFrom": [{"workspaces": [{"name": "gateways"}]}]}),
        )];
        let scope = Workspaces {
            workspaces: &all,
            settings: &imports_gateways,
        };
        assert!(scope.out_of_reach("shop", "billing"));
        assert!(!scope.out_of_reach("shop", "gateways"));
        assert!(!scope.out_of_reach("shop", "shop"));
        // Unknown namespace, workspace without settings: in reach.
        assert!(!scope.out_of_reach("shop", "elsewhere"));
        assert!(!scope.out_of_reach("billing", "shop"));
        for spec in [
            json!({"importFrom": [{"workspaces": [{"name": "*"}]}]}),
            json!({"importFrom": [{"workspaces": [{"selector": {"team": "x"}}]}]}),
        ] {
            let open = [settings("shop", &spec)];
            let scope = Workspaces {
                workspaces: &all,
                settings: &open,
            };
            assert!(!scope.out_of_reach("shop", "billing"), "{spec}");
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
