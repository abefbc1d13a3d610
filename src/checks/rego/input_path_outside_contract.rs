use std::collections::BTreeSet;

use crate::checks::Context;
use crate::checks::rego::modules_in_use;
use crate::diagnostic::Finding;
use crate::rego::facts::Segment;
use crate::rego::input_contract::check_path;

crate::declare_rule! {
    /// ## What it does
    /// Collects every `input.…` path a policy module reads (following local variables that hold
    /// plain references, such as `claims := input.state.jwtAccessToken`) and reports a path
    /// outside the input the ext auth service sends: `check_request.attributes.{request.http,
    /// metadata_context.filter_metadata, context_extensions, source, destination}`,
    /// `http_request`, and `state.{jwtAccessToken, introspection, jwt, api_key_value}`. Suggests
    /// the field it most likely means.
    ///
    /// ## Why is this bad?
    /// A path that is not in the input is undefined, so the rule reading it never holds: the
    /// policy denies everything (or never denies, when the read sits under `not`), with no error
    /// anywhere.
    ///
    /// ## Example
    /// ```rego
    /// allow if {
    ///     filter_metadata := input.check_request.attributes.metadata_context.filterMetadata
    ///     …
    ///     input.http_request.verb == "GET"
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rego
    /// allow if {
    ///     filter_metadata := input.check_request.attributes.metadata_context.filter_metadata
    ///     …
    ///     input.http_request.method == "GET"
    /// }
    /// ```
    code: "PC508",
    slug: "input-path-outside-contract",
    severity: Warning,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for i in modules_in_use(ctx) {
        let Some(module) = ctx.rego.modules.get(i) else {
            continue;
        };
        let Some(facts) = module.facts() else {
            continue;
        };
        let mut reported = BTreeSet::new();
        for read in &facts.input_reads {
            let Some(outside) = check_path(&read.path) else {
                continue;
            };
            let Some(range) = read.segment_ranges.get(outside.segment) else {
                continue;
            };
            let shown: Vec<String> = read.path[..=outside.segment]
                .iter()
                .map(|s| match s {
                    Segment::Key(k) => k.clone(),
                    Segment::Any | Segment::Words => "[_]".to_string(),
                })
                .collect();
            let shown = format!("input.{}", shown.join("."));
            // Once per module and path: a variable holding the bad path repeats it at each use.
            if !reported.insert(shown.clone()) {
                continue;
            }
            let help = match outside.suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "the input has {} there",
                    outside
                        .expected
                        .iter()
                        .map(|e| format!("`{e}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.push(
                Finding::new(
                    format!("`{shown}` is not part of the ext auth input: it is always undefined"),
                    module.span(range),
                )
                .help(help)
                .label("not in the input"),
            );
        }
    }
}
