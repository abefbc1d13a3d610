//! `portico build`: check, refuse on errors, compile, validate, then write (or diff with
//! `--check`). Diagnostics go to stderr so that stdout holds only the diff.
//!
//! The output directory is checked before anything is written: never the filesystem root, the
//! working directory, the home directory, an input or an ancestor of one, never a file, never
//! in `.git`, never through a symbolic link inside the repository, and `output:` of
//! portico.yaml (relative to the directory of portico.yaml) never outside the repository
//! (`portico::emit::output`'s module documentation has the whole rule). `--out` is checked
//! before the repository is read.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use portico::CheckRequest;
use portico::emit::output::{Destination, Recovered, check_destination, escaped_path};

use super::args::BuildArgs;
use super::terminal::{human_options, write_stdout};

pub fn run(args: &BuildArgs) -> Result<ExitCode, String> {
    let working_dir =
        std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    // Standard input alone has no repository to take `output:` from, and `-` is no directory
    // to put one in.
    if args.out.is_none() && args.inputs.config.is_none() && args.inputs.only_standard_input() {
        return Err(
            "reading standard input only, there is no repository to take the output directory from: pass --out DIR (or --config FILE with `output:`)".into(),
        );
    }
    // The inputs the output must keep clear of: the PATHs (standard input is none), `.` when
    // there is none, and the configuration file.
    let mut inputs: Vec<PathBuf> = args.inputs.paths_on_disk().cloned().collect();
    if args.inputs.paths.is_empty() {
        inputs.push(PathBuf::from("."));
    }
    inputs.extend(args.inputs.config.iter().cloned());
    // Where portico.yaml is, found as the check will find it: a repository too.
    let first_path = args.inputs.paths_on_disk().next();
    let config_dir = portico::config::locate(
        args.inputs.config.as_deref(),
        first_path.map(|p| p.as_path()),
    )
    .map(|path| match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    });
    let destination = |out: &Path, confined_to: Option<&Path>| {
        check_destination(
            out,
            &Destination {
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
        outputs: args.out.iter().cloned().collect(),
        ..args.inputs.request()
    };
    let portico::Built { result, artifacts } = args.inputs.build(&request)?;
    let mut stderr = std::io::stderr();
    if !result.diagnostics.is_empty() {
        let report = portico::report::human::render(&result, human_options(&stderr));
        let _ = stderr.write_all(report.as_bytes());
    }
    let artifacts = match artifacts {
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
                    escaped_path(Path::new(output))
                ));
            }
            // Relative to the directory of the configuration file that set it.
            let config_dir = config_dir.clone().unwrap_or_else(|| PathBuf::from("."));
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
