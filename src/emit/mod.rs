//! The emit stage (PRODUCT §6): the repository compiled into the artifacts to deploy, as a map
//! from relative path to file text. Nothing here touches the disk; [`write`] does that
//! atomically for the CLI, and [`diff`] compares with what is on disk for `build --check`.
//!
//! Every document is validated before it is returned: AuthConfigs against portico's own
//! AuthConfig schema, Envoy documents against Envoy's API descriptors. A failure is an internal
//! error naming the document and JSON path, never a file written.

pub mod authconfig;
pub mod envoy;
pub mod envoy_schema;
pub mod output;

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::model::Model;
use crate::model::index::Index;
use crate::model::selection::PolicySelection;
use crate::rego::Analysis;

pub use output::{diff, write};

/// The files of a build: relative path (with `/`) → text.
pub type Artifacts = BTreeMap<String, String>;

/// Why a build produced nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    /// An emitted document failed validation: a bug in portico, reported with where.
    #[error("internal error: emitted {file} is invalid at {pointer}: {message}")]
    Invalid {
        /// The artifact.
        file: String,
        /// JSON Pointer inside the document.
        pointer: String,
        /// What the validator said.
        message: String,
    },
    /// Findings that make the artifacts wrong were quieted (suppressed, baselined, lowered or
    /// turned off): the build refuses all the same ([`BREAKS_ARTIFACTS`]).
    #[error(
        "build refused: {} finding(s) make the artifacts wrong; a suppression, the baseline or portico.yaml quiets them for `check` but does not make the artifacts right:{}",
        .0.len(),
        .0.iter().map(|r| format!("\n  {r}")).collect::<String>()
    )]
    Refused(Vec<Refusal>),
    /// Two documents would be written to one path: a bug in portico (or two names whose
    /// hashes collide, see [`file_name`]). Never a file silently replaced by another.
    #[error(
        "internal error: two artifacts would be written to {path}: {first} and {second}; nothing was written"
    )]
    Collision {
        /// The artifact path.
        path: String,
        /// What the first document is.
        first: String,
        /// What the second document is.
        second: String,
    },
    /// An emitted document could not be rendered as YAML: a bug in portico.
    #[error("internal error: cannot render {file} as YAML: {message}")]
    Render {
        /// The artifact.
        file: String,
        /// What the serializer said.
        message: String,
    },
}

