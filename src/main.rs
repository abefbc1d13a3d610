//! The `portico` binary: parses arguments, renders, picks the exit code. All work is in the library.

mod cli;

// The pipeline allocates many small strings and nodes on every core; mimalloc's per-thread
// free lists cut glibc malloc's share of a large check (about a fifth of the CPU time) by
// more than half.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
