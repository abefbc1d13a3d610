//! Templates in a repository: a Helm chart's `templates/` are not read (PC009 once), and a
//! value that is an unrendered template is unknown to every rule but PC006, which reports it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

/// Writes `files` (relative path, text) under a new temporary directory.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// The codes found in `dir`, with the file and line of each.
fn found(dir: &Path) -> Vec<(String, String, usize)> {
    let result = common::check_path(dir);
    result
        .diagnostics
        .iter()
        .map(|d| {
            let file = result.repo.sources.get(d.finding.span.file);
            let line = file.line_col(d.finding.span.range.start).line;
            (d.code.to_owned(), file.name.clone(), line)
        })
        .collect()
}

fn codes(found: &[(String, String, usize)]) -> Vec<&str> {
    found.iter().map(|(c, _, _)| c.as_str()).collect()
}

const SERVER: &str = "\
apiVersion: admin.gloo.solo.io/v2
kind: ExtAuthServer
metadata:
  name: ext-auth-server
  namespace: gloo-mesh
spec:
  destinationServer:
    ref: {name: ext-auth-service, namespace: gloo-mesh-addons, cluster: cluster1}
    port: {name: grpc}
";

/// A product's table: `pets` is labelled for the policies, `store` has a `team` label only,
/// `admin` has no label.
const PRODUCT: &str = "\
apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata:
  name: petstore-rt
  namespace: gloo-mesh-gateways
spec:
  hosts: [api.example.com]
  virtualGateways:
    - {name: istio-ingressgateway, namespace: gloo-mesh-gateways}
  portalMetadata: {apiProductId: petstore, apiVersion: v1}
  http:
    - name: pets
      labels: {usagePlans: dev-portal}
      matchers: [{uri: {prefix: /pets}}]
      forwardTo: {destinations: [{ref: {name: pets, namespace: petstore}, port: {number: 8080}}]}
    - name: store
      labels: {team: store}
      matchers: [{uri: {prefix: /store}}]
      forwardTo: {destinations: [{ref: {name: store, namespace: petstore}, port: {number: 8080}}]}
    - name: admin
      matchers: [{uri: {prefix: /admin}}]
      forwardTo: {destinations: [{ref: {name: admin, namespace: petstore}, port: {number: 8080}}]}
";

/// An OAuth policy whose `applyToRoutes` is `selectors`.
fn policy(name: &str, selectors: &str) -> String {
    format!(
        "\
apiVersion: security.policy.gloo.solo.io/v2
kind: ExtAuthPolicy
metadata:
  name: {name}
  namespace: gloo-mesh
spec:
  applyToRoutes: {selectors}
  config:
    server: {{name: ext-auth-server, namespace: gloo-mesh, cluster: cluster1}}
    glooAuth:
      configs:
        - oauth2:
            accessTokenValidation:
              jwt:
                remoteJwks:
                  url: https://idp.example.com/keys
                issuer: https://idp.example.com
"
    )
}

#[test]
fn a_charts_templates_are_one_info_and_its_other_files_are_read() {
    let dir = repo(&[
        (
            "chart/Chart.yaml",
            "apiVersion: v2\nname: gw\nversion: 0.1.0\n",
        ),
        ("chart/values.yaml", "host: api.example.com\n"),
        (
            "chart/templates/rt.yaml",
            "{{- if .Values.on }}\nmetadata:\n  name: {{ .Values.name }}\n  name: x\n{{- end }}\n",
        ),
        (
            "chart/templates/nested/rt.yaml",
            "{{- range .Values.teams }}\n---\n{{- end }}\n",
        ),
        // Applied by Helm as written: read, and its mistake found.
        (
            "chart/crds/server.yaml",
            &SERVER.replace("cluster: cluster1", "cluster: $CLUSTER"),
        ),
    ]);
    let found = found(dir.path());
    assert_eq!(
        found,
        [
            ("PC009".to_owned(), "chart/Chart.yaml".to_owned(), 2),
            ("PC006".to_owned(), "chart/crds/server.yaml".to_owned(), 8),
        ],
        "{found:?}"
    );
}

#[test]
fn a_chart_without_templates_is_not_reported() {
    let dir = repo(&[(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: gw\nversion: 0.1.0\n",
    )]);
    assert!(found(dir.path()).is_empty());
}

#[test]
fn a_selector_with_an_unrendered_value_may_select_the_routes_carrying_its_keys() {
    let dir = repo(&[
        ("server.yaml", SERVER),
        ("product.yaml", PRODUCT),
        (
            "policy.yaml",
            &policy(
                "oauth",
                "\n    - route: {labels: {usagePlans: dev-portal}}\n    - route: {labels: {team: {{ .Values.team }}}}",
            ),
        ),
    ]);
    let found = found(dir.path());
    // `store` carries `team`: whichever team is rendered, it may be selected. `admin` carries
    // no label: no rendering selects it.
    let unprotected: Vec<usize> = found
        .iter()
        .filter(|(c, _, _)| c == "PC301")
        .map(|(_, _, line)| *line)
        .collect();
    assert_eq!(unprotected, [20], "{found:?}");
    assert!(!codes(&found).contains(&"PC201"), "{found:?}");
    assert!(codes(&found).contains(&"PC006"), "{found:?}");
}

#[test]
fn an_unrendered_apply_to_routes_is_unknown_not_absent() {
    let dir = repo(&[
        ("server.yaml", SERVER),
        ("product.yaml", PRODUCT),
        ("policy.yaml", &policy("oauth", "{{ .Values.routes }}")),
    ]);
    let found = found(dir.path());
    assert_eq!(codes(&found), ["PC006"], "{found:?}");
}
