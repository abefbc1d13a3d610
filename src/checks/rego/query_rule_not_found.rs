use crate::checks::rego::{Resolved, query_span, resolve};
use crate::checks::{Context, did_you_mean};
use crate::diagnostic::{Finding, Span};
use crate::rego::facts::ModuleFacts;
use crate::rego::resolve::Missing;
use crate::suggest::closest;

crate::declare_rule! {
    /// ## What it does
    /// Resolves every `data.…` reference of an `opaAuth` query against the modules of that
    /// step: the package must be declared by one of them and the rule defined in it. Suggests
    /// the closest package or rule.
    ///
    /// ## Why is this bad?
    /// A query naming a rule that does not exist is undefined on every request: the OPA step
    /// denies everything, and nothing in Gloo's status says why.
    ///
    /// ## Example
    /// ```yaml
    /// query: "data.test.alow == true"   # the module defines `allow`
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// query: "data.test.allow == true"
    /// ```
    code: "PC506",
    slug: "query-rule-not-found",
    severity: Error,
    since: "0.1.0",
}

/// How PC506 words a reference the resolver found no target for.
impl Missing<'_> {
    fn message(&self) -> String {
        match self {
            Self::Rule { package, rule, .. } => format!(
                "the query reads `data.{package}.{rule}`, but package `{package}` has no rule \
                 `{rule}`"
            ),
            Self::Package { wanted, .. } => format!(
                "the query reads package `{wanted}`, which no module of this opaAuth step declares"
            ),
        }
    }

    /// The closest name, or every name there is.
    fn help(&self) -> String {
        let quoted = |names: &[&str], prefix: &str| {
            names
                .iter()
                .map(|n| format!("`{prefix}{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Self::Rule {
                package,
                rule,
                rules,
            } => did_you_mean(closest(rule, rules.iter().copied()))
                .unwrap_or_else(|| format!("package `{package}` defines: {}", quoted(rules, ""))),
            Self::Package { wanted, packages } => {
                did_you_mean(closest(wanted, packages.iter().copied())).unwrap_or_else(|| {
                    format!("the modules declare: {}", quoted(packages, "package "))
                })
            }
        }
    }

    fn finding(&self, span: Span) -> Finding {
        Finding::new(self.message(), span).help(self.help())
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for step in &ctx.rego.steps {
        let Some(Ok(query)) = &step.parsed_query else {
            continue;
        };
        let modules: Vec<_> = step.modules().collect();
        let facts: Vec<&ModuleFacts> = ctx.rego.step_facts(step).map(|(_, _, f)| f).collect();
        // Without every module parsed (or found) the rule may be in the missing one: PC501 and
        // PC204 report that instead.
        if modules.is_empty()
            || facts.len() != modules.len()
            || step.config_maps.len() != step.module_refs
        {
            continue;
        }
        for reference in &query.data_refs {
            // Located only once it is known to be missing: locating may parse the file again.
            let Resolved::Missing(missing) = resolve(&facts, reference) else {
                continue;
            };
            let finding = missing.finding(query_span(ctx, step, &reference.range));
            let mut finding = finding.about(&step.meta.id);
            for (_, module, facts) in ctx.rego.step_facts(step) {
                finding = finding.related(
                    module.span(&facts.package_range),
                    format!("package `{}`", facts.package),
                );
            }
            out.push(finding);
        }
    }
}
