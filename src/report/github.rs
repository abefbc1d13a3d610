//! GitHub Actions output (`check --format github`): one workflow command per finding, which
//! GitHub turns into an annotation on the pull request's diff, and a Markdown job summary for
//! the run's summary page.
//!
//! File names are those of the report: relative to the PATH portico was given. GitHub resolves
//! them against the workspace, so portico should run from the repository root for the
//! annotations to land on the right files.

use super::terminal::escape_controls;
use super::{help_uri, position};
use crate::CheckResult;
use crate::diagnostic::{Diagnostic, Severity};

/// The workflow commands, one line per finding (nothing when there is none).
#[must_use]
pub fn render(result: &CheckResult) -> String {
    let mut out = String::new();
    for d in &result.diagnostics {
        out.push_str(&command(result, d));
        out.push('\n');
    }
    out
}

fn command(result: &CheckResult, d: &Diagnostic) -> String {
    let sources = &result.repo.sources;
    let f = &d.finding;
    let (file, start, end) = position(sources, &f.span);
    let mut text = f.message.clone();
    if let Some(help) = &f.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    if let Some(note) = &f.note {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    // An annotation has one location; the other ends of a cross-resource finding are named in
    // its text so that the reader can find them.
    for r in &f.related {
        let (rfile, rstart, _) = position(sources, &r.span);
        text.push_str(&format!(
            "\nrelated: {rfile}:{}:{}: {}",
            rstart.0, rstart.1, r.message
        ));
    }
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    // The runner prints the message into the job log, and a terminal running
    // `--format github` prints all of it: what the repository wrote is shown, not obeyed.
    format!(
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        escape_property(&escape_controls(file)),
        start.0,
        start.1,
        end.0,
        end.1,
        escape_property(d.code),
        escape_data(&escape_controls(&text))
    )
}

/// Escapes a command's message as the Actions runner unescapes it (`%`, CR, LF).
#[must_use]
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value: as data, plus `:` and `,`, which delimit properties.
#[must_use]
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The Markdown job summary: counts per severity and a table of the findings, each code linked
/// to its documentation. The binary appends it to the file `GITHUB_STEP_SUMMARY` names.
#[must_use]
pub fn summary(result: &CheckResult) -> String {
    let s = &result.summary;
    let mut out = String::from("## portico check\n\n");
    out.push_str("| Errors | Warnings | Infos | Files | Resources |\n|---:|---:|---:|---:|---:|\n");
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} |\n\n",
        s.errors, s.warnings, s.infos, s.files, s.resources
    ));
    if result.diagnostics.is_empty() {
        // A blank line ends the summary, so that whatever the next step appends starts a new
        // block instead of continuing this one.
        out.push_str("No findings.\n\n");
        return out;
    }
    let rows: Vec<String> = result
        .diagnostics
        .iter()
        .map(|d| {
            let f = &d.finding;
            let (file, start, _) = position(&result.repo.sources, &f.span);
            let mut message = cell(&f.message);
            if let Some(help) = &f.help {
                message.push_str("<br>help: ");
                message.push_str(&cell(help));
            }
            if let Some(note) = &f.note {
                message.push_str("<br>note: ");
                message.push_str(&cell(note));
            }
            format!(
                "| {} | [{code}]({uri}) | `{}:{}:{}` | {} |\n",
                d.severity,
                cell(file),
                start.0,
                start.1,
                message,
                code = d.code,
                uri = help_uri(d.code),
            )
        })
        .collect();
    push_table(&mut out, &rows, SUMMARY_BUDGET);
    if s.capped > 0 {
        out.push_str(&format!(
            "{} more findings are not reported: at most {} of a rule per file and {} per resource are.\n\n",
            s.capped,
            crate::findings_cap::PER_FILE,
            crate::findings_cap::PER_RESOURCE
        ));
    }
    out
}

/// How many bytes of findings table a summary may hold. GitHub refuses a step summary over
/// 1 MiB (and then shows none of it); the rest of the findings are in the annotations, the log
/// and the SARIF.
const SUMMARY_BUDGET: usize = 512 * 1024;

/// Appends the findings table, as many rows as fit in `budget` bytes, then a blank line.
fn push_table(out: &mut String, rows: &[String], budget: usize) {
    out.push_str("| Severity | Code | Location | Message |\n|---|---|---|---|\n");
    let mut used = 0;
    let mut shown = 0;
    for row in rows {
        if used + row.len() > budget {
            break;
        }
        used += row.len();
        shown += 1;
        out.push_str(row);
    }
    if shown < rows.len() {
        out.push_str(&format!(
            "\nThe first {shown} of {} findings; the job log has all of them.\n",
            rows.len()
        ));
    }
    // A blank line ends the summary, so that whatever the next step appends starts a new block
    // instead of continuing this one.
    out.push('\n');
}

/// Text made safe for one cell of a Markdown table.
fn cell(text: &str) -> String {
    escape_controls(&text.replace("\r\n", "\n"))
        .replace('|', "\\|")
        .replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_stops_within_its_budget() {
        let rows: Vec<String> = (0..5).map(|i| format!("| row {i} |\n")).collect();
        let mut out = String::new();
        push_table(&mut out, &rows, 25);
        assert_eq!(
            out,
            "| Severity | Code | Location | Message |\n|---|---|---|---|\n| row 0 |\n| row 1 |\n\n\
             The first 2 of 5 findings; the job log has all of them.\n\n"
        );
        let mut all = String::new();
        push_table(&mut all, &rows, usize::MAX);
        assert!(all.ends_with("| row 4 |\n\n"));
    }

    #[test]
    fn escapes_as_the_runner_unescapes() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A".to_owned());
    }
}
