//! Delegation flattening: each release's path rule, and whole repositories.
#![allow(clippy::unwrap_used)]

use super::*;

fn prefix(p: &str) -> Matcher {
    Matcher {
        path: PathMatch::Prefix(p.to_string()),
        ..Matcher::default()
    }
}

use Inheritance::{Intersect, Prepend};

fn exact(p: &str) -> Matcher {
    Matcher {
        path: PathMatch::Exact(p.to_string()),
        ..Matcher::default()
    }
}

fn regex(p: &str) -> Matcher {
    Matcher {
        path: PathMatch::Regex(p.to_string()),
        ..Matcher::default()
    }
}

/// The combined path, or the conflict, of `child` under `parent` by the rule `rule`.
fn path(rule: Inheritance, parent: &Matcher, child: &Matcher) -> Result<PathMatch, String> {
    combine(rule, parent, child, true).map(|m| m.path)
}

fn pre(p: &str) -> Result<PathMatch, String> {
    Ok(PathMatch::Prefix(p.to_string()))
}

fn ex(p: &str) -> Result<PathMatch, String> {
    Ok(PathMatch::Exact(p.to_string()))
}

#[test]
fn releases_before_2_4_intersect_the_paths() {
    assert_eq!(Inheritance::of(GlooVersion::V2_3), Intersect);
    let p = prefix("/api");
    assert_eq!(path(Intersect, &p, &prefix("/api/pets")), pre("/api/pets"));
    // A wider child prefix matches what the parent matches: the parent's prefix.
    assert_eq!(path(Intersect, &p, &prefix("/")), pre("/api"));
    assert_eq!(path(Intersect, &p, &exact("/api/x")), ex("/api/x"));
    assert!(path(Intersect, &p, &prefix("/other")).is_err());
    assert!(path(Intersect, &p, &exact("/other")).is_err());
    assert_eq!(
        path(Intersect, &p, &regex("/x/.*")),
        Ok(PathMatch::Regex("/x/.*".into()))
    );
}

#[test]
fn releases_from_2_4_prepend_the_parent_prefix() {
    assert_eq!(Inheritance::of(GlooVersion::V2_4), Prepend);
    assert_eq!(Inheritance::of(GlooVersion::V2_7), Prepend);
    let p = prefix("/product-1");
    assert_eq!(path(Prepend, &p, &prefix("/foo")), pre("/product-1/foo"));
    assert_eq!(path(Prepend, &p, &exact("/foo")), ex("/product-1/foo"));
    assert_eq!(path(Prepend, &p, &prefix("/")), pre("/product-1/"));
    // A child that repeats the parent prefix is taken as written.
    assert_eq!(
        path(Prepend, &p, &prefix("/product-1/foo")),
        pre("/product-1/foo")
    );
    assert_eq!(path(Prepend, &prefix("/"), &exact("/get")), ex("/get"));
    assert_eq!(
        path(Prepend, &prefix("/a.b/"), &regex("/[0-9]+")),
        Ok(PathMatch::Regex("/a\\.b/[0-9]+".into()))
    );
}

#[test]
fn under_an_exact_parent_only_its_path_reaches_the_child() {
    for rule in [Intersect, Prepend] {
        let p = exact("/status");
        assert_eq!(path(rule, &p, &exact("/status")), ex("/status"));
        assert_eq!(path(rule, &p, &prefix("/")), ex("/status"));
        assert!(path(rule, &p, &exact("/other")).is_err());
        assert!(path(rule, &p, &prefix("/other")).is_err());
    }
}

#[test]
fn child_matchers_inherit_what_they_leave_out() {
    let inherited = combine(Prepend, &prefix("/api"), &Matcher::default(), false);
    assert_eq!(
        inherited.map(|m| m.path),
        Ok(PathMatch::Prefix("/api".to_string()))
    );
    let get = Matcher {
        method: Some("GET".to_string()),
        ..prefix("/api")
    };
    let post = Matcher {
        method: Some("POST".to_string()),
        ..prefix("/api/x")
    };
    assert!(combine(Prepend, &get, &post, true).is_err());
}

#[test]
fn a_header_both_match_on_is_kept_once() {
    let header = |value: ValueMatch| HeaderMatch {
        name: "x-team".to_string(),
        value,
        invert: false,
    };
    let parent = Matcher {
        headers: vec![header(ValueMatch::Exact("a".to_string()))],
        ..prefix("/api")
    };
    let child = Matcher {
        headers: vec![
            header(ValueMatch::Exact("a".to_string())),
            header(ValueMatch::Regex("a".to_string())),
        ],
        ..prefix("/api/x")
    };
    let combined = combine(Prepend, &parent, &child, true).map(|m| m.headers);
    assert_eq!(
        combined,
        Ok(vec![
            header(ValueMatch::Exact("a".to_string())),
            header(ValueMatch::Regex("a".to_string()))
        ])
    );
}

