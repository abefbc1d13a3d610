//! The `portico` binary: parses arguments, renders, picks the exit code. All work is in the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
