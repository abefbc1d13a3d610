//! Issue 16, the artifacts: what `portico build` writes is right, and what a pull request
//! controls (policy names, `portico.yaml`, suppressions, the baseline) cannot make it write a
//! wrong one. Two policies sharing an AuthConfig name (PC602), names Kubernetes refuses
//! (PC603), private JWK members (PC407), and quieted findings that make an artifact wrong all
//! refuse the build, name the reason on stderr and write nothing.
//!
//! The red-team follow-up (D4–D7, D10): private keys hidden in a JWKS where serde_json does
//! not look, names too long for a file, two tables sharing one artifact, an empty namespace, an
//! AuthConfig kept by hand under a generated name, and PC402 missing from the findings that
//! refuse a build.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

/// `portico ARGS` in `dir`: exit code, stdout, stderr.
fn portico(dir: &Path, args: &[&str]) -> (i32, String, String) {
    common::portico_in(dir, args)
}

/// A copy of the portal-okta example in a temporary directory, with `edit` applied to the
/// text of each file (by relative path).
fn portal_okta(edit: &dyn Fn(&str, String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    common::copy_tree(
        &common::root().join("testdata/repos/portal-okta"),
        &repo,
        &|_, rel| rel.to_string(),
    );
    for rel in [
        "portico.yaml",
        "auth/ext-auth-policy.yaml",
        "auth/ext-auth-server.yaml",
        "auth/okta-scope-policy.yaml",
        "routes/api-example-com.yaml",
        "routes/petstore-rt.yaml",
        "routes/tracks-rt.yaml",
    ] {
        let path = repo.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, edit(rel, text)).unwrap();
    }
    dir
}

