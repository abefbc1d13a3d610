//! The standard streams as the commands use them: the human report's settings for the stream
//! it goes to (colour, width), and writing to stdout.

use std::io::{IsTerminal, Write};

use portico::report::human::HumanOptions;

/// Settings for a human report written to `stream`: colour only on a terminal and without
/// `NO_COLOR` (<https://no-color.org>: set and not empty turns colour off), the width from
/// `COLUMNS`, else 100.
pub fn human_options(stream: &impl IsTerminal) -> HumanOptions {
    let color = stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    HumanOptions { color, width }
}

/// Writes `text` to stdout and flushes it.
pub fn write_stdout(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`portico check | head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| e.to_string()),
    }
}
