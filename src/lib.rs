//! portico: a compiler and static linter for Gloo Platform API-gateway auth configuration.
//!
//! The module tree is the pipeline: [`load`] → [`schema`] → [`model`] → [`checks`] → [`report`].
//! The library never prints; the binary renders what [`check`] returns.

pub mod access;
pub mod checks;
pub mod config;
pub mod diagnostic;
pub mod emit;
pub mod findings_cap;
pub mod load;
pub mod model;
mod panic_boundary;
pub mod rego;
pub mod report;
pub mod schema;
pub mod suggest;
pub mod triage;

use std::path::PathBuf;

use config::Config;
use diagnostic::{Diagnostic, Severity};
use load::walk::WalkOptions;
use load::{Input, LoadError, LoadOptions, Repo};
use model::Model;
use model::index::Index;
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
    /// Also compile the artifacts (`portico build`), when the check finds no error.
    pub emit: bool,
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
    /// Diagnostics sorted by file, line, column, code: what the run reports.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings a suppression removed, sorted like `diagnostics`, with the suppression.
    pub suppressed: Vec<suppression::Suppressed>,
    /// Findings the baseline removed, sorted like `diagnostics`.
    pub baselined: Vec<Diagnostic>,
    /// Findings the cap on findings per rule left out of `diagnostics`, sorted like it.
    pub capped: Vec<Diagnostic>,
    /// The access matrix.
    pub matrix: access::Matrix,
    /// How long each stage took.
    pub timings: Timings,
    /// The build, when requested and the check found no error.
    pub artifacts: Option<Result<emit::Artifacts, emit::EmitError>>,
    /// Counts.
    pub summary: Summary,
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
    /// Records that `stage` ended now (`started` is the start of the whole run).
    fn mark(&mut self, stage: &'static str, started: std::time::Instant) {
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

/// Reads `select` or `ignore` entries.
fn parse_selectors(option: &'static str, entries: &[String]) -> Result<Vec<String>, Error> {
    entries
        .iter()
        .map(|code| {
            checks::parse_selector(code).map_err(|help| Error::UnknownRuleCode {
                option,
                code: code.clone(),
                help,
            })
        })
        .collect()
}

/// Runs the whole pipeline: load, model, checks.
///
/// # Errors
/// When an input path, the named configuration file or the named baseline does not exist, the
/// baseline cannot be read, or `select`/`ignore` name an unknown code.
pub fn check(request: &CheckRequest) -> Result<CheckResult, Error> {
    let select = parse_selectors("select", &request.select)?;
    let ignore = parse_selectors("ignore", &request.ignore)?;
    let inputs = if request.inputs.is_empty() {
        vec![Input::Path(PathBuf::from("."))]
    } else {
        request.inputs.clone()
    };
    let first_path = inputs.iter().find_map(|i| match i {
        Input::Path(p) => Some(p.as_path()),
        Input::Stdin(_) | Input::StandardInput => None,
    });
    if let Some(explicit) = &request.config
        && !explicit.is_file()
    {
        return Err(Error::ConfigNotFound(explicit.clone()));
    }
    let mut repo = Repo::default();
    let config_path = config::locate(request.config.as_deref(), first_path);
    let mut config = match &config_path {
        Some(path) => {
            let display = match (&request.config, first_path) {
                (None, Some(root)) => load::walk::relative_name(root, path),
                _ => path.to_string_lossy().replace('\\', "/"),
            };
            config::load_in(path, display, first_path, &mut repo)
        }
        None => Config::default(),
    };
    let first_root = first_path.map(std::path::Path::to_path_buf);
    // `output:` is relative to the directory of portico.yaml, and only one inside it counts.
    let config_dir = config_path
        .as_deref()
        .and_then(std::path::Path::parent)
        .map(PathBuf::from)
        .unwrap_or_default();
    let walk = WalkOptions {
        no_ignore: request.no_ignore,
        exclude: config.settings.ignore.clone(),
        outputs: config
            .settings
            .output
            .iter()
            .filter(|output| config::output_problem(output).is_none())
            .map(|output| config_dir.join(output))
            .chain(request.outputs.iter().cloned())
            .collect(),
    };
    // The baseline is portico's own file, not configuration: like the configuration file it
    // is not an input, even where a walk meets it.
    let baseline_path = match &request.baseline {
        Some(path) => Some(path.clone()),
        None => config_baseline_path(&mut config, config_path.as_deref()),
    };
    let options = LoadOptions {
        inputs,
        walk,
        max_file_bytes: request
            .max_file_bytes
            .or(config.settings.max_file_bytes)
            .unwrap_or(load::DEFAULT_MAX_FILE_BYTES),
        excluded: config_path.iter().chain(&baseline_path).cloned().collect(),
    };
    // Read within the run's size limit: a baseline is read like any input.
    let requested_baseline = request
        .baseline
        .as_ref()
        .map(|path| {
            baseline::read_within(path, options.max_file_bytes)
                .map(|(b, text)| (path.clone(), b, text))
        })
        .transpose()?;
    // `build` runs the rules whose findings make artifacts wrong even where portico.yaml turns
    // them off; what they find refuses the build instead of being reported.
    let turned_off_codes: Vec<String> = if request.emit {
        config
            .settings
            .rules
            .iter()
            .filter(|(code, level)| {
                **level == config::RuleLevel::Off && emit::breaks_artifacts(code).is_some()
            })
            .map(|(code, _)| code.clone())
            .collect()
    } else {
        Vec::new()
    };
    let mut rule_levels = config.settings.rules.clone();
    rule_levels.retain(|code, _| !turned_off_codes.contains(code));
    let levels = checks::Levels::new(rule_levels).with_selection(select, ignore);
    let tree_rules = checks::tree_rules(&levels);
    // The rules that read whole trees run on documents as soon as they are modelled, and the
    // model then releases those trees: see `model::build_file`.
    let check_trees =
        |source: &load::source::SourceFile, documents: &[load::LoadedDocument], part: &Model| {
            checks::run_trees(
                &checks::TreeContext {
                    source,
                    documents,
                    model: part,
                },
                &tree_rules,
            )
        };
    // Every file is modelled by the thread that parsed it, right after parsing, so the trees
    // of a repository never all exist at once.
    let per_file = |_: load::source::FileId,
                    source: &load::source::SourceFile,
                    documents: &mut [load::LoadedDocument]| {
        model::build_file(source, documents, &check_trees)
    };
    let mut timings = Timings::default();
    let started = std::time::Instant::now();
    let mut parts: Vec<(Model, Vec<Diagnostic>)> = load::load_with(&options, &mut repo, &per_file)?
        .into_iter()
        .map(|loaded| loaded.part)
        .collect();
    timings.mark("load", started);
    let loaded_baseline = match requested_baseline {
        Some((path, b, text)) => {
            let display = baseline_display_name(&path, first_root.as_deref());
            Some(baseline::attach(&mut repo, b, &path, display, text))
        }
        None => baseline_path.and_then(|path| {
            config_baseline(
                &mut config,
                &path,
                first_root.as_deref(),
                options.max_file_bytes,
                &mut repo,
            )
        }),
    };
    let scope_base = config_dir;
    // Scope sources are read only from inside the repository: the directory of portico.yaml
    // and the first PATH.
    let repository_roots: Vec<PathBuf> = std::iter::once(scope_base.clone())
        .chain(first_root.clone().filter(|p| p.is_dir()))
        .collect();
    let (scope_sources, scope_parts) = model::scopes::load_sources(
        &mut repo,
        &config.settings.identity_providers,
        &scope_base,
        &repository_roots,
        options.max_file_bytes,
        &per_file,
    );
    parts.extend(scope_parts.into_iter().map(|loaded| loaded.part));
    timings.mark("scope sources", started);
    let (model, mut found) = model::build(&mut repo, parts);
    timings.mark("model and schema", started);
    let index = Index::build(&model);
    let selections = model::selection::select_all(&model, &index);
    timings.mark("index and selection", started);
    let rego = rego::Analysis::build(&repo, &model, config.settings.rego.version.into());
    timings.mark("rego", started);
    let matrix = access::evaluate(&access::MatrixInput {
        model: &model,
        index: &index,
        selections: &selections,
        rego: &rego,
        providers: &config.settings.identity_providers,
    });
    let facts = model::facts::Facts::build(&model::facts::FactsInput {
        model: &model,
        index: &index,
        selections: &selections,
        providers: &config.settings.identity_providers,
        scope_sources: &scope_sources,
    });
    let ctx = checks::Context {
        repo: &repo,
        model: &model,
        index: &index,
        selections: &selections,
        config: &config,
        scope_sources: &scope_sources,
        rego: &rego,
        matrix: &matrix,
        facts: &facts,
    };
    timings.mark("matrix", started);
    found.extend(checks::run(&ctx, &levels));
    let triaged = triage::apply(
        found,
        &triage::TriageInput {
            repo: &repo,
            model: &model,
            rego: &rego,
            config: &config,
            levels: &levels,
            baseline: loaded_baseline.as_ref(),
        },
    );
    let (suppressed, baselined) = (triaged.suppressed, triaged.baselined);
    let (diagnostics, capped) = findings_cap::apply(triaged.kept);
    timings.mark("checks", started);
    let (turned_off, kept): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
        .into_iter()
        .partition(|d| turned_off_codes.iter().any(|c| c == d.code));
    let diagnostics = kept;
    let artifacts = (request.emit && !diagnostics.iter().any(|d| d.severity == Severity::Error))
        .then(|| {
            let refusals =
                emit::refusals(&repo, &diagnostics, &suppressed, &baselined, &turned_off);
            if !refusals.is_empty() {
                return Err(emit::EmitError::Refused(refusals));
            }
            emit::emit(&emit::EmitInput {
                repo: &repo,
                model: &model,
                index: &index,
                selections: &selections,
                rego: &rego,
            })
        });
    timings.mark("emit", started);
    let summary = Summary {
        errors: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        warnings: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
        infos: diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Info)
            .count(),
        files: repo.sources.len(),
        resources: model.resource_count(),
        suppressed: suppressed.len(),
        baselined: baselined.len(),
        capped: capped.len(),
    };
    Ok(CheckResult {
        repo,
        config,
        model,
        diagnostics,
        suppressed,
        baselined,
        capped,
        matrix,
        summary,
        timings,
        artifacts,
    })
}

