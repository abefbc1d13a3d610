//! The Rego stage: every module parsed once through regorus (the one seam to it is
//! [`parse`]), facts read from the AST for the static checks (of modules in [`facts`], of
//! queries in [`query`]), the ext auth input contract ([`input_contract`]), the engines
//! ([`engine`]), and the evaluation of a step's query for the access matrix ([`evaluation`]).

pub mod builtins_opa;
pub mod builtins_replaced;
pub mod engine;
pub mod evaluation;
pub mod facts;
pub mod input_contract;

pub mod parse;
pub mod query;
pub mod recursion;
pub mod resolve;

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diagnostic::Span;
use crate::load::Repo;
use crate::model::rego::{RegoOrigin, RegoSource, rego_sources};
use crate::model::{Meta, Model, gloo_auth_specs};

use facts::{ModuleFacts, module_facts};
use parse::{Accepted, RegoError, Syntax, parse_module};

/// One Rego module, parsed.
#[derive(Debug, Clone)]
pub struct AnalysedModule {
    /// Where it comes from and its text.
    pub source: RegoSource,
    /// What regorus read, or its syntax error.
    pub parsed: Result<ParsedFacts, RegoError>,
}

/// A module that parsed.
#[derive(Debug, Clone)]
pub struct ParsedFacts {
    /// The syntax it needs.
    pub syntax: Syntax,
    /// What it declares and reads.
    pub facts: ModuleFacts,
}

impl AnalysedModule {
    /// The file span of a range of the module text.
    #[must_use]
    pub fn span(&self, range: &Range<usize>) -> Span {
        let start = self.source.file_offset(range.start);
        let end = self.source.file_offset(range.end).max(start);
        Span::new(self.source.file, start..end)
    }

    /// The facts, when the module parsed.
    #[must_use]
    pub fn facts(&self) -> Option<&ModuleFacts> {
        self.parsed.as_ref().ok().map(|p| &p.facts)
    }

    /// A name for the module in messages: `ConfigMap key` or the file name.
    #[must_use]
    pub fn display_name(&self, model: &Model, repo: &Repo) -> String {
        match &self.source.origin {
            RegoOrigin::ConfigMap { config_map, key } => {
                model.config_maps.get(*config_map).map_or_else(
                    || key.clone(),
                    |cm| {
                        format!(
                            "`{key}` of ConfigMap `{}/{}`",
                            cm.meta.id.namespace, cm.meta.id.name
                        )
                    },
                )
            }
            RegoOrigin::File => format!("`{}`", repo.sources.get(self.source.file).name),
        }
    }
}

/// One `opaAuth` step of a Gloo auth configuration (an ExtAuthPolicy's `glooAuth` or an
/// AuthConfig): its query and the modules OPA is given.
#[derive(Debug, Clone)]
pub struct OpaStep {
    /// Index into [`Model::ext_auth_policies`] when the step belongs to a policy.
    pub policy: Option<usize>,
    /// The resource holding it.
    pub meta: Meta,
    /// Pointer of the step's `opaAuth` object, relative to the resource.
    pub path: String,
    /// The query text.
    pub query: Option<String>,
    /// The query, parsed once for every rule that reads it; `None` when it is absent or blank
    /// (PC505 reports those).
    pub parsed_query: Option<Result<query::QueryFacts, RegoError>>,
    /// `options.fastInputConversion`.
    pub fast_input_conversion: bool,
    /// The modules, in reference order: (index in `modules` of the reference, ConfigMap
    /// index in the model, module indices in [`Analysis::modules`]).
    pub config_maps: Vec<(usize, usize, Vec<usize>)>,
    /// How many `modules` references the step has (found or not).
    pub module_refs: usize,
}

impl OpaStep {
    /// Every module index of the step, in reference order.
    pub fn modules(&self) -> impl Iterator<Item = usize> + '_ {
        self.config_maps
            .iter()
            .flat_map(|(_, _, m)| m.iter().copied())
    }
}

