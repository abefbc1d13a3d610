//! One `enterprise.gloo.solo.io/v1` AuthConfig per ExtAuthPolicy with `glooAuth`, named as Gloo
//! Platform names the config it serves the ext auth service (gloo-api.md §4):
//! `<policy>-<policyNamespace>-<cluster>-<extAuthServiceName>` in the ext auth service's
//! namespace, so that `config_id` is `<namespace>.<name>`.

use serde_json::{Value as Json, json};

use crate::load::Repo;
use crate::model::kinds::ExtAuthPolicySpec;
use crate::model::{Meta, Model, Resource};
use crate::schema::catalog::SchemaKind;

use super::EmitError;

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

/// The AuthConfig identity of a policy: the ext auth service is the destination of the
/// ExtAuthServer the policy names (its own namespace when the reference omits it).
#[must_use]
pub fn id_of(model: &Model, policy: &Resource<ExtAuthPolicySpec>) -> AuthConfigId {
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
    let service = destination
        .and_then(|d| d.name.clone())
        .unwrap_or_else(|| "ext-auth-service".to_string());
    let namespace = destination
        .and_then(|d| d.namespace.clone())
        .or_else(|| server.map(|s| s.meta.id.namespace.clone()))
        .unwrap_or_else(|| server_namespace.to_string());
    let cluster = server_ref
        .and_then(|s| s.cluster.clone())
        .or_else(|| destination.and_then(|d| d.cluster.clone()))
        .unwrap_or_else(|| "cluster1".to_string());
    AuthConfigId {
        namespace,
        name: format!(
            "{}-{}-{cluster}-{service}",
            policy.meta.id.name, policy.meta.id.namespace
        ),
    }
}

/// The `glooAuth` object exactly as written (every field, also those portico does not model).
fn gloo_auth_json(repo: &Repo, meta: &Meta) -> Option<Json> {
    let found = repo
        .root(meta.doc)?
        .pointer(&meta.pointer("/spec/config/glooAuth"))?;
    let mut json = found.node.to_json();
    crate::schema::validate::strip_nulls(&mut json);
    Some(json)
}

/// Every AuthConfig: (artifact path, document).
///
/// # Errors
/// When a document fails portico's AuthConfig schema.
pub fn emit_with(
    model: &Model,
    root_of: impl Fn(&Meta) -> Option<Json>,
) -> Result<Vec<(String, Json)>, EmitError> {
    let mut out = Vec::new();
    for policy in &model.ext_auth_policies {
        if policy
            .spec
            .config
            .as_ref()
            .and_then(|c| c.gloo_auth.as_ref())
            .is_none()
        {
            continue;
        }
        let Some(mut spec) = root_of(&policy.meta) else {
            continue;
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
        let document = json!({
            "apiVersion": "enterprise.gloo.solo.io/v1",
            "kind": "AuthConfig",
            "metadata": {
                "name": id.name,
                "namespace": id.namespace,
                "labels": {
                    "portico.dev/source-kind": "ExtAuthPolicy",
                    "portico.dev/source-namespace": policy.meta.id.namespace,
                    "portico.dev/source-name": policy.meta.id.name,
                },
            },
            "spec": spec,
        });
        let path = format!("authconfigs/{}/{}.yaml", id.namespace, id.name);
        validate(&path, &document)?;
        out.push((path, document));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Every AuthConfig of the model, with `glooAuth` read from the policies' documents.
///
/// # Errors
/// When a document fails portico's AuthConfig schema.
pub fn emit(repo: &Repo, model: &Model) -> Result<Vec<(String, Json)>, EmitError> {
    emit_with(model, |meta| gloo_auth_json(repo, meta))
}

fn validate(path: &str, document: &Json) -> Result<(), EmitError> {
    match crate::schema::validate::validate(SchemaKind::AuthConfig, document, "").first() {
        Some(error) => Err(EmitError::Invalid {
            file: path.to_string(),
            pointer: error.target(),
            message: error.describe().0,
        }),
        None => Ok(()),
    }
}
