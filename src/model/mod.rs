//! Stage 3: typed resources built from the loaded documents, and the [`index::Index`] that
//! resolves delegation, effective route labels and selectors.

pub mod artifacts;
pub mod facts;
pub mod flatten;
pub mod identity;
pub mod index;
pub mod jwks;
pub mod kinds;
pub mod kustomize;
mod part;
pub mod protection;
pub mod rego;
pub mod scopes;
pub mod selection;
pub mod template;
pub mod workspace;

use crate::model::kinds::common::StringMap;
use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde_json::Value as Json;

use crate::diagnostic::Span;
use crate::gloo_version::GlooVersion;
use crate::load::source::{FileId, SourceFile};
use crate::load::{DocId, LoadedDocument, Repo};
use crate::schema::validate::{SchemaError, strip_nulls};
use crate::schema::{self, ShapeError};
use kinds::{
    AccessTokenValidation, AuthConfigSpec, ConfigMapData, ExtAuthPolicySpec, ExtAuthServerSpec,
    ObjectMeta, RouteTableSpec,
};

/// The namespace kubectl applies to an object that names none.
pub const DEFAULT_NAMESPACE: &str = crate::load::locate::DEFAULT_NAMESPACE;

/// The kinds portico models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `networking.gloo.solo.io` RouteTable.
    RouteTable,
    /// `security.policy.gloo.solo.io` ExtAuthPolicy.
    ExtAuthPolicy,
    /// `admin.gloo.solo.io` ExtAuthServer.
    ExtAuthServer,
    /// `v1` ConfigMap.
    ConfigMap,
    /// `enterprise.gloo.solo.io` AuthConfig.
    AuthConfig,
}

impl Kind {
    /// The Kubernetes kind name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RouteTable => "RouteTable",
            Kind::ExtAuthPolicy => "ExtAuthPolicy",
            Kind::ExtAuthServer => "ExtAuthServer",
            Kind::ConfigMap => "ConfigMap",
            Kind::AuthConfig => "AuthConfig",
        }
    }

    /// The kind for an `apiVersion` and `kind`, when portico models it.
    #[must_use]
    pub fn from_type(api_version: &str, kind: &str) -> Option<Self> {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        match (group, kind) {
            ("networking.gloo.solo.io", "RouteTable") => Some(Kind::RouteTable),
            ("security.policy.gloo.solo.io", "ExtAuthPolicy") => Some(Kind::ExtAuthPolicy),
            ("admin.gloo.solo.io", "ExtAuthServer") => Some(Kind::ExtAuthServer),
            ("enterprise.gloo.solo.io", "AuthConfig") => Some(Kind::AuthConfig),
            ("", "ConfigMap") if api_version == "v1" => Some(Kind::ConfigMap),
            _ => None,
        }
    }
}

/// `Kind/namespace/name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId {
    /// Kind.
    pub kind: Kind,
    /// Namespace (defaulted).
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.kind.as_str(), self.namespace, self.name)
    }
}

/// Where a resource came from and its metadata.
#[derive(Debug, Clone)]
pub struct Meta {
    /// Identity.
    pub id: ResourceId,
    /// The document.
    pub doc: DocId,
    /// The file (the document's).
    pub file: FileId,
    /// Pointer of the object inside its document: empty, or `/items/N` inside a `List`.
    pub base: String,
    /// `metadata.labels`.
    pub labels: StringMap,
    /// `metadata.annotations`.
    pub annotations: StringMap,
}

