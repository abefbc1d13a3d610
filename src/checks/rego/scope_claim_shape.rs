use std::collections::BTreeSet;

use crate::checks::Context;
use crate::config::{IdentityProvider, ProviderType};
use crate::diagnostic::{Finding, Span};
use crate::rego::facts::{InputRead, Segment, Usage};

crate::declare_rule! {
    /// ## What it does
    /// Compares how the Rego of an ExtAuthPolicy reads the access token's scopes with what the
    /// policy's identity provider issues: Okta puts them in `scp` as a JSON array, Entra in
    /// `scp` as a space-separated string, Cognito, Auth0, Keycloak and RFC 9068 providers in
    /// `scope` as a space-separated string. Reports reading the claim the provider does not
    /// issue, using an array as a string (`split`) or a string as a collection (`in`, `[_]`), and
    /// taking a fixed part of a Cognito scope split at `/` when the resource server identifier
    /// itself contains `/`.
    ///
    /// ## Why is this bad?
    /// The expression is undefined for every real token, so the rule never grants: the API
    /// products behind the policy answer 403 to everyone, although the token is valid and
    /// holds the right scope.
    ///
    /// ## Example
    /// ```rego
    /// # Okta access tokens carry {"scp": ["openid", "tracks"]}, no `scope`
    /// allow if product in split(input.state.jwtAccessToken.scope, " ")
    /// ```
    ///
    /// ## Use instead
    /// ```rego
    /// allow if product in input.state.jwtAccessToken.scp
    /// ```
    code: "PC510",
    slug: "scope-claim-shape",
    severity: Error,
    since: "0.1.0",
}

/// The claim a provider's access tokens carry their scopes in, and whether it is an array.
pub(crate) fn issued_claim(provider: ProviderType) -> (&'static str, bool) {
    match provider {
        ProviderType::Okta => ("scp", true),
        ProviderType::Entra => ("scp", false),
        ProviderType::Cognito
        | ProviderType::Auth0
        | ProviderType::Keycloak
        | ProviderType::Generic => ("scope", false),
    }
}

pub(crate) fn provider_label(provider: &IdentityProvider) -> String {
    let kind = match provider.provider_type {
        ProviderType::Okta => "Okta",
        ProviderType::Entra => "Entra ID",
        ProviderType::Cognito => "Cognito",
        ProviderType::Auth0 => "Auth0",
        ProviderType::Keycloak => "Keycloak",
        ProviderType::Generic => "RFC 9068",
    };
    format!("{kind} (identity provider `{}`)", provider.name)
}

const SCOPE_CLAIMS: &[&str] = &["scope", "scp", "scopes"];

/// How the provider issues granted scopes: the claim, whether it is an array, and who the
/// provider is (see [`provider_label`]).
struct Issued {
    claim: &'static str,
    is_array: bool,
    provider: String,
}

/// How the Rego misreads the scope claim.
enum Misread<'a> {
    /// Reads a scope claim the provider does not issue.
    OtherClaim { read: &'a str },
    /// Uses the provider's array claim as a string.
    ArrayAsString,
    /// Uses the provider's space-separated string claim as a collection.
    StringAsCollection,
    /// Splits a Cognito scope at `/` and takes a fixed part, although the resource server
    /// `identifier` holds `/` too: for `example` (`identifier/<name>`) that part is `got`.
    SlashSplit {
        index: i64,
        identifier: &'a str,
        example: String,
        got: String,
    },
}

