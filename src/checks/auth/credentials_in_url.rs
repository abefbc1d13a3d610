use crate::checks::{TreeContext, looks_templated};
use crate::diagnostic::{Finding, Span, url_credentials};
use crate::load::embedded::map_scalar;

crate::declare_rule! {
    /// ## What it does
    /// Reports a URL written with credentials in it (`https://user:password@host/…`) anywhere in
    /// a resource portico reads: a JWKS or issuer URL, an introspection URL, a URL in a Rego
    /// module of a ConfigMap. The position points at the user information; portico's messages
    /// show the password as `***`.
    ///
    /// ## Why is this bad?
    /// The credentials are committed to the repository and copied into every place the
    /// configuration goes: the cluster, `kubectl get -o yaml`, CI logs, the AuthConfig the
    /// gateway builds. RFC 3986 §3.2.1 deprecates `user:password` in a URL for that reason.
    /// A JWKS or issuer URL is public and needs none; Gloo takes the secrets it needs from
    /// Kubernetes Secrets (`introspection.clientSecretRef`, `apiKeyAuth` secret references).
    ///
    /// ## Example
    /// ```yaml
    /// remoteJwks:
    ///   url: https://portal:s3cr3t@dev-1234567.okta.com/oauth2/default/v1/keys
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// remoteJwks:
    ///   # an `@` after the host (here in the query) is not user information
    ///   url: https://dev-1234567.okta.com/oauth2/default/v1/keys?user=@me
    /// ```
    code: "PC408",
    slug: "credentials-in-url",
    severity: Error,
    since: "0.1.0",
    phase: Trees,
}

fn check(ctx: &TreeContext<'_>, out: &mut Vec<Finding>) {
    for meta in ctx.model.all_documents_meta() {
        let Some(object) = ctx.root(meta).and_then(|root| root.pointer(&meta.base)) else {
            continue;
        };
        object.node.visit_strings(&mut |node, value| {
            for userinfo in url_credentials(value) {
                // `https://${USER}:${PASSWORD}@host` is filled in later from somewhere else
                // (PC006 reports the placeholders themselves).
                if value.get(userinfo.clone()).is_none_or(looks_templated) {
                    continue;
                }
                let map = map_scalar(ctx.source, node);
                let start = map.file_offset(userinfo.start);
                let end = if map.is_exact() {
                    map.file_offset(userinfo.end).max(start)
                } else {
                    node.span.end()
                };
                out.push(
                    Finding::new(
                        format!("`{}` carries credentials", url_around(value, &userinfo)),
                        Span::new(meta.file, start..end),
                    )
                    .label("credentials")
                    .help(
                        "remove them from the URL and the repository's history, and rotate them; a \
                         JWKS or issuer URL needs none, and Gloo reads the secrets it needs from \
                         Kubernetes Secrets",
                    )
                    .about(&meta.id),
                );
            }
        });
    }
}

/// The URL holding `userinfo` in `value`: from its scheme to the end of its authority (the
/// rest, path and query, says nothing more about the credentials).
fn url_around<'v>(value: &'v str, userinfo: &std::ops::Range<usize>) -> &'v str {
    let before = value.get(..userinfo.start).unwrap_or("");
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.' | ':' | '/')))
        .map_or(0, |i| i + 1);
    let after = value.get(userinfo.end..).unwrap_or("");
    let end = userinfo.end
        + after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '\\' | '`' | '"' | '<' | '>') || c.is_whitespace()
            })
            .unwrap_or(after.len());
    value.get(start..end).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::url_around;
    use crate::diagnostic::url_credentials;

    #[test]
    fn the_url_quoted_is_scheme_and_authority() {
        let value = "resp := http.send({\"url\": \"https://u:p@h.example.com:8443/x?y\"})";
        let found = url_credentials(value);
        assert_eq!(found.len(), 1);
        assert_eq!(
            url_around(value, &found[0]),
            "https://u:p@h.example.com:8443"
        );
    }
}
