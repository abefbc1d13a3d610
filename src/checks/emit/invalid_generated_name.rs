use std::collections::BTreeSet;

use crate::checks::Context;
use crate::checks::load::unresolved_placeholder::{
    Field, find_lowercase_variables, find_placeholders,
};
use crate::diagnostic::{Finding, Span};
use crate::model::artifacts::auth_config::{Origin, id_parts};
use crate::model::artifacts::kubernetes_name::NameForm;
use crate::model::{Meta, ResourceId};

crate::declare_rule! {
    /// ## What it does
    /// Checks the Kubernetes names `portico build` derives from the repository: the name and
    /// namespace of the AuthConfig of every ExtAuthPolicy with `glooAuth`
    /// (`<policy>-<policyNamespace>-<cluster>-<extAuthService>`, an RFC 1123 subdomain, in the
    /// ext auth service's namespace, an RFC 1123 label), and the Service names and namespaces
    /// the Envoy clusters address (`<service>.<namespace>.svc.cluster.local`: RFC 1035 and
    /// RFC 1123 labels). It reports the value the bad part comes from: the policy's name, the
    /// `cluster` of its server reference, the ext auth server's destination. It also checks the
    /// names (RFC 1123 subdomains) and namespaces (RFC 1123 labels) of the RouteTables,
    /// ExtAuthServers and ExtAuthPolicies themselves, which name the Envoy resources and the
    /// files `portico build` writes. A value that holds a template placeholder is PC006's.
    ///
    /// ## Why is this bad?
    /// The API server refuses a manifest whose name is not a valid Kubernetes name
    /// (`metadata.name: a lowercase RFC 1123 subdomain must consist of…`), and a Service name
    /// that is not one can exist nowhere, so the route's cluster never resolves. A RouteTable
    /// or ExtAuthServer with such a name or namespace is refused the same way
    /// (`metadata.namespace: a lowercase RFC 1123 label must consist of…`), so the gateway
    /// never serves what `portico build` would compile from it. `portico build` refuses rather
    /// than write such names.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ExtAuthPolicy
    /// metadata:
    ///   name: oauth_okta     # → oauth_okta-gloo-mesh-cluster1-ext-auth-service
    ///   namespace: gloo-mesh
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// kind: ExtAuthPolicy
    /// metadata:
    ///   name: oauth-okta
    ///   namespace: gloo-mesh
    /// ```
    code: "PC603",
    slug: "invalid-generated-name",
    severity: Error,
    since: "0.1.0",
}

/// A name Kubernetes refuses; `problem` says why (see [`NameForm::problem`]).
enum InvalidName<'a> {
    /// The namespace `namespace` of the AuthConfig compiled for `policy`.
    AuthConfigNamespace {
        policy: &'a ResourceId,
        namespace: &'a str,
        problem: String,
    },
    /// The name `name` of the AuthConfig compiled for `policy`.
    AuthConfigName {
        policy: &'a ResourceId,
        name: &'a str,
        problem: String,
    },
    /// The `what` name (`Service`, `destination`, `namespace`) `value` of a destination, which
    /// must have the form `form`.
    Destination {
        what: &'a str,
        value: &'a str,
        form: NameForm,
        problem: String,
    },
    /// The `what` (`name` or `namespace`) `value` of an object of kind `kind`, which must have
    /// the form `form`.
    Object {
        kind: &'a str,
        what: &'a str,
        value: &'a str,
        form: NameForm,
        problem: String,
    },
}

impl InvalidName<'_> {
    fn message(&self) -> String {
        match self {
            Self::AuthConfigNamespace {
                policy,
                namespace,
                problem,
            } => format!(
                "the AuthConfig of {policy} would be in namespace `{namespace}`, which is not a \
                 valid namespace name: it {problem}"
            ),
            Self::AuthConfigName {
                policy,
                name,
                problem,
            } => format!(
                "the AuthConfig name `{name}` that {policy} compiles to is not a valid Kubernetes \
                 name: it {problem}"
            ),
            Self::Destination {
                what,
                value,
                problem,
                ..
            } => format!(
                "`{value}` is not a valid {what} name (it {problem}): the Envoy cluster built from \
                 it addresses a host that cannot exist"
            ),
            Self::Object {
                kind,
                what,
                value,
                problem,
                ..
            } => format!(
                "{kind} {what} `{value}` is not a valid Kubernetes {what}: it {problem}; the API \
                 server refuses the manifest"
            ),
        }
    }

    fn label(&self) -> String {
        match self {
            Self::AuthConfigNamespace { .. } => "the AuthConfig's namespace".to_string(),
            Self::AuthConfigName { .. } => "part of the AuthConfig name".to_string(),
            Self::Destination { what, .. } => format!("{what} name"),
            Self::Object { kind, what, .. } => format!("{kind} {what}"),
        }
    }

    fn help(&self) -> String {
        match self {
            Self::AuthConfigNamespace { .. } => {
                format!("a namespace name is {}", NameForm::Dns1123Label.describe())
            }
            Self::AuthConfigName { .. } => format!(
                "Gloo names the AuthConfig \
                 `<policy>-<policyNamespace>-<cluster>-<extAuthService>`; a name is {}",
                NameForm::Dns1123Subdomain.describe()
            ),
            Self::Destination { what, form, .. } => {
                format!("a {what} name is {}", form.describe())
            }
            Self::Object { what, form, .. } => {
                format!("a custom resource's {what} is {}", form.describe())
            }
        }
    }

    fn finding(&self, span: Span) -> Finding {
        Finding::new(self.message(), span)
            .label(self.label())
            .help(self.help())
    }
}

