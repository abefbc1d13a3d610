//! Unit tests of the module facts: input reads through variables, segment ranges, rule values,
//! and `split(…, "/")[N]` through a variable.
#![allow(clippy::panic)]

use super::*;
use crate::rego::parse::{Accepted, parse_module};

fn facts(text: &str) -> ModuleFacts {
    match parse_module("t.rego", text, Accepted::Auto) {
        Ok(parsed) => module_facts(&parsed.module),
        Err(e) => panic!("parse error: {e:?}"),
    }
}

fn paths(facts: &ModuleFacts) -> Vec<String> {
    facts
        .input_reads
        .iter()
        .map(|r| {
            let p: Vec<String> = r
                .path
                .iter()
                .map(|s| match s {
                    Segment::Key(k) => k.clone(),
                    Segment::Any => "*".to_string(),
                    Segment::Words => "words".to_string(),
                })
                .collect();
            format!("{}:{:?}", p.join("."), r.usage)
        })
        .collect()
}

const PORTAL: &str = r#"package test

import rego.v1

default allow := false

claims := input.state.jwtAccessToken

allow if {
    filter_metadata := input.check_request.attributes.metadata_context.filter_metadata
    product := filter_metadata["io.solo.gloo.apimanagement"].api_product_id
    product in split(claims.scope, " ")
}

deny contains msg if {
    some s in input.state.jwtAccessToken.scp
    name := split(s, "/")[1]
    msg := name
}
"#;

#[test]
fn reads_follow_variables() {
    let f = facts(PORTAL);
    assert_eq!(f.package, "test");
    assert_eq!(
        paths(&f),
        vec![
            "state.jwtAccessToken:Plain",
            "check_request.attributes.metadata_context.filter_metadata:Plain",
            "check_request.attributes.metadata_context.filter_metadata.io.solo.gloo.apimanagement.api_product_id:Plain",
            "state.jwtAccessToken.scope:StringArg",
            "state.jwtAccessToken.scp:Collection",
            "state.jwtAccessToken.scp.*:StringArg",
        ]
    );
    let rules: Vec<(String, RuleValue, bool)> = f
        .rules
        .iter()
        .map(|r| (r.name.clone(), r.value.clone(), r.is_default))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("allow".to_string(), RuleValue::Boolean, true),
            ("claims".to_string(), RuleValue::Unknown, false),
            ("allow".to_string(), RuleValue::Boolean, false),
            ("deny".to_string(), RuleValue::Set, false),
        ]
    );
    assert_eq!(f.slash_indexes.len(), 1);
    assert_eq!(f.slash_indexes[0].index, 1);
    assert_eq!(
        f.slash_indexes[0].split_path,
        Some(vec![
            Segment::Key("state".to_string()),
            Segment::Key("jwtAccessToken".to_string()),
            Segment::Key("scp".to_string()),
            Segment::Any
        ])
    );
    let calls: Vec<&str> = f.calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(calls, vec!["split", "split"]);
}

#[test]
fn segment_ranges_point_at_the_keys() {
    let text = "package p\n\nallow if input.check_request.atributes.x == 1\n";
    let f = facts(text);
    let read = &f.input_reads[0];
    assert_eq!(&text[read.segment_ranges[1].clone()], "atributes");
    assert_eq!(&text[read.range.clone()], "input.check_request.atributes.x");
}

#[test]
fn v0_rules_and_split_through_a_variable() {
    let text = "package p\n\nallow {\n  scopes := split(input.state.jwtAccessToken.scope, \" \")\n  s := scopes[_]\n  parts := split(s, \"/\")\n  parts[1] == \"tracks\"\n}\n";
    let f = facts(text);
    assert_eq!(f.slash_indexes.len(), 1);
    let path = f.slash_indexes[0].split_path.clone().unwrap_or_default();
    assert_eq!(path.get(2), Some(&Segment::Key("scope".to_string())));
    assert_eq!(path.get(3), Some(&Segment::Words));
    assert_eq!(path.len(), 5);
    assert_eq!(f.rules[0].value, RuleValue::Boolean);
}

#[test]
fn value_kinds() {
    let text = "package p\n\nresult := {\"allow\": true}\nlist := [true, \"x\"]\nname := \"x\"\nf(x) := x\np[k] := 1 if { k := \"a\" }\n";
    let f = facts(text);
    let kinds: Vec<RuleValue> = f.rules.iter().map(|r| r.value.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            RuleValue::Object(vec!["allow".to_string()]),
            RuleValue::Array {
                first_is_bool: true
            },
            RuleValue::Scalar,
            RuleValue::Function,
            RuleValue::PartialObject { key: None },
        ]
    );
}

/// A partial object's definition keeps the key its head names with a string literal: the
/// query-result rule (PC507) reads `result["allow"] := allow` as an object with `allow`.
#[test]
fn partial_object_keys() {
    let text = "package p

result[\"allow\"] := true
result[\"http_status\"] := 403
result[k] := 1 if { k := \"a\" }
";
    let f = facts(text);
    let kinds: Vec<RuleValue> = f.rules.iter().map(|r| r.value.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            RuleValue::PartialObject {
                key: Some("allow".to_string())
            },
            RuleValue::PartialObject {
                key: Some("http_status".to_string())
            },
            RuleValue::PartialObject { key: None },
        ]
    );
}
