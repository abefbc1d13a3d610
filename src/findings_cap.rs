//! The cap on how many findings of one rule a report shows per file and per resource.
//!
//! A repository can make one rule fire without end: a one-line `hosts: [1,1,…]` of 2 MB is a
//! million PC101, a 350 MB report that no one reads and that stalls the terminal, the CI log
//! and the code-scanning upload alike. Past the first findings of a rule in a file (or in a
//! resource) the rest say nothing new, so they are counted instead of shown: the last finding
//! shown of such a group carries a note ("and 999,900 more PC101 in this file"), which every
//! format prints, and the summary counts them. The cap applies to the sorted diagnostics, so
//! which findings are shown never depends on discovery order.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::load::source::FileId;

/// Findings of one rule shown per file.
pub const PER_FILE: usize = 200;

/// Findings of one rule shown per resource.
pub const PER_RESOURCE: usize = 50;

/// Splits sorted `diagnostics` into those shown and those the cap leaves out, both in order;
/// the last shown finding of each group that lost some says how many.
///
/// The groups are keyed by borrowed names, and the findings are not copied.
#[must_use]
pub fn apply(mut diagnostics: Vec<Diagnostic>) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    #[derive(Default)]
    struct Group {
        shown: usize,
        left_out: usize,
        /// Index of the group's last shown finding.
        last: usize,
    }
    let mut keep = Vec::with_capacity(diagnostics.len());
    let mut notes: Vec<(usize, String)> = Vec::new();
    {
        let mut by_file: HashMap<(&str, FileId), Group> = HashMap::new();
        let mut by_resource: HashMap<(&str, &str), Group> = HashMap::new();
        for (i, d) in diagnostics.iter().enumerate() {
            let resource = d.finding.resource.as_deref();
            // A finding left out is counted once: by its resource when that group is full,
            // else by its file.
            if let Some(resource) = resource {
                let group = by_resource.entry((d.code, resource)).or_default();
                if group.shown >= PER_RESOURCE {
                    group.left_out += 1;
                    keep.push(false);
                    continue;
                }
            }
            let file = by_file.entry((d.code, d.finding.span.file)).or_default();
            if file.shown >= PER_FILE {
                file.left_out += 1;
                keep.push(false);
                continue;
            }
            file.shown += 1;
            file.last = i;
            if let Some(group) = resource.and_then(|r| by_resource.get_mut(&(d.code, r))) {
                group.shown += 1;
                group.last = i;
            }
            keep.push(true);
        }
        for ((code, _), group) in &by_file {
            if group.left_out > 0 {
                notes.push((
                    group.last,
                    format!("and {} more {code} in this file", group.left_out),
                ));
            }
        }
        for ((code, resource), group) in &by_resource {
            if group.left_out > 0 {
                notes.push((
                    group.last,
                    format!("and {} more {code} in {resource}", group.left_out),
                ));
            }
        }
    }
    // In the order of the findings that carry them, so the text never depends on the maps'.
    notes.sort();
    for (i, note) in notes {
        if let Some(d) = diagnostics.get_mut(i) {
            d.finding.note = Some(match d.finding.note.take() {
                Some(before) => format!("{before}; {note}"),
                None => note,
            });
        }
    }
    // The smaller side moves out, in order; the larger stays where it is, so that a million
    // findings are not copied (nor held twice) to show two hundred of them.
    let shown = keep.iter().filter(|k| **k).count();
    if shown == diagnostics.len() {
        return (diagnostics, Vec::new());
    }
    let moving = shown <= diagnostics.len() - shown;
    let mut flags = keep.into_iter();
    let moved: Vec<Diagnostic> = diagnostics
        .extract_if(.., |_| flags.next().unwrap_or(true) == moving)
        .collect();
    if moving {
        (moved, diagnostics)
    } else {
        (diagnostics, moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Finding, Severity, Span};

    fn finding(code: &'static str, file: u32, at: usize, resource: Option<&str>) -> Diagnostic {
        let mut finding = Finding::new("m", Span::new(FileId(file), at..at + 1));
        finding.resource = resource.map(str::to_owned);
        Diagnostic {
            code,
            severity: Severity::Error,
            finding,
        }
    }

    #[test]
    fn each_rule_shows_its_first_findings_per_file_and_per_resource() {
        let mut all = Vec::new();
        // PC101: 60 in one resource of file 0 (over the resource cap).
        all.extend((0..60).map(|i| finding("PC101", 0, i, Some("RouteTable/ns/a"))));
        // PC102: 250 without a resource in file 0 (over the file cap).
        all.extend((0..250).map(|i| finding("PC102", 0, 100 + i, None)));
        // PC102: 3 in file 1: its own group.
        all.extend((0..3).map(|i| finding("PC102", 1, i, None)));
        let (shown, left_out) = apply(all);
        let count = |code: &str, file: u32| {
            shown
                .iter()
                .filter(|d| d.code == code && d.finding.span.file == FileId(file))
                .count()
        };
        assert_eq!(count("PC101", 0), PER_RESOURCE);
        assert_eq!(count("PC102", 0), PER_FILE);
        assert_eq!(count("PC102", 1), 3);
        assert_eq!(left_out.len(), 60 - PER_RESOURCE + 250 - PER_FILE);
        let notes: Vec<(&str, usize, &str)> = shown
            .iter()
            .filter_map(|d| {
                Some((
                    d.code,
                    d.finding.span.range.start,
                    d.finding.note.as_deref()?,
                ))
            })
            .collect();
        assert_eq!(
            notes,
            vec![
                (
                    "PC101",
                    PER_RESOURCE - 1,
                    "and 10 more PC101 in RouteTable/ns/a"
                ),
                (
                    "PC102",
                    100 + PER_FILE - 1,
                    "and 50 more PC102 in this file"
                ),
            ]
        );
    }

    #[test]
    fn a_finding_left_out_is_counted_once() {
        // Over both caps: the resource counts what it left out, the file what it left out
        // among the rest.
        let all: Vec<Diagnostic> = (0..300)
            .map(|i| finding("PC101", 0, i, Some(if i < 100 { "R/a" } else { "R/b" })))
            .collect();
        let (shown, left_out) = apply(all);
        assert_eq!(shown.len() + left_out.len(), 300);
        assert_eq!(shown.len(), 2 * PER_RESOURCE);
        let notes: Vec<&str> = shown
            .iter()
            .filter_map(|d| d.finding.note.as_deref())
            .collect();
        assert_eq!(
            notes,
            vec!["and 50 more PC101 in R/a", "and 150 more PC101 in R/b"]
        );
    }
}
