//! The stages of a run, in order, each a function that records its own time: [`load`] reads
//! and models the repository (load, schema and model, with the rules that read whole trees),
//! [`analyze`] computes what rules, the access matrix and the emitter share (index, selections,
//! Rego, facts, matrix), [`lint`] runs the rules, [`triage`] applies suppressions and the
//! baseline, and [`emit`] compiles the artifacts. [`crate::check`] and [`crate::build`] are
//! these calls in sequence.

use std::path::{Path, PathBuf};

use crate::access::{self, Matrix};
use crate::checks::{self, Levels};
use crate::config::{self, Config};
use crate::diagnostic::{Diagnostic, Severity};
use crate::load::walk::WalkOptions;
use crate::load::{self, Input, LoadOptions, Repo};
use crate::model::facts::{Facts, FactsInput};
use crate::model::index::Index;
use crate::model::scopes::LoadedSource;
use crate::model::selection::PolicySelection;
use crate::model::{self, Model};
use crate::triage::{self, Triaged, baseline};
use crate::{CheckRequest, Error, Timings, emit, findings_cap, rego};

/// Why the repository is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `portico check`.
    Check,
    /// `portico build`: the rules whose findings make artifacts wrong run even where
    /// portico.yaml turns them off; what they find refuses the build instead of being reported.
    Build,
}

/// The repository read and modelled.
#[derive(Debug)]
pub struct Loaded {
    /// Files and documents.
    pub repo: Repo,
    /// The configuration, validated.
    pub config: Config,
    /// The typed resources.
    pub model: Model,
    /// The identity providers' scope sources, read.
    pub scope_sources: Vec<LoadedSource>,
    /// What the rules that read whole trees found while the files were modelled.
    pub tree_findings: Vec<Diagnostic>,
    /// Which rules run, at which severity.
    pub levels: Levels,
    /// Codes portico.yaml turns off that a build runs anyway ([`Purpose::Build`]).
    pub turned_off: Vec<String>,
    /// The baseline, when the run has one.
    pub baseline: Option<baseline::Loaded>,
}

