//! The model and index on the example repository: delegation, effective labels, products,
//! selectors and the Rego offset map through the ConfigMap block scalar.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use portico::model::index::Index;
use portico::model::kinds::RouteLabelSelector;
use portico::model::rego::{RegoOrigin, rego_sources};

#[test]
fn example_routes_resolve_through_delegation() {
    let result = common::check_path(&common::root().join("testdata/repos/portal-okta"));
    let model = &result.model;
    let index = Index::build(model);
    let mut routes: Vec<(String, String, Option<String>)> = index
        .instances
        .iter()
        .map(|inst| {
            let table = &model.route_tables[inst.route.table];
            let route = &table.spec.http[inst.route.route];
            let product = inst
                .product_table
                .and_then(|t| model.route_tables[t].spec.portal_metadata.as_ref())
                .and_then(|p| p.api_product_id.clone());
            (
                table.meta.id.name.clone(),
                route.name.clone().unwrap(),
                product,
            )
        })
        .collect();
    routes.sort();
    let expected: Vec<(String, String, Option<String>)> = [
        ("petstore-rt", "pets-api", "petstore"),
        ("petstore-rt", "store-api", "petstore"),
        ("petstore-rt", "users-api", "petstore"),
        ("tracks-rt", "tracks-api", "tracks"),
    ]
    .iter()
    .map(|(t, r, p)| (t.to_string(), r.to_string(), Some(p.to_string())))
    .collect();
    assert_eq!(routes, expected);
    // Every leaf was reached from the host table.
    assert!(index.instances.iter().all(|i| i.parents.len() == 1));
    let selector = RouteLabelSelector {
        labels: [("usagePlans".to_owned(), "dev-portal".to_owned())].into(),
        ..RouteLabelSelector::default()
    };
    assert_eq!(index.select_routes(model, &selector).len(), 4);
}

#[test]
fn effective_labels_follow_precedence() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rt.yaml"),
        r"apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: {name: parent, namespace: gw, labels: {a: parent-table, b: parent-table, c: parent-table, d: parent-table}}
spec:
  hosts: [x.example.com]
  http:
    - name: delegate
      labels: {a: parent-route, b: parent-route, c: parent-route}
      delegate: {routeTables: [{name: child}]}
---
apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: {name: child, namespace: gw, labels: {a: child-table, b: child-table}}
spec:
  http:
    - name: leaf
      labels: {a: child-route}
      forwardTo: {destinations: [{ref: {name: svc}, port: {number: 80}}]}
",
    )
    .unwrap();
    let result = common::check_path(dir.path());
    let index = Index::build(&result.model);
    assert_eq!(index.instances.len(), 1);
    let labels: Vec<(&str, &str)> = index.instances[0]
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("a", "child-route"),
            ("b", "child-table"),
            ("c", "parent-route"),
            ("d", "parent-table"),
        ]
    );
}

#[test]
fn rego_offsets_map_into_the_config_map() {
    let result = common::check_path(&common::root().join("testdata/repos/portal-okta"));
    let sources = rego_sources(&result.repo, &result.model);
    assert_eq!(sources.len(), 1);
    let rego = &sources[0];
    assert!(matches!(&rego.origin, RegoOrigin::ConfigMap { key, .. } if key == "policy.rego"));
    let file = result.repo.sources.get(rego.file);
    assert_eq!(file.name, "auth/okta-scope-policy.yaml");
    for needle in ["package test", "default allow", "jwtAccessToken.scp"] {
        let offset = rego.text.find(needle).unwrap();
        let at = rego.file_offset(offset);
        assert_eq!(
            &file.text[at..at + needle.len()],
            needle,
            "{needle} maps to the wrong place"
        );
    }
    let at = rego.file_offset(rego.text.find("package").unwrap());
    let lc = file.line_col(at);
    assert_eq!((lc.line, lc.column), (10, 5));
}

/// Plain files next to a kustomization that deploys nothing portico models (a workload) are
/// still checked: their findings are reported from the units' checks only when a unit was
/// checked, else from the plain part.
#[test]
fn plain_files_next_to_a_unit_of_workloads_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "app/kustomization.yaml",
        "resources: [deploy.yaml]\nnamespace: apps\n",
    );
    write(
        "app/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
    );
    write("policy.yaml", common::POLICY_WITH_TYPO);
    write("routes.yaml", common::ROUTES);
    let result = common::check_path(dir.path());
    let codes: Vec<&str> = result.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["PC201"], "{}", common::human(&result));
}

/// A file a kustomization leaves out of its directory (a `non-active/` copy) is deployed by
/// nothing: it is still checked on its own, but an absence it points at (a selector matching
/// no route) is not reported, while the same policy listed in the kustomization is.
#[test]
fn a_file_a_kustomization_leaves_out_reports_no_absence() {
    let dir = tempfile::tempdir().unwrap();
    let policy = |name: &str| {
        format!(
            "apiVersion: security.policy.gloo.solo.io/v2
kind: ExtAuthPolicy
metadata: {{name: {name}, namespace: app}}
spec:
  applyToRoutes:
    - route: {{labels: {{oauth: \"true\"}}}}
  config:
    server: {{name: ext-auth-server, namespace: app}}
    glooAuth: {{configs: [{{oauth2: {{accessTokenValidation: {{jwt: {{remoteJwks: {{url: https://idp.example.com/keys}}}}}}}}}}]}}
"
        )
    };
    let server = "apiVersion: admin.gloo.solo.io/v2
kind: ExtAuthServer
metadata: {name: ext-auth-server, namespace: app}
spec: {destinationServer: {ref: {name: ext-auth-service, namespace: gloo-mesh}, port: {name: grpc}}}
---
apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: {name: app, namespace: app}
spec:
  hosts: [app.example.com]
  http:
    - name: app
      labels: {auth: oidc}
      forwardTo: {destinations: [{ref: {name: app}, port: {number: 80}}]}
";
    std::fs::create_dir_all(dir.path().join("app/non-active")).unwrap();
    std::fs::write(
        dir.path().join("app/kustomization.yaml"),
        "resources: [server.yaml, active.yaml]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("app/server.yaml"), server).unwrap();
    std::fs::write(dir.path().join("app/active.yaml"), policy("active")).unwrap();
    std::fs::write(dir.path().join("app/non-active/old.yaml"), policy("old")).unwrap();
    std::fs::write(
        dir.path().join("app/non-active/old-rt.yaml"),
        "apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: {name: app-old, namespace: app}
spec:
  hosts: [old.example.com]
  http:
    - name: app
      labels: {auth: oidc}
      forwardTo: {destinations: [{ref: {name: app}, port: {number: 80}}]}
",
    )
    .unwrap();
    let result = common::check_path(dir.path());
    let files_with_pc201: Vec<&str> = result
        .diagnostics
        .iter()
        .filter(|d| d.code == "PC201")
        .map(|d| result.repo.sources.get(d.finding.span.file).name.as_str())
        .collect();
    assert_eq!(
        files_with_pc201,
        ["app/active.yaml"],
        "{:#?}",
        result.diagnostics
    );
}
