//! CloudFormation intrinsic functions, short (`!Ref X`) and long (`{"Ref": "X"}`) form, evaluated
//! as far as the template itself determines them.
//!
//! Resolved: `Ref` to a `UserPoolResourceServer` (its `Identifier`, which is what CloudFormation's
//! `Ref` returns) and to a parameter with a `Default` (not SSM-backed); `Fn::Sub` (string or
//! `[string, variables]`, `${!Literal}` escapes); `Fn::Join`; `Fn::Select`; `Fn::Split`;
//! `Fn::FindInMap` over the template's `Mappings`. Everything else (pseudo parameters,
//! `Fn::GetAtt`, `Fn::If`, `Fn::ImportValue`, parameters without a default) is unknown.

use super::scalar;
use crate::load::node::{Node, Value};
use crate::load::source::SourceFile;
use crate::load::yaml::Document;

/// The resource that declares scopes.
pub(super) const RESOURCE_SERVER: &str = "AWS::Cognito::UserPoolResourceServer";
/// The resource that is granted scopes.
pub(super) const USER_POOL_CLIENT: &str = "AWS::Cognito::UserPoolClient";

/// Nesting depth past which an expression is unknown (also stops `Ref` cycles).
const MAX_DEPTH: usize = 24;

/// Whether `root` has a `Resources` mapping whose entries carry a `Type` like `AWS::…`.
pub(super) fn has_typed_resources(root: &Node) -> bool {
    match root.get("Resources").map(|n| &n.value) {
        Some(Value::Map(entries)) => entries.iter().any(|e| {
            e.value
                .get("Type")
                .and_then(Node::as_str)
                .is_some_and(|t| t.contains("::"))
        }),
        _ => false,
    }
}

/// The template an expression is evaluated in.
pub(super) struct Cfn<'a> {
    file: &'a SourceFile,
    doc: &'a Document,
}

impl<'a> Cfn<'a> {
    pub(super) fn new(file: &'a SourceFile, doc: &'a Document) -> Self {
        Self { file, doc }
    }

    /// Whether `node` is an intrinsic function call.
    pub(super) fn is_intrinsic(&self, node: &Node) -> bool {
        self.intrinsic(node).is_some()
    }

    /// The string `node` evaluates to; `None` when unknown.
    pub(super) fn eval(&self, node: &Node) -> Option<String> {
        self.eval_at(node, 0)
    }

    /// The list `node` evaluates to; `None` when unknown.
    pub(super) fn eval_list(&self, node: &Node) -> Option<Vec<String>> {
        self.list_at(node, 0)
    }

