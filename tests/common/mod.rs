//! Shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use portico::load::Input;
use portico::report::human::HumanOptions;
use portico::{CheckRequest, CheckResult};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Checks one directory or file.
pub fn check_path(path: &Path) -> CheckResult {
    portico::check(&CheckRequest {
        inputs: vec![Input::Path(path.to_path_buf())],
        ..CheckRequest::default()
    })
    .expect("check runs")
}

/// Human rendering without colour at a fixed width.
pub fn human(result: &CheckResult) -> String {
    portico::report::human::render(
        result,
        HumanOptions {
            color: false,
            width: 100,
        },
    )
}

/// Whether generated files should be rewritten instead of compared.
pub fn updating() -> bool {
    std::env::var_os("PORTICO_UPDATE").is_some_and(|v| v == "1")
}

/// Compares `actual` with the committed file at `path`, or rewrites it under `PORTICO_UPDATE=1`.
pub fn assert_generated(path: &Path, actual: &str) {
    if updating() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == actual,
        "{} is out of date with the code; regenerate it with `PORTICO_UPDATE=1 cargo test`",
        path.display()
    );
}

/// The shared reference and corpus directory beside the repository.
pub fn shared() -> PathBuf {
    std::env::var_os("PORTICO_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"))
}
