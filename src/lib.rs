//! portico: a compiler and static linter for Gloo Platform API-gateway auth configuration.
//!
//! The module tree is the pipeline: [`load`] (with [`schema`] and [`model`] per file) →
//! [`model`] (index, selections, facts) → [`rego`] → [`access`] → [`checks`] → [`triage`] →
//! [`emit`] → [`report`]; [`pipeline`] runs the stages in that order. The library never
//! prints; the binary renders what [`check`] and [`build`] return.

pub mod access;
pub mod checks;
pub mod config;
pub mod diagnostic;
pub mod emit;
pub mod findings_cap;
pub mod gloo_version;
pub mod load;
pub mod model;
mod panic_boundary;
pub mod pipeline;
pub mod rego;
pub mod report;
pub mod schema;
pub mod suggest;
pub mod triage;

use std::path::PathBuf;

use config::Config;
use diagnostic::{Diagnostic, Severity};
use load::{Input, LoadError, Repo};
use model::Model;
use pipeline::{Analysis, Purpose};
use triage::{baseline, suppression};

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    /// Inputs in command-line order; empty means the current directory.
    pub inputs: Vec<Input>,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--no-ignore`: read what `.gitignore` excludes too.
    pub no_ignore: bool,
    /// `--select`: run only the rules these entries match. Each is a rule code (`PC201`) or a
    /// prefix of codes: `PC5` selects the whole Rego stage (the hundreds digit names the
    /// stage), `PC40` PC400–PC409. Case does not matter. Empty: every rule. Applied after
    /// `rules:` of `portico.yaml`, which still sets the level of the rules that run; a rule
    /// that is `off` there stays off.
    pub select: Vec<String>,
    /// `--ignore`: do not run the rules these entries match (codes or prefixes, as `select`).
    /// Applied after `select`.
    pub ignore: Vec<String>,
    /// `--baseline FILE`: drop the findings recorded in this baseline (written by
    /// [`CheckResult::baseline`]) and report its entries that no longer occur (PC906). Overrides
    /// `baseline:` of `portico.yaml`.
    pub baseline: Option<PathBuf>,
    /// Build output directories besides `output:` of portico.yaml (`portico build --out DIR`),
    /// relative to the working directory: the artifacts of one that holds the build marker are
    /// not read back as input (`WalkOptions::outputs`).
    pub outputs: Vec<PathBuf>,
    /// The size limit for input files; `None` takes `maxFileBytes` from portico.yaml, else
    /// [`load::DEFAULT_MAX_FILE_BYTES`].
    pub max_file_bytes: Option<u64>,
}

/// Counts for the report's summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Error diagnostics.
    pub errors: usize,
    /// Warning diagnostics.
    pub warnings: usize,
    /// Info diagnostics.
    pub infos: usize,
    /// Files read.
    pub files: usize,
    /// Resources modelled.
    pub resources: usize,
    /// Findings removed by suppressions (comments, annotations, `suppressions:`); not counted
    /// above.
    pub suppressed: usize,
    /// Findings removed because the baseline holds them; not counted above.
    pub baselined: usize,
    /// Findings the cap on findings per rule left out of the report ([`findings_cap`]); not
    /// counted above.
    pub capped: usize,
}

/// The outcome of a check: everything read and every diagnostic, sorted.
#[derive(Debug)]
pub struct CheckResult {
    /// Files and documents read.
    pub repo: Repo,
    /// The configuration used.
    pub config: Config,
    /// The typed model.
    pub model: Model,
    /// What rules, the access matrix and the emitter share; the access matrix.
    pub analysis: Analysis,
    /// Diagnostics sorted by file, line, column, code: what the run reports.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings a suppression removed, sorted like `diagnostics`, with the suppression.
    pub suppressed: Vec<suppression::Suppressed>,
    /// Findings the baseline removed, sorted like `diagnostics`.
    pub baselined: Vec<Diagnostic>,
    /// Findings the cap on findings per rule left out of `diagnostics`, sorted like it.
    pub capped: Vec<Diagnostic>,
    /// How long each stage took.
    pub timings: Timings,
    /// Counts.
    pub summary: Summary,
}

/// The outcome of a build: the check, and the artifacts unless it refused them.
#[derive(Debug)]
pub struct Built {
    /// The check that ran first (with the rules that break artifacts on).
    pub result: CheckResult,
    /// The artifacts; `None` when the check found an error, `Refused` when a finding that
    /// breaks artifacts was suppressed, baselined or turned off.
    pub artifacts: Option<Result<emit::Artifacts, emit::EmitError>>,
}

impl CheckResult {
    /// The baseline of this run (see [`baseline::of_run`]): what `--write-baseline` writes.
    #[must_use]
    pub fn baseline(&self) -> baseline::Baseline {
        baseline::of_run(
            self.diagnostics.iter().chain(&self.capped),
            &self.baselined,
            &self.repo,
        )
    }

    /// Whether any diagnostic is at or above `level`.
    #[must_use]
    pub fn fails_at(&self, level: Severity) -> bool {
        self.diagnostics.iter().any(|d| d.severity >= level)
    }
}

/// Wall time and memory per pipeline stage, in order.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// The stages, in the order they ran.
    pub stages: Vec<Stage>,
    /// When the run started (set by the first [`Timings::mark`] when not by [`Timings::start`]).
    started: Option<std::time::Instant>,
    elapsed: std::time::Duration,
}

/// One pipeline stage of a run.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Its name (`load`, `model and schema`, …).
    pub name: &'static str,
    /// Wall time spent in it.
    pub took: std::time::Duration,
    /// The process's peak resident memory when it ended, where the platform tells (Linux):
    /// the stage that raises it most is where memory work pays.
    pub peak_resident_bytes: Option<u64>,
}

impl Timings {
    /// Timings of a run starting now.
    #[must_use]
    pub fn start() -> Self {
        Self {
            started: Some(std::time::Instant::now()),
            ..Self::default()
        }
    }

    /// Records that `stage` ended now.
    pub fn mark(&mut self, stage: &'static str) {
        let started = *self.started.get_or_insert_with(std::time::Instant::now);
        let now = started.elapsed();
        self.stages.push(Stage {
            name: stage,
            took: now.saturating_sub(self.elapsed),
            peak_resident_bytes: peak_resident_bytes(),
        });
        self.elapsed = now;
    }
}

/// The peak resident memory of this process so far (`VmHWM` of `/proc/self/status`), where
/// the platform has it. One read of a small file per stage: microseconds.
#[must_use]
pub fn peak_resident_bytes() -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Why a run could not happen at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input is missing.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// `--config` names a file that does not exist.
    #[error("{0}: configuration file not found")]
    ConfigNotFound(PathBuf),
    /// `select` or `ignore` holds something that is neither a rule code nor a prefix of one.
    #[error("unknown rule code `{code}` in `--{option}`{}", help.as_ref().map(|h| format!(": {h}")).unwrap_or_default())]
    UnknownRuleCode {
        /// `select` or `ignore`.
        option: &'static str,
        /// The entry as given.
        code: String,
        /// "did you mean `PC201`?", when a code is close.
        help: Option<String>,
    },
    /// The baseline file named by [`CheckRequest::baseline`] cannot be read or is not one.
    #[error(transparent)]
    Baseline(#[from] baseline::BaselineError),
}

/// Checks the repository: load, analyse, lint, triage ([`pipeline`]).
///
/// # Errors
/// When an input path, the named configuration file or the named baseline does not exist, the
/// baseline cannot be read, or `select`/`ignore` name an unknown code.
pub fn check(request: &CheckRequest) -> Result<CheckResult, Error> {
    let mut timings = Timings::start();
    let (loaded, analysis, outcome) = run(request, Purpose::Check, &mut timings)?;
    Ok(CheckResult::new(loaded, analysis, outcome, timings))
}

/// Checks the repository with the rules that break artifacts on, then compiles the
/// artifacts unless the check refuses them ([`pipeline::emit`]).
///
/// # Errors
/// As [`check`].
pub fn build(request: &CheckRequest) -> Result<Built, Error> {
    let mut timings = Timings::start();
    let (loaded, analysis, outcome) = run(request, Purpose::Build, &mut timings)?;
    let artifacts = pipeline::emit(&loaded, &analysis, &outcome, &mut timings);
    let result = CheckResult::new(loaded, analysis, outcome, timings);
    Ok(Built { result, artifacts })
}

/// The stages every run has, in order.
fn run(
    request: &CheckRequest,
    purpose: Purpose,
    timings: &mut Timings,
) -> Result<(pipeline::Loaded, Analysis, pipeline::Outcome), Error> {
    let mut loaded = pipeline::load(request, purpose, timings)?;
    // A repository of deploy units is checked unit by unit; the analysis of the whole (what
    // `matrix` and `build` read) stays that of every file together.
    let by_unit = pipeline::lint_by_unit(&mut loaded, timings);
    let analysis = pipeline::analyze(&loaded, timings);
    let found = match by_unit {
        Some(found) => found,
        None => pipeline::lint(&mut loaded, &analysis, timings, None),
    };
    let outcome = pipeline::triage(&loaded, &analysis, found, timings);
    Ok((loaded, analysis, outcome))
}

impl CheckResult {
    fn new(
        loaded: pipeline::Loaded,
        analysis: Analysis,
        outcome: pipeline::Outcome,
        timings: Timings,
    ) -> Self {
        let count = |severity| {
            outcome
                .diagnostics
                .iter()
                .filter(|d| d.severity == severity)
                .count()
        };
        let summary = Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            files: loaded.repo.sources.len(),
            resources: loaded.model.resource_count(),
            suppressed: outcome.suppressed.len(),
            baselined: outcome.baselined.len(),
            capped: outcome.capped.len(),
        };
        Self {
            repo: loaded.repo,
            config: loaded.config,
            model: loaded.model,
            analysis,
            diagnostics: outcome.diagnostics,
            suppressed: outcome.suppressed,
            baselined: outcome.baselined,
            capped: outcome.capped,
            timings,
            summary,
        }
    }
}

/// The JSON Schema of `kind` (draft 2020-12). Each owner generates its own: the model the
/// Kubernetes kinds', `config` `portico.yaml`'s.
#[must_use]
pub fn schema_json(kind: schema::kind::SchemaKind) -> serde_json::Value {
    use schema::kind::SchemaKind;
    let object = match kind {
        SchemaKind::RouteTable => model::Kind::RouteTable,
        SchemaKind::ExtAuthPolicy => model::Kind::ExtAuthPolicy,
        SchemaKind::ExtAuthServer => model::Kind::ExtAuthServer,
        SchemaKind::AuthConfig => model::Kind::AuthConfig,
        SchemaKind::Config => return config::schema(),
    };
    // Every kind mapped above has a schema; only ConfigMaps have none.
    model::kinds::schema::schema(object).unwrap_or_default()
}

/// [`schema_json`] as committed under `schemas/`: pretty JSON with a trailing newline.
#[must_use]
pub fn schema_text(kind: schema::kind::SchemaKind) -> String {
    schema::generate::pretty(&schema_json(kind))
}
