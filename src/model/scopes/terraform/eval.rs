//! The expression evaluator of the Terraform scope reader: [`Val`] (a value that remembers the
//! span of the string literal it came from), [`Ctx`] (the `each`/`count`/iterator/`for`
//! variables in scope) and [`Evaluator`], which resolves literals, `local.*`, templates,
//! conditionals, `for` expressions, attributes of other resources of the same file, the
//! `count`/`for_each`/`dynamic` expansions, and a few pure functions. Whatever it cannot
//! resolve is [`Val::Unknown`], never an error: the scope is then kept without a name.
//!
//! It is written here rather than taken from `hcl-rs`'s `hcl::eval` for three reasons, checked
//! against hcl-rs 0.19.7 (<https://docs.rs/hcl-rs/latest/hcl/eval/index.html>, source
//! `crates/hcl-rs/src/expr/mod.rs` and `src/eval/` of github.com/martinohmann/hcl-rs):
//! - `hcl::Expression` and `hcl::Value` carry no source spans (`Expression::String(String)`),
//!   and a finding must point at the literal a scope name came from, through locals and
//!   templates ([`Val::Str`] keeps it);
//! - `count`, `for_each` and `dynamic` blocks are Terraform's meta-arguments, not HCL, so
//!   `hcl::eval` does not expand them, and references to other resources are Terraform's too;
//! - `hcl::eval` has no budget: a file whose locals or resources refer to each other
//!   exponentially would run unbounded, while this evaluator stops at [`MAX_STEPS`] and
//!   [`MAX_DEPTH`] and calls the rest unknown.
//!
//! `hcl::eval` also fails on the first undefined variable or function (`Evaluate::evaluate`),
//! where a scope reader needs "unknown" and to go on.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ForExpr, FuncCall, ObjectKey, Traversal, TraversalOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::{Element, Template};

/// Nesting limit of the evaluator (locals referring to locals, resources to resources).
const MAX_DEPTH: usize = 48;
/// Most instances one `count`/`for_each`/`dynamic` expands to.
const MAX_INSTANCES: usize = 1000;
/// Most evaluation steps per file; beyond it every value is unknown (pathological references).
const MAX_STEPS: usize = 1_000_000;

/// A value the evaluator computed. Strings remember the span of the literal they come from.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    Unknown,
    Null,
    Str(String, Option<Range<usize>>),
    Num(i64),
    Bool(bool),
    List(Vec<Val>),
    Map(Vec<(String, Val)>),
}

impl Val {
    fn str(s: impl Into<String>) -> Self {
        Self::Str(s.into(), None)
    }

