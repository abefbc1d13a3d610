//! Stage 4: rules. One rule per file, `src/checks/<area>/<slug>.rs`, each declaring its code,
//! slug, default severity and documentation with [`declare_rule!`] and holding one `check`
//! function that returns findings. The runner stamps code and configured severity.
//!
//! Most rules look at the configuration itself ([`Check::Repo`]); those that read the YAML
//! trees beyond locating their findings run earlier, while the trees are alive
//! ([`Check::Trees`]). The rules about suppressions and the baseline are reported by the
//! triage pass that applies them ([`Check::Triage`], `crate::triage`).

pub mod auth;
pub mod config;
pub mod docs;
pub mod emit;
pub mod load;
pub mod products;
pub mod references;
pub mod registry;
pub mod rego;
pub mod schema;

use std::collections::BTreeMap;
use std::ops::Range;

use crate::config::{Config, RuleLevel};
use crate::diagnostic::{Diagnostic, Finding, Severity, Span};
use crate::load::node::{Found, Node};
use crate::load::source::{FileId, SourceFile};
use crate::load::{LoadedDocument, Repo};
use crate::model::index::Index;
use crate::model::selection::PolicySelection;
use crate::model::{Meta, Model};

/// A rule: metadata, documentation and its check.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// `PC` + three digits; the hundreds digit names the stage.
    pub code: &'static str,
    /// Kebab-case name of the problem.
    pub slug: &'static str,
    /// Severity unless configured otherwise.
    pub default_severity: Severity,
    /// Whether the rule is settled or still being tuned.
    pub status: Status,
    /// The release that added the rule.
    pub since: &'static str,
    /// The doc comment: What it does / Why is this bad? / Example / Use instead.
    pub docs: &'static str,
    /// What finds it, and when.
    pub check: Check,
}

/// How settled a rule is (ruff's `RuleGroup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// What it reports is settled.
    Stable,
    /// Still being tuned on real repositories: what it reports may change in any release.
    Preview,
}

