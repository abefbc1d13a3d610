//! Evaluating an `opaAuth` step's query on an input, for the access matrix: regorus' values,
//! its per-worker engine clones, its time limit and how its answers and errors read. The
//! matrix itself (`crate::access`) sees none of regorus' types.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::time::Duration;

use serde_json::Value as Json;

use super::builtins_opa::OPA_BUILTINS;
use super::engine::Engines;

/// How much stack an evaluation thread has. Regorus' interpreter recurses into every rule,
/// function and value it evaluates; functions that call themselves are refused before (see
/// [`super::recursion`]), and this leaves room for long chains of rules and deep values. It
/// is address space, committed only as far as it is used.
pub const EVALUATION_STACK: usize = 256 << 20;

/// A value of an evaluation's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value(regorus::Value);

impl Value {
    /// A JSON value, built directly (regorus' own conversion goes through serde and costs more
    /// than the evaluation).
    #[must_use]
    pub fn from_json(json: &Json) -> Self {
        Self(rego_value(json))
    }

    /// An object of these members.
    #[must_use]
    pub fn object<const N: usize>(members: [(&str, Value); N]) -> Self {
        Self(regorus::Value::from(
            members
                .into_iter()
                .map(|(key, value)| (regorus::Value::from(key), value.0))
                .collect::<BTreeMap<_, _>>(),
        ))
    }
}

