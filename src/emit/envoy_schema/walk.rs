//! Pass 2 of the Envoy validation: walks the parsed message and its JSON side by side, applies
//! the PGV rules of every field (unpacking `Any` payloads through the same pool), and reports
//! the first violation with the JSON Pointer of the offending value as keyed in the input.

use std::collections::HashMap;

use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MapKey, ReflectMessage, Value};
use serde_json::Value as Json;

use super::num::{Num, duration_nanos, show_duration, show_number};
use super::pgv::{FieldRules, KindRules};
use super::proto_json::pointer;
use super::{EnvoyError, FieldPlan, Schema};

pub(super) struct Walker<'a> {
    schema: &'a Schema,
    /// Unescaped JSON Pointer segments of the value being checked, as keyed in the input.
    path: Vec<String>,
}

impl<'a> Walker<'a> {
    pub(super) fn new(schema: &'a Schema) -> Self {
        Walker {
            schema,
            path: Vec::new(),
        }
    }

    fn error(&self, message: impl Into<String>) -> EnvoyError {
        EnvoyError {
            pointer: pointer(&self.path),
            message: message.into(),
        }
    }

    pub(super) fn message(
        &mut self,
        msg: &DynamicMessage,
        json: Option<&Json>,
    ) -> Result<(), EnvoyError> {
        let desc = msg.descriptor();
        let Some(plan) = self.schema.plans.get(desc.full_name()) else {
            return Ok(());
        };
        for oneof in &plan.required_oneofs {
            if !oneof.fields().any(|f| msg.has_field(&f)) {
                let names: Vec<String> = oneof.fields().map(|f| f.name().to_owned()).collect();
                return Err(self.error(format!(
                    "oneof '{}' is required: set one of {}",
                    oneof.name(),
                    names.join(", ")
                )));
            }
        }
        for fp in &plan.fields {
            let set = msg.has_field(&fp.field);
            if fp.in_oneof && !set {
                continue;
            }
            let (key, child) = field_json(json, &fp.field);
            let value = msg.get_field(&fp.field);
            if set || child.is_some() {
                self.path.push(key);
                self.field(fp, &value, set, child)?;
                self.path.pop();
            } else {
                // Absent from the document: the pointer stays on the parent object, so name the
                // field in the message. Only presence rules and rules on the default value can
                // fail here.
                self.field(fp, &value, set, None).map_err(|mut e| {
                    e.message = format!("field '{}': {}", fp.field.name(), e.message);
                    e
                })?;
            }
        }
        Ok(())
    }

