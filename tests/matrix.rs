//! The access matrix proves the product contract on the example repositories: a request is
//! allowed exactly when the token holds the route's API-product scope; and the permissive and
//! dead policy fixtures are caught.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use portico::access::Profile;

#[test]
fn examples_allow_exactly_the_product_scope() {
    for repo in ["portal-okta", "portal-cognito", "portal-okta-kustomize"] {
        let result = common::check_path(&common::root().join("testdata/repos").join(repo));
        let decisions = &result.analysis.matrix.decisions;
        // Two products, four routes, four profiles each (none, each product, all).
        assert_eq!(decisions.len(), 16, "{repo}");
        for d in decisions {
            assert_eq!(d.error, None, "{repo}: {d:?}");
            assert_eq!(d.allowed, Some(d.holds_product_scope()), "{repo}: {d:?}");
        }
        let profiles: std::collections::BTreeSet<Profile> =
            decisions.iter().map(|d| d.profile()).collect();
        assert_eq!(profiles.len(), 4, "{repo}");
    }
}

#[test]
fn permissive_and_dead_policies_are_decided_as_such() {
    let root = common::root().join("testdata/rules");
    let permissive = common::check_path(&root.join("PC511-product-reachable-without-scope/fail"));
    assert!(
        permissive
            .analysis
            .matrix
            .decisions
            .iter()
            .any(|d| d.token_scopes.is_empty() && d.allowed == Some(true))
    );
    let dead = common::check_path(&root.join("PC512-product-unreachable-with-scope/fail"));
    assert!(
        dead.analysis
            .matrix
            .decisions
            .iter()
            .all(|d| d.allowed == Some(false))
    );
    let unsupported = common::check_path(&root.join("PC514-access-matrix-not-evaluated/fail"));
    assert!(unsupported.analysis.matrix.decisions.iter().all(|d| {
        d.error
            .as_ref()
            .and_then(|e| e.unsupported_builtin.as_deref())
            == Some("io.jwt.decode")
    }));
}

#[test]
fn matrix_is_deterministic() {
    let path = common::root().join("testdata/repos/portal-cognito");
    let a = portico::report::matrix::json(&common::check_path(&path).analysis.matrix);
    let b = portico::report::matrix::json(&common::check_path(&path).analysis.matrix);
    assert_eq!(a, b);
}
