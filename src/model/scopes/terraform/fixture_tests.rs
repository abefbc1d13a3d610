//! Tests of the Terraform scope reader on the files of `testdata/scope-sources/files/terraform`,
//! the same files the `scope_sources` integration test reads through the whole check.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::PathBuf;

use super::parse;
use super::tests::{grants, names};
use crate::load::source::SourceFile;
use crate::model::scopes::{ScopeSource, SourceError};

fn fixture(name: &str) -> (SourceFile, ScopeSource) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/scope-sources/files/terraform")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let f = SourceFile::new(name.into(), path, text);
    let source = parse(&f).unwrap();
    (f, source)
}

#[test]
fn fixture_cognito() {
    let (f, source) = fixture("cognito.tf");
    assert_eq!(names(&source), [Some("tracks"), Some("pets")]);
    assert!(source.scopes.iter().all(|s| {
        s.resource_server.as_deref() == Some("https://api.example.com")
            && s.resource_server_name.as_deref() == Some("Example API")
    }));
    assert_eq!(
        grants(&source),
        [
            Some("openid"),
            Some("https://api.example.com/tracks"),
            Some("https://api.example.com/pets"),
            None
        ]
    );
    assert_eq!(f.line_col(source.scopes[0].span.start).line, 12);
}

#[test]
fn fixture_okta() {
    let (f, source) = fixture("okta.tf");
    assert_eq!(
        names(&source),
        [Some("tracks"), Some("pets"), Some("orders")]
    );
    assert_eq!(grants(&source), [Some("tracks"), Some("orders")]);
    // for_each scopes point at the `locals` list.
    assert_eq!(f.line_col(source.scopes[0].span.start).line, 6);
}

#[test]
fn fixture_auth0() {
    let (_, source) = fixture("auth0.tf");
    assert_eq!(
        names(&source),
        [
            Some("tracks"),
            Some("pets"),
            Some("orders"),
            Some("invoices")
        ]
    );
    let servers: Vec<_> = source
        .scopes
        .iter()
        .map(|s| s.resource_server.as_deref().unwrap())
        .collect();
    assert_eq!(
        servers,
        [
            "https://api.example.com",
            "https://api.example.com",
            "https://api.example.com",
            "https://legacy.example.com"
        ]
    );
    assert_eq!(source.grants, None);
}

#[test]
fn fixture_azuread() {
    let (_, source) = fixture("azuread.tf");
    assert_eq!(names(&source), [Some("tracks"), Some("pets")]);
    let enabled: Vec<_> = source.scopes.iter().map(|s| s.enabled).collect();
    assert_eq!(enabled, [true, false]);
    assert_eq!(
        source.scopes[0].resource_server.as_deref(),
        Some("api://example")
    );
}

#[test]
fn fixture_keycloak() {
    let (_, source) = fixture("keycloak.tf");
    assert_eq!(names(&source), [Some("product:tracks"), None]);
    assert_eq!(
        grants(&source),
        [Some("profile"), Some("product:tracks"), None]
    );
}

#[test]
fn fixture_unrelated_and_invalid() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/scope-sources/files/terraform");
    let load = |name: &str| {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        SourceFile::new(name.into(), path, text)
    };
    assert_eq!(
        parse(&load("unrelated.tf")),
        Err(SourceError::UnknownFormat)
    );
    let f = load("invalid.tf");
    let Err(SourceError::Syntax(range, _)) = parse(&f) else {
        panic!("expected a syntax error")
    };
    assert_eq!(f.line_col(range.start).line, 3);
}
