//! The provider resources the Terraform scope reader knows, as a table ([`RESOURCES`]), and
//! [`Extract`], which walks one file's resources through it: the scopes each declares (with
//! the resource server they belong to) and the scopes each grants to a client.
//!
//! Resource and attribute names are the providers': each type is documented at
//! `https://registry.terraform.io/providers/<namespace>/latest/docs/resources/<type>` with the
//! provider prefix dropped from the type (namespaces `okta/okta`, `hashicorp/aws`,
//! `auth0/auth0`, `hashicorp/azuread`, `keycloak/keycloak`).

use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Attribute, Block, Body};

use super::eval::{Ctx, Evaluator, Val};
use crate::model::scopes::{DeclaredScope, GrantedScope, ScopeSource, SourceFormat};

/// What one resource type contributes.
enum Shape {
    /// Scopes named by the attribute `name`: one per instance of the resource when `blocks` is
    /// empty, else one per nested block along `blocks` (e.g. `api` → `oauth2_permission_scope`).
    Declares {
        blocks: &'static [&'static str],
        name: &'static str,
        server: ServerOf,
    },
    /// Grants: the scopes listed by this attribute of every instance.
    Grants(&'static str),
}

/// Where the resource server of a group of scopes is read from.
enum ServerOf {
    /// Nowhere in the resource: Okta and Keycloak scopes name their authorization server or
    /// realm by an id only.
    Unnamed,
    /// Attributes of the resource holding the server's identifier and display name.
    Attributes {
        identifier: &'static str,
        name: Option<&'static str>,
    },
    /// `identifier_uris` of an `azuread_application` (see [`app_id_uris`]).
    IdentifierUris,
}

const fn declares(blocks: &'static [&'static str], name: &'static str, server: ServerOf) -> Shape {
    Shape::Declares {
        blocks,
        name,
        server,
    }
}

const fn server(identifier: &'static str, name: Option<&'static str>) -> ServerOf {
    ServerOf::Attributes { identifier, name }
}

/// Every resource type the reader recognises; a file with none of them is not a scope source.
// One row per resource type, kept on one line each so that the table reads as one.
#[rustfmt::skip]
const RESOURCES: &[(&str, Shape)] = &[
    ("okta_auth_server_scope",                 declares(&[], "name", ServerOf::Unnamed)),
    ("keycloak_openid_client_scope",           declares(&[], "name", ServerOf::Unnamed)),
    ("azuread_application_permission_scope",   declares(&[], "value", ServerOf::Unnamed)),
    ("auth0_resource_server_scope",            declares(&[], "scope", server("resource_server_identifier", None))),
    ("aws_cognito_resource_server",            declares(&["scope"], "scope_name", server("identifier", Some("name")))),
    ("auth0_resource_server_scopes",           declares(&["scopes"], "name", server("resource_server_identifier", None))),
    // The legacy inline `scopes` blocks of the resource server itself.
    ("auth0_resource_server",                  declares(&["scopes"], "value", server("identifier", Some("name")))),
    ("azuread_application",                    declares(&["api", "oauth2_permission_scope"], "value", ServerOf::IdentifierUris)),
    ("okta_auth_server_policy_rule",           Shape::Grants("scope_whitelist")),
    ("aws_cognito_user_pool_client",           Shape::Grants("allowed_oauth_scopes")),
    ("keycloak_openid_client_default_scopes",  Shape::Grants("default_scopes")),
    ("keycloak_openid_client_optional_scopes", Shape::Grants("optional_scopes")),
];

/// Accumulates what the resources of one file declare and grant.
pub(super) struct Extract<'e, 'a> {
    eval: &'e Evaluator<'a>,
    scopes: Vec<DeclaredScope>,
    grants: Option<Vec<GrantedScope>>,
    problems: Vec<(Range<usize>, String)>,
    /// Whether any resource of [`RESOURCES`] was seen.
    recognised: bool,
}

/// The resource server a group of scopes belongs to.
#[derive(Default)]
struct Server {
    identifier: Option<String>,
    name: Option<String>,
    /// `azuread_application` `identifier_uris` (see [`DeclaredScope::app_id_uris`]).
    app_id_uris: Option<Vec<Option<String>>>,
}

impl<'e, 'a> Extract<'e, 'a> {
    pub(super) fn new(eval: &'e Evaluator<'a>) -> Self {
        Self {
            eval,
            scopes: Vec::new(),
            grants: None,
            problems: Vec::new(),
            recognised: false,
        }
    }

    /// What the file declares and grants; `None` when it has no resource of [`RESOURCES`], so
    /// it is not a scope source.
    pub(super) fn finish(self) -> Option<ScopeSource> {
        self.recognised.then_some(ScopeSource {
            format: SourceFormat::Terraform,
            scopes: self.scopes,
            grants: self.grants,
            complete: true,
            problems: self.problems,
        })
    }

    /// Reads the resource `ty.name` when [`RESOURCES`] knows its type.
    pub(super) fn resource(&mut self, ty: &str, name: &str, block: &Block) {
        let Some((_, shape)) = RESOURCES.iter().find(|(known, _)| *known == ty) else {
            return;
        };
        self.recognised = true;
        let body = &block.body;
        match shape {
            Shape::Grants(key) => self.grants(body, key),
            Shape::Declares {
                blocks,
                name: key,
                server,
            } => {
                let span = block.span().unwrap_or(0..0);
                self.declares(body, &span, &format!("{ty}.{name}"), blocks, key, server);
            }
        }
    }

