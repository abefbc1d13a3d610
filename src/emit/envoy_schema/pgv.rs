//! The protoc-gen-validate rules of Envoy's fields, read once from the `(validate.rules)`
//! options of the descriptor ([`FieldRules::parse`]), and the checks of one scalar value
//! against them. Pass 2 (`walk`) decides where each rule applies.

use prost_reflect::{DynamicMessage, Value};

use super::formats::{WellKnown, known_pattern};
use super::num::{Num, duration_nanos, show_list};

/// The protoc-gen-validate rules of one field, as far as portico checks them.
///
/// Implemented: `message.required`, `message.skip`; every numeric type's `const`, `lt`, `lte`,
/// `gt`, `gte` (including PGV's exclusive ranges), `in`, `not_in`, `ignore_empty`, also on
/// wrapper types; `bool.const`; `string.const`, `len`, `min_len`, `max_len`, `len_bytes`,
/// `min_bytes`, `max_bytes`, `prefix`, `suffix`, `contains`, `not_contains`, `in`, `not_in`,
/// `ignore_empty`, the well-known formats `hostname`, `ip`, `ipv4`, `ipv6`, `address`, `uuid`,
/// `email` (simplified) and `well_known_regex` HTTP_HEADER_NAME / HTTP_HEADER_VALUE (strict and
/// not), and `pattern` for the three patterns the trimmed Envoy API uses; `bytes.const`, `len`,
/// `min_len`, `max_len`, `prefix`, `suffix`, `contains`, `in`, `not_in`, `ip`, `ipv4`, `ipv6`;
/// `enum.const`, `defined_only`, `in`, `not_in`; `repeated.min_items`, `max_items`, `unique`,
/// `items`, `ignore_empty`; `map.min_pairs`, `max_pairs`, `keys`, `values`, `ignore_empty`;
/// `any.required`, `in`, `not_in`; `duration.required`, `const`, `lt`, `lte`, `gt`, `gte`,
/// `in`, `not_in`; `timestamp.required`; the `(validate.required)` oneof option and the
/// `(validate.disabled)` / `(validate.ignored)` message options.
///
/// Not implemented (not used by the trimmed Envoy API, or needing a regex engine or a URI
/// parser the crate does not otherwise have): other `string.pattern`s and `bytes.pattern`,
/// `string.uri` / `uri_ref`, the timestamp comparisons (`lt_now`, `within`, ...), and
/// `map.no_sparse` (meaningless in proto3).
#[derive(Debug, Default)]
pub(super) struct FieldRules {
    pub(super) required: bool,
    pub(super) skip: bool,
    pub(super) kind: Option<KindRules>,
}

#[derive(Debug)]
pub(super) enum KindRules {
    Number(NumberRules),
    Bool(Option<bool>),
    String(Box<StringRules>),
    Bytes(Box<BytesRules>),
    Enum {
        defined_only: bool,
        values: NumberRules,
    },
    Repeated(Box<RepeatedRules>),
    Map(Box<MapRules>),
    Any(AnyRules),
    Duration {
        required: bool,
        range: NumberRules,
    },
    Timestamp {
        required: bool,
    },
}

#[derive(Debug, Default)]
pub(super) struct NumberRules {
    pub(super) konst: Option<Num>,
    pub(super) lt: Option<Num>,
    pub(super) lte: Option<Num>,
    pub(super) gt: Option<Num>,
    pub(super) gte: Option<Num>,
    pub(super) within: Vec<Num>,
    pub(super) not_in: Vec<Num>,
    pub(super) ignore_empty: bool,
}

#[derive(Debug, Default)]
pub(super) struct StringRules {
    konst: Option<String>,
    len: Option<u64>,
    min_len: Option<u64>,
    max_len: Option<u64>,
    len_bytes: Option<u64>,
    min_bytes: Option<u64>,
    max_bytes: Option<u64>,
    pattern: Option<String>,
    prefix: Option<String>,
    suffix: Option<String>,
    contains: Option<String>,
    not_contains: Option<String>,
    within: Vec<String>,
    not_in: Vec<String>,
    well_known: Option<WellKnown>,
    strict: bool,
    ignore_empty: bool,
}

