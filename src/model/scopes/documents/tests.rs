use std::path::PathBuf;

use super::*;

fn load(name: &str, text: &str) -> (SourceFile, Result<ScopeSource, SourceError>) {
    let file = SourceFile::new(name.into(), PathBuf::from(name), text.into());
    let documents = crate::load::yaml::parse(&file).documents;
    let result = detect(&file, &documents);
    (file, result)
}

fn ok(name: &str, text: &str) -> (SourceFile, ScopeSource) {
    let (file, result) = load(name, text);
    match result {
        Ok(source) => (file, source),
        Err(e) => unreachable!("{name}: {e:?}"),
    }
}

/// Declared names, after checking that every resolved literal name spans its own text.
fn names(file: &SourceFile, source: &ScopeSource) -> Vec<String> {
    source
        .scopes
        .iter()
        .map(|s| {
            let text = file.text.get(s.span.clone()).unwrap_or("<bad span>");
            match &s.name {
                Some(name) => name.clone(),
                None => format!("?{text}"),
            }
        })
        .collect()
}

fn spans_are_names(file: &SourceFile, source: &ScopeSource) {
    for s in &source.scopes {
        if let Some(name) = &s.name {
            assert_eq!(file.text.get(s.span.clone()), Some(name.as_str()), "{s:?}");
        }
    }
}

#[test]
fn quoted_spans_exclude_quotes() {
    let (file, source) = ok(
        "m.json",
        r#"{"issuer": "https://x", "scopes_supported": ["openid", "tracks"]}"#,
    );
    assert_eq!(names(&file, &source), ["openid", "tracks"]);
    spans_are_names(&file, &source);
}

