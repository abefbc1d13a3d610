use crate::checks::Context;
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Reports a RouteTable host that is not a valid DNS name or has a wildcard anywhere but
    /// the leftmost label (`api.*.example.com`). `*.example.com` and `*-api.example.com` are
    /// valid; a bare `*` is left alone (documented as invalid, but used in many examples).
    ///
    /// ## Why is this bad?
    /// The API server rejects the table, so none of its routes exist at the gateway.
    ///
    /// ## Example
    /// ```yaml
    /// hosts:
    ///   - api.*.example.com
    ///   - api_example.com
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// hosts:
    ///   - "*.example.com"
    ///   - api-example.com
    /// ```
    code: "PC109",
    slug: "invalid-host",
    severity: Error,
    since: "0.1.0",
}

/// The finding for `host` at `span`, invalid for the reason `problem` (see [`host_problem`]).
fn finding(host: &str, problem: &str, span: Span) -> Finding {
    Finding::new(format!("host `{host}` is invalid: {problem}"), span)
        .help("hosts are DNS names; a wildcard may only open the leftmost label (`*.example.com`)")
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for table in &ctx.model.route_tables {
        for (i, host) in table.spec.hosts.iter().enumerate() {
            if let Some(problem) = host_problem(host) {
                let span = ctx.span(&table.meta, &format!("/spec/hosts/{i}"));
                out.push(finding(host, &problem, span).about(&table.meta.id));
            }
        }
    }
}

/// Why a host is invalid, if it is.
fn host_problem(host: &str) -> Option<String> {
    if host == "*" || crate::checks::looks_templated(host) {
        return None;
    }
    // A port is allowed after the name (`api.example.com:8443`).
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    };
    if name.is_empty() || name.len() > 253 {
        return Some("a DNS name has 1 to 253 characters".into());
    }
    let labels: Vec<&str> = name.split('.').collect();
    for (i, label) in labels.iter().enumerate() {
        if label.contains('*') {
            if i > 0 {
                return Some(format!(
                    "the wildcard is in label {} (`{label}`), not the leftmost",
                    i + 1
                ));
            }
            if label.matches('*').count() > 1 || !label.starts_with('*') {
                return Some("the wildcard must start the leftmost label".into());
            }
            let rest = &label[1..];
            if !rest.is_empty() && !valid_label_tail(rest) {
                return Some(format!("`{label}` is not a valid wildcard label"));
            }
            continue;
        }
        if label.is_empty() {
            return Some("it has an empty label (`..` or a leading or trailing dot)".into());
        }
        if label.len() > 63 {
            return Some(format!("label `{label}` is longer than 63 characters"));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            || label.starts_with('-')
            || label.ends_with('-')
        {
            return Some(format!(
                "label `{label}` may only hold letters, digits and inner hyphens"
            ));
        }
    }
    if labels.len() > 1
        && labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
        && labels.len() != 4
    {
        return Some("the top-level label is all digits".into());
    }
    None
}

fn valid_label_tail(rest: &str) -> bool {
    rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !rest.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::host_problem;

    #[test]
    fn hosts() {
        for ok in [
            "api.example.com",
            "*.example.com",
            "*-bar.foo.com",
            "*",
            "localhost",
            "api.example.com:8443",
            "10.0.0.1",
        ] {
            assert_eq!(host_problem(ok), None, "{ok}");
        }
        for bad in [
            "api.*.example.com",
            "a*.example.com",
            "api_x.example.com",
            "api..example.com",
            "-api.example.com",
        ] {
            assert!(host_problem(bad).is_some(), "{bad}");
        }
    }
}
