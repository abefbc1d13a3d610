//! Unit tests of the Envoy validator: good documents, each kind of rejection with its JSON
//! Pointer, the rule and format checks on their own, and a timing probe.
#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::json;

use super::formats::{
    is_email, is_header_name, is_header_value, is_hostname, is_uuid, known_pattern,
};
use super::num::{Num, show_duration, show_number};
use super::pgv::{KindRules, NumberRules};
use super::*;

const ROUTE_CONFIGURATION: &str = "envoy.config.route.v3.RouteConfiguration";
const HCM: &str =
    "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const CLUSTER: &str = "envoy.config.cluster.v3.Cluster";
const BOOTSTRAP: &str = "envoy.config.bootstrap.v3.Bootstrap";
const EXT_AUTHZ_PER_ROUTE: &str =
    "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute";

fn ok(message: &str, json: &Json) {
    if let Err(e) = validate(message, json) {
        panic!("expected {message} to validate, got {e}");
    }
}

fn err(message: &str, json: &Json) -> EnvoyError {
    match validate(message, json) {
        Ok(()) => panic!("expected {message} to be rejected"),
        Err(e) => e,
    }
}

/// The per-route configuration portico emits for one API product, plus a health route
/// that switches ext_authz off.
fn route_configuration() -> Json {
    json!({
        "name": "portal",
        "virtual_hosts": [{
            "name": "api",
            "domains": ["api.example.com", "*"],
            "routes": [
                {
                    "name": "petstore",
                    "match": {"prefix": "/petstore/"},
                    "route": {"cluster": "petstore", "timeout": "15s"},
                    "metadata": {"filter_metadata": {
                        "io.solo.gloo.apimanagement": {"api_product_id": "petstore"}
                    }},
                    "typed_per_filter_config": {
                        "envoy.filters.http.ext_authz": {
                            "@type": EXT_AUTHZ_PER_ROUTE,
                            "check_settings": {
                                "context_extensions": {"config_id": "gloo-mesh.petstore"}
                            }
                        },
                        "envoy.filters.http.header_to_metadata": {
                            "@type": "type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config",
                            "request_rules": [{
                                "header": "x-portico-never-sent",
                                "on_header_missing": {
                                    "metadata_namespace": "io.solo.gloo.apimanagement",
                                    "key": "api_product_id",
                                    "value": "petstore",
                                    "type": "STRING"
                                }
                            }]
                        }
                    }
                },
                {
                    "name": "health",
                    "match": {"path": "/healthz"},
                    "direct_response": {"status": 200},
                    "typed_per_filter_config": {
                        "envoy.filters.http.ext_authz": {
                            "@type": EXT_AUTHZ_PER_ROUTE,
                            "disabled": true
                        }
                    }
                }
            ]
        }]
    })
}

fn http_connection_manager() -> Json {
    json!({
        "stat_prefix": "ingress_http",
        "codec_type": "AUTO",
        "route_config": route_configuration(),
        "http_filters": [
            {
                "name": "envoy.filters.http.header_to_metadata",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config"
                }
            },
            {
                "name": "envoy.filters.http.ext_authz",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
                    "grpc_service": {
                        "envoy_grpc": {"cluster_name": "ext-auth-service"},
                        "timeout": "2s"
                    },
                    "transport_api_version": "V3",
                    "failure_mode_allow": false,
                    "metadata_context_namespaces": ["io.solo.gloo.apimanagement"]
                }
            },
            {
                "name": "envoy.filters.http.set_metadata",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config",
                    "metadata": [{
                        "metadata_namespace": "portico",
                        "value": {"emitted_by": "portico"}
                    }]
                }
            },
            {
                "name": "envoy.filters.http.router",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
                }
            }
        ]
    })
}

fn cluster() -> Json {
    json!({
        "name": "ext-auth-service",
        "type": "STRICT_DNS",
        "connect_timeout": "1s",
        "lb_policy": "ROUND_ROBIN",
        "typed_extension_protocol_options": {
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                "explicit_http_config": {"http2_protocol_options": {}}
            }
        },
        "load_assignment": {
            "cluster_name": "ext-auth-service",
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {
                "socket_address": {"address": "ext-auth-service.gloo-mesh", "port_value": 8083}
            }}}]}]
        }
    })
}

fn bootstrap() -> Json {
    let mut hcm = http_connection_manager();
    hcm.as_object_mut().unwrap().insert(
            "@type".to_owned(),
            json!("type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"),
        );
    json!({
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 9901}}},
        "static_resources": {
            "listeners": [{
                "name": "ingress",
                "address": {"socket_address": {"address": "0.0.0.0", "port_value": 8080}},
                "filter_chains": [{"filters": [{
                    "name": "envoy.filters.network.http_connection_manager",
                    "typed_config": hcm
                }]}]
            }],
            "clusters": [
                cluster(),
                {
                    "name": "petstore",
                    "type": "STRICT_DNS",
                    "connect_timeout": "0.25s",
                    "load_assignment": {
                        "cluster_name": "petstore",
                        "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {
                            "socket_address": {"address": "petstore.apps", "port_value": 80}
                        }}}]}]
                    }
                }
            ]
        }
    })
}

