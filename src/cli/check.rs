//! `portico check`: the report in the chosen format on stdout, exit 1 when a finding reaches
//! `--fail-on`; or, with `--write-baseline`, the findings recorded in a baseline file.

use std::io::Write;
use std::process::ExitCode;

use portico::CheckRequest;
use portico::diagnostic::Severity;

use super::args::{CheckArgs, FailOn, Format};
use super::inputs::exit_without_freeing;
use super::terminal::{human_options, write_stdout};

pub fn run(args: &CheckArgs) -> Result<ExitCode, String> {
    let request = CheckRequest {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        baseline: args.baseline.clone(),
        ..args.inputs.request()
    };
    let result = args.inputs.check(&request)?;
    if let Some(path) = &args.write_baseline {
        portico::triage::baseline::write_baseline(path, &result.baseline())
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
        Format::Human => portico::report::human::render(&result, human_options(&std::io::stdout())),
        Format::Json => portico::report::json::render(&result),
        Format::Sarif => portico::report::sarif::render(&result),
        Format::Github => {
            append_step_summary(&portico::report::github::summary(&result));
            portico::report::github::render(&result)
        }
    };
    write_stdout(&text)?;
    let fail_on = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    let code = if result.fails_at(fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    exit_without_freeing(result);
    Ok(code)
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