#[derive(Debug, Default)]
pub(super) struct BytesRules {
    konst: Option<Vec<u8>>,
    len: Option<u64>,
    min_len: Option<u64>,
    max_len: Option<u64>,
    prefix: Option<Vec<u8>>,
    suffix: Option<Vec<u8>>,
    contains: Option<Vec<u8>>,
    within: Vec<Vec<u8>>,
    not_in: Vec<Vec<u8>>,
    well_known: Option<WellKnown>,
    ignore_empty: bool,
}

#[derive(Debug, Default)]
pub(super) struct RepeatedRules {
    pub(super) min_items: Option<u64>,
    pub(super) max_items: Option<u64>,
    pub(super) unique: bool,
    pub(super) items: Option<FieldRules>,
    pub(super) ignore_empty: bool,
}

#[derive(Debug, Default)]
pub(super) struct MapRules {
    pub(super) min_pairs: Option<u64>,
    pub(super) max_pairs: Option<u64>,
    pub(super) keys: Option<FieldRules>,
    pub(super) values: Option<FieldRules>,
    pub(super) ignore_empty: bool,
}

#[derive(Debug, Default)]
pub(super) struct AnyRules {
    pub(super) required: bool,
    pub(super) within: Vec<String>,
    pub(super) not_in: Vec<String>,
}

const NUMBER_RULES: [&str; 12] = [
    "float", "double", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
    "fixed64", "sfixed32", "sfixed64",
];

/// A field of a rules message, if present.
fn opt<'a>(m: &'a DynamicMessage, name: &str) -> Option<std::borrow::Cow<'a, Value>> {
    if m.has_field_by_name(name) {
        m.get_field_by_name(name)
    } else {
        None
    }
}

fn opt_u64(m: &DynamicMessage, name: &str) -> Option<u64> {
    opt(m, name).and_then(|v| v.as_u64())
}

fn opt_string(m: &DynamicMessage, name: &str) -> Option<String> {
    opt(m, name).and_then(|v| v.as_str().map(str::to_owned))
}

fn opt_bytes(m: &DynamicMessage, name: &str) -> Option<Vec<u8>> {
    opt(m, name).and_then(|v| v.as_bytes().map(|b| b.to_vec()))
}

fn flag(m: &DynamicMessage, name: &str) -> bool {
    opt(m, name).and_then(|v| v.as_bool()) == Some(true)
}

fn list<T>(m: &DynamicMessage, name: &str, f: impl Fn(&Value) -> Option<T>) -> Vec<T> {
    m.get_field_by_name(name)
        .and_then(|v| {
            v.as_list()
                .map(|items| items.iter().filter_map(&f).collect())
        })
        .unwrap_or_default()
}

fn sub_rules(m: &DynamicMessage, name: &str) -> Option<FieldRules> {
    opt(m, name).and_then(|v| v.as_message().map(FieldRules::parse))
}

impl FieldRules {
    pub(super) fn parse(rules: &DynamicMessage) -> FieldRules {
        let mut out = FieldRules::default();
        if let Some(message) = opt(rules, "message")
            && let Some(message) = message.as_message()
        {
            out.required = flag(message, "required");
            out.skip = flag(message, "skip");
        }
        out.kind = KindRules::parse(rules);
        out
    }

    /// `required` in any of its spellings: message, duration, any, timestamp.
    pub(super) fn is_required(&self) -> bool {
        self.required
            || matches!(
                self.kind,
                Some(KindRules::Duration { required: true, .. })
                    | Some(KindRules::Timestamp { required: true })
                    | Some(KindRules::Any(AnyRules { required: true, .. }))
            )
    }
}

