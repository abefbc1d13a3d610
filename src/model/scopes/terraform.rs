//! Terraform scope declarations (PRODUCT §3, idp-scopes §8): `okta_auth_server_scope`,
//! `aws_cognito_resource_server`, `auth0_resource_server_scope(s)` (and legacy inline `scopes` on
//! `auth0_resource_server`), `azuread_application` `oauth2_permission_scope` (and
//! `azuread_application_permission_scope`), `keycloak_openid_client_scope`; grants from
//! `okta_auth_server_policy_rule.scope_whitelist`, `aws_cognito_user_pool_client.allowed_oauth_scopes`
//! and `keycloak_openid_client_{default,optional}_scopes`.
//!
//! The file is parsed with `hcl-edit`, which keeps byte spans. Values are resolved by a small
//! evaluator: string literals, `local.*` (from `locals` blocks of the same file), templates whose
//! interpolations all resolve, attributes of other resources in the same file
//! (`aws_cognito_resource_server.x.identifier`, `….scope_identifiers`), `for_each`/`count`/`dynamic`
//! over resolvable collections, `for` expressions and a few pure functions (`toset`, `tolist`,
//! `concat`, `flatten`, `distinct`, `format` with `%s`, `join`, `length`, `keys`, `values`,
//! `tostring`). Everything else (`var.*`, `data.*`, `module.*`, other functions) is *unknown*:
//! the scope is kept with `name: None`, never dropped.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ForExpr, FuncCall, ObjectKey, Traversal, TraversalOperator};
use hcl_edit::structure::{Attribute, Block, Body};
use hcl_edit::template::{Element, Template};

use super::{DeclaredScope, GrantedScope, ScopeSource, SourceError, SourceFormat};
use crate::load::source::SourceFile;

/// Nesting limit of the evaluator (locals referring to locals, resources to resources).
const MAX_DEPTH: usize = 48;
/// Most instances one `count`/`for_each`/`dynamic` expands to.
const MAX_INSTANCES: usize = 1000;
/// Most evaluation steps per file; beyond it every value is unknown (pathological references).
const MAX_STEPS: usize = 1_000_000;

/// Parses a `.tf` file.
///
/// # Errors
/// When it is not valid HCL, or declares none of the known resources.
pub fn parse(file: &SourceFile) -> Result<ScopeSource, SourceError> {
    let text: &str = &file.text;
    check_nesting(text)?;
    let body = hcl_edit::parser::parse_body(text).map_err(|e| syntax_error(text, &e))?;
    let eval = Evaluator::new(text, &body);
    let mut out = Extract {
        eval: &eval,
        scopes: Vec::new(),
        grants: None,
        problems: Vec::new(),
        recognised: false,
    };
    for block in body.get_blocks("resource") {
        let [ty, name] = block.labels.as_slice() else {
            continue;
        };
        out.resource(ty.as_str(), name.as_str(), block);
    }
    if !out.recognised {
        return Err(SourceError::UnknownFormat);
    }
    Ok(ScopeSource {
        format: SourceFormat::Terraform,
        scopes: out.scopes,
        grants: out.grants,
        complete: true,
        problems: out.problems,
    })
}

/// Converts a parser error into [`SourceError::Syntax`] with a one-character byte range.
/// The deepest nesting of `{`, `[` and `(` handed to hcl-edit. Its expression parser
/// backtracks through nested objects and operators, and 240 bytes nesting 38 levels took 20
/// seconds (found by the `scope_sources` fuzz target); scope declarations nest a few levels.
const MAX_NESTING: usize = 16;

/// Refuses text nesting brackets deeper than [`MAX_NESTING`] (outside strings and comments),
/// at the first bracket too deep.
fn check_nesting(text: &str) -> Result<(), SourceError> {
    let syntax = crate::load::nesting::Syntax {
        openers: &['{', '[', '('],
        slash_comments: true,
        backtick_strings: false,
    };
    match crate::load::nesting::first_too_deep(text, MAX_NESTING, syntax) {
        None => Ok(()),
        Some(i) => Err(SourceError::Syntax(
            i..i + 1,
            format!(
                "brackets nest more than {MAX_NESTING} levels deep here; the file is not read (the HCL parser's time grows exponentially with nesting)"
            ),
        )),
    }
}

