//! Unit tests of the Terraform scope reader on inline `.tf` text: each provider resource,
//! the evaluator (locals, templates, `for_each`/`count`/`dynamic`, functions, unknowns), and
//! the limits that keep hostile files bounded.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::ops::Range;
use std::path::PathBuf;

use super::*;
use crate::model::scopes::SourceFormat;

fn file(text: &str) -> SourceFile {
    SourceFile::new("main.tf".into(), PathBuf::from("main.tf"), text.into())
}

fn read(text: &str) -> ScopeSource {
    parse(&file(text)).unwrap()
}

pub(super) fn names(source: &ScopeSource) -> Vec<Option<&str>> {
    source.scopes.iter().map(|s| s.name.as_deref()).collect()
}

pub(super) fn grants(source: &ScopeSource) -> Vec<Option<&str>> {
    source
        .grants
        .as_ref()
        .unwrap()
        .iter()
        .map(|g| g.scope.as_deref())
        .collect()
}

fn at<'t>(text: &'t str, span: &Range<usize>) -> &'t str {
    &text[span.clone()]
}

#[test]
fn okta_scope_literal_with_inner_span() {
    let text = "resource \"okta_auth_server_scope\" \"s\" {\n  auth_server_id = var.as\n  name = \"petstore\"\n}\n";
    let source = read(text);
    assert_eq!(source.format, SourceFormat::Terraform);
    assert!(source.complete);
    assert_eq!(source.grants, None);
    let [scope] = source.scopes.as_slice() else {
        panic!("{source:?}")
    };
    assert_eq!(scope.name.as_deref(), Some("petstore"));
    assert_eq!(scope.resource_server, None);
    assert!(scope.enabled);
    assert_eq!(at(text, &scope.span), "petstore");
}

#[test]
fn okta_policy_rule_grants() {
    let text = r#"
resource "okta_auth_server_policy_rule" "r" {
  scope_whitelist = ["petstore", "*"]
}
"#;
    let source = read(text);
    assert!(source.scopes.is_empty());
    assert_eq!(grants(&source), [Some("petstore"), Some("*")]);
    let g = source.grants.as_ref().unwrap();
    assert_eq!(at(text, &g[1].span), "*");
}

#[test]
fn cognito_resource_server_and_client() {
    let text = r#"
resource "aws_cognito_resource_server" "api" {
  identifier = "https://api.example.com"
  name       = "Example API"
  scope {
    scope_name        = "tracks"
    scope_description = "t"
  }
  scope {
    scope_name        = "pets"
    scope_description = "p"
  }
}
resource "aws_cognito_user_pool_client" "c" {
  allowed_oauth_scopes = ["openid", "https://api.example.com/tracks", aws_cognito_resource_server.api.scope_identifiers[1], aws_cognito_resource_server.other.scope_identifiers[0]]
}
"#;
    let source = read(text);
    assert_eq!(names(&source), [Some("tracks"), Some("pets")]);
    for s in &source.scopes {
        assert_eq!(
            s.resource_server.as_deref(),
            Some("https://api.example.com")
        );
        assert_eq!(s.resource_server_name.as_deref(), Some("Example API"));
    }
    assert_eq!(at(text, &source.scopes[1].span), "pets");
    assert_eq!(
        grants(&source),
        [
            Some("openid"),
            Some("https://api.example.com/tracks"),
            Some("https://api.example.com/pets"),
            None
        ]
    );
    let g = source.grants.as_ref().unwrap();
    assert_eq!(
        at(text, &g[3].span),
        "aws_cognito_resource_server.other.scope_identifiers[0]"
    );
}

#[test]
fn cognito_whole_scope_identifiers_list() {
    let source = read(
        r#"
resource "aws_cognito_resource_server" "api" {
  identifier = "https://api.example.com"
  name       = "Example API"
  scope {
    scope_name        = "tracks"
    scope_description = "t"
  }
}
resource "aws_cognito_user_pool_client" "c" {
  allowed_oauth_scopes = concat(["email"], aws_cognito_resource_server.api.scope_identifiers)
}
"#,
    );
    assert_eq!(
        grants(&source),
        [Some("email"), Some("https://api.example.com/tracks")]
    );
}

