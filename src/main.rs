//! The `portico` binary: parses arguments, renders, picks the exit code. All work is in the library.

mod cli;

// The pipeline allocates many small strings and nodes on every core; mimalloc's per-thread
// free lists cut glibc malloc's share of a large check (about a fifth of the CPU time) by
// more than half.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    print_only_the_first_panic();
    cli::main()
}

/// A panic inside the library's panic boundary (a third-party parser or evaluator failing on
/// some input) becomes a diagnostic, but the default hook still prints every one: a Rego
/// module that panicked on every input would print thousands of identical reports. The first
/// is printed, for the bug report.
fn print_only_the_first_panic() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let default = std::panic::take_hook();
    let printed = AtomicBool::new(false);
    std::panic::set_hook(Box::new(move |info| {
        if !printed.swap(true, Ordering::Relaxed) {
            default(info);
        }
    }));
}