/// What rules, the access matrix and the emitter share, computed once.
#[derive(Debug)]
pub struct Analysis {
    /// Resolved routes.
    pub index: Index,
    /// Which routes each policy selects.
    pub selections: Vec<PolicySelection>,
    /// The Rego modules, parsed, and the `opaAuth` steps using them.
    pub rego: rego::Analysis,
    /// Links, inventories, protected products, JWKS analyses, flattened delegation.
    pub facts: Facts,
    /// The access matrix.
    pub matrix: Matrix,
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

/// Stages 1–3: reads every input, validates and models each file as soon as it is parsed
/// (running the rules that read whole trees on it), attaches the baseline, reads the scope
/// sources and joins the model.
///
/// # Errors
/// When an input path, the named configuration file or the named baseline does not exist, the
/// baseline cannot be read, or `select`/`ignore` name an unknown code.
pub fn load(
    request: &CheckRequest,
    purpose: Purpose,
    timings: &mut Timings,
) -> Result<Loaded, Error> {
    let select = parse_selectors("select", &request.select)?;
    let ignore = parse_selectors("ignore", &request.ignore)?;
    let inputs = if request.inputs.is_empty() {
        vec![Input::Path(PathBuf::from("."))]
    } else {
        request.inputs.clone()
    };
    let first_path = inputs.iter().find_map(|i| match i {
        Input::Path(p) => Some(p.clone()),
        Input::Stdin(_) | Input::StandardInput => None,
    });
    let mut repo = Repo::default();
    let (mut config, config_path) = configuration(request, first_path.as_deref(), &mut repo)?;
    // `output:` is relative to the directory of portico.yaml, and only one inside it counts.
    let config_dir = config_path
        .as_deref()
        .and_then(Path::parent)
        .map(PathBuf::from)
        .unwrap_or_default();
    // The baseline is portico's own file, not configuration: like the configuration file it
    // is not an input, even where a walk meets it.
    let baseline_path = request
        .baseline
        .clone()
        .or_else(|| config.baseline_path.clone());
    let options = LoadOptions {
        inputs,
        walk: walk_options(request, &config, &config_dir),
        max_file_bytes: request
            .max_file_bytes
            .or(config.settings.max_file_bytes)
            .unwrap_or(load::DEFAULT_MAX_FILE_BYTES),
        excluded: config_path.iter().chain(&baseline_path).cloned().collect(),
    };
    // Read within the run's size limit, before anything else: a baseline named on the command
    // line that cannot be used stops the run.
    let requested_baseline = request
        .baseline
        .as_ref()
        .map(|path| {
            baseline::read_within(path, options.max_file_bytes)
                .map(|(b, text)| (path.clone(), b, text))
        })
        .transpose()?;
    let (levels, turned_off) = levels(&config, purpose, select, ignore);
    let tree_rules = checks::tree_rules(&levels);
    let gloo_version = config.settings.gloo.version();
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
        model::build_file(source, documents, gloo_version, &check_trees)
    };
    let mut parts: Vec<(Model, Vec<Diagnostic>)> = load::load_with(&options, &mut repo, &per_file)?
        .into_iter()
        .map(|loaded| loaded.part)
        .collect();
    timings.mark("load");
    let baseline = match requested_baseline {
        Some((path, b, text)) => {
            let display = baseline_display_name(&path, first_path.as_deref());
            Some(baseline::attach(&mut repo, b, &path, display, text))
        }
        None => baseline_path.and_then(|path| {
            config_baseline(
                &mut config,
                &path,
                first_path.as_deref(),
                options.max_file_bytes,
                &mut repo,
            )
        }),
    };
    // Scope sources are read only from inside the repository: the directory of portico.yaml
    // and the first PATH.
    let repository_roots: Vec<PathBuf> = std::iter::once(config_dir.clone())
        .chain(first_path.clone().filter(|p| p.is_dir()))
        .collect();
    let (scope_sources, scope_parts) = model::scopes::load_sources(
        &mut repo,
        &config.settings.identity_providers,
        &config_dir,
        &repository_roots,
        options.max_file_bytes,
        &per_file,
    );
    parts.extend(scope_parts.into_iter().map(|loaded| loaded.part));
    timings.mark("scope sources");
    let (model, tree_findings) = model::build(&mut repo, parts);
    timings.mark("model and schema");
    Ok(Loaded {
        repo,
        config,
        model,
        scope_sources,
        tree_findings,
        levels,
        turned_off,
        baseline,
    })
}

/// The configuration file (named, or `portico.yaml` at the first PATH) validated, and its
/// path.
fn configuration(
    request: &CheckRequest,
    first_path: Option<&Path>,
    repo: &mut Repo,
) -> Result<(Config, Option<PathBuf>), Error> {
    if let Some(explicit) = &request.config
        && !explicit.is_file()
    {
        return Err(Error::ConfigNotFound(explicit.clone()));
    }
    let config_path = config::locate(request.config.as_deref(), first_path);
    let mut config = match &config_path {
        Some(path) => {
            let display = match (&request.config, first_path) {
                (None, Some(root)) => load::walk::relative_name(root, path),
                _ => path.to_string_lossy().replace('\\', "/"),
            };
            config::load_in(path, display, first_path, repo)
        }
        None => Config::default(),
    };
    config.resolve_codes(|code| checks::rule(code).is_some_and(|rule| rule.code == code));
    Ok((config, config_path))
}

/// What the walk skips: `ignore:` of portico.yaml, and the build output directories.
fn walk_options(request: &CheckRequest, config: &Config, config_dir: &Path) -> WalkOptions {
    WalkOptions {
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
    }
}

/// The rules' levels, and for a build the codes portico.yaml turns off that break artifacts
/// (they run; what they find refuses the build).
fn levels(
    config: &Config,
    purpose: Purpose,
    select: Vec<String>,
    ignore: Vec<String>,
) -> (Levels, Vec<String>) {
    let turned_off: Vec<String> = match purpose {
        Purpose::Build => config
            .settings
            .rules
            .iter()
            .filter(|(code, level)| {
                **level == config::RuleLevel::Off && emit::breaks_artifacts(code).is_some()
            })
            .map(|(code, _)| code.clone())
            .collect(),
        Purpose::Check => Vec::new(),
    };
    let mut rule_levels = config.settings.rules.clone();
    rule_levels.retain(|code, _| !turned_off.contains(code));
    let levels = Levels::new(rule_levels).with_selection(select, ignore);
    (levels, turned_off)
}