/// The baseline `baseline:` of `portico.yaml` names (relative to that file), unless that is a
/// configuration problem (PC901): then the run goes on without one.
fn config_baseline_path(
    config: &mut Config,
    config_file: Option<&std::path::Path>,
) -> Option<PathBuf> {
    let name = config.settings.baseline.clone()?;
    // Reported by `config::load` (PC901); not read.
    if config::baseline_problem(&name).is_some() {
        return None;
    }
    let base = config_file
        .and_then(std::path::Path::parent)
        .unwrap_or(std::path::Path::new(""));
    let path = base.join(&name);
    // A symbolic link in the repository may lead the name out of it: not read either.
    let escaping = match (path.canonicalize(), base_dir(base).canonicalize()) {
        (Ok(target), Ok(root)) => (!target.starts_with(&root)).then_some(target),
        _ => None,
    };
    if let Some(target) = escaping {
        config.problems.push(config::ConfigProblem {
            span: config.key_span("/baseline").unwrap_or(0..0),
            message: format!(
                "invalid configuration: `baseline: {name}` leads outside the repository (to {}) through a symbolic link; the baseline must be a file inside the repository, and is not read",
                target.display()
            ),
            help: Some(
                "portico.yaml is part of the repository, so a pull request controls it: commit the baseline itself, or pass `--baseline FILE`"
                    .into(),
            ),
        });
        return None;
    }
    Some(path)
}

