//! A generator of realistic synthetic Gloo repositories: host tables delegating to product
//! tables by label, several routes per product, policies selecting routes by plan label with an
//! `opaAuth` step over shared Rego ConfigMaps, one Okta provider with a scopes export.

use std::fmt::Write as _;
use std::path::Path;

/// How big a repository to write.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// API products, one route table each.
    pub products: usize,
    /// Routes per product table.
    pub routes_per_product: usize,
    /// ExtAuthPolicies (each selects `products / policies` products through a plan label).
    pub policies: usize,
    /// Rego ConfigMaps shared by the policies.
    pub modules: usize,
    /// Products per host table.
    pub products_per_host: usize,
}

impl Size {
    /// The PRODUCT §8 shape scaled to `products` route tables: 4 routes each, one policy per 10
    /// products, one Rego module per 50, one host table per 50.
    #[must_use]
    pub fn scaled(products: usize) -> Self {
        Self {
            products,
            routes_per_product: 4,
            policies: (products / 10).max(1),
            modules: (products / 50).max(1),
            products_per_host: 50,
        }
    }
}

const REGO: &str = r#"package portal.m{M}

import rego.v1

default allow := false

claims := input.state.jwtAccessToken

allow if {
    filter_metadata := input.check_request.attributes.metadata_context.filter_metadata
    product := filter_metadata["io.solo.gloo.apimanagement"].api_product_id
    product != ""
    product in claims.scp
}
"#;

/// Writes the repository into `dir` (which must exist); returns the number of files written.
///
/// # Errors
/// When a file cannot be written.
pub fn write_repo(dir: &Path, size: Size) -> std::io::Result<usize> {
    let mut files = 0;
    let mut write = |name: &str, text: &str| -> std::io::Result<()> {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        files += 1;
        std::fs::write(path, text)
    };
    let hosts = size.products.div_ceil(size.products_per_host);
    let plan_of = |product: usize| product * size.policies / size.products.max(1);
    // Host tables: one file each, delegating to their products by label.
    for h in 0..hosts {
        write(
            &format!("routes/hosts/host-{h}.yaml"),
            &format!(
                "apiVersion: networking.gloo.solo.io/v2\nkind: RouteTable\nmetadata:\n  name: host-{h}\n  namespace: gloo-mesh-gateways\nspec:\n  hosts:\n    - api{h}.example.com\n  virtualGateways:\n    - name: istio-ingressgateway\n      namespace: gloo-mesh-gateways\n  http:\n    - name: products\n      matchers:\n        - uri:\n            prefix: /\n      delegate:\n        routeTables:\n          - labels:\n              host: h{h}\n"
            ),
        )?;
    }
    // Product tables, grouped into files of 50 documents.
    let mut scopes = String::from("[\n");
    for chunk_start in (0..size.products).step_by(50) {
        let mut text = String::new();
        for p in chunk_start..(chunk_start + 50).min(size.products) {
            let host = p / size.products_per_host;
            let plan = plan_of(p);
            let _ = write!(
                text,
                "---\napiVersion: networking.gloo.solo.io/v2\nkind: RouteTable\nmetadata:\n  name: product-{p}\n  namespace: gloo-mesh-gateways\n  labels:\n    host: h{host}\nspec:\n  portalMetadata:\n    apiProductId: product-{p}\n    apiProductDisplayName: Product {p}\n    apiVersion: v1\n  http:\n"
            );
            for r in 0..size.routes_per_product {
                let _ = write!(
                    text,
                    "    - name: r{r}\n      labels:\n        usagePlans: plan-{plan}\n      matchers:\n        - uri:\n            prefix: /product-{p}/r{r}\n          method: GET\n      forwardTo:\n        destinations:\n          - ref: {{name: svc-{p}, namespace: apis}}\n            port: {{number: 8080}}\n"
                );
            }
            let _ = writeln!(
                scopes,
                "  {{\"id\": \"scp{p}\", \"name\": \"product-{p}\", \"system\": false, \"metadataPublish\": \"ALL_CLIENTS\"}}{}",
                if p + 1 == size.products { "" } else { "," }
            );
        }
        write(
            &format!("routes/products/products-{chunk_start}.yaml"),
            &text,
        )?;
    }
    scopes.push_str("]\n");
    write("idp/okta-scopes.json", &scopes)?;
    let mut policies = String::new();
    for j in 0..size.policies {
        let m = j % size.modules;
        let _ = write!(
            policies,
            "---\napiVersion: security.policy.gloo.solo.io/v2\nkind: ExtAuthPolicy\nmetadata:\n  name: plan-{j}\n  namespace: gloo-mesh\nspec:\n  applyToRoutes:\n    - route:\n        labels:\n          usagePlans: plan-{j}\n  config:\n    server:\n      name: ext-auth-server\n      namespace: gloo-mesh\n      cluster: cluster1\n    glooAuth:\n      configs:\n        - oauth2:\n            accessTokenValidation:\n              jwt:\n                remoteJwks:\n                  url: https://dev-1.okta.com/oauth2/default/v1/keys\n                issuer: https://dev-1.okta.com/oauth2/default\n        - opaAuth:\n            modules:\n              - name: rego-{m}\n                namespace: gloo-mesh\n            query: \"data.portal.m{m}.allow == true\"\n"
        );
    }
    write("auth/policies.yaml", &policies)?;
    let mut modules = String::new();
    for m in 0..size.modules {
        let rego = REGO.replace("{M}", &m.to_string());
        let _ = write!(
            modules,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: rego-{m}\n  namespace: gloo-mesh\ndata:\n  policy.rego: |\n"
        );
        for line in rego.lines() {
            if line.is_empty() {
                modules.push('\n');
            } else {
                let _ = writeln!(modules, "    {line}");
            }
        }
    }
    write("auth/rego.yaml", &modules)?;
    write(
        "auth/ext-auth-server.yaml",
        "apiVersion: admin.gloo.solo.io/v2\nkind: ExtAuthServer\nmetadata:\n  name: ext-auth-server\n  namespace: gloo-mesh\nspec:\n  destinationServer:\n    ref:\n      name: ext-auth-service\n      namespace: gloo-mesh-addons\n      cluster: cluster1\n    port:\n      name: grpc\n",
    )?;
    write(
        "portico.yaml",
        "identityProviders:\n  - name: okta\n    type: okta\n    issuer: https://dev-1.okta.com/oauth2/default\n    jwksUri: https://dev-1.okta.com/oauth2/default/v1/keys\n    scopeSources: [idp/okta-scopes.json]\n",
    )?;
    Ok(files)
}
