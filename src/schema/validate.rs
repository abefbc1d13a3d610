//! Strict validation of each document against its kind's JSON Schema (the `jsonschema` crate),
//! with every error turned into a structured [`SchemaIssue`] at a JSON pointer, ready to be shown
//! at the span of the offending key or value.

use jsonschema::Validator;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value as Json;

/// What is wrong at a pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaIssue {
    /// A key the schema does not allow; `allowed` are the keys allowed at that level.
    UnknownField {
        /// The key.
        key: String,
        /// Keys allowed in that object.
        allowed: Vec<String>,
    },
    /// A value of the wrong JSON type.
    Type {
        /// What the schema wants.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A value outside an enumeration.
    Enum {
        /// The value.
        value: String,
        /// The allowed values.
        allowed: Vec<String>,
        /// The allowed value it stands for, when the enum says what its values mean (a
        /// redirect's `307` is `TEMPORARY_REDIRECT`).
        meant: Option<String>,
    },
    /// A required field is missing from the object at the pointer.
    Required {
        /// The missing field.
        field: String,
    },
    /// Anything else (ranges, lengths, patterns), as the validator words it.
    Other(String),
}

/// An issue at a pointer inside a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer of the object (for unknown and required fields) or of the value.
    pub pointer: String,
    /// What.
    pub issue: SchemaIssue,
    /// For a key or value another release of the API has (the owner of the schema knows
    /// which): when it exists, said instead of "unknown" ("was removed in Gloo Platform 2.3").
    pub note: Option<String>,
}

impl SchemaError {
    /// The pointer of the key to underline: the unknown key itself, or the value.
    #[must_use]
    pub fn target(&self) -> String {
        match &self.issue {
            SchemaIssue::UnknownField { key, .. } => {
                format!("{}/{}", self.pointer, crate::load::node::escape_token(key))
            }
            _ => self.pointer.clone(),
        }
    }

    /// The byte range to underline in the document whose root is `root`: the key of an unknown
    /// field, the key holding an object that misses a field, or the value.
    #[must_use]
    pub fn span_in(&self, root: &crate::load::node::Node) -> std::ops::Range<usize> {
        let found = root.pointer_or_parent(&self.target());
        match self.issue {
            SchemaIssue::UnknownField { .. } | SchemaIssue::Required { .. } => {
                found.key_or_value_span()
            }
            _ => found.node.span.range(),
        }
    }

    /// One-sentence message and help text.
    #[must_use]
    pub fn describe(&self) -> (String, Option<String>) {
        if let Some(note) = &self.note {
            let what = match &self.issue {
                SchemaIssue::UnknownField { key, .. } => format!("field `{key}`"),
                SchemaIssue::Enum { value, .. } => format!("value `{value}`"),
                _ => "this".to_owned(),
            };
            let allowed = match &self.issue {
                SchemaIssue::UnknownField { allowed, .. } | SchemaIssue::Enum { allowed, .. } => {
                    allowed.clone()
                }
                _ => Vec::new(),
            };
            let mut help = "write it the way the release the repository targets does, or set \
                            `gloo.version` in portico.yaml to the release this file is written for"
                .to_owned();
            if !allowed.is_empty() {
                help.push_str(&format!("; allowed here: {}", quoted(&allowed, 12)));
            }
            return (format!("{what} {note}"), Some(help));
        }
        match &self.issue {
            SchemaIssue::UnknownField { key, allowed } => {
                let camel = snake_to_camel(key);
                if key.contains('_') && allowed.contains(&camel) {
                    return (
                        format!(
                            "`{key}` is the snake_case spelling of `{camel}`; the API only knows `{camel}`"
                        ),
                        Some(format!("rename it to `{camel}`")),
                    );
                }
                let suggestion = crate::suggest::closest(key, allowed.iter().map(String::as_str));
                let help = match suggestion {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if allowed.is_empty() => "this object takes no fields".to_owned(),
                    None => format!("fields allowed here: {}", quoted(allowed, 12)),
                };
                (format!("unknown field `{key}`"), Some(help))
            }
            SchemaIssue::Type { expected, found } => (
                format!("expected {expected}, found {found}"),
                Some(
                    if expected.contains("string") && !found.contains("string") {
                        "quote the value so it is a string".to_owned()
                    } else {
                        format!("write {expected} here")
                    },
                ),
            ),
            SchemaIssue::Enum {
                value,
                allowed,
                meant,
            } => {
                let suggestion = meant
                    .as_deref()
                    .or_else(|| crate::suggest::closest(value, allowed.iter().map(String::as_str)));
                (
                    format!("`{value}` is not an allowed value"),
                    Some(match suggestion {
                        Some(s) => format!("did you mean `{s}`? allowed: {}", quoted(allowed, 12)),
                        None => format!("allowed: {}", quoted(allowed, 12)),
                    }),
                )
            }
            SchemaIssue::Required { field } => (
                format!("missing required field `{field}`"),
                Some(format!("add `{field}`")),
            ),
            SchemaIssue::Other(message) => (message.clone(), None),
        }
    }
}

