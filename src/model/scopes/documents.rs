//! Scope declarations in JSON and YAML files: CloudFormation, Cognito CLI, Okta, OIDC
//! metadata, Keycloak, Auth0 Deploy CLI, Entra manifests.
//!
//! The format is detected from the content of each document. Names keep the span of their scalar
//! (without quotes), so findings point at the text; a name that is computed by a CloudFormation
//! intrinsic keeps the span of the expression, and one that cannot be resolved is `None` (unknown,
//! never missing) with the span of the declaring object.

mod cfn;

use std::ops::Range;

use super::{DeclaredScope, GrantedScope, ScopeSource, SourceError, SourceFormat};
use crate::load::node::{Node, Style, Value};
use crate::load::source::SourceFile;
use crate::load::yaml::Document;

use cfn::Cfn;

/// Detects the format of a JSON/YAML file from its content and reads it.
///
/// Every non-empty document is read; the first recognised one fixes the format, and documents of
/// another (or no) format are reported in `problems` and skipped.
///
/// # Errors
/// When the content matches no known format.
pub fn detect(file: &SourceFile, documents: &[Document]) -> Result<ScopeSource, SourceError> {
    let mut out: Option<ScopeSource> = None;
    let mut skipped: Vec<Range<usize>> = Vec::new();
    for doc in documents {
        if matches!(doc.root.value, Value::Null) {
            continue;
        }
        let Some(format) = format_of(&doc.root) else {
            skipped.push(doc.root.span.range());
            continue;
        };
        match &mut out {
            None => out = Some(read_document(file, doc, format)),
            Some(acc) if acc.format == format => merge(acc, read_document(file, doc, format)),
            Some(_) => skipped.push(doc.root.span.range()),
        }
    }
    let Some(mut out) = out else {
        return Err(SourceError::UnknownFormat);
    };
    let name = format_name(out.format);
    for span in skipped {
        out.problems
            .push((span, format!("this document is not {name}; it is ignored")));
    }
    out.problems.sort_by_key(|(span, _)| (span.start, span.end));
    Ok(out)
}

fn merge(acc: &mut ScopeSource, next: ScopeSource) {
    acc.scopes.extend(next.scopes);
    acc.grants = match (acc.grants.take(), next.grants) {
        (None, None) => None,
        (a, b) => Some(a.into_iter().chain(b).flatten().collect()),
    };
    acc.complete &= next.complete;
    acc.problems.extend(next.problems);
}

fn format_name(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::Terraform => "Terraform",
        SourceFormat::CloudFormation => "a CloudFormation template",
        SourceFormat::CognitoCli => "Cognito CLI output",
        SourceFormat::OktaScopes => "an Okta scopes export",
        SourceFormat::OidcMetadata => "discovery metadata",
        SourceFormat::KeycloakRealm => "a Keycloak realm export",
        SourceFormat::Auth0DeployCli => "an Auth0 Deploy CLI file",
        SourceFormat::EntraManifest => "an Entra application manifest",
    }
}

