//! Conformance of the AuthConfig model with the official CRD
//! (../shared/reference/crds/authconfigs.enterprise.gloo.solo.io_v1.yaml): the schema portico
//! generates for `spec` lists exactly the properties the CRD's `spec` schema lists, at the same
//! paths, with the same JSON types and the same required fields. A field added to or removed
//! from either side fails here; an intentional difference goes into `REVIEWED` with its reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use std::path::PathBuf;

use portico::load::source::SourceFile;
use portico::schema::kind::SchemaKind;
use portico::schema_json;
use serde_json::Value as Json;

/// Paths where portico and the CRD are allowed to differ, each with the reason it was accepted.
/// A path listed here that no longer differs fails the test, so the list stays current.
const REVIEWED: &[(&str, &str)] = &[];

const CRD_FILE: &str = "reference/crds/authconfigs.enterprise.gloo.solo.io_v1.yaml";

fn crd_path() -> Option<PathBuf> {
    common::shared_path(CRD_FILE)
}

/// The CRD's `openAPIV3Schema.properties.spec`, read with portico's own YAML loader.
fn crd_spec() -> Option<Json> {
    let path = crd_path()?;
    let text = std::fs::read_to_string(&path).unwrap();
    let file = SourceFile::new(CRD_FILE.to_owned(), path, text);
    let parsed = portico::load::yaml::parse(&file);
    assert!(
        parsed.problems.is_empty(),
        "{CRD_FILE} does not load cleanly: {:?}",
        parsed.problems
    );
    let crd = parsed.documents[0].root.to_json();
    assert_eq!(
        crd.pointer("/spec/names/kind").and_then(Json::as_str),
        Some("AuthConfig"),
        "{CRD_FILE} is not the AuthConfig CRD"
    );
    let spec = crd
        .pointer("/spec/versions/0/schema/openAPIV3Schema/properties/spec")
        .cloned()
        .expect("the CRD has an openAPIV3Schema for spec");
    Some(spec)
}

/// What is compared at each path besides its presence.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    /// JSON types, sorted and joined with `|`, without `null`; `any` when unconstrained. Integers
    /// carry their range: `integer(int32)`, `integer(uint32)`.
    ty: String,
    /// Required properties of an object, sorted.
    required: Vec<String>,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.ty)?;
        if !self.required.is_empty() {
            write!(f, " required [{}]", self.required.join(", "))?;
        }
        Ok(())
    }
}

/// One side of the comparison: how to read its schemas.
trait Dialect {
    /// The schema itself, with references and nullable wrappers taken away.
    fn resolve<'a>(&'a self, schema: &'a Json) -> &'a Json;
    /// The JSON types the schema accepts.
    fn ty(&self, schema: &Json) -> String;
}

/// Kubernetes structural OpenAPI v3 as the CRD writes it.
struct Crd;

impl Dialect for Crd {
    fn resolve<'a>(&'a self, schema: &'a Json) -> &'a Json {
        schema
    }

    fn ty(&self, schema: &Json) -> String {
        if schema.get("x-kubernetes-int-or-string") == Some(&Json::Bool(true)) {
            return "integer|string".to_owned();
        }
        match schema.get("type").and_then(Json::as_str) {
            Some("integer") => {
                let range = match (
                    schema.get("format").and_then(Json::as_str),
                    schema.get("minimum").and_then(Json::as_u64),
                    schema.get("maximum").and_then(Json::as_u64),
                ) {
                    (Some(format), _, _) => format.to_owned(),
                    (None, Some(0), Some(4_294_967_295)) => "uint32".to_owned(),
                    _ => String::new(),
                };
                format!("integer({range})")
            }
            Some(ty) => ty.to_owned(),
            None => "any".to_owned(),
        }
    }
}

/// The JSON Schema (draft 2020-12) portico generates, with its `$defs`.
struct Portico<'r> {
    root: &'r Json,
}

