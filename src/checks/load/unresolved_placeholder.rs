use crate::checks::TreeContext;
use crate::diagnostic::{Finding, Span};
use crate::load::embedded::map_scalar;
use crate::model::Kind;

crate::declare_rule! {
    /// ## What it does
    /// Reports values that still hold a template placeholder: a shell variable (`$CLUSTER_NAME`,
    /// `${OKTA_DOMAIN}`), an angle-bracket placeholder from documentation (`<https://your-domain>`,
    /// `<CLIENT_ID>`, a blank `<>`), or an unrendered Helm expression (`{{ .Values.host }}`,
    /// quoted or not). A lowercase shell variable (`$cluster_name`) is reported in host names,
    /// object names and the host of a URL, where a `$` is never legitimate; elsewhere (regexes,
    /// header values, Rego) it is left alone. A resource with an unrendered value is still
    /// checked by every other rule: the value is unknown, not wrong.
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
    if found.starts_with("{{") {
        return Finding::new(
            format!("`{found}` is an unrendered template expression, not a value"),
            span,
        )
        .label("unrendered template")
        .help(
            "render the template first (`helm template`, or the tool that fills it in) and \
             check the output: `… | portico check -`",
        );
    }
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
                // An unquoted `{{ … }}` is a template whatever the key: YAML has no scalar
                // written that way (see `Node::is_unrendered_template`).
                if !node.is_unrendered_template()
                    && (SKIPPED_KEYS.contains(&last)
                        || path.starts_with("/metadata/annotations")
                        || config_map_data)
                {
                    return;
                }
                let mut found_all = find_placeholders(value);
                found_all.extend(find_lowercase_variables(field_of(path), value));
                found_all.sort_by_key(|(range, _)| range.start);
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
            // `<>` with nothing in it is a blank left to fill (`cluster: <>`,
            // `https://<>/keys`); between spaces (`a <> b`) it is an operator.
            b'<' if bytes.get(i + 1) == Some(&b'>')
                && !(i > 0
                    && bytes[i - 1].is_ascii_whitespace()
                    && bytes.get(i + 2).is_some_and(u8::is_ascii_whitespace)) =>
            {
                return Some((i..i + 2, "<>".to_owned()));
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

/// What a field holds, where a bare lowercase shell variable (`$cluster_name`) can be told
/// from a legitimate `$`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// A host name (`hosts` items, `host`): DNS names have no `$` (RFC 1123 §2.1).
    Host,
    /// A Kubernetes object name, namespace, or cluster or workspace name: RFC 1123 labels and
    /// subdomains, which have no `$` (Kubernetes "Object Names and IDs").
    Name,
    /// A URL (a key ending in `Url`/`Uri`, or `issuer`): `$` is legal in a path or a query
    /// (`?$filter=`, RFC 3986 §3.3 and §3.4), so only its start and its authority are looked
    /// at, where it is not (RFC 3986 §3.2.2: a host is a DNS name or an IP literal).
    Url,
    /// Anything else (Rego, regexes, header values, JSONPath, prices, `$patch`): a lowercase
    /// `$name` there is not told apart from a legitimate `$`.
    Other,
}

/// Keys whose value is a Kubernetes name.
const NAME_KEYS: &[&str] = &["name", "namespace", "cluster", "clusterName", "workspace"];

/// Path segments below which a `name` is a header, query parameter, cookie or claim name
/// (`headers: [{name: x-user}]`), not an object's: `$` is a legal token character there
/// (RFC 9110 §5.6.2).
const NOT_OBJECT_NAMES: &[&str] = &["header", "query", "cookie", "claim"];

/// What the value at `path` (a JSON pointer inside a resource) holds.
pub(crate) fn field_of(path: &str) -> Field {
    let mut segments = path.rsplit('/');
    let last = segments.next().unwrap_or("");
    // A list item is named after its list (`/spec/hosts/0`).
    let key = if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        segments.next().unwrap_or("")
    } else {
        last
    };
    let lower = key.to_ascii_lowercase();
    if key == "hosts" || key == "host" || key == "hostname" {
        Field::Host
    } else if lower.ends_with("url") || lower.ends_with("uri") || key == "issuer" {
        Field::Url
    } else if NAME_KEYS.contains(&key)
        && !path.split('/').any(|s| {
            NOT_OBJECT_NAMES
                .iter()
                .any(|n| s.to_ascii_lowercase().contains(n))
        })
    {
        Field::Name
    } else {
        Field::Other
    }
}