/// Stage 3b: the facts rules, the matrix and the emitter share, each computed once.
#[must_use]
pub fn analyze(loaded: &Loaded, timings: &mut Timings) -> Analysis {
    let model = &loaded.model;
    let providers = &loaded.config.settings.identity_providers;
    let index = Index::build(model);
    let selections = model::selection::select_all(model, &index);
    let facts = Facts::build(&FactsInput {
        model,
        index: &index,
        selections: &selections,
        providers,
        scope_sources: &loaded.scope_sources,
        gloo_version: loaded.config.settings.gloo.version(),
    });
    timings.mark("index and selection");
    let rego = rego::Analysis::build(
        &loaded.repo,
        model,
        loaded.config.settings.rego.version.into(),
    );
    timings.mark("rego");
    let matrix = access::evaluate(&access::MatrixInput {
        model,
        index: &index,
        selections: &selections,
        rego: &rego,
        providers,
        facts: &facts,
    });
    timings.mark("matrix");
    Analysis {
        index,
        selections,
        rego,
        facts,
        matrix,
    }
}

/// The rules that report something missing (a selector matching nothing, a reference to
/// nothing, a product route no policy protects): another unit may hold it.
const ABSENCE_CODES: [&str; 5] = ["PC201", "PC202", "PC203", "PC204", "PC301"];