fn quoted(items: &[String], limit: usize) -> String {
    let mut out: Vec<String> = items.iter().take(limit).map(|i| format!("`{i}`")).collect();
    if items.len() > limit {
        out.push(format!("… ({} more)", items.len() - limit));
    }
    out.join(", ")
}

pub(crate) fn snake_to_camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A schema ready to validate documents: compiled once by the owner of the type it describes
/// (kept in a `OnceLock`), and kept as JSON too, to name the keys and values it allows.
pub struct CompiledSchema {
    /// What the schema describes, for the one error that has no document position.
    name: &'static str,
    schema: Json,
    /// `None` when the schema does not compile: a bug in portico, reported by [`Self::validate`].
    validator: Option<Validator>,
}

impl CompiledSchema {
    /// Compiles `schema`, which describes `name`.
    #[must_use]
    pub fn new(name: &'static str, schema: Json) -> Self {
        let validator = jsonschema::validator_for(&schema).ok();
        CompiledSchema {
            name,
            schema,
            validator,
        }
    }

    /// The schema as JSON.
    #[must_use]
    pub fn json(&self) -> &Json {
        &self.schema
    }

    /// Validates `instance` (with nulls already removed). `base` is the pointer of the instance
    /// inside its document.
    #[must_use]
    pub fn validate(&self, instance: &Json, base: &str) -> Vec<SchemaError> {
        let Some(validator) = &self.validator else {
            return vec![SchemaError {
                pointer: base.to_owned(),
                issue: SchemaIssue::Other(format!(
                    "internal error: the {} schema does not compile",
                    self.name
                )),
                note: None,
            }];
        };
        validate_with(validator, &self.schema, instance, base)
    }
}

fn validate_with(
    validator: &Validator,
    schema: &Json,
    instance: &Json,
    base: &str,
) -> Vec<SchemaError> {
    let mut out = Vec::new();
    for error in validator.iter_errors(instance) {
        let pointer = error.instance_path().as_str().to_owned();
        let issue = match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let allowed = allowed_keys(schema, &pointer);
                for key in unexpected {
                    out.push(SchemaError {
                        pointer: format!("{base}{pointer}"),
                        issue: SchemaIssue::UnknownField {
                            key: key.clone(),
                            allowed: allowed.clone(),
                        },
                        note: None,
                    });
                }
                continue;
            }
            ValidationErrorKind::Type { kind } => SchemaIssue::Type {
                expected: type_names(kind),
                found: describe_value(error.instance()),
            },
            ValidationErrorKind::Enum { options } => {
                let options: Vec<&Json> = options.as_array().into_iter().flatten().collect();
                // A protobuf enum given by number fails the numbers branch of its schema
                // (`enum_schema` of the model); its values are named by their names, which is
                // what a reader can act on, not by the ordinals.
                let names = options
                    .iter()
                    .all(|o| o.is_u64())
                    .then(|| protobuf_enum_names(schema, &pointer, error.instance()))
                    .flatten();
                match names {
                    Some((names, meant)) => SchemaIssue::Enum {
                        value: value_text(error.instance()),
                        allowed: names,
                        meant,
                    },
                    None => SchemaIssue::Enum {
                        value: value_text(error.instance()),
                        allowed: options.into_iter().map(value_text).collect(),
                        meant: None,
                    },
                }
            }
            ValidationErrorKind::Constant { expected_value } => SchemaIssue::Enum {
                value: value_text(error.instance()),
                allowed: vec![value_text(expected_value)],
                meant: None,
            },
            ValidationErrorKind::Required { property } => SchemaIssue::Required {
                field: value_text(property),
            },
            ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
                match enum_values(schema, &pointer) {
                    Some(allowed) => SchemaIssue::Enum {
                        value: value_text(error.instance()),
                        allowed,
                        meant: None,
                    },
                    None => SchemaIssue::Other(error.to_string()),
                }
            }
            _ => SchemaIssue::Other(error.to_string()),
        };
        out.push(SchemaError {
            pointer: format!("{base}{pointer}"),
            issue,
            note: None,
        });
    }
    // `remote_jwks` where `remoteJwks` is required is one mistake: report the misspelling only.
    let misspelled: Vec<(String, String)> = out
        .iter()
        .filter_map(|e| match &e.issue {
            SchemaIssue::UnknownField { key, .. } if key.contains('_') => {
                Some((e.pointer.clone(), snake_to_camel(key)))
            }
            _ => None,
        })
        .collect();
    out.retain(|e| match &e.issue {
        SchemaIssue::Required { field } => !misspelled
            .iter()
            .any(|(p, camel)| *p == e.pointer && camel == field),
        _ => true,
    });
    out.sort_by(|a, b| (&a.pointer, a.target()).cmp(&(&b.pointer, b.target())));
    out.dedup();
    out
}

