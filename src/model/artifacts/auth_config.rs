//! One `enterprise.gloo.solo.io/v1` AuthConfig per ExtAuthPolicy with `glooAuth`, named as Gloo
//! Platform names the config it serves the ext auth service (gloo-api.md §4):
//! `<policy>-<policyNamespace>-<cluster>-<extAuthServiceName>` in the ext auth service's
//! namespace, so that `config_id` is `<namespace>.<name>`. Each is validated against
//! portico's AuthConfig schema ([`crate::model::kinds::schema`]) before it is returned.

use serde_json::{Value as Json, json};

use crate::load::Repo;
use crate::model::kinds::ExtAuthPolicySpec;
use crate::model::{Meta, Model, Resource};

use super::InvalidArtifact;
use super::kubernetes_name::NameForm;

/// Where an ExtAuthPolicy's AuthConfig lives and what the gateway calls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfigId {
    /// The ext auth service's namespace.
    pub namespace: String,
    /// `<policy>-<policyNamespace>-<cluster>-<extAuthServiceName>`.
    pub name: String,
}

impl AuthConfigId {
    /// The `config_id` context extension: `<namespace>.<name>`.
    #[must_use]
    pub fn config_id(&self) -> String {
        format!("{}.{}", self.namespace, self.name)
    }
}

/// Where a part of an AuthConfig's identity is read: a value of a resource, at a path relative
/// to the resource's object, or portico's default when the repository leaves it out.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// The value at this path of this resource.
    Value(&'a Meta, &'static str),
    /// A default of portico's (valid by construction).
    Default,
}

/// One part of an AuthConfig's identity and where it comes from.
#[derive(Debug, Clone)]
pub struct IdPart<'a> {
    /// The text.
    pub value: String,
    /// Where it was read.
    pub origin: Origin<'a>,
}

/// The parts an AuthConfig's identity is made of.
#[derive(Debug, Clone)]
pub struct IdParts<'a> {
    /// The policy's name.
    pub policy: IdPart<'a>,
    /// The policy's namespace.
    pub policy_namespace: IdPart<'a>,
    /// The cluster of the ext auth server.
    pub cluster: IdPart<'a>,
    /// The name of the ext auth service (the destination of the ExtAuthServer).
    pub service: IdPart<'a>,
    /// The ext auth service's namespace: the AuthConfig's namespace.
    pub namespace: IdPart<'a>,
}

impl IdParts<'_> {
    /// The identity they make.
    #[must_use]
    pub fn id(&self) -> AuthConfigId {
        AuthConfigId {
            namespace: self.namespace.value.clone(),
            name: format!(
                "{}-{}-{}-{}",
                self.policy.value,
                self.policy_namespace.value,
                self.cluster.value,
                self.service.value
            ),
        }
    }

    /// The parts of the name, in order.
    #[must_use]
    pub fn name_parts(&self) -> [&IdPart<'_>; 4] {
        [
            &self.policy,
            &self.policy_namespace,
            &self.cluster,
            &self.service,
        ]
    }
}

/// The AuthConfig identity of a policy: the ext auth service is the destination of the
/// ExtAuthServer the policy names (its own namespace when the reference omits it).
#[must_use]
pub fn id_of(model: &Model, policy: &Resource<ExtAuthPolicySpec>) -> AuthConfigId {
    id_parts(model, policy).id()
}

