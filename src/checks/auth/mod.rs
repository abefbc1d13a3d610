//! PC4xx: auth configuration.

pub mod credentials_in_url;
pub mod insecure_token_url;
pub mod invalid_inline_jwks;
pub mod invalid_token_url;
pub mod jwks_without_signing_key;
pub mod policy_applies_to_all_destinations;
pub mod private_key_in_jwks;
pub mod required_scopes_bare_list;

use crate::model::kinds::AccessTokenValidation;
use crate::model::{Meta, Model, gloo_auth_specs};

/// Every `oauth2.accessTokenValidation` with the resource and its pointer.
pub(crate) fn access_token_validations(
    model: &Model,
) -> impl Iterator<Item = (&Meta, String, &AccessTokenValidation)> {
    gloo_auth_specs(model).flat_map(|(meta, base, spec)| {
        spec.configs
            .iter()
            .enumerate()
            .filter_map(move |(c, step)| {
                step.oauth2
                    .as_ref()
                    .and_then(|o| o.access_token_validation.as_ref())
                    .map(|atv| {
                        (
                            meta,
                            format!("{base}/configs/{c}/oauth2/accessTokenValidation"),
                            atv,
                        )
                    })
            })
    })
}

/// Every token URL (`remoteJwks.url`, `issuer`) with its resource, pointer and a name for it.
pub(crate) fn token_urls(model: &Model) -> Vec<(&Meta, String, &'static str, &str)> {
    let mut out = Vec::new();
    for (meta, base, atv) in access_token_validations(model) {
        let Some(jwt) = &atv.jwt else { continue };
        if let Some(url) = jwt.remote_jwks.as_ref().and_then(|r| r.url.as_deref()) {
            out.push((
                meta,
                format!("{base}/jwt/remoteJwks/url"),
                "remote JWKS URL",
                url,
            ));
        }
        if let Some(issuer) = jwt.issuer.as_deref().filter(|i| !i.is_empty()) {
            out.push((meta, format!("{base}/jwt/issuer"), "issuer", issuer));
        }
    }
    out
}

/// Every `localJwks.inlineString` with its resource and pointer.
pub(crate) fn inline_jwks(model: &Model) -> Vec<(&Meta, String, &str)> {
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
pub(crate) struct JwksProblem {
    pub range: std::ops::Range<usize>,
    pub message: String,
    pub help: String,
}

/// What an inline JWKS holds.
pub(crate) struct JwksAnalysis {
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
pub(crate) fn analyse_jwks(text: &str) -> JwksAnalysis {
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
    for object in crate::model::jwks::objects(text) {
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