impl KindRules {
    pub(super) fn parse(rules: &DynamicMessage) -> Option<KindRules> {
        for name in NUMBER_RULES {
            if let Some(r) = opt(rules, name)
                && let Some(r) = r.as_message()
            {
                return Some(KindRules::Number(NumberRules::parse(r, Num::of)));
            }
        }
        if let Some(r) = opt(rules, "bool") {
            return Some(KindRules::Bool(
                r.as_message()
                    .and_then(|r| opt(r, "const").and_then(|v| v.as_bool())),
            ));
        }
        if let Some(r) = opt(rules, "string")
            && let Some(r) = r.as_message()
        {
            return Some(KindRules::String(Box::new(StringRules::parse(r))));
        }
        if let Some(r) = opt(rules, "bytes")
            && let Some(r) = r.as_message()
        {
            return Some(KindRules::Bytes(Box::new(BytesRules::parse(r))));
        }
        if let Some(r) = opt(rules, "enum")
            && let Some(r) = r.as_message()
        {
            return Some(KindRules::Enum {
                defined_only: flag(r, "defined_only"),
                values: NumberRules::parse(r, Num::of),
            });
        }
        if let Some(r) = opt(rules, "repeated")
            && let Some(r) = r.as_message()
        {
            return Some(KindRules::Repeated(Box::new(RepeatedRules {
                min_items: opt_u64(r, "min_items"),
                max_items: opt_u64(r, "max_items"),
                unique: flag(r, "unique"),
                items: sub_rules(r, "items"),
                ignore_empty: flag(r, "ignore_empty"),
            })));
        }
        if let Some(r) = opt(rules, "map")
            && let Some(r) = r.as_message()
        {
            return Some(KindRules::Map(Box::new(MapRules {
                min_pairs: opt_u64(r, "min_pairs"),
                max_pairs: opt_u64(r, "max_pairs"),
                keys: sub_rules(r, "keys"),
                values: sub_rules(r, "values"),
                ignore_empty: flag(r, "ignore_empty"),
            })));
        }
        if let Some(r) = opt(rules, "any")
            && let Some(r) = r.as_message()
        {
            let strings = |v: &Value| v.as_str().map(str::to_owned);
            return Some(KindRules::Any(AnyRules {
                required: flag(r, "required"),
                within: list(r, "in", strings),
                not_in: list(r, "not_in", strings),
            }));
        }
        if let Some(r) = opt(rules, "duration")
            && let Some(r) = r.as_message()
        {
            return Some(KindRules::Duration {
                required: flag(r, "required"),
                range: NumberRules::parse(r, |v| v.as_message().map(duration_nanos)),
            });
        }
        if let Some(r) = opt(rules, "timestamp")
            && let Some(r) = r.as_message()
        {
            return Some(KindRules::Timestamp {
                required: flag(r, "required"),
            });
        }
        None
    }
}

impl NumberRules {
    pub(super) fn parse(r: &DynamicMessage, num: impl Fn(&Value) -> Option<Num>) -> NumberRules {
        let one = |name: &str| opt(r, name).and_then(|v| num(&v));
        NumberRules {
            konst: one("const"),
            lt: one("lt"),
            lte: one("lte"),
            gt: one("gt"),
            gte: one("gte"),
            within: list(r, "in", &num),
            not_in: list(r, "not_in", &num),
            ignore_empty: flag(r, "ignore_empty"),
        }
    }

    /// `show` renders a bound in messages (plain numbers, or durations).
    pub(super) fn check(&self, v: Num, show: fn(Num) -> String) -> Result<(), String> {
        if self.ignore_empty && v.is_zero() {
            return Ok(());
        }
        if let Some(c) = self.konst
            && v != c
        {
            return Err(format!("value must equal {}", show(c)));
        }
        if !self.within.is_empty() && !self.within.contains(&v) {
            return Err(format!(
                "value must be in list {}",
                show_list(&self.within, show)
            ));
        }
        if self.not_in.contains(&v) {
            return Err(format!(
                "value must not be in list {}",
                show_list(&self.not_in, show)
            ));
        }
        let lower = self.gt.map(|b| (b, false)).or(self.gte.map(|b| (b, true)));
        let upper = self.lt.map(|b| (b, false)).or(self.lte.map(|b| (b, true)));
        let above = |(b, inclusive): (Num, bool)| if inclusive { v >= b } else { v > b };
        let below = |(b, inclusive): (Num, bool)| if inclusive { v <= b } else { v < b };
        match (lower, upper) {
            (Some(lo), Some(hi)) => {
                let (open, close) = (if lo.1 { '[' } else { '(' }, if hi.1 { ']' } else { ')' });
                if hi.0 > lo.0 {
                    if !(above(lo) && below(hi)) {
                        return Err(format!(
                            "value must be inside range {open}{}, {}{close}",
                            show(lo.0),
                            show(hi.0)
                        ));
                    }
                } else if !(above(lo) || below(hi)) {
                    // PGV's exclusive range: `gt: 10, lt: 5` means "not within [5, 10]".
                    let (open, close) =
                        (if hi.1 { '(' } else { '[' }, if lo.1 { ')' } else { ']' });
                    return Err(format!(
                        "value must be outside range {open}{}, {}{close}",
                        show(hi.0),
                        show(lo.0)
                    ));
                }
            }
            (Some(lo), None) if !above(lo) => {
                let op = if lo.1 {
                    "greater than or equal to"
                } else {
                    "greater than"
                };
                return Err(format!("value must be {op} {}", show(lo.0)));
            }
            (None, Some(hi)) if !below(hi) => {
                let op = if hi.1 {
                    "less than or equal to"
                } else {
                    "less than"
                };
                return Err(format!("value must be {op} {}", show(hi.0)));
            }
            _ => {}
        }
        Ok(())
    }
}