fn type_names(kind: &TypeKind) -> String {
    let name = |t: &str| match t {
        "object" => "a mapping".to_owned(),
        "array" => "a list".to_owned(),
        "string" => "a string".to_owned(),
        "integer" => "an integer".to_owned(),
        "number" => "a number".to_owned(),
        "boolean" => "a boolean".to_owned(),
        "null" => "null".to_owned(),
        other => other.to_owned(),
    };
    match kind {
        TypeKind::Single(t) => name(&t.to_string()),
        TypeKind::Multiple(set) => {
            let names: Vec<String> = set.iter().map(|t| name(&t.to_string())).collect();
            names.join(" or ")
        }
    }
}

fn describe_value(value: &Json) -> String {
    match value {
        Json::Null => "null".to_owned(),
        Json::Bool(b) => format!("the boolean `{b}`"),
        Json::Number(n) => format!("the number `{n}`"),
        Json::String(s) => format!("the string `{s}`"),
        Json::Array(_) => "a list".to_owned(),
        Json::Object(_) => "a mapping".to_owned(),
    }
}

fn value_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The values an enumeration at `pointer` allows, when its schema is a `oneOf`/`anyOf` of
/// constants (how schemars writes a documented Rust enum) or an `enum`.
fn enum_values(root: &Json, pointer: &str) -> Option<Vec<String>> {
    let parent_pointer = pointer.rsplit_once('/').map_or("", |(p, _)| p);
    let key = pointer
        .rsplit_once('/')
        .map(|(_, k)| k.replace("~1", "/").replace("~0", "~"))?;
    let parent = subschema_at(root, parent_pointer)?;
    let mut schema = parent
        .get("properties")
        .and_then(|p| p.get(&key))
        .or_else(|| parent.get("items"))
        .or_else(|| parent.get("additionalProperties"))?;
    for _ in 0..8 {
        match schema.get("$ref").and_then(Json::as_str) {
            Some(reference) => schema = root.pointer(reference.strip_prefix('#')?)?,
            None => break,
        }
    }
    if let Some(values) = schema.get("enum").and_then(Json::as_array) {
        return Some(values.iter().map(value_text).collect());
    }
    let branches = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| schema.get(*k).and_then(Json::as_array))?;
    let mut values = Vec::new();
    for branch in branches {
        if let Some(c) = branch.get("const") {
            values.push(value_text(c));
        } else if let Some(e) = branch.get("enum").and_then(Json::as_array) {
            values.extend(e.iter().map(value_text));
        } else {
            return None;
        }
    }
    Some(values)
}

/// The names of the protobuf enum whose schema applies at the value `pointer` (its `then`
/// branch: names when the value is a string, numbers otherwise), and the name the number at
/// `pointer` stands for when the enum's description maps numbers to names
/// (`TEMPORARY_REDIRECT (307)`: HTTP status codes written where the name belongs).
fn protobuf_enum_names(
    root: &Json,
    pointer: &str,
    value: &Json,
) -> Option<(Vec<String>, Option<String>)> {
    let schema = subschema_at(root, pointer)?;
    let names: Vec<String> = schema
        .get("then")?
        .get("enum")?
        .as_array()?
        .iter()
        .filter_map(Json::as_str)
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        return None;
    }
    // The description lists `NAME (number)` pairs; the name right before `(307)` is the one.
    let meaning = schema
        .get("description")
        .and_then(Json::as_str)
        .and_then(|description| {
            let (before, _) = description.split_once(&format!(" ({value})"))?;
            let name = before.rsplit([' ', ',']).next()?;
            names.iter().find(|n| *n == name).cloned()
        });
    Some((names, meaning))
}

/// The values an enumeration allows at the value `pointer` of an instance: the names of a
/// protobuf enum (without their numbers), or the members of an `enum`; `None` when the schema
/// there is not an enumeration.
#[must_use]
pub fn allowed_values(root: &Json, pointer: &str) -> Option<Vec<String>> {
    let schema = subschema_at(root, pointer)?;
    let values = schema
        .get("then")
        .and_then(|t| t.get("enum"))
        .or_else(|| schema.get("enum"))?
        .as_array()?;
    Some(values.iter().map(value_text).collect())
}

