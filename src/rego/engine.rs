//! The regorus engines: one per distinct module set, built and compiled once in the Rego
//! stage. PC501 reads the compile errors; the access matrix clones the prepared engines (a
//! clone shares the compiled modules) so that each worker can set its own input.

use std::collections::{BTreeMap, BTreeSet};

use super::parse::Syntax;
use super::{AnalysedModule, OpaStep};

/// The start of the error of a step whose modules do not all parse.
pub(crate) const MODULE_SYNTAX: &str = "a module does not parse";

/// The start of the error of a step whose modules parse but are not compiled, because OPA
/// would reject them (PC501 reports why).
pub(crate) const NOT_COMPILED: &str = "the modules do not compile";

/// A module set that parses but does not compile (an unsafe variable, recursion, a rule
/// defined both as a function and a value, …), at the position regorus names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// Index into [`super::Analysis::steps`].
    pub step: usize,
    /// Module index and range, when the error names a position.
    pub location: Option<(usize, std::ops::Range<usize>)>,
    /// The message.
    pub message: String,
}

/// The engines of every `opaAuth` step, shared by the steps with the same modules.
#[derive(Debug, Clone, Default)]
pub struct Engines {
    /// One per distinct module set (in reference order): the engine, or why it could not be
    /// built.
    sets: Vec<Result<regorus::Engine, String>>,
    /// Per step, the index of its module set in `sets`.
    of_step: Vec<usize>,
    /// Every compile error, once per module set and query rule.
    pub compile_errors: Vec<CompileError>,
}

impl Engines {
    /// Builds one engine per distinct module set and compiles it for each rule a query of its
    /// steps names, the way OPA compiles the modules when the ext auth service builds the
    /// AuthConfig. Compiling also prepares the engine, so evaluations start right away.
    #[must_use]
    pub fn build(modules: &[AnalysedModule], steps: &[OpaStep]) -> Self {
        let mut engines = Self::default();
        let mut by_set: BTreeMap<Vec<usize>, usize> = BTreeMap::new();
        let mut compiled: BTreeSet<(usize, String)> = BTreeSet::new();
        for (index, step) in steps.iter().enumerate() {
            let set: Vec<usize> = step.modules().collect();
            let mut built = false;
            let slot = *by_set.entry(set).or_insert_with(|| {
                engines.sets.push(build_engine(step, modules));
                built = true;
                engines.sets.len() - 1
            });
            engines.of_step.push(slot);
            if step.modules().next().is_none()
                || step
                    .modules()
                    .any(|m| modules.get(m).is_none_or(|m| m.parsed.is_err()))
            {
                continue;
            }
            if built {
                engines.refuse_recursion(index, slot, step, modules);
            }
            let Some(rule) = step
                .query
                .as_deref()
                .and_then(|q| q.split_whitespace().find(|w| w.starts_with("data.")))
                .map(|w| w.trim_end_matches(|c: char| !(c.is_alphanumeric() || c == '_')))
            else {
                continue;
            };
            // Steps that share their modules and query rule compile the same way.
            if !compiled.insert((slot, rule.to_string())) {
                continue;
            }
            let error = match engines.sets.get_mut(slot) {
                Some(Ok(engine)) => {
                    let entry: regorus::Rc<str> = rule.into();
                    match engine.compile_with_entrypoint(&entry) {
                        Ok(_) => continue,
                        Err(e) => {
                            let text = format!("{e:#}");
                            // A query naming a missing rule is PC506's finding, not a compile
                            // error.
                            if text.contains("not a valid rule path") || text.contains("not found")
                            {
                                continue;
                            }
                            text
                        }
                    }
                }
                // PC501 already has the reason.
                Some(Err(message)) if message.starts_with(NOT_COMPILED) => continue,
                Some(Err(message)) => message.clone(),
                None => continue,
            };
            let error = CompileError {
                step: index,
                location: locate(&error, step, modules),
                message: clean_message(&error),
            };
            if !engines
                .compile_errors
                .iter()
                .any(|o| o.location == error.location && o.message == error.message)
            {
                engines.compile_errors.push(error);
            }
        }
        engines
    }