fn syntax_error(text: &str, err: &hcl_edit::parser::Error) -> SourceError {
    let mut start = err.location().offset().min(text.len());
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    let end = text
        .get(start..)
        .and_then(|rest| rest.chars().next())
        .map_or(start, |c| start + c.len_utf8());
    let loc = err.location();
    SourceError::Syntax(
        start..end,
        format!(
            "HCL syntax error at line {}, column {}: {}",
            loc.line(),
            loc.column(),
            err.message()
        ),
    )
}

/// A value the evaluator computed. Strings remember the span of the literal they come from.
#[derive(Debug, Clone, PartialEq)]
enum Val {
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
    fn as_text(&self) -> Option<String> {
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
struct Ctx {
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
struct Evaluator<'a> {
    text: &'a str,
    locals: HashMap<&'a str, &'a Expression>,
    resources: HashMap<(&'a str, &'a str), &'a Block>,
    memo: RefCell<HashMap<&'a str, Val>>,
    in_progress: RefCell<HashSet<String>>,
    depth: Cell<usize>,
    steps: Cell<usize>,
}

impl<'a> Evaluator<'a> {
    fn new(text: &'a str, body: &'a Body) -> Self {
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
    fn span_of(&self, expr: &Expression, fallback: &Range<usize>) -> Range<usize> {
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

    fn eval(&self, expr: &Expression, ctx: &Ctx) -> Val {
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

    fn attr(&self, body: &Body, key: &str, ctx: &Ctx) -> Val {
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
    fn instances(&self, body: &Body) -> Vec<Ctx> {
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
    fn nested<'b>(&self, body: &'b Body, ident: &str, ctx: &Ctx) -> Vec<(&'b Body, Ctx)> {
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

/// Accumulates what the resources of one file declare and grant.
struct Extract<'e, 'a> {
    eval: &'e Evaluator<'a>,
    scopes: Vec<DeclaredScope>,
    grants: Option<Vec<GrantedScope>>,
    problems: Vec<(Range<usize>, String)>,
    recognised: bool,
}

/// The resource server a group of scopes belongs to.
#[derive(Default, Clone)]
struct Server {
    identifier: Option<String>,
    name: Option<String>,
    /// `azuread_application` `identifier_uris` (see [`DeclaredScope::app_id_uris`]).
    app_id_uris: Option<Vec<Option<String>>>,
}

impl Extract<'_, '_> {
    fn resource(&mut self, ty: &str, name: &str, block: &Block) {
        let ev = self.eval;
        let body = &block.body;
        let span = block.span().unwrap_or(0..0);
        let what = format!("{ty}.{name}");
        match ty {
            "okta_auth_server_scope" | "keycloak_openid_client_scope" => {
                self.simple(body, &span, &what, "name", |_| Server::default());
            }
            "azuread_application_permission_scope" => {
                self.simple(body, &span, &what, "value", |_| Server::default());
            }
            "auth0_resource_server_scope" => {
                self.simple(body, &span, &what, "scope", |ctx| Server {
                    identifier: text(&ev.attr(body, "resource_server_identifier", ctx)),
                    name: None,
                    app_id_uris: None,
                });
            }
            "aws_cognito_resource_server" => {
                self.grouped(body, &span, &what, &["scope"], "scope_name", |ctx| Server {
                    identifier: text(&ev.attr(body, "identifier", ctx)),
                    name: text(&ev.attr(body, "name", ctx)),
                    app_id_uris: None,
                });
            }
            "auth0_resource_server_scopes" => {
                self.grouped(body, &span, &what, &["scopes"], "name", |ctx| Server {
                    identifier: text(&ev.attr(body, "resource_server_identifier", ctx)),
                    name: None,
                    app_id_uris: None,
                });
            }
            "auth0_resource_server" => {
                self.grouped(body, &span, &what, &["scopes"], "value", |ctx| Server {
                    identifier: text(&ev.attr(body, "identifier", ctx)),
                    name: text(&ev.attr(body, "name", ctx)),
                    app_id_uris: None,
                });
            }
            "azuread_application" => {
                let server = |ctx: &Ctx| {
                    let uris = app_id_uris(ev, body, ctx);
                    Server {
                        identifier: uris.iter().flatten().flatten().next().cloned(),
                        name: None,
                        app_id_uris: uris,
                    }
                };
                self.grouped(
                    body,
                    &span,
                    &what,
                    &["api", "oauth2_permission_scope"],
                    "value",
                    server,
                );
            }
            "okta_auth_server_policy_rule" => self.grants(body, "scope_whitelist"),
            "aws_cognito_user_pool_client" => self.grants(body, "allowed_oauth_scopes"),
            "keycloak_openid_client_default_scopes" => self.grants(body, "default_scopes"),
            "keycloak_openid_client_optional_scopes" => self.grants(body, "optional_scopes"),
            _ => return,
        }
        self.recognised = true;
    }

    /// One scope per instance, named by the attribute `key` of the resource itself.
    fn simple(
        &mut self,
        body: &Body,
        span: &Range<usize>,
        what: &str,
        key: &str,
        server: impl Fn(&Ctx) -> Server,
    ) {
        for ctx in self.eval.instances(body) {
            let server = server(&ctx);
            self.declare(body, &ctx, span, what, key, &server);
        }
    }

    /// One scope per nested block along `path` (e.g. `api` → `oauth2_permission_scope`), named by
    /// its attribute `key`.
    fn grouped(
        &mut self,
        body: &Body,
        span: &Range<usize>,
        what: &str,
        path: &[&str],
        key: &str,
        server: impl Fn(&Ctx) -> Server,
    ) {
        for ctx in self.eval.instances(body) {
            let server = server(&ctx);
            let mut level = vec![(body, ctx)];
            for ident in path {
                level = level
                    .iter()
                    .flat_map(|(b, c)| self.eval.nested(b, ident, c))
                    .collect();
            }
            for (block_body, block_ctx) in level {
                let block_span = block_body.span().unwrap_or_else(|| span.clone());
                self.declare(block_body, &block_ctx, &block_span, what, key, &server);
            }
        }
    }

    fn declare(
        &mut self,
        body: &Body,
        ctx: &Ctx,
        span: &Range<usize>,
        what: &str,
        key: &str,
        server: &Server,
    ) {
        let Some(attr) = body.get_attribute(key) else {
            self.problems.push((
                span.clone(),
                format!("{what} declares a scope without `{key}`"),
            ));
            return;
        };
        let (name, span) = self.value_and_span(attr, ctx, span);
        let enabled = !matches!(self.eval.attr(body, "enabled", ctx), Val::Bool(false));
        self.scopes.push(DeclaredScope {
            name,
            resource_server: server.identifier.clone(),
            resource_server_name: server.name.clone(),
            app_id_uris: server.app_id_uris.clone(),
            enabled,
            span,
        });
    }

    fn value_and_span(
        &self,
        attr: &Attribute,
        ctx: &Ctx,
        fallback: &Range<usize>,
    ) -> (Option<String>, Range<usize>) {
        let expr_span = self.eval.span_of(&attr.value, fallback);
        match self.eval.eval(&attr.value, ctx) {
            Val::Str(s, origin) => (Some(s), origin.unwrap_or(expr_span)),
            other => (other.as_text(), expr_span),
        }
    }

    /// Grants listed by the attribute `key` of every instance of the resource.
    fn grants(&mut self, body: &Body, key: &str) {
        let ev = self.eval;
        let grants = self.grants.get_or_insert_with(Vec::new);
        let Some(attr) = body.get_attribute(key) else {
            return;
        };
        let fallback = body.span().unwrap_or(0..0);
        for ctx in ev.instances(body) {
            if let Expression::Array(items) = &attr.value {
                for item in items {
                    let span = ev.span_of(item, &fallback);
                    push_grants(ev.eval(item, &ctx), &span, grants);
                }
            } else {
                let span = ev.span_of(&attr.value, &fallback);
                push_grants(ev.eval(&attr.value, &ctx), &span, grants);
            }
        }
    }
}

fn push_grants(value: Val, span: &Range<usize>, out: &mut Vec<GrantedScope>) {
    match value {
        Val::List(items) => items
            .into_iter()
            .for_each(|item| push_grants(item, span, out)),
        Val::Str(s, origin) => out.push(GrantedScope {
            scope: Some(s),
            span: origin.unwrap_or_else(|| span.clone()),
        }),
        Val::Null => {}
        other => out.push(GrantedScope {
            scope: other.as_text(),
            span: span.clone(),
        }),
    }
}

/// The `identifier_uris` of an `azuread_application` instance. Absent or null is `None`: the
/// URIs may be attached by a separate `azuread_application_identifier_uri` resource, so the file
/// does not say which resource the scopes belong to. A value that does not resolve is a single
/// unknown entry.
fn app_id_uris(ev: &Evaluator<'_>, body: &Body, ctx: &Ctx) -> Option<Vec<Option<String>>> {
    body.get_attribute("identifier_uris")?;
    match ev.attr(body, "identifier_uris", ctx) {
        Val::Null => None,
        Val::List(uris) => Some(
            uris.iter()
                .filter_map(|uri| match uri {
                    Val::Str(s, _) if s.is_empty() => None,
                    Val::Str(s, _) => Some(Some(s.clone())),
                    Val::Null => None,
                    _ => Some(None),
                })
                .collect(),
        ),
        _ => Some(vec![None]),
    }
}

fn text(value: &Val) -> Option<String> {
    match value {
        Val::Str(s, _) => Some(s.clone()),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("main.tf".into(), PathBuf::from("main.tf"), text.into())
    }

    fn fixture(name: &str) -> (SourceFile, ScopeSource) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/scope-sources/files/terraform")
            .join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let f = SourceFile::new(name.into(), path, text);
        let source = parse(&f).unwrap();
        (f, source)
    }

    fn read(text: &str) -> ScopeSource {
        parse(&file(text)).unwrap()
    }

    fn names(source: &ScopeSource) -> Vec<Option<&str>> {
        source.scopes.iter().map(|s| s.name.as_deref()).collect()
    }

    fn grants(source: &ScopeSource) -> Vec<Option<&str>> {
        source
            .grants
            .as_ref()
            .unwrap()
            .iter()
            .map(|g| g.scope.as_deref())
            .collect()
    }

    fn at<'t>(text: &'t str, span: &Range<usize>) -> &'t str {
        &text[span.clone()]
    }

    #[test]
    fn okta_scope_literal_with_inner_span() {
        let text = "resource \"okta_auth_server_scope\" \"s\" {\n  auth_server_id = var.as\n  name = \"petstore\"\n}\n";
        let source = read(text);
        assert_eq!(source.format, SourceFormat::Terraform);
        assert!(source.complete);
        assert_eq!(source.grants, None);
        let [scope] = source.scopes.as_slice() else {
            panic!("{source:?}")
        };
        assert_eq!(scope.name.as_deref(), Some("petstore"));
        assert_eq!(scope.resource_server, None);
        assert!(scope.enabled);
        assert_eq!(at(text, &scope.span), "petstore");
    }

    #[test]
    fn okta_policy_rule_grants() {
        let text = r#"
resource "okta_auth_server_policy_rule" "r" {
  scope_whitelist = ["petstore", "*"]
}
"#;
        let source = read(text);
        assert!(source.scopes.is_empty());
        assert_eq!(grants(&source), [Some("petstore"), Some("*")]);
        let g = source.grants.as_ref().unwrap();
        assert_eq!(at(text, &g[1].span), "*");
    }

    #[test]
    fn cognito_resource_server_and_client() {
        let text = r#"
resource "aws_cognito_resource_server" "api" {
  identifier = "https://api.example.com"
  name       = "Example API"
  scope {
    scope_name        = "tracks"
    scope_description = "t"
  }
  scope {
    scope_name        = "pets"
    scope_description = "p"
  }
}
resource "aws_cognito_user_pool_client" "c" {
  allowed_oauth_scopes = ["openid", "https://api.example.com/tracks", aws_cognito_resource_server.api.scope_identifiers[1], aws_cognito_resource_server.other.scope_identifiers[0]]
}
"#;
        let source = read(text);
        assert_eq!(names(&source), [Some("tracks"), Some("pets")]);
        for s in &source.scopes {
            assert_eq!(
                s.resource_server.as_deref(),
                Some("https://api.example.com")
            );
            assert_eq!(s.resource_server_name.as_deref(), Some("Example API"));
        }
        assert_eq!(at(text, &source.scopes[1].span), "pets");
        assert_eq!(
            grants(&source),
            [
                Some("openid"),
                Some("https://api.example.com/tracks"),
                Some("https://api.example.com/pets"),
                None
            ]
        );
        let g = source.grants.as_ref().unwrap();
        assert_eq!(
            at(text, &g[3].span),
            "aws_cognito_resource_server.other.scope_identifiers[0]"
        );
    }

    #[test]
    fn cognito_whole_scope_identifiers_list() {
        let source = read(
            r#"
resource "aws_cognito_resource_server" "api" {
  identifier = "https://api.example.com"
  name       = "Example API"
  scope {
    scope_name        = "tracks"
    scope_description = "t"
  }
}
resource "aws_cognito_user_pool_client" "c" {
  allowed_oauth_scopes = concat(["email"], aws_cognito_resource_server.api.scope_identifiers)
}
"#,
        );
        assert_eq!(
            grants(&source),
            [Some("email"), Some("https://api.example.com/tracks")]
        );
    }

    #[test]
    fn auth0_three_shapes() {
        let text = r#"
resource "auth0_resource_server" "api" {
  name       = "API"
  identifier = "https://api.example.com"
}
resource "auth0_resource_server_scopes" "s" {
  resource_server_identifier = auth0_resource_server.api.identifier
  scopes {
    name        = "tracks"
    description = "d"
  }
}
resource "auth0_resource_server_scope" "one" {
  resource_server_identifier = "https://api.example.com"
  scope                      = "pets"
}
resource "auth0_resource_server" "legacy" {
  identifier = "https://legacy.example.com"
  scopes {
    value = "invoices"
  }
}
"#;
        let source = read(text);
        assert_eq!(
            names(&source),
            [Some("tracks"), Some("pets"), Some("invoices")]
        );
        let servers: Vec<_> = source
            .scopes
            .iter()
            .map(|s| s.resource_server.as_deref())
            .collect();
        assert_eq!(
            servers,
            [
                Some("https://api.example.com"),
                Some("https://api.example.com"),
                Some("https://legacy.example.com")
            ]
        );
        assert_eq!(source.grants, None);
    }

    #[test]
    fn azuread_application_enabled_and_identifier_uri() {
        let source = read(
            r#"
resource "azuread_application" "a" {
  identifier_uris = ["api://example", "https://example.com/api"]
  api {
    oauth2_permission_scope {
      value   = "tracks"
      enabled = true
    }
    oauth2_permission_scope {
      value   = "pets"
      enabled = false
    }
    oauth2_permission_scope {
      value = "orders"
    }
  }
}
"#,
        );
        assert_eq!(
            names(&source),
            [Some("tracks"), Some("pets"), Some("orders")]
        );
        let enabled: Vec<_> = source.scopes.iter().map(|s| s.enabled).collect();
        assert_eq!(enabled, [true, false, true]);
        assert!(
            source
                .scopes
                .iter()
                .all(|s| s.resource_server.as_deref() == Some("api://example"))
        );
        let uris = Some(vec![
            Some("api://example".to_owned()),
            Some("https://example.com/api".to_owned()),
        ]);
        assert!(source.scopes.iter().all(|s| s.app_id_uris == uris));
    }

    #[test]
    fn azuread_identifier_uris_unknown_or_absent() {
        let source = read(
            r#"
resource "azuread_application" "a" {
  identifier_uris = ["api://${var.name}", "api://fixed"]
  api {
    oauth2_permission_scope {
      value = "tracks"
    }
  }
}
resource "azuread_application" "b" {
  api {
    oauth2_permission_scope {
      value = "pets"
    }
  }
}
resource "azuread_application_permission_scope" "c" {
  application_id = azuread_application.b.id
  value          = "orders"
}
resource "okta_auth_server_scope" "d" {
  auth_server_id = "x"
  name           = "okta"
}
"#,
        );
        assert_eq!(
            source.scopes[0].app_id_uris,
            Some(vec![None, Some("api://fixed".to_owned())])
        );
        assert_eq!(
            source.scopes[0].resource_server.as_deref(),
            Some("api://fixed")
        );
        // Absent: a separate `azuread_application_identifier_uri` may set them.
        assert_eq!(source.scopes[1].app_id_uris, None);
        assert_eq!(source.scopes[2].app_id_uris, None);
        assert_eq!(source.scopes[3].app_id_uris, None);
    }

    #[test]
    fn keycloak_client_scope() {
        let source = read(
            "resource \"keycloak_openid_client_scope\" \"s\" {\n  realm_id = keycloak_realm.r.id\n  name = \"tracks\"\n}\n",
        );
        assert_eq!(names(&source), [Some("tracks")]);
    }

    #[test]
    fn locals_and_templates_resolve() {
        let text = r#"
locals {
  api    = "https://api.example.com"
  prefix = "product"
  name   = local.prefix
}
resource "aws_cognito_resource_server" "api" {
  identifier = local.api
  name       = "API"
  scope {
    scope_name        = "${local.prefix}-tracks"
    scope_description = "d"
  }
  scope {
    scope_name        = local.name
    scope_description = "d"
  }
}
resource "aws_cognito_user_pool_client" "c" {
  allowed_oauth_scopes = ["${local.api}/${local.prefix}-tracks", format("%s/pets", local.api)]
}
"#;
        let source = read(text);
        assert_eq!(names(&source), [Some("product-tracks"), Some("product")]);
        assert_eq!(
            source.scopes[0].resource_server.as_deref(),
            Some("https://api.example.com")
        );
        // A template: the span is its text without the quotes.
        assert_eq!(at(text, &source.scopes[0].span), "${local.prefix}-tracks");
        // A local: the span is the literal in `locals`.
        assert_eq!(at(text, &source.scopes[1].span), "product");
        assert_eq!(
            grants(&source),
            [
                Some("https://api.example.com/product-tracks"),
                Some("https://api.example.com/pets")
            ]
        );
    }

    #[test]
    fn unresolved_values_are_unknown_not_missing() {
        let text = r#"
locals {
  cycle = local.cycle
}
resource "okta_auth_server_scope" "a" {
  name = var.scope_name
}
resource "okta_auth_server_scope" "b" {
  name = "${var.prefix}/tracks"
}
resource "okta_auth_server_scope" "c" {
  name = lower(local.missing)
}
resource "okta_auth_server_scope" "d" {
  name = local.cycle
}
resource "okta_auth_server_scope" "e" {
  name = data.okta_x.y.name
}
resource "auth0_resource_server_scope" "f" {
  resource_server_identifier = var.audience
  scope                      = "tracks"
}
"#;
        let source = read(text);
        assert_eq!(
            names(&source),
            [None, None, None, None, None, Some("tracks")]
        );
        assert_eq!(at(text, &source.scopes[0].span), "var.scope_name");
        assert_eq!(at(text, &source.scopes[1].span), "${var.prefix}/tracks");
        assert_eq!(source.scopes[5].resource_server, None);
    }

    #[test]
    fn for_each_over_local_list() {
        let text = r#"
locals {
  products = ["tracks", "pets", "tracks"]
}
resource "okta_auth_server_scope" "p" {
  for_each       = toset(local.products)
  auth_server_id = "aus1"
  name           = each.value
}
"#;
        let source = read(text);
        assert_eq!(names(&source), [Some("tracks"), Some("pets")]);
        // Spans point at the literals in the list.
        assert_eq!(at(text, &source.scopes[1].span), "pets");
        assert_eq!(
            source.scopes[1].span.start,
            text.find("\"pets\"").unwrap() + 1
        );
    }

    #[test]
    fn for_each_over_map_count_and_dynamic() {
        let source = read(
            r#"
locals {
  scopes = { tracks = "Tracks", pets = "Pets" }
  names  = ["a", "b"]
}
resource "keycloak_openid_client_scope" "m" {
  for_each = local.scopes
  name     = "${each.key}:read"
}
resource "keycloak_openid_client_scope" "n" {
  count = length(local.names)
  name  = local.names[count.index]
}
resource "aws_cognito_resource_server" "d" {
  identifier = "https://api.example.com"
  name       = "API"
  dynamic "scope" {
    for_each = local.scopes
    content {
      scope_name        = scope.key
      scope_description = scope.value
    }
  }
  dynamic "scope" {
    for_each = [for n in local.names : "${n}-x"]
    iterator = s
    content {
      scope_name        = s.value
      scope_description = "d"
    }
  }
}
"#,
        );
        assert_eq!(
            names(&source),
            [
                Some("tracks:read"),
                Some("pets:read"),
                Some("a"),
                Some("b"),
                Some("tracks"),
                Some("pets"),
                Some("a-x"),
                Some("b-x")
            ]
        );
    }

    #[test]
    fn unresolvable_for_each_gives_one_unknown_scope() {
        let text = r#"
resource "okta_auth_server_scope" "p" {
  for_each = toset(var.products)
  name     = each.value
}
resource "aws_cognito_resource_server" "d" {
  identifier = "https://api.example.com"
  name       = "API"
  dynamic "scope" {
    for_each = var.scopes
    content {
      scope_name        = scope.value.name
      scope_description = "d"
    }
  }
}
"#;
        let source = read(text);
        assert_eq!(names(&source), [None, None]);
        assert_eq!(at(text, &source.scopes[0].span), "each.value");
        assert_eq!(
            source.scopes[1].resource_server.as_deref(),
            Some("https://api.example.com")
        );
    }

    #[test]
    fn empty_for_each_declares_nothing_but_is_recognised() {
        let source = read(
            "resource \"okta_auth_server_scope\" \"p\" {\n  for_each = []\n  name = each.value\n}\n",
        );
        assert!(source.scopes.is_empty());
    }

    #[test]
    fn missing_name_is_a_problem() {
        let source =
            read("resource \"okta_auth_server_scope\" \"p\" {\n  auth_server_id = \"x\"\n}\n");
        assert!(source.scopes.is_empty());
        assert_eq!(source.problems.len(), 1);
        assert!(source.problems[0].1.contains("okta_auth_server_scope.p"));
    }

    #[test]
    fn syntax_error_has_position() {
        let f = file("resource \"okta_auth_server_scope\" \"s\" {\n  name = \n}\n");
        let Err(SourceError::Syntax(range, message)) = parse(&f) else {
            panic!("expected a syntax error")
        };
        assert_eq!(f.line_col(range.start).line, 2);
        assert!(message.contains("line 2"), "{message}");
        let f = file("resource \"x\" \"y\" {\n  name = \"é\n");
        let Err(SourceError::Syntax(range, _)) = parse(&f) else {
            panic!("expected a syntax error")
        };
        assert!(f.text.get(range).is_some());
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!(
            "x = {}1{}\n",
            "[".repeat(MAX_NESTING + 1),
            "]".repeat(MAX_NESTING + 1)
        );
        let Err(SourceError::Syntax(range, message)) = parse(&file(&deep)) else {
            panic!("expected the nesting to be refused")
        };
        assert_eq!(range.start, "x = ".len() + MAX_NESTING);
        assert!(message.contains("nest"), "{message}");
        // Brackets in strings and comments do not count.
        let quoted = format!(
            "# {0}\n// {0}\n/* {0} */\nlocals {{\n  a = \"{0}\"\n}}\n",
            "{".repeat(40)
        );
        assert!(!matches!(
            parse(&file(&quoted)),
            Err(SourceError::Syntax(_, m)) if m.contains("nest")
        ));
    }

    #[test]
    fn unrelated_and_empty_files_are_unknown_format() {
        for text in [
            "",
            "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n",
            "locals {\n  a = 1\n}\n",
        ] {
            assert_eq!(
                parse(&file(text)),
                Err(SourceError::UnknownFormat),
                "{text}"
            );
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut text = String::from("locals {\n  l0 = \"x\"\n");
        for i in 1..200 {
            text.push_str(&format!("  l{i} = local.l{}\n", i - 1));
        }
        text.push_str("}\nresource \"okta_auth_server_scope\" \"s\" {\n  name = local.l199\n}\n");
        let source = read(&text);
        assert_eq!(source.scopes.len(), 1);
    }

    #[test]
    fn exponential_references_stay_bounded() {
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&format!(
                "resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"${{aws_s3_bucket.b{n}.bucket}}${{aws_s3_bucket.b{n}.bucket}}\"\n}}\n",
                n = i + 1
            ));
        }
        text.push_str(
            "resource \"okta_auth_server_scope\" \"s\" {\n  name = aws_s3_bucket.b0.bucket\n}\n",
        );
        let source = read(&text);
        assert_eq!(names(&source), [None]);
    }

    #[test]
    fn fixture_cognito() {
        let (f, source) = fixture("cognito.tf");
        assert_eq!(names(&source), [Some("tracks"), Some("pets")]);
        assert!(source.scopes.iter().all(|s| {
            s.resource_server.as_deref() == Some("https://api.example.com")
                && s.resource_server_name.as_deref() == Some("Example API")
        }));
        assert_eq!(
            grants(&source),
            [
                Some("openid"),
                Some("https://api.example.com/tracks"),
                Some("https://api.example.com/pets"),
                None
            ]
        );
        assert_eq!(f.line_col(source.scopes[0].span.start).line, 12);
    }

    #[test]
    fn fixture_okta() {
        let (f, source) = fixture("okta.tf");
        assert_eq!(
            names(&source),
            [Some("tracks"), Some("pets"), Some("orders")]
        );
        assert_eq!(grants(&source), [Some("tracks"), Some("orders")]);
        // for_each scopes point at the `locals` list.
        assert_eq!(f.line_col(source.scopes[0].span.start).line, 6);
    }

    #[test]
    fn fixture_auth0() {
        let (_, source) = fixture("auth0.tf");
        assert_eq!(
            names(&source),
            [
                Some("tracks"),
                Some("pets"),
                Some("orders"),
                Some("invoices")
            ]
        );
        let servers: Vec<_> = source
            .scopes
            .iter()
            .map(|s| s.resource_server.as_deref().unwrap())
            .collect();
        assert_eq!(
            servers,
            [
                "https://api.example.com",
                "https://api.example.com",
                "https://api.example.com",
                "https://legacy.example.com"
            ]
        );
        assert_eq!(source.grants, None);
    }

    #[test]
    fn fixture_azuread() {
        let (_, source) = fixture("azuread.tf");
        assert_eq!(names(&source), [Some("tracks"), Some("pets")]);
        let enabled: Vec<_> = source.scopes.iter().map(|s| s.enabled).collect();
        assert_eq!(enabled, [true, false]);
        assert_eq!(
            source.scopes[0].resource_server.as_deref(),
            Some("api://example")
        );
    }

    #[test]
    fn fixture_keycloak() {
        let (_, source) = fixture("keycloak.tf");
        assert_eq!(names(&source), [Some("product:tracks"), None]);
        assert_eq!(
            grants(&source),
            [Some("profile"), Some("product:tracks"), None]
        );
    }

    #[test]
    fn fixture_unrelated_and_invalid() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/scope-sources/files/terraform");
        let load = |name: &str| {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path).unwrap();
            SourceFile::new(name.into(), path, text)
        };
        assert_eq!(
            parse(&load("unrelated.tf")),
            Err(SourceError::UnknownFormat)
        );
        let f = load("invalid.tf");
        let Err(SourceError::Syntax(range, _)) = parse(&f) else {
            panic!("expected a syntax error")
        };
        assert_eq!(f.line_col(range.start).line, 3);
    }
}