/// Which format a document root has, from its shape alone.
fn format_of(root: &Node) -> Option<SourceFormat> {
    match &root.value {
        Value::Seq(items) => {
            let okta_keys = [
                "system",
                "metadataPublish",
                "consent",
                "id",
                "displayName",
                "_links",
                "default",
                "optional",
            ];
            let looks_okta =
                |n: &Node| n.get("name").is_some() && okta_keys.iter().any(|k| n.get(k).is_some());
            (!items.is_empty() && items.iter().all(|n| matches!(n.value, Value::Map(_))))
                .then_some(())
                .filter(|()| items.iter().any(looks_okta))
                .map(|()| SourceFormat::OktaScopes)
        }
        Value::Map(_) => {
            let has = |k: &str| root.get(k).is_some();
            let is_seq = |n: Option<&Node>| n.is_some_and(|n| matches!(n.value, Value::Seq(_)));
            let is_map = |n: Option<&Node>| n.is_some_and(|n| matches!(n.value, Value::Map(_)));
            if has("AWSTemplateFormatVersion") || cfn::has_typed_resources(root) {
                Some(SourceFormat::CloudFormation)
            } else if is_map(root.get("ResourceServer")) || is_seq(root.get("ResourceServers")) {
                Some(SourceFormat::CognitoCli)
            } else if has("realm")
                && (is_seq(root.get("clientScopes")) || is_seq(root.get("clients")))
            {
                Some(SourceFormat::KeycloakRealm)
            } else if has("issuer")
                && (has("scopes_supported")
                    || has("token_endpoint")
                    || has("authorization_endpoint")
                    || has("jwks_uri"))
            {
                Some(SourceFormat::OidcMetadata)
            } else if is_seq(root.get("resourceServers"))
                || (root.get("identifier").and_then(Node::as_str).is_some()
                    && (is_seq(root.get("scopes"))
                        || has("signing_alg")
                        || has("token_lifetime")
                        || has("allow_offline_access")))
            {
                Some(SourceFormat::Auth0DeployCli)
            } else if is_seq(root.pointer("/api/oauth2PermissionScopes").map(|f| f.node))
                || is_seq(root.get("oauth2Permissions"))
                || (is_seq(root.get("identifierUris")) && (has("appId") || has("api")))
            {
                Some(SourceFormat::EntraManifest)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn read_document(file: &SourceFile, doc: &Document, format: SourceFormat) -> ScopeSource {
    let mut r = Reader {
        file,
        cfn: None,
        placeholder: |_| false,
        out: ScopeSource {
            format,
            scopes: Vec::new(),
            grants: None,
            complete: format != SourceFormat::OidcMetadata,
            problems: Vec::new(),
        },
    };
    let root = &doc.root;
    match format {
        SourceFormat::CloudFormation => {
            r.cfn = Some(Cfn::new(file, doc));
            read_cloudformation(&mut r, root);
        }
        SourceFormat::CognitoCli => {
            if let Some(rs) = root.get("ResourceServer") {
                read_cognito_server(&mut r, rs);
            }
            for rs in items(root.get("ResourceServers")) {
                read_cognito_server(&mut r, rs);
            }
        }
        SourceFormat::OktaScopes => {
            for scope in items(Some(root)) {
                r.declare(scope, "name", &Owner::default(), true);
            }
        }
        SourceFormat::OidcMetadata => read_metadata(&mut r, root),
        SourceFormat::KeycloakRealm => {
            r.placeholder = keycloak_placeholder;
            read_keycloak(&mut r, root);
        }
        SourceFormat::Auth0DeployCli => {
            r.placeholder = auth0_placeholder;
            if let Some(servers) = root.get("resourceServers") {
                for rs in items(Some(servers)) {
                    read_auth0_server(&mut r, rs);
                }
            } else {
                read_auth0_server(&mut r, root);
            }
        }
        SourceFormat::EntraManifest => read_entra(&mut r, root),
        SourceFormat::Terraform => {}
    }
    r.out
}

/// The resource server a scope belongs to.
#[derive(Debug, Default, Clone)]
struct Owner {
    resource_server: Option<String>,
    resource_server_name: Option<String>,
    app_id_uris: Option<Vec<Option<String>>>,
}

/// A scalar as a format reads it.
#[derive(Debug)]
enum Text {
    /// Written in the file; the span of its text (quotes excluded).
    Literal(String, Range<usize>),
    /// Computed by an expression: its value when it resolves, else unknown.
    Computed(Option<String>),
    /// Absent or null.
    Missing,
    /// Present, but neither a scalar nor an expression.
    Invalid(Range<usize>),
}

impl Text {
    fn value(self) -> Option<String> {
        match self {
            Self::Literal(s, _) => Some(s),
            Self::Computed(v) => v,
            Self::Missing | Self::Invalid(_) => None,
        }
    }
}

struct Reader<'a> {
    file: &'a SourceFile,
    cfn: Option<Cfn<'a>>,
    /// Whether a literal holds a deploy-time placeholder (its value is then unknown).
    placeholder: fn(&str) -> bool,
    out: ScopeSource,
}

impl Reader<'_> {
    fn text(&self, node: Option<&Node>) -> Text {
        let Some(node) = node else {
            return Text::Missing;
        };
        if let Some(cfn) = self.cfn.as_ref().filter(|c| c.is_intrinsic(node)) {
            return Text::Computed(cfn.eval(node));
        }
        match scalar(self.file, node) {
            Some((s, _)) if (self.placeholder)(&s) => Text::Computed(None),
            Some((s, span)) => Text::Literal(s, span),
            None if matches!(node.value, Value::Null) => Text::Missing,
            None => Text::Invalid(node.span.range()),
        }
    }

    fn problem(&mut self, span: Range<usize>, message: String) {
        let span = trim_end(self.file, span);
        self.out.problems.push((span, message));
    }

    /// Reads the scope declared by `obj`, whose name is under `key`.
    fn declare(&mut self, obj: &Node, key: &str, owner: &Owner, enabled: bool) {
        if self.cfn.as_ref().is_some_and(|c| c.is_intrinsic(obj)) {
            // `!If [cond, {...}, !Ref AWS::NoValue]` and the like: a scope may be there.
            self.push_scope(None, owner, enabled, obj.span.range());
            return;
        }
        if !matches!(obj.value, Value::Map(_)) {
            self.problem(
                obj.span.range(),
                format!("expected a scope object with `{key}`"),
            );
            return;
        }
        match self.text(obj.get(key)) {
            Text::Literal(name, span) if name.is_empty() => {
                self.problem(span, format!("scope with an empty `{key}`"));
            }
            Text::Literal(name, span) => self.push_scope(Some(name), owner, enabled, span),
            Text::Computed(Some(name)) => {
                let span = obj.get(key).map_or(obj.span, |n| n.span);
                self.push_scope(Some(name), owner, enabled, span.range());
            }
            Text::Computed(None) => self.push_scope(None, owner, enabled, obj.span.range()),
            Text::Missing => self.problem(obj.span.range(), format!("scope without `{key}`")),
            Text::Invalid(span) => self.problem(span, format!("`{key}` is not a string")),
        }
    }

    fn push_scope(
        &mut self,
        name: Option<String>,
        owner: &Owner,
        enabled: bool,
        span: Range<usize>,
    ) {
        let span = trim_end(self.file, span);
        self.out.scopes.push(DeclaredScope {
            name,
            resource_server: owner.resource_server.clone(),
            resource_server_name: owner.resource_server_name.clone(),
            app_id_uris: owner.app_id_uris.clone(),
            enabled,
            span,
        });
    }

    /// Reads a list of granted scopes (`AllowedOAuthScopes`, Keycloak client scope links).
    fn grant_list(&mut self, list: &Node, key: &str) {
        let mut found = Vec::new();
        match &list.value {
            Value::Seq(entries) if !self.cfn.as_ref().is_some_and(|c| c.is_intrinsic(list)) => {
                for entry in entries {
                    match self.text(Some(entry)) {
                        Text::Literal(s, span) => found.push(GrantedScope {
                            scope: Some(s),
                            span,
                        }),
                        Text::Computed(scope) => found.push(GrantedScope {
                            scope,
                            span: entry.span.range(),
                        }),
                        Text::Missing | Text::Invalid(_) => self.problem(
                            entry.span.range(),
                            format!("`{key}` entry is not a scope string"),
                        ),
                    }
                }
            }
            Value::Null => {}
            _ if self.cfn.as_ref().is_some_and(|c| c.is_intrinsic(list)) => {
                // The list itself is computed (`!If`, `!Split`, a list parameter).
                let evaluated = self.cfn.as_ref().and_then(|c| c.eval_list(list));
                match evaluated {
                    Some(values) => found.extend(values.into_iter().map(|s| GrantedScope {
                        scope: Some(s),
                        span: list.span.range(),
                    })),
                    None => found.push(GrantedScope {
                        scope: None,
                        span: list.span.range(),
                    }),
                }
            }
            _ => self.problem(list.span.range(), format!("`{key}` is not a list")),
        }
        let file = self.file;
        self.out
            .grants
            .get_or_insert_with(Vec::new)
            .extend(found.into_iter().map(|g| GrantedScope {
                span: trim_end(file, g.span),
                ..g
            }));
    }
}

/// The string a scalar holds and the span of its text without quotes; numbers and booleans are
/// read as written.
fn scalar(file: &SourceFile, node: &Node) -> Option<(String, Range<usize>)> {
    let span = text_span(file, node);
    match &node.value {
        Value::String(s) => Some((s.to_string(), span)),
        Value::Number(_) | Value::Bool(_) => {
            let raw = file.text.get(span.clone())?;
            Some((raw.to_owned(), span))
        }
        _ => None,
    }
}

/// The span of a scalar's text: quotes excluded, trailing blanks of block scalars trimmed.
fn text_span(file: &SourceFile, node: &Node) -> Range<usize> {
    let span = node.span.range();
    let Some(raw) = file.text.get(span.clone()) else {
        return span;
    };
    let quote = match node.style {
        Style::DoubleQuoted => Some('"'),
        Style::SingleQuoted => Some('\''),
        _ => None,
    };
    if let Some(q) = quote {
        if raw.len() >= 2 && raw.starts_with(q) && raw.ends_with(q) {
            return span.start + 1..span.end - 1;
        }
        return span;
    }
    trim_end(file, span)
}

/// `span` without trailing blanks (block collections end where the next token starts).
fn trim_end(file: &SourceFile, span: Range<usize>) -> Range<usize> {
    match file.text.get(span.clone()) {
        Some(raw) => span.start..span.start + raw.trim_end().len(),
        None => span,
    }
}

/// The items of a sequence (nothing for anything else).
fn items(node: Option<&Node>) -> &[Node] {
    match node.map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

fn read_cloudformation(r: &mut Reader<'_>, root: &Node) {
    let Some(resources) = root.get("Resources") else {
        r.problem(
            root.span.range(),
            "template has no `Resources`; it declares no scopes".into(),
        );
        return;
    };
    let Value::Map(entries) = &resources.value else {
        r.problem(
            resources.span.range(),
            "`Resources` is not a mapping".into(),
        );
        return;
    };
    let mut cognito = false;
    for entry in entries {
        let resource = &entry.value;
        match resource.get("Type").and_then(Node::as_str) {
            Some(cfn::RESOURCE_SERVER) => {
                cognito = true;
                let Some(props) = resource.get("Properties") else {
                    r.problem(
                        entry.key_span.range(),
                        "resource server without `Properties`".into(),
                    );
                    continue;
                };
                read_cognito_server(r, props);
            }
            Some(cfn::USER_POOL_CLIENT) => {
                cognito = true;
                r.out.grants.get_or_insert_with(Vec::new);
                if let Some(list) = resource.pointer("/Properties/AllowedOAuthScopes") {
                    r.grant_list(list.node, "AllowedOAuthScopes");
                }
            }
            _ => {}
        }
    }
    if !cognito {
        let span = root
            .entry("Resources")
            .map_or(resources.span, |e| e.key_span);
        r.problem(
            span.range(),
            format!(
                "template declares no `{}` or `{}`",
                cfn::RESOURCE_SERVER,
                cfn::USER_POOL_CLIENT
            ),
        );
    }
}

/// A Cognito resource server: CloudFormation `Properties` or CLI `ResourceServer`.
fn read_cognito_server(r: &mut Reader<'_>, rs: &Node) {
    if !matches!(rs.value, Value::Map(_)) {
        r.problem(rs.span.range(), "expected a resource server object".into());
        return;
    }
    let identifier = r.text(rs.get("Identifier"));
    if matches!(identifier, Text::Missing) {
        r.problem(
            rs.span.range(),
            "resource server without `Identifier`".into(),
        );
    }
    let owner = Owner {
        resource_server: identifier.value(),
        resource_server_name: r.text(rs.get("Name")).value(),
        app_id_uris: None,
    };
    let Some(scopes) = rs.get("Scopes") else {
        return;
    };
    if r.cfn.as_ref().is_some_and(|c| c.is_intrinsic(scopes)) {
        // A computed list: its scopes are unknown.
        r.push_scope(None, &owner, true, scopes.span.range());
        return;
    }
    match &scopes.value {
        Value::Seq(list) => {
            for scope in list {
                r.declare(scope, "ScopeName", &owner, true);
            }
        }
        Value::Null => {}
        _ => r.problem(scopes.span.range(), "`Scopes` is not a list".into()),
    }
}

fn read_metadata(r: &mut Reader<'_>, root: &Node) {
    let Some(list) = root.get("scopes_supported") else {
        let span = root.entry("issuer").map_or(root.span, |e| e.key_span);
        r.problem(
            span.range(),
            "metadata without `scopes_supported`: it lists no scopes".into(),
        );
        return;
    };
    let Value::Seq(entries) = &list.value else {
        r.problem(list.span.range(), "`scopes_supported` is not a list".into());
        return;
    };
    for entry in entries {
        match r.text(Some(entry)) {
            Text::Literal(name, span) if !name.is_empty() => {
                r.push_scope(Some(name), &Owner::default(), true, span);
            }
            _ => r.problem(
                entry.span.range(),
                "`scopes_supported` entry is not a scope name".into(),
            ),
        }
    }
}

/// keycloak-config-cli substitutes `$(env:NAME)` and similar before import.
fn keycloak_placeholder(s: &str) -> bool {
    s.contains("$(")
}

fn read_keycloak(r: &mut Reader<'_>, root: &Node) {
    for scope in items(root.get("clientScopes")) {
        // A scope with `include.in.token.scope: false` never reaches the token's `scope`.
        let in_token = scope
            .pointer("/attributes/include.in.token.scope")
            .map(|f| f.node);
        let enabled = !in_token.is_some_and(|n| match &n.value {
            Value::Bool(b) => !b,
            Value::String(s) => s.eq_ignore_ascii_case("false"),
            _ => false,
        });
        r.declare(scope, "name", &Owner::default(), enabled);
    }
    if let Some(clients) = root.get("clients") {
        r.out.grants.get_or_insert_with(Vec::new);
        for client in items(Some(clients)) {
            for key in ["defaultClientScopes", "optionalClientScopes"] {
                if let Some(list) = client.get(key) {
                    r.grant_list(list, key);
                }
            }
        }
    }
}

/// The Deploy CLI replaces `##KEY##` inside strings and `@@KEY@@` values before import.
fn auth0_placeholder(s: &str) -> bool {
    let between = |marker: &str| {
        s.find(marker).is_some_and(|i| {
            s.get(i + marker.len()..)
                .is_some_and(|rest| rest.contains(marker))
        })
    };
    between("##") || between("@@")
}

fn read_auth0_server(r: &mut Reader<'_>, rs: &Node) {
    if !matches!(rs.value, Value::Map(_)) {
        r.problem(rs.span.range(), "expected a resource server object".into());
        return;
    }
    let identifier = r.text(rs.get("identifier"));
    if matches!(identifier, Text::Missing) {
        r.problem(
            rs.span.range(),
            "resource server without `identifier`".into(),
        );
    }
    let owner = Owner {
        resource_server: identifier.value(),
        resource_server_name: r.text(rs.get("name")).value(),
        app_id_uris: None,
    };
    match rs.get("scopes").map(|n| &n.value) {
        Some(Value::Seq(list)) => {
            for scope in list {
                r.declare(scope, "value", &owner, true);
            }
        }
        Some(Value::Null) | None => {}
        Some(_) => {
            if let Some(n) = rs.get("scopes") {
                r.problem(n.span.range(), "`scopes` is not a list".into());
            }
        }
    }
}

/// An Entra application manifest (Microsoft Graph `api.oauth2PermissionScopes`, or the legacy
/// AAD Graph `oauth2Permissions`). Every scope remembers all of the application's
/// `identifierUris`: the provider's configured App ID URI may be any of them, not only the
/// first.
fn read_entra(r: &mut Reader<'_>, root: &Node) {
    let uris: Vec<Option<String>> = match root.get("identifierUris") {
        Some(list) if matches!(list.value, Value::Seq(_)) => items(Some(list))
            .iter()
            .filter_map(|n| match r.text(Some(n)) {
                Text::Literal(uri, _) if !uri.is_empty() => Some(Some(uri)),
                Text::Computed(uri) => Some(uri),
                // An empty or non-string entry names no resource.
                Text::Literal(..) | Text::Missing | Text::Invalid(_) => None,
            })
            .collect(),
        // Absent or null: the application has no App ID URI, so no configured one matches.
        None => Vec::new(),
        Some(n) if matches!(n.value, Value::Null) => Vec::new(),
        Some(n) => {
            r.problem(n.span.range(), "`identifierUris` is not a list".into());
            vec![None]
        }
    };
    let owner = Owner {
        resource_server: uris.iter().flatten().next().cloned(),
        resource_server_name: None,
        app_id_uris: Some(uris),
    };
    let graph = root.pointer("/api/oauth2PermissionScopes").map(|f| f.node);
    let list = graph.or_else(|| root.get("oauth2Permissions"));
    for scope in items(list) {
        let enabled = !matches!(
            scope.get("isEnabled").map(|n| &n.value),
            Some(Value::Bool(false))
        );
        r.declare(scope, "value", &owner, enabled);
    }
}

#[cfg(test)]
mod tests;
