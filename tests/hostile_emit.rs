//! Issue 16, the artifacts: what `portico build` writes is right, and what a pull request
//! controls (policy names, `portico.yaml`, suppressions, the baseline) cannot make it write a
//! wrong one. Two policies sharing an AuthConfig name (PC602), names Kubernetes refuses
//! (PC603), private JWK members (PC407), and quieted findings that make an artifact wrong all
//! refuse the build, name the reason on stderr and write nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;

/// `portico ARGS` in `dir`: exit code, stdout, stderr.
fn portico(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "1000")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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
    let result = portico::check(&portico::CheckRequest {
        inputs: vec![portico::load::Input::Path(fixture.join("pass"))],
        emit: true,
        ..Default::default()
    })
    .unwrap();
    let artifacts = result.artifacts.unwrap().unwrap();
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