impl Status {
    /// The lowercase name used in listings and documentation.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stable => "stable",
            Status::Preview => "preview",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What finds a rule's findings, and when.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// Runs once, on the configuration ([`Context`]).
    Repo(fn(&Context<'_>, &mut Vec<Finding>)),
    /// Reads the parsed YAML trees of documents it may find nothing in (not only to locate a
    /// finding). It runs while the model is built, on each batch of documents right after
    /// they are modelled and before their trees are released, and sees only those documents
    /// and their resources ([`TreeContext`]). Its findings are suppressed and baselined like
    /// those of [`Check::Repo`].
    Trees(fn(&TreeContext<'_>, &mut Vec<Finding>)),
    /// Reported by the triage pass (`crate::triage`), which applies suppressions and the
    /// baseline and judges them.
    Triage,
}

impl Rule {
    /// The documentation as Markdown (the doc comment without its one-space indent).
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The first sentence of "What it does", for listings.
    #[must_use]
    pub fn summary(&self) -> String {
        let md = self.markdown();
        let mut lines = md
            .lines()
            .skip_while(|l| !l.starts_with("## What it does"))
            .skip(1);
        let mut text = String::new();
        for line in lines.by_ref() {
            if line.trim().is_empty() {
                if text.is_empty() {
                    continue;
                }
                break;
            }
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(line.trim());
        }
        text
    }
}

/// Declares a rule: its doc comment becomes [`Rule::docs`]. `since:` (the release that added
/// the rule) is required; `status:` is optional and defaults to [`Status::Stable`]; `phase:`
/// is optional (see [`Check`]): `Trees` for a rule that reads whole trees, `Triage` for one
/// the triage pass reports, else [`Check::Repo`]. The file defines `fn check` unless the rule
/// says `phase: Triage`.
#[macro_export]
macro_rules! declare_rule {
    (@status) => { $crate::checks::Status::Stable };
    (@status $status:ident) => { $crate::checks::Status::$status };
    (@check) => { $crate::checks::Check::Repo(check) };
    (@check Trees) => { $crate::checks::Check::Trees(check) };
    (@check Triage) => { $crate::checks::Check::Triage };
    (
        $(#[doc = $doc:literal])*
        code: $code:literal, slug: $slug:literal, severity: $sev:ident, since: $since:literal
        $(, status: $status:ident)? $(, phase: $phase:ident)? $(,)?
    ) => {
        $(#[doc = $doc])*
        pub const RULE: $crate::checks::Rule = $crate::checks::Rule {
            code: $code,
            slug: $slug,
            default_severity: $crate::diagnostic::Severity::$sev,
            status: $crate::declare_rule!(@status $($status)?),
            since: $since,
            docs: concat!($($doc, "\n"),*),
            check: $crate::declare_rule!(@check $($phase)?),
        };
    };
}

/// Everything a rule may look at.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// Files and documents.
    pub repo: &'a Repo,
    /// Typed resources.
    pub model: &'a Model,
    /// Resolved routes.
    pub index: &'a Index,
    /// Which routes each policy selects.
    pub selections: &'a [PolicySelection],
    /// Configuration.
    pub config: &'a Config,
    /// The identity providers' scope sources, read.
    pub scope_sources: &'a [crate::model::scopes::LoadedSource],
    /// The Rego modules, parsed, and the `opaAuth` steps using them.
    pub rego: &'a crate::rego::Analysis,
    /// The access matrix.
    pub matrix: &'a crate::access::Matrix,
    /// Facts several rules read, computed once.
    pub facts: &'a crate::model::facts::Facts,
    /// The files of the kustomize unit being checked, when one is: the documents of these
    /// files are applied as one; the others (plain files deployed next to the unit) each on
    /// their own.
    pub unit_files: Option<&'a std::collections::HashSet<crate::load::source::FileId>>,
}

impl Context<'_> {
    /// The root of the document a resource came from (parsed again if its tree was released:
    /// call it where a finding must be located, not to decide whether there is one).
    #[must_use]
    pub fn root(&self, meta: &Meta) -> Option<&Node> {
        // A resource of a deploy unit is located in its rendered tree, whose nodes say which
        // file (the resource's, a patch, a kustomization) each came from.
        self.model
            .rendered
            .get(&meta.doc)
            .or_else(|| self.repo.root(meta.doc))
    }

    /// The node at `path` (relative to the object) of a resource.
    #[must_use]
    pub fn node(&self, meta: &Meta, path: &str) -> Option<Found<'_>> {
        self.root(meta)?.pointer(&meta.pointer(path))
    }

    /// The span of the value at `path`, or of its closest present parent.
    #[must_use]
    pub fn span(&self, meta: &Meta, path: &str) -> Span {
        value_span(self.root(meta), meta, path)
    }

    /// The span of the key holding `path` (falls back to the value's span).
    #[must_use]
    pub fn key_span(&self, meta: &Meta, path: &str) -> Span {
        key_span(self.root(meta), meta, path)
    }

    /// A span in a file.
    #[must_use]
    pub fn file_span(file: FileId, range: Range<usize>) -> Span {
        Span::new(file, range)
    }
}

/// The span of the value at `path` of a resource in the document `root`, or of its closest
/// present parent.
fn value_span(root: Option<&Node>, meta: &Meta, path: &str) -> Span {
    root.map_or_else(
        || Span::new(meta.file, 0..0),
        |root| {
            let found = root.pointer_or_parent(&meta.pointer(path));
            Span::new(found.file(meta.file), found.node.span.range())
        },
    )
}

/// The span of the key holding `path` of a resource in the document `root` (falls back to the
/// value's span).
fn key_span(root: Option<&Node>, meta: &Meta, path: &str) -> Span {
    root.map_or_else(
        || Span::new(meta.file, 0..0),
        |root| {
            let found = root.pointer_or_parent(&meta.pointer(path));
            Span::new(found.file(meta.file), found.key_or_value_span())
        },
    )
}

/// What a rule of [`Check::Trees`] looks at: consecutive documents of one file, their trees,
/// and the resources modelled from them (not the rest of the repository).
#[derive(Clone, Copy)]
pub struct TreeContext<'a> {
    /// The file.
    pub source: &'a SourceFile,
    /// The documents, in file order.
    pub documents: &'a [LoadedDocument],
    /// The resources modelled from these documents.
    pub model: &'a Model,
}

impl TreeContext<'_> {
    /// The root of the document a resource came from.
    #[must_use]
    pub fn root(&self, meta: &Meta) -> Option<&Node> {
        let at = self
            .documents
            .binary_search_by_key(&meta.doc, LoadedDocument::id)
            .ok()?;
        self.documents.get(at).map(|d| &d.doc.root)
    }

    /// The node at `path` (relative to the object) of a resource.
    #[must_use]
    pub fn node(&self, meta: &Meta, path: &str) -> Option<Found<'_>> {
        self.root(meta)?.pointer(&meta.pointer(path))
    }

