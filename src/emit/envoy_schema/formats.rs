//! protoc-gen-validate's well-known string formats (`hostname`, `email`, `uuid`, `ip`, the
//! HTTP header name and value regexes, ...) and the `string.pattern`s of the trimmed Envoy API,
//! checked without a regex engine. The regexes are those of PGV's `validate.proto`
//! (<https://github.com/bufbuild/protoc-gen-validate/blob/main/validate/validate.proto>).

/// A well-known format a `string` (or, for the IP formats, `bytes`) rule asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WellKnown {
    Email,
    Hostname,
    Ip,
    Ipv4,
    Ipv6,
    Address,
    Uuid,
    HeaderName,
    HeaderValue,
    /// `uri`, `uri_ref` and unknown future formats: accepted unchecked.
    Unchecked,
}

impl WellKnown {
    /// Checks `s` against the format; `strict` is the rule's `strict` flag, which only the HTTP
    /// header regexes read.
    pub(super) fn check(self, s: &str, strict: bool) -> Result<(), String> {
        match self {
            Self::Email if !is_email(s) => Err("value must be a valid email address".to_owned()),
            Self::Hostname if !is_hostname(s) => Err("value must be a valid hostname".to_owned()),
            Self::Ip if s.parse::<std::net::IpAddr>().is_err() => {
                Err("value must be a valid IP address".to_owned())
            }
            Self::Ipv4 if s.parse::<std::net::Ipv4Addr>().is_err() => {
                Err("value must be a valid IPv4 address".to_owned())
            }
            Self::Ipv6 if s.parse::<std::net::Ipv6Addr>().is_err() => {
                Err("value must be a valid IPv6 address".to_owned())
            }
            Self::Address if s.parse::<std::net::IpAddr>().is_err() && !is_hostname(s) => {
                Err("value must be a valid hostname, or ip address".to_owned())
            }
            Self::Uuid if !is_uuid(s) => Err("value must be a valid UUID".to_owned()),
            Self::HeaderName if !is_header_name(s, strict) => {
                Err("value does not match regex pattern for HTTP header name".to_owned())
            }
            Self::HeaderValue if !is_header_value(s, strict) => {
                Err("value does not match regex pattern for HTTP header value".to_owned())
            }
            _ => Ok(()),
        }
    }
}

/// The `string.pattern`s of the trimmed Envoy API, hand-compiled because the crate carries no
/// regex engine of its own. Unknown patterns return `None` and are not checked.
pub(super) fn known_pattern(pattern: &str) -> Option<fn(&str) -> bool> {
    fn in_set(s: &str, extra: &str) -> bool {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    }
    match pattern {
        // envoy.config.route.v3.RouteMatch.path_separated_prefix
        "^[^?#]+[^?#/]$" => {
            Some(|s| s.chars().count() >= 2 && !s.contains(['?', '#']) && !s.ends_with('/'))
        }
        // xds.core.v3.ResourceLocator.Directive.entry
        r"^[0-9a-zA-Z_\-\./~:]+$" => Some(|s| in_set(s, "_-./~:")),
        // xds.core.v3.CollectionEntry.InlineEntry.name
        r"^[0-9a-zA-Z_\-\.~:]+$" => Some(|s| in_set(s, "_-.~:")),
        _ => None,
    }
}

/// PGV's hostname check: at most 253 characters, dot-separated labels of 1 to 63 letters,
/// digits and hyphens, not starting or ending with a hyphen; one trailing dot allowed.
pub(super) fn is_hostname(s: &str) -> bool {
    if s.len() > 253 {
        return false;
    }
    let s = s.strip_suffix('.').unwrap_or(s);
    s.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// Simplified: `local@host`, local part 1 to 64 bytes, host a hostname, 254 bytes at most.
pub(super) fn is_email(s: &str) -> bool {
    s.len() <= 254
        && s.rsplit_once('@').is_some_and(|(local, host)| {
            !local.is_empty() && local.len() <= 64 && is_hostname(host)
        })
}

pub(super) fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// PGV HTTP_HEADER_NAME: strict `^:?[0-9a-zA-Z!#$%&'*+-.^_|~\x60]+$` (the `+-.` range also
/// admits `,`), loose `^[^\u0000\u000A\u000D]*$`.
pub(super) fn is_header_name(s: &str, strict: bool) -> bool {
    if !strict {
        return !s.contains(['\0', '\n', '\r']);
    }
    let name = s.strip_prefix(':').unwrap_or(s);
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+,-.^_|~`".contains(c))
}

/// PGV HTTP_HEADER_VALUE: strict `^[^\u0000-\u0008\u000A-\u001F\u007F]*$`, loose
/// `^[^\u0000\u000A\u000D]*$`.
pub(super) fn is_header_value(s: &str, strict: bool) -> bool {
    if strict {
        !s.chars()
            .any(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{a}'..='\u{1f}' | '\u{7f}'))
    } else {
        !s.contains(['\0', '\n', '\r'])
    }
}