/// The parts of [`id_of`], each with where it was read, so that a problem with the name can
/// be reported at the value that caused it.
#[must_use]
pub fn id_parts<'a>(model: &'a Model, policy: &'a Resource<ExtAuthPolicySpec>) -> IdParts<'a> {
    let server_ref = policy.spec.config.as_ref().and_then(|c| c.server.as_ref());
    let server_name = server_ref
        .and_then(|s| s.name.as_deref())
        .unwrap_or("ext-auth-server");
    let server_namespace = server_ref
        .and_then(|s| s.namespace.as_deref())
        .unwrap_or(&policy.meta.id.namespace);
    let server = model
        .ext_auth_servers
        .iter()
        .find(|s| s.meta.id.name == server_name && s.meta.id.namespace == server_namespace);
    let destination = server
        .and_then(|s| s.spec.destination_server.as_ref())
        .and_then(|d| d.reference.as_ref());
    let part = |value: &str, origin: Origin<'a>| IdPart {
        value: value.to_string(),
        origin,
    };
    let service = match (server, destination.and_then(|d| d.name.as_deref())) {
        (Some(s), Some(name)) => part(
            name,
            Origin::Value(&s.meta, "/spec/destinationServer/ref/name"),
        ),
        _ => part("ext-auth-service", Origin::Default),
    };
    let namespace = match (server, destination.and_then(|d| d.namespace.as_deref())) {
        (Some(s), Some(ns)) => part(
            ns,
            Origin::Value(&s.meta, "/spec/destinationServer/ref/namespace"),
        ),
        (Some(s), None) => part(
            &s.meta.id.namespace,
            Origin::Value(&s.meta, "/metadata/namespace"),
        ),
        (None, _) => match server_ref.and_then(|s| s.namespace.as_deref()) {
            Some(ns) => part(
                ns,
                Origin::Value(&policy.meta, "/spec/config/server/namespace"),
            ),
            None => part(
                &policy.meta.id.namespace,
                Origin::Value(&policy.meta, "/metadata/namespace"),
            ),
        },
    };
    let cluster = match (
        server_ref.and_then(|s| s.cluster.as_deref()),
        server,
        destination.and_then(|d| d.cluster.as_deref()),
    ) {
        (Some(c), _, _) => part(
            c,
            Origin::Value(&policy.meta, "/spec/config/server/cluster"),
        ),
        (None, Some(s), Some(c)) => part(
            c,
            Origin::Value(&s.meta, "/spec/destinationServer/ref/cluster"),
        ),
        _ => part("cluster1", Origin::Default),
    };
    IdParts {
        policy: part(
            &policy.meta.id.name,
            Origin::Value(&policy.meta, "/metadata/name"),
        ),
        policy_namespace: part(
            &policy.meta.id.namespace,
            Origin::Value(&policy.meta, "/metadata/namespace"),
        ),
        cluster,
        service,
        namespace,
    }
}

/// Replaces every `localJwks.inlineString` of a `glooAuth` copy with the JWK Set
/// [`crate::model::jwks::public_jwks`] writes: never the text as written, which may hold private keys
/// anywhere (PC407 reports them in the repository).
fn publish_public_keys(spec: &mut Json, file: &str) -> Result<(), InvalidArtifact> {
    let Some(configs) = spec.get_mut("configs").and_then(Json::as_array_mut) else {
        return Ok(());
    };
    for (i, config) in configs.iter_mut().enumerate() {
        let at = "/oauth2/accessTokenValidation/jwt/localJwks/inlineString";
        let Some(value) = config.pointer_mut(at) else {
            continue;
        };
        let public = value
            .as_str()
            .ok_or(crate::model::jwks::NotAJwks("it is not a string"))
            .and_then(crate::model::jwks::public_jwks)
            .map_err(|why| InvalidArtifact {
                file: file.to_string(),
                pointer: format!("/spec/configs/{i}{at}"),
                message: format!("the inline JWKS is not written: {} (PC404)", why.0),
            })?;
        *value = Json::String(public);
    }
    Ok(())
}

/// Labels of a generated AuthConfig: where it comes from. A label value is at most 63
/// characters, alphanumeric at both ends with `-`, `_` and `.` between
/// (<https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set>),
/// and the API server refuses an object with another: a policy name may be longer (an RFC 1123
/// subdomain has up to 253), and is then an annotation, `portico.dev/source-name`, instead.
fn source_metadata(policy: &Meta) -> (Json, Option<Json>) {
    let mut labels = serde_json::Map::new();
    labels.insert(
        "portico.dev/source-kind".to_string(),
        json!("ExtAuthPolicy"),
    );
    let mut annotations = serde_json::Map::new();
    for (key, value) in [
        ("portico.dev/source-namespace", &policy.id.namespace),
        ("portico.dev/source-name", &policy.id.name),
    ] {
        if is_label_value(value) {
            labels.insert(key.to_string(), json!(value));
        } else {
            annotations.insert(key.to_string(), json!(value));
        }
    }
    (
        Json::Object(labels),
        (!annotations.is_empty()).then_some(Json::Object(annotations)),
    )
}