    /// The function name and its argument. For the short form the argument is the tagged node
    /// itself, read without its tag.
    fn intrinsic<'n>(&self, node: &'n Node) -> Option<(String, &'n Node)> {
        if let Some(tag) = self.doc.tag_at(node.span.start()) {
            let bare = tag.strip_prefix('!').unwrap_or(tag);
            let name = match bare {
                "Ref" | "Condition" => bare.to_owned(),
                _ => format!("Fn::{bare}"),
            };
            return Some((name, node));
        }
        match &node.value {
            Value::Map(entries) => match &entries[..] {
                [entry]
                    if entry.key == "Ref"
                        || entry.key == "Condition"
                        || entry.key.starts_with("Fn::") =>
                {
                    Some((entry.key.to_string(), &entry.value))
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn eval_at(&self, node: &Node, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.intrinsic(node) {
            Some((name, arg)) => self.call(&name, arg, depth + 1),
            None => scalar(self.file, node).map(|(s, _)| s),
        }
    }

    fn call(&self, name: &str, arg: &Node, depth: usize) -> Option<String> {
        match name {
            "Ref" => self.reference(arg.as_str()?, depth),
            "Fn::Sub" => match &arg.value {
                Value::String(template) => self.sub(template, None, depth),
                Value::Seq(parts) => match &parts[..] {
                    [template, vars] => self.sub(template.as_str()?, Some(vars), depth),
                    [template] => self.sub(template.as_str()?, None, depth),
                    _ => None,
                },
                _ => None,
            },
            "Fn::Join" => match &arg.value {
                Value::Seq(parts) => match &parts[..] {
                    [delimiter, list] => {
                        let delimiter = self.eval_at(delimiter, depth)?;
                        Some(self.list_at(list, depth)?.join(&delimiter))
                    }
                    _ => None,
                },
                _ => None,
            },
            "Fn::Select" => match &arg.value {
                Value::Seq(parts) => match &parts[..] {
                    [index, list] => {
                        let index: usize = self.eval_at(index, depth)?.trim().parse().ok()?;
                        self.list_at(list, depth)?.into_iter().nth(index)
                    }
                    _ => None,
                },
                _ => None,
            },
            "Fn::FindInMap" => match &arg.value {
                Value::Seq(parts) => match &parts[..] {
                    [map, top, second] | [map, top, second, _] => {
                        let map = self.eval_at(map, depth)?;
                        let top = self.eval_at(top, depth)?;
                        let second = self.eval_at(second, depth)?;
                        let value = self
                            .doc
                            .root
                            .get("Mappings")?
                            .get(&map)?
                            .get(&top)?
                            .get(&second)?;
                        self.eval_at(value, depth)
                    }
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    fn list_at(&self, node: &Node, depth: usize) -> Option<Vec<String>> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.intrinsic(node) {
            Some((name, arg)) => match name.as_str() {
                "Fn::Split" => match &arg.value {
                    Value::Seq(parts) => match &parts[..] {
                        [delimiter, source] => {
                            let delimiter = self.eval_at(delimiter, depth + 1)?;
                            let source = self.eval_at(source, depth + 1)?;
                            if delimiter.is_empty() {
                                return None;
                            }
                            Some(source.split(&delimiter).map(str::to_owned).collect())
                        }
                        _ => None,
                    },
                    _ => None,
                },
                "Ref" => {
                    let param = self.doc.root.get("Parameters")?.get(arg.as_str()?)?;
                    let kind = param.get("Type").and_then(Node::as_str)?;
                    if kind != "CommaDelimitedList" {
                        return None;
                    }
                    let default = self.eval_at(param.get("Default")?, depth + 1)?;
                    Some(default.split(',').map(|s| s.trim().to_owned()).collect())
                }
                _ => None,
            },
            None => match &node.value {
                Value::Seq(items) => items
                    .iter()
                    .map(|item| self.eval_at(item, depth + 1))
                    .collect(),
                _ => None,
            },
        }
    }

    /// What `Ref name` returns, when the template determines it.
    fn reference(&self, name: &str, depth: usize) -> Option<String> {
        if name.starts_with("AWS::") {
            return None; // pseudo parameters: known only at deploy time
        }
        let root = &self.doc.root;
        if let Some(param) = root.get("Parameters").and_then(|p| p.get(name)) {
            let kind = param.get("Type").and_then(Node::as_str).unwrap_or("String");
            // SSM-backed parameters default to the SSM key, not to the value; lists are no string.
            if kind != "String" && kind != "Number" {
                return None;
            }
            return self.eval_at(param.get("Default")?, depth + 1);
        }
        let resource = root.get("Resources")?.get(name)?;
        if resource.get("Type").and_then(Node::as_str) == Some(RESOURCE_SERVER) {
            let identifier = resource.pointer("/Properties/Identifier")?.node;
            return self.eval_at(identifier, depth + 1);
        }
        None
    }

    /// `Fn::Sub`: `${Name}` is a variable or a `Ref`, `${Res.Attr}` a `GetAtt` (unknown),
    /// `${!Text}` the literal `${Text}`.
    fn sub(&self, template: &str, vars: Option<&Node>, depth: usize) -> Option<String> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(rest.get(..start)?);
            let after = rest.get(start + 2..)?;
            let Some(end) = after.find('}') else {
                out.push_str(rest.get(start..)?);
                return Some(out);
            };
            let inner = after.get(..end)?;
            if let Some(literal) = inner.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else {
                let name = inner.trim();
                let value = match vars.and_then(|v| v.get(name)) {
                    Some(node) => self.eval_at(node, depth + 1)?,
                    None if name.contains('.') => return None,
                    None => self.reference(name, depth)?,
                };
                out.push_str(&value);
            }
            rest = after.get(end + 1..)?;
        }
        out.push_str(rest);
        Some(out)
    }
}