fn rego_value(json: &Json) -> regorus::Value {
    match json {
        Json::Null => regorus::Value::Null,
        Json::Bool(b) => regorus::Value::Bool(*b),
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => regorus::Value::from(i),
            (None, Some(u)) => regorus::Value::from(u),
            (None, None) => regorus::Value::from(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => regorus::Value::from(s.as_str()),
        Json::Array(items) => {
            regorus::Value::from(items.iter().map(rego_value).collect::<Vec<_>>())
        }
        Json::Object(map) => regorus::Value::from(
            map.iter()
                .map(|(k, v)| (regorus::Value::from(k.as_str()), rego_value(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
    }
}

/// How an evaluation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evaluation {
    /// The query answered: whether it grants.
    Answered(bool),
    /// The time limit stopped it.
    OutOfTime,
    /// regorus' error, rendered in full, with the OPA builtin it says the evaluator lacks.
    Failed {
        /// The error.
        message: String,
        /// The OPA builtin the policy calls and regorus does not implement.
        unsupported_builtin: Option<String>,
    },
    /// regorus panicked (the message says so); the next evaluation starts from a fresh clone.
    Panicked(String),
}

/// What regorus' timer says when it stops an evaluation (`LimitError::TimeLimitExceeded`).
const TIME_LIMIT: &str = "execution exceeded time limit";

/// One worker's clones of the compiled engines, one per module set, made when first needed:
/// evaluating sets the input, so workers cannot share an engine, and a clone shares the
/// compiled modules.
#[derive(Default)]
pub struct EngineClones {
    by_set: BTreeMap<usize, Result<regorus::Engine, String>>,
}

/// A step's engine in [`EngineClones`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineSlot(usize);

impl EngineClones {
    /// The engine of step `step` (an index into [`super::Analysis::steps`]), or why there is
    /// none: the step has no engine, or its modules do not parse or compile (the message).
    ///
    /// # Errors
    /// The reason, as the matrix reports it.
    pub fn engine(&mut self, engines: &Engines, step: usize) -> Result<EngineSlot, String> {
        let Some((slot, shared)) = engines.of_step(step) else {
            return Err("the step has no engine".to_string());
        };
        match self.by_set.entry(slot).or_insert_with(|| shared.clone()) {
            Ok(_) => Ok(EngineSlot(slot)),
            Err(message) => Err(message.clone()),
        }
    }

    /// Evaluates `query` on `input` with the engine of `slot`, stopping after `limit`.
    pub fn evaluate(
        &mut self,
        slot: EngineSlot,
        input: Value,
        query: &str,
        limit: Duration,
    ) -> Evaluation {
        let Some(Ok(engine)) = self.by_set.get_mut(&slot.0) else {
            return Evaluation::Failed {
                message: "the step has no engine".to_string(),
                unsupported_builtin: None,
            };
        };
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit,
            // Reading the clock on every unit of work costs more than the evaluation itself.
            check_interval: NonZeroU32::new(1024).unwrap_or(NonZeroU32::MIN),
        });
        let evaluated = crate::panic_boundary::run("regorus evaluating the query", || {
            evaluate_query(engine, input.0, query)
        });
        match evaluated {
            Ok(Ok(granted)) => Evaluation::Answered(granted),
            Ok(Err(full)) if full.contains(TIME_LIMIT) => Evaluation::OutOfTime,
            Ok(Err(full)) => Evaluation::Failed {
                unsupported_builtin: unsupported_builtin(&full),
                message: full,
            },
            Err(panicked) => {
                // The engine may be half-way through an evaluation: the next one starts from
                // a fresh clone of the compiled engine.
                self.by_set.remove(&slot.0);
                Evaluation::Panicked(panicked)
            }
        }
    }
}

/// Evaluates `query` on `request`: whether it grants, or regorus' error rendered in full.
fn evaluate_query(
    engine: &mut regorus::Engine,
    request: regorus::Value,
    query: &str,
) -> Result<bool, String> {
    engine.set_input(request);
    let answer = evaluate_input(engine, query);
    // What the policy printed is gathered (never written to stderr) and dropped.
    let _ = engine.take_prints();
    answer
}

/// [`evaluate_query`] once the input is set.
fn evaluate_input(engine: &mut regorus::Engine, query: &str) -> Result<bool, String> {
    // The common `data.pkg.rule == true` form is evaluated as the rule itself: the same
    // answer (undefined and non-true values deny either way) without parsing and planning the
    // query again for every input.
    if let Some(rule) = query.strip_suffix("== true").map(str::trim).filter(|r| {
        r.starts_with("data.")
            && r.chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '_')
    }) {
        return match engine.eval_rule(rule.to_string()) {
            Ok(value) => Ok(value == regorus::Value::Bool(true)),
            // A rule no module defines is undefined to OPA, and undefined denies (PC506 says
            // why).
            Err(e) if format!("{e:#}").contains("not a valid rule path") => Ok(false),
            Err(e) => Err(format!("{e:#}")),
        };
    }
    let results = engine
        .eval_query(query.to_string(), false)
        .map_err(|e| format!("{e:#}"))?;
    // Undefined: the ext auth service denies.
    Ok(results
        .result
        .first()
        .and_then(|r| r.expressions.first())
        .is_some_and(|e| grants(&e.value)))
}

/// The OPA builtin an evaluation error says the evaluator lacks.
fn unsupported_builtin(error: &str) -> Option<String> {
    super::parse::error_message(error)
        .split("could not find function ")
        .nth(1)
        .map(|rest| rest.trim().trim_matches('`').to_string())
        .filter(|f| OPA_BUILTINS.binary_search(&f.as_str()).is_ok())
}

/// Whether a query value grants: `true`, `[true, …]`, or an object with `allow`/`allowed`
/// true.
fn grants(value: &regorus::Value) -> bool {
    let yes = regorus::Value::Bool(true);
    match value {
        regorus::Value::Bool(b) => *b,
        regorus::Value::Array(items) => items.first() == Some(&yes),
        regorus::Value::Object(map) => {
            map.get(&regorus::Value::from("allow"))
                .or_else(|| map.get(&regorus::Value::from("allowed")))
                == Some(&yes)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_values_that_grant() {
        assert!(grants(&rego_value(&json!(true))));
        assert!(grants(&rego_value(&json!([true, {"x": 1}]))));
        assert!(grants(&rego_value(&json!({"allowed": true}))));
        assert!(grants(&rego_value(&json!({"allow": true, "headers": {}}))));
        assert!(!grants(&rego_value(&json!(false))));
        assert!(!grants(&rego_value(&json!("true"))));
        assert!(!grants(&rego_value(&json!([false]))));
        assert!(!grants(&rego_value(&json!({"allow": "yes"}))));
    }
}
