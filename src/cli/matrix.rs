//! `portico matrix`: the access matrix of the API products (who each route lets in) as a
//! table, Markdown or JSON on stdout. Findings do not change the exit code.

use std::process::ExitCode;

use super::args::{MatrixArgs, MatrixFormat};
use super::inputs::exit_without_freeing;
use super::terminal::write_stdout;

pub fn run(args: &MatrixArgs) -> Result<ExitCode, String> {
    let result = args.inputs.check(&args.inputs.request())?;
    let text = match args.format {
        MatrixFormat::Table => portico::report::matrix::table(&result.analysis.matrix),
        MatrixFormat::Markdown => portico::report::matrix::markdown(&result.analysis.matrix),
        MatrixFormat::Json => portico::report::matrix::json(&result.analysis.matrix),
    };
    write_stdout(&text)?;
    exit_without_freeing(result);
    Ok(ExitCode::SUCCESS)
}
