//! Resolving plain scalars, and spotting the ones YAML 1.1 (what Kubernetes reads) and YAML 1.2
//! disagree on.
//!
//! The tree keeps values that both versions agree on typed (`true`, `42`, `1.5`, `null`). A plain
//! scalar that YAML 1.1 turns into a boolean or a number but YAML 1.2 keeps as a string (`yes`,
//! `on`, `0755`, `1_000`, `1:30`) stays a string in the tree, so a typed string field still reads
//! it, and the loader records it so a rule can warn that Kubernetes will read something else.

use super::node::Value;

/// What YAML 1.1 makes of a plain scalar that YAML 1.2 reads as a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Yaml11Reading {
    /// A boolean (`yes`, `off`, `y`, …).
    Bool(bool),
    /// A number written in a YAML 1.1-only form (`0755` octal, `1_000`, `1:30` base 60, `0b101`).
    Number(String),
}

/// Resolves a plain scalar. Returns the value and, when YAML 1.1 reads it differently, how.
#[must_use]
pub fn resolve_plain(text: &str) -> (Value, Option<Yaml11Reading>) {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return (Value::Null, None),
        "true" | "True" | "TRUE" => return (Value::Bool(true), None),
        "false" | "False" | "FALSE" => return (Value::Bool(false), None),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            return (Value::String(text.into()), Some(Yaml11Reading::Bool(true)));
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            return (Value::String(text.into()), Some(Yaml11Reading::Bool(false)));
        }
        _ => {}
    }
    if let Some(reading) = yaml11_only_number(text) {
        return (
            Value::String(text.into()),
            Some(Yaml11Reading::Number(reading)),
        );
    }
    if let Some(n) = core_number(text) {
        return (Value::Number(n), None);
    }
    (Value::String(text.into()), None)
}

/// Numbers YAML 1.2 core and YAML 1.1 agree on: decimal without leading zeros, hex, and plain floats.
fn core_number(text: &str) -> Option<serde_json::Number> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let negative = text.starts_with('-');
    if let Some(hex) = unsigned.strip_prefix("0x") {
        let v = i64::from_str_radix(hex, 16).ok()?;
        return Some(serde_json::Number::from(if negative { -v } else { v }));
    }
    let bytes = unsigned.as_bytes();
    if bytes.is_empty() || !(bytes[0].is_ascii_digit() || bytes[0] == b'.') {
        return None;
    }
    if bytes.iter().all(u8::is_ascii_digit) {
        if bytes.len() > 1 && bytes[0] == b'0' {
            return None;
        }
        return text
            .trim_start_matches('+')
            .parse::<i64>()
            .ok()
            .map(serde_json::Number::from)
            .or_else(|| float(text));
    }
    // A float: digits with one '.', optional exponent; no leading zero before another digit.
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let dots = mantissa.matches('.').count();
    let digits_ok = mantissa.chars().all(|c| c.is_ascii_digit() || c == '.') && dots <= 1;
    let has_digit = mantissa.chars().any(|c| c.is_ascii_digit());
    let leading_zero =
        mantissa.len() > 1 && mantissa.starts_with('0') && !mantissa.starts_with("0.");
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    if digits_ok && has_digit && !leading_zero && exponent_ok && (dots == 1 || exponent.is_some()) {
        return float(text);
    }
    None
}

fn float(text: &str) -> Option<serde_json::Number> {
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
}

/// Number forms only YAML 1.1 knows; returns the value YAML 1.1 gives.
fn yaml11_only_number(text: &str) -> Option<String> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let sign = if text.starts_with('-') { "-" } else { "" };
    let b = unsigned.as_bytes();
    if b.len() > 1 && b[0] == b'0' && b.iter().all(|c| (b'0'..=b'7').contains(c)) {
        let v = i64::from_str_radix(&unsigned[1..], 8).ok()?;
        return Some(format!("{sign}{v}"));
    }
    if let Some(bin) = unsigned.strip_prefix("0b") {
        let v = i64::from_str_radix(&bin.replace('_', ""), 2).ok()?;
        return Some(format!("{sign}{v}"));
    }
    if unsigned.contains('_')
        && unsigned.starts_with(|c: char| c.is_ascii_digit())
        && unsigned
            .chars()
            .all(|c| c.is_ascii_digit() || c == '_' || c == '.')
    {
        return Some(format!("{sign}{}", unsigned.replace('_', "")));
    }
    // Base 60: 1:30 → 90, 190:20:30 → 685230. Only digits and colons, no leading colon.
    if unsigned.contains(':')
        && !unsigned.starts_with(':')
        && !unsigned.ends_with(':')
        && unsigned.chars().all(|c| c.is_ascii_digit() || c == ':')
    {
        let mut total: i64 = 0;
        for part in unsigned.split(':') {
            let part: i64 = part.parse().ok()?;
            if part >= 60 && total > 0 {
                return None;
            }
            total = total.checked_mul(60)?.checked_add(part)?;
        }
        return Some(format!("{sign}{total}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreed_values_are_typed() {
        assert_eq!(resolve_plain("true").0, Value::Bool(true));
        assert_eq!(resolve_plain("~").0, Value::Null);
        assert_eq!(resolve_plain("42").0, Value::Number(42.into()));
        assert_eq!(resolve_plain("0x1F").0, Value::Number(31.into()));
        assert!(matches!(resolve_plain("1.5").0, Value::Number(_)));
        assert!(matches!(resolve_plain("1e3").0, Value::Number(_)));
        assert_eq!(resolve_plain("v1").0, Value::String("v1".into()));
        assert_eq!(resolve_plain("1.2.3").0, Value::String("1.2.3".into()));
        assert_eq!(resolve_plain("0").0, Value::Number(0.into()));
    }

    #[test]
    fn yaml11_readings_are_kept_as_strings_and_reported() {
        assert_eq!(
            resolve_plain("yes"),
            (Value::String("yes".into()), Some(Yaml11Reading::Bool(true)))
        );
        assert_eq!(
            resolve_plain("OFF"),
            (
                Value::String("OFF".into()),
                Some(Yaml11Reading::Bool(false))
            )
        );
        assert_eq!(
            resolve_plain("0755"),
            (
                Value::String("0755".into()),
                Some(Yaml11Reading::Number("493".into()))
            )
        );
        assert_eq!(
            resolve_plain("1_000").1,
            Some(Yaml11Reading::Number("1000".into()))
        );
        assert_eq!(
            resolve_plain("1:30").1,
            Some(Yaml11Reading::Number("90".into()))
        );
        assert_eq!(
            resolve_plain("0b101").1,
            Some(Yaml11Reading::Number("5".into()))
        );
        assert_eq!(
            resolve_plain("10:00:00").1,
            Some(Yaml11Reading::Number("36000".into()))
        );
        assert_eq!(resolve_plain("12:30pm").1, None);
    }
}
