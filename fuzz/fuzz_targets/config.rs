//! `portico.yaml`: any text loads into settings (defaults where broken) and problems with
//! spans inside the file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(dir) = tempfile_dir() else { return };
    let path = dir.join("portico.yaml");
    if std::fs::write(&path, text).is_err() {
        return;
    }
    let mut repo = portico::load::Repo::default();
    let config = portico::config::load(&path, "portico.yaml".into(), &mut repo);
    for problem in &config.problems {
        assert!(problem.span.end <= text.len());
    }
});

/// One directory per process, reused across runs.
fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("portico-fuzz-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
