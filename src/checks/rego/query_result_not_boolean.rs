use crate::checks::Context;
use crate::checks::rego::{Resolved, query_span, resolve};
use crate::diagnostic::Finding;
use crate::rego::facts::{ModuleFacts, QueryResult, RuleValue};

crate::declare_rule! {
    /// ## What it does
    /// Checks what an `opaAuth` query yields. The ext auth service grants a request when the
    /// query's value is `true`, an array whose first element is `true`, or an object with an
    /// `allow`/`allowed` field; a query that names a package, a set rule (`deny contains
    /// msg`), a function or a rule with a string, number or other value never grants.
    ///
    /// ## Why is this bad?
    /// The step denies every request (or, for a set of violations, ignores what it was meant
    /// to check) although the module and the query both compile.
    ///
    /// ## Example
    /// ```yaml
    /// query: "data.test.deny"   # deny contains msg if { … }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// query: "count(data.test.deny) == 0"
    /// ```
    code: "PC507",
    slug: "query-result-not-boolean",
    severity: Error,
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for step in &ctx.rego.steps {
        let Some(Ok(query)) = &step.parsed_query else {
            continue;
        };
        let QueryResult::Data(i) = query.result else {
            continue;
        };
        let Some(reference) = query.data_refs.get(i) else {
            continue;
        };
        let facts: Vec<&ModuleFacts> = ctx.rego.step_facts(step).map(|(_, _, f)| f).collect();
        let text = format!("data.{}", reference.path.join("."));
        let (what, help, related) = match resolve(&facts, reference) {
            Resolved::Package(package) => (
                format!("a whole package (`{package}`), an object of all its rules"),
                format!("name the deciding rule: `{text}.allow == true`"),
                None,
            ),
            Resolved::Rule {
                rule, definitions, ..
            } => {
                // Only the rule itself: a path below it reads into its value, which the head
                // does not describe.
                if reference.path.last() != Some(&rule) {
                    continue;
                }
                let Some((what, help, at)) = definitions.iter().find_map(|f| {
                    f.rules.iter().filter(|r| r.name == rule).find_map(|r| {
                        let (what, help) = match &r.value {
                            RuleValue::Set => ("a set".to_string(), format!("`count({text}) == 0` grants when the set is empty")),
                            RuleValue::PartialObject => ("an object built rule by rule".to_string(), format!("compare a field: `{text}.allow == true`")),
                            RuleValue::Function => ("a function, which a query cannot call without arguments".to_string(), "query a rule, not a function".to_string()),
                            RuleValue::Scalar => ("a string, number or null".to_string(), format!("make `{rule}` a boolean rule, or compare it: `{text} == \"…\"`")),
                            RuleValue::Array { first_is_bool: false } => ("an array whose first element is not a boolean".to_string(), format!("return `[allowed, …]` with a boolean first, or compare: `{text}[0] == true`")),
                            RuleValue::Object(keys) if !keys.iter().any(|k| k == "allow" || k == "allowed") => ("an object without an `allow` or `allowed` field".to_string(), format!("add `\"allow\": <boolean>` to the object, or query a boolean rule such as `{text}.allow == true`")),
                            _ => return None,
                        };
                        Some((what, help, ctx.rego.modules.iter().find(|m| m.facts() == Some(f)).map(|m| m.span(&r.range))))
                    })
                }) else {
                    continue;
                };
                (format!("{what} (rule `{rule}`)"), help, at)
            }
            _ => continue,
        };
        let mut finding = Finding::new(
            format!("the opaAuth query `{text}` yields {what}: the ext auth service grants only on `true`, `[true, …]` or an object with `allow`"),
            query_span(ctx, step, &reference.range),
        )
        .help(help)
        .resource(step.meta.id.to_string());
        if let Some(at) = related {
            finding = finding.related(at, "rule defined here");
        }
        out.push(finding);
    }
}
