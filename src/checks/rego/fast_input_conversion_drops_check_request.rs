use crate::checks::Context;
use crate::diagnostic::Finding;
use crate::rego::facts::Segment;

crate::declare_rule! {
    /// ## What it does
    /// Reports an `opaAuth` step with `options.fastInputConversion: true` whose modules read
    /// `input.check_request`.
    ///
    /// ## Why is this bad?
    /// Fast input conversion builds only `http_request` and `state` (scalars, maps and string
    /// arrays); the Envoy `CheckRequest` with its `metadata_context`, where the portal puts the
    /// API product id, is not converted, so rules reading it do not hold.
    ///
    /// ## Example
    /// ```yaml
    /// opaAuth:
    ///   options:
    ///     fastInputConversion: true
    ///   query: "data.test.allow == true"   # reads input.check_request.attributes.metadata_context
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// opaAuth:
    ///   query: "data.test.allow == true"
    /// ```
    code: "PC509",
    slug: "fast-input-conversion-drops-check-request",
    severity: Warning,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for step in ctx.rego.steps.iter().filter(|s| s.fast_input_conversion) {
        let read = ctx.rego.step_facts(step).find_map(|(_, module, facts)| {
            facts
                .input_reads
                .iter()
                .find(|r| r.path.first() == Some(&Segment::Key("check_request".to_string())))
                .map(|r| (module, r))
        });
        let Some((module, read)) = read else { continue };
        out.push(
            Finding::new(
                "`fastInputConversion` drops `input.check_request`, which this step's Rego reads",
                ctx.span(
                    &step.meta,
                    &format!("{}/options/fastInputConversion", step.path),
                ),
            )
            .help("remove `fastInputConversion`, or read the same data from `input.http_request`")
            .about(&step.meta.id)
            .related(module.span(&read.range), "reads `input.check_request`"),
        );
    }
}