impl Meta {
    /// The pointer of `path` (relative to the object) inside the document.
    #[must_use]
    pub fn pointer(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// A typed resource.
#[derive(Debug, Clone)]
pub struct Resource<S> {
    /// Identity and origin.
    pub meta: Meta,
    /// The typed spec.
    pub spec: S,
}

/// A document of a modelled kind whose shape is wrong; the resource is left out of the model.
#[derive(Debug, Clone)]
pub struct ShapeProblem {
    /// The resource, when its identity could be read.
    pub id: Option<ResourceId>,
    /// What and where.
    pub error: ShapeError,
    /// Where, located while the document's tree was alive: the value at the error's pointer,
    /// or its closest present parent.
    pub span: Span,
}

/// A schema error in a document of a modelled kind.
#[derive(Debug, Clone)]
pub struct DocumentSchemaError {
    /// The resource, when its identity could be read.
    pub id: Option<ResourceId>,
    /// What and where.
    pub error: SchemaError,
    /// Where, located while the document's tree was alive ([`SchemaError::span_in`]), so
    /// reporting it never parses the file again.
    pub span: Span,
}

/// All modelled resources.
#[derive(Debug, Default)]
pub struct Model {
    /// RouteTables.
    pub route_tables: Vec<Resource<RouteTableSpec>>,
    /// ExtAuthPolicies.
    pub ext_auth_policies: Vec<Resource<ExtAuthPolicySpec>>,
    /// ExtAuthServers.
    pub ext_auth_servers: Vec<Resource<ExtAuthServerSpec>>,
    /// ConfigMaps.
    pub config_maps: Vec<Resource<ConfigMapData>>,
    /// AuthConfigs kept by hand.
    pub auth_configs: Vec<Resource<AuthConfigSpec>>,
    /// Resources whose shape is wrong; references to them are not reported as missing.
    pub broken: HashSet<ResourceId>,
    /// Where those resources are: rules about the text of a document (placeholders,
    /// duplicates) still look at them.
    pub undecoded: Vec<Meta>,
    /// Typed-decode problems not already explained by a schema error.
    pub problems: Vec<ShapeProblem>,
    /// Schema errors, in document order.
    pub schema_errors: Vec<DocumentSchemaError>,
    /// Values that are unrendered templates (`key: {{ .Values.x }}`), left out of the typed
    /// resources (see [`template`]): the document, the object's base in it, and the value's
    /// pointer relative to the object.
    pub unknown_values: Vec<(DocId, String, String)>,
    /// Kubernetes objects of kinds portico does not model.
    pub other_objects: usize,
    /// Gloo Platform workspaces, for the `workspace:` of selectors.
    pub workspaces: Vec<workspace::Workspace>,
    /// Their settings, for what a policy of one workspace can select in another.
    pub workspace_settings: Vec<workspace::WorkspaceSettings>,
    /// Data keys of ConfigMaps built from kustomize `configMapGenerator` files: (ConfigMap
    /// index, key) → the file holding the value.
    pub generated_files: BTreeMap<(usize, String), FileId>,
    /// The trees of the documents of a deploy unit, rendered (kustomize patches and
    /// transformers applied), by document: rules locate findings in these rather than in
    /// the files' own trees.
    pub rendered: BTreeMap<DocId, crate::load::node::Node>,
    /// The deploy units that could not be rendered (reported once, PC008).
    pub unit_problems: Vec<kustomize::UnitProblem>,
}

impl Model {
    /// Whether the value at `path` (relative to the object of `meta`), or a value holding it,
    /// is an unrendered template: unknown until rendered, and absent from the typed resource,
    /// so its absence proves nothing.
    #[must_use]
    pub fn is_unknown(&self, meta: &Meta, path: &str) -> bool {
        self.unknown_values.iter().any(|(doc, base, pointer)| {
            *doc == meta.doc
                && *base == meta.base
                && path
                    .strip_prefix(pointer.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    }

    /// Number of modelled resources.
    #[must_use]
    pub fn resource_count(&self) -> usize {
        self.route_tables.len()
            + self.ext_auth_policies.len()
            + self.ext_auth_servers.len()
            + self.config_maps.len()
            + self.auth_configs.len()
    }

    /// Metadata of every resource, in a stable order.
    pub fn all_meta(&self) -> impl Iterator<Item = &Meta> {
        self.route_tables
            .iter()
            .map(|r| &r.meta)
            .chain(self.ext_auth_policies.iter().map(|r| &r.meta))
            .chain(self.ext_auth_servers.iter().map(|r| &r.meta))
            .chain(self.config_maps.iter().map(|r| &r.meta))
            .chain(self.auth_configs.iter().map(|r| &r.meta))
    }

    /// Metadata of every resource, including those whose spec could not be decoded.
    pub fn all_documents_meta(&self) -> impl Iterator<Item = &Meta> {
        self.all_meta().chain(self.undecoded.iter())
    }

    /// The workspaces and their settings.
    #[must_use]
    pub fn workspaces(&self) -> workspace::Workspaces<'_> {
        workspace::Workspaces {
            workspaces: &self.workspaces,
            settings: &self.workspace_settings,
        }
    }

    /// Whether `id` names a resource that exists but could not be read.
    #[must_use]
    pub fn is_broken(&self, kind: Kind, namespace: &str, name: &str) -> bool {
        self.broken.contains(&ResourceId {
            kind,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        })
    }
}

/// Whether a document is a Kubernetes object of a kind portico models (used to scope
/// YAML-level lints to the configuration portico owns).
#[must_use]
pub fn modelled_kind(doc: &LoadedDocument) -> Option<Kind> {
    let root = &doc.doc.root;
    let api_version = root.get("apiVersion").and_then(|n| n.as_str())?;
    let kind = root.get("kind").and_then(|n| n.as_str())?;
    Kind::from_type(api_version, kind)
}

/// How many documents of a file are modelled, checked and released at a time: a file of a
/// million tiny documents must not hold all their trees next to their model.
const BATCH_DOCUMENTS: usize = 64;

/// What a caller sees of documents right after they are modelled, while their trees are
/// alive: the file, a batch of its documents, and the resources modelled from them.
pub trait OnTrees<T>: Fn(&SourceFile, &[LoadedDocument], &Model) -> Vec<T> + Sync {}
impl<T, F: Fn(&SourceFile, &[LoadedDocument], &Model) -> Vec<T> + Sync> OnTrees<T> for F {}

/// Models the documents of one file, in batches. Right after a batch is modelled, `on_trees`
/// sees it and what it returns is collected; then the trees of the batch's RouteTables,
/// ExtAuthPolicies, ExtAuthServers and AuthConfigs are released
/// ([`crate::load::yaml::Document::release_tree`]). Other documents keep their trees:
/// ConfigMaps hold the Rego modules, and kustomizations and scope sources are read later.
///
/// The loader calls this on each file as soon as it is parsed, with the file's final id
/// ([`crate::load::load_with`]), so the result is final and the trees of a repository never
/// all exist at once. Documents are validated against the API of `version`.
pub fn build_file<T: Send>(
    source: &SourceFile,
    documents: &mut [LoadedDocument],
    version: GlooVersion,
    on_trees: &impl OnTrees<T>,
) -> (Model, Vec<T>) {
    use rayon::prelude::*;
    // The batches of a large file are independent: a file of many documents is modelled on
    // every core, and the parts are joined in order.
    let parts: Vec<(Model, Vec<T>)> = documents
        .par_chunks_mut(BATCH_DOCUMENTS)
        .map(|batch| {
            let part = build_documents(batch, version);
            let results = on_trees(source, batch, &part);
            for loaded in batch.iter_mut() {
                if matches!(
                    modelled_kind(loaded),
                    Some(
                        Kind::RouteTable
                            | Kind::ExtAuthPolicy
                            | Kind::ExtAuthServer
                            | Kind::AuthConfig
                    )
                ) {
                    loaded.doc.release_tree();
                }
            }
            (part, results)
        })
        .collect();
    let mut model = Model::default();
    let mut results = Vec::new();
    for (part, more) in parts {
        model.append(part);
        results.extend(more);
    }
    (model, results)
}

/// Joins the models of the files ([`build_file`], in file order) into the repository's model,
/// with the ConfigMaps kustomize generates.
pub fn build<T>(repo: &mut Repo, parts: Vec<(Model, Vec<T>)>) -> (Model, Vec<T>) {
    repo.track_released();
    // Reserved at their final sizes: growing the largest vectors by doubling while the parts
    // are still alive is what the model stage's peak was made of.
    let mut model = Model::default();
    model
        .route_tables
        .reserve_exact(parts.iter().map(|(m, _)| m.route_tables.len()).sum());
    model
        .ext_auth_policies
        .reserve_exact(parts.iter().map(|(m, _)| m.ext_auth_policies.len()).sum());
    model
        .ext_auth_servers
        .reserve_exact(parts.iter().map(|(m, _)| m.ext_auth_servers.len()).sum());
    model
        .config_maps
        .reserve_exact(parts.iter().map(|(m, _)| m.config_maps.len()).sum());
    model
        .auth_configs
        .reserve_exact(parts.iter().map(|(m, _)| m.auth_configs.len()).sum());
    let mut results = Vec::with_capacity(parts.iter().map(|(_, r)| r.len()).sum());
    for (part, more) in parts {
        model.append(part);
        results.extend(more);
    }
    model.generated_files = kustomize::add_generated_config_maps(repo, &mut model);
    (model, results)
}

/// The model of `documents`, validated against the API of `version`.
fn build_documents(documents: &[LoadedDocument], version: GlooVersion) -> Model {
    let mut model = Model::default();
    for loaded in documents {
        let mut json = loaded.doc.root.to_json();
        strip_nulls(&mut json);
        let is_list = json.get("kind").and_then(Json::as_str) == Some("List")
            && json.get("items").is_some_and(Json::is_array);
        if is_list {
            if let Some(items) = json.get("items").and_then(Json::as_array) {
                for (i, item) in items.iter().enumerate() {
                    add_object(&mut model, loaded, version, &format!("/items/{i}"), item);
                }
            }
        } else {
            add_object(&mut model, loaded, version, "", &json);
        }
    }
    model
}

fn add_object(
    model: &mut Model,
    loaded: &LoadedDocument,
    version: GlooVersion,
    base: &str,
    json: &Json,
) {
    let (file, doc) = (loaded.file, loaded.id());
    // The tree is alive here: problems are located now, once.
    let value_span = |pointer: &str| {
        let found = loaded.doc.root.pointer_or_parent(pointer);
        Span::new(found.file(file), found.node.span.range())
    };
    let (Some(api_version), Some(kind)) = (
        json.get("apiVersion").and_then(Json::as_str),
        json.get("kind").and_then(Json::as_str),
    ) else {
        return;
    };
    if let Some(workspace) = workspace::Workspace::read(api_version, kind, json) {
        model.workspaces.push(workspace);
    }
    if let Some(settings) = workspace::WorkspaceSettings::read(api_version, kind, json) {
        model.workspace_settings.push(settings);
    }
    let Some(kind) = Kind::from_type(api_version, kind) else {
        model.other_objects += 1;
        return;
    };
    // Parts Gloo decodes as protobuf JSON are judged in the spelling that decoder accepts.
    let read = kinds::schema::read_as_gloo_does(kind, json, base);
    let (json, renames) = match &read {
        Some((value, renames)) => (value, Some(renames)),
        None => (json, None),
    };
    let written =
        |pointer: &str| renames.map_or_else(|| pointer.to_owned(), |r| r.original(pointer));
    let mut schema_errors = kinds::schema::validate(kind, version, json, base);
    let decodable = kinds::schema::without_mistyped_values(kind, json, base, &schema_errors);
    for error in &mut schema_errors {
        error.pointer = written(&error.pointer);
    }
    let unknown = template::take_unknown_values(&mut schema_errors, &loaded.doc.root, base);
    let has_schema_errors = !schema_errors.is_empty() || !unknown.is_empty();
    model.unknown_values.extend(
        unknown
            .iter()
            .map(|pointer| (doc, base.to_owned(), pointer.clone())),
    );
    let without_unknown;
    let json = if unknown.is_empty() {
        json
    } else {
        without_unknown = template::without(json, &unknown);
        &without_unknown
    };
    let name_reported = schema_errors.iter().any(|e| {
        matches!(&e.issue, crate::schema::validate::SchemaIssue::Required { field } if field == "name")
            && e.pointer == format!("{base}/metadata")
    });
    let identity = json
        .pointer("/metadata/name")
        .and_then(Json::as_str)
        .map(|name| ResourceId {
            kind,
            namespace: json
                .pointer("/metadata/namespace")
                .and_then(Json::as_str)
                .filter(|ns| !ns.is_empty())
                .unwrap_or(DEFAULT_NAMESPACE)
                .to_owned(),
            name: name.to_owned(),
        });
    model
        .schema_errors
        .extend(schema_errors.into_iter().map(|error| {
            DocumentSchemaError {
                id: identity.clone(),
                span: Span::new(
                    loaded
                        .doc
                        .root
                        .pointer_or_parent(&error.target())
                        .file(file),
                    error.span_in(&loaded.doc.root),
                ),
                error,
            }
        }));
    let metadata = json.get("metadata").cloned().unwrap_or(Json::Null);
    // `metadata:` with nothing under it (its keys dedented by mistake) is as good as absent.
    let metadata = if metadata.is_null() {
        Json::Object(serde_json::Map::new())
    } else {
        metadata
    };
    let meta: ObjectMeta = match schema::decode(&metadata, &format!("{base}/metadata")) {
        Ok(meta) => meta,
        Err(error) => {
            model.problems.push(ShapeProblem {
                id: None,
                span: value_span(&error.pointer),
                error,
            });
            return;
        }
    };
    let Some(name) = meta.name.filter(|n| !n.is_empty()) else {
        if name_reported {
            return;
        }
        let pointer = format!("{base}/metadata");
        model.problems.push(ShapeProblem {
            id: None,
            span: value_span(&pointer),
            error: ShapeError {
                pointer,
                message: format!("{} has no `metadata.name`", kind.as_str()),
            },
        });
        return;
    };
    let id = ResourceId {
        kind,
        // `namespace: ""` is no namespace: the API server gives an object whose namespace is
        // empty the namespace of the request (`ValidNamespace` in k8s.io/apiserver
        // pkg/registry/rest/meta.go: "If the resource has no namespace, it is set to the value
        // in the context", tested with `len(...) == 0`), which kubectl takes from its context,
        // `default` unless set. Gloo reads objects from the API server, so it never sees an
        // empty one. (Read as a namespace of its own, it became a file name starting with `.`
        // and `portico build` stopped with an internal error.)
        namespace: meta
            .namespace
            .filter(|ns| !ns.is_empty())
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
        name,
    };
    let meta = Meta {
        id,
        doc,
        file,
        base: base.to_owned(),
        labels: meta.labels,
        annotations: meta.annotations,
    };
    let spec = json.get("spec").cloned().unwrap_or(Json::Null);
    let fallback = decodable.as_ref().and_then(|d| d.get("spec"));
    let spec_base = format!("{base}/spec");
    let result = match kind {
        Kind::RouteTable => decode_spec(&spec, fallback, &spec_base).map(|spec| {
            model.route_tables.push(Resource {
                meta: meta.clone(),
                spec,
            })
        }),
        Kind::ExtAuthPolicy => decode_spec(&spec, fallback, &spec_base).map(|spec| {
            model.ext_auth_policies.push(Resource {
                meta: meta.clone(),
                spec,
            })
        }),
        Kind::ExtAuthServer => decode_spec(&spec, fallback, &spec_base).map(|spec| {
            model.ext_auth_servers.push(Resource {
                meta: meta.clone(),
                spec,
            })
        }),
        Kind::AuthConfig => decode_spec(&spec, fallback, &spec_base).map(|spec| {
            model.auth_configs.push(Resource {
                meta: meta.clone(),
                spec,
            })
        }),
        Kind::ConfigMap => schema::decode(json, base).map(|spec| {
            model.config_maps.push(Resource {
                meta: meta.clone(),
                spec,
            })
        }),
    };
    if let Err(mut error) = result {
        error.pointer = written(&error.pointer);
        model.broken.insert(meta.id.clone());
        model.undecoded.push(meta.clone());
        if !has_schema_errors {
            model.problems.push(ShapeProblem {
                id: Some(meta.id),
                span: value_span(&error.pointer),
                error,
            });
        }
    }
}

/// A missing or null `spec` decodes as the empty spec; the schema stage reports what is required.
/// When the spec does not decode and there is a `fallback` (the spec without the values the
/// schema stage reported as mistyped), the resource is modelled from that instead of dropped.
/// The spec itself is tried first: some rules read a mistyped value the model keeps as JSON.
fn decode_spec<T: serde::de::DeserializeOwned + Default>(
    spec: &Json,
    fallback: Option<&Json>,
    base: &str,
) -> Result<T, ShapeError> {
    if spec.is_null() {
        return Ok(T::default());
    }
    schema::decode(spec, base).or_else(|error| match fallback {
        Some(fallback) => schema::decode(fallback, base).map_err(|_| error),
        None => Err(error),
    })
}

/// Every Gloo auth configuration in the repo: `glooAuth` of each ExtAuthPolicy (at
/// `/spec/config/glooAuth`) and the spec of each hand-kept AuthConfig (at `/spec`).
pub fn gloo_auth_specs(
    model: &Model,
) -> impl Iterator<Item = (&Meta, &'static str, &AuthConfigSpec)> {
    model
        .ext_auth_policies
        .iter()
        .filter_map(|p| {
            p.spec
                .gloo_auth()
                .map(|g| (&p.meta, "/spec/config/glooAuth", g))
        })
        .chain(
            model
                .auth_configs
                .iter()
                .map(|a| (&a.meta, "/spec", &a.spec)),
        )
}

/// Every `oauth2.accessTokenValidation` with the resource and its pointer.
pub fn access_token_validations(
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
