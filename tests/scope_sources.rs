//! Every scope-source format through the full check. Each `testdata/scope-sources/<format>/` is
//! a small repository: one identity provider whose scopes come from a file in that format, and
//! API products of which one matches its scope and one is a near miss. The test checks that the
//! file is read as its format, that the matching product raises nothing, and that the near miss
//! gets its finding and the right "did you mean"; the rendered diagnostics are snapshotted in
//! `tests/snapshots/scope_sources/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fmt::Write;
use std::path::PathBuf;

use portico::CheckResult;
use portico::load::yaml::Document;
use portico::model::scopes::{self, SourceFormat};

/// What one format's repository must show.
struct Case {
    /// Directory under `testdata/scope-sources`.
    dir: &'static str,
    /// The scope source file, relative to the directory, and the format it must be read as.
    sources: &'static [(&'static str, SourceFormat)],
    /// Product ids whose scope is declared: no PC303 or PC307 may name them.
    matching: &'static [&'static str],
    /// Near misses: the product id, the code it must raise, and text its help must hold.
    misses: &'static [(&'static str, &'static str, &'static str)],
    /// Every code the run reports, sorted (PC308 marks the scope a near miss left unused).
    codes: &'static [&'static str],
}

fn dir(case: &Case) -> PathBuf {
    common::root().join("testdata/scope-sources").join(case.dir)
}

/// The format each scope source is read as, by the same reader the check uses.
fn formats(result: &CheckResult, case: &Case) -> Vec<(String, Option<SourceFormat>)> {
    case.sources
        .iter()
        .map(|(name, _)| {
            let (_, file) = result
                .repo
                .sources
                .iter()
                .find(|(_, f)| f.name == *name)
                .unwrap_or_else(|| panic!("{}: {name} was not read", case.dir));
            // The check released its trees; the documents are the file parsed again.
            let documents: Vec<Document> = portico::load::yaml::parse(file).documents;
            let format = scopes::read(file, &documents).ok().map(|s| s.format);
            ((*name).to_owned(), format)
        })
        .collect()
}

fn run(case: &Case) {
    let result = common::check_path(&dir(case));
    let rendered = common::human(&result);
    let context = format!("{}:\n{rendered}", case.dir);

    for ((name, format), (_, expected)) in formats(&result, case).iter().zip(case.sources) {
        assert_eq!(format.as_ref(), Some(expected), "{}: {name}", case.dir);
    }

    let mut codes: Vec<&str> = result.diagnostics.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    assert_eq!(codes, case.codes, "{context}");

    let about = |product: &str| {
        let needle = format!("API product `{product}` ");
        result
            .diagnostics
            .iter()
            .filter(move |d| d.finding.message.starts_with(&needle))
            .collect::<Vec<_>>()
    };
    for product in case.matching {
        let found = about(product);
        assert!(
            found.is_empty(),
            "{}: matching product `{product}` is reported: {:?}",
            case.dir,
            found.iter().map(|d| d.code).collect::<Vec<_>>()
        );
    }
    for (product, code, help) in case.misses {
        let found = about(product);
        assert_eq!(
            found.iter().map(|d| d.code).collect::<Vec<_>>(),
            [*code],
            "{context}"
        );
        let text = found[0].finding.help.as_deref().unwrap_or_default();
        assert!(
            text.contains(help),
            "{}: help for `{product}` lacks {help:?}: {text}",
            case.dir
        );
    }

    let mut snapshot = String::new();
    writeln!(snapshot, "=== {}", case.dir).unwrap();
    for (name, format) in case.sources {
        writeln!(snapshot, "scope source {name}: {format:?}").unwrap();
    }
    for product in case.matching {
        writeln!(snapshot, "matches: {product}").unwrap();
    }
    for (product, code, help) in case.misses {
        writeln!(snapshot, "near miss: {product} ({code}, help: {help})").unwrap();
    }
    snapshot.push_str("=== diagnostics\n");
    snapshot.push_str(&rendered);
    insta::with_settings!({snapshot_path => "snapshots/scope_sources", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(case.dir, snapshot);
    });
}