/// The Rego stage's view of the repository.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Every module.
    pub modules: Vec<AnalysedModule>,
    /// Every `opaAuth` step.
    pub steps: Vec<OpaStep>,
    /// Which syntax was accepted.
    pub accepted: Accepted,
    /// One engine per distinct module set, compiled, and the compile errors.
    pub engines: engine::Engines,
}

impl Analysis {
    /// Parses every module of the repository and links the `opaAuth` steps to them.
    #[must_use]
    pub fn build(repo: &Repo, model: &Model, accepted: Accepted) -> Self {
        let modules: Vec<AnalysedModule> = rego_sources(repo, model)
            .into_iter()
            .map(|source| {
                let name = repo.sources.get(source.file).name.clone();
                let parsed = parse_module(&name, &source.text, accepted).map(|p| ParsedFacts {
                    syntax: p.syntax,
                    facts: module_facts(&p.module),
                });
                AnalysedModule { source, parsed }
            })
            .collect();
        let mut by_config_map: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, m) in modules.iter().enumerate() {
            if let RegoOrigin::ConfigMap { config_map, .. } = m.source.origin {
                by_config_map.entry(config_map).or_default().push(i);
            }
        }
        let policy_of: BTreeMap<(&str, &str), usize> = model
            .ext_auth_policies
            .iter()
            .enumerate()
            .map(|(i, p)| ((p.meta.id.namespace.as_str(), p.meta.id.name.as_str()), i))
            .collect();
        // The first ConfigMap of each name, as a lookup: a scan per module reference would
        // cost policies × ConfigMaps.
        let mut config_map_of: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for (i, cm) in model.config_maps.iter().enumerate() {
            config_map_of
                .entry((cm.meta.id.namespace.as_str(), cm.meta.id.name.as_str()))
                .or_insert(i);
        }
        let mut steps = Vec::new();
        for (meta, base, spec) in gloo_auth_specs(model) {
            let policy = (base == "/spec/config/glooAuth")
                .then(|| {
                    policy_of
                        .get(&(meta.id.namespace.as_str(), meta.id.name.as_str()))
                        .copied()
                })
                .flatten();
            for (c, config) in spec.configs.iter().enumerate() {
                let Some(opa) = &config.opa_auth else {
                    continue;
                };
                let config_maps = opa
                    .modules
                    .iter()
                    .enumerate()
                    .filter_map(|(r, reference)| {
                        let name = reference.name.as_deref()?;
                        let namespace =
                            reference.namespace.as_deref().unwrap_or(&meta.id.namespace);
                        let cm = *config_map_of.get(&(namespace, name))?;
                        Some((r, cm, by_config_map.get(&cm).cloned().unwrap_or_default()))
                    })
                    .collect();
                let parsed_query = opa
                    .query
                    .as_deref()
                    .filter(|q| !q.trim().is_empty())
                    .map(|q| parse::parse_query(q).map(|q| query::query_facts(&q)));
                steps.push(OpaStep {
                    policy,
                    meta: meta.clone(),
                    path: format!("{base}/configs/{c}/opaAuth"),
                    query: opa.query.clone(),
                    parsed_query,
                    fast_input_conversion: opa
                        .options
                        .as_ref()
                        .and_then(|o| o.fast_input_conversion)
                        .unwrap_or(false),
                    config_maps,
                    module_refs: opa.modules.len(),
                });
            }
        }
        let engines = engine::Engines::build(&modules, &steps);
        Self {
            modules,
            steps,
            accepted,
            engines,
        }
    }

    /// The modules of a step that parsed, with their facts.
    pub fn step_facts<'a>(
        &'a self,
        step: &'a OpaStep,
    ) -> impl Iterator<Item = (usize, &'a AnalysedModule, &'a ModuleFacts)> + 'a {
        step.modules().filter_map(|i| {
            let m = self.modules.get(i)?;
            Some((i, m, m.facts()?))
        })
    }

    /// Steps that belong to ExtAuthPolicy `policy`.
    pub fn policy_steps(&self, policy: usize) -> impl Iterator<Item = &OpaStep> {
        self.steps.iter().filter(move |s| s.policy == Some(policy))
    }
}