/// Stage 4 for a repository of deploy units ([`model::kustomize`]): each unit is checked as
/// its own repository, and so is the plain part of the tree (the files of no unit); a finding
/// several of them make is reported once. `None` when the repository has no unit: then
/// [`lint`] checks it whole, exactly as before units existed.
#[must_use]
pub fn lint_by_unit(loaded: &mut Loaded, timings: &mut Timings) -> Option<Vec<Diagnostic>> {
    let units = model::kustomize::discover(&loaded.repo, &loaded.config.settings.units);
    if units.is_empty() {
        return None;
    }
    timings.mark("deploy units");
    // What the rules about an object's structure (PC1xx) found in a unit's files as read
    // is not what the unit deploys: a patch is a partial object, and a base may be completed
    // by its overlay. They run again on the rendered documents (below); the rules about text
    // (YAML 1.1 scalars, placeholders, credentials) keep what they found in each file.
    let structural = |d: &Diagnostic| d.code.starts_with("PC1");
    let mut found: Vec<Diagnostic> = std::mem::take(&mut loaded.tree_findings)
        .into_iter()
        .filter(|d| !(structural(d) && units.claimed.contains(&d.finding.span.file)))
        .collect();
    let tree_rules = checks::tree_rules(&loaded.levels);
    for unit in &units.units {
        let mut documents = unit.documents();
        documents.sort_by_key(load::LoadedDocument::id);
        for group in documents.chunk_by_mut(|a, b| a.file == b.file) {
            let Some(file) = group.first().map(|d| d.file) else {
                continue;
            };
            let source = loaded.repo.sources.get(file);
            let (_, in_unit) = model::build_file(
                source,
                group,
                loaded.config.settings.gloo.version(),
                &|source, documents, part| {
                    checks::run_trees(
                        &checks::TreeContext {
                            source,
                            documents,
                            model: part,
                        },
                        &tree_rules,
                    )
                },
            );
            found.extend(in_unit.into_iter().filter(structural));
        }
    }
    let whole = std::mem::take(&mut loaded.model);
    let context_files: std::collections::HashSet<load::source::FileId> = loaded
        .repo
        .sources
        .iter()
        .filter(|(id, source)| units.is_context(&source.name, *id))
        .map(|(id, _)| id)
        .collect();
    let is_context = |file: load::source::FileId| context_files.contains(&file);
    let context = whole.subset(&is_context);
    // The files a unit leaves out in its own directory (an older version, a `non-active/`
    // folder, a file listed only in a comment) are checked by directory: those of one
    // kustomization's directory together (with the context), never with another's.
    let mut left_out: std::collections::BTreeMap<&str, Vec<load::source::FileId>> =
        std::collections::BTreeMap::new();
    for (id, source) in loaded.repo.sources.iter() {
        if !units.claimed.contains(&id)
            && !is_context(id)
            && let Some(dir) = units.nearest_unit_dir(&source.name)
        {
            left_out.entry(dir).or_default().push(id);
        }
    }
    let mut checked_units = 0;
    for unit in &units.units {
        let mut model = Model::of_unit(&loaded.repo, unit, loaded.config.settings.gloo.version());
        // A unit deploying nothing portico models (most units of a catalog deploy workloads)
        // has nothing to report that the plain part does not.
        if model.is_empty() {
            continue;
        }
        checked_units += 1;
        model.add_context(context.subset(&|_| true));
        loaded.model = model;
        let analysis = analyze(loaded, &mut Timings::default());
        let unit_files: std::collections::HashSet<load::source::FileId> =
            unit.resources.iter().map(|r| r.file).collect();
        found.extend(lint(
            loaded,
            &analysis,
            &mut Timings::default(),
            Some(&unit_files),
        ));
    }
    let mut plain_parts = vec![context.subset(&|_| true)];
    if let Some(first) = plain_parts.first_mut() {
        first.unit_problems = units.problems.clone();
    }
    for files in left_out.values() {
        if whole.subset(&|file| files.contains(&file)).is_empty() {
            continue;
        }
        plain_parts.push(whole.subset(&|file| is_context(file) || files.contains(&file)));
    }
    for (index, part) in plain_parts.into_iter().enumerate() {
        loaded.model = part;
        let analysis = analyze(loaded, &mut Timings::default());
        // The files deployed next to the units are reported from the units' checks, which
        // see them with what each unit deploys; alone they are reported only when no unit
        // was checked. The files a kustomization leaves out (the parts after the first) are
        // deployed by nothing: what they are wrong about in themselves is reported, but not
        // that what they reference or select is missing, since nothing says what they would
        // be deployed with.
        let left_out = index > 0;
        found.extend(
            lint(loaded, &analysis, &mut Timings::default(), None)
                .into_iter()
                .filter(|d| checked_units == 0 || !is_context(d.finding.span.file))
                .filter(|d| !(left_out && ABSENCE_CODES.contains(&d.code))),
        );
    }
    loaded.model = whole;
    // Units of one repository are often deployed into one cluster (one Argo CD application
    // each): what one unit references or selects may be another's. A finding that something
    // is missing is kept only when it is missing from the whole repository too. Compared by
    // line: the whole repository may word the same absence differently ("no route has a
    // label `team`" at the key, where the unit says "no route has label `team: pet`" at the
    // value).
    let analysis = analyze(loaded, &mut Timings::default());
    let overall = lint(loaded, &analysis, &mut Timings::default(), None);
    let line_of = |d: &Diagnostic| {
        let file = d.finding.span.file;
        let line = loaded
            .repo
            .sources
            .get(file)
            .line_col(d.finding.span.range.start)
            .line;
        (d.code, file, line)
    };
    let missing_overall: std::collections::HashSet<_> = overall
        .iter()
        .filter(|d| ABSENCE_CODES.contains(&d.code))
        .map(line_of)
        .collect();
    found.retain(|d| !ABSENCE_CODES.contains(&d.code) || missing_overall.contains(&line_of(d)));
    // A file in several units, and the repository-wide findings (YAML, configuration), are
    // found once per unit: each is reported once.
    let mut seen = std::collections::HashSet::new();
    found.retain(|d| {
        seen.insert((
            d.code,
            d.finding.span.file,
            d.finding.span.range.clone(),
            d.finding.message.clone(),
        ))
    });
    timings.mark("checks");
    Some(found)
}