fn fixture(path: &str) -> (SourceFile, ScopeSource) {
    let full = format!(
        "{}/testdata/scope-sources/files/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&full).unwrap_or_default();
    assert!(!text.is_empty(), "missing fixture {full}");
    ok(path, &text)
}

fn grants(source: &ScopeSource) -> Vec<Option<String>> {
    source
        .grants
        .iter()
        .flatten()
        .map(|g| g.scope.clone())
        .collect()
}

fn servers(source: &ScopeSource) -> Vec<Option<&str>> {
    source
        .scopes
        .iter()
        .map(|s| s.resource_server.as_deref())
        .collect()
}

const API: Option<&str> = Some("https://api.example.com");

#[test]
fn cloudformation_short_intrinsics() {
    let (file, source) = ok(
        "template.yaml",
        "Parameters:\n  Id: {Type: String, Default: access}\n  Stage: {Type: String}\n\
         Resources:\n  Rs:\n    Type: AWS::Cognito::UserPoolResourceServer\n    Properties:\n\
         \x20     UserPoolId: !Ref Pool\n      Identifier: !Ref Id\n      Name: portal\n\
         \x20     Scopes:\n        - {ScopeName: tracks-rest-api, ScopeDescription: T}\n\
         \x20       - ScopeName: !Sub \"${Stage}-admin\"\n          ScopeDescription: A\n\
         \x20       - ScopeName: !Sub \"${Id}-x\"\n          ScopeDescription: X\n\
         \x20       - ScopeDescription: no name\n\
         \x20 Client:\n    Type: AWS::Cognito::UserPoolClient\n    Properties:\n\
         \x20     AllowedOAuthScopes: [openid, !Sub \"${Rs}/tracks-rest-api\", \
         !Join [\"/\", [!Ref Rs, b]], !GetAtt Rs.Identifier, !Ref Stage, \
         !Sub \"${!Literal}/${AWS::Region}\"]\n",
    );
    assert_eq!(source.format, SourceFormat::CloudFormation);
    assert!(source.complete);
    let n = names(&file, &source);
    assert_eq!(n[0], "tracks-rest-api");
    assert!(n[1].starts_with("?ScopeName: !Sub"), "{n:?}");
    assert_eq!(n[2], "access-x");
    assert_eq!(n.len(), 3);
    assert_eq!(
        file.text.get(source.scopes[0].span.clone()),
        Some("tracks-rest-api")
    );
    assert_eq!(
        file.text.get(source.scopes[2].span.clone()),
        Some("\"${Id}-x\"")
    );
    assert!(
        source
            .scopes
            .iter()
            .all(|s| s.resource_server.as_deref() == Some("access"))
    );
    assert!(
        source
            .scopes
            .iter()
            .all(|s| s.resource_server_name.as_deref() == Some("portal"))
    );
    assert_eq!(
        grants(&source),
        [
            Some("openid".into()),
            Some("access/tracks-rest-api".into()),
            Some("access/b".into()),
            None,
            None,
            None,
        ]
    );
    assert_eq!(source.problems.len(), 1, "{:?}", source.problems);
    assert!(source.problems[0].1.contains("ScopeName"));
    assert_eq!(
        file.text.get(source.problems[0].0.clone()),
        Some("ScopeDescription: no name")
    );
}

#[test]
fn cloudformation_long_intrinsics_in_json() {
    let (file, source) = ok(
        "t.json",
        r#"{"Parameters": {"Id": {"Type": "String", "Default": "https://api.example.com"},
            "Ssm": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/portal/id"}},
          "Mappings": {"Env": {"prod": {"Scope": "tracks"}}},
          "Resources": {
            "Rs": {"Type": "AWS::Cognito::UserPoolResourceServer", "Properties": {
              "Identifier": {"Ref": "Id"}, "Name": "portal",
              "Scopes": [{"ScopeName": "pets", "ScopeDescription": "P"},
                         {"ScopeName": {"Fn::FindInMap": ["Env", "prod", "Scope"]}, "ScopeDescription": "T"},
                         {"ScopeName": {"Ref": "Ssm"}, "ScopeDescription": "S"}]}},
            "Other": {"Type": "AWS::Cognito::UserPoolResourceServer", "Properties": {
              "Identifier": {"Ref": "Unknown"}, "Name": "other",
              "Scopes": {"Fn::If": ["C", [], []]}}},
            "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
              "AllowedOAuthScopes": [{"Fn::Sub": "${Rs}/pets"},
                {"Fn::Join": ["/", [{"Ref": "Rs"}, "tracks"]]},
                {"Fn::Sub": ["${A}/${B}", {"A": {"Ref": "Id"}, "B": "x"}]},
                {"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]},
                {"Fn::GetAtt": ["Rs", "Identifier"]}]}}}}"#,
    );
    assert_eq!(source.format, SourceFormat::CloudFormation);
    let n = names(&file, &source);
    assert_eq!(n[0], "pets");
    assert_eq!(n[1], "tracks");
    assert!(
        n[2].starts_with("?{\"ScopeName\": {\"Ref\": \"Ssm\"}"),
        "{n:?}"
    );
    assert!(n[3].starts_with("?{\"Fn::If\""), "{n:?}");
    assert_eq!(file.text.get(source.scopes[0].span.clone()), Some("pets"));
    assert_eq!(servers(&source), [API, API, API, None]);
    assert_eq!(
        grants(&source),
        [
            Some("https://api.example.com/pets".into()),
            Some("https://api.example.com/tracks".into()),
            Some("https://api.example.com/x".into()),
            Some("b".into()),
            None,
        ]
    );
    assert!(source.problems.is_empty(), "{:?}", source.problems);
}

#[test]
fn cloudformation_ref_cycles_and_depth_are_unknown() {
    let (_, source) = ok(
        "t.yaml",
        "Resources:\n  A:\n    Type: AWS::Cognito::UserPoolResourceServer\n    Properties:\n\
         \x20     Identifier: !Ref A\n      Name: a\n      Scopes: [{ScopeName: !Sub \"${A}\"}]\n",
    );
    assert_eq!(source.scopes.len(), 1);
    assert_eq!(source.scopes[0].name, None);
    assert_eq!(source.scopes[0].resource_server, None);
}

#[test]
fn cloudformation_without_cognito_is_reported() {
    let (_, source) = ok(
        "t.yaml",
        "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B: {Type: AWS::S3::Bucket}\n",
    );
    assert_eq!(source.format, SourceFormat::CloudFormation);
    assert!(source.scopes.is_empty());
    assert_eq!(source.grants, None);
    assert_eq!(source.problems.len(), 1);
}

#[test]
fn cloudformation_fixtures() {
    for path in ["cloudformation/cognito.yaml", "cloudformation/cognito.json"] {
        let (file, source) = fixture(path);
        assert_eq!(source.format, SourceFormat::CloudFormation, "{path}");
        assert_eq!(names(&file, &source), ["tracks", "pets"], "{path}");
        spans_are_names(&file, &source);
        assert_eq!(servers(&source), [API, API], "{path}");
        assert!(source.problems.is_empty(), "{path}: {:?}", source.problems);
        let g = grants(&source);
        assert_eq!(
            g[0].as_deref(),
            Some("https://api.example.com/tracks"),
            "{path}"
        );
        assert_eq!(
            g[1].as_deref(),
            Some("https://api.example.com/pets"),
            "{path}"
        );
        assert_eq!(g.len(), 3, "{path}");
    }
    // `${Stage}` has no default: unknown, not missing.
    let (_, source) = fixture("cloudformation/cognito.yaml");
    assert_eq!(grants(&source)[2], None);
}

