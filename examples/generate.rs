//! Writes a synthetic repository: `cargo run --release --example generate -- DIR [PRODUCTS]`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../benches/synthetic/mod.rs"]
mod synthetic;

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: generate DIR [PRODUCTS]");
        return std::process::ExitCode::from(2);
    };
    let products = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let dir = std::path::PathBuf::from(dir);
    let size = synthetic::Size::scaled(products);
    match std::fs::create_dir_all(&dir).and_then(|()| synthetic::write_repo(&dir, size)) {
        Ok(files) => {
            println!("wrote {files} files for {size:?} into {}", dir.display());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {}: {e}", dir.display());
            std::process::ExitCode::from(1)
        }
    }
}
