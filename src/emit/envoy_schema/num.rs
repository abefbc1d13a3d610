//! Numbers of any protobuf numeric type, and durations as nanoseconds, compared exactly when
//! both sides are integers; and how rule bounds are shown in messages.

use std::cmp::Ordering;

use prost_reflect::{DynamicMessage, Value};

/// A number of any protobuf numeric type (durations as nanoseconds), compared exactly when
/// both sides are integers.
#[derive(Debug, Clone, Copy)]
pub(super) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub(super) fn of(v: &Value) -> Option<Num> {
        Some(match v {
            Value::I32(x) | Value::EnumNumber(x) => Num::Int(i128::from(*x)),
            Value::I64(x) => Num::Int(i128::from(*x)),
            Value::U32(x) => Num::Int(i128::from(*x)),
            Value::U64(x) => Num::Int(i128::from(*x)),
            Value::F32(x) => Num::Float(f64::from(*x)),
            Value::F64(x) => Num::Float(*x),
            _ => return None,
        })
    }

    pub(super) fn is_zero(self) -> bool {
        match self {
            Num::Int(x) => x == 0,
            Num::Float(x) => x == 0.0,
        }
    }

    pub(super) fn as_f64(self) -> f64 {
        match self {
            // Precision loss only beyond 2^53, where float rules do not reach.
            Num::Int(x) => x as f64,
            Num::Float(x) => x,
        }
    }
}

impl PartialEq for Num {
    fn eq(&self, other: &Num) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(b)),
            _ => self.as_f64().partial_cmp(&other.as_f64()),
        }
    }
}

pub(super) fn show_number(n: Num) -> String {
    match n {
        Num::Int(x) => x.to_string(),
        Num::Float(x) => x.to_string(),
    }
}

pub(super) fn show_duration(n: Num) -> String {
    match n {
        Num::Int(nanos) if nanos % 1_000_000_000 == 0 => format!("{}s", nanos / 1_000_000_000),
        Num::Int(nanos) => {
            let secs = nanos as f64 / 1e9;
            format!("{secs}s")
        }
        Num::Float(x) => format!("{x}s"),
    }
}

pub(super) fn show_list(items: &[Num], show: fn(Num) -> String) -> String {
    let shown: Vec<String> = items.iter().map(|n| show(*n)).collect();
    format!("[{}]", shown.join(", "))
}

pub(super) fn duration_nanos(d: &DynamicMessage) -> Num {
    let seconds = d
        .get_field_by_number(1)
        .and_then(|v| v.as_i64())
        .unwrap_or(0);
    let nanos = d
        .get_field_by_number(2)
        .and_then(|v| v.as_i32())
        .unwrap_or(0);
    Num::Int(i128::from(seconds) * 1_000_000_000 + i128::from(nanos))
}