/// The bare lowercase shell variables (`$cluster_name`, `$gateway`) of `value` where `field`
/// tells them from a legitimate `$`: anywhere in a host or a name, at the start or in the
/// authority of a URL (`https://$keycloak_host/realms`). Upper-case ones and `${…}` are found
/// in every field ([`find_placeholders`]).
pub(crate) fn find_lowercase_variables(
    field: Field,
    value: &str,
) -> Vec<(std::ops::Range<usize>, String)> {
    let searched = match field {
        Field::Other => return Vec::new(),
        Field::Host | Field::Name => 0..value.len(),
        Field::Url => match value.find("://") {
            Some(scheme) => {
                let start = scheme + 3;
                let end = value[start..]
                    .find(['/', '?', '#'])
                    .map_or(value.len(), |e| start + e);
                start..end
            }
            None => 0..value.len().min(1),
        },
    };
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = searched.start;
    while i < searched.end {
        let starts_variable = bytes[i] == b'$'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase)
            && (i == 0 || !matches!(bytes[i - 1], b'$' | b'\\'));
        if !starts_variable {
            i += 1;
            continue;
        }
        let len = value[i + 1..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        // `$i`, one letter, is as likely a shell loop's counter quoted in prose.
        if len >= 2 {
            out.push((i..i + 1 + len, value[i..i + 1 + len].to_owned()));
        }
        i += 1 + len;
    }
    out
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
    fn an_empty_angle_pair_is_a_blank_unless_it_is_an_operator() {
        assert_eq!(found("<>"), Some("<>".into()));
        assert_eq!(found("https://<>/keys"), Some("<>".into()));
        assert_eq!(found("ns-<>"), Some("<>".into()));
        assert_eq!(found("a <> b"), None);
    }

    fn lowercase(path: &str, value: &str) -> Vec<String> {
        super::find_lowercase_variables(super::field_of(path), value)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn lowercase_variables_in_hosts_names_and_urls() {
        assert_eq!(lowercase("/spec/hosts/0", "$gateway"), ["$gateway"]);
        assert_eq!(lowercase("/spec/hosts/1", "api.$domain"), ["$domain"]);
        assert_eq!(
            lowercase("/spec/config/server/cluster", "$cluster_name"),
            ["$cluster_name"]
        );
        assert_eq!(lowercase("/metadata/name", "rt-$env"), ["$env"]);
        assert_eq!(
            lowercase(
                "/spec/x/remoteJwks/url",
                "https://$okta_host/oauth2/v1/keys"
            ),
            ["$okta_host"]
        );
        assert_eq!(
            lowercase("/spec/x/issuerUrl", "$issuer/realms/x"),
            ["$issuer"]
        );
    }

    #[test]
    fn legitimate_dollars_are_not_variables() {
        // A URL's query, a header's name or value, a price, a regex, a Rego rule, `$patch`.
        assert!(lowercase("/spec/x/url", "https://api.example.com/items?$filter=a").is_empty());
        assert!(lowercase("/spec/x/headers/0/name", "$custom").is_empty());
        assert!(lowercase("/spec/x/headers/0/value", "$secret").is_empty());
        assert!(lowercase("/spec/x/price", "$five").is_empty());
        assert!(lowercase("/spec/x/regex", "^/api$").is_empty());
        assert!(lowercase("/data/policy.rego", "allow { $x }").is_empty());
        assert!(lowercase("/spec/x/$patch", "delete").is_empty());
        assert!(lowercase("/metadata/name", "pa$$word").is_empty());
        assert!(lowercase("/metadata/name", "$i").is_empty());
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
