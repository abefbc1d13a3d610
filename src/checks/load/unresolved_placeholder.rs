use crate::checks::TreeContext;
use crate::diagnostic::{Finding, Span};
use crate::load::embedded::map_scalar;
use crate::model::Kind;

crate::declare_rule! {
    /// ## What it does
    /// Reports values that still hold a template placeholder: a shell variable (`$CLUSTER_NAME`,
    /// `${OKTA_DOMAIN}`), an angle-bracket placeholder from documentation (`<https://your-domain>`,
    /// `<CLIENT_ID>`), or an unrendered Helm expression (`{{ .Values.host }}`).
    ///
    /// ## Why is this bad?
    /// Guides write `$CLUSTER_NAME` for `envsubst` and `<your-okta-domain>` for a human to fill
    /// in. Committed as they are, Kubernetes accepts the literal text: the policy points at a
    /// cluster named `$CLUSTER_NAME` and never applies, or the JWKS URL cannot be fetched and
    /// every request is denied.
    ///
    /// ## Example
    /// ```yaml
    /// config:
    ///   server:
    ///     name: ext-auth-server
    ///     cluster: $CLUSTER_NAME
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// config:
    ///   server:
    ///     name: ext-auth-server
    ///     cluster: cluster1
    /// ```
    code: "PC006",
    slug: "unresolved-placeholder",
    severity: Error,
    since: "0.1.0",
    phase: Trees,
}

/// Keys whose values are free text or patterns where `$` and `<…>` are legitimate.
const SKIPPED_KEYS: &[&str] = &[
    "regex",
    "pattern",
    "substitution",
    "description",
    "body",
    "termsOfService",
    "query",
];

/// The finding for the placeholder `found` at `span`.
fn finding(found: &str, span: Span) -> Finding {
    Finding::new(format!("`{found}` is a placeholder, not a value"), span)
        .label("placeholder")
        .help(
            "substitute the real value before committing (run envsubst, helm template or \
             kustomize first, and check the output)",
        )
}

fn check(ctx: &TreeContext<'_>, out: &mut Vec<Finding>) {
    for meta in ctx.model.all_documents_meta() {
        let Some(object) = ctx.root(meta).and_then(|root| root.pointer(&meta.base)) else {
            continue;
        };
        let file = ctx.source;
        let mut pointer = String::new();
        object
            .node
            .walk_strings(&mut pointer, &mut |path, node, value| {
                let last = path.rsplit('/').next().unwrap_or("");
                let config_map_data = meta.id.kind == Kind::ConfigMap
                    && (path.starts_with("/data/") || path.starts_with("/binaryData/"));
                if SKIPPED_KEYS.contains(&last)
                    || path.starts_with("/metadata/annotations")
                    || config_map_data
                {
                    return;
                }
                let found_all = find_placeholders(value);
                if found_all.is_empty() {
                    return;
                }
                let map = map_scalar(file, node);
                for (range, found) in found_all {
                    let start = map.file_offset(range.start);
                    let end = if map.is_exact() {
                        map.file_offset(range.end)
                    } else {
                        node.span.end()
                    };
                    let span = Span::new(meta.file, start..end);
                    out.push(finding(&found, span).about(&meta.id));
                }
            });
    }
}

/// Every placeholder in `value`: byte range and text.
pub(crate) fn find_placeholders(value: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some((range, text)) = value.get(from..).and_then(find_placeholder) {
        let range = range.start + from..range.end + from;
        from = range.end;
        out.push((range, text));
    }
    out
}

/// The first placeholder in `value`: its byte range and text.
fn find_placeholder(value: &str) -> Option<(std::ops::Range<usize>, String)> {
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' => {
                if bytes.get(i + 1) == Some(&b'{') {
                    if let Some(close) = value[i..].find('}') {
                        let inner = &value[i + 2..i + close];
                        if !inner.is_empty()
                            && inner.chars().all(|c| {
                                c.is_ascii_alphanumeric()
                                    || c == '_'
                                    || c == '.'
                                    || c == ':'
                                    || c == '-'
                            })
                        {
                            return Some((i..i + close + 1, value[i..=i + close].to_owned()));
                        }
                    }
                } else {
                    let name_len = value[i + 1..]
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .count();
                    let starts_upper =
                        value[i + 1..].starts_with(|c: char| c.is_ascii_uppercase() || c == '_');
                    if name_len >= 2 && starts_upper {
                        return Some((i..i + 1 + name_len, value[i..i + 1 + name_len].to_owned()));
                    }
                }
            }
            b'<' => {
                if let Some(close) = value[i..].find('>') {
                    let inner = &value[i + 1..i + close];
                    if is_angle_placeholder(inner) {
                        return Some((i..i + close + 1, value[i..=i + close].to_owned()));
                    }
                }
            }
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                if let Some(close) = value[i..].find("}}") {
                    return Some((i..i + close + 2, value[i..i + close + 2].to_owned()));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn is_angle_placeholder(inner: &str) -> bool {
    if inner.is_empty() || inner.len() > 120 || inner.contains('<') {
        return false;
    }
    let lower = inner.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return !inner.contains(char::is_whitespace);
    }
    if ["your", "insert", "replace", "enter", "add ", "fill"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return true;
    }
    !inner.contains(char::is_whitespace)
        && inner.chars().any(|c| c.is_ascii_uppercase())
        && inner
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::find_placeholder;

    fn found(v: &str) -> Option<String> {
        find_placeholder(v).map(|(_, t)| t)
    }

    #[test]
    fn placeholders() {
        assert_eq!(found("$CLUSTER_NAME"), Some("$CLUSTER_NAME".into()));
        assert_eq!(
            found("https://${OKTA_DOMAIN}/keys"),
            Some("${OKTA_DOMAIN}".into())
        );
        assert_eq!(
            found("<https://your-okta-domain>/oauth2"),
            Some("<https://your-okta-domain>".into())
        );
        assert_eq!(found("<CLIENT_ID>"), Some("<CLIENT_ID>".into()));
        assert_eq!(
            found("<your okta domain>"),
            Some("<your okta domain>".into())
        );
        assert_eq!(
            found("{{ .Values.host }}"),
            Some("{{ .Values.host }}".into())
        );
    }

    #[test]
    fn every_placeholder_of_a_value() {
        let all: Vec<String> = super::find_placeholders("https://${A}/<B>/x")
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(all, vec!["${A}".to_owned(), "<B>".to_owned()]);
    }

    #[test]
    fn ordinary_values() {
        assert_eq!(found("^/api/v1$"), None);
        assert_eq!(found("price: $5"), None);
        assert_eq!(found("a < b and c > d"), None);
        assert_eq!(found("<b>bold</b>"), None);
        assert_eq!(found("https://dev-1234567.okta.com/oauth2/default"), None);
    }
}