#[test]
fn specificity_orders_exact_regex_prefix() {
    let exact = Matcher {
        path: PathMatch::Exact("/a".to_string()),
        ..Matcher::default()
    };
    let mut all = [prefix("/a"), prefix("/a/b"), exact.clone()];
    all.sort_by_key(specificity);
    assert_eq!(all[0], exact);
    assert_eq!(all[1], prefix("/a/b"));
}

fn root_table(name: &str, prefix: &str) -> String {
    format!(
        "apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: {{name: {name}, namespace: gw}}
spec:
  hosts: [{name}.example.com]
  http:
    - name: all
      matchers: [{{uri: {{prefix: {prefix}}}}}]
      delegate: {{routeTables: [{{name: middle, namespace: gw}}]}}
"
    )
}

/// Two roots reach one child route through one delegating route: the child's conflict
/// with that route is reported once, as the first root (in model order) sees it, and the
/// route both roots serve is one instance per root.
#[test]
fn a_conflict_reached_from_two_roots_is_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("a.yaml", &root_table("a", "/a"));
    write("b.yaml", &root_table("b", "/b"));
    write(
        "c.yaml",
        "apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: {name: middle, namespace: gw}
spec:
  http:
    - name: inherit
      delegate: {routeTables: [{name: leaf, namespace: gw}]}
---
apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: {name: leaf, namespace: gw}
spec:
  http:
    - name: elsewhere
      matchers: [{uri: {prefix: /c}}]
      directResponse: {status: 404}
    - name: any
      directResponse: {status: 200}
",
    );
    let result = crate::check(&crate::CheckRequest {
        inputs: vec![crate::load::Input::Path(dir.path().to_path_buf())],
        ..crate::CheckRequest::default()
    })
    .unwrap();
    let index = Index::build(&result.model);
    let flattened = flatten_all(&result.model, &index, GlooVersion::V2_3);
    let messages: Vec<&str> = flattened
        .conflicts
        .iter()
        .map(|c| c.message.as_str())
        .collect();
    assert_eq!(messages, ["path `/c` is outside the parent's prefix `/a`"]);
    // Since 2.4 the same child serves `/a/c`: no conflict.
    let inherited = flatten_all(&result.model, &index, GlooVersion::V2_4);
    assert!(inherited.conflicts.is_empty(), "{:?}", inherited.conflicts);
    let served: Vec<(usize, Option<u32>, &PathMatch)> = flattened
        .tables
        .iter()
        .flat_map(|t| &t.routes)
        .map(|r| (r.route.route, r.instance, &r.matcher.path))
        .collect();
    assert_eq!(served.len(), 2);
    assert!(
        served
            .iter()
            .all(|(route, instance, _)| *route == 1 && instance.is_some())
    );
    assert_ne!(served[0].1, served[1].1);
    assert_eq!(
        served.iter().map(|s| s.2).collect::<Vec<_>>(),
        [
            &PathMatch::Prefix("/a".to_string()),
            &PathMatch::Prefix("/b".to_string())
        ]
    );
}

/// The request the access matrix synthesizes for a delegated route follows the same rule.
#[test]
fn the_request_path_combines_the_chain_by_the_release_rule() {
    let matcher =
        |v: serde_json::Value| -> HttpRequestMatcher { serde_json::from_value(v).unwrap() };
    let parent = matcher(serde_json::json!({"uri": {"prefix": "/v1"}}));
    let child = matcher(serde_json::json!({"uri": {"prefix": "/items"}}));
    let everything = matcher(serde_json::json!({"uri": {"prefix": "/"}}));
    let method_only = matcher(serde_json::json!({"method": "POST"}));
    assert_eq!(request_path(Prepend, [&parent, &child]), "/v1/items");
    assert_eq!(request_path(Prepend, [&parent, &method_only]), "/v1");
    assert_eq!(request_path(Intersect, [&parent, &everything]), "/v1");
    // A conflicting child (PC601) keeps its own path.
    assert_eq!(request_path(Intersect, [&parent, &child]), "/items");
    assert_eq!(request_path(Prepend, []), "/");
}
