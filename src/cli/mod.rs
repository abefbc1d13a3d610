//! Command-line interface: arguments (clap), rendering and exit codes (0 clean, 1 findings at
//! or above the fail level, 2 usage or tool error).

mod args;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, Format, MatrixFormat, RulesFormat};
use portico::CheckRequest;
use portico::checks::registry::RULES;
use portico::diagnostic::Severity;
use portico::load::Input;
use portico::report::human::HumanOptions;

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "portico: error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Check(args) => {
            let request = CheckRequest {
                inputs: inputs_of(&args.paths),
                config: args.config.clone(),
                no_ignore: args.no_ignore,
                emit: false,
                select: args.select.clone(),
                ignore: args.ignore.clone(),
                baseline: args.baseline.clone(),
                max_file_bytes: args.max_file_bytes,
                ..CheckRequest::default()
            };
            let result = portico::check(&request).map_err(|e| e.to_string())?;
            if args.timings {
                print_timings(&result.timings);
            }
            if let Some(path) = &args.write_baseline {
                portico::baseline::write(path, &result)
                    .map_err(|e| format!("cannot write the baseline {}: {e}", path.display()))?;
                let _ = writeln!(
                    std::io::stderr(),
                    "recorded {} findings in {}",
                    result.diagnostics.len() + result.baselined.len() + result.capped.len(),
                    path.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let text = match args.format {
                Format::Human => {
                    let color = std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
                    let width = std::env::var("COLUMNS")
                        .ok()
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(100);
                    portico::report::human::render(&result, HumanOptions { color, width })
                }
                Format::Json => portico::report::json::render(&result),
                Format::Sarif => portico::report::sarif::render(&result),
                Format::Github => {
                    append_step_summary(&portico::report::github::summary(&result));
                    portico::report::github::render(&result)
                }
            };
            write_stdout(&text)?;
            let fail_on = match args.fail_on {
                args::FailOn::Error => Severity::Error,
                args::FailOn::Warning => Severity::Warning,
                args::FailOn::Info => Severity::Info,
            };
            let code = if result.fails_at(fail_on) {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
            exit_without_freeing(result);
            Ok(code)
        }
        Command::Matrix(args) => {
            let request = CheckRequest {
                inputs: inputs_of(&args.paths),
                config: args.config.clone(),
                no_ignore: args.no_ignore,
                emit: false,
                max_file_bytes: args.max_file_bytes,
                ..CheckRequest::default()
            };
            let result = portico::check(&request).map_err(|e| e.to_string())?;
            if args.timings {
                print_timings(&result.timings);
            }
            let text = match args.format {
                MatrixFormat::Table => portico::report::matrix::table(&result.matrix),
                MatrixFormat::Markdown => portico::report::matrix::markdown(&result.matrix),
                MatrixFormat::Json => portico::report::matrix::json(&result.matrix),
            };
            write_stdout(&text)?;
            exit_without_freeing(result);
            Ok(ExitCode::SUCCESS)
        }
        Command::Build(args) => build(&args),
        Command::Explain { code } => {
            let rule = portico::checks::rule(&code).ok_or_else(|| {
                let suggestion = portico::suggest::closest(&code, RULES.iter().map(|r| r.code))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                format!("unknown rule code `{code}`{suggestion} (`portico rules` lists them)")
            })?;
            let text = format!(
                "# {} {}\n\nDefault severity: {}\n\n{}",
                rule.code,
                rule.slug,
                rule.default_severity,
                rule.markdown()
            );
            write_stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { kind, out } => {
            use portico::schema::catalog::{SchemaKind, schema_text};
            let names = || {
                SchemaKind::ALL
                    .iter()
                    .map(|k| k.cli_name())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let kinds: Vec<SchemaKind> = match &kind {
                Some(name) => vec![SchemaKind::parse(name).ok_or_else(|| {
                    let suggestion = portico::suggest::closest(
                        name,
                        SchemaKind::ALL.iter().map(|k| k.cli_name()),
                    )
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                    format!("unknown kind `{name}`{suggestion} (kinds: {})", names())
                })?],
                None if out.is_some() => SchemaKind::ALL.to_vec(),
                None => {
                    return Err(format!(
                        "name a kind ({}) or use --out DIR for all of them",
                        names()
                    ));
                }
            };
            match out {
                Some(dir) => {
                    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                    for kind in kinds {
                        let path = dir.join(kind.file_name());
                        std::fs::write(&path, schema_text(kind))
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                        let _ = writeln!(std::io::stderr(), "wrote {}", path.display());
                    }
                }
                None => {
                    for kind in kinds {
                        write_stdout(&schema_text(kind))?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules { format } => {
            let text = match format {
                RulesFormat::Text => {
                    let mut out = String::new();
                    for rule in RULES {
                        out.push_str(&format!(
                            "{:<6} {:<8} {:<36} {}\n",
                            rule.code,
                            rule.default_severity.as_str(),
                            rule.slug,
                            rule.summary()
                        ));
                    }
                    out
                }
                RulesFormat::Json => {
                    let rules: Vec<serde_json::Value> = RULES
                        .iter()
                        .map(|r| {
                            serde_json::json!({
                                "code": r.code,
                                "slug": r.slug,
                                "severity": r.default_severity.as_str(),
                                "summary": r.summary(),
                                "helpUri": portico::report::help_uri(r.code),
                            })
                        })
                        .collect();
                    let mut s = serde_json::to_string_pretty(&rules).map_err(|e| e.to_string())?;
                    s.push('\n');
                    s
                }
            };
            write_stdout(&text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The inputs PATH arguments name, for every command that takes PATHs: `-` is standard input
/// (read by the loader, once however often it is listed, within the size limit), anything else
/// a directory or a file.
fn inputs_of(paths: &[PathBuf]) -> Vec<Input> {
    let mut inputs = Vec::with_capacity(paths.len());
    for path in paths {
        if path.as_os_str() == "-" {
            if !inputs.iter().any(|i| matches!(i, Input::StandardInput)) {
                inputs.push(Input::StandardInput);
            }
        } else {
            inputs.push(Input::Path(path.clone()));
        }
    }
    inputs
}

/// `portico build`: check, refuse on errors, compile, validate, then write (or diff with
/// `--check`). Diagnostics go to stderr so that stdout holds only the diff.
///
/// The output directory is checked before anything is written: never the filesystem root, the
/// working directory, the home directory, an input or an ancestor of one, never a file, never
/// in `.git`, never through a symbolic link inside the repository, and `output:` of
/// portico.yaml (relative to the directory of portico.yaml) never outside the repository
/// (`portico::emit::output`'s module documentation has the whole rule). `--out` is checked
/// before the repository is read.
fn build(args: &args::BuildArgs) -> Result<ExitCode, String> {
    use portico::emit::output::escaped_path;
    let working_dir =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(std::path::PathBuf::from);
    let is_stdin = |p: &std::path::PathBuf| p.as_os_str() == "-";
    // Standard input alone has no repository to take `output:` from, and `-` is no directory
    // to put one in.
    if args.out.is_none()
        && args.config.is_none()
        && !args.paths.is_empty()
        && args.paths.iter().all(is_stdin)
    {
        return Err(
            "reading standard input only, there is no repository to take the output directory from: pass --out DIR (or --config FILE with `output:`)".into(),
        );
    }
    // The inputs the output must keep clear of: the PATHs (standard input is none), `.` when
    // there is none, and the configuration file.
    let mut inputs: Vec<std::path::PathBuf> = args
        .paths
        .iter()
        .filter(|p| !is_stdin(p))
        .cloned()
        .collect();
    if args.paths.is_empty() {
        inputs.push(std::path::PathBuf::from("."));
    }
    inputs.extend(args.config.iter().cloned());
    // Where portico.yaml is, found as the check will find it: a repository too.
    let first_path = args.paths.iter().find(|p| !is_stdin(p));
    let config_dir =
        portico::config::locate(args.config.as_deref(), first_path.map(|p| p.as_path())).map(
            |path| match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            },
        );
    let destination = |out: &std::path::Path, confined_to: Option<&std::path::Path>| {
        portico::emit::output::check_destination(
            out,
            &portico::emit::output::Destination {
                inputs: &inputs,
                working_dir: &working_dir,
                home: home.as_deref(),
                config_dir: config_dir.as_deref(),
                confined_to,
            },
        )
        .map_err(|e| e.to_string())
    };
    let chosen = args
        .out
        .as_ref()
        .map(|out| destination(out, None))
        .transpose()?;
    let request = CheckRequest {
        inputs: inputs_of(&args.paths),
        config: args.config.clone(),
        no_ignore: args.no_ignore,
        emit: true,
        outputs: args.out.iter().cloned().collect(),
        max_file_bytes: args.max_file_bytes,
        ..CheckRequest::default()
    };
    let result = portico::check(&request).map_err(|e| e.to_string())?;
    if args.timings {
        print_timings(&result.timings);
    }
    let color = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    let mut stderr = std::io::stderr();
    if !result.diagnostics.is_empty() {
        let report = portico::report::human::render(&result, HumanOptions { color, width });
        let _ = stderr.write_all(report.as_bytes());
    }
    let artifacts = match result.artifacts {
        None => {
            let _ = writeln!(
                stderr,
                "portico: build refused: the check found errors; nothing was written"
            );
            return Ok(ExitCode::from(1));
        }
        Some(Err(refused @ portico::emit::EmitError::Refused(_))) => {
            let _ = writeln!(stderr, "portico: {refused}\nnothing was written");
            return Ok(ExitCode::from(1));
        }
        Some(Err(e)) => return Err(e.to_string()),
        Some(Ok(artifacts)) => artifacts,
    };
    let (out, resolved) = match (&args.out, chosen, &result.config.settings.output) {
        (Some(out), Some(resolved), _) => (out.clone(), resolved),
        (_, _, Some(output)) => {
            // Checked again here: the finding (PC901) can be turned off in the same file.
            if let Some(problem) = portico::config::output_problem(output) {
                return Err(format!(
                    "refusing to write the build to `output: {}` of portico.yaml: it {problem}; the build output must be a directory inside the repository, or pass `--out DIR`",
                    escaped_path(std::path::Path::new(output))
                ));
            }
            // Relative to the directory of the configuration file that set it.
            let config_dir = config_dir
                .clone()
                .unwrap_or_else(|| std::path::PathBuf::from("."));
            let out = config_dir.join(output);
            let resolved = destination(&out, Some(&config_dir))?;
            (out, resolved)
        }
        (_, _, None) => {
            return Err(
                "no output directory: pass --out DIR or set `output:` in portico.yaml".into(),
            );
        }
    };
    let shown = escaped_path(&out);
    if args.check {
        let comparison =
            portico::emit::output::diff(&resolved, &artifacts).map_err(|e| e.to_string())?;
        if comparison.diff.is_empty() {
            let _ = writeln!(stderr, "{shown} is up to date ({} files)", artifacts.len());
            return Ok(ExitCode::SUCCESS);
        }
        write_stdout(&comparison.diff)?;
        match comparison.refusal {
            Some(refusal) => {
                let _ = writeln!(
                    stderr,
                    "portico: {shown} is out of date, and `portico build` will refuse to replace it: {refusal}"
                );
            }
            None => {
                let _ = writeln!(
                    stderr,
                    "portico: {shown} is out of date: run `portico build` and commit the result"
                );
            }
        }
        return Ok(ExitCode::from(1));
    }
    let written = portico::emit::output::write(&resolved, &artifacts).map_err(|e| e.to_string())?;
    for recovered in &written.recovered {
        use portico::emit::output::Recovered;
        let _ = match recovered {
            Recovered::Restored { from } => writeln!(
                stderr,
                "portico: restored the previous build from {}, left by a build that was interrupted",
                escaped_path(from)
            ),
            Recovered::Removed { path } => writeln!(
                stderr,
                "portico: deleted {}, left by a build that was interrupted",
                escaped_path(path)
            ),
            // The entries are shown escaped already.
            Recovered::LeftAlone { path, foreign } => writeln!(
                stderr,
                "portico: warning: left {} alone: it holds files portico did not write ({}); delete it yourself once it is not needed",
                escaped_path(path),
                if foreign.entries.is_empty() {
                    "no build marker".to_string()
                } else {
                    foreign.entries.join(", ")
                }
            ),
        };
    }
    let _ = writeln!(stderr, "wrote {} files to {shown}", written.files);
    Ok(ExitCode::SUCCESS)
}

/// Appends the job summary to the file GitHub Actions names in `GITHUB_STEP_SUMMARY`. Outside
/// Actions (the variable unset or empty) there is nowhere to put it. A summary that cannot be
/// written is reported on stderr and does not change the exit code: the annotations and the
/// exit code still carry the findings.
fn append_step_summary(markdown: &str) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(markdown.as_bytes()));
    if let Err(e) = written {
        let _ = writeln!(
            std::io::stderr(),
            "portico: warning: cannot write the job summary to {}: {e}",
            std::path::Path::new(&path).display()
        );
    }
}

/// Hands the result to the process exit instead of freeing it: the trees of a large repository
/// are millions of small allocations, and freeing them one by one costs about a tenth of the
/// run, while the operating system takes the whole heap back at once when the process ends.
fn exit_without_freeing(result: portico::CheckResult) {
    std::mem::forget(result);
}

/// `--timings`: one line per pipeline stage on stderr, then the total.
fn print_timings(timings: &portico::Timings) {
    let mut text = String::new();
    let mut total = std::time::Duration::ZERO;
    let mib = |bytes: Option<u64>| {
        bytes.map_or_else(String::new, |b| {
            format!("{:>7.1} MiB peak  ", b as f64 / (1024.0 * 1024.0))
        })
    };
    for stage in &timings.stages {
        total += stage.took;
        text.push_str(&format!(
            "{:>9.1} ms  {}{}\n",
            stage.took.as_secs_f64() * 1e3,
            mib(stage.peak_resident_bytes),
            stage.name
        ));
    }
    let peak = timings.stages.last().and_then(|s| s.peak_resident_bytes);
    text.push_str(&format!(
        "{:>9.1} ms  {}total\n",
        total.as_secs_f64() * 1e3,
        mib(peak)
    ));
    let _ = std::io::stderr().write_all(text.as_bytes());
}

fn write_stdout(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`portico check | head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| e.to_string()),
    }
}
