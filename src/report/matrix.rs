//! The access matrix (PRODUCT §7) as a table for a terminal, Markdown for a pull-request
//! comment, or the JSON document.

use super::terminal::escape_controls;
use crate::access::{Decision, Matrix};

fn scopes(d: &Decision) -> String {
    if d.token_scopes.is_empty() {
        "(none)".to_string()
    } else {
        escape_controls(&d.token_scopes.join(" ")).into_owned()
    }
}

fn verdict(d: &Decision) -> &'static str {
    match d.allowed {
        Some(true) => "allow",
        Some(false) => "deny",
        None => "error",
    }
}

/// Whether a decision is what the product contract wants: granted exactly when the token holds
/// the product's scope.
fn expected(d: &Decision) -> bool {
    d.allowed == Some(d.holds_product_scope())
}

/// A plain-text table, one decision per line, with a mark on decisions that break "allowed iff
/// the token holds the product's scope".
#[must_use]
pub fn table(matrix: &Matrix) -> String {
    if matrix.decisions.is_empty() {
        return "no API-product route is protected by an ExtAuthPolicy: the matrix is empty\n"
            .to_string();
    }
    let header = ["ROUTE", "PRODUCT", "POLICY", "TOKEN SCOPES", "DECISION"];
    let rows: Vec<[String; 5]> = matrix
        .decisions
        .iter()
        .map(|d| {
            // Names and scopes come from the repository: shown, not obeyed, by a terminal.
            [
                escape_controls(&d.route).into_owned(),
                escape_controls(&d.api_product_id).into_owned(),
                escape_controls(&d.policy_name).into_owned(),
                scopes(d),
                match d.error.as_ref().and_then(|e| e.reported_by) {
                    // Its cause is a finding of its own: the decision is simply not made.
                    Some(code) => format!("not evaluated ({code})"),
                    None if expected(d) => verdict(d).to_string(),
                    None => format!("{} (unexpected)", verdict(d)),
                },
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out.push_str(&summary(matrix));
    out
}

/// A Markdown table for a pull-request comment.
#[must_use]
pub fn markdown(matrix: &Matrix) -> String {
    let mut out = String::from("### Access matrix\n\n");
    if matrix.decisions.is_empty() {
        out.push_str("No API-product route is protected by an ExtAuthPolicy.\n");
        return out;
    }
    out.push_str(
        "| Route | API product | Policy | Token scopes | Decision |\n|---|---|---|---|---|\n",
    );
    for d in &matrix.decisions {
        let reported_by = d.error.as_ref().and_then(|e| e.reported_by);
        let mark = match (d.allowed, expected(d)) {
            (None, _) if reported_by.is_some() => "⚠️ not evaluated",
            (None, _) => "⚠️ error",
            (Some(true), true) => "✅ allow",
            (Some(false), true) => "⛔ deny",
            (Some(true), false) => "❗ allow (unexpected)",
            (Some(false), false) => "❗ deny (unexpected)",
        };
        let row = format!(
            "| `{}` | `{}` | `{}` | {} | {mark} |\n",
            d.route,
            d.api_product_id,
            d.policy_name,
            if d.token_scopes.is_empty() {
                "(none)".to_string()
            } else {
                d.token_scopes
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        );
        out.push_str(&escape_controls(&row));
    }
    out.push('\n');
    out.push_str(&summary(matrix));
    out
}

/// The JSON document of PRODUCT §7, pretty-printed.
#[must_use]
pub fn json(matrix: &Matrix) -> String {
    super::terminal::json_pretty(&matrix.to_json())
}

fn summary(matrix: &Matrix) -> String {
    let unexpected = matrix.decisions.iter().filter(|d| !expected(d)).count();
    let errors = matrix
        .decisions
        .iter()
        .filter(|d| d.allowed.is_none())
        .count();
    let mut text = format!(
        "{} decisions, {} unexpected, {} not evaluated\n",
        matrix.decisions.len(),
        unexpected - errors,
        errors
    );
    if !matrix.fixed_builtins.is_empty() {
        text.push_str(&format!(
            "evaluated with a fixed clock ({}) and fixed randomness: {} do not depend on when portico runs\n",
            crate::rego::builtins_replaced::FIXED_NOW_RFC3339,
            matrix.fixed_builtins.join(", ")
        ));
    }
    text
}