/// Renames JSON keys everywhere, like an editor's find-and-replace on the document.
fn rename(json: &mut Json, from: &str, to: &str) {
    match json {
        Json::Object(map) => {
            let old = std::mem::take(map);
            for (k, mut v) in old {
                rename(&mut v, from, to);
                map.insert(if k == from { to.to_owned() } else { k }, v);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|v| rename(v, from, to)),
        _ => {}
    }
}

/// The value at a JSON pointer, for building the failing cases from the good ones.
fn at<'a>(json: &'a mut Json, ptr: &str) -> &'a mut Json {
    json.pointer_mut(ptr).unwrap()
}

#[test]
fn good_documents_validate() {
    ok(ROUTE_CONFIGURATION, &route_configuration());
    ok(HCM, &http_connection_manager());
    ok(CLUSTER, &cluster());
    ok(BOOTSTRAP, &bootstrap());
}

#[test]
fn camel_case_keys_validate_too() {
    let mut rc = route_configuration();
    for (from, to) in [
        ("virtual_hosts", "virtualHosts"),
        ("typed_per_filter_config", "typedPerFilterConfig"),
        ("check_settings", "checkSettings"),
        ("context_extensions", "contextExtensions"),
        ("filter_metadata", "filterMetadata"),
        ("direct_response", "directResponse"),
    ] {
        rename(&mut rc, from, to);
    }
    ok(ROUTE_CONFIGURATION, &rc);
    // ... and the pointers follow the document's spelling.
    at(&mut rc, "/virtualHosts/0/domains")
        .as_array_mut()
        .unwrap()
        .clear();
    assert_eq!(
        err(ROUTE_CONFIGURATION, &rc).pointer,
        "/virtualHosts/0/domains"
    );
}

#[test]
fn misspelt_field_points_at_the_key() {
    let mut rc = route_configuration();
    let route = at(&mut rc, "/virtual_hosts/0/routes/0")
        .as_object_mut()
        .unwrap();
    let tpfc = route.remove("typed_per_filter_config").unwrap();
    route.insert("typed_per_filter_confg".to_owned(), tpfc);
    let e = err(ROUTE_CONFIGURATION, &rc);
    assert_eq!(
        e.pointer,
        "/virtual_hosts/0/routes/0/typed_per_filter_confg"
    );
    assert_eq!(
        e.message,
        "unrecognized field name 'typed_per_filter_confg'"
    );
    assert_eq!(
        e.to_string(),
        "/virtual_hosts/0/routes/0/typed_per_filter_confg: unrecognized field name 'typed_per_filter_confg'"
    );
}

#[test]
fn misspelt_field_inside_any_points_through_the_map_key() {
    let mut rc = route_configuration();
    rename(&mut rc, "context_extensions", "context_extension");
    let e = err(ROUTE_CONFIGURATION, &rc);
    assert_eq!(
        e.pointer,
        "/virtual_hosts/0/routes/0/typed_per_filter_config/envoy.filters.http.ext_authz/check_settings/context_extension"
    );

    // Same when `@type` is not the first key (prost-reflect would lose the path there).
    let any = at(
        &mut rc,
        "/virtual_hosts/0/routes/0/typed_per_filter_config/envoy.filters.http.ext_authz",
    );
    let type_url = any.as_object_mut().unwrap().remove("@type").unwrap();
    any.as_object_mut()
        .unwrap()
        .insert("@type".to_owned(), type_url);
    assert_eq!(
        any.as_object().unwrap().keys().next().map(String::as_str),
        Some("check_settings")
    );
    assert_eq!(err(ROUTE_CONFIGURATION, &rc).pointer, e.pointer);
}

#[test]
fn pointer_segments_are_escaped() {
    let mut rc = route_configuration();
    let tpfc = at(&mut rc, "/virtual_hosts/0/routes/1/typed_per_filter_config");
    let map = tpfc.as_object_mut().unwrap();
    map.insert(
        "acme.com/ext~authz".to_owned(),
        json!({"@type": EXT_AUTHZ_PER_ROUTE, "disabled": "yes"}),
    );
    let e = err(ROUTE_CONFIGURATION, &rc);
    assert_eq!(
        e.pointer,
        "/virtual_hosts/0/routes/1/typed_per_filter_config/acme.com~1ext~0authz/disabled"
    );
}

