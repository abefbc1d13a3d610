//! The YAML tree with a byte span on every key and value, and JSON-pointer lookups into it.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use compact_str::CompactString;

use super::source::FileId;

/// The byte range of a key or value in its file, as two `u32`s.
///
/// Every key and every value carries one, and `Range<usize>` made them a sixth of a large
/// repository's tree. The loader refuses files of 4 GiB or more (see
/// [`MAX_SPANNED_BYTES`](super::read::MAX_SPANNED_BYTES)), so offsets fit; conversion saturates
/// rather than wrapping should one not.
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct TextSpan {
    start: u32,
    end: u32,
}

impl TextSpan {
    /// The span of `range`.
    #[must_use]
    pub fn new(range: Range<usize>) -> Self {
        Self {
            start: u32::try_from(range.start).unwrap_or(u32::MAX),
            end: u32::try_from(range.end).unwrap_or(u32::MAX),
        }
    }

    /// First byte.
    #[must_use]
    pub fn start(self) -> usize {
        self.start as usize
    }

    /// One past the last byte.
    #[must_use]
    pub fn end(self) -> usize {
        self.end as usize
    }

    /// As a range of offsets.
    #[must_use]
    pub fn range(self) -> Range<usize> {
        self.start()..self.end()
    }
}

impl fmt::Debug for TextSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// The file a node's span is in: the file of its document ([`Origin::DOCUMENT`]), or another
/// one. A `u32` rather than an `Option<FileId>` so that it fits the node's padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin(u32);

impl Origin {
    /// The file of the node's document.
    pub const DOCUMENT: Origin = Origin(u32::MAX);

    /// The file `file`.
    #[must_use]
    pub fn file(file: FileId) -> Self {
        Origin(file.0)
    }

    /// The file the span is in, for a node of a document of `document_file`.
    #[must_use]
    pub fn resolve(self, document_file: FileId) -> FileId {
        if self == Origin::DOCUMENT {
            document_file
        } else {
            FileId(self.0)
        }
    }
}

/// How a scalar was written; collections are `Collection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `key: value`
    Plain,
    /// `'value'`
    SingleQuoted,
    /// `"value"`
    DoubleQuoted,
    /// `|` block
    Literal,
    /// `>` block
    Folded,
    /// A mapping or sequence.
    Collection,
}

/// A YAML node with the byte range of its value in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Byte range of the value (for block scalars: from the first content character).
    pub span: TextSpan,
    /// How it was written.
    pub style: Style,
    /// Which file `span` is in: the document's own, unless the node was put into a rendered
    /// document from another file (a kustomize patch, or a transformer's value in a
    /// kustomization: see `model::kustomize`). Fits the node's padding: a node stays 40 bytes.
    pub origin: Origin,
    /// What it holds.
    pub value: Value,
}

/// The data of a node, resolved the way Kubernetes tooling reads it (see `scalar.rs`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer or a float.
    Number(serde_json::Number),
    /// Any other scalar. Most keys and scalars are short: `CompactString` keeps up to 24
    /// bytes inline, which halved the tree of a large repository (one heap string per key and
    /// per value before).
    String(CompactString),
    /// A sequence. Shared slices, not vectors: trees never grow once built, and the smaller
    /// variant lets `Value` share `CompactString`'s spare byte for its tag (24 bytes instead
    /// of 32). Shared rather than boxed because an anchor and every alias of it are the same
    /// collection: copying it deep at the anchor made nested anchors quadratic (a 2 MB file
    /// of them took gigabytes), and an anchor now costs a reference count until an alias
    /// uses it (see `yaml.rs`).
    Seq(Shared<Node>),
    /// A mapping, in source order; shared like [`Value::Seq`].
    Map(Shared<Entry>),
}

/// The items of a collection, shared by every place of the tree that holds it (an anchor and
/// its aliases): read like a slice.
#[derive(Clone, PartialEq)]
pub struct Shared<T>(Arc<[T]>);

impl<T> std::ops::Deref for Shared<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Clone> Shared<T> {
    /// The items, mutably: copied first when another tree shares them (an anchor's alias, or
    /// the document a rendered kustomize resource was cloned from).
    pub fn to_mut(&mut self) -> &mut [T] {
        if Arc::get_mut(&mut self.0).is_none() {
            self.0 = self.0.iter().cloned().collect();
        }
        Arc::get_mut(&mut self.0).map_or(&mut [], |items| items)
    }
}