    /// The value as template text (strings, numbers, booleans).
    pub(super) fn as_text(&self) -> Option<String> {
        match self {
            Self::Str(s, _) => Some(s.clone()),
            Self::Num(n) => Some(n.to_string()),
            Self::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    fn get(&self, key: &str) -> Self {
        match self {
            Self::Map(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map_or(Self::Unknown, |(_, v)| v.clone()),
            _ => Self::Unknown,
        }
    }

    /// Whether the value, and everything inside it, is known.
    fn is_known(&self) -> bool {
        match self {
            Self::Unknown => false,
            Self::List(items) => items.iter().all(Self::is_known),
            Self::Map(entries) => entries.iter().all(|(_, v)| v.is_known()),
            _ => true,
        }
    }

    /// `(key, value)` pairs to iterate over: list index (or the element itself for
    /// `for_each`, where Terraform iterates sets) and map key. `None` when not iterable or not
    /// fully known.
    fn iteration(&self, set_keys: bool) -> Option<Vec<(Self, Self)>> {
        if !self.is_known() {
            return None;
        }
        match self {
            Self::List(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let key = if set_keys {
                            v.clone()
                        } else {
                            Self::Num(i64::try_from(i).unwrap_or(i64::MAX))
                        };
                        (key, v.clone())
                    })
                    .take(MAX_INSTANCES)
                    .collect(),
            ),
            Self::Map(entries) => Some(
                entries
                    .iter()
                    .map(|(k, v)| (Self::str(k.clone()), v.clone()))
                    .take(MAX_INSTANCES)
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// Variables in scope: `each`, `count`, `dynamic` iterators, `for` expression variables.
#[derive(Debug, Clone, Default)]
pub(super) struct Ctx {
    vars: Vec<(String, Val)>,
}

impl Ctx {
    fn with(&self, name: &str, value: Val) -> Self {
        let mut vars = self.vars.clone();
        vars.push((name.to_owned(), value));
        Self { vars }
    }

    fn lookup(&self, name: &str) -> Option<&Val> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

fn key_value(key: Val, value: Val) -> Val {
    Val::Map(vec![("key".to_owned(), key), ("value".to_owned(), value)])
}

/// Evaluates expressions against the `locals` and resources of one file.
pub(super) struct Evaluator<'a> {
    text: &'a str,
    locals: HashMap<&'a str, &'a Expression>,
    resources: HashMap<(&'a str, &'a str), &'a Block>,
    memo: RefCell<HashMap<&'a str, Val>>,
    in_progress: RefCell<HashSet<String>>,
    depth: Cell<usize>,
    steps: Cell<usize>,
}

impl<'a> Evaluator<'a> {
    pub(super) fn new(text: &'a str, body: &'a Body) -> Self {
        let mut locals = HashMap::new();
        for block in body.get_blocks("locals") {
            for attr in block.body.attributes() {
                locals.insert(attr.key.as_str(), &attr.value);
            }
        }
        let mut resources = HashMap::new();
        for block in body.get_blocks("resource") {
            if let [ty, name] = block.labels.as_slice() {
                resources.insert((ty.as_str(), name.as_str()), block);
            }
        }
        Self {
            text,
            locals,
            resources,
            memo: RefCell::default(),
            in_progress: RefCell::default(),
            depth: Cell::new(0),
            steps: Cell::new(0),
        }
    }

    /// The span of an expression, without the quotes of a quoted string.
    pub(super) fn span_of(&self, expr: &Expression, fallback: &Range<usize>) -> Range<usize> {
        expr.span()
            .map_or_else(|| fallback.clone(), |s| self.unquoted(s))
    }

    fn unquoted(&self, span: Range<usize>) -> Range<usize> {
        match self.text.get(span.clone()) {
            Some(s) if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') => {
                span.start + 1..span.end - 1
            }
            _ => span,
        }
    }

    pub(super) fn eval(&self, expr: &Expression, ctx: &Ctx) -> Val {
        let depth = self.depth.get();
        let steps = self.steps.get();
        if depth >= MAX_DEPTH || steps >= MAX_STEPS {
            return Val::Unknown;
        }
        self.steps.set(steps + 1);
        self.depth.set(depth + 1);
        let value = self.eval_inner(expr, ctx);
        self.depth.set(depth);
        value
    }

    fn eval_inner(&self, expr: &Expression, ctx: &Ctx) -> Val {
        match expr {
            Expression::Null(_) => Val::Null,
            Expression::Bool(b) => Val::Bool(*b.value()),
            Expression::Number(n) => n.value().as_i64().map_or(Val::Unknown, Val::Num),
            Expression::String(s) => {
                Val::Str(s.value().clone(), s.span().map(|sp| self.unquoted(sp)))
            }
            Expression::Array(items) => {
                Val::List(items.iter().map(|item| self.eval(item, ctx)).collect())
            }
            Expression::Object(object) => {
                let mut entries = Vec::new();
                for (key, value) in object {
                    let key = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                        ObjectKey::Expression(e) => match self.eval(e, ctx).as_text() {
                            Some(k) => k,
                            None => return Val::Unknown,
                        },
                    };
                    entries.push((key, self.eval(value.expr(), ctx)));
                }
                Val::Map(entries)
            }
            Expression::StringTemplate(t) => self.template(t, ctx),
            Expression::HeredocTemplate(h) => self.template(&h.template, ctx),
            Expression::Parenthesis(p) => self.eval(p.inner(), ctx),
            Expression::Variable(v) => ctx.lookup(v.as_str()).cloned().unwrap_or(Val::Unknown),
            Expression::Conditional(c) => match self.eval(&c.cond_expr, ctx) {
                Val::Bool(true) => self.eval(&c.true_expr, ctx),
                Val::Bool(false) => self.eval(&c.false_expr, ctx),
                _ => Val::Unknown,
            },
            Expression::FuncCall(call) => self.call(call, ctx),
            Expression::Traversal(t) => self.traversal(t, ctx),
            Expression::ForExpr(f) => self.for_expr(f, ctx),
            Expression::UnaryOp(_) | Expression::BinaryOp(_) => Val::Unknown,
        }
    }

    fn template(&self, template: &Template, ctx: &Ctx) -> Val {
        let elements: Vec<&Element> = template.iter().collect();
        if let [Element::Interpolation(only)] = elements.as_slice() {
            return match self.eval(&only.expr, ctx) {
                v @ Val::Str(..) => v,
                other => other.as_text().map_or(Val::Unknown, Val::str),
            };
        }
        let mut out = String::new();
        for element in elements {
            match element {
                Element::Literal(lit) => out.push_str(lit.value()),
                Element::Interpolation(i) => match self.eval(&i.expr, ctx).as_text() {
                    Some(s) => out.push_str(&s),
                    None => return Val::Unknown,
                },
                Element::Directive(_) => return Val::Unknown,
            }
        }
        Val::str(out)
    }

    fn traversal(&self, t: &Traversal, ctx: &Ctx) -> Val {
        let ops: Vec<&TraversalOperator> =
            t.operators.iter().map(hcl_edit::Decorated::value).collect();
        let (base, rest) = match &t.expr {
            Expression::Variable(var) => {
                let name = var.as_str();
                if let Some(v) = ctx.lookup(name) {
                    (v.clone(), ops.as_slice())
                } else if name == "local" {
                    match ops.split_first() {
                        Some((TraversalOperator::GetAttr(local), rest)) => {
                            (self.local(local.as_str()), rest)
                        }
                        _ => return Val::Unknown,
                    }
                } else {
                    match ops.as_slice() {
                        [
                            TraversalOperator::GetAttr(res),
                            TraversalOperator::GetAttr(attr),
                            rest @ ..,
                        ] => (self.resource_attr(name, res.as_str(), attr.as_str()), rest),
                        _ => return Val::Unknown,
                    }
                }
            }
            other => (self.eval(other, ctx), ops.as_slice()),
        };
        rest.iter()
            .fold(base, |value, op| self.apply(value, op, ctx))
    }

    fn apply(&self, value: Val, op: &TraversalOperator, ctx: &Ctx) -> Val {
        match op {
            TraversalOperator::GetAttr(name) => value.get(name.as_str()),
            TraversalOperator::Index(index) => match (value, self.eval(index, ctx)) {
                (Val::List(items), Val::Num(i)) => usize::try_from(i)
                    .ok()
                    .and_then(|i| items.get(i).cloned())
                    .unwrap_or(Val::Unknown),
                (map @ Val::Map(_), Val::Str(key, _)) => map.get(&key),
                _ => Val::Unknown,
            },
            TraversalOperator::LegacyIndex(i) => match value {
                Val::List(items) => usize::try_from(*i.value())
                    .ok()
                    .and_then(|i| items.get(i).cloned())
                    .unwrap_or(Val::Unknown),
                _ => Val::Unknown,
            },
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => Val::Unknown,
        }
    }

    fn local(&self, name: &str) -> Val {
        if let Some(v) = self.memo.borrow().get(name) {
            return v.clone();
        }
        let Some((&key, &expr)) = self.locals.get_key_value(name) else {
            return Val::Unknown;
        };
        if !self.in_progress.borrow_mut().insert(name.to_owned()) {
            return Val::Unknown; // a cycle
        }
        let value = self.eval(expr, &Ctx::default());
        self.in_progress.borrow_mut().remove(name);
        self.memo.borrow_mut().insert(key, value.clone());
        value
    }

    /// `TYPE.NAME.ATTR` for a resource of this file without `count`/`for_each`.
    fn resource_attr(&self, ty: &str, name: &str, attr: &str) -> Val {
        let Some(block) = self.resources.get(&(ty, name)) else {
            return Val::Unknown;
        };
        let body = &block.body;
        if body.get_attribute("for_each").is_some() || body.get_attribute("count").is_some() {
            return Val::Unknown;
        }
        let root = Ctx::default();
        if ty == "aws_cognito_resource_server" && attr == "scope_identifiers" {
            let identifier = self.attr(body, "identifier", &root);
            let ids = self
                .nested(body, "scope", &root)
                .into_iter()
                .map(
                    |(scope, ctx)| match (&identifier, self.attr(scope, "scope_name", &ctx)) {
                        (Val::Str(id, _), Val::Str(n, _)) => Val::str(format!("{id}/{n}")),
                        _ => Val::Unknown,
                    },
                )
                .collect();
            return Val::List(ids);
        }
        self.attr(body, attr, &root)
    }

    pub(super) fn attr(&self, body: &Body, key: &str, ctx: &Ctx) -> Val {
        body.get_attribute(key)
            .map_or(Val::Unknown, |a| self.eval(&a.value, ctx))
    }

    fn call(&self, call: &FuncCall, ctx: &Ctx) -> Val {
        if call.name.is_namespaced() {
            return Val::Unknown;
        }
        let args: Vec<Val> = call.args.iter().map(|a| self.eval(a, ctx)).collect();
        match (call.name.name.as_str(), args.as_slice()) {
            ("tolist", [list @ Val::List(_)]) => list.clone(),
            ("toset" | "distinct", [Val::List(items)]) => {
                if items.iter().all(Val::is_known) {
                    let mut out: Vec<Val> = Vec::new();
                    for item in items {
                        if !out.iter().any(|o| same_value(o, item)) {
                            out.push(item.clone());
                        }
                    }
                    Val::List(out)
                } else {
                    Val::Unknown
                }
            }
            ("concat", lists) => Val::List(
                lists
                    .iter()
                    .flat_map(|l| match l {
                        Val::List(items) => items.clone(),
                        _ => vec![Val::Unknown],
                    })
                    .collect(),
            ),
            ("flatten", [list @ Val::List(_)]) => {
                let mut out = Vec::new();
                flatten_into(list, &mut out);
                Val::List(out)
            }
            ("format", [Val::Str(fmt, _), rest @ ..]) => format_s(fmt, rest),
            ("join", [Val::Str(sep, _), Val::List(items)]) => items
                .iter()
                .map(Val::as_text)
                .collect::<Option<Vec<_>>>()
                .map_or(Val::Unknown, |parts| Val::str(parts.join(sep))),
            ("length", [Val::List(items)]) if items.iter().all(Val::is_known) => {
                Val::Num(i64::try_from(items.len()).unwrap_or(i64::MAX))
            }
            ("length", [Val::Map(entries)]) => {
                Val::Num(i64::try_from(entries.len()).unwrap_or(i64::MAX))
            }
            ("keys", [Val::Map(entries)]) => {
                Val::List(entries.iter().map(|(k, _)| Val::str(k.clone())).collect())
            }
            ("values", [Val::Map(entries)]) => {
                Val::List(entries.iter().map(|(_, v)| v.clone()).collect())
            }
            ("tostring", [v]) => match v {
                Val::Str(..) => v.clone(),
                other => other.as_text().map_or(Val::Unknown, Val::str),
            },
            _ => Val::Unknown,
        }
    }

    fn for_expr(&self, f: &ForExpr, ctx: &Ctx) -> Val {
        let collection = self.eval(&f.intro.collection_expr, ctx);
        let Some(pairs) = collection.iteration(false) else {
            return Val::Unknown;
        };
        if f.grouping {
            return Val::Unknown;
        }
        let mut list = Vec::new();
        let mut map = Vec::new();
        for (key, value) in pairs {
            let mut inner = ctx.with(f.intro.value_var.as_str(), value);
            if let Some(key_var) = &f.intro.key_var {
                inner = inner.with(key_var.as_str(), key);
            }
            if let Some(cond) = &f.cond {
                match self.eval(&cond.expr, &inner) {
                    Val::Bool(true) => {}
                    Val::Bool(false) => continue,
                    _ => return Val::Unknown,
                }
            }
            let value = self.eval(&f.value_expr, &inner);
            match &f.key_expr {
                Some(key_expr) => match self.eval(key_expr, &inner).as_text() {
                    Some(k) => map.push((k, value)),
                    None => return Val::Unknown,
                },
                None => list.push(value),
            }
        }
        if f.key_expr.is_some() {
            Val::Map(map)
        } else {
            Val::List(list)
        }
    }

    /// The instances of a resource: one context per `for_each` element or `count` index; one
    /// context without `each`/`count` (so references to them are unknown) when the collection
    /// cannot be resolved.
    pub(super) fn instances(&self, body: &Body) -> Vec<Ctx> {
        let root = Ctx::default();
        if let Some(for_each) = body.get_attribute("for_each") {
            let collection = self.eval(&for_each.value, &root);
            return match collection.iteration(true) {
                Some(pairs) => pairs
                    .into_iter()
                    .map(|(k, v)| root.with("each", key_value(k, v)))
                    .collect(),
                None => vec![root],
            };
        }
        if let Some(count) = body.get_attribute("count") {
            return match self.eval(&count.value, &root) {
                Val::Num(n) => (0..n.clamp(0, i64::try_from(MAX_INSTANCES).unwrap_or(i64::MAX)))
                    .map(|i| root.with("count", Val::Map(vec![("index".to_owned(), Val::Num(i))])))
                    .collect(),
                _ => vec![root],
            };
        }
        vec![root]
    }

    /// Nested blocks named `ident`, static and `dynamic "ident"` (expanded), in file order.
    pub(super) fn nested<'b>(
        &self,
        body: &'b Body,
        ident: &str,
        ctx: &Ctx,
    ) -> Vec<(&'b Body, Ctx)> {
        let mut out = Vec::new();
        for block in body.blocks() {
            if block.ident.as_str() == ident {
                out.push((&block.body, ctx.clone()));
                continue;
            }
            let is_dynamic = block.ident.as_str() == "dynamic"
                && matches!(block.labels.as_slice(), [label] if label.as_str() == ident);
            if !is_dynamic {
                continue;
            }
            let Some(content) = block.body.get_blocks("content").next() else {
                continue;
            };
            let iterator = match block.body.get_attribute("iterator").map(|a| &a.value) {
                Some(Expression::Variable(v)) => v.as_str().to_owned(),
                _ => ident.to_owned(),
            };
            let collection = self.attr(&block.body, "for_each", ctx);
            match collection.iteration(false) {
                Some(pairs) => out.extend(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (&content.body, ctx.with(&iterator, key_value(k, v)))),
                ),
                None => out.push((&content.body, ctx.clone())),
            }
        }
        out
    }
}

/// Set membership as Terraform sees it: equal values, wherever they were written.
fn same_value(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Str(x, _), Val::Str(y, _)) => x == y,
        (Val::List(x), Val::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_value(x, y))
        }
        _ => a == b,
    }
}

fn flatten_into(value: &Val, out: &mut Vec<Val>) {
    match value {
        Val::List(items) => items.iter().for_each(|i| flatten_into(i, out)),
        other => out.push(other.clone()),
    }
}

/// `format` with only `%s` (and `%%`) verbs.
fn format_s(fmt: &str, args: &[Val]) -> Val {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s') => match args.next().and_then(Val::as_text) {
                Some(s) => out.push_str(&s),
                None => return Val::Unknown,
            },
            _ => return Val::Unknown,
        }
    }
    Val::str(out)
}
