//! What the checks need to know about a parsed module, read once from the regorus AST: its
//! package, its rules and what they produce, the functions it calls, and every `input.…` path
//! it reads, following local variables as far as they are plain references.

use std::collections::BTreeMap;
use std::ops::Range;

use regorus::unstable::{Expr, Literal, Module, Parser, Query, Ref, Rule, RuleAssign, RuleHead};

/// One step of an input path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Segment {
    /// A key known statically (`.x`, `["x"]`).
    Key(String),
    /// A computed or iterated index (`[x]`, `[_]`, `some v in`).
    Any,
    /// The words of a string split at spaces (`split(x, " ")`): an array.
    Words,
}

/// How a read value is used, where that matters for the token's claim shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Compared, assigned or passed on.
    Plain,
    /// The first argument of `split` / `strings.split`-like string functions: must be a string.
    StringArg,
    /// Iterated or searched with `in` / `[_]`: must be a collection.
    Collection,
}

/// A read of `input.…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRead {
    /// The path below `input`.
    pub path: Vec<Segment>,
    /// Where each segment of `path` was written (for a path reached through a variable, the
    /// segments the variable stands for point at the variable).
    pub segment_ranges: Vec<Range<usize>>,
    /// The whole reference.
    pub range: Range<usize>,
    /// How the value is used.
    pub usage: Usage,
}

/// What a rule evaluates to, as far as its head tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleValue {
    /// `true`/`false` (`allow if …`, `default allow := false`).
    Boolean,
    /// An object literal with these keys.
    Object(Vec<String>),
    /// An array literal whose first element is a boolean literal (`[true, …]`) or not.
    Array {
        /// Whether the first element is a boolean literal.
        first_is_bool: bool,
    },
    /// A string, number or null literal.
    Scalar,
    /// A set (`deny contains msg`, `deny[msg]`).
    Set,
    /// A partial object (`p[k] := v`): one definition sets one key, `key` when the head
    /// names it with a string literal (`result["allow"] := allow`), `None` when it is computed.
    PartialObject {
        /// The key this definition sets.
        key: Option<String>,
    },
    /// A function (`f(x) := …`).
    Function,
    /// Something computed.
    Unknown,
}

/// A rule definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFact {
    /// The rule's name (first segment of its head, e.g. `allow`).
    pub name: String,
    /// The head's name.
    pub range: Range<usize>,
    /// Its value kind.
    pub value: RuleValue,
    /// A `default` rule.
    pub is_default: bool,
}

/// A function call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFact {
    /// The called name as written (`split`, `io.jwt.decode`, `lib.f`, `data.lib.f`).
    pub name: String,
    /// The name.
    pub range: Range<usize>,
    /// The rule whose definition holds the call (an index into [`ModuleFacts::rules`]).
    pub rule: Option<usize>,
}

/// `split(x, "/")[N]` (also through a variable holding the split result): taking a fixed part
/// of a string split at `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashIndex {
    /// The index taken.
    pub index: i64,
    /// The input path of the string split, when it is one.
    pub split_path: Option<Vec<Segment>>,
    /// The indexing expression.
    pub range: Range<usize>,
}

/// Everything read from one module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleFacts {
    /// `test` for `package test`, `a.b` for `package a.b`.
    pub package: String,
    /// The package path.
    pub package_range: Range<usize>,
    /// `import` aliases (last segment or `as` name) → imported path.
    pub imports: BTreeMap<String, String>,
    /// Rules in source order.
    pub rules: Vec<RuleFact>,
    /// Function calls in source order.
    pub calls: Vec<CallFact>,
    /// Reads of the input document.
    pub input_reads: Vec<InputRead>,
    /// `split(…, "/")[N]`.
    pub slash_indexes: Vec<SlashIndex>,
}

pub(super) fn range_of(span: &regorus::unstable::Span) -> Range<usize> {
    let start = usize::try_from(span.start).unwrap_or(0);
    let end = usize::try_from(span.end).unwrap_or(start).max(start);
    start..end
}