#[test]
fn auth0_three_shapes() {
    let text = r#"
resource "auth0_resource_server" "api" {
  name       = "API"
  identifier = "https://api.example.com"
}
resource "auth0_resource_server_scopes" "s" {
  resource_server_identifier = auth0_resource_server.api.identifier
  scopes {
    name        = "tracks"
    description = "d"
  }
}
resource "auth0_resource_server_scope" "one" {
  resource_server_identifier = "https://api.example.com"
  scope                      = "pets"
}
resource "auth0_resource_server" "legacy" {
  identifier = "https://legacy.example.com"
  scopes {
    value = "invoices"
  }
}
"#;
    let source = read(text);
    assert_eq!(
        names(&source),
        [Some("tracks"), Some("pets"), Some("invoices")]
    );
    let servers: Vec<_> = source
        .scopes
        .iter()
        .map(|s| s.resource_server.as_deref())
        .collect();
    assert_eq!(
        servers,
        [
            Some("https://api.example.com"),
            Some("https://api.example.com"),
            Some("https://legacy.example.com")
        ]
    );
    assert_eq!(source.grants, None);
}

#[test]
fn azuread_application_enabled_and_identifier_uri() {
    let source = read(
        r#"
resource "azuread_application" "a" {
  identifier_uris = ["api://example", "https://example.com/api"]
  api {
    oauth2_permission_scope {
      value   = "tracks"
      enabled = true
    }
    oauth2_permission_scope {
      value   = "pets"
      enabled = false
    }
    oauth2_permission_scope {
      value = "orders"
    }
  }
}
"#,
    );
    assert_eq!(
        names(&source),
        [Some("tracks"), Some("pets"), Some("orders")]
    );
    let enabled: Vec<_> = source.scopes.iter().map(|s| s.enabled).collect();
    assert_eq!(enabled, [true, false, true]);
    assert!(
        source
            .scopes
            .iter()
            .all(|s| s.resource_server.as_deref() == Some("api://example"))
    );
    let uris = Some(vec![
        Some("api://example".to_owned()),
        Some("https://example.com/api".to_owned()),
    ]);
    assert!(source.scopes.iter().all(|s| s.app_id_uris == uris));
}

#[test]
fn azuread_identifier_uris_unknown_or_absent() {
    let source = read(
        r#"
resource "azuread_application" "a" {
  identifier_uris = ["api://${var.name}", "api://fixed"]
  api {
    oauth2_permission_scope {
      value = "tracks"
    }
  }
}
resource "azuread_application" "b" {
  api {
    oauth2_permission_scope {
      value = "pets"
    }
  }
}
resource "azuread_application_permission_scope" "c" {
  application_id = azuread_application.b.id
  value          = "orders"
}
resource "okta_auth_server_scope" "d" {
  auth_server_id = "x"
  name           = "okta"
}
"#,
    );
    assert_eq!(
        source.scopes[0].app_id_uris,
        Some(vec![None, Some("api://fixed".to_owned())])
    );
    assert_eq!(
        source.scopes[0].resource_server.as_deref(),
        Some("api://fixed")
    );
    // Absent: a separate `azuread_application_identifier_uri` may set them.
    assert_eq!(source.scopes[1].app_id_uris, None);
    assert_eq!(source.scopes[2].app_id_uris, None);
    assert_eq!(source.scopes[3].app_id_uris, None);
}

#[test]
fn keycloak_client_scope() {
    let source = read(
        "resource \"keycloak_openid_client_scope\" \"s\" {\n  realm_id = keycloak_realm.r.id\n  name = \"tracks\"\n}\n",
    );
    assert_eq!(names(&source), [Some("tracks")]);
}

