//! Command-line interface: one file per command, over the arguments in `args` (clap). This
//! module hands each command its arguments and turns the outcome into the exit code: 0 clean,
//! 1 findings at or above the fail level (the commands pick 0 or 1), 2 usage or tool error.

mod args;
mod build;
mod check;
mod explain;
mod inputs;
mod matrix;
mod rules;
mod schema;
mod terminal;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    // clap prints its own usage errors and exits 2.
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Check(args) => check::run(args),
        Command::Matrix(args) => matrix::run(args),
        Command::Build(args) => build::run(args),
        Command::Explain { code } => explain::run(code),
        Command::Schema { kind, out } => schema::run(kind.as_deref(), out.as_deref()),
        Command::Rules { format } => rules::run(*format),
    };
    match outcome {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "portico: error: {message}");
            ExitCode::from(2)
        }
    }
}