#[test]
fn unknown_enum_value() {
    let mut hcm = http_connection_manager();
    *at(
        &mut hcm,
        "/http_filters/1/typed_config/transport_api_version",
    ) = json!("V4");
    let e = err(HCM, &hcm);
    assert_eq!(
        e.pointer,
        "/http_filters/1/typed_config/transport_api_version"
    );
    assert_eq!(e.message, "unrecognized enum value 'V4'");

    // A number parses but is not a defined value: PGV `enum.defined_only`.
    *at(
        &mut hcm,
        "/http_filters/1/typed_config/transport_api_version",
    ) = json!(7);
    let e = err(HCM, &hcm);
    assert_eq!(
        e.pointer,
        "/http_filters/1/typed_config/transport_api_version"
    );
    assert_eq!(e.message, "value must be one of the defined enum values");
}

#[test]
fn unknown_any_type() {
    let mut rc = route_configuration();
    *at(
        &mut rc,
        "/virtual_hosts/0/routes/1/typed_per_filter_config/envoy.filters.http.ext_authz/@type",
    ) = json!(format!("{EXT_AUTHZ_PER_ROUTE}X"));
    let e = err(ROUTE_CONFIGURATION, &rc);
    assert_eq!(
        e.pointer,
        "/virtual_hosts/0/routes/1/typed_per_filter_config/envoy.filters.http.ext_authz"
    );
    assert!(e.message.contains("ExtAuthzPerRouteX' not found"), "{e}");
}

#[test]
fn empty_domains_violate_min_items() {
    let mut rc = route_configuration();
    *at(&mut rc, "/virtual_hosts/0/domains") = json!([]);
    let e = err(ROUTE_CONFIGURATION, &rc);
    assert_eq!(e.pointer, "/virtual_hosts/0/domains");
    assert_eq!(e.message, "value must contain at least 1 item(s)");

    // Absent altogether: the pointer is the virtual host and the message names the field.
    at(&mut rc, "/virtual_hosts/0")
        .as_object_mut()
        .unwrap()
        .remove("domains");
    let e = err(ROUTE_CONFIGURATION, &rc);
    assert_eq!(e.pointer, "/virtual_hosts/0");
    assert_eq!(
        e.message,
        "field 'domains': value must contain at least 1 item(s)"
    );
}

#[test]
fn route_without_action_violates_required_oneof() {
    let mut rc = route_configuration();
    at(&mut rc, "/virtual_hosts/0/routes/0")
        .as_object_mut()
        .unwrap()
        .remove("route");
    let e = err(ROUTE_CONFIGURATION, &rc);
    assert_eq!(e.pointer, "/virtual_hosts/0/routes/0");
    assert!(e.message.starts_with("oneof 'action' is required"), "{e}");
}

#[test]
fn bad_duration() {
    let mut rc = route_configuration();
    *at(&mut rc, "/virtual_hosts/0/routes/0/route/timeout") = json!("2x");
    let e = err(ROUTE_CONFIGURATION, &rc);
    assert_eq!(e.pointer, "/virtual_hosts/0/routes/0/route/timeout");
    assert!(e.message.contains("duration"), "{e}");
}

#[test]
fn wrong_type() {
    let mut rc = route_configuration();
    *at(&mut rc, "/virtual_hosts/0/domains/0") = json!(42);
    let e = err(ROUTE_CONFIGURATION, &rc);
    assert_eq!(e.pointer, "/virtual_hosts/0/domains/0");
}

#[test]
fn pgv_rules_inside_any_payloads_and_nested_messages() {
    // string.min_len inside the ext_authz filter's Any.
    let mut hcm = http_connection_manager();
    *at(
        &mut hcm,
        "/http_filters/1/typed_config/grpc_service/envoy_grpc/cluster_name",
    ) = json!("");
    let e = err(HCM, &hcm);
    assert_eq!(
        e.pointer,
        "/http_filters/1/typed_config/grpc_service/envoy_grpc/cluster_name"
    );
    assert_eq!(e.message, "value length must be at least 1 characters");

    // A required oneof inside the Any (GrpcService.target_specifier).
    let mut hcm = http_connection_manager();
    at(&mut hcm, "/http_filters/1/typed_config/grpc_service")
        .as_object_mut()
        .unwrap()
        .remove("envoy_grpc");
    let e = err(HCM, &hcm);
    assert_eq!(e.pointer, "/http_filters/1/typed_config/grpc_service");
    assert!(
        e.message
            .starts_with("oneof 'target_specifier' is required"),
        "{e}"
    );

    // uint32 range (port_value lte 65535) deep in a Bootstrap.
    let mut b = bootstrap();
    let port = "/static_resources/clusters/1/load_assignment/endpoints/0/lb_endpoints/0/endpoint/address/socket_address/port_value";
    *at(&mut b, port) = json!(70000);
    let e = err(BOOTSTRAP, &b);
    assert_eq!(e.pointer, port);
    assert_eq!(e.message, "value must be less than or equal to 65535");

    // duration.gt (Cluster.connect_timeout > 0s).
    let mut c = cluster();
    *at(&mut c, "/connect_timeout") = json!("0s");
    let e = err(CLUSTER, &c);
    assert_eq!(e.pointer, "/connect_timeout");
    assert_eq!(e.message, "value must be greater than 0s");

    // A required oneof in the HttpProtocolOptions payload of a map of Anys.
    let mut c = cluster();
    let opts =
        "/typed_extension_protocol_options/envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    at(&mut c, opts)
        .as_object_mut()
        .unwrap()
        .remove("explicit_http_config");
    let e = err(CLUSTER, &c);
    assert_eq!(e.pointer, opts);
    assert!(
        e.message.starts_with("oneof 'upstream_protocol_options'"),
        "{e}"
    );

    // Header names in header_to_metadata (HTTP_HEADER_NAME, not strict: no NUL/CR/LF).
    let mut rc = route_configuration();
    let header = "/virtual_hosts/0/routes/0/typed_per_filter_config/envoy.filters.http.header_to_metadata/request_rules/0/header";
    *at(&mut rc, header) = json!("x-bad\nname");
    let e = err(ROUTE_CONFIGURATION, &rc);
    assert_eq!(e.pointer, header);
}

