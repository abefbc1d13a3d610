//! Semantics that real repositories showed wrong, each on a small repository under
//! `testdata/patterns/` built from the shape seen: `glooAuth` read as Gloo's protobuf JSON
//! decoder reads it, `delegate.routeTables` selecting by workspace, one finding per cause (a
//! step that cannot be evaluated leaves the access matrix "not evaluated", not denying).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use serde_json::Value as Json;

fn pattern(name: &str) -> PathBuf {
    common::root().join("testdata/patterns").join(name)
}

/// `(code, file, line)` of every finding of `portico check` on the pattern, with the JSON.
fn findings(name: &str) -> (Vec<(String, String, u64)>, Json) {
    let (_, stdout, stderr) =
        common::portico_in(&pattern(name), &["check", ".", "--format", "json"]);
    let report: Json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let list = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
            )
        })
        .collect();
    (list, report)
}

fn entry(code: &str, file: &str, line: u64) -> (String, String, u64) {
    (code.to_owned(), file.to_owned(), line)
}

#[test]
fn gloo_auth_is_read_as_protobuf_json_and_auth_config_stays_strict() {
    let (found, report) = findings("gloo-auth-proto-json");
    assert_eq!(
        found,
        [
            // AuthConfig: the API server's structural schema takes neither spelling.
            entry("PC102", "authconfig.yaml", 14),
            entry("PC101", "authconfig.yaml", 21),
            // The policy with a real type error is still checked: its selector matches nothing.
            entry("PC201", "broken-policy.yaml", 12),
            // Reported at the key as written (`max_age`), not dropped with the policy.
            entry("PC101", "broken-policy.yaml", 30),
        ],
        "{report:#}"
    );
}

#[test]
fn build_copies_gloo_auth_in_the_spelling_the_auth_config_crd_takes() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["routes.yaml", "policy.yaml"] {
        std::fs::copy(
            pattern("gloo-auth-proto-json").join(file),
            dir.path().join(file),
        )
        .unwrap();
    }
    let (code, _, stderr) = common::portico_in(dir.path(), &["build", ".", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(
        dir.path()
            .join("out/authconfigs/gloo-gateway/shop-oidc-shop-cluster1-ext-auth-service.yaml"),
    )
    .unwrap();
    assert!(written.contains("clientId: shop"), "{written}");
    assert!(written.contains("maxAge: 1800\n"), "{written}");
    assert!(!written.contains("client_id"), "{written}");
}

#[test]
fn delegation_by_workspace_selects_the_namespaces_of_the_workspace_or_nothing() {
    // Before: `workspace:` was ignored and `- workspace: x` selected every table, the parent
    // itself included (PC208 on it, PC209 cycles, PC208 on the billing root).
    let (found, report) = findings("delegate-by-workspace");
    assert_eq!(found, [entry("PC202", "gateway.yaml", 41)], "{report:#}");
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("in workspace `shop`"), "{message}");

    let result = common::check_path(&pattern("delegate-by-workspace"));
    let index = portico::model::index::Index::build(&result.model);
    let tables = &result.model.route_tables;
    let selected: Vec<(usize, Vec<String>, bool)> = index
        .edges
        .iter()
        .map(|e| {
            let names = e
                .children
                .iter()
                .map(|&c| tables[c].meta.id.to_string())
                .collect();
            (e.parent.route, names, e.unresolved)
        })
        .collect();
    assert_eq!(
        selected,
        [
            (0, vec!["RouteTable/shop-cart/cart".to_owned()], false),
            (1, vec![], true),
            (1, vec![], true),
            (2, vec![], false),
        ]
    );
}

/// The example repository with one mistake made: `edit` is `(file, from, to)`, `to` `None`
/// removes the file, an empty `from` replaces its whole text. Returns every finding's code, and the matrix's JSON.
fn one_mistake(file: &str, from: &str, to: Option<&str>) -> (Vec<String>, Json) {
    let (codes, _, matrix) = one_mistake_report(file, from, to);
    (codes, matrix)
}

/// [`one_mistake`], with the check's JSON report too.
fn one_mistake_report(file: &str, from: &str, to: Option<&str>) -> (Vec<String>, Json, Json) {
    one_mistake_in("portal-okta", file, from, to)
}

