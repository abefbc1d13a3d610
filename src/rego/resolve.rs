//! Where a query's `data` references lead among the modules of an `opaAuth` step, and whether
//! a step can be evaluated at all: rules (PC506) and the access matrix ask the same question.

use super::facts::ModuleFacts;
use super::query::DataRef;
use super::{Analysis, OpaStep};

/// Where a `data` reference of a query leads in a step's modules.
pub enum Resolved<'a> {
    /// To rule `rule` of package `package`, defined in these modules' facts.
    Rule {
        rule: String,
        definitions: Vec<&'a ModuleFacts>,
    },
    /// To a whole package.
    Package(String),
    /// To a rule or package the step's modules do not define.
    Missing(Missing<'a>),
}

/// What a `data` reference of a query misses.
#[derive(Debug)]
pub enum Missing<'a> {
    /// Package `package` has no rule `rule`; it defines `rules`.
    Rule {
        package: String,
        rule: String,
        rules: Vec<&'a str>,
    },
    /// No module declares package `wanted`; they declare `packages`.
    Package {
        wanted: String,
        packages: Vec<&'a str>,
    },
}

/// Resolves a `data` reference against the packages of a step's modules: the longest
/// package that prefixes the path, then the rule under it.
#[must_use]
pub fn resolve<'a>(facts: &[&'a ModuleFacts], reference: &DataRef) -> Resolved<'a> {
    let path = &reference.path;
    let package = facts
        .iter()
        .map(|f| f.package.as_str())
        .filter(|p| {
            let parts: Vec<&str> = p.split('.').collect();
            parts.len() <= path.len() && parts.iter().zip(path).all(|(a, b)| a == b)
        })
        .max_by_key(|p| p.split('.').count());
    let Some(package) = package else {
        let mut packages: Vec<&str> = facts.iter().map(|f| f.package.as_str()).collect();
        packages.sort_unstable();
        packages.dedup();
        let wanted = path
            .get(..path.len().saturating_sub(1).max(1))
            .unwrap_or_default()
            .join(".");
        return Resolved::Missing(Missing::Package { wanted, packages });
    };
    let depth = package.split('.').count();
    let Some(rule) = path.get(depth) else {
        return Resolved::Package(package.to_string());
    };
    let definitions: Vec<&ModuleFacts> = facts
        .iter()
        .copied()
        .filter(|f| f.package == package && f.rules.iter().any(|r| &r.name == rule))
        .collect();
    if definitions.is_empty() {
        let mut rules: Vec<&str> = facts
            .iter()
            .filter(|f| f.package == package)
            .flat_map(|f| f.rules.iter().map(|r| r.name.as_str()))
            .collect();
        rules.sort_unstable();
        rules.dedup();
        return Resolved::Missing(Missing::Rule {
            package: package.to_string(),
            rule: rule.clone(),
            rules,
        });
    }
    Resolved::Rule {
        rule: rule.clone(),
        definitions,
    }
}

/// Why an `opaAuth` step cannot be evaluated, each a cause one rule reports at its source: the
/// access matrix then says "not evaluated" for the step's decisions rather than deciding on
/// what is left, which denied every request and reported that too (PC512) for one missing
/// ConfigMap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unevaluable {
    /// A `modules` reference names no ConfigMap of the repository, or one that cannot be
    /// read (PC204, or the ConfigMap's own shape finding).
    ModuleNotFound,
    /// The query is blank or does not parse (PC505).
    QueryInvalid,
    /// The query reads a package or rule no module of the step defines (PC506).
    QueryTargetMissing,
}

impl Unevaluable {
    /// The rule that reports the cause.
    #[must_use]
    pub fn reported_by(self) -> &'static str {
        match self {
            Unevaluable::ModuleNotFound => "PC204",
            Unevaluable::QueryInvalid => "PC505",
            Unevaluable::QueryTargetMissing => "PC506",
        }
    }

    /// Why, as the matrix shows it.
    #[must_use]
    pub fn why(self) -> &'static str {
        match self {
            Unevaluable::ModuleNotFound => {
                "not evaluated: a module ConfigMap of the opaAuth step is missing or unreadable"
            }
            Unevaluable::QueryInvalid => "not evaluated: the opaAuth query does not parse",
            Unevaluable::QueryTargetMissing => {
                "not evaluated: the opaAuth query reads a rule no module of the step defines"
            }
        }
    }
}

impl OpaStep {
    /// Why this step cannot be evaluated, if it cannot. A module that does not parse is not
    /// among the causes: the engine reports it when it compiles the modules (PC501).
    #[must_use]
    pub fn unevaluable(&self, analysis: &Analysis) -> Option<Unevaluable> {
        if self.config_maps.len() != self.module_refs {
            return Some(Unevaluable::ModuleNotFound);
        }
        let query = match &self.parsed_query {
            None | Some(Err(_)) => return Some(Unevaluable::QueryInvalid),
            Some(Ok(query)) => query,
        };
        let modules = self.modules().count();
        let facts: Vec<&ModuleFacts> = analysis.step_facts(self).map(|(_, _, f)| f).collect();
        // Only when every module parsed: else the rule may be in the one that did not.
        if modules == 0 || facts.len() != modules {
            return None;
        }
        let missing = query
            .data_refs
            .iter()
            .any(|reference| matches!(resolve(&facts, reference), Resolved::Missing(_)));
        missing.then_some(Unevaluable::QueryTargetMissing)
    }
}
