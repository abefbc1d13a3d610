//! Stage 5: triage. What the rules found is matched against the team's decisions about it:
//! suppressions (comments, annotations, `suppressions:` of `portico.yaml`) and the baseline.
//! The pass returns what stays reported, what was suppressed and what the baseline holds, and
//! reports the decisions themselves that need attention: a suppression without a reason
//! (PC903), one that suppresses nothing (PC904), an unknown code in one (PC905), a baseline
//! entry that no longer occurs (PC906). Rules know nothing of suppressions; this is ruff's
//! `checkers/noqa.rs` shape, which owns RUF100 the same way.
//!
//! The order is fixed: suppressions first, then the baseline, so a suppression's own findings
//! can be baselined, and the stale-baseline findings are neither suppressed nor baselined.

pub mod baseline;
pub mod suppression;

use crate::checks::Levels;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::load::Repo;
use crate::model::Model;

/// What triage reads besides the findings.
pub struct TriageInput<'a> {
    /// Files and documents: where comments and annotations are.
    pub repo: &'a Repo,
    /// The resources, for their annotations.
    pub model: &'a Model,
    /// The Rego modules, for comments inside ConfigMap block scalars.
    pub rego: &'a crate::rego::Analysis,
    /// `suppressions:` of `portico.yaml`.
    pub config: &'a Config,
    /// Which rules ran, and the severities of triage's own rules.
    pub levels: &'a Levels,
    /// The baseline, when the run has one.
    pub baseline: Option<&'a baseline::Loaded>,
}

/// The findings after triage, each list sorted ([`sort`]).
#[derive(Debug, Default)]
pub struct Triaged {
    /// What the run reports, triage's own findings included.
    pub kept: Vec<Diagnostic>,
    /// What a suppression removed, with the suppression.
    pub suppressed: Vec<suppression::Suppressed>,
    /// What the baseline holds.
    pub baselined: Vec<Diagnostic>,
}

/// Applies suppressions, then the baseline, to what the rules `found`.
#[must_use]
pub fn apply(mut found: Vec<Diagnostic>, input: &TriageInput<'_>) -> Triaged {
    let repo = input.repo;
    sort(repo, &mut found);
    let suppressions = suppression::collect(repo, input.model, input.rego, input.config);
    let (mut kept, suppressed, outcome) =
        suppression::apply(suppressions, found, repo, input.levels);
    kept.extend(suppression::findings(&outcome, input.levels));
    let mut baselined = Vec::new();
    if let Some(loaded) = input.baseline {
        let (rest, dropped, outcome) = baseline::apply(loaded, kept, repo);
        kept = rest;
        baselined = dropped;
        kept.extend(baseline::findings(&outcome, input.levels));
    }
    sort(repo, &mut kept);
    sort(repo, &mut baselined);
    Triaged {
        kept,
        suppressed,
        baselined,
    }
}

/// The configured severity of one of the triage pass's own rules, `None` when it is off.
fn severity(code: &str, levels: &Levels) -> Option<crate::diagnostic::Severity> {
    crate::checks::rule(code).and_then(|rule| levels.severity(rule))
}

/// Sorts by file name, position, code and message, and drops exact duplicates, so the output
/// never depends on discovery order.
pub fn sort(repo: &Repo, diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| {
        let fa = &repo.sources.get(a.finding.span.file).name;
        let fb = &repo.sources.get(b.finding.span.file).name;
        (
            fa,
            a.finding.span.range.start,
            a.code,
            &a.finding.message,
            a.finding.span.range.end,
        )
            .cmp(&(
                fb,
                b.finding.span.range.start,
                b.code,
                &b.finding.message,
                b.finding.span.range.end,
            ))
    });
    diagnostics.dedup_by(|a, b| {
        a.code == b.code
            && a.finding.message == b.finding.message
            && a.finding.span.range == b.finding.span.range
            && repo.sources.get(a.finding.span.file).name
                == repo.sources.get(b.finding.span.file).name
    });
}