/// The dotted text of a reference (`io.jwt.decode`, `data.lib["x"]` → `data.lib.x`).
fn ref_name(expr: &Ref<Expr>) -> Option<String> {
    let parts = Parser::get_path_ref_components(expr).ok()?;
    Some(
        parts
            .iter()
            .map(|s| s.text().trim_matches('"').to_string())
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// Reads the facts of a parsed module.
#[must_use]
pub fn module_facts(module: &Module) -> ModuleFacts {
    let mut facts = ModuleFacts {
        package: ref_name(&module.package.refr)
            .map(|p| p.strip_prefix("data.").map_or(p.clone(), str::to_string))
            .unwrap_or_default(),
        package_range: range_of(module.package.refr.span()),
        ..ModuleFacts::default()
    };
    for import in &module.imports {
        let Some(path) = ref_name(&import.refr) else {
            continue;
        };
        let alias = import.r#as.as_ref().map_or_else(
            || path.rsplit('.').next().unwrap_or_default().to_string(),
            |s| s.text().to_string(),
        );
        facts.imports.insert(alias, path);
    }
    // Complete rules that only alias part of the input (`claims := input.state.jwtAccessToken`)
    // are variables for every other rule of the module.
    let mut globals = Env::default();
    for rule in &module.policy {
        if let Rule::Spec {
            head:
                RuleHead::Compr {
                    refr,
                    assign: Some(assign),
                    ..
                },
            bodies,
            ..
        } = rule.as_ref()
            && bodies.is_empty()
            && let Expr::Var { span, .. } = refr.as_ref()
        {
            let walker = Walker {
                facts: &mut facts,
                env: globals.clone(),
                rule: None,
            };
            if let Some(bound) = walker.bound_path(&assign.value) {
                globals.paths.insert(span.text().to_string(), bound);
            }
        }
    }
    for rule in &module.policy {
        let mut walker = Walker {
            facts: &mut facts,
            env: globals.clone(),
            rule: None,
        };
        walker.rule(rule);
    }
    facts
}

/// Variables that stand for an input path, or for the parts of a string split at `/`.
#[derive(Debug, Clone, Default)]
struct Env {
    paths: BTreeMap<String, (Vec<Segment>, Vec<Range<usize>>)>,
    /// Variables holding `split(x, "/")`, with the input path of `x` when known.
    slash_splits: BTreeMap<String, Option<Vec<Segment>>>,
}

struct Walker<'a> {
    facts: &'a mut ModuleFacts,
    env: Env,
    /// The rule being walked (an index into `facts.rules`).
    rule: Option<usize>,
}

fn value_kind(value: &Expr) -> RuleValue {
    match value {
        Expr::Bool { .. } => RuleValue::Boolean,
        Expr::BoolExpr { .. } | Expr::Membership { .. } => RuleValue::Boolean,
        Expr::String { .. } | Expr::RawString { .. } | Expr::Number { .. } | Expr::Null { .. } => {
            RuleValue::Scalar
        }
        Expr::Object { fields, .. } => RuleValue::Object(
            fields
                .iter()
                .filter_map(|(_, k, _)| match k.as_ref() {
                    Expr::String { value, .. } | Expr::RawString { value, .. } => {
                        value.as_string().ok().map(|s| s.to_string())
                    }
                    _ => None,
                })
                .collect(),
        ),
        Expr::Array { items, .. } => RuleValue::Array {
            first_is_bool: items
                .first()
                .is_some_and(|i| matches!(i.as_ref(), Expr::Bool { .. } | Expr::BoolExpr { .. })),
        },
        Expr::Set { .. } | Expr::SetCompr { .. } => RuleValue::Set,
        _ => RuleValue::Unknown,
    }
}

fn assign_kind(assign: Option<&RuleAssign>) -> RuleValue {
    assign.map_or(RuleValue::Boolean, |a| value_kind(&a.value))
}

