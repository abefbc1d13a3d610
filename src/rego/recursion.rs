//! OPA's compile-time recursion check, for functions. OPA rejects any rule that depends on
//! itself with `rego_recursion_error: rule f is recursive: f -> g -> f` (`checkRecursion` and
//! `checkSelfPath` in ast/compile.go of open-policy-agent/opa). Regorus only notices a complete
//! rule that depends on itself, while evaluating it (interpreter.rs, `eval_rule`, 0.14.1); a
//! function that calls itself recurses until the stack overflows and aborts the process. So
//! the call graph of a step's modules is read before anything is evaluated.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::facts::{ModuleFacts, RuleValue};

/// A function that calls itself, directly or through other functions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recursion {
    /// The module defining the first function of the cycle (an index into
    /// [`super::Analysis::modules`]) and the range of its name there.
    pub module: usize,
    /// The range of the function's name in its head.
    pub range: Range<usize>,
    /// The functions of the cycle, the first repeated at the end (`f`, `g`, `f`).
    pub cycle: Vec<String>,
}

impl Recursion {
    /// OPA's message.
    #[must_use]
    pub fn message(&self) -> String {
        format!(
            "rule {} is recursive: {}",
            self.cycle.first().map_or("", String::as_str),
            self.cycle.join(" -> ")
        )
    }
}

/// A function: its package and name.
type Node = (String, String);

/// The first cycle among the functions of `modules` (module index and facts), in the order of
/// their packages and names.
#[must_use]
pub fn function_cycle(modules: &[(usize, &ModuleFacts)]) -> Option<Recursion> {
    // Every function and where it is first defined.
    let mut functions: BTreeMap<Node, (usize, Range<usize>)> = BTreeMap::new();
    for &(m, facts) in modules {
        for rule in facts
            .rules
            .iter()
            .filter(|r| r.value == RuleValue::Function)
        {
            functions
                .entry((facts.package.clone(), rule.name.clone()))
                .or_insert((m, rule.range.clone()));
        }
    }
    let mut calls: BTreeMap<&Node, BTreeSet<Node>> = BTreeMap::new();
    for &(_, facts) in modules {
        for call in &facts.calls {
            let Some(caller) = call.rule.and_then(|r| facts.rules.get(r)) else {
                continue;
            };
            if caller.value != RuleValue::Function {
                continue;
            }
            let Some((caller, _)) =
                functions.get_key_value(&(facts.package.clone(), caller.name.clone()))
            else {
                continue;
            };
            if let Some(callee) = resolve(facts, &call.name).filter(|c| functions.contains_key(c)) {
                calls.entry(caller).or_default().insert(callee);
            }
        }
    }
    let cycle = first_cycle(&calls)?;
    let (module, range) = functions.get(cycle.first()?)?.clone();
    Some(Recursion {
        module,
        range,
        cycle: cycle.into_iter().map(|(_, name)| name).collect(),
    })
}

/// The function a call names, as OPA resolves it: a bare name in the module's own package (or
/// an import of it), `data.pkg.f`, or `alias.f` through an import. `None` for a built-in.
fn resolve(facts: &ModuleFacts, name: &str) -> Option<Node> {
    let (head, rest) = name.split_once('.').unwrap_or((name, ""));
    let path = match facts.imports.get(head) {
        Some(imported) if rest.is_empty() => imported.clone(),
        Some(imported) => format!("{imported}.{rest}"),
        None if head == "data" => name.to_string(),
        None if rest.is_empty() => return Some((facts.package.clone(), name.to_string())),
        None => return None,
    };
    let (package, function) = path.strip_prefix("data.")?.rsplit_once('.')?;
    Some((package.to_string(), function.to_string()))
}