    /// The scopes of every instance of the resource (see [`Shape::Declares`]).
    fn declares(
        &mut self,
        body: &Body,
        span: &Range<usize>,
        what: &str,
        blocks: &[&str],
        key: &str,
        server_of: &ServerOf,
    ) {
        for ctx in self.eval.instances(body) {
            let server = self.server(server_of, body, &ctx);
            let mut level = vec![(body, ctx)];
            for ident in blocks {
                level = level
                    .iter()
                    .flat_map(|(b, c)| self.eval.nested(b, ident, c))
                    .collect();
            }
            for (scope_body, scope_ctx) in level {
                // A scope that is the resource itself is located by the whole resource block
                // (its labels included); a nested block by its body.
                let scope_span = if blocks.is_empty() {
                    span.clone()
                } else {
                    scope_body.span().unwrap_or_else(|| span.clone())
                };
                self.declare(scope_body, &scope_ctx, &scope_span, what, key, &server);
            }
        }
    }

    fn server(&self, of: &ServerOf, body: &Body, ctx: &Ctx) -> Server {
        let ev = self.eval;
        match of {
            ServerOf::Unnamed => Server::default(),
            ServerOf::Attributes { identifier, name } => Server {
                identifier: text(&ev.attr(body, identifier, ctx)),
                name: name.and_then(|name| text(&ev.attr(body, name, ctx))),
                app_id_uris: None,
            },
            ServerOf::IdentifierUris => {
                let uris = app_id_uris(ev, body, ctx);
                Server {
                    identifier: uris.iter().flatten().flatten().next().cloned(),
                    name: None,
                    app_id_uris: uris,
                }
            }
        }
    }

    fn declare(
        &mut self,
        body: &Body,
        ctx: &Ctx,
        span: &Range<usize>,
        what: &str,
        key: &str,
        server: &Server,
    ) {
        let Some(attr) = body.get_attribute(key) else {
            self.problems.push((
                span.clone(),
                format!("{what} declares a scope without `{key}`"),
            ));
            return;
        };
        let (name, span) = self.value_and_span(attr, ctx, span);
        let enabled = !matches!(self.eval.attr(body, "enabled", ctx), Val::Bool(false));
        self.scopes.push(DeclaredScope {
            name,
            resource_server: server.identifier.clone(),
            resource_server_name: server.name.clone(),
            app_id_uris: server.app_id_uris.clone(),
            enabled,
            span,
        });
    }

    fn value_and_span(
        &self,
        attr: &Attribute,
        ctx: &Ctx,
        fallback: &Range<usize>,
    ) -> (Option<String>, Range<usize>) {
        let expr_span = self.eval.span_of(&attr.value, fallback);
        match self.eval.eval(&attr.value, ctx) {
            Val::Str(s, origin) => (Some(s), origin.unwrap_or(expr_span)),
            other => (other.as_text(), expr_span),
        }
    }

    /// Grants listed by the attribute `key` of every instance of the resource.
    fn grants(&mut self, body: &Body, key: &str) {
        let ev = self.eval;
        let grants = self.grants.get_or_insert_with(Vec::new);
        let Some(attr) = body.get_attribute(key) else {
            return;
        };
        let fallback = body.span().unwrap_or(0..0);
        for ctx in ev.instances(body) {
            if let Expression::Array(items) = &attr.value {
                for item in items {
                    let span = ev.span_of(item, &fallback);
                    push_grants(ev.eval(item, &ctx), &span, grants);
                }
            } else {
                let span = ev.span_of(&attr.value, &fallback);
                push_grants(ev.eval(&attr.value, &ctx), &span, grants);
            }
        }
    }
}

fn push_grants(value: Val, span: &Range<usize>, out: &mut Vec<GrantedScope>) {
    match value {
        Val::List(items) => items
            .into_iter()
            .for_each(|item| push_grants(item, span, out)),
        Val::Str(s, origin) => out.push(GrantedScope {
            scope: Some(s),
            span: origin.unwrap_or_else(|| span.clone()),
        }),
        Val::Null => {}
        other => out.push(GrantedScope {
            scope: other.as_text(),
            span: span.clone(),
        }),
    }
}

/// The `identifier_uris` of an `azuread_application` instance. Absent or null is `None`: the
/// URIs may be attached by a separate `azuread_application_identifier_uri` resource, so the file
/// does not say which resource the scopes belong to. A value that does not resolve is a single
/// unknown entry.
fn app_id_uris(ev: &Evaluator<'_>, body: &Body, ctx: &Ctx) -> Option<Vec<Option<String>>> {
    body.get_attribute("identifier_uris")?;
    match ev.attr(body, "identifier_uris", ctx) {
        Val::Null => None,
        Val::List(uris) => Some(
            uris.iter()
                .filter_map(|uri| match uri {
                    Val::Str(s, _) if s.is_empty() => None,
                    Val::Str(s, _) => Some(Some(s.clone())),
                    Val::Null => None,
                    _ => Some(None),
                })
                .collect(),
        ),
        _ => Some(vec![None]),
    }
}

fn text(value: &Val) -> Option<String> {
    match value {
        Val::Str(s, _) => Some(s.clone()),
        _ => None,
    }
}