/// The keys the schema allows in the object at `pointer` of an instance.
#[must_use]
pub fn allowed_keys(root: &Json, pointer: &str) -> Vec<String> {
    let Some(schema) = subschema_at(root, pointer) else {
        return Vec::new();
    };
    let mut keys: Vec<String> = schema
        .get("properties")
        .and_then(Json::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// The schema that applies at an instance pointer, following `$ref`, `properties`, `items`,
/// `additionalProperties` and the first object branch of `anyOf`/`oneOf`.
pub(crate) fn subschema_at<'a>(root: &'a Json, pointer: &str) -> Option<&'a Json> {
    let mut schema = resolve(root, root)?;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let next = if let Some(p) = schema.get("properties").and_then(|p| p.get(&token)) {
            p
        } else if let Some(items) = schema
            .get("items")
            .filter(|_| token.parse::<usize>().is_ok())
        {
            items
        } else {
            schema
                .get("additionalProperties")
                .filter(|a| a.is_object())?
        };
        schema = resolve(root, next)?;
    }
    Some(schema)
}

pub(crate) fn resolve<'a>(root: &'a Json, mut schema: &'a Json) -> Option<&'a Json> {
    for _ in 0..32 {
        if let Some(reference) = schema.get("$ref").and_then(Json::as_str) {
            schema = root.pointer(reference.strip_prefix('#')?)?;
        } else if let Some(branch) = ["anyOf", "oneOf"]
            .iter()
            .find_map(|k| schema.get(*k).and_then(Json::as_array))
            .and_then(|branches| {
                branches
                    .iter()
                    .find(|b| b.get("type").and_then(Json::as_str) != Some("null"))
            })
            .filter(|_| schema.get("properties").is_none())
        {
            schema = branch;
        } else {
            return Some(schema);
        }
    }
    None
}

/// Removes every `key: null` from mappings, recursively. Kubernetes treats a null field as
/// absent, and so must validation and decoding.
pub fn strip_nulls(value: &mut Json) {
    match value {
        Json::Object(map) => {
            map.retain(|_, v| !v.is_null());
            for v in map.values_mut() {
                strip_nulls(v);
            }
        }
        Json::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_get_allowed_siblings() {
        let schema = CompiledSchema::new(
            "test",
            serde_json::json!({
                "type": "object",
                "properties": {"spec": {"$ref": "#/$defs/Spec"}},
                "$defs": {"Spec": {
                    "type": "object",
                    "properties": {"applyToRoutes": {"type": "array"}, "config": {}},
                    "additionalProperties": false
                }}
            }),
        );
        let doc = serde_json::json!({"spec": {"applyToRoute": []}});
        let errors = schema.validate(&doc, "/items/0");
        let unknown: Vec<_> = errors
            .iter()
            .filter_map(|e| match &e.issue {
                SchemaIssue::UnknownField { key, allowed } => {
                    Some((e.pointer.clone(), key.clone(), allowed.clone()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            unknown,
            [(
                "/items/0/spec".to_owned(),
                "applyToRoute".to_owned(),
                vec!["applyToRoutes".to_owned(), "config".to_owned()]
            )],
            "{errors:?}"
        );
        let (message, help) = errors[0].describe();
        assert_eq!(message, "unknown field `applyToRoute`");
        assert!(
            help.unwrap_or_default()
                .contains("did you mean `applyToRoutes`?")
        );
    }

    #[test]
    fn a_schema_that_does_not_compile_is_an_error_at_the_base() {
        let schema = CompiledSchema::new("broken", serde_json::json!({"type": 12}));
        let errors = schema.validate(&serde_json::json!({}), "/items/1");
        assert_eq!(
            errors,
            [SchemaError {
                pointer: "/items/1".into(),
                issue: SchemaIssue::Other(
                    "internal error: the broken schema does not compile".into()
                ),
                note: None,
            }]
        );
    }

    #[test]
    fn snake_case_is_named() {
        let e = SchemaError {
            pointer: "/x".into(),
            issue: SchemaIssue::UnknownField {
                key: "remote_jwks".into(),
                allowed: vec!["remoteJwks".into(), "localJwks".into()],
            },
            note: None,
        };
        assert!(
            e.describe()
                .0
                .contains("snake_case spelling of `remoteJwks`")
        );
    }

    #[test]
    fn nulls_are_absent() {
        let mut v = serde_json::json!({"a": null, "b": {"c": null, "d": 1}});
        strip_nulls(&mut v);
        assert_eq!(v, serde_json::json!({"b": {"d": 1}}));
    }
}
