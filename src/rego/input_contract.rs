//! The input document Gloo's ext auth service gives an `opaAuth` policy (gloo-api.md §6): the
//! Envoy `CheckRequest` under `check_request`, a copy of its HTTP request under
//! `http_request`, and the auth chain's state under `state`. A path outside it is undefined at
//! run time, so the rule that reads it silently never holds.

use super::facts::Segment;

/// A node of the contract.
#[derive(Debug)]
enum Shape {
    /// A scalar or a structure portico does not constrain (a token's claims, addresses).
    Open,
    /// A map with arbitrary keys (headers, context extensions, filter metadata).
    Map,
    /// An object with these keys.
    Object(&'static [(&'static str, Shape)]),
    /// An object with these keys that other auth steps may extend (`state`): an unknown key
    /// is reported only when it looks like a misspelt known one.
    Extensible(&'static [(&'static str, Shape)]),
}

/// `attributes.request.http` and `http_request` (Envoy `AttributeContext.HttpRequest`).
const HTTP: &[(&str, Shape)] = &[
    ("body", Shape::Open),
    ("fragment", Shape::Open),
    ("headers", Shape::Map),
    ("host", Shape::Open),
    ("id", Shape::Open),
    ("method", Shape::Open),
    ("path", Shape::Open),
    ("protocol", Shape::Open),
    ("query", Shape::Open),
    ("raw_body", Shape::Open),
    ("scheme", Shape::Open),
    ("size", Shape::Open),
];

const ATTRIBUTES: &[(&str, Shape)] = &[
    ("context_extensions", Shape::Map),
    ("destination", Shape::Open),
    (
        "metadata_context",
        Shape::Object(&[
            ("filter_metadata", Shape::Map),
            ("typed_filter_metadata", Shape::Map),
        ]),
    ),
    (
        "request",
        Shape::Object(&[("http", Shape::Object(HTTP)), ("time", Shape::Open)]),
    ),
    ("route_metadata_context", Shape::Open),
    ("source", Shape::Open),
    ("tls_session", Shape::Open),
];

const ROOT: &[(&str, Shape)] = &[
    (
        "check_request",
        Shape::Object(&[("attributes", Shape::Object(ATTRIBUTES))]),
    ),
    ("http_request", Shape::Object(HTTP)),
    (
        "state",
        Shape::Extensible(&[
            ("api_key_value", Shape::Open),
            ("introspection", Shape::Open),
            ("jwt", Shape::Open),
            ("jwtAccessToken", Shape::Open),
        ]),
    ),
];

/// A path that leaves the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideContract {
    /// Index in the path of the first segment that is not in the contract.
    pub segment: usize,
    /// The keys allowed there.
    pub expected: Vec<&'static str>,
    /// The known key it most likely means.
    pub suggestion: Option<&'static str>,
}

/// Checks a path below `input`; `None` when it is inside the contract.
#[must_use]
pub fn check_path(path: &[Segment]) -> Option<OutsideContract> {
    let mut shape = &Shape::Object(ROOT);
    for (i, segment) in path.iter().enumerate() {
        let (fields, extensible) = match shape {
            Shape::Open | Shape::Map => return None,
            Shape::Object(f) => (*f, false),
            Shape::Extensible(f) => (*f, true),
        };
        let Segment::Key(key) = segment else {
            // Iterating an object's keys stays inside it.
            return None;
        };
        match fields.iter().find(|(name, _)| name == key) {
            Some((_, next)) => shape = next,
            None => {
                let suggestion = suggest(key, fields);
                if extensible && suggestion.is_none() {
                    return None;
                }
                return Some(OutsideContract {
                    segment: i,
                    expected: fields.iter().map(|(n, _)| *n).collect(),
                    suggestion,
                });
            }
        }
    }
    None
}

/// The known key a misspelt one means: the same letters in another case or separator style
/// (`filterMetadata`, `jwt_access_token`), or within edit distance 2.
fn suggest(key: &str, fields: &[(&'static str, Shape)]) -> Option<&'static str> {
    let norm = |s: &str| s.replace(['_', '-'], "").to_lowercase();
    let wanted = norm(key);
    fields
        .iter()
        .map(|(n, _)| *n)
        .find(|n| norm(n) == wanted)
        .or_else(|| crate::suggest::closest(key, fields.iter().map(|(n, _)| *n)))
        .and_then(|n| fields.iter().map(|(f, _)| *f).find(|f| *f == n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(p: &str) -> Vec<Segment> {
        p.split('.')
            .map(|s| {
                if s == "*" {
                    Segment::Any
                } else {
                    Segment::Key(s.to_string())
                }
            })
            .collect()
    }

    #[test]
    fn contract_paths_pass() {
        for ok in [
            "check_request.attributes.request.http.headers.authorization",
            "check_request.attributes.metadata_context.filter_metadata.io",
            "check_request.attributes.context_extensions.config_id",
            "http_request.method",
            "state.jwtAccessToken.scp.*",
            "state.custom_passthrough_key",
            "check_request.*.x",
        ] {
            assert_eq!(check_path(&path(ok)), None, "{ok}");
        }
    }

    #[test]
    fn misspellings_are_caught_with_suggestions() {
        let cases = [
            ("check_request.atributes.request", 1, Some("attributes")),
            (
                "check_request.attributes.metadata_context.filterMetadata",
                3,
                Some("filter_metadata"),
            ),
            ("state.jwt_access_token.scope", 1, Some("jwtAccessToken")),
            ("http_request.header", 1, Some("headers")),
            ("checkrequest", 0, Some("check_request")),
            ("user", 0, None),
        ];
        for (p, segment, suggestion) in cases {
            let found = check_path(&path(p));
            assert_eq!(
                found.as_ref().map(|f| (f.segment, f.suggestion)),
                Some((segment, suggestion)),
                "{p}"
            );
        }
    }
}
