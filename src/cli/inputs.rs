//! The inputs `check`, `matrix` and `build` share (PATHs, `--config`, `--no-ignore`,
//! `--max-file-bytes`, `--timings`), the one place that turns them into a
//! [`portico::CheckRequest`], and the run of the check on it.

use std::io::Write;
use std::path::{Path, PathBuf};

use portico::load::Input;
use portico::{CheckRequest, CheckResult, Timings};

/// The arguments every command that reads the repository takes, flattened into each command's
/// arguments (`#[command(flatten)]`), so that `-` and the limits mean the same everywhere.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Directories (walked) or files (always read); `-` for standard input.
    pub paths: Vec<PathBuf>,
    /// Configuration file (default: portico.yaml at the first PATH).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Also read files that .gitignore and .ignore exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Print the time each pipeline stage took (and, on Linux, the peak memory when it ended) to stderr.
    #[arg(long)]
    pub timings: bool,
    /// Refuse to read files over this many bytes (default: `maxFileBytes` of portico.yaml,
    /// else 16 MiB); such a file is reported (PC005) and the rest is still checked.
    #[arg(long, value_name = "BYTES")]
    pub max_file_bytes: Option<u64>,
}

impl InputArgs {
    /// The request these arguments make; a command sets its own fields (`select`, `emit`, …)
    /// on top with `..inputs.request()`.
    ///
    /// `-` is standard input (read by the loader, once however often it is listed, within the
    /// size limit), anything else a directory or a file.
    pub fn request(&self) -> CheckRequest {
        let mut inputs = Vec::with_capacity(self.paths.len());
        for path in &self.paths {
            if is_standard_input(path) {
                if !inputs.iter().any(|i| matches!(i, Input::StandardInput)) {
                    inputs.push(Input::StandardInput);
                }
            } else {
                inputs.push(Input::Path(path.clone()));
            }
        }
        CheckRequest {
            inputs,
            config: self.config.clone(),
            no_ignore: self.no_ignore,
            max_file_bytes: self.max_file_bytes,
            ..CheckRequest::default()
        }
    }

    /// Runs the check, then prints `--timings` when asked.
    pub fn check(&self, request: &CheckRequest) -> Result<CheckResult, String> {
        let result = portico::check(request).map_err(|e| e.to_string())?;
        if self.timings {
            print_timings(&result.timings);
        }
        Ok(result)
    }

    /// Runs the build (check, then artifacts), then prints `--timings` when asked.
    pub fn build(&self, request: &CheckRequest) -> Result<portico::Built, String> {
        let built = portico::build(request).map_err(|e| e.to_string())?;
        if self.timings {
            print_timings(&built.result.timings);
        }
        Ok(built)
    }

    /// Whether the PATHs name standard input and nothing else (none at all means `.`).
    pub fn only_standard_input(&self) -> bool {
        !self.paths.is_empty() && self.paths.iter().all(|p| is_standard_input(p))
    }

    /// The PATHs that name a file or a directory, in command-line order.
    pub fn paths_on_disk(&self) -> impl Iterator<Item = &PathBuf> {
        self.paths.iter().filter(|p| !is_standard_input(p))
    }
}

fn is_standard_input(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Hands the result to the process exit instead of freeing it: the trees of a large repository
/// are millions of small allocations, and freeing them one by one costs about a tenth of the
/// run, while the operating system takes the whole heap back at once when the process ends.
pub fn exit_without_freeing(result: CheckResult) {
    std::mem::forget(result);
}

/// `--timings`: one line per pipeline stage on stderr, then the total.
fn print_timings(timings: &Timings) {
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