#[test]
fn locals_and_templates_resolve() {
    let text = r#"
locals {
  api    = "https://api.example.com"
  prefix = "product"
  name   = local.prefix
}
resource "aws_cognito_resource_server" "api" {
  identifier = local.api
  name       = "API"
  scope {
    scope_name        = "${local.prefix}-tracks"
    scope_description = "d"
  }
  scope {
    scope_name        = local.name
    scope_description = "d"
  }
}
resource "aws_cognito_user_pool_client" "c" {
  allowed_oauth_scopes = ["${local.api}/${local.prefix}-tracks", format("%s/pets", local.api)]
}
"#;
    let source = read(text);
    assert_eq!(names(&source), [Some("product-tracks"), Some("product")]);
    assert_eq!(
        source.scopes[0].resource_server.as_deref(),
        Some("https://api.example.com")
    );
    // A template: the span is its text without the quotes.
    assert_eq!(at(text, &source.scopes[0].span), "${local.prefix}-tracks");
    // A local: the span is the literal in `locals`.
    assert_eq!(at(text, &source.scopes[1].span), "product");
    assert_eq!(
        grants(&source),
        [
            Some("https://api.example.com/product-tracks"),
            Some("https://api.example.com/pets")
        ]
    );
}

#[test]
fn unresolved_values_are_unknown_not_missing() {
    let text = r#"
locals {
  cycle = local.cycle
}
resource "okta_auth_server_scope" "a" {
  name = var.scope_name
}
resource "okta_auth_server_scope" "b" {
  name = "${var.prefix}/tracks"
}
resource "okta_auth_server_scope" "c" {
  name = lower(local.missing)
}
resource "okta_auth_server_scope" "d" {
  name = local.cycle
}
resource "okta_auth_server_scope" "e" {
  name = data.okta_x.y.name
}
resource "auth0_resource_server_scope" "f" {
  resource_server_identifier = var.audience
  scope                      = "tracks"
}
"#;
    let source = read(text);
    assert_eq!(
        names(&source),
        [None, None, None, None, None, Some("tracks")]
    );
    assert_eq!(at(text, &source.scopes[0].span), "var.scope_name");
    assert_eq!(at(text, &source.scopes[1].span), "${var.prefix}/tracks");
    assert_eq!(source.scopes[5].resource_server, None);
}

#[test]
fn for_each_over_local_list() {
    let text = r#"
locals {
  products = ["tracks", "pets", "tracks"]
}
resource "okta_auth_server_scope" "p" {
  for_each       = toset(local.products)
  auth_server_id = "aus1"
  name           = each.value
}
"#;
    let source = read(text);
    assert_eq!(names(&source), [Some("tracks"), Some("pets")]);
    // Spans point at the literals in the list.
    assert_eq!(at(text, &source.scopes[1].span), "pets");
    assert_eq!(
        source.scopes[1].span.start,
        text.find("\"pets\"").unwrap() + 1
    );
}

#[test]
fn for_each_over_map_count_and_dynamic() {
    let source = read(
        r#"
locals {
  scopes = { tracks = "Tracks", pets = "Pets" }
  names  = ["a", "b"]
}
resource "keycloak_openid_client_scope" "m" {
  for_each = local.scopes
  name     = "${each.key}:read"
}
resource "keycloak_openid_client_scope" "n" {
  count = length(local.names)
  name  = local.names[count.index]
}
resource "aws_cognito_resource_server" "d" {
  identifier = "https://api.example.com"
  name       = "API"
  dynamic "scope" {
    for_each = local.scopes
    content {
      scope_name        = scope.key
      scope_description = scope.value
    }
  }
  dynamic "scope" {
    for_each = [for n in local.names : "${n}-x"]
    iterator = s
    content {
      scope_name        = s.value
      scope_description = "d"
    }
  }
}
"#,
    );
    assert_eq!(
        names(&source),
        [
            Some("tracks:read"),
            Some("pets:read"),
            Some("a"),
            Some("b"),
            Some("tracks"),
            Some("pets"),
            Some("a-x"),
            Some("b-x")
        ]
    );
}

#[test]
fn unresolvable_for_each_gives_one_unknown_scope() {
    let text = r#"
resource "okta_auth_server_scope" "p" {
  for_each = toset(var.products)
  name     = each.value
}
resource "aws_cognito_resource_server" "d" {
  identifier = "https://api.example.com"
  name       = "API"
  dynamic "scope" {
    for_each = var.scopes
    content {
      scope_name        = scope.value.name
      scope_description = "d"
    }
  }
}
"#;
    let source = read(text);
    assert_eq!(names(&source), [None, None]);
    assert_eq!(at(text, &source.scopes[0].span), "each.value");
    assert_eq!(
        source.scopes[1].resource_server.as_deref(),
        Some("https://api.example.com")
    );
}