/// A valid Kubernetes label value (see [`source_metadata`]), not empty.
fn is_label_value(value: &str) -> bool {
    value.len() <= 63
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value.ends_with(|c: char| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The `glooAuth` object as written (every field, also those portico does not model), in the
/// spelling Gloo's protobuf JSON decoder reads it: the AuthConfig CRD refuses `"1800"` for an
/// integer and `client_id` for `clientId`, which `glooAuth` accepts.
fn gloo_auth_json(repo: &Repo, meta: &Meta) -> Option<Json> {
    let found = repo
        .root(meta.doc)?
        .pointer(&meta.pointer("/spec/config/glooAuth"))?;
    let mut json = found.node.to_json();
    crate::schema::validate::strip_nulls(&mut json);
    Some(crate::model::kinds::schema::gloo_auth_as_gloo_reads(json))
}

/// The AuthConfig of one policy, (artifact path, document); `None` when the policy has no
/// `glooAuth`.
///
/// # Errors
/// When the document fails portico's AuthConfig schema.
pub fn compile(
    model: &Model,
    policy: &Resource<ExtAuthPolicySpec>,
    root_of: impl Fn(&Meta) -> Option<Json>,
) -> Result<Option<(String, Json)>, InvalidArtifact> {
    if policy.spec.gloo_auth().is_none() {
        return Ok(None);
    }
    let Some(mut spec) = root_of(&policy.meta) else {
        return Ok(None);
    };
    // OPA modules become explicit references: the AuthConfig lives in another namespace
    // than the policy, where an omitted namespace would mean something else.
    if let Some(configs) = spec.get_mut("configs").and_then(Json::as_array_mut) {
        for config in configs {
            let Some(modules) = config
                .pointer_mut("/opaAuth/modules")
                .and_then(Json::as_array_mut)
            else {
                continue;
            };
            for module in modules {
                if let Json::Object(m) = module
                    && !m.contains_key("namespace")
                {
                    m.insert("namespace".to_string(), json!(policy.meta.id.namespace));
                }
            }
        }
    }
    let id = id_of(model, policy);
    let file = format!("AuthConfig of {}", policy.meta.id);
    // Never copy a private key into an artifact (PC407 reports it in the repository).
    publish_public_keys(&mut spec, &file)?;
    // The check refuses these names (PC603); this keeps a bad one from ever becoming a
    // path or a manifest.
    for (what, value, form) in [
        ("/metadata/namespace", &id.namespace, NameForm::Dns1123Label),
        ("/metadata/name", &id.name, NameForm::Dns1123Subdomain),
    ] {
        if let Some(problem) = form.problem(value) {
            return Err(InvalidArtifact {
                file,
                pointer: what.to_string(),
                message: format!("`{value}` {problem}: a name is {}", form.describe()),
            });
        }
    }
    let (labels, annotations) = source_metadata(&policy.meta);
    let mut metadata = json!({
        "name": id.name,
        "namespace": id.namespace,
        "labels": labels,
    });
    if let (Some(annotations), Json::Object(map)) = (annotations, &mut metadata) {
        map.insert("annotations".to_string(), annotations);
    }
    let document = json!({
        "apiVersion": "enterprise.gloo.solo.io/v1",
        "kind": "AuthConfig",
        "metadata": metadata,
        "spec": spec,
    });
    // A valid name may be 253 characters, too long for a file name with `.yaml` on some
    // systems: the file is named by `file_name`, the document keeps the name.
    let path = format!(
        "authconfigs/{}/{}",
        super::file_name::stem(&[&id.namespace]),
        super::file_name::file_name(&[&id.name])
    );
    validate(&path, &document)?;
    Ok(Some((path, document)))
}

/// The AuthConfig of one policy, with `glooAuth` read from its document (see [`compile`]).
///
/// # Errors
/// When the document fails portico's AuthConfig schema.
pub fn compile_from(
    repo: &Repo,
    model: &Model,
    policy: &Resource<ExtAuthPolicySpec>,
) -> Result<Option<(String, Json)>, InvalidArtifact> {
    compile(model, policy, |meta| gloo_auth_json(repo, meta))
}

fn validate(path: &str, document: &Json) -> Result<(), InvalidArtifact> {
    // The AuthConfig API is the same in every supported release (`kinds/versions.rs`).
    match crate::model::kinds::schema::validate(
        crate::model::Kind::AuthConfig,
        crate::gloo_version::GlooVersion::LATEST,
        document,
        "",
    )
    .first()
    {
        Some(error) => Err(InvalidArtifact {
            file: path.to_string(),
            pointer: error.target(),
            message: error.describe().0,
        }),
        None => Ok(()),
    }
}
