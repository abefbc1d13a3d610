//! The large-repository benchmark: `cargo bench --bench pipeline [-- SIZES…]` writes synthetic
//! repositories (see `synthetic`) of several sizes and times, for each:
//! - a parse-only pass (walk, read, YAML trees) over the same files;
//! - `check`, `matrix` and `build` through the library (best of several runs), with the time
//!   per pipeline stage;
//! - `portico check` as a fresh process, which is what a pre-commit hook or CI job waits for;
//! - throughput, and the peak memory of one check (measured in a child process per size, so
//!   that sizes do not inherit each other's high-water mark).
//!
//! Sizes are numbers of API products (route tables of 4 routes); the default goes up to the
//! PRODUCT §8 target of 5,000.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used
)]

#[path = "synthetic/mod.rs"]
mod synthetic;

// The allocator of the `portico` binary, so that the in-process numbers match it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use portico::load::walk::WalkOptions;
use portico::load::{Input, LoadOptions, Repo};

/// Peak resident memory of this process so far, in MiB.
fn peak_mib() -> Option<f64> {
    portico::peak_resident_bytes().map(|b| b as f64 / (1024.0 * 1024.0))
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let out = f();
        best = best.min(started.elapsed());
        last = Some(out);
    }
    (best, last.expect("at least one run"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--peak")
        .and_then(|i| args.get(i + 1))
    {
        peak_child(Path::new(dir));
        return;
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![500, 1000, 5000]
    } else {
        sizes
    };
    println!(
        "{:>8} {:>7} {:>5} {:>5} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6} {:>7} {:>6} {:>9} {:>8} {:>6}",
        "products",
        "routes",
        "files",
        "MB",
        "parse ms",
        "check ms",
        "matrix",
        "build ms",
        "cli ms",
        "ratio",
        "docs/s",
        "MB/s",
        "decisions",
        "peak MiB",
        "×input"
    );
    let mut stage_lines = Vec::new();
    for products in sizes {
        let dir = tempfile::tempdir().expect("temporary directory");
        let size = synthetic::Size::scaled(products);
        let files = synthetic::write_repo(dir.path(), size).expect("write repository");
        let bytes = walk_bytes(dir.path());
        let runs = if products >= 5000 { 3 } else { 5 };
        let (parse, repo) = best_of(runs, || {
            let mut repo = Repo::default();
            let options = LoadOptions {
                inputs: vec![Input::Path(dir.path().to_path_buf())],
                walk: WalkOptions::default(),
                max_file_bytes: portico::load::DEFAULT_MAX_FILE_BYTES,
                excluded: Vec::new(),
            };
            portico::load::load(&options, &mut repo).expect("load");
            repo
        });
        let request = portico::CheckRequest {
            inputs: vec![Input::Path(dir.path().to_path_buf())],
            ..Default::default()
        };
        let (check, result) = best_of(runs, || portico::check(&request).expect("check"));
        assert_eq!(
            result.summary.errors, 0,
            "the synthetic repository must be clean"
        );
        // A clean check releases the trees after the rules that read them and never parses a
        // file again: the memory bound below depends on it.
        assert_eq!(
            result.repo.reparsed_files(),
            Vec::new(),
            "a clean check parsed files again"
        );
        // `portico matrix`: the check plus the JSON document.
        let (matrix, _) = best_of(runs, || {
            let result = portico::check(&request).expect("check");
            portico::report::matrix::json(&result.analysis.matrix)
        });
        // `portico build`: the check plus emitting, validating and writing the artifacts.
        let out = tempfile::tempdir().expect("output directory");
        let (build, artifacts) = best_of(runs, || {
            let built = portico::build(&request).expect("build");
            let artifacts = built
                .artifacts
                .expect("artifacts")
                .expect("the build succeeds");
            portico::emit::write(out.path(), &artifacts).expect("write");
            artifacts.len()
        });
        assert!(artifacts > 0);
        let cli = cli_check(dir.path(), runs);
        let peak = child_peak(dir.path());
        let docs = repo.documents.len();
        println!(
            "{:>8} {:>7} {:>5} {:>5.1} {:>8.0} {:>8.0} {:>8.0} {:>8.0} {:>8} {:>6.2} {:>7.0} {:>6.1} {:>9} {:>8} {:>6}",
            products,
            products * size.routes_per_product,
            files,
            bytes as f64 / 1e6,
            ms(parse),
            ms(check),
            ms(matrix),
            ms(build),
            cli.map_or_else(|| "-".to_string(), |d| format!("{:.0}", ms(d))),
            check.as_secs_f64() / parse.as_secs_f64(),
            docs as f64 / check.as_secs_f64(),
            bytes as f64 / 1e6 / check.as_secs_f64(),
            result.analysis.matrix.decisions.len(),
            peak.map_or_else(|| "-".to_string(), |p| format!("{p:.0}")),
            peak.map_or_else(
                || "-".to_string(),
                |p| format!("{:.0}", p * 1024.0 * 1024.0 / bytes as f64)
            ),
        );
        // PRODUCT §8: peak memory within a small multiple of the input. At the target size it
        // was 30× before the tree and the model were made compact, and is about 11× now that
        // each file's trees are released as soon as it is modelled; this bound catches a
        // regression of any.
        if products >= 5000
            && let Some(peak) = peak
        {
            assert!(
                peak * 1024.0 * 1024.0 < 14.0 * bytes as f64,
                "peak memory {peak:.0} MiB is more than 14× the {bytes} input bytes"
            );
        }
        let stages: Vec<String> = result
            .timings
            .stages
            .iter()
            .map(|stage| format!("{} {:.1}", stage.name, ms(stage.took)))
            .collect();
        stage_lines.push(format!("{products:>8}: {}", stages.join(", ")));
    }
    println!("\nstages of the last check (ms):");
    for line in stage_lines {
        println!("{line}");
    }
    million_documents();
}

/// Wall time of `portico check DIR` as a fresh process (best of `runs`), when the binary is
/// built (cargo builds it for benchmarks).
fn cli_check(dir: &Path, runs: usize) -> Option<Duration> {
    let binary = option_env!("CARGO_BIN_EXE_portico")?;
    let (took, status) = best_of(runs, || {
        Command::new(binary)
            .arg("check")
            .arg(dir)
            .output()
            .map(|o| o.status.success())
    });
    status.ok().filter(|ok| *ok).map(|_| took)
}

/// Peak memory of one check of `dir`, measured in a fresh child process (this benchmark run
/// with `--peak DIR`).
fn child_peak(dir: &Path) -> Option<f64> {
    let exe = std::env::current_exe().ok()?;
    let output = Command::new(exe).arg("--peak").arg(dir).output().ok()?;
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

fn peak_child(dir: &Path) {
    let request = portico::CheckRequest {
        inputs: vec![Input::Path(dir.to_path_buf())],
        ..Default::default()
    };
    let result = portico::check(&request).expect("check");
    assert_eq!(result.summary.errors, 0);
    println!("{:.1}", peak_mib().unwrap_or(f64::NAN));
}

/// A million tiny documents in one 8 MB file: linear time, and memory bounded by the text.
fn million_documents() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let text = "---\na: 1\n".repeat(1_000_000);
    std::fs::write(dir.path().join("many.yaml"), &text).expect("write");
    let request = portico::CheckRequest {
        inputs: vec![Input::Path(dir.path().to_path_buf())],
        ..Default::default()
    };
    let started = Instant::now();
    let result = portico::check(&request).expect("check");
    let took = started.elapsed();
    drop(result);
    let peak = child_peak(dir.path()).unwrap_or(f64::NAN);
    println!(
        "\n1,000,000 documents (8 MB, one file): check {:.0} ms, peak {:.0} MiB ({:.0}× the input)",
        ms(took),
        peak,
        peak * 1024.0 * 1024.0 / text.len() as f64
    );
    // Bounded memory: a million documents must stay within a fixed multiple of their text
    // (about 25× now: a document, its root mapping and its entry in the repository each).
    assert!(
        peak.is_nan() || peak * 1024.0 * 1024.0 < 40.0 * text.len() as f64,
        "peak memory {peak:.0} MiB is out of bounds"
    );
}

fn walk_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                total += entry.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    total
}