#[test]
fn cognito_cli() {
    let (file, source) = fixture("cognito-cli/describe-resource-server.json");
    assert_eq!(source.format, SourceFormat::CognitoCli);
    assert_eq!(names(&file, &source), ["tracks", "pets"]);
    spans_are_names(&file, &source);
    assert_eq!(servers(&source), [API, API]);
    assert_eq!(
        source.scopes[0].resource_server_name.as_deref(),
        Some("portal-api")
    );
    assert_eq!(source.grants, None);
    assert!(source.complete);

    let (file, source) = fixture("cognito-cli/list-resource-servers.json");
    assert_eq!(source.format, SourceFormat::CognitoCli);
    assert_eq!(names(&file, &source), ["tracks", "pets", "catstronauts"]);
    spans_are_names(&file, &source);
    assert_eq!(servers(&source), [API, API, Some("access")]);

    let (_, source) = ok(
        "x.json",
        r#"{"ResourceServer": {"Identifier": "a", "Scopes": [{"ScopeDescription": "d"}, {"ScopeName": ""}]}}"#,
    );
    assert!(source.scopes.is_empty());
    assert_eq!(source.problems.len(), 2, "{:?}", source.problems);
}

#[test]
fn okta_scopes() {
    let (file, source) = fixture("okta/scopes.json");
    assert_eq!(source.format, SourceFormat::OktaScopes);
    assert_eq!(names(&file, &source), ["openid", "petstore", "tracks"]);
    spans_are_names(&file, &source);
    assert!(source.complete);
    assert_eq!(source.grants, None);
    assert!(
        source
            .scopes
            .iter()
            .all(|s| s.enabled && s.resource_server.is_none())
    );
}

#[test]
fn oidc_metadata_is_incomplete() {
    let (file, source) = fixture("oidc-metadata/oauth-authorization-server.json");
    assert_eq!(source.format, SourceFormat::OidcMetadata);
    assert!(!source.complete);
    assert_eq!(
        names(&file, &source),
        ["openid", "profile", "email", "offline_access", "tracks"]
    );
    spans_are_names(&file, &source);
    let (_, source) = ok(
        "m.yaml",
        "issuer: https://x\ntoken_endpoint: https://x/token\n",
    );
    assert_eq!(source.format, SourceFormat::OidcMetadata);
    assert!(source.scopes.is_empty() && !source.complete);
    assert_eq!(source.problems.len(), 1);
}

#[test]
fn keycloak_realm() {
    let (file, source) = fixture("keycloak/realm-export.json");
    assert_eq!(source.format, SourceFormat::KeycloakRealm);
    assert_eq!(names(&file, &source), ["tracks", "pets", "web-origins"]);
    spans_are_names(&file, &source);
    let enabled: Vec<bool> = source.scopes.iter().map(|s| s.enabled).collect();
    assert_eq!(enabled, [true, true, false]);
    assert_eq!(
        grants(&source),
        [
            Some("web-origins".into()),
            Some("tracks".into()),
            Some("pets".into())
        ]
    );
    for g in source.grants.iter().flatten() {
        assert_eq!(file.text.get(g.span.clone()), g.scope.as_deref());
    }
    let (_, source) = ok(
        "realm.yaml",
        "realm: portal\nclientScopes:\n  - name: $(env:SCOPE)\n    protocol: openid-connect\n",
    );
    assert_eq!(source.scopes[0].name, None);
    assert_eq!(source.grants, None);
}

#[test]
fn auth0_deploy_cli() {
    let (file, source) = fixture("auth0/tenant.yaml");
    assert_eq!(source.format, SourceFormat::Auth0DeployCli);
    let n = names(&file, &source);
    assert_eq!(n[..2], ["tracks", "pets"]);
    assert!(n[2].starts_with("?value: \"##ENV##-admin\""), "{n:?}");
    spans_are_names(&file, &source);
    assert_eq!(servers(&source), [API, API, API]);
    assert_eq!(
        source.scopes[0].resource_server_name.as_deref(),
        Some("Portal API")
    );

    let (file, source) = fixture("auth0/resource-servers/portal-api.json");
    assert_eq!(source.format, SourceFormat::Auth0DeployCli);
    assert_eq!(names(&file, &source), ["tracks", "pets"]);
    spans_are_names(&file, &source);
    assert_eq!(servers(&source), [API, API]);
    assert!(source.problems.is_empty());
}

