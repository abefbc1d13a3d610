//! The large-repository benchmark: `cargo bench --bench pipeline [-- SIZES…]` writes synthetic
//! repositories (see `synthetic`) of several sizes and times a parse-only pass and the full
//! `check` (load, schema, model, index, Rego, access matrix, checks), with the time per
//! stage, throughput and the process's peak memory. Sizes are numbers of API products (route
//! tables of 4 routes); the default goes up to the PRODUCT §8 target of 5,000.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used
)]

#[path = "synthetic/mod.rs"]
mod synthetic;

use std::time::{Duration, Instant};

use portico::load::walk::WalkOptions;
use portico::load::{Input, LoadOptions, Repo};

/// Peak resident memory of this process so far (Linux `VmHWM`), in MiB.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
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

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![500, 1000, 5000]
    } else {
        sizes
    };
    println!(
        "{:>8} {:>7} {:>6} {:>8} {:>9} {:>9} {:>8} {:>9} {:>10} {:>8}",
        "products",
        "routes",
        "files",
        "MB",
        "parse ms",
        "check ms",
        "ratio",
        "docs/s",
        "decisions",
        "peak MiB"
    );
    let mut stage_lines = Vec::new();
    for products in sizes {
        let dir = tempfile::tempdir().expect("temporary directory");
        let size = synthetic::Size::scaled(products);
        let files = synthetic::write_repo(dir.path(), size).expect("write repository");
        let bytes: u64 = walk_bytes(dir.path());
        let runs = if products >= 5000 { 2 } else { 3 };
        let (parse, repo) = best_of(runs, || {
            let mut repo = Repo::default();
            let options = LoadOptions {
                inputs: vec![Input::Path(dir.path().to_path_buf())],
                walk: WalkOptions::default(),
                max_file_bytes: portico::load::DEFAULT_MAX_FILE_BYTES,
                config_file: None,
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
        let docs = repo.documents.len();
        println!(
            "{:>8} {:>7} {:>6} {:>8.1} {:>9.1} {:>9.1} {:>8.2} {:>9.0} {:>10} {:>8.0}",
            products,
            products * size.routes_per_product,
            files,
            bytes as f64 / 1e6,
            parse.as_secs_f64() * 1e3,
            check.as_secs_f64() * 1e3,
            check.as_secs_f64() / parse.as_secs_f64(),
            docs as f64 / check.as_secs_f64(),
            result.matrix.decisions.len(),
            peak_mib().unwrap_or(f64::NAN),
        );
        let stages: Vec<String> = result
            .timings
            .stages
            .iter()
            .map(|(name, t)| format!("{name} {:.1}", t.as_secs_f64() * 1e3))
            .collect();
        stage_lines.push(format!("{products:>8}: {}", stages.join(", ")));
    }
    println!("\nstages (ms, last run):");
    for line in stage_lines {
        println!("{line}");
    }
    million_documents();
}

/// A million tiny documents in one 8 MB file: linear time, and memory bounded by the text.
fn million_documents() {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(
        dir.path().join("many.yaml"),
        "---\na: 1\n".repeat(1_000_000),
    )
    .expect("write");
    let request = portico::CheckRequest {
        inputs: vec![Input::Path(dir.path().to_path_buf())],
        ..Default::default()
    };
    let started = Instant::now();
    let result = portico::check(&request).expect("check");
    let took = started.elapsed();
    let peak = peak_mib().unwrap_or(f64::NAN);
    println!(
        "\n1,000,000 documents (8 MB, one file): check {:.0} ms, {} findings, peak {:.0} MiB",
        took.as_secs_f64() * 1e3,
        result.diagnostics.len(),
        peak
    );
    // Bounded memory: the node trees of a million small documents must stay within a small
    // multiple of what the largest synthetic repository needs.
    assert!(
        peak.is_nan() || peak < 3072.0,
        "peak memory {peak:.0} MiB is out of bounds"
    );
}

fn walk_bytes(dir: &std::path::Path) -> u64 {
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