/// [`one_mistake_report`] on another example repository of `testdata/repos`.
fn one_mistake_in(
    repo: &str,
    file: &str,
    from: &str,
    to: Option<&str>,
) -> (Vec<String>, Json, Json) {
    let dir = tempfile::tempdir().unwrap();
    let source = common::root().join("testdata/repos").join(repo);
    for sub in ["", "auth", "routes", "idp"] {
        if !source.join(sub).is_dir() {
            continue;
        }
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(source.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let rel = path.strip_prefix(&source).unwrap();
                std::fs::copy(&path, dir.path().join(rel)).unwrap();
            }
        }
    }
    let target = dir.path().join(file);
    match to {
        None => std::fs::remove_file(&target).unwrap(),
        Some(to) if from.is_empty() => std::fs::write(&target, to).unwrap(),
        Some(to) => {
            let text = std::fs::read_to_string(&target).unwrap();
            assert!(text.contains(from), "{file} has no `{from}`");
            std::fs::write(&target, text.replace(from, to)).unwrap();
        }
    }
    let (_, stdout, stderr) = common::portico_in(dir.path(), &["check", ".", "--format", "json"]);
    let report: Json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let codes = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    let (_, matrix, stderr) = common::portico_in(dir.path(), &["matrix", ".", "--format", "json"]);
    let matrix: Json = serde_json::from_str(&matrix).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (codes, report, matrix)
}

/// Every decision of the matrix is "not evaluated" (no decision, the cause as the reason).
fn not_evaluated(matrix: &Json, why: &str) {
    let decisions = matrix["decisions"].as_array().unwrap();
    assert!(!decisions.is_empty(), "{matrix:#}");
    for d in decisions {
        assert!(d["allowed"].is_null(), "{d:#}");
        assert!(d["reason"].as_str().unwrap().contains(why), "{d:#}");
    }
}

#[test]
fn a_missing_opa_config_map_is_one_finding_and_the_products_are_not_evaluated() {
    // Before: PC204, and PC512 for each product ("denied even to a token holding its scope").
    let (codes, matrix) = one_mistake("auth/okta-scope-policy.yaml", "", None);
    assert_eq!(codes, ["PC204"]);
    not_evaluated(&matrix, "module ConfigMap");
}

#[test]
fn a_query_that_does_not_parse_is_one_finding() {
    // Before: PC505, and PC513 for the evaluation that failed on it.
    let (codes, matrix) = one_mistake(
        "auth/ext-auth-policy.yaml",
        "data.test.allow == true",
        Some("data.test.allow == == true"),
    );
    assert_eq!(codes, ["PC505"]);
    not_evaluated(&matrix, "does not parse");
}

#[test]
fn a_query_reading_a_missing_rule_or_package_is_one_finding() {
    // Before: PC506, and PC512 for each product.
    for (file, from, to) in [
        (
            "auth/ext-auth-policy.yaml",
            "data.test.allow ==",
            "data.test.alow ==",
        ),
        (
            "auth/okta-scope-policy.yaml",
            "package test",
            "package tset",
        ),
    ] {
        let (codes, matrix) = one_mistake(file, from, Some(to));
        assert_eq!(codes, ["PC506"], "{to}");
        not_evaluated(&matrix, "reads a rule no module");
    }
}

#[test]
fn a_rego_syntax_error_and_a_missing_server_are_one_finding_each() {
    let (codes, _) = one_mistake(
        "auth/okta-scope-policy.yaml",
        "allow if {",
        Some("allow if {{"),
    );
    assert_eq!(codes, ["PC501"]);
    let (codes, _) = one_mistake("auth/ext-auth-server.yaml", "", None);
    assert_eq!(codes, ["PC203"]);
}