/// Rule codes whose findings make an artifact wrong, with why. A suppression, the baseline or
/// a severity lowered in `portico.yaml` quiets a finding for `check`, the pre-commit gate; none
/// of them makes such an artifact right, so `build` refuses while one of these findings exists,
/// however it was quieted, and names it (see [`refusals`]). The rules behind them run in
/// `build` even when `portico.yaml` turns them off.
///
/// Left out on purpose ([`KEPT_FOR_CHECK`], each with why): findings about what the
/// configuration means rather than what portico can compile (a selector that matches nothing,
/// an unprotected product route, scopes, the access matrix, a matcher conflict Gloo resolves
/// the same way): the artifacts reproduce what Gloo would serve, and recording such legacy
/// findings is what a baseline is for. Only rules that are errors by default are listed, so a
/// warning never blocks a build. Findings about AuthConfigs kept by hand do not refuse:
/// portico compiles nothing from them (PC602 reports a hand-kept AuthConfig that takes a
/// compiled one's name as a finding of the policy, so that one does).
pub const BREAKS_ARTIFACTS: &[(&str, &str)] = &[
    (
        "PC001",
        "a document that does not parse is left out, and with it what it declares",
    ),
    (
        "PC002",
        "portico and the Kubernetes API server may keep different values of a duplicated key",
    ),
    (
        "PC004",
        "a document whose aliases expand too far is left out",
    ),
    ("PC005", "a file that cannot be read is left out"),
    (
        "PC006",
        "the placeholder would be copied into the artifacts as it is",
    ),
    (
        "PC101",
        "a resource with a value of the wrong type is left out of the model the artifacts are built from",
    ),
    (
        "PC102",
        "`glooAuth` is copied as written, so the field would reach the AuthConfig, which the CRD does not allow",
    ),
    (
        "PC103",
        "the emitted documents would carry a value the API refuses",
    ),
    (
        "PC104",
        "the emitted documents would lack a field the API requires",
    ),
    (
        "PC105",
        "portico would compile one of the exclusive fields and drop the other",
    ),
    ("PC106", "the RouteTable CRD refuses the table"),
    ("PC107", "the RouteTable CRD refuses the table"),
    (
        "PC108",
        "the route has no destination, so the Envoy output leaves it out",
    ),
    (
        "PC109",
        "the virtual host would carry a domain Envoy and Gloo refuse",
    ),
    (
        "PC110",
        "the RouteTable CRD refuses the status, and Envoy's route validation too",
    ),
    ("PC111", "the weights would not mean what they say"),
    (
        "PC203",
        "without its ExtAuthServer, the AuthConfig's name, namespace and ext_authz cluster are portico's guesses",
    ),
    (
        "PC204",
        "the ext auth service rejects an AuthConfig whose module ConfigMap is missing (gloo-api.md §4)",
    ),
    (
        "PC205",
        "Gloo keeps one of the policies and fails the other; portico cannot know which, so a route may be compiled with the wrong AuthConfig (gloo-api.md §7)",
    ),
    (
        "PC206",
        "two objects with one identity: the API server keeps one, the artifacts would be built from both",
    ),
    (
        "PC208",
        "Gloo serves a delegated table that sets `hosts` under its own hosts too (PC208's rule page); the Envoy output compiles it only under its parent",
    ),
    (
        "PC209",
        "Gloo rejects cyclic delegation; the Envoy output would serve routes the gateway does not",
    ),
    (
        "PC402",
        "the AuthConfig would carry the value as written: the ext auth service fetches the signing keys from `remoteJwks.url` (gloo-api.md §2) and can fetch none from a value that is not an http(s) URL, and no token's `iss` equals an issuer that does not parse, so every token on the routes is refused",
    ),
    (
        "PC404",
        "the ext auth service rejects an AuthConfig whose inline JWKS is not one (gloo-api.md §7)",
    ),
    (
        "PC406",
        "the AuthConfig CRD requires `requiredScopes` to be an object",
    ),
    (
        "PC407",
        "a private key that is in the repository signs tokens anyone can forge: the AuthConfig would accept them",
    ),
    (
        "PC501",
        "the ext auth service compiles the modules with the query and rejects the AuthConfig (gloo-api.md §4)",
    ),
    (
        "PC503",
        "an unknown function is a Rego compile error: the ext auth service rejects the AuthConfig",
    ),
    (
        "PC504",
        "the ext auth service rejects a duplicate module (gloo-api.md §4)",
    ),
    (
        "PC505",
        "the ext auth service rejects a blank query and fails to compile an invalid one (gloo-api.md §4)",
    ),
    (
        "PC602",
        "two policies would share one AuthConfig, and every route of both would be checked against it",
    ),
    (
        "PC603",
        "the API server refuses a manifest whose name is not a valid Kubernetes name",
    ),
];

/// The rules that are errors by default and are left out of [`BREAKS_ARTIFACTS`], with why: the
/// artifacts are what Gloo would serve, so quieting such a finding is the repository's choice.
/// Every rule that is an error by default is in one of the two lists (a test says so), so a
/// new rule cannot be forgotten.
pub const KEPT_FOR_CHECK: &[(&str, &str)] = &[
    (
        "PC201",
        "a selector that matches nothing protects nothing: Gloo applies the policy to no route, and so do the artifacts",
    ),
    (
        "PC202",
        "a delegation that selects no table serves no route, in Gloo and in the artifacts",
    ),
    (
        "PC301",
        "an unprotected product route is served without ext auth by Gloo, and by the artifacts",
    ),
    (
        "PC302",
        "two tables with one product version: each route still carries its own table's metadata",
    ),
    (
        "PC303",
        "scopes are the identity provider's: the artifacts do not depend on them",
    ),
    (
        "PC305",
        "the product id is copied into the route metadata as it is, as Gloo does",
    ),
    (
        "PC306",
        "scope sources feed the scope rules, not the artifacts",
    ),
    (
        "PC408",
        "a credential in a URL is already in the repository: the artifact is what Gloo would serve, and rotating the credential, not refusing the build, is the fix",
    ),
    (
        "PC506",
        "a query naming an undefined rule compiles in OPA (the result is undefined) and denies: what the policy means, not what portico compiles",
    ),
    (
        "PC507",
        "a query result that never grants is accepted by the ext auth service and denies: what the policy means",
    ),
    (
        "PC510",
        "how the Rego reads scopes is what the policy means, compiled as written",
    ),
    (
        "PC511",
        "the access matrix judges what the policy means, compiled as written",
    ),
    (
        "PC512",
        "the access matrix judges what the policy means, compiled as written",
    ),
    (
        "PC513",
        "an evaluation error happens when a request is checked, not when the AuthConfig is accepted; compile errors are PC501's",
    ),
    (
        "PC601",
        "Gloo drops a delegated route whose matcher leaves its parent's, and so does the Envoy output",
    ),
    (
        "PC901",
        "portico.yaml configures portico, not the artifacts (an `output:` it refuses is never used)",
    ),
    (
        "PC902",
        "portico.yaml configures portico, not the artifacts",
    ),
    (
        "PC905",
        "a suppression comment configures portico, not the artifacts",
    ),
];