impl Walker<'_> {
    fn rule(&mut self, rule: &Ref<Rule>) {
        match rule.as_ref() {
            Rule::Spec { head, bodies, .. } => {
                let (refr, value) = match head {
                    RuleHead::Compr { refr, assign, .. } => {
                        let value = if let Expr::RefBrack { index, .. } = refr.as_ref() {
                            let key = match index.as_ref() {
                                Expr::String { value, .. } | Expr::RawString { value, .. } => {
                                    value.as_string().ok().map(|s| s.to_string())
                                }
                                _ => None,
                            };
                            RuleValue::PartialObject { key }
                        } else {
                            assign_kind(assign.as_ref())
                        };
                        (refr, value)
                    }
                    RuleHead::Set { refr, .. } => (refr, RuleValue::Set),
                    RuleHead::Func { refr, .. } => (refr, RuleValue::Function),
                };
                self.push_rule(refr, value, false);
                for body in bodies {
                    let saved = self.env.clone();
                    self.query(&body.query);
                    if let Some(assign) = &body.assign {
                        self.expr(&assign.value, Usage::Plain);
                    }
                    self.env = saved;
                }
                match head {
                    RuleHead::Compr { assign, .. } => {
                        if let Some(a) = assign
                            && bodies.iter().all(|b| b.assign.is_none())
                        {
                            self.expr(&a.value, Usage::Plain);
                        }
                    }
                    RuleHead::Set { key, .. } => {
                        if let Some(k) = key {
                            self.expr(k, Usage::Plain);
                        }
                    }
                    RuleHead::Func { assign, .. } => {
                        if let Some(a) = assign {
                            self.expr(&a.value, Usage::Plain);
                        }
                    }
                }
            }
            Rule::Default {
                refr, args, value, ..
            } => {
                let kind = if args.is_empty() {
                    value_kind(value)
                } else {
                    RuleValue::Function
                };
                self.push_rule(refr, kind, true);
            }
        }
    }

    fn push_rule(&mut self, refr: &Ref<Expr>, value: RuleValue, is_default: bool) {
        let mut root: &Expr = refr.as_ref();
        while let Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } = root {
            root = refr.as_ref();
        }
        let span = root.span();
        self.facts.rules.push(RuleFact {
            name: span.text().to_string(),
            range: range_of(span),
            value,
            is_default,
        });
        self.rule = Some(self.facts.rules.len() - 1);
    }

    fn query(&mut self, query: &Ref<Query>) {
        for stmt in &query.stmts {
            match &stmt.literal {
                Literal::SomeVars { .. } => {}
                Literal::SomeIn {
                    key,
                    value,
                    collection,
                    ..
                } => {
                    let bound = self.bound_path(collection);
                    self.expr(collection, Usage::Collection);
                    if let Some(k) = key {
                        self.expr(k, Usage::Plain);
                    }
                    if let (Some((mut path, mut ranges)), Expr::Var { span, .. }) =
                        (bound, value.as_ref())
                    {
                        path.push(Segment::Any);
                        ranges.push(range_of(span));
                        self.env
                            .paths
                            .insert(span.text().to_string(), (path, ranges));
                    } else {
                        self.expr(value, Usage::Plain);
                    }
                }
                Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => {
                    self.statement(expr);
                }
                Literal::Every {
                    value,
                    domain,
                    query,
                    ..
                } => {
                    let bound = self.bound_path(domain);
                    self.expr(domain, Usage::Collection);
                    let saved = self.env.clone();
                    if let Some((mut path, mut ranges)) = bound {
                        path.push(Segment::Any);
                        ranges.push(range_of(value));
                        self.env
                            .paths
                            .insert(value.text().to_string(), (path, ranges));
                    }
                    self.query(query);
                    self.env = saved;
                }
            }
            for with in &stmt.with_mods {
                self.expr(&with.r#as, Usage::Plain);
            }
        }
    }

    /// A body statement: an assignment binds its variable to the path it reads.
    fn statement(&mut self, expr: &Ref<Expr>) {
        if let Expr::AssignExpr { lhs, rhs, .. } = expr.as_ref()
            && let Expr::Var { span, .. } = lhs.as_ref()
        {
            let name = span.text().to_string();
            let bound = self.bound_path(rhs);
            let splits = self.slash_split(rhs);
            self.expr(rhs, Usage::Plain);
            if let Some(bound) = bound {
                self.env.paths.insert(name.clone(), bound);
            } else {
                self.env.paths.remove(&name);
            }
            if let Some(split_path) = splits {
                self.env.slash_splits.insert(name, split_path);
            } else {
                self.env.slash_splits.remove(&name);
            }
            return;
        }
        self.expr(expr, Usage::Plain);
    }

    /// The input path a plain reference stands for (`input.a.b`, `claims.scope` with
    /// `claims` bound), without recording a read.
    fn bound_path(&self, expr: &Ref<Expr>) -> Option<(Vec<Segment>, Vec<Range<usize>>)> {
        // The words of a claim split at spaces stand for its elements: `scopes :=
        // split(claims.scope, " ")` makes `scopes[_]` one scope of the token.
        if let Expr::Call {
            fcn, params, span, ..
        } = expr.as_ref()
            && ref_name(fcn).as_deref() == Some("split")
            && params.get(1).is_some_and(|p| is_string(p, " "))
            && let Some(first) = params.first()
        {
            let (mut path, mut ranges) = self.bound_path(first)?;
            path.push(Segment::Words);
            ranges.push(range_of(span));
            return Some((path, ranges));
        }
        let mut steps = Vec::new();
        let mut cur: &Expr = expr.as_ref();
        loop {
            match cur {
                Expr::RefDot { refr, field, .. } => {
                    let key = field.1.as_string().map(|s| s.to_string()).ok()?;
                    steps.push((Segment::Key(key), range_of(&field.0)));
                    cur = refr.as_ref();
                }
                Expr::RefBrack { refr, index, .. } => {
                    let segment = match index.as_ref() {
                        Expr::String { value, .. } | Expr::RawString { value, .. } => {
                            Segment::Key(value.as_string().ok()?.to_string())
                        }
                        _ => Segment::Any,
                    };
                    steps.push((segment, range_of(index.span())));
                    cur = refr.as_ref();
                }
                Expr::Var { span, .. } => {
                    let name = span.text();
                    let (mut path, mut ranges) = if name == "input" {
                        (Vec::new(), Vec::new())
                    } else {
                        let (p, r) = self.env.paths.get(name)?;
                        (p.clone(), vec![range_of(span); r.len()])
                    };
                    for (segment, range) in steps.into_iter().rev() {
                        path.push(segment);
                        ranges.push(range);
                    }
                    return Some((path, ranges));
                }
                _ => return None,
            }
        }
    }

    fn record_read(&mut self, expr: &Ref<Expr>, usage: Usage) -> bool {
        let Some((path, segment_ranges)) = self.bound_path(expr) else {
            return false;
        };
        self.facts.input_reads.push(InputRead {
            path,
            segment_ranges,
            range: range_of(expr.span()),
            usage,
        });
        true
    }

    fn expr(&mut self, expr: &Ref<Expr>, usage: Usage) {
        match expr.as_ref() {
            Expr::RefDot { .. } | Expr::RefBrack { .. } | Expr::Var { .. } => {
                if let Expr::RefBrack {
                    refr, index, span, ..
                } = expr.as_ref()
                {
                    let split = match refr.as_ref() {
                        Expr::Var { span, .. } => self.env.slash_splits.get(span.text()).cloned(),
                        _ => self.slash_split(refr),
                    };
                    if let Expr::Number { value, .. } = index.as_ref()
                        && let Ok(n) = value.as_i64()
                        && let Some(split_path) = split
                    {
                        self.facts.slash_indexes.push(SlashIndex {
                            index: n,
                            split_path,
                            range: range_of(span),
                        });
                    }
                }
                // A bare variable is a read only where its use says something about the
                // value's shape; otherwise its defining statement was the read.
                let recorded = match expr.as_ref() {
                    Expr::Var { span, .. } => {
                        span.text() == "input"
                            || (usage != Usage::Plain && self.env.paths.contains_key(span.text()))
                    }
                    _ => true,
                };
                let recorded = recorded && self.record_read(expr, usage);
                // Only the whole reference is a read; the computed indexes inside it are
                // expressions of their own, and a reference that is not a read (a call
                // result, a rule) may still index with reads.
                let mut cur: &Ref<Expr> = expr;
                loop {
                    match cur.as_ref() {
                        Expr::RefDot { refr, .. } => cur = refr,
                        Expr::RefBrack { refr, index, .. } => {
                            if !matches!(
                                index.as_ref(),
                                Expr::String { .. } | Expr::RawString { .. }
                            ) {
                                self.expr(index, Usage::Plain);
                            }
                            cur = refr;
                        }
                        Expr::Var { .. } => break,
                        _ => {
                            if !recorded {
                                self.expr(cur, Usage::Plain);
                            }
                            break;
                        }
                    }
                }
            }
            Expr::Call { fcn, params, .. } => {
                if let Some(name) = ref_name(fcn) {
                    self.facts.calls.push(CallFact {
                        name: name.clone(),
                        range: range_of(fcn.span()),
                        rule: self.rule,
                    });
                    let string_first = STRING_FUNCTIONS.contains(&name.as_str());
                    for (i, p) in params.iter().enumerate() {
                        let usage = if i == 0 && string_first {
                            Usage::StringArg
                        } else {
                            Usage::Plain
                        };
                        self.expr(p, usage);
                    }
                } else {
                    for p in params {
                        self.expr(p, Usage::Plain);
                    }
                }
            }
            Expr::Membership {
                key,
                value,
                collection,
                ..
            } => {
                if let Some(k) = key {
                    self.expr(k, Usage::Plain);
                }
                self.expr(value, Usage::Plain);
                self.expr(collection, Usage::Collection);
            }
            Expr::Array { items, .. } | Expr::Set { items, .. } => {
                for i in items {
                    self.expr(i, Usage::Plain);
                }
            }
            Expr::Object { fields, .. } => {
                for (_, k, v) in fields {
                    self.expr(k, Usage::Plain);
                    self.expr(v, Usage::Plain);
                }
            }
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                let saved = self.env.clone();
                self.query(query);
                self.expr(term, Usage::Plain);
                self.env = saved;
            }
            Expr::ObjectCompr {
                key, value, query, ..
            } => {
                let saved = self.env.clone();
                self.query(query);
                self.expr(key, Usage::Plain);
                self.expr(value, Usage::Plain);
                self.env = saved;
            }
            Expr::UnaryExpr { expr, .. } => self.expr(expr, Usage::Plain),
            Expr::BinExpr { lhs, rhs, .. }
            | Expr::BoolExpr { lhs, rhs, .. }
            | Expr::ArithExpr { lhs, rhs, .. }
            | Expr::AssignExpr { lhs, rhs, .. } => {
                self.expr(lhs, Usage::Plain);
                self.expr(rhs, Usage::Plain);
            }
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
}

/// Builtins whose first argument must be a string: a claim read there must be a string.
const STRING_FUNCTIONS: &[&str] = &[
    "contains",
    "endswith",
    "indexof",
    "lower",
    "regex.match",
    "regex.split",
    "split",
    "startswith",
    "strings.replace_n",
    "substring",
    "trim",
    "trim_space",
    "upper",
];

fn is_string(expr: &Ref<Expr>, text: &str) -> bool {
    matches!(expr.as_ref(), Expr::String { value, .. } | Expr::RawString { value, .. } if value.as_string().is_ok_and(|s| s.as_ref() == text))
}

impl Walker<'_> {
    /// For `split(x, "/")`: `Some` with the input path of `x` when it has one.
    fn slash_split(&self, expr: &Ref<Expr>) -> Option<Option<Vec<Segment>>> {
        let Expr::Call { fcn, params, .. } = expr.as_ref() else {
            return None;
        };
        if ref_name(fcn).as_deref() != Some("split")
            || !params.get(1).is_some_and(|p| is_string(p, "/"))
        {
            return None;
        }
        Some(
            params
                .first()
                .and_then(|p| self.bound_path(p))
                .map(|(path, _)| path),
        )
    }
}

#[cfg(test)]
mod tests;
