//! Inline JWKS text (`localJwks.inlineString`), as the emitter writes it and as the checks
//! read it: [`analyse_jwks`] says, once per run ([`crate::model::facts::Facts`]), what a JWKS
//! holds and what is wrong in it, at positions inside its text.
//!
//! The emitter never copies the text: it writes [`public_jwks`], a JWK Set re-serialised with
//! only its `keys` member and, in each key, only the members RFC 7517 and RFC 7518 define as
//! public. Whatever else the text holds (a second `keys` member, a private key under another
//! member, a private member of a key) cannot reach an artifact.
//!
//! The checks read the text with [`objects`], which keeps every member of every object with
//! its position, duplicates included. serde_json keeps only the last of two equal member names
//! (so does Go's `encoding/json`, golang/go#24415; which reader the ext auth service, written
//! in Go, parses JWKS with is not confirmed here), and portico's YAML loader keeps the last one
//! too, as kubectl does: a private key placed in the first of two `keys` members was invisible
//! to both.

use std::ops::Range;

use granit_parser::{Event, Options, Parser};

use crate::model::{Meta, Model, access_token_validations};
use serde_json::{Map, Value as Json};

/// The private members of a JWK (RFC 7518 §6.2.2 for EC, §6.3.2 for RSA, §6.4.1 for `oct`,
/// RFC 8037 §2 for OKP), in the order they are listed. `is_symmetric` says whether the key is an
/// `oct` key, which is nothing but its secret `k`; `d` and the RSA factors are private
/// whatever the key type says.
pub fn private_members<'a>(
    names: impl IntoIterator<Item = &'a str>,
    is_symmetric: bool,
) -> Vec<&'static str> {
    let names: Vec<&str> = names.into_iter().collect();
    PRIVATE_MEMBERS
        .into_iter()
        .filter(|m| (*m != "k" || is_symmetric) && names.contains(m))
        .collect()
}

/// Every member name some JWK type defines as private (see [`private_members`]).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The private members of a key given as a JSON object (see [`private_members`]).
#[must_use]
pub fn private_jwk_members(key: &Map<String, Json>) -> Vec<&'static str> {
    let symmetric = key.get("kty").and_then(Json::as_str) == Some("oct");
    private_members(key.keys().map(String::as_str), symmetric)
}

/// The members a JWK keeps in an artifact: the common parameters of RFC 7517 §4 (`kty`,
/// `use`, `key_ops`, `alg`, `kid`, `x5u`, `x5c`, `x5t`, `x5t#S256`), and the public parameters
/// of EC keys (RFC 7518 §6.2.1: `crv`, `x`, `y`), RSA keys (§6.3.1: `n`, `e`) and OKP keys
/// (RFC 8037 §2: `crv`, `x`). A list of what may stay, not of what must go: a member portico
/// does not know is left out rather than trusted to be public.
pub const PUBLIC_JWK_MEMBERS: &[&str] = &[
    "kty", "use", "key_ops", "alg", "kid", "x5u", "x5c", "x5t", "x5t#S256", "crv", "x", "y", "n",
    "e",
];

/// Why an inline JWKS cannot be written at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAJwks(pub &'static str);

/// The JWK Set to write for `text`: `{"keys": [...]}` with, of each key that is a JSON object,
/// only its [`PUBLIC_JWK_MEMBERS`], in the order written. `oct` keys (a shared secret and
/// nothing else) and keys that are not objects are left out. Members of the set other than
/// `keys` are left out: RFC 7517 §5 has implementations ignore members they do not understand,
/// so nothing the ext auth service uses is lost.
///
/// # Errors
/// When `text` is not a JSON object with a `keys` list (PC404 reports it, and the build
/// refuses): the text is then not written in any form.
pub fn public_jwks(text: &str) -> Result<String, NotAJwks> {
    let jwks: Json = serde_json::from_str(text).map_err(|_| NotAJwks("it is not JSON"))?;
    let keys = jwks
        .get("keys")
        .and_then(Json::as_array)
        .ok_or(NotAJwks("it is not a JSON object with a `keys` list"))?;
    let public: Vec<Json> = keys
        .iter()
        .filter_map(Json::as_object)
        .filter(|key| key.get("kty").and_then(Json::as_str) != Some("oct"))
        .map(|key| {
            Json::Object(
                key.iter()
                    .filter(|(name, _)| PUBLIC_JWK_MEMBERS.contains(&name.as_str()))
                    .map(|(name, value)| (name.clone(), value.clone()))
                    .collect(),
            )
        })
        .collect();
    let mut set = Map::new();
    set.insert("keys".to_string(), Json::Array(public));
    Ok(Json::Object(set).to_string())
}