/// Builds `repo` into `out` beside it; asserts the refusal and that nothing was written, and
/// returns stderr.
fn refused(dir: &Path) -> String {
    let (code, _, stderr) = portico(dir, &["build", "repo", "--out", "out"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("build refused"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert!(!dir.join("out").exists(), "a refused build wrote files");
    stderr
}

const SERVER_CLUSTER: &str = "      cluster: cluster1\n    glooAuth:";

#[test]
fn the_unedited_example_builds() {
    let dir = portal_okta(&|_, text| text);
    let (code, _, stderr) = portico(dir.path(), &["build", "repo", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        dir.path()
            .join("out/authconfigs/gloo-mesh-addons/oauth-okta-gloo-mesh-cluster1-ext-auth-service.yaml")
            .is_file()
    );
}

/// Item 7: `b/p-a` and `a-b/p` both compile to `p-a-b-cluster1-ext-auth-service`.
#[test]
fn two_policies_with_one_authconfig_name_refuse_the_build() {
    let fixture = common::root().join("testdata/rules/PC602-authconfig-name-collision");
    let dir = tempfile::tempdir().unwrap();
    common::copy_tree(
        &fixture.join("fail"),
        &dir.path().join("repo"),
        &|_, rel| rel.to_string(),
    );
    let stderr = refused(dir.path());
    assert!(stderr.contains("PC602"), "{stderr}");
    assert!(
        stderr.contains("ExtAuthPolicy/b/p-a and ExtAuthPolicy/a-b/p both compile to AuthConfig `p-a-b-cluster1-ext-auth-service`"),
        "{stderr}"
    );
    // `check` reports it too, at one policy with the other as related location.
    let result = common::check_path(&fixture.join("fail"));
    let finding = result
        .diagnostics
        .iter()
        .find(|d| d.code == "PC602")
        .expect("PC602");
    assert_eq!(finding.finding.related.len(), 1);
    let names: Vec<&str> = [&finding.finding.span, &finding.finding.related[0].span]
        .iter()
        .map(|s| result.repo.sources.get(s.file).name.as_str())
        .collect();
    assert_eq!(names, ["api-key-policy.yaml", "ext-auth-policy.yaml"]);
    // Renamed, the two policies build two AuthConfigs.
    let built = portico::build(&portico::CheckRequest {
        inputs: vec![portico::load::Input::Path(fixture.join("pass"))],
        ..Default::default()
    })
    .unwrap();
    let artifacts = built.artifacts.unwrap().unwrap();
    let authconfigs: Vec<&String> = artifacts
        .keys()
        .filter(|k| k.starts_with("authconfigs/"))
        .collect();
    assert_eq!(
        authconfigs,
        [
            "authconfigs/gloo-mesh-addons/p-a-b-cluster1-ext-auth-service.yaml",
            "authconfigs/gloo-mesh-addons/p-main-a-b-cluster1-ext-auth-service.yaml"
        ]
    );
}

/// Item 8: the placeholder of the issue gives `oauth-okta-gloo-mesh-$CLUSTER_NAME-ext-auth-service`.
/// PC006 reports it once (PC603 stays quiet about a placeholder); the build refuses, also when
/// the placeholder is suppressed.
#[test]
fn a_placeholder_in_a_generated_name_refuses_the_build_even_when_suppressed() {
    let with_placeholder = |suppressed: bool| {
        move |rel: &str, text: String| {
            if rel != "auth/ext-auth-policy.yaml" {
                return text;
            }
            let comment = if suppressed {
                "      # portico-ignore: PC006 -- envsubst runs in the deploy job\n"
            } else {
                ""
            };
            text.replace(
                SERVER_CLUSTER,
                &format!("{comment}      cluster: $CLUSTER_NAME\n    glooAuth:"),
            )
        }
    };
    let dir = portal_okta(&with_placeholder(false));
    let result = common::check_path(&dir.path().join("repo"));
    let codes: Vec<&str> = result.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["PC006"], "{}", common::human(&result));
    let stderr = refused(dir.path());
    assert!(stderr.contains("PC006"), "{stderr}");

    let dir = portal_okta(&with_placeholder(true));
    let result = common::check_path(&dir.path().join("repo"));
    assert!(result.diagnostics.is_empty(), "{}", common::human(&result));
    let stderr = refused(dir.path());
    assert!(
        stderr.contains("PC006 repo/auth/ext-auth-policy.yaml:")
            || stderr.contains("PC006 auth/ext-auth-policy.yaml:"),
        "{stderr}"
    );
    assert!(stderr.contains("$CLUSTER_NAME"), "{stderr}");
    assert!(
        stderr.contains("suppressed at") && stderr.contains("envsubst runs in the deploy job"),
        "{stderr}"
    );
}

/// Item 8: a name Kubernetes refuses, reported at the value it comes from (here the ext auth
/// service's namespace, which becomes the AuthConfig's namespace and the cluster's host).
#[test]
fn an_invalid_generated_name_refuses_the_build() {
    let dir = portal_okta(&|rel, text| {
        if rel == "auth/ext-auth-server.yaml" {
            text.replace("namespace: gloo-mesh-addons", "namespace: Gloo_Mesh_Addons")
        } else {
            text
        }
    });
    let result = common::check_path(&dir.path().join("repo"));
    let found: Vec<(&str, String)> = result
        .diagnostics
        .iter()
        .map(|d| {
            let file = result.repo.sources.get(d.finding.span.file);
            let at = file.line_col(d.finding.span.range.start);
            (d.code, format!("{}:{}", file.name, at.line))
        })
        .collect();
    let server =
        std::fs::read_to_string(dir.path().join("repo/auth/ext-auth-server.yaml")).unwrap();
    let line = server
        .lines()
        .position(|l| l.contains("Gloo_Mesh_Addons"))
        .unwrap()
        + 1;
    assert_eq!(
        found,
        [("PC603", format!("auth/ext-auth-server.yaml:{line}"))],
        "{}",
        common::human(&result)
    );
    let stderr = refused(dir.path());
    assert!(stderr.contains("PC603"), "{stderr}");
}

/// Item 9: a finding that makes an artifact wrong refuses the build however portico.yaml
/// quiets it: baselined, lowered to a warning, or its rule turned off.
#[test]
fn quieted_findings_that_break_artifacts_still_refuse_the_build() {
    let placeholder = |rel: &str, text: String| {
        if rel == "auth/ext-auth-policy.yaml" {
            text.replace(
                SERVER_CLUSTER,
                "      cluster: $CLUSTER_NAME\n    glooAuth:",
            )
        } else {
            text
        }
    };
    // Baselined.
    let dir = portal_okta(&placeholder);
    let (code, _, stderr) = portico(
        dir.path(),
        &["check", "repo", "--write-baseline", "repo/baseline.json"],
    );
    assert_eq!(code, 0, "{stderr}");
    let config = dir.path().join("repo/portico.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}baseline: baseline.json\n")).unwrap();
    let (code, stdout, _) = portico(dir.path(), &["check", "repo"]);
    assert_eq!(code, 0, "the baseline quiets `check`: {stdout}");
    let stderr = refused(dir.path());
    assert!(
        stderr.contains("PC006") && stderr.contains("recorded in the baseline"),
        "{stderr}"
    );
    // Lowered, and turned off.
    for (level, said) in [
        ("warning", "lowered to warning in portico.yaml"),
        ("off", "its rule is off in portico.yaml"),
    ] {
        let dir = portal_okta(&|rel, text| {
            if rel == "portico.yaml" {
                format!("{text}rules:\n  PC006: {level}\n")
            } else {
                placeholder(rel, text)
            }
        });
        let (code, _, _) = portico(dir.path(), &["check", "repo"]);
        assert_eq!(code, 0, "{level}: `check` is quiet");
        let stderr = refused(dir.path());
        assert!(
            stderr.contains("PC006") && stderr.contains(said),
            "{stderr}"
        );
    }
    // A finding about what the configuration means, not about what is compiled, is the
    // baseline's to quiet: the build goes on.
    let dir = portal_okta(&|rel, text| {
        if rel == "auth/ext-auth-policy.yaml" {
            text.replace("usagePlans: dev-portal", "usagePlans: dev-portl")
        } else {
            text
        }
    });
    let (_, _, stderr) = portico(
        dir.path(),
        &["check", "repo", "--write-baseline", "repo/baseline.json"],
    );
    assert!(stderr.contains("recorded"), "{stderr}");
    let config = dir.path().join("repo/portico.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}baseline: baseline.json\n")).unwrap();
    let (code, _, stderr) = portico(dir.path(), &["build", "repo", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
}

/// Item 10: private JWK members are reported at the member (PC407), refuse the build even when
/// suppressed, and are never copied into an AuthConfig by the emitter.
#[test]
fn private_jwk_members_are_reported_and_never_emitted() {
    let jwks = r#"{"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "n": "nxmG2hr_nqptEWAPdee2RcUfJRydWcfDQso7iEyNcwJbjEOoRY6Mbgt0WDq7zJzlCOZu_ykMeJoJwBn7ITOMYfEjXzK1gdKextGd0XTgWeVmhdEPUZpeWfhT_RvNdXUAtjVwEhCgWMW-EtrogvQ6eqfKFobjMRgTdcX0wEJr-kE", "e": "AQAB", "d": "c2VjcmV0LWV4cG9uZW50", "p": "cHJpbWUtb25l", "q": "cHJpbWUtdHdv"}, {"kty": "oct", "kid": "hmac", "k": "c2hhcmVkLXNlY3JldA"}]}"#;
    let with_key = |suppressed: bool| {
        move |rel: &str, text: String| {
            if rel != "auth/ext-auth-policy.yaml" {
                return text;
            }
            let comment = if suppressed {
                "                  # portico-ignore: PC407 -- a test key\n"
            } else {
                ""
            };
            text.replace(
                "                remoteJwks:\n                  url: https://dev-1234567.okta.com/oauth2/default/v1/keys\n",
                &format!("                localJwks:\n{comment}                  inlineString: '{jwks}'\n"),
            )
        }
    };
    let dir = portal_okta(&with_key(false));
    let result = common::check_path(&dir.path().join("repo"));
    let found: Vec<(&str, &str)> = result
        .diagnostics
        .iter()
        .map(|d| {
            let file = result.repo.sources.get(d.finding.span.file);
            (d.code, &file.text[d.finding.span.range.clone()])
        })
        .collect();
    assert_eq!(
        found,
        [("PC407", "\"d\""), ("PC407", "\"k\"")],
        "{}",
        common::human(&result)
    );
    assert!(refused(dir.path()).contains("PC407"));

    let dir = portal_okta(&with_key(true));
    let result = common::check_path(&dir.path().join("repo"));
    assert!(
        result.diagnostics.iter().all(|d| d.code != "PC407"),
        "{}",
        common::human(&result)
    );
    let stderr = refused(dir.path());
    assert!(
        stderr.contains("PC407") && stderr.contains("a test key"),
        "{stderr}"
    );

    // The emitter itself drops the private members and the secret key, whatever the gate did.
    let authconfigs = portico::emit::authconfig::emit(&result.repo, &result.model).unwrap();
    let (_, document) = &authconfigs[0];
    let text = document
        .pointer("/spec/configs/0/oauth2/accessTokenValidation/jwt/localJwks/inlineString")
        .and_then(serde_json::Value::as_str)
        .unwrap();
    let emitted: serde_json::Value = serde_json::from_str(text).unwrap();
    let keys = emitted["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{text}");
    let members: Vec<&String> = keys[0].as_object().unwrap().keys().collect();
    assert_eq!(members, ["kty", "kid", "use", "n", "e"], "{text}");
}

/// The public half of the test key, and its private members (not a real key: the values only
/// have to be recognisable in the output).
const PUBLIC_KEY: &str = r#"{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": "nxmG2hr_nqptEWAPdee2RcUfJRydWcfDQso7iEyNcwJbjEOoRY6Mbgt0WDq7zJzlCOZu_ykMeJoJwBn7ITOMYfEjXzK1gdKextGd0XTgWeVmhdEPUZpeWfhT_RvNdXUAtjVwEhCgWMW-EtrogvQ6eqfKFobjMRgTdcX0wEJr-kE", "e": "AQAB"}"#;
const PRIVATE_MEMBERS: &str = r#""d": "c2VjcmV0LWV4cG9uZW50", "p": "cHJpbWUtb25l", "q": "cHJpbWUtdHdv", "dp": "ZXhwLW9uZQ", "dq": "ZXhwLXR3bw", "qi": "Y29lZmY""#;
const PRIVATE_VALUES: [&str; 6] = [
    "c2VjcmV0LWV4cG9uZW50",
    "cHJpbWUtb25l",
    "cHJpbWUtdHdv",
    "ZXhwLW9uZQ",
    "ZXhwLXR3bw",
    "Y29lZmY",
];

fn private_key() -> String {
    format!("{}, {PRIVATE_MEMBERS}}}", PUBLIC_KEY.trim_end_matches('}'))
}

/// The portal-okta example with `jwks` as the inline JWKS of its policy, and `comment` (a
/// suppression, or nothing) on the line above it.
fn with_inline_jwks(jwks: &str, comment: &str) -> tempfile::TempDir {
    let jwks = jwks.to_string();
    let comment = comment.to_string();
    portal_okta(&move |rel, text| {
        if rel != "auth/ext-auth-policy.yaml" {
            return text;
        }
        let comment = if comment.is_empty() {
            String::new()
        } else {
            format!("                  # {comment}\n")
        };
        text.replace(
            "                remoteJwks:\n                  url: https://dev-1234567.okta.com/oauth2/default/v1/keys\n",
            &format!("                localJwks:\n{comment}                  inlineString: '{jwks}'\n"),
        )
    })
}

/// `code`'s findings as (text at the span, byte offset of its start).
fn found(result: &portico::CheckResult, code: &str) -> Vec<(String, usize)> {
    result
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| {
            let file = result.repo.sources.get(d.finding.span.file);
            (
                file.text[d.finding.span.range.clone()].to_string(),
                d.finding.span.range.start,
            )
        })
        .collect()
}

/// Every artifact the emitter writes for the repository, whatever the check found: what
/// would be written if a finding did not stop the build.
fn emit_regardless(repo: &Path) -> Result<portico::emit::Artifacts, portico::emit::EmitError> {
    let result = common::check_path(repo);
    let analysis = &result.analysis;
    portico::emit::emit(&portico::emit::EmitInput {
        repo: &result.repo,
        model: &result.model,
        index: &analysis.index,
        selections: &analysis.selections,
        rego: &analysis.rego,
        facts: &analysis.facts,
    })
}

/// Whether Envoy accepts the bootstrap at `path`: `Some(output)` when it refuses it, `None`
/// when it accepts it or Envoy is not installed (tests/build.rs holds the oracle test that
/// fails in CI without it; here a missing Envoy only skips the extra check).
fn envoy_refuses(path: &Path) -> Option<String> {
    let envoy = std::env::var_os("PORTICO_ENVOY")
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "envoy".into());
    let Ok(output) = Command::new(&envoy)
        .args([
            "--mode",
            "validate",
            "--disable-hot-restart",
            "--log-level",
            "error",
            "-c",
        ])
        .arg(path)
        .output()
    else {
        common::skipped("envoy is not available: the bootstrap was not validated");
        return None;
    };
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (!(output.status.success() && stdout.contains("OK")))
        .then(|| format!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr)))
}

