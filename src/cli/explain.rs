//! `portico explain CODE`: a rule's documentation on stdout.
//!
//! The page is the one `docs/rules/CODE.md` has (`portico::checks::docs::rule_page`) without
//! that file's Markdown dressing (the generated-file marker, the backticked slug, the bold
//! severity), which reads as noise in a terminal.

use std::process::ExitCode;

use portico::checks::registry::RULES;

use super::terminal::write_stdout;

pub fn run(code: &str) -> Result<ExitCode, String> {
    let rule = portico::checks::rule(code).ok_or_else(|| {
        let suggestion = portico::suggest::closest(code, RULES.iter().map(|r| r.code))
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        format!("unknown rule code `{code}`{suggestion} (`portico rules` lists them)")
    })?;
    let text = format!(
        "# {} {}\n\nDefault severity: {}\n\n{}",
        rule.code,
        rule.slug,
        rule.default_severity,
        rule.markdown()
    );
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