#[test]
fn entra_manifests() {
    let (file, source) = fixture("entra/manifest.json");
    assert_eq!(source.format, SourceFormat::EntraManifest);
    assert_eq!(names(&file, &source), ["tracks", "pets"]);
    spans_are_names(&file, &source);
    let enabled: Vec<bool> = source.scopes.iter().map(|s| s.enabled).collect();
    assert_eq!(enabled, [true, false]);
    assert_eq!(servers(&source), [Some("api://portal"); 2]);

    let portal = Some(vec![Some("api://portal".to_owned())]);
    assert!(source.scopes.iter().all(|s| s.app_id_uris == portal));

    let (file, source) = fixture("entra/legacy-manifest.json");
    assert_eq!(source.format, SourceFormat::EntraManifest);
    assert_eq!(names(&file, &source), ["tracks", "pets"]);
    spans_are_names(&file, &source);
    assert!(source.scopes.iter().all(|s| s.enabled));
    assert!(source.scopes.iter().all(|s| s.app_id_uris == portal));
}

#[test]
fn entra_scopes_keep_every_identifier_uri() {
    let (_, source) = ok(
        "manifest.json",
        r#"{"appId": "a", "identifierUris": ["api://0c7e9f5a", "", "https://contoso.com/portal"],
            "api": {"oauth2PermissionScopes": [{"value": "tracks", "isEnabled": true}]}}"#,
    );
    let scope = &source.scopes[0];
    // The first URI stays the resource server; the configured one may be any of them.
    assert_eq!(scope.resource_server.as_deref(), Some("api://0c7e9f5a"));
    assert_eq!(
        scope.app_id_uris,
        Some(vec![
            Some("api://0c7e9f5a".to_owned()),
            Some("https://contoso.com/portal".to_owned())
        ])
    );
    assert!(source.problems.is_empty(), "{:?}", source.problems);

    // No App ID URI at all: the list is known and empty (no configured URI can match).
    let (_, source) = ok(
        "manifest.json",
        r#"{"appId": "a", "identifierUris": [], "api": {"oauth2PermissionScopes": [{"value": "tracks"}]}}"#,
    );
    assert_eq!(source.scopes[0].app_id_uris, Some(vec![]));
    assert_eq!(source.scopes[0].resource_server, None);

    // A malformed list is reported and left unknown.
    let (_, source) = ok(
        "manifest.json",
        r#"{"appId": "a", "identifierUris": "api://portal", "api": {"oauth2PermissionScopes": [{"value": "tracks"}]}}"#,
    );
    assert_eq!(source.scopes[0].app_id_uris, Some(vec![None]));
    assert_eq!(source.problems.len(), 1, "{:?}", source.problems);

    // Other formats have no App ID URIs.
    let (_, source) = fixture("okta/scopes.json");
    assert!(source.scopes.iter().all(|s| s.app_id_uris.is_none()));
}

#[test]
fn unrelated_files_are_unknown() {
    for (name, text) in [
        (
            "package.json",
            r#"{"name": "x", "version": "1.0.0", "scripts": {}}"#,
        ),
        ("list.json", r#"[{"name": "a"}, {"name": "b"}]"#),
        ("empty.yaml", ""),
        ("scalar.yaml", "hello\n"),
        (
            "k8s.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        ),
    ] {
        let (_, result) = load(name, text);
        assert_eq!(result, Err(SourceError::UnknownFormat), "{name}");
    }
}

#[test]
fn detection_ignores_the_file_name() {
    let (_, source) = ok(
        "resource-servers.yaml",
        r#"[{"name": "a", "system": false}]"#,
    );
    assert_eq!(source.format, SourceFormat::OktaScopes);
}

#[test]
fn other_documents_are_reported() {
    let (_, source) = ok(
        "multi.yaml",
        "issuer: a\nscopes_supported: [x]\n---\nissuer: b\nscopes_supported: [y]\n---\nfoo: 1\n",
    );
    assert_eq!(source.format, SourceFormat::OidcMetadata);
    assert_eq!(source.scopes.len(), 2);
    assert_eq!(source.problems.len(), 1);
}