/// Stage 4: every rule that reads the whole repository, with what the tree rules found.
/// `unit_files` are the files of the kustomize unit the model holds, when it holds one (their
/// documents are applied as one).
#[must_use]
pub fn lint(
    loaded: &mut Loaded,
    analysis: &Analysis,
    timings: &mut Timings,
    unit_files: Option<&std::collections::HashSet<load::source::FileId>>,
) -> Vec<Diagnostic> {
    let mut found = std::mem::take(&mut loaded.tree_findings);
    let ctx = checks::Context {
        repo: &loaded.repo,
        model: &loaded.model,
        index: &analysis.index,
        selections: &analysis.selections,
        config: &loaded.config,
        scope_sources: &loaded.scope_sources,
        rego: &analysis.rego,
        matrix: &analysis.matrix,
        facts: &analysis.facts,
        unit_files,
    };
    found.extend(checks::run(&ctx, &loaded.levels));
    timings.mark("checks");
    found
}

/// Stage 5: suppressions and the baseline ([`crate::triage`]), then the cap on findings per
/// rule; a build's turned-off findings are set apart.
#[must_use]
pub fn triage(
    loaded: &Loaded,
    analysis: &Analysis,
    found: Vec<Diagnostic>,
    timings: &mut Timings,
) -> Outcome {
    let Triaged {
        kept,
        suppressed,
        baselined,
    } = triage::apply(
        found,
        &triage::TriageInput {
            repo: &loaded.repo,
            model: &loaded.model,
            rego: &analysis.rego,
            config: &loaded.config,
            levels: &loaded.levels,
            baseline: loaded.baseline.as_ref(),
        },
    );
    let (diagnostics, capped) = findings_cap::apply(kept);
    let (turned_off, diagnostics): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
        .into_iter()
        .partition(|d| loaded.turned_off.iter().any(|c| c == d.code));
    timings.mark("triage");
    Outcome {
        diagnostics,
        suppressed,
        baselined,
        capped,
        turned_off,
    }
}

/// The findings of a run after triage.
#[derive(Debug, Default)]
pub struct Outcome {
    /// What the run reports, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// What suppressions removed.
    pub suppressed: Vec<triage::suppression::Suppressed>,
    /// What the baseline holds.
    pub baselined: Vec<Diagnostic>,
    /// What the cap on findings per rule left out.
    pub capped: Vec<Diagnostic>,
    /// What rules portico.yaml turns off found in a build (they break artifacts).
    pub turned_off: Vec<Diagnostic>,
}

/// Stage 6: the artifacts, unless the check found an error or a finding that breaks them.
///
/// # Errors
/// [`emit::EmitError::Refused`] with the findings that refuse the build, or what emitting met.
pub fn emit(
    loaded: &Loaded,
    analysis: &Analysis,
    outcome: &Outcome,
    timings: &mut Timings,
) -> Option<Result<emit::Artifacts, emit::EmitError>> {
    let artifacts = (!outcome
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error))
    .then(|| {
        let refusals = emit::refusals(
            &loaded.repo,
            &outcome.diagnostics,
            &outcome.suppressed,
            &outcome.baselined,
            &outcome.turned_off,
        );
        if !refusals.is_empty() {
            return Err(emit::EmitError::Refused(refusals));
        }
        emit::emit(&emit::EmitInput {
            repo: &loaded.repo,
            model: &loaded.model,
            index: &analysis.index,
            selections: &analysis.selections,
            rego: &analysis.rego,
            facts: &analysis.facts,
        })
    });
    timings.mark("emit");
    artifacts
}

/// The baseline at `path` (named by `baseline:` in `portico.yaml`), loaded; a missing or
/// unreadable one is a configuration problem (PC901), and the run goes on without.
fn config_baseline(
    config: &mut Config,
    path: &Path,
    first_path: Option<&Path>,
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
fn baseline_display_name(path: &Path, first_path: Option<&Path>) -> String {
    let inside = first_path
        .filter(|root| root.is_dir())
        .and_then(|root| Some((root.canonicalize().ok()?, path.canonicalize().ok()?)))
        .filter(|(root, file)| file.starts_with(root));
    match inside {
        Some((root, file)) => load::walk::relative_name(&root, &file),
        None => path.to_string_lossy().replace('\\', "/"),
    }
}
