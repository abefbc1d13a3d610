//! Terraform scope declarations (PRODUCT §3, idp-scopes §8): `okta_auth_server_scope`,
//! `aws_cognito_resource_server`, `auth0_resource_server_scope(s)` (and legacy inline `scopes` on
//! `auth0_resource_server`), `azuread_application` `oauth2_permission_scope` (and
//! `azuread_application_permission_scope`), `keycloak_openid_client_scope`; grants from
//! `okta_auth_server_policy_rule.scope_whitelist`, `aws_cognito_user_pool_client.allowed_oauth_scopes`
//! and `keycloak_openid_client_{default,optional}_scopes`.
//!
//! The file is parsed with `hcl-edit`, which keeps byte spans. Values are resolved by a small
//! evaluator: string literals, `local.*` (from `locals` blocks of the same file), templates whose
//! interpolations all resolve, attributes of other resources in the same file
//! (`aws_cognito_resource_server.x.identifier`, `….scope_identifiers`), `for_each`/`count`/`dynamic`
//! over resolvable collections, `for` expressions and a few pure functions (`toset`, `tolist`,
//! `concat`, `flatten`, `distinct`, `format` with `%s`, `join`, `length`, `keys`, `values`,
//! `tostring`). Everything else (`var.*`, `data.*`, `module.*`, other functions) is *unknown*:
//! the scope is kept with `name: None`, never dropped.
//!
//! [`eval`] holds that evaluator (and why it is not `hcl-rs`'s), [`resources`] the table of
//! provider resources and the walk that reads declarations and grants through it.

mod eval;
#[cfg(test)]
mod fixture_tests;
mod resources;
#[cfg(test)]
mod tests;

use super::{ScopeSource, SourceError};
use crate::load::source::SourceFile;
use eval::Evaluator;
use resources::Extract;

/// Parses a `.tf` file.
///
/// # Errors
/// When it is not valid HCL, or declares none of the known resources.
pub fn parse(file: &SourceFile) -> Result<ScopeSource, SourceError> {
    let text: &str = &file.text;
    check_nesting(text)?;
    let body = hcl_edit::parser::parse_body(text).map_err(|e| syntax_error(text, &e))?;
    let eval = Evaluator::new(text, &body);
    let mut out = Extract::new(&eval);
    for block in body.get_blocks("resource") {
        let [ty, name] = block.labels.as_slice() else {
            continue;
        };
        out.resource(ty.as_str(), name.as_str(), block);
    }
    out.finish().ok_or(SourceError::UnknownFormat)
}

/// The deepest nesting of `{`, `[` and `(` handed to hcl-edit. Its expression parser
/// backtracks through nested objects and operators, and 240 bytes nesting 38 levels took 20
/// seconds (found by the `scope_sources` fuzz target); scope declarations nest a few levels.
const MAX_NESTING: usize = 16;

/// Refuses text nesting brackets deeper than [`MAX_NESTING`] (outside strings and comments),
/// at the first bracket too deep.
fn check_nesting(text: &str) -> Result<(), SourceError> {
    let syntax = crate::load::nesting::Syntax {
        openers: &['{', '[', '('],
        slash_comments: true,
        backtick_strings: false,
    };
    match crate::load::nesting::first_too_deep(text, MAX_NESTING, syntax) {
        None => Ok(()),
        Some(i) => Err(SourceError::Syntax(
            i..i + 1,
            format!(
                "brackets nest more than {MAX_NESTING} levels deep here; the file is not read (the HCL parser's time grows exponentially with nesting)"
            ),
        )),
    }
}

/// Converts a parser error into [`SourceError::Syntax`] with a one-character byte range.
fn syntax_error(text: &str, err: &hcl_edit::parser::Error) -> SourceError {
    let mut start = err.location().offset().min(text.len());
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    let end = text
        .get(start..)
        .and_then(|rest| rest.chars().next())
        .map_or(start, |c| start + c.len_utf8());
    let loc = err.location();
    SourceError::Syntax(
        start..end,
        format!(
            "HCL syntax error at line {}, column {}: {}",
            loc.line(),
            loc.column(),
            err.message()
        ),
    )
}