/// Why `code` makes an artifact wrong, when it does (see [`BREAKS_ARTIFACTS`]).
#[must_use]
pub fn breaks_artifacts(code: &str) -> Option<&'static str> {
    BREAKS_ARTIFACTS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, why)| *why)
}

/// A finding that refuses the build although the check let it through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The rule code.
    pub code: &'static str,
    /// `file:line:col`.
    pub location: String,
    /// The finding's message.
    pub message: String,
    /// How it was quieted (`suppressed by a comment at …: reason`, `recorded in the baseline`, …).
    pub quieted: String,
    /// Why it makes the artifacts wrong ([`BREAKS_ARTIFACTS`]).
    pub why: &'static str,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {} ({}); {}",
            self.code, self.location, self.message, self.quieted, self.why
        )
    }
}

/// The findings of [`BREAKS_ARTIFACTS`] the check did not count as errors: lowered below error
/// in `portico.yaml`, suppressed, baselined, or of a rule `portico.yaml` turns off
/// (`turned_off`, which `build` ran anyway). In that order, each list in its own order.
#[must_use]
pub fn refusals(
    repo: &crate::load::Repo,
    diagnostics: &[crate::diagnostic::Diagnostic],
    suppressed: &[crate::triage::suppression::Suppressed],
    baselined: &[crate::diagnostic::Diagnostic],
    turned_off: &[crate::diagnostic::Diagnostic],
) -> Vec<Refusal> {
    use crate::diagnostic::{Diagnostic, Severity, Span};
    let at = |span: &Span| {
        let file = repo.sources.get(span.file);
        let position = file.line_col(span.range.start);
        format!("{}:{}:{}", file.name, position.line, position.column)
    };
    // portico compiles no artifact from an AuthConfig kept by hand.
    let hand_kept = format!("{}/", crate::model::Kind::AuthConfig.as_str());
    let refusal = |d: &Diagnostic, quieted: String| {
        if d.finding
            .resource
            .as_deref()
            .is_some_and(|r| r.starts_with(&hand_kept))
        {
            return None;
        }
        breaks_artifacts(d.code).map(|why| Refusal {
            code: d.code,
            location: at(&d.finding.span),
            message: d.finding.message.clone(),
            quieted,
            why,
        })
    };
    let mut out: Vec<Refusal> = diagnostics
        .iter()
        .filter(|d| d.severity < Severity::Error)
        .filter_map(|d| {
            refusal(
                d,
                format!("lowered to {} in portico.yaml", d.severity.as_str()),
            )
        })
        .collect();
    out.extend(suppressed.iter().filter_map(|s| {
        let reason = s
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        refusal(
            &s.diagnostic,
            format!("suppressed at {}{reason}", at(&s.at)),
        )
    }));
    out.extend(
        baselined
            .iter()
            .filter_map(|d| refusal(d, "recorded in the baseline".to_string())),
    );
    out.extend(
        turned_off
            .iter()
            .filter_map(|d| refusal(d, "its rule is off in portico.yaml".to_string())),
    );
    out
}

/// What emitting needs.
pub struct EmitInput<'a> {
    /// Files and documents.
    pub repo: &'a crate::load::Repo,
    /// Typed resources.
    pub model: &'a Model,
    /// Resolved routes.
    pub index: &'a Index,
    /// Which routes each policy selects.
    pub selections: &'a [PolicySelection],
    /// The Rego stage (for the `opaAuth` steps' ConfigMaps).
    pub rego: &'a Analysis,
    /// The facts computed once: which policy protects each route.
    pub facts: &'a crate::model::facts::Facts,
}

