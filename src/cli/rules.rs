//! `portico rules`: every rule (code, default severity, slug, summary) as a table or JSON.

use std::process::ExitCode;

use portico::checks::registry::RULES;

use super::args::RulesFormat;
use super::terminal::write_stdout;

pub fn run(format: RulesFormat) -> Result<ExitCode, String> {
    let text = match format {
        RulesFormat::Text => {
            let mut out = String::new();
            for rule in RULES {
                out.push_str(&format!(
                    "{:<6} {:<8} {:<36} {}\n",
                    rule.code,
                    rule.default_severity.as_str(),
                    rule.slug,
                    rule.summary()
                ));
            }
            out
        }
        RulesFormat::Json => {
            let rules: Vec<serde_json::Value> = RULES
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code,
                        "slug": r.slug,
                        "severity": r.default_severity.as_str(),
                        "summary": r.summary(),
                        "helpUri": portico::report::help_uri(r.code),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&rules).map_err(|e| e.to_string())?;
            s.push('\n');
            s
        }
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}