impl Misread<'_> {
    fn message(&self, issued: &Issued) -> String {
        let Issued {
            claim, provider, ..
        } = issued;
        let misread = match self {
            // A sentence of its own: what the fixed part holds for a real scope.
            Self::SlashSplit {
                index,
                identifier,
                example,
                got,
            } => {
                return format!(
                    "this policy's Rego splits a Cognito scope at `/` and takes part {index}, but \
                     the resource server identifier `{identifier}` itself contains `/`: for \
                     `{example}` that part is {got}"
                );
            }
            Self::OtherClaim { read } => {
                format!(
                    "reads the `{read}` claim, but {provider} issues granted scopes in `{claim}`"
                )
            }
            Self::ArrayAsString => {
                format!("treats `{claim}` as a string, but {provider} issues it as a JSON array")
            }
            Self::StringAsCollection => format!(
                "treats `{claim}` as a collection, but {provider} issues it as one \
                 space-separated string"
            ),
        };
        format!("this policy's Rego {misread}: the expression is undefined for every token")
    }

    fn help(&self, issued: &Issued) -> String {
        let claim = issued.claim;
        match self {
            Self::SlashSplit { identifier, .. } => format!(
                "compare whole scopes instead: `concat(\"/\", [\"{identifier}\", product]) in \
                 split(input.state.jwtAccessToken.scope, \" \")`, or write the product ids in the \
                 full form and test `product in split(…, \" \")`"
            ),
            _ if issued.is_array => format!(
                "`{claim}` is an array: test membership directly, \
                 `product in input.state.jwtAccessToken.{claim}`"
            ),
            _ => format!(
                "`{claim}` is one space-separated string: \
                 `product in split(input.state.jwtAccessToken.{claim}, \" \")`"
            ),
        }
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let providers = &ctx.config.settings.identity_providers;
    let links = &ctx.facts.links;
    let mut reported = BTreeSet::new();
    for step in &ctx.rego.steps {
        let Some(policy) = step.policy else { continue };
        let Some(&Some(p)) = links.get(policy) else {
            continue;
        };
        let Some(provider) = providers.get(p) else {
            continue;
        };
        let (claim, is_array) = issued_claim(provider.provider_type);
        let issued = Issued {
            claim,
            is_array,
            provider: provider_label(provider),
        };
        let slash_identifier = slash_identifier(ctx, provider, p);
        for (m, module, facts) in ctx.rego.step_facts(step) {
            for read in &facts.input_reads {
                let Some((read_claim, claim_range)) = token_claim(read) else {
                    continue;
                };
                let span = module.span(claim_range);
                let direct = read.path.len() == 3;
                let misread = if read_claim != claim {
                    Some(Misread::OtherClaim { read: read_claim })
                } else if direct && is_array && read.usage == Usage::StringArg {
                    Some(Misread::ArrayAsString)
                } else if direct && !is_array && read.usage == Usage::Collection {
                    Some(Misread::StringAsCollection)
                } else {
                    None
                };
                if let Some(misread) = misread
                    && reported.insert((m, span.range.start))
                {
                    out.push(finding(ctx, step, m, span, &misread, &issued));
                }
            }
            if let Some(identifier) = &slash_identifier {
                for index in &facts.slash_indexes {
                    let from_scope = index.split_path.as_ref().is_some_and(|p| {
                        matches!(p.get(2), Some(Segment::Key(k)) if k == claim)
                            && p.get(1) == Some(&Segment::Key("jwtAccessToken".to_string()))
                    });
                    if !from_scope {
                        continue;
                    }
                    let span = module.span(&index.range);
                    if !reported.insert((m, span.range.start)) {
                        continue;
                    }
                    let example = format!("{identifier}/<name>");
                    let parts: Vec<&str> = example.split('/').collect();
                    let got = match usize::try_from(index.index).ok().and_then(|i| parts.get(i)) {
                        Some(part) if !part.is_empty() => format!("`{part}`"),
                        Some(_) => "empty".to_string(),
                        None => "undefined".to_string(),
                    };
                    let misread = Misread::SlashSplit {
                        index: index.index,
                        identifier,
                        example,
                        got,
                    };
                    out.push(finding(ctx, step, m, span, &misread, &issued));
                }
            }
        }
    }
}

/// The claim a read takes from the access token, with where it was written.
fn token_claim(read: &InputRead) -> Option<(&str, &std::ops::Range<usize>)> {
    match read.path.as_slice() {
        [
            Segment::Key(state),
            Segment::Key(token),
            Segment::Key(claim),
            ..,
        ] if state == "state"
            && token == "jwtAccessToken"
            && SCOPE_CLAIMS.contains(&claim.as_str()) =>
        {
            Some((claim.as_str(), read.segment_ranges.get(2)?))
        }
        _ => None,
    }
}

fn finding(
    ctx: &Context<'_>,
    step: &crate::rego::OpaStep,
    module: usize,
    span: Span,
    misread: &Misread<'_>,
    issued: &Issued,
) -> Finding {
    let reference = step
        .config_maps
        .iter()
        .find(|(_, _, modules)| modules.contains(&module))
        .map_or_else(
            || format!("{}/modules", step.path),
            |(r, _, _)| format!("{}/modules/{r}/name", step.path),
        );
    Finding::new(misread.message(issued), span)
        .help(misread.help(issued))
        .about(&step.meta.id)
        .related(
            ctx.span(&step.meta, &reference),
            "the policy that runs this module",
        )
}

/// A Cognito provider's resource server identifier that contains `/` (then splitting a scope at
/// `/` does not isolate the scope name).
fn slash_identifier(
    ctx: &Context<'_>,
    provider: &IdentityProvider,
    index: usize,
) -> Option<String> {
    if provider.provider_type != ProviderType::Cognito {
        return None;
    }
    if let Some(configured) = provider
        .resource_server
        .as_deref()
        .filter(|r| r.contains('/'))
    {
        return Some(configured.to_string());
    }
    let inv = ctx.facts.inventories.get(index)?.as_ref()?;
    inv.tokens
        .iter()
        .filter_map(|t| t.rsplit_once('/').map(|(identifier, _)| identifier))
        .find(|identifier| identifier.contains('/'))
        .map(str::to_string)
}