    /// The span of the value at `path`, or of its closest present parent.
    #[must_use]
    pub fn span(&self, meta: &Meta, path: &str) -> Span {
        value_span(self.root(meta), meta, path)
    }

    /// The span of the key holding `path` (falls back to the value's span).
    #[must_use]
    pub fn key_span(&self, meta: &Meta, path: &str) -> Span {
        key_span(self.root(meta), meta, path)
    }
}

/// The enabled rules of [`Check::Trees`] with their severities, in registry order.
#[must_use]
pub fn tree_rules(levels: &Levels) -> Vec<(&'static Rule, Severity)> {
    registry::RULES
        .iter()
        .filter(|r| matches!(r.check, Check::Trees(_)))
        .filter_map(|r| Some((r, levels.severity(r)?)))
        .collect()
}

/// Runs `rules` (see [`tree_rules`]) on documents of one file; the diagnostics are not sorted.
#[must_use]
pub fn run_trees(ctx: &TreeContext<'_>, rules: &[(&'static Rule, Severity)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (rule, severity) in rules {
        let Check::Trees(check) = rule.check else {
            continue;
        };
        let mut findings = Vec::new();
        check(ctx, &mut findings);
        out.extend(findings.into_iter().map(|finding| Diagnostic {
            code: rule.code,
            severity: *severity,
            finding,
        }));
    }
    out
}

/// Per-code severity after configuration: `None` means the rule is off.
///
/// `rules:` of `portico.yaml` sets each code's level; `select` and `ignore` (from the command
/// line) then narrow the set of rules that run: with a non-empty `select` only the rules it
/// matches run, and no rule `ignore` matches runs. Their entries are codes (`PC201`) or code
/// prefixes (`PC5` for the whole Rego stage, `PC40` for PC400–PC409), see [`parse_selector`].
#[derive(Debug, Clone, Default)]
pub struct Levels {
    overrides: BTreeMap<String, RuleLevel>,
    select: Vec<String>,
    ignore: Vec<String>,
}

impl Levels {
    /// From `rules:` of the configuration.
    #[must_use]
    pub fn new(overrides: BTreeMap<String, RuleLevel>) -> Self {
        Self {
            overrides,
            select: Vec::new(),
            ignore: Vec::new(),
        }
    }

    /// Narrows the rules that run to those `select` matches (all when empty) and not `ignore`.
    /// Entries are normalized selectors (see [`parse_selector`]).
    #[must_use]
    pub fn with_selection(mut self, select: Vec<String>, ignore: Vec<String>) -> Self {
        self.select = select;
        self.ignore = ignore;
        self
    }

