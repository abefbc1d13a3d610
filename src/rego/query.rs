//! What an `opaAuth` query reads and yields, read from the regorus AST: its references to
//! `data.…` and whether its result is a boolean, a `data` value or something else.

use std::ops::Range;

use regorus::unstable::{Expr, Literal, Query, Ref};

use super::facts::range_of;

/// A reference to `data.…` in a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRef {
    /// The path below `data` (statically known keys only; it stops at the first computed one).
    pub path: Vec<String>,
    /// The reference.
    pub range: Range<usize>,
}

/// What an `opaAuth` query evaluates to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryResult {
    /// A comparison or membership test: a boolean.
    Boolean,
    /// The value of the `data` reference at this index of [`QueryFacts::data_refs`].
    Data(usize),
    /// Something else (a call, arithmetic, several statements).
    Other,
}

/// What a query reads and yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryFacts {
    /// References to `data`, in order.
    pub data_refs: Vec<DataRef>,
    /// The result's kind.
    pub result: QueryResult,
}

/// Reads the facts of a parsed query.
#[must_use]
pub fn query_facts(query: &Query) -> QueryFacts {
    let mut data_refs = Vec::new();
    for stmt in &query.stmts {
        if let Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } = &stmt.literal {
            collect_data_refs(expr, &mut data_refs);
        }
    }
    let result = match query.stmts.as_slice() {
        [single] => match &single.literal {
            Literal::NotExpr { .. } => QueryResult::Boolean,
            Literal::Expr { expr, .. } => match expr.as_ref() {
                Expr::BoolExpr { .. } | Expr::Membership { .. } => QueryResult::Boolean,
                Expr::RefDot { .. } | Expr::RefBrack { .. } | Expr::Var { .. } => data_refs
                    .iter()
                    .position(|r| r.range == range_of(expr.span()))
                    .map_or(QueryResult::Other, QueryResult::Data),
                _ => QueryResult::Other,
            },
            _ => QueryResult::Other,
        },
        _ => QueryResult::Other,
    };
    QueryFacts { data_refs, result }
}

fn collect_data_refs(expr: &Ref<Expr>, out: &mut Vec<DataRef>) {
    match expr.as_ref() {
        Expr::RefDot { .. } | Expr::RefBrack { .. } | Expr::Var { .. } => {
            let mut keys = Vec::new();
            let mut cur: &Ref<Expr> = expr;
            loop {
                match cur.as_ref() {
                    Expr::RefDot { refr, field, .. } => {
                        keys.push(field.0.text().to_string());
                        cur = refr;
                    }
                    Expr::RefBrack { refr, index, .. } => {
                        match index.as_ref() {
                            Expr::String { value, .. } | Expr::RawString { value, .. } => {
                                keys.push(
                                    value.as_string().map(|s| s.to_string()).unwrap_or_default(),
                                );
                            }
                            _ => {
                                // A computed key ends the static path.
                                keys.clear();
                                collect_data_refs(index, out);
                            }
                        }
                        cur = refr;
                    }
                    Expr::Var { span, .. } => {
                        if span.text() == "data" {
                            keys.reverse();
                            out.push(DataRef {
                                path: keys,
                                range: range_of(expr.span()),
                            });
                        }
                        return;
                    }
                    _ => {
                        collect_data_refs(cur, out);
                        return;
                    }
                }
            }
        }
        Expr::Call { params, .. } => params.iter().for_each(|p| collect_data_refs(p, out)),
        Expr::Membership {
            value, collection, ..
        } => {
            collect_data_refs(value, out);
            collect_data_refs(collection, out);
        }
        Expr::Array { items, .. } | Expr::Set { items, .. } => {
            items.iter().for_each(|i| collect_data_refs(i, out));
        }
        Expr::Object { fields, .. } => fields.iter().for_each(|(_, k, v)| {
            collect_data_refs(k, out);
            collect_data_refs(v, out);
        }),
        Expr::UnaryExpr { expr, .. } => collect_data_refs(expr, out),
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => {
            collect_data_refs(lhs, out);
            collect_data_refs(rhs, out);
        }
        _ => {}
    }
}