/// The baseline at `path` (named by `baseline:` in `portico.yaml`), loaded; a missing or
/// unreadable one is a configuration problem (PC901), and the run goes on without.
fn config_baseline(
    config: &mut Config,
    path: &std::path::Path,
    first_path: Option<&std::path::Path>,
    max_bytes: u64,
    repo: &mut Repo,
) -> Option<baseline::Loaded> {
    let name = config.settings.baseline.clone().unwrap_or_default();
    match baseline::read_within(path, max_bytes) {
        Ok((b, text)) => {
            let display = baseline_display_name(path, first_path);
            Some(baseline::attach(repo, b, path, display, text))
        }
        Err(error) => {
            let message = match &error {
                baseline::BaselineError::Io { message, .. } => {
                    format!("invalid configuration: baseline `{name}` cannot be read: {message}")
                }
                other => format!("invalid configuration: {other}"),
            };
            config.problems.push(config::ConfigProblem {
                span: config.key_span("/baseline").unwrap_or(0..0),
                message,
                help: Some(
                    "write it with `portico check --write-baseline FILE`, or remove `baseline:`"
                        .into(),
                ),
            });
            None
        }
    }
}

/// The name findings give the baseline file: relative to the first PATH when it lies inside
/// it (as the walk names a file), else as given.
fn baseline_display_name(path: &std::path::Path, first_path: Option<&std::path::Path>) -> String {
    let inside = first_path
        .filter(|root| root.is_dir())
        .and_then(|root| Some((root.canonicalize().ok()?, path.canonicalize().ok()?)))
        .filter(|(root, file)| file.starts_with(root));
    match inside {
        Some((root, file)) => load::walk::relative_name(&root, &file),
        None => path.to_string_lossy().replace('\\', "/"),
    }
}

/// `dir`, or `.` when it is empty (the directory of a file named without one).
fn base_dir(dir: &std::path::Path) -> &std::path::Path {
    if dir.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        dir
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