/// D4: a private key in the first of two `keys` members, or under another member, was read by
/// nothing (serde_json keeps the last `keys` and only `keys` was read) and copied into the
/// AuthConfig with the text. PC407 finds it at its `"d"`, PC404 reports the member written
/// twice, the build refuses also when both are suppressed, and the emitter writes only the
/// public members of `keys`.
#[test]
fn private_keys_hidden_from_serde_json_are_reported_and_never_emitted() {
    let private = private_key();
    let variants = [
        (
            "private first",
            format!(r#"{{"keys": [{private}], "keys": [{PUBLIC_KEY}]}}"#),
            true,
        ),
        (
            "private last",
            format!(r#"{{"keys": [{PUBLIC_KEY}], "keys": [{private}]}}"#),
            true,
        ),
        (
            "private aside",
            format!(r#"{{"keys": [{PUBLIC_KEY}], "spare": {private}}}"#),
            false,
        ),
    ];
    for (what, jwks, duplicate) in &variants {
        let dir = with_inline_jwks(jwks, "");
        let result = common::check_path(&dir.path().join("repo"));
        let text =
            std::fs::read_to_string(dir.path().join("repo/auth/ext-auth-policy.yaml")).unwrap();
        let d_at = text.find(r#""d""#).unwrap();
        assert_eq!(
            found(&result, "PC407"),
            [(r#""d""#.to_string(), d_at)],
            "{what}: {}",
            common::human(&result)
        );
        let codes: Vec<&str> = result.diagnostics.iter().map(|d| d.code).collect();
        if *duplicate {
            let second_keys = text.rfind(r#""keys""#).unwrap();
            assert_eq!(
                found(&result, "PC404"),
                [(r#""keys""#.to_string(), second_keys)],
                "{what}: {}",
                common::human(&result)
            );
            assert_eq!(codes.len(), 2, "{what}: {codes:?}");
        } else {
            assert_eq!(codes, ["PC407"], "{what}");
        }
        assert!(refused(dir.path()).contains("PC407"), "{what}");

        // Suppressed, they still refuse the build.
        let codes = if *duplicate { "PC404, PC407" } else { "PC407" };
        let dir = with_inline_jwks(
            jwks,
            &format!("portico-ignore: {codes} -- a test key, rotated"),
        );
        let result = common::check_path(&dir.path().join("repo"));
        assert!(
            result.diagnostics.is_empty(),
            "{what}: {}",
            common::human(&result)
        );
        let stderr = refused(dir.path());
        assert!(stderr.contains("PC407"), "{what}: {stderr}");

        // The emitter writes the public key alone, whatever the gate did.
        let artifacts = emit_regardless(&dir.path().join("repo")).unwrap();
        let (path, authconfig) = artifacts
            .iter()
            .find(|(path, _)| path.starts_with("authconfigs/"))
            .unwrap();
        for value in PRIVATE_VALUES {
            assert!(!authconfig.contains(value), "{what}: {path}:\n{authconfig}");
        }
        assert!(!authconfig.contains("spare"), "{what}: {authconfig}");
        let document: serde_json::Value = yaml_serde::from_str(authconfig).unwrap();
        let inline = document
            .pointer("/spec/configs/0/oauth2/accessTokenValidation/jwt/localJwks/inlineString")
            .and_then(serde_json::Value::as_str)
            .unwrap();
        let public: serde_json::Value = serde_json::from_str(PUBLIC_KEY).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(inline).unwrap(),
            serde_json::json!({"keys": [public]}),
            "{what}"
        );
    }
}

/// D5: valid Kubernetes names too long for a file name (an AuthConfig name of 253
/// characters, a RouteTable of 240) built nothing ("File name too long"). Artifact file names
/// stay within 200 bytes; the documents keep the full names; two builds name the files alike.
#[test]
fn valid_names_too_long_for_a_file_name_build() {
    let policy = "a".repeat(253 - "-gloo-mesh-cluster1-ext-auth-service".len());
    let table = "r".repeat(240);
    let edit = |rel: &str, text: String| match rel {
        "auth/ext-auth-policy.yaml" => {
            text.replacen("  name: oauth-okta\n", &format!("  name: {policy}\n"), 1)
        }
        "routes/api-example-com.yaml" => text.replacen(
            "  name: api-example-com\n",
            &format!("  name: {table}\n"),
            1,
        ),
        _ => text,
    };
    let dir = portal_okta(&edit);
    let result = common::check_path(&dir.path().join("repo"));
    assert!(result.diagnostics.is_empty(), "{}", common::human(&result));
    let (code, _, stderr) = portico(dir.path(), &["build", "repo", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    let files = |root: &Path| {
        let mut files = Vec::new();
        for sub in [
            "authconfigs/gloo-mesh-addons",
            "envoy/routes",
            "envoy/clusters",
        ] {
            for entry in std::fs::read_dir(root.join(sub)).unwrap() {
                files.push(format!(
                    "{sub}/{}",
                    entry.unwrap().file_name().to_string_lossy()
                ));
            }
        }
        files.sort();
        files
    };
    let written = files(&dir.path().join("out"));
    for file in &written {
        let name = file.rsplit('/').next().unwrap();
        assert!(name.len() <= 200, "{file}: {} bytes", name.len());
    }
    let authconfig = written
        .iter()
        .find(|f| f.starts_with("authconfigs/"))
        .unwrap();
    assert!(
        authconfig.starts_with(&format!("authconfigs/gloo-mesh-addons/{}", &policy[..100])),
        "{authconfig}"
    );
    let text = std::fs::read_to_string(dir.path().join("out").join(authconfig)).unwrap();
    let document: serde_json::Value = yaml_serde::from_str(&text).unwrap();
    let name = format!("{policy}-gloo-mesh-cluster1-ext-auth-service");
    assert_eq!(document["metadata"]["name"], serde_json::json!(name));
    // Label values are at most 63 characters; the long name is an annotation instead.
    for (_, value) in document["metadata"]["labels"].as_object().unwrap() {
        assert!(value.as_str().unwrap().len() <= 63, "{value}");
    }
    assert_eq!(
        document["metadata"]["annotations"]["portico.dev/source-name"],
        serde_json::json!(policy)
    );
    // The RouteConfiguration keeps its virtual host, under a bounded name.
    let routes = written
        .iter()
        .find(|f| f.starts_with("envoy/routes/"))
        .unwrap();
    assert!(
        routes.starts_with(&format!(
            "envoy/routes/gloo-mesh-gateways.{}",
            &table[..100]
        )),
        "{routes}"
    );
    assert_eq!(
        envoy_refuses(&dir.path().join("out/envoy/bootstrap.yaml")),
        None,
        "Envoy refuses the bootstrap"
    );
    // Stable: a second build names every file alike.
    let (code, _, stderr) = portico(dir.path(), &["build", "repo", "--out", "again"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(files(&dir.path().join("again")), written);
}

/// D6: `x`/`y.z` and `x.y`/`z`, and `a/b` and `a_b` in one namespace, got one route file each
/// pair, and one RouteConfiguration silently replaced the other. PC603 reports the names the
/// API server refuses (and so refuses the build, also suppressed); the emitter itself gives
/// each table its own file and virtual host name.
#[test]
fn route_tables_never_share_an_artifact() {
    let tables = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .enumerate()
            .map(|(i, (namespace, name))| {
                format!(
                    "apiVersion: networking.gloo.solo.io/v2\nkind: RouteTable\nmetadata:\n  name: \"{name}\"\n  namespace: \"{namespace}\"\nspec:\n  hosts: [host{i}.example.com]\n  virtualGateways: [{{name: istio-ingressgateway, namespace: gloo-mesh-gateways}}]\n  http:\n    - name: r{i}\n      directResponse: {{status: 200, body: \"table {i}\"}}\n"
                )
            })
            .collect::<Vec<_>>()
            .join("---\n")
    };
    for (pairs, reported) in [
        (
            [("x", "y.z"), ("x.y", "z")],
            vec!["RouteTable namespace `x.y` is not a valid Kubernetes namespace: it holds `.`"],
        ),
        (
            [("gloo-mesh-gateways", "a/b"), ("gloo-mesh-gateways", "a_b")],
            vec![
                "RouteTable name `a/b` is not a valid Kubernetes name: it holds `/`",
                "RouteTable name `a_b` is not a valid Kubernetes name: it holds `_`",
            ],
        ),
    ] {
        let dir = portal_okta(&|_, text| text);
        let collide = dir.path().join("repo/routes/collide.yaml");
        std::fs::write(&collide, tables(&pairs)).unwrap();
        let result = common::check_path(&dir.path().join("repo"));
        let messages: Vec<&str> = result
            .diagnostics
            .iter()
            .map(|d| {
                assert_eq!(d.code, "PC603", "{}", common::human(&result));
                d.finding.message.as_str()
            })
            .collect();
        assert_eq!(messages.len(), reported.len(), "{}", common::human(&result));
        for (message, expected) in messages.iter().zip(&reported) {
            assert!(message.starts_with(expected), "{message}");
        }
        assert!(refused(dir.path()).contains("PC603"));

        let artifacts = emit_regardless(&dir.path().join("repo")).unwrap();
        let routes: Vec<&String> = artifacts
            .keys()
            .filter(|k| k.starts_with("envoy/routes/"))
            .collect();
        assert_eq!(routes.len(), 3, "{routes:?}");
        for i in 0..2 {
            assert_eq!(
                routes
                    .iter()
                    .filter(|path| artifacts[path.as_str()].contains(&format!("table {i}")))
                    .count(),
                1,
                "table {i}: {routes:?}"
            );
        }
        let bootstrap: serde_json::Value =
            yaml_serde::from_str(&artifacts["envoy/bootstrap.yaml"]).unwrap();
        let hosts = bootstrap
            .pointer("/static_resources/listeners/0/filter_chains/0/filters/0/typed_config/route_config/virtual_hosts")
            .and_then(serde_json::Value::as_array)
            .unwrap();
        let mut names: Vec<&str> = hosts.iter().map(|h| h["name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 3);
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 3, "virtual host names repeat: {names:?}");
        portico::emit::write(&dir.path().join("out"), &artifacts).unwrap();
        assert_eq!(
            envoy_refuses(&dir.path().join("out/envoy/bootstrap.yaml")),
            None,
            "Envoy refuses the bootstrap"
        );
    }
}

/// D7: `namespace: ""` is no namespace (the API server gives the object the request's); it
/// was read as a namespace of its own, and the build stopped with "internal error: … not an
/// artifact path". It is the default namespace, as an object without one.
#[test]
fn an_empty_namespace_is_the_default_namespace() {
    let dir = portal_okta(&|rel, text| {
        if rel == "routes/api-example-com.yaml" {
            text.replacen(
                "  namespace: gloo-mesh-gateways\n",
                "  namespace: \"\"\n",
                1,
            )
        } else {
            text
        }
    });
    let result = common::check_path(&dir.path().join("repo"));
    assert!(result.diagnostics.is_empty(), "{}", common::human(&result));
    let table = result
        .model
        .route_tables
        .iter()
        .find(|t| t.meta.id.name == "api-example-com")
        .unwrap();
    assert_eq!(table.meta.id.namespace, "default");
    let (code, _, stderr) = portico(dir.path(), &["build", "repo", "--out", "out"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        dir.path()
            .join("out/envoy/routes/default.api-example-com.yaml")
            .is_file()
    );
}

/// D10: an AuthConfig kept by hand under the name compiled for a policy decided, by the order
/// they were applied, how the policy's tokens are checked. PC602 names both and refuses the
/// build, also suppressed; the compiled AuthConfig itself, read back from a build inside the
/// repository, is not reported.
#[test]
fn a_hand_kept_authconfig_under_a_generated_name_is_reported() {
    let hand_kept = |comment: &str| {
        format!(
            "apiVersion: enterprise.gloo.solo.io/v1\nkind: AuthConfig\nmetadata:\n{comment}  name: oauth-okta-gloo-mesh-cluster1-ext-auth-service\n  namespace: gloo-mesh-addons\nspec:\n  configs:\n    - oauth2:\n        accessTokenValidation:\n          jwt:\n            remoteJwks:\n              url: https://evil.example.com/keys\n            issuer: https://evil.example.com\n"
        )
    };
    let dir = portal_okta(&|_, text| text);
    std::fs::write(dir.path().join("repo/auth/hand-kept.yaml"), hand_kept("")).unwrap();
    let result = common::check_path(&dir.path().join("repo"));
    let finding = match result.diagnostics.as_slice() {
        [d] if d.code == "PC602" => d,
        _ => panic!("{}", common::human(&result)),
    };
    assert!(
        finding.finding.message.starts_with("AuthConfig/gloo-mesh-addons/oauth-okta-gloo-mesh-cluster1-ext-auth-service is kept by hand under the name of the AuthConfig compiled for ExtAuthPolicy/gloo-mesh/oauth-okta"),
        "{}",
        finding.finding.message
    );
    let at = |span: &portico::diagnostic::Span| {
        let file = result.repo.sources.get(span.file);
        (file.name.clone(), file.text[span.range.clone()].to_string())
    };
    assert_eq!(
        at(&finding.finding.span),
        (
            "auth/hand-kept.yaml".to_string(),
            "oauth-okta-gloo-mesh-cluster1-ext-auth-service".to_string()
        )
    );
    assert_eq!(
        at(&finding.finding.related[0].span),
        (
            "auth/ext-auth-policy.yaml".to_string(),
            "oauth-okta".to_string()
        )
    );
    assert!(refused(dir.path()).contains("PC602"));
    std::fs::write(
        dir.path().join("repo/auth/hand-kept.yaml"),
        hand_kept("  # portico-ignore: PC602 -- migrating\n"),
    )
    .unwrap();
    let stderr = refused(dir.path());
    assert!(
        stderr.contains("PC602") && stderr.contains("migrating"),
        "{stderr}"
    );

    // The build's own output, inside the repository, is the same document: not reported.
    std::fs::remove_file(dir.path().join("repo/auth/hand-kept.yaml")).unwrap();
    let (code, _, stderr) = portico(dir.path(), &["build", "repo", "--out", "repo/generated"]);
    assert_eq!(code, 0, "{stderr}");
    let result = common::check_path(&dir.path().join("repo"));
    assert_eq!(result.model.auth_configs.len(), 1);
    assert!(result.diagnostics.is_empty(), "{}", common::human(&result));
}

/// PC402 was missing from the findings that refuse a build: with `url: "not a url"` and a
/// suppression, the AuthConfig said `url: not a url`.
#[test]
fn a_suppressed_invalid_token_url_refuses_the_build() {
    let dir = portal_okta(&|rel, text| {
        if rel == "auth/ext-auth-policy.yaml" {
            text.replace(
                "                  url: https://dev-1234567.okta.com/oauth2/default/v1/keys\n",
                "                  # portico-ignore: PC402 -- legacy\n                  url: \"not a url\"\n",
            )
        } else {
            text
        }
    });
    let result = common::check_path(&dir.path().join("repo"));
    assert!(result.diagnostics.is_empty(), "{}", common::human(&result));
    assert_eq!(result.suppressed.len(), 1);
    let stderr = refused(dir.path());
    assert!(
        stderr.contains("PC402") && stderr.contains("suppressed at") && stderr.contains("legacy"),
        "{stderr}"
    );
}