/// One object of a JSON (or YAML) text, with every member as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonObject {
    /// JSON pointer of the object, built from member names and list positions (two members
    /// of one name give the same pointer; the positions tell them apart).
    pub pointer: String,
    /// Byte range of the object in the text.
    pub span: Range<usize>,
    /// Its members in text order, duplicates included.
    pub members: Vec<JsonMember>,
}

/// A member of a [`JsonObject`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonMember {
    /// The name, with escapes decoded (`"\u0064"` is `d`).
    pub name: String,
    /// Byte range of the name in the text, quotes included.
    pub name_span: Range<usize>,
    /// The value, when it is a scalar.
    pub scalar: Option<String>,
}

impl JsonObject {
    /// The value of the first member called `name`, when it is a scalar.
    #[must_use]
    pub fn scalar(&self, name: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|m| m.name == name)
            .and_then(|m| m.scalar.as_deref())
    }

    /// The members whose name appeared earlier in the object: (the later one, the first one).
    #[must_use]
    pub fn duplicates(&self) -> Vec<(&JsonMember, &JsonMember)> {
        self.members
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                self.members[..i]
                    .iter()
                    .find(|first| first.name == m.name)
                    .map(|first| (m, first))
            })
            .collect()
    }

    /// The private members of this object read as a JWK (see [`private_members`]); a key
    /// whose `kty` is written twice is symmetric when either says `oct`.
    #[must_use]
    pub fn private_members(&self) -> Vec<&JsonMember> {
        let symmetric = self
            .members
            .iter()
            .any(|m| m.name == "kty" && m.scalar.as_deref() == Some("oct"));
        let private = private_members(self.members.iter().map(|m| m.name.as_str()), symmetric);
        private
            .iter()
            .filter_map(|p| self.members.iter().find(|m| m.name == *p))
            .collect()
    }
}

enum Frame {
    Object {
        index: usize,
        /// The member name read, waiting for its value.
        name: Option<(String, Range<usize>)>,
    },
    List {
        pointer: String,
        next: usize,
    },
    /// A collection used as a mapping key (YAML allows it, JSON does not): not walked.
    Key,
}

/// Every object of `text` (JSON, which is YAML; YAML flow and block mappings are read too),
/// outermost first, with every member in text order: a member written twice is listed twice.
/// Aliases are not followed, so the work is bounded by the length of the text. Text that does
/// not parse gives the objects read before the parser stopped, maybe none.
#[must_use]
pub fn objects(text: &str) -> Vec<JsonObject> {
    crate::panic_boundary::run("the YAML parser", || objects_unguarded(text)).unwrap_or_default()
}

