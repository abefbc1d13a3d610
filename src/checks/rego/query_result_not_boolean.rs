use crate::checks::Context;
use crate::checks::rego::{Resolved, query_span, resolve};
use crate::diagnostic::Finding;
use crate::rego::{
    facts::{ModuleFacts, RuleValue},
    query::QueryResult,
};

crate::declare_rule! {
    /// ## What it does
    /// Checks what an `opaAuth` query yields. The ext auth service grants a request when the
    /// query's value is `true`, an array whose first element is `true`, or an object with an
    /// `allow`/`allowed` field; a query that names a package, a set rule (`deny contains
    /// msg`), a function or a rule with a string, number or other value never grants. An
    /// object built rule by rule (`result["allow"] := allow`, the dynamic-metadata pattern) is
    /// an object like any other: it is reported only when no definition sets `allow` or
    /// `allowed` and none computes its key.
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
    /// Query a boolean rule built on the set:
    /// ```yaml
    /// query: "data.test.allow"
    /// ```
    /// ```rego
    /// allow if count(deny) == 0
    /// ```
    code: "PC507",
    slug: "query-result-not-boolean",
    severity: Error,
    since: "0.1.0",
}

/// What an `opaAuth` query yields when the ext auth service never reads it as a grant.
enum NotBoolean {
    /// A whole package: an object of all its rules.
    Package(String),
    /// A rule whose value is of a kind that never grants.
    Rule(String, RuleKind),
}

/// The kinds of rule value the ext auth service does not read as a decision.
#[derive(Clone, Copy)]
enum RuleKind {
    Set,
    PartialObject,
    Function,
    Scalar,
    ArrayWithoutBooleanFirst,
    ObjectWithoutAllow,
}

impl RuleKind {
    /// The kind of `value`, or `None` when the service can read it as a decision (or the
    /// head does not tell).
    fn of(value: &RuleValue) -> Option<Self> {
        match value {
            RuleValue::Set => Some(Self::Set),
            RuleValue::PartialObject { .. } => Some(Self::PartialObject),
            RuleValue::Function => Some(Self::Function),
            RuleValue::Scalar => Some(Self::Scalar),
            RuleValue::Array {
                first_is_bool: false,
            } => Some(Self::ArrayWithoutBooleanFirst),
            RuleValue::Object(keys) if !keys.iter().any(|k| k == "allow" || k == "allowed") => {
                Some(Self::ObjectWithoutAllow)
            }
            _ => None,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Self::Set => "a set",
            Self::PartialObject => "an object built rule by rule",
            Self::Function => "a function, which a query cannot call without arguments",
            Self::Scalar => "a string, number or null",
            Self::ArrayWithoutBooleanFirst => "an array whose first element is not a boolean",
            Self::ObjectWithoutAllow => "an object without an `allow` or `allowed` field",
        }
    }
}

impl NotBoolean {
    /// The message about the query `text` (`data.…`).
    fn message(&self, text: &str) -> String {
        let what = match self {
            Self::Package(package) => {
                format!("a whole package (`{package}`), an object of all its rules")
            }
            Self::Rule(rule, kind) => format!("{} (rule `{rule}`)", kind.what()),
        };
        format!(
            "the opaAuth query `{text}` yields {what}: the ext auth service grants only on \
             `true`, `[true, …]` or an object with `allow`"
        )
    }

    /// How to query a decision instead.
    fn help(&self, text: &str) -> String {
        match self {
            Self::Package(_) => format!("name the deciding rule: `{text}.allow == true`"),
            Self::Rule(rule, kind) => match kind {
                RuleKind::Set => format!("`count({text}) == 0` grants when the set is empty"),
                RuleKind::PartialObject => format!("compare a field: `{text}.allow == true`"),
                RuleKind::Function => "query a rule, not a function".to_string(),
                RuleKind::Scalar => {
                    format!("make `{rule}` a boolean rule, or compare it: `{text} == \"…\"`")
                }
                RuleKind::ArrayWithoutBooleanFirst => format!(
                    "return `[allowed, …]` with a boolean first, or compare: `{text}[0] == true`"
                ),
                RuleKind::ObjectWithoutAllow => format!(
                    "add `\"allow\": <boolean>` to the object, or query a boolean rule such as \
                     `{text}.allow == true`"
                ),
            },
        }
    }
}

/// Whether some definition of a partial object `rule` sets its `allow` or `allowed` field, or
/// a key the head computes: `result["allow"] := allow` builds the same object as
/// `result := {"allow": allow}`, which the service reads as a decision.
fn may_set_allow(definitions: &[&ModuleFacts], rule: &str) -> bool {
    definitions
        .iter()
        .flat_map(|f| f.rules.iter().filter(|r| r.name == rule))
        .any(|r| match &r.value {
            RuleValue::PartialObject { key } => key
                .as_deref()
                .is_none_or(|k| k == "allow" || k == "allowed"),
            _ => false,
        })
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
        let (problem, related) = match resolve(&facts, reference) {
            Resolved::Package(package) => (NotBoolean::Package(package), None),
            Resolved::Rule {
                rule, definitions, ..
            } => {
                // Only the rule itself: a path below it reads into its value, which the head
                // does not describe.
                if reference.path.last() != Some(&rule) {
                    continue;
                }
                if may_set_allow(&definitions, &rule) {
                    continue;
                }
                let Some((kind, at)) = definitions.iter().find_map(|f| {
                    f.rules.iter().filter(|r| r.name == rule).find_map(|r| {
                        let kind = RuleKind::of(&r.value)?;
                        let module = ctx.rego.modules.iter().find(|m| m.facts() == Some(f));
                        Some((kind, module.map(|m| m.span(&r.range))))
                    })
                }) else {
                    continue;
                };
                (NotBoolean::Rule(rule, kind), at)
            }
            _ => continue,
        };
        let mut finding = Finding::new(
            problem.message(&text),
            query_span(ctx, step, &reference.range),
        )
        .help(problem.help(&text))
        .about(&step.meta.id);
        if let Some(at) = related {
            finding = finding.related(at, "rule defined here");
        }
        out.push(finding);
    }
}
