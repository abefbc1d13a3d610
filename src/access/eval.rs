//! One `opaAuth` step evaluated for one request within the time limits of the matrix: one
//! evaluation, all of a policy's, all of the run's. The evaluation itself is regorus', through
//! [`crate::rego::evaluation`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::rego::OpaStep;
use crate::rego::engine::{MODULE_SYNTAX, NOT_COMPILED, clean_message, locate};
use crate::rego::evaluation::{EngineClones, Evaluation, Value};

use super::{Budgets, EvaluationError, MatrixInput};

/// The time left to the whole run's evaluations, shared by the workers.
pub(super) struct RunBudget {
    left_ns: AtomicU64,
}

impl RunBudget {
    pub(super) fn new(budget: Duration) -> Self {
        Self {
            left_ns: AtomicU64::new(u64::try_from(budget.as_nanos()).unwrap_or(u64::MAX)),
        }
    }

    pub(super) fn left(&self) -> Duration {
        Duration::from_nanos(self.left_ns.load(Ordering::Relaxed))
    }

    pub(super) fn spend(&self, spent: Duration) {
        let spent = u64::try_from(spent.as_nanos()).unwrap_or(u64::MAX);
        let _ = self
            .left_ns
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                Some(left.saturating_sub(spent))
            });
    }
}

/// What one worker evaluates with: its clones of the compiled engines, and the time left.
pub(super) struct Evaluator<'a> {
    /// The worker's engines.
    pub(super) engines: EngineClones,
    /// The time limits.
    pub(super) budgets: Budgets,
    /// The time left to the run.
    pub(super) run: &'a RunBudget,
    /// The time left to the policy being evaluated, or the error that ended its evaluation.
    pub(super) policy: Result<Duration, Arc<EvaluationError>>,
}

/// Whether step `index` grants `request`, or why it could not be evaluated. Once a policy or
/// the run is out of time, the error is shared by the decisions left.
pub(super) fn evaluate_step(
    index: usize,
    step: &OpaStep,
    request: Value,
    input: &MatrixInput<'_>,
    evaluator: &mut Evaluator<'_>,
) -> Result<bool, Arc<EvaluationError>> {
    let error = |message: String, unsupported_builtin: Option<String>| {
        let location = locate(&message, step, &input.rego.modules);
        Arc::new(EvaluationError {
            step: index,
            module_syntax: message.starts_with(MODULE_SYNTAX) || message.starts_with(NOT_COMPILED),
            message: clean_message(&message),
            unsupported_builtin,
            location,
            run_budget: false,
            reported_by: None,
        })
    };
    let policy_left = evaluator.policy.clone()?;
    let run_left = evaluator.run.left();
    let query = step.query.as_deref().unwrap_or("").trim().to_string();
    if query.is_empty() {
        return Err(error("the opaAuth query is blank".to_string(), None));
    }
    let slot = evaluator
        .engines
        .engine(&input.rego.engines, index)
        .map_err(|message| error(message, None))?;
    // The evaluation stops at whichever comes first: its own limit, the policy's or the
    // run's time left.
    let budgets = evaluator.budgets;
    let limit = budgets.evaluation.min(policy_left).min(run_left);
    let out_of_time = if run_left < budgets.evaluation.min(policy_left) {
        OutOfTime::Run
    } else if policy_left < budgets.evaluation {
        OutOfTime::Policy
    } else {
        OutOfTime::Evaluation
    };
    let evaluated = if limit.is_zero() {
        Evaluation::OutOfTime
    } else {
        let started = Instant::now();
        let evaluated = evaluator.engines.evaluate(slot, request, &query, limit);
        let spent = started.elapsed();
        evaluator.run.spend(spent);
        evaluator.policy = Ok(policy_left.saturating_sub(spent));
        evaluated
    };
    match evaluated {
        Evaluation::Answered(granted) => Ok(granted),
        Evaluation::OutOfTime => {
            // The message is the same for every decision the policy has left, which share it.
            let ended = Arc::new(EvaluationError {
                step: index,
                message: out_of_time.message(budgets),
                unsupported_builtin: None,
                module_syntax: false,
                location: None,
                run_budget: out_of_time == OutOfTime::Run,
                reported_by: None,
            });
            evaluator.policy = Err(ended.clone());
            Err(ended)
        }
        Evaluation::Failed {
            message,
            unsupported_builtin,
        } => Err(error(message, unsupported_builtin)),
        Evaluation::Panicked(message) => Err(error(message, None)),
    }
}

/// A duration in seconds, as the messages show it (`2 s`, `0.2 s`).
fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// Which time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutOfTime {
    Evaluation,
    Policy,
    Run,
}

impl OutOfTime {
    fn message(self, budgets: Budgets) -> String {
        match self {
            Self::Evaluation => format!(
                "one evaluation ran past {}, the most portico gives one request; the policy's other decisions were not evaluated",
                seconds(budgets.evaluation)
            ),
            Self::Policy => format!(
                "its evaluations ran past {}, the most portico gives one policy; its other decisions were not evaluated",
                seconds(budgets.policy)
            ),
            Self::Run => format!(
                "the {} portico gives all the policies of a run were spent before its evaluation ended",
                seconds(budgets.run)
            ),
        }
    }
}
