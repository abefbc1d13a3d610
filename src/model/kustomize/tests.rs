use super::join;

#[test]
fn paths_resolve_against_the_kustomization() {
    assert_eq!(
        join("auth", "policy.rego").as_deref(),
        Some("auth/policy.rego")
    );
    assert_eq!(
        join("auth/overlay", "../rego/p.rego").as_deref(),
        Some("auth/rego/p.rego")
    );
    assert_eq!(join("", "./p.rego").as_deref(), Some("p.rego"));
    assert_eq!(join("", "../p.rego"), None);
}
