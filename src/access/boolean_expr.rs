//! Gloo's `booleanExpr`: how an auth config combines the results of its steps, by name, with
//! `!`, `&&`, `||` and parentheses (gloo-api.md §2).

use std::collections::BTreeMap;

/// Evaluates Gloo's `booleanExpr` over the steps' results: names, `!`, `&&`, `||` and
/// parentheses. `None` for an expression it cannot read or a name it does not know.
#[must_use]
pub(super) fn boolean_expr(expr: &str, values: &BTreeMap<&str, bool>) -> Option<bool> {
    let tokens = tokenize(expr)?;
    let mut pos = 0;
    let value = or_expr(&tokens, &mut pos, values)?;
    (pos == tokens.len()).then_some(value)
}

fn tokenize(expr: &str) -> Option<Vec<String>> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            ' ' | '\t' | '\n' => i += 1,
            '(' | ')' | '!' => {
                tokens.push(c.to_string());
                i += 1;
            }
            '&' | '|' => {
                if chars.get(i + 1) != Some(&c) {
                    return None;
                }
                tokens.push(format!("{c}{c}"));
                i += 2;
            }
            _ if c.is_alphanumeric() || c == '_' || c == '-' || c == '.' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '-' || *c == '.')
                {
                    i += 1;
                }
                tokens.push(chars[start..i].iter().collect());
            }
            _ => return None,
        }
    }
    Some(tokens)
}

fn or_expr(tokens: &[String], pos: &mut usize, values: &BTreeMap<&str, bool>) -> Option<bool> {
    let mut value = and_expr(tokens, pos, values)?;
    while tokens.get(*pos).is_some_and(|t| t == "||") {
        *pos += 1;
        let rhs = and_expr(tokens, pos, values)?;
        value = value || rhs;
    }
    Some(value)
}

fn and_expr(tokens: &[String], pos: &mut usize, values: &BTreeMap<&str, bool>) -> Option<bool> {
    let mut value = unary(tokens, pos, values)?;
    while tokens.get(*pos).is_some_and(|t| t == "&&") {
        *pos += 1;
        let rhs = unary(tokens, pos, values)?;
        value = value && rhs;
    }
    Some(value)
}

fn unary(tokens: &[String], pos: &mut usize, values: &BTreeMap<&str, bool>) -> Option<bool> {
    let token = tokens.get(*pos)?;
    *pos += 1;
    match token.as_str() {
        "!" => unary(tokens, pos, values).map(|v| !v),
        "(" => {
            let v = or_expr(tokens, pos, values)?;
            (tokens.get(*pos).map(String::as_str) == Some(")")).then(|| {
                *pos += 1;
                v
            })
        }
        name => values.get(name).copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boolean_expressions() {
        let values: BTreeMap<&str, bool> = [("a", true), ("b", false), ("c", true)]
            .into_iter()
            .collect();
        assert_eq!(boolean_expr("a && b", &values), Some(false));
        assert_eq!(boolean_expr("a && (b || c)", &values), Some(true));
        assert_eq!(boolean_expr("!b && !(a && b)", &values), Some(true));
        assert_eq!(boolean_expr("a & b", &values), None);
        assert_eq!(boolean_expr("a && d", &values), None);
        assert_eq!(boolean_expr("(a", &values), None);
    }
}