    fn field(
        &mut self,
        fp: &FieldPlan,
        value: &Value,
        set: bool,
        json: Option<&Json>,
    ) -> Result<(), EnvoyError> {
        let field = &fp.field;
        let rules = fp.rules.as_ref();
        if field.is_map() {
            let Kind::Message(entry) = field.kind() else {
                return Ok(());
            };
            let empty = HashMap::new();
            let map = value.as_map().unwrap_or(&empty);
            let map_rules = match rules.and_then(|r| r.kind.as_ref()) {
                Some(KindRules::Map(r)) => Some(r.as_ref()),
                _ => None,
            };
            if let Some(r) = map_rules
                && !(r.ignore_empty && map.is_empty())
            {
                let n = map.len() as u64;
                if let Some(min) = r.min_pairs
                    && n < min
                {
                    return Err(self.error(format!("value must contain at least {min} pair(s)")));
                }
                if let Some(max) = r.max_pairs
                    && n > max
                {
                    return Err(
                        self.error(format!("value must contain no more than {max} pair(s)"))
                    );
                }
            }
            let key_field = entry.map_entry_key_field();
            let value_field = entry.map_entry_value_field();
            let mut entries: Vec<(&MapKey, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            for (k, v) in entries {
                let key = map_key_string(k);
                let child = json.and_then(|j| j.get(&key));
                self.path.push(key);
                if let Some(key_rules) = map_rules.and_then(|r| r.keys.as_ref()) {
                    self.single(
                        &key_field.kind(),
                        Some(key_rules),
                        &k.clone().into(),
                        true,
                        None,
                    )?;
                }
                let value_rules = map_rules.and_then(|r| r.values.as_ref());
                self.single(&value_field.kind(), value_rules, v, true, child)?;
                self.path.pop();
            }
            Ok(())
        } else if field.is_list() {
            let items = value.as_list().unwrap_or(&[]);
            let list_rules = match rules.and_then(|r| r.kind.as_ref()) {
                Some(KindRules::Repeated(r)) => Some(r.as_ref()),
                _ => None,
            };
            if let Some(r) = list_rules
                && !(r.ignore_empty && items.is_empty())
            {
                let n = items.len() as u64;
                if let Some(min) = r.min_items
                    && n < min
                {
                    return Err(self.error(format!("value must contain at least {min} item(s)")));
                }
                if let Some(max) = r.max_items
                    && n > max
                {
                    return Err(
                        self.error(format!("value must contain no more than {max} item(s)"))
                    );
                }
                if r.unique {
                    for (i, item) in items.iter().enumerate() {
                        if items[..i].contains(item) {
                            self.path.push(i.to_string());
                            return Err(self.error("repeated value must contain unique items"));
                        }
                    }
                }
            }
            let kind = field.kind();
            let item_rules = list_rules.and_then(|r| r.items.as_ref());
            for (i, item) in items.iter().enumerate() {
                let child = json.and_then(|j| j.get(i));
                self.path.push(i.to_string());
                self.single(&kind, item_rules, item, true, child)?;
                self.path.pop();
            }
            Ok(())
        } else {
            self.single(&field.kind(), rules, value, set, json)
        }
    }

    /// One value: a singular field, a list item, a map key or a map value.
    fn single(
        &mut self,
        kind: &Kind,
        rules: Option<&FieldRules>,
        value: &Value,
        set: bool,
        json: Option<&Json>,
    ) -> Result<(), EnvoyError> {
        let Kind::Message(desc) = kind else {
            return match rules {
                Some(r) => self.scalar(kind, r, value),
                None => Ok(()),
            };
        };
        if !set {
            if rules.is_some_and(FieldRules::is_required) {
                return Err(self.error("value is required"));
            }
            return Ok(());
        }
        if rules.is_some_and(|r| r.skip) {
            return Ok(());
        }
        let Some(inner) = value.as_message() else {
            return Ok(());
        };
        let kind_rules = rules.and_then(|r| r.kind.as_ref());
        match desc.full_name() {
            "google.protobuf.Duration" => match kind_rules {
                Some(KindRules::Duration { range, .. }) => range
                    .check(duration_nanos(inner), show_duration)
                    .map_err(|m| self.error(m)),
                _ => Ok(()),
            },
            "google.protobuf.Any" => {
                if let Some(KindRules::Any(r)) = kind_rules {
                    let type_url = any_type_url(inner);
                    if !r.within.is_empty() && !r.within.contains(&type_url) {
                        return Err(self.error(format!("type URL must be in list {:?}", r.within)));
                    }
                    if r.not_in.contains(&type_url) {
                        return Err(
                            self.error(format!("type URL must not be in list {:?}", r.not_in))
                        );
                    }
                }
                self.any(inner, json)
            }
            name if is_wrapper(name) => match (rules, desc.get_field(1)) {
                (Some(r), Some(f)) => self.scalar(&f.kind(), r, &inner.get_field(&f)),
                _ => Ok(()),
            },
            name if name.starts_with("google.protobuf.") => Ok(()),
            _ => self.message(inner, json),
        }
    }

    fn scalar(&self, kind: &Kind, rules: &FieldRules, value: &Value) -> Result<(), EnvoyError> {
        let result = match &rules.kind {
            Some(KindRules::Number(r)) => match Num::of(value) {
                Some(n) => r.check(n, show_number),
                None => Ok(()),
            },
            Some(KindRules::Bool(Some(c))) if value.as_bool().is_some_and(|b| b != *c) => {
                Err(format!("value must equal {c}"))
            }
            Some(KindRules::String(r)) => value.as_str().map_or(Ok(()), |s| r.check(s)),
            Some(KindRules::Bytes(r)) => value.as_bytes().map_or(Ok(()), |b| r.check(b)),
            Some(KindRules::Enum {
                defined_only,
                values,
            }) => match (value.as_enum_number(), kind) {
                (Some(n), Kind::Enum(e)) if *defined_only && e.get_value(n).is_none() => {
                    Err("value must be one of the defined enum values".to_owned())
                }
                (Some(n), _) => values.check(Num::Int(i128::from(n)), show_number),
                _ => Ok(()),
            },
            _ => Ok(()),
        };
        result.map_err(|m| self.error(m))
    }

    /// Unpacks an `Any` and checks its payload against the payload type's rules.
    fn any(&mut self, any: &DynamicMessage, json: Option<&Json>) -> Result<(), EnvoyError> {
        let type_url = any_type_url(any);
        let name = type_url.rsplit('/').next().unwrap_or_default();
        if name.starts_with("google.protobuf.") {
            return Ok(());
        }
        let Some(desc) = self.schema.pool.get_message_by_name(name) else {
            // Unreachable after a successful parse, which resolved the same name.
            return Err(self.error(format!("message '{name}' not found")));
        };
        let bytes = any
            .get_field_by_number(2)
            .and_then(|v| v.as_bytes().cloned())
            .unwrap_or_default();
        let payload = DynamicMessage::decode(desc, bytes)
            .map_err(|e| self.error(format!("cannot decode {name}: {e}")))?;
        // The payload's fields sit beside `@type` in the same JSON object.
        self.message(&payload, json)
    }
}

fn any_type_url(any: &DynamicMessage) -> String {
    any.get_field_by_number(1)
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The key a field has in the input (json_name or proto name, whichever the document used) and
/// its value there; the proto name when the field is absent.
fn field_json<'a>(json: Option<&'a Json>, field: &FieldDescriptor) -> (String, Option<&'a Json>) {
    let obj = json.and_then(Json::as_object);
    for name in [field.json_name(), field.name()] {
        if let Some(v) = obj.and_then(|o| o.get(name)) {
            return (name.to_owned(), Some(v));
        }
    }
    (field.name().to_owned(), None)
}

fn map_key_string(key: &MapKey) -> String {
    match key {
        MapKey::Bool(b) => b.to_string(),
        MapKey::I32(x) => x.to_string(),
        MapKey::I64(x) => x.to_string(),
        MapKey::U32(x) => x.to_string(),
        MapKey::U64(x) => x.to_string(),
        MapKey::String(s) => s.clone(),
    }
}

fn is_wrapper(name: &str) -> bool {
    matches!(
        name,
        "google.protobuf.DoubleValue"
            | "google.protobuf.FloatValue"
            | "google.protobuf.Int64Value"
            | "google.protobuf.UInt64Value"
            | "google.protobuf.Int32Value"
            | "google.protobuf.UInt32Value"
            | "google.protobuf.BoolValue"
            | "google.protobuf.StringValue"
            | "google.protobuf.BytesValue"
    )
}
