use crate::checks::TreeContext;
use crate::diagnostic::Finding;
use crate::load::node::{Node, Value};
use crate::model::Meta;

crate::declare_rule! {
    /// ## What it does
    /// Reports an object that sets more than one member of a group the API allows only one of
    /// (a "oneof"): two actions on one route (`forwardTo` and `redirect`), two kinds in one auth
    /// config step, both `remoteJwks` and `localJwks`, both `jwt` and `introspection` token
    /// validation, `route` and `withDestinations` in one selector, `exact` and `prefix` in one
    /// URI match, `pathRewrite` and `regexRewrite`, a port by `number` and `name`. A route with
    /// no action and a route table with no routes at all are reported too.
    ///
    /// ## Why is this bad?
    /// Proto-JSON rejects an object with two members of a oneof, so the API server or the Gloo
    /// translator refuses the resource, or keeps one member and drops the other without saying
    /// which: the route redirects instead of forwarding, the keys you added are never used.
    ///
    /// ## Example
    /// ```yaml
    /// http:
    ///   - name: pets-api
    ///     forwardTo:
    ///       destinations:
    ///         - ref: {name: pets, namespace: petstore}
    ///           port: {number: 8080}
    ///     redirect:
    ///       hostRedirect: pets.example.com
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// http:
    ///   - name: pets-api
    ///     forwardTo:
    ///       destinations:
    ///         - ref: {name: pets, namespace: petstore}
    ///           port: {number: 8080}
    /// ```
    code: "PC105",
    slug: "conflicting-fields",
    severity: Error,
    since: "0.1.0",
    phase: Trees,
}

const ROUTE_ACTIONS: &[&str] = &[
    "forwardTo",
    "delegate",
    "redirect",
    "directResponse",
    "graphql",
];
const AUTH_KINDS: &[&str] = &[
    "basicAuth",
    "oauth",
    "oauth2",
    "apiKeyAuth",
    "pluginAuth",
    "opaAuth",
    "ldap",
    "ldapInternal",
    "jwt",
    "passThroughAuth",
    "hmacAuth",
    "opaServerAuth",
];
const OAUTH2_KINDS: &[&str] = &["oidcAuthorizationCode", "accessTokenValidation", "oauth2"];
const TOKEN_VALIDATIONS: &[&str] = &["jwt", "introspection", "introspectionUrl"];
const JWKS_SOURCES: &[&str] = &["remoteJwks", "localJwks"];
const ROUTE_SELECTORS: &[&str] = &["route", "withDestinations"];
const POLICY_CONFIGS: &[&str] = &["glooAuth", "customAuth", "disable"];
const URI_MATCHES: &[&str] = &["exact", "prefix", "regex", "suffix"];
const PATH_REWRITES: &[&str] = &["pathRewrite", "regexRewrite"];
const HOST_REWRITES: &[&str] = &["hostRewrite", "autoHostRewrite"];
const DESTINATION_TARGETS: &[&str] = &["ref", "awsLambda"];
const PORT_FORMS: &[&str] = &["number", "name"];

fn check(ctx: &TreeContext<'_>, out: &mut Vec<Finding>) {
    for table in &ctx.model.route_tables {
        let has_routes = ["http", "tcp", "tls"].iter().any(|k| {
            ctx.node(&table.meta, &format!("/spec/{k}"))
                .is_some_and(|n| items(n.node).next().is_some())
        });
        if !has_routes {
            out.push(
                Finding::new(
                    "route table has no routes",
                    ctx.key_span(&table.meta, "/spec"),
                )
                .help("a RouteTable needs at least one of `http`, `tcp` or `tls`")
                .about(&table.meta.id),
            );
        }
        let Some(http) = ctx.node(&table.meta, "/spec/http") else {
            continue;
        };
        for (i, _) in items(http.node).enumerate() {
            let path = format!("/spec/http/{i}");
            let Some(route) = ctx.node(&table.meta, &path) else {
                continue;
            };
            let set = present(route.node, ROUTE_ACTIONS);
            if set.is_empty() {
                out.push(
                    Finding::new("route has no action", ctx.span(&table.meta, &path))
                        .help(format!("give it exactly one of {}", list(ROUTE_ACTIONS)))
                        .about(&table.meta.id),
                );
            } else {
                conflict(
                    ctx,
                    out,
                    &table.meta,
                    &path,
                    route.node,
                    ROUTE_ACTIONS,
                    "a route takes exactly one action",
                );
            }
            route_details(ctx, out, &table.meta, &path, route.node);
        }
    }
    for policy in &ctx.model.ext_auth_policies {
        let meta = &policy.meta;
        if let Some(selectors) = ctx.node(meta, "/spec/applyToRoutes") {
            for (i, node) in items(selectors.node).enumerate() {
                conflict(
                    ctx,
                    out,
                    meta,
                    &format!("/spec/applyToRoutes/{i}"),
                    node,
                    ROUTE_SELECTORS,
                    "a route selector is either `route` or `withDestinations`",
                );
            }
        }
        if let Some(config) = ctx.node(meta, "/spec/config") {
            conflict(
                ctx,
                out,
                meta,
                "/spec/config",
                config.node,
                POLICY_CONFIGS,
                "a policy has one kind of configuration",
            );
        }
        auth_configs(ctx, out, meta, "/spec/config/glooAuth/configs");
    }
    for auth in &ctx.model.auth_configs {
        auth_configs(ctx, out, &auth.meta, "/spec/configs");
    }
}