impl StringRules {
    pub(super) fn parse(r: &DynamicMessage) -> StringRules {
        let strings = |v: &Value| v.as_str().map(str::to_owned);
        let well_known = if flag(r, "email") {
            Some(WellKnown::Email)
        } else if flag(r, "hostname") {
            Some(WellKnown::Hostname)
        } else if flag(r, "ip") {
            Some(WellKnown::Ip)
        } else if flag(r, "ipv4") {
            Some(WellKnown::Ipv4)
        } else if flag(r, "ipv6") {
            Some(WellKnown::Ipv6)
        } else if flag(r, "address") {
            Some(WellKnown::Address)
        } else if flag(r, "uuid") {
            Some(WellKnown::Uuid)
        } else if flag(r, "uri") || flag(r, "uri_ref") {
            Some(WellKnown::Unchecked)
        } else {
            match opt(r, "well_known_regex").and_then(|v| v.as_enum_number()) {
                Some(1) => Some(WellKnown::HeaderName),
                Some(2) => Some(WellKnown::HeaderValue),
                _ => None,
            }
        };
        StringRules {
            konst: opt_string(r, "const"),
            len: opt_u64(r, "len"),
            min_len: opt_u64(r, "min_len"),
            max_len: opt_u64(r, "max_len"),
            len_bytes: opt_u64(r, "len_bytes"),
            min_bytes: opt_u64(r, "min_bytes"),
            max_bytes: opt_u64(r, "max_bytes"),
            pattern: opt_string(r, "pattern"),
            prefix: opt_string(r, "prefix"),
            suffix: opt_string(r, "suffix"),
            contains: opt_string(r, "contains"),
            not_contains: opt_string(r, "not_contains"),
            within: list(r, "in", strings),
            not_in: list(r, "not_in", strings),
            well_known,
            // proto2 `[default = true]`: absent means strict.
            strict: r
                .get_field_by_name("strict")
                .and_then(|v| v.as_bool())
                .unwrap_or(true),
            ignore_empty: flag(r, "ignore_empty"),
        }
    }

