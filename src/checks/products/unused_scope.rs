use std::collections::BTreeSet;

use crate::checks::Context;
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Reports a scope declared in a provider's scope sources that no API product protected by
    /// a policy of that provider uses. Standard OpenID scopes (`openid`, `profile`, `email`,
    /// `phone`, `address`, `offline_access`) and Cognito's `aws.cognito.signin.user.admin`
    /// are not reported.
    ///
    /// ## Why is this bad?
    /// Usually harmless, but often the other half of a mismatch: the product was renamed and
    /// its scope was not, or the scope was declared with a typo. Info only.
    ///
    /// ## Example
    /// An Okta scopes export (`idp/okta-scopes.json`) that declares `trakcs-old`, which no API
    /// product uses:
    /// ```json
    /// [
    ///   {"name": "openid", "system": true},
    ///   {"name": "tracks", "system": false, "metadataPublish": "ALL_CLIENTS"},
    ///   {"name": "trakcs-old", "system": false, "metadataPublish": "NO_CLIENTS"}
    /// ]
    /// ```
    ///
    /// ## Use instead
    /// ```json
    /// [
    ///   {"name": "openid", "system": true},
    ///   {"name": "tracks", "system": false, "metadataPublish": "ALL_CLIENTS"}
    /// ]
    /// ```
    code: "PC308",
    slug: "unused-scope",
    severity: Info,
    since: "0.1.0",
}

const STANDARD: &[&str] = &[
    "openid",
    "profile",
    "email",
    "phone",
    "address",
    "offline_access",
    "aws.cognito.signin.user.admin",
];

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let providers = &ctx.config.settings.identity_providers;
    let inventories = &ctx.facts.inventories;
    let pairs = &ctx.facts.protected_products;
    for (p, provider) in providers.iter().enumerate() {
        let Some(Some(inventory)) = inventories.get(p) else {
            continue;
        };
        let used: BTreeSet<&str> = pairs
            .keys()
            .filter(|(_, q)| *q == p)
            .filter_map(|(t, _)| {
                ctx.model
                    .route_tables
                    .get(*t)?
                    .spec
                    .portal_metadata
                    .as_ref()?
                    .api_product_id
                    .as_deref()
            })
            .collect();
        if used.is_empty() {
            continue;
        }
        for (token, at) in &inventory.declared_at {
            let Some((file, range)) = at else { continue };
            let bare = token.rsplit('/').next().unwrap_or(token);
            if used.contains(token.as_str())
                || STANDARD.contains(&token.as_str())
                || STANDARD.contains(&bare)
            {
                continue;
            }
            out.push(
                Finding::new(
                    format!(
                        "scope `{token}` of {} is used by no API product",
                        provider.name
                    ),
                    Span::new(*file, range.clone()),
                )
                .help("remove it, or check whether a product id was meant to match it"),
            );
        }
    }
}