/// The oneofs inside a route: URI match kinds, rewrites, destination targets, port forms.
fn route_details(
    ctx: &TreeContext<'_>,
    out: &mut Vec<Finding>,
    meta: &Meta,
    path: &str,
    route: &Node,
) {
    if let Some(matchers) = route.get("matchers") {
        for (m, matcher) in items(matchers).enumerate() {
            if let Some(uri) = matcher.get("uri") {
                conflict(
                    ctx,
                    out,
                    meta,
                    &format!("{path}/matchers/{m}/uri"),
                    uri,
                    URI_MATCHES,
                    "a URI match is of one kind",
                );
            }
        }
    }
    let Some(forward) = route.get("forwardTo") else {
        return;
    };
    let fpath = format!("{path}/forwardTo");
    conflict(
        ctx,
        out,
        meta,
        &fpath,
        forward,
        PATH_REWRITES,
        "a path is rewritten one way",
    );
    conflict(
        ctx,
        out,
        meta,
        &fpath,
        forward,
        HOST_REWRITES,
        "a host is rewritten one way",
    );
    if let Some(destinations) = forward.get("destinations") {
        for (d, destination) in items(destinations).enumerate() {
            let dpath = format!("{fpath}/destinations/{d}");
            conflict(
                ctx,
                out,
                meta,
                &dpath,
                destination,
                DESTINATION_TARGETS,
                "a destination is one target",
            );
            if let Some(port) = destination.get("port") {
                conflict(
                    ctx,
                    out,
                    meta,
                    &format!("{dpath}/port"),
                    port,
                    PORT_FORMS,
                    "a port is given by number or by name",
                );
            }
        }
    }
}

fn auth_configs(ctx: &TreeContext<'_>, out: &mut Vec<Finding>, meta: &Meta, base: &str) {
    let Some(configs) = ctx.node(meta, base) else {
        return;
    };
    for (i, step) in items(configs.node).enumerate() {
        let path = format!("{base}/{i}");
        conflict(
            ctx,
            out,
            meta,
            &path,
            step,
            AUTH_KINDS,
            "each entry of `configs` is one kind of auth step",
        );
        let Some(oauth2) = step.get("oauth2") else {
            continue;
        };
        conflict(
            ctx,
            out,
            meta,
            &format!("{path}/oauth2"),
            oauth2,
            OAUTH2_KINDS,
            "`oauth2` takes one flow",
        );
        let Some(atv) = oauth2.get("accessTokenValidation") else {
            continue;
        };
        let atv_path = format!("{path}/oauth2/accessTokenValidation");
        conflict(
            ctx,
            out,
            meta,
            &atv_path,
            atv,
            TOKEN_VALIDATIONS,
            "a token is validated one way",
        );
        if let Some(jwt) = atv.get("jwt") {
            conflict(
                ctx,
                out,
                meta,
                &format!("{atv_path}/jwt"),
                jwt,
                JWKS_SOURCES,
                "the keys come from one source",
            );
        }
    }
}

fn items(node: &Node) -> impl Iterator<Item = &Node> {
    match &node.value {
        Value::Seq(items) => items.iter(),
        _ => [].iter(),
    }
}

fn present<'a>(node: &Node, group: &[&'a str]) -> Vec<&'a str> {
    group
        .iter()
        .copied()
        .filter(|k| node.get(k).is_some_and(|v| v.value != Value::Null))
        .collect()
}

fn conflict(
    ctx: &TreeContext<'_>,
    out: &mut Vec<Finding>,
    meta: &Meta,
    path: &str,
    node: &Node,
    group: &[&str],
    why: &str,
) {
    let set = present(node, group);
    if set.len() < 2 {
        return;
    }
    let first = set[0];
    for other in &set[1..] {
        out.push(
            Finding::new(
                format!("`{other}` and `{first}` are both set; {why}"),
                ctx.key_span(meta, &format!("{path}/{other}")),
            )
            .label("second member of the group")
            .related(
                ctx.key_span(meta, &format!("{path}/{first}")),
                "first member",
            )
            .help(format!("keep one of {}", list(&set)))
            .about(&meta.id),
        );
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