impl<'a, T> IntoIterator for &'a Shared<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T> From<Vec<T>> for Shared<T> {
    fn from(items: Vec<T>) -> Self {
        Self(items.into())
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

/// One key of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as text (complex keys are rendered as compact JSON).
    pub key: CompactString,
    /// Byte range of the key.
    pub key_span: TextSpan,
    /// The value.
    pub value: Node,
}

/// The result of a pointer lookup: the node, and the span of the key that holds it if any.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    /// The node the pointer names.
    pub node: &'a Node,
    /// The key span when the node is a mapping value.
    pub key_span: Option<TextSpan>,
}

impl Found<'_> {
    /// The span of the key holding the node, or the node's own when it has no key.
    #[must_use]
    pub fn key_or_value_span(&self) -> Range<usize> {
        self.key_span.unwrap_or(self.node.span).range()
    }

    /// The file the node (and its key: a rendered entry takes key and value from one file)
    /// is in, for a document of `document_file`.
    #[must_use]
    pub fn file(&self, document_file: FileId) -> FileId {
        self.node.origin.resolve(document_file)
    }
}

impl Node {
    /// The value of `key` when this node is a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry for `key` when this node is a mapping.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// The string value, when the node is a string scalar.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the node is an unquoted Go template expression (`key: {{ .Values.host }}`),
    /// which the YAML reader keeps as the string it is written as (see `yaml.rs`): its value
    /// is unknown until the template is rendered. No plain YAML scalar starts with `{`, so the
    /// plain style tells it from a quoted `"{{ … }}"`, which is a string once rendered too.
    #[must_use]
    pub fn is_unrendered_template(&self) -> bool {
        self.style == Style::Plain && self.as_str().is_some_and(|s| s.starts_with("{{"))
    }

    /// Looks up an RFC 6901 JSON pointer (`/spec/http/0/name`).
    #[must_use]
    pub fn pointer(&self, pointer: &str) -> Option<Found<'_>> {
        let mut found = Found {
            node: self,
            key_span: None,
        };
        for token in pointer_tokens(pointer) {
            found = found.node.child(&token)?;
        }
        Some(found)
    }

    /// Looks up the longest existing prefix of `pointer`; used to place a finding about
    /// something absent at its closest present parent.
    #[must_use]
    pub fn pointer_or_parent(&self, pointer: &str) -> Found<'_> {
        let mut found = Found {
            node: self,
            key_span: None,
        };
        for token in pointer_tokens(pointer) {
            match found.node.child(&token) {
                Some(next) => found = next,
                None => break,
            }
        }
        found
    }

    fn child(&self, token: &str) -> Option<Found<'_>> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == token).map(|e| Found {
                node: &e.value,
                key_span: Some(e.key_span),
            }),
            Value::Seq(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|n| Found {
                    node: n,
                    key_span: None,
                }),
            _ => None,
        }
    }

    /// Converts to JSON for typed deserialization.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.to_string(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// Calls `visit` for every scalar string below this node (values, not keys), without the
    /// cost of building each one's pointer (see [`Node::walk_strings`]).
    pub fn visit_strings<'a>(&'a self, visit: &mut dyn FnMut(&'a Node, &'a str)) {
        match &self.value {
            Value::String(s) => visit(self, s),
            Value::Seq(items) => items.iter().for_each(|item| item.visit_strings(visit)),
            Value::Map(entries) => entries.iter().for_each(|e| e.value.visit_strings(visit)),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Calls `visit` for every scalar string below this node with its JSON pointer.
    pub fn walk_strings<'a>(
        &'a self,
        pointer: &mut String,
        visit: &mut dyn FnMut(&str, &'a Node, &'a str),
    ) {
        match &self.value {
            Value::String(s) => visit(pointer, self, s),
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    item.walk_strings(pointer, visit);
                    pointer.truncate(len);
                }
            }
            Value::Map(entries) => {
                for e in entries {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&escape_token(&e.key));
                    e.value.walk_strings(pointer, visit);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }
}

/// Escapes one JSON-pointer token (`~` → `~0`, `/` → `~1`).
#[must_use]
pub fn escape_token(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_owned()
    }
}

pub(crate) fn pointer_tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_stays_compact() {
        // One of these per key and value of every loaded document: growth here is
        // multiplied by the size of the repository.
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Node>(), 40);
        assert_eq!(std::mem::size_of::<Entry>(), 72);
    }

    #[test]
    fn spans_saturate_instead_of_wrapping() {
        let huge = usize::try_from(u64::from(u32::MAX) + 10).unwrap_or(usize::MAX);
        assert_eq!(TextSpan::new(3..huge).range(), 3..u32::MAX as usize);
    }

    #[test]
    fn escapes_round_trip() {
        assert_eq!(escape_token("a/b~c"), "a~1b~0c");
        let tokens: Vec<_> = pointer_tokens("/a~1b~0c/0").collect();
        assert_eq!(tokens, vec!["a/b~c".to_owned(), "0".to_owned()]);
    }
}