fn objects_unguarded(text: &str) -> Vec<JsonObject> {
    let mut options = Options::default();
    options.set_emit_comments(false);
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut out: Vec<JsonObject> = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    while let Some(Ok((event, span))) = parser.next_event() {
        let range = span.byte_range().unwrap_or(0..0);
        match event {
            Event::Scalar(value, ..) => {
                let value = value.to_string();
                match frames.last_mut() {
                    Some(Frame::Object {
                        name: slot @ None, ..
                    }) => {
                        *slot = Some((value, range));
                    }
                    Some(Frame::Object { index, name }) => {
                        if let (Some((name, name_span)), Some(object)) =
                            (name.take(), out.get_mut(*index))
                        {
                            object.members.push(JsonMember {
                                name,
                                name_span,
                                scalar: Some(value),
                            });
                        }
                    }
                    Some(Frame::List { next, .. }) => *next += 1,
                    Some(Frame::Key) | None => {}
                }
            }
            Event::Alias(_) | Event::UnresolvedAlias(_) => {
                value_without_scalar(&mut frames, &mut out);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let pointer = match value_without_scalar(&mut frames, &mut out) {
                    Placed::At(pointer) => Some(pointer),
                    Placed::AsKey => None,
                };
                let is_object = matches!(event, Event::MappingStart(..));
                frames.push(match (pointer, is_object) {
                    (None, _) => Frame::Key,
                    (Some(pointer), true) => {
                        out.push(JsonObject {
                            pointer,
                            span: range,
                            members: Vec::new(),
                        });
                        Frame::Object {
                            index: out.len() - 1,
                            name: None,
                        }
                    }
                    (Some(pointer), false) => Frame::List { pointer, next: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(Frame::Object { index, .. }) = frames.pop()
                    && let Some(object) = out.get_mut(index)
                {
                    object.span.end = range.end.max(object.span.start);
                }
            }
            Event::DocumentStart(..) | Event::DocumentEnd => frames.clear(),
            _ => {}
        }
    }
    out
}

/// Where a value that is not a scalar goes.
enum Placed {
    /// At this pointer.
    At(String),
    /// In a mapping key.
    AsKey,
}

/// Records a value that is not a scalar (a collection or an alias) in the innermost frame,
/// and says where it is.
fn value_without_scalar(frames: &mut [Frame], out: &mut [JsonObject]) -> Placed {
    match frames.last_mut() {
        None => Placed::At(String::new()),
        Some(Frame::Object { name: None, .. }) | Some(Frame::Key) => Placed::AsKey,
        Some(Frame::Object { index, name }) => {
            let Some((name, name_span)) = name.take() else {
                return Placed::AsKey;
            };
            let Some(object) = out.get_mut(*index) else {
                return Placed::AsKey;
            };
            let pointer = format!("{}/{}", object.pointer, escape_pointer_token(&name));
            object.members.push(JsonMember {
                name,
                name_span,
                scalar: None,
            });
            Placed::At(pointer)
        }
        Some(Frame::List { pointer, next }) => {
            let at = format!("{pointer}/{next}");
            *next += 1;
            Placed::At(at)
        }
    }
}

/// RFC 6901 §3: `~` is written `~0` and `/` is written `~1` in a pointer token.
fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Every `localJwks.inlineString` with its resource and pointer.
pub fn inline_jwks(model: &Model) -> Vec<(&Meta, String, &str)> {
    access_token_validations(model)
        .filter_map(|(meta, base, atv)| {
            atv.jwt
                .as_ref()
                .and_then(|j| j.local_jwks.as_ref())
                .and_then(|l| l.inline_string.as_deref())
                .map(|s| (meta, format!("{base}/jwt/localJwks/inlineString"), s))
        })
        .collect()
}

/// A problem inside an inline JWKS, at a byte range of the JWKS text.
#[derive(Debug, Clone)]
pub struct JwksProblem {
    /// Where, in the JWKS text.
    pub range: std::ops::Range<usize>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// What an inline JWKS holds.
#[derive(Debug, Clone)]
pub struct JwksAnalysis {
    /// Structural problems (PC404).
    pub problems: Vec<JwksProblem>,
    /// Keys in the set.
    pub keys: usize,
    /// Keys Gloo can verify signatures with: a `kid`, and neither `use: enc` nor an
    /// encryption algorithm.
    pub signing_keys: usize,
}

/// Encryption-only JWA algorithms (RFC 7518 §4): a key marked with one cannot verify a JWT.
fn is_encryption_alg(alg: &str) -> bool {
    alg == "RSA1_5"
        || alg == "dir"
        || alg.starts_with("RSA-OAEP")
        || alg.starts_with("ECDH-ES")
        || alg.ends_with("KW")
}

/// Checks that `text` is a JWKS the ext auth service can use, as precisely as the text allows.
pub fn analyse_jwks(text: &str) -> JwksAnalysis {
    use crate::load::source::SourceFile;
    let mut analysis = JwksAnalysis {
        problems: Vec::new(),
        keys: 0,
        signing_keys: 0,
    };
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let file = SourceFile::new(String::new(), std::path::PathBuf::new(), text.to_owned());
            let at = file.offset_of(e.line(), e.column().saturating_sub(1));
            let unquoted = text.contains('\'') || e.to_string().contains("key must be a string");
            analysis.problems.push(JwksProblem {
                range: at..at,
                message: format!("inline JWKS is not valid JSON: {e}"),
                help: if unquoted {
                    "JSON keys and strings need double quotes: {\"keys\": [{\"kty\": \"RSA\", …}]}"
                        .to_owned()
                } else {
                    "the value must be a JSON object {\"keys\": [...]}".to_owned()
                },
            });
            return analysis;
        }
    };
    // JSON is YAML: reading it with the span-keeping loader gives positions inside the text.
    let file = SourceFile::new(String::new(), std::path::PathBuf::new(), text.to_owned());
    let parsed = crate::load::yaml::parse(&file);
    let root = parsed.documents.into_iter().next().map(|d| d.root);
    let span_of = |pointer: &str| -> std::ops::Range<usize> {
        root.as_ref()
            .map_or(0..0, |r| r.pointer_or_parent(pointer).node.span.range())
    };
    // A member written twice: RFC 7517 has JWK and JWK Set readers either reject it or keep
    // the last (§4, §5), and RFC 8259 §4 says readers differ; serde_json and Go's
    // `encoding/json` (golang/go#24415) keep the last, so the first (a private key, say) is
    // what nothing but the text shows.
    for object in objects(text) {
        for (later, _) in object.duplicates() {
            let place = if object.pointer.is_empty() {
                "the JWK Set object".to_owned()
            } else {
                format!("the object at `{}`", object.pointer)
            };
            analysis.problems.push(JwksProblem {
                range: later.name_span.clone(),
                message: format!(
                    "inline JWKS: member `{}` is written a second time in {place}: JSON readers disagree about which one counts",
                    later.name
                ),
                help: "member names of a JWK and of a JWK Set must be unique (RFC 7517 §4, §5): keep one".to_owned(),
            });
        }
    }
    let Some(keys) = json.get("keys").and_then(serde_json::Value::as_array) else {
        analysis.problems.push(JwksProblem {
            range: span_of(""),
            message: if json.is_object() {
                "inline JWKS has no `keys` list".to_owned()
            } else {
                "inline JWKS is not a JSON object".to_owned()
            },
            help: "a JWKS is a JSON object {\"keys\": [ ...keys... ]}; a single key must be wrapped in it".to_owned(),
        });
        return analysis;
    };
    analysis.keys = keys.len();
    if keys.is_empty() {
        analysis.problems.push(JwksProblem {
            range: span_of("/keys"),
            message: "inline JWKS has an empty `keys` list".to_owned(),
            help: "add the identity provider's public signing keys".to_owned(),
        });
    }
    for (i, key) in keys.iter().enumerate() {
        let pointer = format!("/keys/{i}");
        let Some(object) = key.as_object() else {
            analysis.problems.push(JwksProblem {
                range: span_of(&pointer),
                message: format!("key {i} of the inline JWKS is not a JSON object"),
                help: "each key is an object with `kty`, `kid` and its parameters".to_owned(),
            });
            continue;
        };
        let mut ok = true;
        for (field, why) in [
            ("kty", "the key type (`RSA`, `EC`, `OKP`)"),
            ("kid", "the key id; Gloo ignores keys without one"),
        ] {
            if !object.get(field).is_some_and(serde_json::Value::is_string) {
                ok = false;
                analysis.problems.push(JwksProblem {
                    range: span_of(&pointer),
                    message: format!("key {i} of the inline JWKS has no `{field}`"),
                    help: format!("add `{field}`: {why}"),
                });
            }
        }
        if !ok {
            continue;
        }
        if let Some(problem) = jwk_parameter_problem(object) {
            let field_pointer = format!("{pointer}/{}", problem.0);
            analysis.problems.push(JwksProblem {
                range: span_of(&field_pointer),
                message: format!("key {i} of the inline JWKS: {}", problem.1),
                help: "copy the key exactly as the identity provider publishes it at its JWKS URL"
                    .to_owned(),
            });
            continue;
        }
        // The common fields' types (`use`, `key_ops`, `x5c`, …) as jsonwebtoken reads them.
        if let Err(e) = serde_json::from_value::<jsonwebtoken::jwk::Jwk>(key.clone()) {
            analysis.problems.push(JwksProblem {
                range: span_of(&pointer),
                message: format!("key {i} of the inline JWKS is not a valid JWK: {e}"),
                help: "copy the key exactly as the identity provider publishes it at its JWKS URL"
                    .to_owned(),
            });
            continue;
        }
        let is_enc = object.get("use").and_then(serde_json::Value::as_str) == Some("enc")
            || object
                .get("alg")
                .and_then(serde_json::Value::as_str)
                .is_some_and(is_encryption_alg);
        if !is_enc {
            analysis.signing_keys += 1;
        }
    }
    analysis
}

/// Signature and encryption algorithms JWA (RFC 7518) and RFC 8037 define.
const KNOWN_ALGS: &[&str] = &[
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "ES256",
    "ES384",
    "ES512",
    "ES256K",
    "PS256",
    "PS384",
    "PS512",
    "EdDSA",
    "Ed25519",
    "Ed448",
    "RSA1_5",
    "RSA-OAEP",
    "RSA-OAEP-256",
    "RSA-OAEP-384",
    "RSA-OAEP-512",
    "A128KW",
    "A192KW",
    "A256KW",
    "dir",
    "ECDH-ES",
    "ECDH-ES+A128KW",
    "ECDH-ES+A192KW",
    "ECDH-ES+A256KW",
    "A128GCMKW",
    "A192GCMKW",
    "A256GCMKW",
    "PBES2-HS256+A128KW",
    "PBES2-HS384+A192KW",
    "PBES2-HS512+A256KW",
];

/// The first missing or malformed key-type parameter of a JWK (RFC 7518 §6): the field and what
/// is wrong with it.
fn jwk_parameter_problem(
    key: &serde_json::Map<String, serde_json::Value>,
) -> Option<(&'static str, String)> {
    let kty = key
        .get("kty")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    let required: &[&'static str] = match kty {
        "RSA" => &["n", "e"],
        "EC" => &["crv", "x", "y"],
        "OKP" => &["crv", "x"],
        "oct" => &["k"],
        other => {
            return Some((
                "kty",
                format!("unknown key type `{other}` (expected RSA, EC, OKP or oct)"),
            ));
        }
    };
    for &field in required {
        match key.get(field).and_then(serde_json::Value::as_str) {
            None => return Some((field, format!("{kty} key has no `{field}`"))),
            Some(value) if field != "crv" && !is_base64url(value) => {
                return Some((
                    field,
                    format!(
                        "`{field}` is not base64url (RFC 7515 §2: A-Z, a-z, 0-9, `-`, `_`, no padding)"
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    if let Some(crv) = key.get("crv").and_then(serde_json::Value::as_str) {
        let known: &[&str] = if kty == "EC" {
            &["P-256", "P-384", "P-521", "secp256k1"]
        } else {
            &["Ed25519", "Ed448", "X25519", "X448"]
        };
        if !known.contains(&crv) {
            return Some(("crv", format!("unknown curve `{crv}` for a {kty} key")));
        }
    }
    if let Some(alg) = key.get("alg").and_then(serde_json::Value::as_str)
        && !KNOWN_ALGS.contains(&alg)
    {
        let hint = crate::suggest::closest(alg, KNOWN_ALGS.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Some(("alg", format!("unknown algorithm `{alg}`{hint}")));
    }
    None
}

fn is_base64url(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests;