/// The help of the only finding of a report.
fn only_help(codes: &[String], report: &Json, code: &str) -> String {
    assert_eq!(codes, [code], "{report:#}");
    report["diagnostics"][0]["help"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_reference_to_nothing_names_the_only_candidate_however_far_its_name() {
    // The one ExtAuthServer of the repository, though `authz` is nothing like its name.
    let (codes, report, _) = one_mistake_report(
        "auth/ext-auth-policy.yaml",
        "name: ext-auth-server",
        Some("name: authz"),
    );
    let help = only_help(&codes, &report, "PC203");
    assert_eq!(
        help,
        "did you mean `ext-auth-server`? it is the only ExtAuthServer in namespace `gloo-mesh`"
    );
    // The one ConfigMap holding Rego in the namespace.
    let (codes, report, _) = one_mistake_report(
        "auth/ext-auth-policy.yaml",
        "- name: okta-scope-policy",
        Some("- name: scopes"),
    );
    let help = only_help(&codes, &report, "PC204");
    assert!(
        help.starts_with("did you mean `okta-scope-policy`?"),
        "{help}"
    );
    // Two route tables in the namespace: no guess.
    let (codes, report, _) = one_mistake_report(
        "routes/api-example-com.yaml",
        "name: tracks-rt",
        Some("name: music"),
    );
    assert!(codes.contains(&"PC202".to_owned()), "{report:#}");
    let helps: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "PC202")
        .filter_map(|d| d["help"].as_str())
        .collect();
    assert!(
        helps.iter().all(|h| !h.contains("did you mean")),
        "{helps:?}"
    );
}

#[test]
fn a_policy_selects_routes_of_its_own_workspace_and_of_those_it_imports() {
    // Before: every route with the label, across workspaces: PC205 three times (each route
    // selected by both teams' policies, and by billing-admin).
    let (found, report) = findings("policy-workspace-reach");
    assert_eq!(found, [entry("PC201", "billing.yaml", 53)], "{report:#}");
    let help = report["diagnostics"][0]["help"].as_str().unwrap();
    assert!(help.contains("workspace `shop`"), "{help}");
}

#[test]
fn a_misspelled_policy_selector_is_one_finding_not_one_per_route() {
    // Before: PC201, and PC301 for each of the four product routes the selector was meant for.
    let (codes, report, _) = one_mistake_report(
        "auth/ext-auth-policy.yaml",
        "usagePlans: dev-portal",
        Some("usagePlans: dev-portl"),
    );
    let help = only_help(&codes, &report, "PC201");
    assert!(help.contains("dev-portal"), "{help}");
    // A label far from every route's means nothing certain: the routes are unprotected.
    let (codes, _, _) = one_mistake_report(
        "auth/ext-auth-policy.yaml",
        "usagePlans: dev-portal",
        Some("usagePlans: something-else-entirely"),
    );
    assert_eq!(
        codes.iter().filter(|c| *c == "PC301").count(),
        4,
        "{codes:?}"
    );
}

#[test]
fn a_scope_source_that_is_not_yaml_is_one_finding() {
    // Before: PC001 on the file, and PC306 "not a format portico reads" on the same file.
    let (codes, report, _) = one_mistake_in(
        "portal-cognito",
        "idp/cognito.yaml",
        "",
        Some("{{ broken: [\n"),
    );
    assert_eq!(codes, ["PC001"], "{report:#}");
}

#[test]
fn a_label_selector_beside_one_that_selects_is_room_for_tables_to_come() {
    // A route delegating by labels to tables not written yet, beside a selector that works:
    // the route serves, no 404 (a workshop's `workspace: gateways` selector).
    let (codes, report, _) = one_mistake_report(
        "routes/api-example-com.yaml",
        "          - name: petstore-rt\n",
        Some("          - labels: {team: future}\n          - name: petstore-rt\n"),
    );
    assert!(codes.is_empty(), "{report:#}");
    // By name, it names one table: a typo stays an error.
    let (codes, _, _) = one_mistake_report(
        "routes/api-example-com.yaml",
        "          - name: petstore-rt\n",
        Some("          - name: petstore-rtt\n          - name: petstore-rt\n"),
    );
    assert_eq!(codes, ["PC202"]);
}

#[test]
fn delegation_selects_tables_of_the_parent_workspace_and_of_those_it_imports() {
    // Before: the billing table, in a workspace `gateways` does not import, was delegated to
    // from both routes, and nothing was reported.
    let (found, report) = findings("delegate-workspace-reach");
    assert_eq!(found, [entry("PC202", "gateway.yaml", 28)], "{report:#}");
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("workspace `gateways` can select"),
        "{message}"
    );
    let result = common::check_path(&pattern("delegate-workspace-reach"));
    let index = portico::model::index::Index::build(&result.model);
    let tables = &result.model.route_tables;
    let children: Vec<Vec<String>> = index
        .edges
        .iter()
        .map(|e| {
            e.children
                .iter()
                .map(|&c| tables[c].meta.id.to_string())
                .collect()
        })
        .collect();
    assert_eq!(
        children,
        [
            vec!["RouteTable/shop/shop".to_owned()],
            Vec::<String>::new()
        ]
    );
}
