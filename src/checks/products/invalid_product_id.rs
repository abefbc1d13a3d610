use crate::checks::Context;
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Reports an `apiProductId` that no OAuth scope can be spelled as: empty, or holding
    /// whitespace, a double quote or a backslash (RFC 6749 §3.3 scope tokens are printable
    /// ASCII without those).
    ///
    /// ## Why is this bad?
    /// The portal uses the product id as the scope a token must carry. A scope is a
    /// space-separated token in the `scope` claim, so an id with a space becomes two scopes and
    /// can never match: the product is unreachable. Gloo also requires the id to hold no spaces.
    ///
    /// ## Example
    /// ```yaml
    /// portalMetadata:
    ///   apiProductId: "Pet Store"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// portalMetadata:
    ///   apiProductId: petstore
    /// ```
    code: "PC305",
    slug: "invalid-product-id",
    severity: Error,
    since: "0.1.0",
}

/// The finding for the product id `id` at `span`, which holds the characters `bad` (or is
/// empty); `suggestion` is the id with them dropped, when anything is left.
fn finding(id: &str, bad: &[char], suggestion: &str, span: Span) -> Finding {
    let message = if id.is_empty() {
        "`apiProductId` is empty".to_owned()
    } else {
        let shown: Vec<String> = bad.iter().map(|c| format!("{c:?}")).collect();
        format!(
            "`apiProductId` `{id}` holds characters a scope cannot: {}",
            shown.join(", ")
        )
    };
    let help = if suggestion.is_empty() {
        "give the product an id made of letters, digits, `-`, `.`, `:` or `/`".to_owned()
    } else {
        format!(
            "use an id such as `{suggestion}` (and declare that scope at the identity provider)"
        )
    };
    Finding::new(message, span).help(help)
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for table in &ctx.model.route_tables {
        let Some(id) = table.spec.api_product_id() else {
            continue;
        };
        let bad: Vec<char> = id
            .chars()
            .filter(|c| {
                c.is_whitespace()
                    || *c == '"'
                    || *c == '\\'
                    || !c.is_ascii()
                    || c.is_ascii_control()
            })
            .collect();
        if !id.is_empty() && bad.is_empty() {
            continue;
        }
        let suggestion: String = id
            .trim()
            .chars()
            .map(|c| if c.is_whitespace() { '-' } else { c })
            .filter(|c| c.is_ascii() && !c.is_ascii_control() && *c != '"' && *c != '\\')
            .collect::<String>()
            .to_lowercase();
        let span = ctx.span(&table.meta, "/spec/portalMetadata/apiProductId");
        out.push(finding(id, &bad, &suggestion, span).about(&table.meta.id));
    }
}