/// The first cycle of a graph by depth-first search from each node in order, as the nodes on
/// it with the first repeated at the end. Iterative: a chain of thousands of functions must
/// not exhaust the stack.
fn first_cycle(calls: &BTreeMap<&Node, BTreeSet<Node>>) -> Option<Vec<Node>> {
    let mut done: BTreeSet<&Node> = BTreeSet::new();
    for &start in calls.keys() {
        if done.contains(start) {
            continue;
        }
        // The path being explored, each node with the callees left to try.
        let mut path: Vec<(&Node, std::collections::btree_set::Iter<'_, Node>)> = Vec::new();
        let mut on_path: BTreeSet<&Node> = BTreeSet::new();
        path.push((
            start,
            calls.get(start).map(BTreeSet::iter).unwrap_or_default(),
        ));
        on_path.insert(start);
        while let Some((_, callees)) = path.last_mut() {
            match callees.next() {
                Some(next) if on_path.contains(next) => {
                    let from = path.iter().position(|(n, _)| *n == next)?;
                    let mut cycle: Vec<Node> =
                        path[from..].iter().map(|(n, _)| (*n).clone()).collect();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(next) if !done.contains(next) => {
                    let next = calls.get_key_value(next).map_or(next, |(k, _)| *k);
                    on_path.insert(next);
                    path.push((
                        next,
                        calls.get(next).map(BTreeSet::iter).unwrap_or_default(),
                    ));
                }
                Some(_) => {}
                None => {
                    if let Some((node, _)) = path.pop() {
                        on_path.remove(node);
                        done.insert(node);
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rego::facts::module_facts;
    use crate::rego::parse::{Accepted, parse_module};

    fn cycle(modules: &[&str]) -> Option<(usize, String, String)> {
        let facts: Vec<ModuleFacts> = modules
            .iter()
            .filter_map(|m| parse_module("m.rego", m, Accepted::Auto).ok())
            .map(|p| module_facts(&p.module))
            .collect();
        assert_eq!(facts.len(), modules.len(), "every module parses");
        let indexed: Vec<(usize, &ModuleFacts)> = facts.iter().enumerate().collect();
        function_cycle(&indexed).map(|r| {
            let text = modules.get(r.module).map_or("", |m| &m[r.range.clone()]);
            (r.module, text.to_string(), r.message())
        })
    }

    #[test]
    fn a_function_calling_itself_is_recursive() {
        let rego = "package test\n\nf(x) := y if {\n\ty := f(x + 1)\n}\n\nallow if f(1) > 0\n";
        assert_eq!(
            cycle(&[rego]),
            Some((
                0,
                "f".to_string(),
                "rule f is recursive: f -> f".to_string()
            ))
        );
    }

    #[test]
    fn cycles_across_modules_and_imports() {
        let a = "package a\n\nimport data.b\n\nf(x) := b.g(x)\n\nh(x) := x\n";
        let b = "package b\n\ng(x) := data.a.f(x)\n";
        assert_eq!(
            cycle(&[a, b]),
            Some((
                0,
                "f".to_string(),
                "rule f is recursive: f -> g -> f".to_string()
            ))
        );
    }

    #[test]
    fn calls_that_end_are_not_recursive() {
        // Functions calling each other without a cycle, a builtin with a function's name in
        // another package, and a rule (not a function) whose name is reused.
        let rego = "package test\n\nf(x) := g(x) + count(x)\n\ng(x) := h(x)\n\nh(x) := x\n\nsplit(x) := x\n\nallow if f([1]) > 0\n";
        let other = "package other\n\ncount(x) := count(x)\n";
        assert_eq!(cycle(&[rego]), None);
        assert_eq!(
            cycle(&[rego, other]).map(|c| c.2),
            Some("rule count is recursive: count -> count".to_string())
        );
    }

    #[test]
    fn a_long_chain_does_not_exhaust_the_stack() {
        let mut rego = String::from("package test\n\n");
        for i in 0..10_000 {
            rego.push_str(&format!("f{i}(x) := f{}(x)\n", i + 1));
        }
        rego.push_str("f10000(x) := f0(x)\n");
        let facts = parse_module("m.rego", &rego, Accepted::Auto).map(|p| module_facts(&p.module));
        let Ok(facts) = facts else {
            unreachable!("the chain parses");
        };
        let found = function_cycle(&[(0, &facts)]).map(|r| r.cycle.len());
        assert_eq!(found, Some(10_002));
    }
}