#[test]
fn unknown_message_type() {
    let e = err("envoy.config.route.v3.NoSuchThing", &json!({}));
    assert_eq!(e.pointer, "");
    assert_eq!(
        e.to_string(),
        "unknown Envoy message type 'envoy.config.route.v3.NoSuchThing'"
    );
}

#[test]
fn number_rules_and_ranges() {
    let r = NumberRules {
        gt: Some(Num::Int(10)),
        lt: Some(Num::Int(5)),
        ..NumberRules::default()
    };
    assert!(r.check(Num::Int(11), show_number).is_ok());
    assert!(r.check(Num::Int(4), show_number).is_ok());
    assert_eq!(
        r.check(Num::Int(7), show_number).unwrap_err(),
        "value must be outside range [5, 10]"
    );
    let r = NumberRules {
        gte: Some(Num::Int(1)),
        lte: Some(Num::Int(65535)),
        ..NumberRules::default()
    };
    assert_eq!(
        r.check(Num::Int(0), show_number).unwrap_err(),
        "value must be inside range [1, 65535]"
    );
    assert!(r.check(Num::Float(1.5), show_number).is_ok());
    assert_eq!(show_duration(Num::Int(250_000_000)), "0.25s");
}

#[test]
fn well_known_string_formats() {
    assert!(is_hostname("ext-auth.gloo-mesh.svc.cluster.local."));
    assert!(!is_hostname("-bad.example"));
    assert!(!is_hostname("a..b"));
    assert!(is_header_name(":authority", true));
    assert!(!is_header_name("x bad", true));
    assert!(is_header_name("x bad", false));
    assert!(is_header_value("Bearer abc", true));
    assert!(!is_header_value("a\u{1}b", true));
    assert!(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
    assert!(is_email("ops@example.com"));
    let matches = known_pattern("^[^?#]+[^?#/]$").unwrap();
    assert!(matches("/api/v1"));
    assert!(!matches("/api/"));
}

/// Every PGV rule in the descriptor is parsed into something, and the plans cover the roots.
#[test]
fn schema_loads_with_rules() {
    let schema = schema().unwrap();
    let vh = &schema.plans["envoy.config.route.v3.VirtualHost"];
    let domains = vh
        .fields
        .iter()
        .find(|f| f.field.name() == "domains")
        .unwrap();
    assert!(matches!(
        domains.rules.as_ref().and_then(|r| r.kind.as_ref()),
        Some(KindRules::Repeated(r)) if r.min_items == Some(1)
    ));
    let route = &schema.plans["envoy.config.route.v3.Route"];
    assert!(route.required_oneofs.iter().any(|o| o.name() == "action"));
}

/// Not a benchmark: run with `cargo test --release -- --ignored --nocapture timing` to see
/// the per-document cost quoted in the module docs.
#[test]
#[ignore]
#[allow(clippy::print_stderr)]
fn timing() {
    let start = std::time::Instant::now();
    schema().unwrap();
    eprintln!("schema load: {:?}", start.elapsed());
    for (name, doc) in [
        (ROUTE_CONFIGURATION, route_configuration()),
        (HCM, http_connection_manager()),
        (CLUSTER, cluster()),
        (BOOTSTRAP, bootstrap()),
    ] {
        let n = 1000;
        let start = std::time::Instant::now();
        for _ in 0..n {
            validate(name, &doc).unwrap();
        }
        eprintln!("{name}: {:?} per document", start.elapsed() / n);
    }
}
