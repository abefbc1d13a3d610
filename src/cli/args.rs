//! The command line clap parses: the commands, their options and help text. The inputs that
//! `check`, `matrix` and `build` share are one [`InputArgs`], flattened into each.
//!
//! The help lists options in the order they are declared here, flattened ones where the
//! `flatten` stands.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::inputs::InputArgs;

/// Compiler and static linter for Gloo Platform API-gateway auth configuration.
#[derive(Debug, Parser)]
#[command(name = "portico", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration under PATHs (default `.`); `-` reads YAML from standard input.
    Check(CheckArgs),
    /// Evaluate every API-product route's policy for token profiles (no scope, each product
    /// scope, all of them) and print who is allowed.
    Matrix(MatrixArgs),
    /// Compile the repository into AuthConfigs and Envoy configuration under DIR (refused when
    /// the check finds errors); `--check` writes nothing and prints the diff.
    Build(BuildArgs),
    /// Print the documentation of a rule.
    Explain {
        /// Rule code, e.g. PC201.
        code: String,
    },
    /// Print the JSON Schema of a kind (routetable, extauthpolicy, extauthserver, authconfig,
    /// config), or write every schema to a directory.
    Schema {
        /// The kind; omitted with --out, every kind.
        kind: Option<String>,
        /// Write `<kind>.schema.json` files into this directory instead of printing.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List every rule.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Run only these rules: codes or code prefixes (`PC5` = the Rego stage); comma-separated
    /// or repeated.
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Do not run these rules (codes or prefixes, as --select).
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Report only findings not recorded in this baseline file, and its entries that no longer
    /// occur (PC906).
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE (fingerprints without line numbers) and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct MatrixArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = MatrixFormat::Table)]
    pub format: MatrixFormat,
    #[command(flatten)]
    pub inputs: InputArgs,
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// Output directory (default: `output:` of portico.yaml, relative to its directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write nothing; print a unified diff of what would change and exit 1 on drift.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub inputs: InputArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MatrixFormat {
    /// Aligned columns for a terminal.
    Table,
    /// A Markdown table for a pull-request comment.
    Markdown,
    /// The JSON document (version 1).
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// Code frames for people.
    Human,
    /// The JSON report, version 1.
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub `upload-sarif`, GitLab, IDEs).
    Sarif,
    /// GitHub Actions workflow commands (annotations), plus a job summary when
    /// `GITHUB_STEP_SUMMARY` is set.
    Github,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FailOn {
    /// Fail on errors only.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Info,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RulesFormat {
    /// A table.
    Text,
    /// A JSON array: code, slug, severity, summary and helpUri of each rule.
    Json,
}
