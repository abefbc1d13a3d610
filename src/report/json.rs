//! The JSON report, version 1 (PRODUCT §5).

use serde::Serialize;

/// Shared by every reporter (it lives in `report`); kept here for the callers that use this path.
pub use super::position;
use crate::CheckResult;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
    /// How many findings like this one the report leaves out (see `findings_cap`).
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    infos: usize,
    files: usize,
    resources: usize,
    /// Findings the cap on findings per rule left out; absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    capped: usize,
    /// The Gloo Platform release the API was read at (`gloo.version` of portico.yaml).
    gloo_version: &'static str,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `skip_serializing_if` passes a reference
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Renders the report as pretty JSON with a trailing newline.
#[must_use]
pub fn render(result: &CheckResult) -> String {
    let sources = &result.repo.sources;
    let diagnostics = result
        .diagnostics
        .iter()
        .map(|d| {
            let f = &d.finding;
            let (file, start, end) = position(sources, &f.span);
            JsonDiagnostic {
                code: d.code,
                severity: d.severity.as_str(),
                message: &f.message,
                help: f.help.as_deref(),
                file,
                line: start.0,
                column: start.1,
                end_line: end.0,
                end_column: end.1,
                resource: f.resource.as_deref(),
                related: f
                    .related
                    .iter()
                    .map(|r| {
                        let (file, start, _) = position(sources, &r.span);
                        JsonRelated {
                            file,
                            line: start.0,
                            column: start.1,
                            message: &r.message,
                        }
                    })
                    .collect(),
                note: f.note.as_deref(),
            }
        })
        .collect();
    let s = &result.summary;
    let report = Report {
        version: 1,
        diagnostics,
        summary: JsonSummary {
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
            files: s.files,
            resources: s.resources,
            capped: s.capped,
            gloo_version: result.config.settings.gloo.version().as_str(),
        },
    };
    // Pretty JSON, with what a terminal would obey escaped (see `terminal::json_pretty`).
    super::terminal::json_pretty(&report)
}