/// Compiles every artifact.
///
/// # Errors
/// When an emitted document does not validate.
pub fn emit(input: &EmitInput<'_>) -> Result<Artifacts, EmitError> {
    use rayon::prelude::*;
    let mut docs = authconfig::emit(input.repo, input.model)?;
    docs.extend(envoy::emit(input)?);
    refuse_collisions(&mut docs)?;
    // Rendering is independent per document; rayon keeps the order.
    let texts: Vec<(String, String)> = docs
        .into_par_iter()
        .map(|(path, doc)| match to_yaml(&doc) {
            Ok(text) => Ok((path, text)),
            Err(message) => Err(EmitError::Render {
                file: path,
                message,
            }),
        })
        .collect::<Result<_, _>>()?;
    Ok(texts.into_iter().collect())
}

/// Sorts the documents by path, and refuses two with one path: collected into [`Artifacts`],
/// one would silently replace the other.
///
/// # Errors
/// [`EmitError::Collision`] naming the path and both documents.
pub fn refuse_collisions(docs: &mut [(String, Json)]) -> Result<(), EmitError> {
    docs.sort_by(|a, b| a.0.cmp(&b.0));
    let describe = |doc: &Json| {
        let name = doc
            .pointer("/metadata/name")
            .or_else(|| doc.get("name"))
            .and_then(Json::as_str)
            .unwrap_or("a document without a name");
        let namespace = doc.pointer("/metadata/namespace").and_then(Json::as_str);
        match (doc.get("kind").and_then(Json::as_str), namespace) {
            (Some(kind), Some(ns)) => format!("{kind} `{ns}/{name}`"),
            (Some(kind), None) => format!("{kind} `{name}`"),
            _ => format!("`{name}`"),
        }
    };
    match docs.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        Some(pair) => Err(EmitError::Collision {
            path: pair[0].0.clone(),
            first: describe(&pair[0].1),
            second: describe(&pair[1].1),
        }),
        None => Ok(()),
    }
}

/// Recursively sorts object keys, so output never depends on input order or hash order.
#[must_use]
pub fn sorted(value: &Json) -> Json {
    match value {
        Json::Object(map) => {
            let mut entries: Vec<(&String, &Json)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Json::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Json::Array(items) => Json::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// YAML text of a document: keys sorted, `\n` endings, a trailing newline.
///
/// # Errors
/// When the serializer refuses the document (it should not: the documents are plain JSON).
pub fn to_yaml(value: &Json) -> Result<String, String> {
    let mut text = yaml_serde::to_string(&sorted(value)).map_err(|e| e.to_string())?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    /// Every rule that is an error by default is judged once: it breaks the artifacts, or it
    /// is left to `check` with a reason. A new rule fails this until someone decides.
    #[test]
    fn every_error_rule_is_judged_once() {
        let mut unjudged = Vec::new();
        for rule in crate::checks::registry::RULES {
            let breaks = BREAKS_ARTIFACTS
                .iter()
                .filter(|(c, _)| *c == rule.code)
                .count();
            let kept = KEPT_FOR_CHECK
                .iter()
                .filter(|(c, _)| *c == rule.code)
                .count();
            match (rule.default_severity == Severity::Error, breaks + kept) {
                (true, 1) | (false, 0) => {}
                _ => unjudged.push(rule.code),
            }
        }
        for (code, _) in BREAKS_ARTIFACTS.iter().chain(KEPT_FOR_CHECK) {
            if !crate::checks::registry::RULES
                .iter()
                .any(|r| r.code == *code)
            {
                unjudged.push(code);
            }
        }
        assert!(
            unjudged.is_empty(),
            "rules not judged exactly once (an error rule must be in BREAKS_ARTIFACTS or KEPT_FOR_CHECK, a warning in neither): {unjudged:?}"
        );
    }

    #[test]
    fn two_documents_on_one_path_are_an_error() {
        let mut docs = vec![
            (
                "envoy/routes/x.y.z.yaml".to_string(),
                serde_json::json!({"name": "x.y.z"}),
            ),
            (
                "envoy/clusters/c.yaml".to_string(),
                serde_json::json!({"name": "c"}),
            ),
            (
                "envoy/routes/x.y.z.yaml".to_string(),
                serde_json::json!({"name": "x.y.z", "virtual_hosts": []}),
            ),
        ];
        let error = refuse_collisions(&mut docs).err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "internal error: two artifacts would be written to envoy/routes/x.y.z.yaml: `x.y.z` and `x.y.z`; nothing was written"
            )
        );
        docs.pop();
        assert_eq!(refuse_collisions(&mut docs), Ok(()));
        assert_eq!(docs[0].0, "envoy/clusters/c.yaml");
    }
}