/// A value the check already reports as a placeholder (PC006), read as the name it is.
fn has_placeholder(value: &str) -> bool {
    !find_placeholders(value).is_empty() || !find_lowercase_variables(Field::Name, value).is_empty()
}

/// Whether `c` may appear in an RFC 1123 subdomain at all.
fn name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    // One finding per offending value, however many names it spoils.
    let mut reported: BTreeSet<(crate::load::DocId, String)> = BTreeSet::new();
    let mut report = |meta: &Meta, path: &str, finding: Finding| {
        if reported.insert((meta.doc, meta.pointer(path))) {
            out.push(finding.about(&meta.id));
        }
    };
    for policy in &ctx.model.ext_auth_policies {
        if policy.spec.gloo_auth().is_none() {
            continue;
        }
        let parts = id_parts(ctx.model, policy);
        let id = parts.id();
        if let Some(problem) = NameForm::Dns1123Label.problem(&id.namespace)
            && let Origin::Value(meta, path) = parts.namespace.origin
            && !has_placeholder(&id.namespace)
        {
            let invalid = InvalidName::AuthConfigNamespace {
                policy: &policy.meta.id,
                namespace: &id.namespace,
                problem,
            };
            report(meta, path, invalid.finding(ctx.span(meta, path)));
        }
        let Some(problem) = NameForm::Dns1123Subdomain.problem(&id.name) else {
            continue;
        };
        let names = parts.name_parts();
        if names.iter().any(|p| has_placeholder(&p.value)) {
            continue;
        }
        // The part that holds a character no name may hold, else the policy's own name (the
        // name is too long, or a dot meets a dash).
        let culprit = names
            .iter()
            .find(|p| !p.value.chars().all(name_char))
            .unwrap_or(&names[0]);
        let (meta, path) = match culprit.origin {
            Origin::Value(meta, path) => (meta, path),
            Origin::Default => (&policy.meta, "/metadata/name"),
        };
        let why = culprit
            .value
            .chars()
            .find(|&c| !name_char(c))
            .map_or(problem, |c| format!("holds `{c}`"));
        let invalid = InvalidName::AuthConfigName {
            policy: &policy.meta.id,
            name: &id.name,
            problem: why,
        };
        report(meta, path, invalid.finding(ctx.span(meta, path)));
    }
    // The hosts of the Envoy clusters: `<service>.<namespace>.svc.cluster.local`.
    let mut destination =
        |meta: &Meta, base: String, dest: &crate::model::kinds::DestinationReference| {
            let Some(reference) = &dest.reference else {
                return;
            };
            let service = dest.kind.as_deref().is_none_or(|k| k == "SERVICE");
            let name_form = if service {
                NameForm::Dns1035Label
            } else {
                NameForm::Dns1123Subdomain
            };
            for (field, value, form, what) in [
                (
                    "name",
                    reference.name.as_deref(),
                    name_form,
                    if service { "Service" } else { "destination" },
                ),
                (
                    "namespace",
                    reference.namespace.as_deref(),
                    NameForm::Dns1123Label,
                    "namespace",
                ),
            ] {
                let Some(value) = value else { continue };
                let Some(problem) = form.problem(value) else {
                    continue;
                };
                if has_placeholder(value) {
                    continue;
                }
                let path = format!("{base}/ref/{field}");
                let invalid = InvalidName::Destination {
                    what,
                    value,
                    form,
                    problem,
                };
                report(meta, &path, invalid.finding(ctx.span(meta, &path)));
            }
        };
    for table in &ctx.model.route_tables {
        for (r, route) in table.spec.http.iter().enumerate() {
            let Some(forward) = &route.forward_to else {
                continue;
            };
            for (d, dest) in forward.destinations.iter().enumerate() {
                destination(
                    &table.meta,
                    format!("/spec/http/{r}/forwardTo/destinations/{d}"),
                    dest,
                );
            }
        }
    }
    for server in &ctx.model.ext_auth_servers {
        if let Some(dest) = &server.spec.destination_server {
            destination(&server.meta, "/spec/destinationServer".to_string(), dest);
        }
    }
    // The names of the objects portico compiles from, which name the Envoy resources and the
    // artifact files too. The API server validates a custom resource's metadata with
    // `NameIsDNSSubdomain` (k8s.io/apiextensions-apiserver pkg/registry/customresource/
    // validator.go, `ValidateObjectMetaAccessor`), which also requires the namespace to be a
    // DNS label: <https://kubernetes.io/docs/concepts/overview/working-with-objects/names/>.
    // (`x`/`y.z` and `x.y`/`z` were one route file before the namespace `x.y` was reported.)
    let model = ctx.model;
    let objects = model
        .route_tables
        .iter()
        .map(|t| &t.meta)
        .chain(model.ext_auth_servers.iter().map(|s| &s.meta))
        .chain(model.ext_auth_policies.iter().map(|p| &p.meta));
    for meta in objects {
        for (path, value, form, what) in [
            (
                "/metadata/name",
                &meta.id.name,
                NameForm::Dns1123Subdomain,
                "name",
            ),
            (
                "/metadata/namespace",
                &meta.id.namespace,
                NameForm::Dns1123Label,
                "namespace",
            ),
        ] {
            let Some(problem) = form.problem(value) else {
                continue;
            };
            if has_placeholder(value) {
                continue;
            }
            let kind = meta.id.kind.as_str();
            let invalid = InvalidName::Object {
                kind,
                what,
                value,
                form,
                problem,
            };
            report(meta, path, invalid.finding(ctx.span(meta, path)));
        }
    }
}
