//! Stage 4: rules. One rule per file, `src/checks/<area>/<slug>.rs`, each declaring its code,
//! slug, default severity and documentation with [`declare_rule!`] and holding one `check`
//! function that returns findings. The runner stamps code and configured severity.

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
use crate::load::node::Found;
use crate::load::source::FileId;
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
    /// The doc comment: What it does / Why is this bad? / Example / Use instead.
    pub docs: &'static str,
    /// The check.
    pub check: fn(&Context<'_>, &mut Vec<Finding>),
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

/// Declares a rule: its doc comment becomes [`Rule::docs`]; the file must define `fn check`.
#[macro_export]
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])* code: $code:literal, slug: $slug:literal, severity: $sev:ident $(,)?) => {
        $(#[doc = $doc])*
        pub const RULE: $crate::checks::Rule = $crate::checks::Rule {
            code: $code,
            slug: $slug,
            default_severity: $crate::diagnostic::Severity::$sev,
            docs: concat!($($doc, "\n"),*),
            check,
        };
    };
}

/// Everything a rule may look at.
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
    pub matrix: &'a crate::rego::matrix::Matrix,
}

impl Context<'_> {
    /// The document a resource came from.
    #[must_use]
    pub fn document(&self, meta: &Meta) -> Option<&LoadedDocument> {
        self.repo.documents.get(meta.doc)
    }

    /// The node at `path` (relative to the object) of a resource.
    #[must_use]
    pub fn node(&self, meta: &Meta, path: &str) -> Option<Found<'_>> {
        self.document(meta)?.doc.root.pointer(&meta.pointer(path))
    }

    /// The span of the value at `path`, or of its closest present parent.
    #[must_use]
    pub fn span(&self, meta: &Meta, path: &str) -> Span {
        let range = self
            .document(meta)
            .map(|d| {
                d.doc
                    .root
                    .pointer_or_parent(&meta.pointer(path))
                    .node
                    .span
                    .clone()
            })
            .unwrap_or(0..0);
        Span::new(meta.file, range)
    }

    /// The span of the key holding `path` (falls back to the value's span).
    #[must_use]
    pub fn key_span(&self, meta: &Meta, path: &str) -> Span {
        let range = self
            .document(meta)
            .map(|d| {
                let found = d.doc.root.pointer_or_parent(&meta.pointer(path));
                found
                    .key_span
                    .cloned()
                    .unwrap_or_else(|| found.node.span.clone())
            })
            .unwrap_or(0..0);
        Span::new(meta.file, range)
    }

    /// A span in a file.
    #[must_use]
    pub fn file_span(file: FileId, range: Range<usize>) -> Span {
        Span::new(file, range)
    }
}

/// Per-code severity after configuration: `None` means the rule is off.
#[derive(Debug, Clone, Default)]
pub struct Levels {
    overrides: BTreeMap<String, RuleLevel>,
}

impl Levels {
    /// From `rules:` of the configuration.
    #[must_use]
    pub fn new(overrides: BTreeMap<String, RuleLevel>) -> Self {
        Self { overrides }
    }

    /// The effective severity of `rule`, or `None` when it is off.
    #[must_use]
    pub fn severity(&self, rule: &Rule) -> Option<Severity> {
        match self.overrides.get(rule.code) {
            None => Some(rule.default_severity),
            Some(RuleLevel::Off) => None,
            Some(RuleLevel::Error) => Some(Severity::Error),
            Some(RuleLevel::Warning) => Some(Severity::Warning),
            Some(RuleLevel::Info) => Some(Severity::Info),
        }
    }
}

/// Runs every enabled rule and returns the diagnostics, not yet sorted.
#[must_use]
pub fn run(ctx: &Context<'_>, levels: &Levels) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut findings = Vec::new();
    for rule in registry::RULES {
        let Some(severity) = levels.severity(rule) else {
            continue;
        };
        findings.clear();
        (rule.check)(ctx, &mut findings);
        out.extend(findings.drain(..).map(|finding| Diagnostic {
            code: rule.code,
            severity,
            finding,
        }));
    }
    out
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
