//! Reports do not depend on discovery order: the same repository with its directories renamed
//! (so they are walked in another order) and its files written in reverse order yields the same
//! findings, and two runs over one repository yield byte-identical output in every format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use serde_json::Value as Json;

/// The JSON report's diagnostics with file names mapped back and sorted.
fn findings(dir: &Path, unrename: &dyn Fn(&str) -> String) -> Vec<Json> {
    let result = common::check_path(dir);
    let report: Json = serde_json::from_str(&portico::report::json::render(&result)).unwrap();
    let mut out: Vec<Json> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .map(|mut d| {
            let file = d["file"].as_str().unwrap().to_string();
            d["file"] = Json::String(unrename(&file));
            if let Some(related) = d["related"].as_array_mut() {
                for r in related {
                    let f = r["file"].as_str().unwrap_or_default().to_string();
                    r["file"] = Json::String(unrename(&f));
                }
            }
            d
        })
        .collect();
    out.sort_by_key(|d| d.to_string());
    out
}

#[test]
fn findings_do_not_depend_on_directory_names_or_order() {
    for repo in ["portal-okta-broken", "portal-cognito", "build-delegation"] {
        let source = common::root().join("testdata/repos").join(repo);
        let dir = tempfile::tempdir().unwrap();
        // `routes/` is walked last and `auth/` first once renamed.
        let rename = |p: &str| {
            p.replacen("routes/", "zz-routes/", 1)
                .replacen("auth/", "00-auth/", 1)
        };
        let unrename = |p: &str| {
            p.replacen("zz-routes/", "routes/", 1)
                .replacen("00-auth/", "auth/", 1)
        };
        common::copy_tree(&source, dir.path(), &|_, rel| rename(rel));
        let original = findings(&source, &|p: &str| p.to_string());
        let renamed = findings(dir.path(), &unrename);
        assert_eq!(original, renamed, "{repo}");
    }
}

#[test]
fn every_format_is_byte_identical_across_runs() {
    let path = common::root().join("testdata/repos/portal-okta-broken");
    let render = || {
        let result = common::check_path(&path);
        (
            portico::report::json::render(&result),
            common::human(&result),
            portico::report::matrix::json(&result.analysis.matrix),
        )
    };
    assert_eq!(render(), render());
}