    pub(super) fn check(&self, s: &str) -> Result<(), String> {
        if self.ignore_empty && s.is_empty() {
            return Ok(());
        }
        if let Some(c) = &self.konst
            && s != c
        {
            return Err(format!("value must equal {c:?}"));
        }
        let chars = s.chars().count() as u64;
        let bytes = s.len() as u64;
        if let Some(n) = self.len
            && chars != n
        {
            return Err(format!("value length must be {n} characters"));
        }
        if let Some(n) = self.min_len
            && chars < n
        {
            return Err(format!("value length must be at least {n} characters"));
        }
        if let Some(n) = self.max_len
            && chars > n
        {
            return Err(format!("value length must be at most {n} characters"));
        }
        if let Some(n) = self.len_bytes
            && bytes != n
        {
            return Err(format!("value length must be {n} bytes"));
        }
        if let Some(n) = self.min_bytes
            && bytes < n
        {
            return Err(format!("value length must be at least {n} bytes"));
        }
        if let Some(n) = self.max_bytes
            && bytes > n
        {
            return Err(format!("value length must be at most {n} bytes"));
        }
        if let Some(p) = &self.pattern
            && known_pattern(p).is_some_and(|matches| !matches(s))
        {
            return Err(format!("value does not match regex pattern {p:?}"));
        }
        if let Some(p) = &self.prefix
            && !s.starts_with(p.as_str())
        {
            return Err(format!("value does not have prefix {p:?}"));
        }
        if let Some(p) = &self.suffix
            && !s.ends_with(p.as_str())
        {
            return Err(format!("value does not have suffix {p:?}"));
        }
        if let Some(p) = &self.contains
            && !s.contains(p.as_str())
        {
            return Err(format!("value does not contain substring {p:?}"));
        }
        if let Some(p) = &self.not_contains
            && s.contains(p.as_str())
        {
            return Err(format!("value contains substring {p:?}"));
        }
        if !self.within.is_empty() && !self.within.iter().any(|w| w == s) {
            return Err(format!("value must be in list {:?}", self.within));
        }
        if self.not_in.iter().any(|w| w == s) {
            return Err(format!("value must not be in list {:?}", self.not_in));
        }
        match self.well_known {
            Some(format) => format.check(s, self.strict),
            None => Ok(()),
        }
    }
}

impl BytesRules {
    pub(super) fn parse(r: &DynamicMessage) -> BytesRules {
        let bytes = |v: &Value| v.as_bytes().map(|b| b.to_vec());
        let well_known = if flag(r, "ip") {
            Some(WellKnown::Ip)
        } else if flag(r, "ipv4") {
            Some(WellKnown::Ipv4)
        } else if flag(r, "ipv6") {
            Some(WellKnown::Ipv6)
        } else {
            None
        };
        BytesRules {
            konst: opt_bytes(r, "const"),
            len: opt_u64(r, "len"),
            min_len: opt_u64(r, "min_len"),
            max_len: opt_u64(r, "max_len"),
            prefix: opt_bytes(r, "prefix"),
            suffix: opt_bytes(r, "suffix"),
            contains: opt_bytes(r, "contains"),
            within: list(r, "in", bytes),
            not_in: list(r, "not_in", bytes),
            well_known,
            ignore_empty: flag(r, "ignore_empty"),
        }
    }

    pub(super) fn check(&self, b: &[u8]) -> Result<(), String> {
        if self.ignore_empty && b.is_empty() {
            return Ok(());
        }
        let n = b.len() as u64;
        if let Some(c) = &self.konst
            && b != c.as_slice()
        {
            return Err(format!("value must equal {c:?}"));
        }
        if let Some(len) = self.len
            && n != len
        {
            return Err(format!("value length must be {len} bytes"));
        }
        if let Some(min) = self.min_len
            && n < min
        {
            return Err(format!("value length must be at least {min} bytes"));
        }
        if let Some(max) = self.max_len
            && n > max
        {
            return Err(format!("value length must be at most {max} bytes"));
        }
        if let Some(p) = &self.prefix
            && !b.starts_with(p)
        {
            return Err(format!("value does not have prefix {p:?}"));
        }
        if let Some(p) = &self.suffix
            && !b.ends_with(p)
        {
            return Err(format!("value does not have suffix {p:?}"));
        }
        if let Some(p) = &self.contains
            && !p.is_empty()
            && !b.windows(p.len()).any(|w| w == p.as_slice())
        {
            return Err(format!("value does not contain {p:?}"));
        }
        if !self.within.is_empty() && !self.within.iter().any(|w| w == b) {
            return Err(format!("value must be in list {:?}", self.within));
        }
        if self.not_in.iter().any(|w| w == b) {
            return Err(format!("value must not be in list {:?}", self.not_in));
        }
        match self.well_known {
            Some(WellKnown::Ip) if n != 4 && n != 16 => {
                Err("value must be a valid IP address".to_owned())
            }
            Some(WellKnown::Ipv4) if n != 4 => Err("value must be a valid IPv4 address".to_owned()),
            Some(WellKnown::Ipv6) if n != 16 => {
                Err("value must be a valid IPv6 address".to_owned())
            }
            _ => Ok(()),
        }
    }
}