    /// Whether `code` survives `select` and `ignore`.
    fn selected(&self, code: &str) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| code.starts_with(s.as_str())))
            && !self.ignore.iter().any(|s| code.starts_with(s.as_str()))
    }

    /// The effective severity of `rule`, or `None` when it is off.
    #[must_use]
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        if !self.selected(rule.code) {
            return None;
        }
        match self.overrides.get(rule.code) {
            None => Some(rule.default_severity),
            Some(RuleLevel::Off) => None,
            Some(RuleLevel::Error) => Some(Severity::Error),
            Some(RuleLevel::Warning) => Some(Severity::Warning),
            Some(RuleLevel::Info) => Some(Severity::Info),
        }
    }

    /// Whether the rule with `code` runs (false for a code no rule has).
    #[must_use]
    pub fn runs(&self, code: &str) -> bool {
        rule(code).is_some_and(|r| self.severity(r).is_some())
    }
}

/// Reads one `select`/`ignore` entry: a rule code (`PC201`) or a prefix of codes (`PC5`: the
/// Rego stage; `PC` alone: every rule), case-insensitively. Returns it upper-cased.
///
/// # Errors
/// When no rule code equals or starts with it; the error is the "did you mean" help, if a code
/// (or the code of a rule whose slug was given) is close.
pub fn parse_selector(text: &str) -> Result<String, Option<String>> {
    let upper = text.trim().to_ascii_uppercase();
    let well_formed = upper.len() <= 5
        && upper.starts_with("PC")
        && upper
            .get(2..)
            .is_some_and(|d| d.chars().all(|c| c.is_ascii_digit()));
    if well_formed && registry::RULES.iter().any(|r| r.code.starts_with(&upper)) {
        return Ok(upper);
    }
    Err(did_you_mean(suggest_code(text)))
}

/// The code closest to a mistyped one, or the code of the rule whose slug `text` is.
#[must_use]
pub fn suggest_code(text: &str) -> Option<&'static str> {
    let trimmed = text.trim();
    if let Some(rule) = registry::RULES.iter().find(|r| r.slug == trimmed) {
        return Some(rule.code);
    }
    let upper = trimmed.to_ascii_uppercase();
    crate::suggest::closest(&upper, registry::RULES.iter().map(|r| r.code)).or_else(|| {
        crate::suggest::closest(trimmed, registry::RULES.iter().map(|r| r.slug))
            .and_then(|slug| registry::RULES.iter().find(|r| r.slug == slug))
            .map(|r| r.code)
    })
}

/// Runs every enabled rule of [`Check::Repo`] and returns the diagnostics, not yet sorted.
///
/// Rules are independent readers of the context, so they run on every core; the findings come
/// back in rule order whatever the scheduling (rayon's indexed `collect` keeps the order).
#[must_use]
pub fn run(ctx: &Context<'_>, levels: &Levels) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    type RepoCheck = fn(&Context<'_>, &mut Vec<Finding>);
    let rules: Vec<(RepoCheck, &Rule, Severity)> = registry::RULES
        .iter()
        .filter_map(|r| match r.check {
            Check::Repo(check) => Some((check, r, levels.severity(r)?)),
            Check::Trees(_) | Check::Triage => None,
        })
        .collect();
    let found: Vec<Vec<Diagnostic>> = rules
        .par_iter()
        .map(|(check, rule, severity)| {
            let mut findings = Vec::new();
            check(ctx, &mut findings);
            findings
                .into_iter()
                .map(|finding| Diagnostic {
                    code: rule.code,
                    severity: *severity,
                    finding,
                })
                .collect()
        })
        .collect();
    found.into_iter().flatten().collect()
}

/// Looks a rule up by code.
#[must_use]
pub fn rule(code: &str) -> Option<&'static Rule> {
    registry::RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Formats "did you mean `x`?".
#[must_use]
pub fn did_you_mean(candidate: Option<&str>) -> Option<String> {
    candidate.map(|c| format!("did you mean `{c}`?"))
}

/// Whether a value holds something the placeholder rule (PC006) reports; other rules stay
/// quiet about it rather than report the same mistake twice.
#[must_use]
pub fn looks_templated(value: &str) -> bool {
    value.contains('$') || value.contains('<') || value.contains("{{")
}