const CASES: &[Case] = &[
    Case {
        dir: "terraform",
        sources: &[("idp/cognito.tf", SourceFormat::Terraform)],
        matching: &["https://api.example.com/tracks"],
        misses: &[(
            "portal-api/petstore",
            "PC303",
            "write `apiProductId: https://api.example.com/petstore` (tokens carry the resource server's Identifier, not its Name)",
        )],
        codes: &["PC303", "PC308"],
    },
    Case {
        dir: "terraform-okta",
        sources: &[("idp/okta.tf", SourceFormat::Terraform)],
        matching: &["tracks"],
        misses: &[(
            "pet-store",
            "PC303",
            "the closest declared scope is `petstore` (a small typo)",
        )],
        codes: &["PC303", "PC308"],
    },
    Case {
        dir: "cloudformation-yaml",
        sources: &[("idp/cognito.yaml", SourceFormat::CloudFormation)],
        matching: &["https://api.example.com/tracks"],
        misses: &[(
            "http://api.example.com/petstore",
            "PC303",
            "write `apiProductId: https://api.example.com/petstore`",
        )],
        codes: &["PC303", "PC308"],
    },
    Case {
        dir: "cloudformation-json",
        sources: &[("idp/cognito.json", SourceFormat::CloudFormation)],
        matching: &["https://api.example.com/tracks"],
        misses: &[(
            "https://api.example.com/petstore/",
            "PC303",
            "write `apiProductId: https://api.example.com/petstore` (a slash is part of the scope string)",
        )],
        codes: &["PC303", "PC308"],
    },
    Case {
        dir: "cognito-cli-json",
        sources: &[(
            "idp/describe-resource-server.json",
            SourceFormat::CognitoCli,
        )],
        matching: &["https://api.example.com/tracks"],
        misses: &[(
            "petstore",
            "PC303",
            "write `apiProductId: https://api.example.com/petstore` (the token carries the scope with its resource server identifier)",
        )],
        codes: &["PC303", "PC308"],
    },
    Case {
        dir: "okta-scopes-json",
        sources: &[("idp/scopes.json", SourceFormat::OktaScopes)],
        matching: &["tracks"],
        misses: &[(
            "Petstore",
            "PC303",
            "`petstore` (scopes are case-sensitive)",
        )],
        codes: &["PC303", "PC308"],
    },
    Case {
        dir: "oidc-metadata",
        sources: &[(
            "idp/oauth-authorization-server.json",
            SourceFormat::OidcMetadata,
        )],
        matching: &["tracks"],
        misses: &[(
            "petstor",
            "PC307",
            "metadata may omit unpublished scopes: list a source that declares them to check for sure; the closest published scope is `petstore` (a small typo)",
        )],
        codes: &["PC307", "PC308"],
    },
    Case {
        dir: "keycloak-realm",
        sources: &[("idp/realm-export.json", SourceFormat::KeycloakRealm)],
        matching: &["tracks"],
        misses: &[(
            "https://api.example.com/petstore",
            "PC303",
            "`petstore` (the token carries the bare scope name): write `apiProductId: petstore`",
        )],
        codes: &["PC303", "PC308"],
    },
    Case {
        dir: "auth0-deploy-cli",
        sources: &[("idp/tenant.yaml", SourceFormat::Auth0DeployCli)],
        matching: &["read:tracks"],
        misses: &[(
            "read-petstore",
            "PC303",
            "`read:petstore` (`-`, `_`, `.` and `:` are different characters in a scope): write `apiProductId: read:petstore`",
        )],
        codes: &["PC303", "PC308"],
    },
    Case {
        dir: "entra-manifest",
        sources: &[
            ("idp/portal-manifest.json", SourceFormat::EntraManifest),
            ("idp/billing-manifest.json", SourceFormat::EntraManifest),
        ],
        matching: &["tracks"],
        misses: &[
            (
                "api://portal/petstore",
                "PC303",
                "write `apiProductId: petstore`: Entra access tokens carry the bare scope value `petstore` in `scp`",
            ),
            (
                "invoices",
                "PC303",
                "declared by the Entra application with identifierUris `api://billing`, not by the one with `api://portal`",
            ),
        ],
        codes: &["PC303", "PC303", "PC308"],
    },
    // Not a format of its own: the Entra manifest again, with a `resourceServer` that none of its
    // identifierUris is, so no product matches and the help names the URI it has.
    Case {
        dir: "entra-manifest-wrong-uri",
        sources: &[("idp/portal-manifest.json", SourceFormat::EntraManifest)],
        matching: &[],
        misses: &[
            (
                "tracks",
                "PC303",
                "declared by the Entra application with identifierUris `api://portal`, but entra-portal is configured with resourceServer `api://portal-api`, which no application in its scope sources has: write `resourceServer: api://portal` in portico.yaml",
            ),
            (
                "api://portal-api/petstore",
                "PC303",
                "write `resourceServer: api://portal` in portico.yaml, or add `api://portal-api` to that application's identifierUris; then write `apiProductId: petstore`",
            ),
        ],
        codes: &["PC303", "PC303"],
    },
    Case {
        dir: "inline-scopes",
        sources: &[],
        matching: &["tracks"],
        misses: &[(
            "petstore.read",
            "PC303",
            "the closest declared scope is `petstore:read` (`-`, `_`, `.` and `:` are different characters in a scope)",
        )],
        codes: &["PC303"],
    },
];

fn case(dir: &str) -> &'static Case {
    CASES
        .iter()
        .find(|c| c.dir == dir)
        .unwrap_or_else(|| panic!("no case for {dir}"))
}

#[test]
fn every_fixture_has_a_case() {
    let mut dirs: Vec<String> = std::fs::read_dir(common::root().join("testdata/scope-sources"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("portico.yaml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut cases: Vec<&str> = CASES.iter().map(|c| c.dir).collect();
    cases.sort_unstable();
    assert_eq!(dirs, cases);
}

#[test]
fn terraform() {
    run(case("terraform"));
}

#[test]
fn terraform_okta() {
    run(case("terraform-okta"));
}

#[test]
fn cloudformation_yaml() {
    run(case("cloudformation-yaml"));
}

#[test]
fn cloudformation_json() {
    run(case("cloudformation-json"));
}

#[test]
fn cognito_cli_json() {
    run(case("cognito-cli-json"));
}

#[test]
fn okta_scopes_json() {
    run(case("okta-scopes-json"));
}

#[test]
fn oidc_metadata() {
    run(case("oidc-metadata"));
}

#[test]
fn keycloak_realm() {
    run(case("keycloak-realm"));
}

#[test]
fn auth0_deploy_cli() {
    run(case("auth0-deploy-cli"));
}

#[test]
fn entra_manifest() {
    run(case("entra-manifest"));
}

#[test]
fn entra_manifest_wrong_uri() {
    run(case("entra-manifest-wrong-uri"));
}

#[test]
fn inline_scopes() {
    run(case("inline-scopes"));
}