    /// OPA rejects modules whose functions call themselves; regorus would recurse until the
    /// stack overflows. Such a module set gets a compile error and no engine.
    fn refuse_recursion(
        &mut self,
        step: usize,
        slot: usize,
        of: &OpaStep,
        modules: &[AnalysedModule],
    ) {
        let facts: Vec<(usize, &super::facts::ModuleFacts)> = of
            .modules()
            .filter_map(|m| Some((m, modules.get(m)?.facts()?)))
            .collect();
        let Some(recursion) = super::recursion::function_cycle(&facts) else {
            return;
        };
        let message = recursion.message();
        if let Some(engine) = self.sets.get_mut(slot) {
            *engine = Err(format!("{NOT_COMPILED}: {message}"));
        }
        self.compile_errors.push(CompileError {
            step,
            location: Some((recursion.module, recursion.range)),
            message,
        });
    }

    /// The engine of step `step` (an index into [`super::Analysis::steps`]) and the index of
    /// its module set, or why it could not be built.
    #[must_use]
    pub fn of_step(&self, step: usize) -> Option<(usize, &Result<regorus::Engine, String>)> {
        let slot = *self.of_step.get(step)?;
        Some((slot, self.sets.get(slot)?))
    }
}

fn build_engine(step: &OpaStep, modules: &[AnalysedModule]) -> Result<regorus::Engine, String> {
    let mut engine = regorus::Engine::new();
    super::builtins_replaced::install(&mut engine)?;
    // `print` writes to stderr unless gathered; the library never prints, and what a policy
    // prints is dropped after each evaluation.
    engine.set_gather_prints(true);
    // Compiling runs no policy code; the matrix sets each evaluation's time limit.
    let mut v0 = false;
    for m in step.modules() {
        let Some(module) = modules.get(m) else {
            continue;
        };
        match &module.parsed {
            Ok(parsed) => v0 |= parsed.syntax == Syntax::V0,
            Err(e) => return Err(format!("{MODULE_SYNTAX}: {}", e.message)),
        }
    }
    engine.set_rego_v0(v0);
    for (n, m) in step.modules().enumerate() {
        let Some(module) = modules.get(m) else {
            continue;
        };
        crate::panic_boundary::run("regorus compiling the module", || {
            engine.add_policy(format!("module-{n}.rego"), module.source.text.clone())
        })?
        .map_err(|e| format!("{e:#}"))?;
    }
    Ok(engine)
}

/// The module position a regorus error names (`--> module-N.rego:LINE:COL`, the names
/// [`build_engine`] gives the step's modules).
pub(crate) fn locate(
    text: &str,
    step: &OpaStep,
    modules: &[AnalysedModule],
) -> Option<(usize, std::ops::Range<usize>)> {
    let rest = text.split("--> module-").nth(1)?;
    let (n, rest) = rest.split_once(".rego:")?;
    let location = rest.lines().next()?;
    let mut parts = location.split(':');
    let line: usize = parts.next()?.trim().parse().ok()?;
    let col: usize = parts.next()?.trim().parse().ok()?;
    let module = step.modules().nth(n.parse().ok()?)?;
    let source = &modules.get(module)?.source.text;
    let start = super::parse::offset_of(source, line, col);
    let end = source[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    Some((module, start..end))
}

/// The message of a regorus error without its code frame or the engine's module names.
pub(crate) fn clean_message(text: &str) -> String {
    let line = super::parse::error_message(text);
    match line.split_once(" at module-") {
        // "rule conflicts with rule at module-0.rego:12:1": the engine's module name means
        // nothing to the user, the line inside the module does.
        Some((head, place)) => match place.split(':').nth(1) {
            Some(l) => format!("{head} at line {l} of the module"),
            None => head.to_string(),
        },
        None => line,
    }
}