impl Dialect for Portico<'_> {
    fn resolve<'a>(&'a self, mut schema: &'a Json) -> &'a Json {
        loop {
            if let Some(reference) = schema.get("$ref").and_then(Json::as_str) {
                let name = reference
                    .strip_prefix("#/$defs/")
                    .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
                schema = self
                    .root
                    .pointer(&format!("/$defs/{name}"))
                    .unwrap_or_else(|| panic!("dangling $ref {reference}"));
                continue;
            }
            // `anyOf: [{…}, {type: null}]`, the way schemars writes `Option<T>`.
            if let Some(branches) = schema.get("anyOf").and_then(Json::as_array) {
                let is_null = |b: &Json| b.get("type").and_then(Json::as_str) == Some("null");
                if branches.len() == 2 && branches.iter().any(is_null) {
                    schema = branches.iter().find(|b| !is_null(b)).unwrap();
                    continue;
                }
            }
            return schema;
        }
    }

    fn ty(&self, schema: &Json) -> String {
        let mut types: Vec<&str> = match schema.get("type") {
            Some(Json::String(ty)) => vec![ty.as_str()],
            Some(Json::Array(types)) => types.iter().filter_map(Json::as_str).collect(),
            _ => return "any".to_owned(),
        };
        types.retain(|t| *t != "null");
        types.sort_unstable();
        types
            .iter()
            .map(|t| {
                if *t == "integer" && types.len() == 1 {
                    let format = schema.get("format").and_then(Json::as_str).unwrap_or("");
                    format!("integer({format})")
                } else {
                    (*t).to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("|")
    }
}

/// Every path under `schema`: properties by name (`a.b`), list items as `a[]`, map values as
/// `a{}`; each with its shape. Properties without a description are collected in `undocumented`.
fn collect(
    dialect: &dyn Dialect,
    schema: &Json,
    path: &str,
    out: &mut BTreeMap<String, Shape>,
    undocumented: &mut Vec<String>,
) {
    let schema = dialect.resolve(schema);
    let mut required: Vec<String> = schema
        .get("required")
        .and_then(Json::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Json::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    required.sort();
    out.insert(
        path.to_owned(),
        Shape {
            ty: dialect.ty(schema),
            required,
        },
    );
    if let Some(properties) = schema.get("properties").and_then(Json::as_object) {
        for (name, property) in properties {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            if property.get("description").is_none() {
                undocumented.push(child.clone());
            }
            collect(dialect, property, &child, out, undocumented);
        }
    }
    if let Some(items) = schema.get("items").filter(|i| i.is_object()) {
        collect(dialect, items, &format!("{path}[]"), out, undocumented);
    }
    // A map's values; `true` (anything) and `false` (closed object) are no schema to descend.
    if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object()) {
        collect(dialect, values, &format!("{path}{{}}"), out, undocumented);
    }
}

struct Sides {
    crd: BTreeMap<String, Shape>,
    portico: BTreeMap<String, Shape>,
    undocumented: Vec<String>,
}

/// Both sides, or `None` (skipped) when the CRD is not beside the repository.
fn sides() -> Option<Sides> {
    let crd_spec = crd_spec()?;
    let mut crd = BTreeMap::new();
    collect(&Crd, &crd_spec, "", &mut crd, &mut Vec::new());

    let root = schema_json(SchemaKind::AuthConfig);
    let spec = root
        .pointer("/properties/spec")
        .expect("the AuthConfig schema has a spec property");
    let mut portico = BTreeMap::new();
    let mut undocumented = Vec::new();
    collect(
        &Portico { root: &root },
        spec,
        "",
        &mut portico,
        &mut undocumented,
    );
    Some(Sides {
        crd,
        portico,
        undocumented,
    })
}

fn reviewed(path: &str) -> bool {
    REVIEWED.iter().any(|(p, _)| *p == path)
}

#[test]
fn authconfig_spec_has_exactly_the_crd_properties() {
    let Some(Sides { crd, portico, .. }) = sides() else {
        return;
    };
    let crd_paths: BTreeSet<&String> = crd.keys().collect();
    let portico_paths: BTreeSet<&String> = portico.keys().collect();
    // Sanity: the CRD was read whole (it lists some 380 properties under spec).
    assert!(
        crd_paths.len() > 400,
        "read only {} CRD paths",
        crd_paths.len()
    );

    let missing: Vec<&String> = crd_paths
        .difference(&portico_paths)
        .copied()
        .filter(|p| !reviewed(p))
        .collect();
    let extra: Vec<&String> = portico_paths
        .difference(&crd_paths)
        .copied()
        .filter(|p| !reviewed(p))
        .collect();
    let mut report = String::new();
    if !missing.is_empty() {
        writeln!(
            report,
            "{} path(s) of the CRD missing from portico's AuthConfig schema:",
            missing.len()
        )
        .unwrap();
        for p in &missing {
            writeln!(report, "  - {p}").unwrap();
        }
    }
    if !extra.is_empty() {
        writeln!(
            report,
            "{} path(s) in portico's AuthConfig schema that the CRD does not have:",
            extra.len()
        )
        .unwrap();
        for p in &extra {
            writeln!(report, "  + {p}").unwrap();
        }
    }
    assert!(
        report.is_empty(),
        "src/model/kinds/auth_config/ differs from {CRD_FILE}:\n{report}"
    );
}

#[test]
fn authconfig_spec_types_and_required_fields_match_the_crd() {
    let Some(Sides { crd, portico, .. }) = sides() else {
        return;
    };
    let mut report = String::new();
    for (path, want) in &crd {
        let Some(have) = portico.get(path) else {
            continue; // reported by the path test
        };
        if have != want && !reviewed(path) {
            let shown = if path.is_empty() { "spec" } else { path };
            writeln!(report, "  {shown}: CRD {want}, portico {have}").unwrap();
        }
    }
    assert!(
        report.is_empty(),
        "src/model/kinds/auth_config/ differs from {CRD_FILE} in types or required fields:\n{report}"
    );
}

#[test]
fn every_authconfig_property_is_documented() {
    let Some(Sides { undocumented, .. }) = sides() else {
        return;
    };
    assert!(
        undocumented.is_empty(),
        "properties without a description (add a `///` comment to the field): {undocumented:#?}"
    );
}

#[test]
fn reviewed_differences_are_current() {
    let Some(Sides { crd, portico, .. }) = sides() else {
        return;
    };
    for (path, reason) in REVIEWED {
        assert!(
            !reason.is_empty(),
            "{path}: a reviewed difference needs a reason"
        );
        let differs = match (crd.get(*path), portico.get(*path)) {
            (Some(a), Some(b)) => a != b,
            (None, None) => false,
            _ => true,
        };
        assert!(
            differs,
            "{path} no longer differs from the CRD: remove it from REVIEWED"
        );
    }
}