#[test]
fn empty_for_each_declares_nothing_but_is_recognised() {
    let source = read(
        "resource \"okta_auth_server_scope\" \"p\" {\n  for_each = []\n  name = each.value\n}\n",
    );
    assert!(source.scopes.is_empty());
}

#[test]
fn missing_name_is_a_problem() {
    let source = read("resource \"okta_auth_server_scope\" \"p\" {\n  auth_server_id = \"x\"\n}\n");
    assert!(source.scopes.is_empty());
    assert_eq!(source.problems.len(), 1);
    assert!(source.problems[0].1.contains("okta_auth_server_scope.p"));
}

/// A scope that is the resource itself is located by the resource block, labels included; a
/// nested scope block by its own body, so the problem points at the block missing the name.
#[test]
fn missing_name_problem_spans() {
    let text = r#"
resource "okta_auth_server_scope" "p" {
  auth_server_id = "x"
}
resource "aws_cognito_resource_server" "api" {
  identifier = "https://api.example.com"
  scope {
    scope_description = "no name"
  }
}
"#;
    let source = read(text);
    let spans: Vec<&str> = source.problems.iter().map(|(s, _)| at(text, s)).collect();
    assert_eq!(
        spans,
        [
            "resource \"okta_auth_server_scope\" \"p\" {\n  auth_server_id = \"x\"\n}",
            "\n    scope_description = \"no name\"\n  ",
        ]
    );
}

#[test]
fn syntax_error_has_position() {
    let f = file("resource \"okta_auth_server_scope\" \"s\" {\n  name = \n}\n");
    let Err(SourceError::Syntax(range, message)) = parse(&f) else {
        panic!("expected a syntax error")
    };
    assert_eq!(f.line_col(range.start).line, 2);
    assert!(message.contains("line 2"), "{message}");
    let f = file("resource \"x\" \"y\" {\n  name = \"é\n");
    let Err(SourceError::Syntax(range, _)) = parse(&f) else {
        panic!("expected a syntax error")
    };
    assert!(f.text.get(range).is_some());
}

#[test]
fn deep_nesting_is_refused_before_parsing() {
    let deep = format!(
        "x = {}1{}\n",
        "[".repeat(MAX_NESTING + 1),
        "]".repeat(MAX_NESTING + 1)
    );
    let Err(SourceError::Syntax(range, message)) = parse(&file(&deep)) else {
        panic!("expected the nesting to be refused")
    };
    assert_eq!(range.start, "x = ".len() + MAX_NESTING);
    assert!(message.contains("nest"), "{message}");
    // Brackets in strings and comments do not count.
    let quoted = format!(
        "# {0}\n// {0}\n/* {0} */\nlocals {{\n  a = \"{0}\"\n}}\n",
        "{".repeat(40)
    );
    assert!(!matches!(
        parse(&file(&quoted)),
        Err(SourceError::Syntax(_, m)) if m.contains("nest")
    ));
}

#[test]
fn unrelated_and_empty_files_are_unknown_format() {
    for text in [
        "",
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n",
        "locals {\n  a = 1\n}\n",
    ] {
        assert_eq!(
            parse(&file(text)),
            Err(SourceError::UnknownFormat),
            "{text}"
        );
    }
}

#[test]
fn deep_nesting_does_not_overflow() {
    let mut text = String::from("locals {\n  l0 = \"x\"\n");
    for i in 1..200 {
        text.push_str(&format!("  l{i} = local.l{}\n", i - 1));
    }
    text.push_str("}\nresource \"okta_auth_server_scope\" \"s\" {\n  name = local.l199\n}\n");
    let source = read(&text);
    assert_eq!(source.scopes.len(), 1);
}

#[test]
fn exponential_references_stay_bounded() {
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
                "resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"${{aws_s3_bucket.b{n}.bucket}}${{aws_s3_bucket.b{n}.bucket}}\"\n}}\n",
                n = i + 1
            ));
    }
    text.push_str(
        "resource \"okta_auth_server_scope\" \"s\" {\n  name = aws_s3_bucket.b0.bucket\n}\n",
    );
    let source = read(&text);
    assert_eq!(names(&source), [None]);
}
