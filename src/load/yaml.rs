//! Multi-document YAML → [`Document`]s with spans, through granit-parser's event stream.
//!
//! The loader owns scalar resolution (see `scalar.rs`), duplicate-key detection, merge keys and
//! alias expansion. An anchor costs nothing until an alias uses it: anchor and aliases share
//! one collection (see [`Value::Seq`]). What the aliases of a file expand to is charged to
//! one budget for the whole file ([`alias_budget`]), so that an alias bomb costs at most the
//! budget, then stops with a problem instead of exhausting memory or time.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use compact_str::CompactString;
use granit_parser::{Event, Options, Parser, ScalarStyle, ScanError, Span as YamlSpan};

use super::node::{Entry, Node, Origin, Style, TextSpan, Value};
use super::scalar::{Yaml11Reading, resolve_plain};
use super::source::SourceFile;

/// What every file may expand to through aliases, whatever its size (see [`alias_budget`]).
pub const ALIAS_BUDGET_BASE: usize = 10_000;

/// What each byte of a file adds to its alias budget (see [`alias_budget`]).
pub const ALIAS_BUDGET_PER_BYTE: usize = 4;

/// The largest alias budget of any file (see [`alias_budget`]).
pub const ALIAS_BUDGET_MAX: usize = 1_000_000;

/// How many nodes the aliases of a file of `text_len` bytes may expand to, all its documents
/// together: [`ALIAS_BUDGET_BASE`] plus [`ALIAS_BUDGET_PER_BYTE`] per byte, at most
/// [`ALIAS_BUDGET_MAX`]. A string counts as one node per 64 bytes besides its own, since
/// every reader of the tree copies it wherever an alias puts it.
///
/// The budget is the file's, not each document's: one per document let 2,000 small documents
/// of an alias bomb each just under it take 8.9 GB. And it grows with the file, so a whole
/// run expands at most a few nodes per byte of its input, like everything else it does, and
/// a small file cannot amplify itself a hundred thousand times. It depends on the file alone
/// (not on a counter shared by the files parsed in parallel), so which document is refused
/// never depends on thread timing, and [`super::Repo::root`] parsing the file again gets the
/// same tree. Real configuration stays far below: a shared block of twenty keys merged into
/// each of a file's routes costs about one node per byte.
#[must_use]
pub fn alias_budget(text_len: usize) -> usize {
    ALIAS_BUDGET_PER_BYTE
        .saturating_mul(text_len)
        .saturating_add(ALIAS_BUDGET_BASE)
        .min(ALIAS_BUDGET_MAX)
}

/// One YAML document of a file.
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based position of the document in its file (`u32`: with the released flag, a
    /// document stays 56 bytes, which a file of a million documents holds a million times).
    pub index: u32,
    /// The root node. After [`Document::release_tree`] a null node with the root's span:
    /// read trees through [`super::Repo::root`], which parses the file again then.
    pub root: Node,
    /// What only some documents have, boxed: every document carrying two empty collections
    /// made a file of a million tiny documents cost a third more memory.
    notes: Option<Box<DocumentNotes>>,
    /// Whether [`Document::release_tree`] dropped the tree.
    released: bool,
}

#[derive(Debug, Clone, Default)]
struct DocumentNotes {
    /// Plain scalars YAML 1.1 reads differently.
    yaml11: Vec<Yaml11Scalar>,
    /// Local tags (`!Ref`, `!Sub`, `!GetAtt` in CloudFormation) by the start offset of the
    /// node they are on. Core tags (`!!str`) are applied, not kept.
    tags: std::collections::BTreeMap<usize, String>,
}

impl Document {
    fn new(
        index: u32,
        root: Node,
        yaml11: Vec<Yaml11Scalar>,
        tags: std::collections::BTreeMap<usize, String>,
    ) -> Self {
        let notes = (!yaml11.is_empty() || !tags.is_empty())
            .then(|| Box::new(DocumentNotes { yaml11, tags }));
        Self {
            index,
            root,
            notes,
            released: false,
        }
    }

    /// A document built rather than parsed (a kustomize resource rendered with its unit's
    /// patches), standing for document `index` of its file.
    #[must_use]
    pub fn rendered(index: u32, root: Node) -> Self {
        Self {
            index,
            root,
            notes: None,
            released: false,
        }
    }

    /// Replaces the tree by a null node with the same span and drops the notes: the trees
    /// are the largest thing a run holds (about four times the text), and once a document is
    /// modelled and the rules that read trees ran on it, its tree is needed only to locate a
    /// finding, for which [`super::Repo::root`] parses the file again.
    pub fn release_tree(&mut self) {
        self.root.value = crate::load::node::Value::Null;
        self.notes = None;
        self.released = true;
    }

    /// Whether [`Document::release_tree`] dropped the tree.
    #[must_use]
    pub fn is_released(&self) -> bool {
        self.released
    }

    /// Plain scalars YAML 1.1 reads differently, in file order.
    #[must_use]
    pub fn yaml11(&self) -> &[Yaml11Scalar] {
        self.notes.as_ref().map_or(&[], |n| n.yaml11.as_slice())
    }

    /// The local tag (`!Ref`, `!Sub`, `!GetAtt` in CloudFormation) on the node starting at
    /// `start`, if any. Core tags (`!!str`) are applied, not kept.
    #[must_use]
    pub fn tag_at(&self, start: usize) -> Option<&str> {
        self.notes
            .as_ref()
            .and_then(|n| n.tags.get(&start))
            .map(String::as_str)
    }
}

/// A plain scalar whose YAML 1.1 reading differs from its YAML 1.2 one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Yaml11Scalar {
    /// Where it is.
    pub span: Range<usize>,
    /// What was written.
    pub text: String,
    /// What YAML 1.1 makes of it.
    pub reading: Yaml11Reading,
    /// Whether it is a mapping key rather than a value.
    pub is_key: bool,
}

/// Something wrong with the YAML itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlProblem {
    /// The text is not valid YAML; the rest of that document is skipped.
    Syntax {
        /// Where the parser stopped.
        span: Range<usize>,
        /// The parser's message.
        message: String,
    },
    /// A key appears twice in one mapping.
    DuplicateKey {
        /// The later occurrence.
        span: Range<usize>,
        /// The first occurrence.
        first: Range<usize>,
        /// The key.
        key: String,
    },
    /// Alias expansion passed the file's [`alias_budget`]; the document is skipped.
    AliasBudget {
        /// The alias that passed the budget.
        span: Range<usize>,
        /// The file's budget, in nodes.
        limit: usize,
    },
    /// An alias names no anchor.
    UnknownAlias {
        /// The alias.
        span: Range<usize>,
    },
}

/// The documents of a file and the problems met while reading it.
#[derive(Debug, Default)]
pub struct ParsedYaml {
    /// Documents that parsed, in file order. Empty documents (`---` alone) are kept as `Null` roots.
    pub documents: Vec<Document>,
    /// Problems, in file order.
    pub problems: Vec<YamlProblem>,
    /// The comments that hold [`SUPPRESSION_DIRECTIVE`], in file order: the parser's own
    /// comments, so a `#` inside a quoted string or a block scalar is not one.
    pub directive_comments: Vec<DirectiveComment>,
}

/// The word that makes a comment a suppression (`# portico-ignore: PC201 -- reason`); the
/// triage pass reads what follows it.
pub const SUPPRESSION_DIRECTIVE: &str = "portico-ignore";

/// A YAML comment holding [`SUPPRESSION_DIRECTIVE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectiveComment {
    /// The comment, `#` included.
    pub comment: std::ops::Range<usize>,
    /// Its text after `#`.
    pub payload: std::ops::Range<usize>,
}

enum Frame {
    Map {
        start: usize,
        style: Style,
        anchor: usize,
        entries: Vec<Entry>,
        pending_key: Option<(CompactString, TextSpan)>,
        /// The first span of each key, built only once a mapping is large: small mappings
        /// (nearly all of them) find duplicates by scanning their entries, without a table
        /// and a copy of every key.
        large: Option<HashMap<CompactString, TextSpan>>,
        /// Whether a key repeats: only then must the earlier values be dropped.
        duplicates: bool,
    },
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
}

/// An anchored node, shared with the tree, and what an alias of it costs once computed.
struct Anchor {
    node: Node,
    cost: Option<usize>,
}

struct Builder<'s> {
    file: &'s SourceFile,
    frames: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    /// What the aliases of the file expanded to so far, against `budget`; never reset between
    /// documents.
    expanded: usize,
    budget: usize,
    root: Option<Node>,
    yaml11: Vec<Yaml11Scalar>,
    tags: std::collections::BTreeMap<usize, String>,
    problems: Vec<YamlProblem>,
    /// Set when the current document is abandoned (budget exceeded): events are skipped to its end.
    abandoned: bool,
}

/// Parses every document of a YAML file.
#[must_use]
pub fn parse(file: &SourceFile) -> ParsedYaml {
    crate::panic_boundary::run("the YAML parser", || parse_unbounded(file)).unwrap_or_else(
        |message| ParsedYaml {
            documents: Vec::new(),
            problems: vec![YamlProblem::Syntax {
                span: 0..0,
                message,
            }],
            directive_comments: Vec::new(),
        },
    )
}

fn parse_unbounded(file: &SourceFile) -> ParsedYaml {
    let text: &str = &file.text;
    let mut options = Options::default();
    // Comments cost events: asked for only where a suppression may be.
    options.set_emit_comments(text.contains(SUPPRESSION_DIRECTIVE));
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut out = ParsedYaml::default();
    let mut b = Builder {
        file,
        frames: Vec::new(),
        anchors: HashMap::new(),
        expanded: 0,
        budget: alias_budget(text.len()),
        root: None,
        yaml11: Vec::new(),
        tags: std::collections::BTreeMap::new(),
        problems: Vec::new(),
        abandoned: false,
    };
    let mut doc_index: u32 = 0;
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => match event {
                Event::StreamStart | Event::StreamEnd => {}
                Event::Comment(payload, _) => {
                    if payload.contains(SUPPRESSION_DIRECTIVE)
                        && let Some(comment) = span.byte_range()
                    {
                        // The span covers `#` and the payload.
                        let start = comment.end.saturating_sub(payload.len());
                        out.directive_comments.push(DirectiveComment {
                            payload: start..comment.end,
                            comment,
                        });
                    }
                }
                Event::DocumentStart(..) => b.reset(),
                Event::DocumentEnd => {
                    if !b.abandoned {
                        let root = b.root.take().unwrap_or(Node {
                            span: TextSpan::new(range(&span)),
                            style: Style::Plain,
                            origin: Origin::DOCUMENT,
                            value: Value::Null,
                        });
                        out.documents.push(Document::new(
                            doc_index,
                            root,
                            std::mem::take(&mut b.yaml11),
                            std::mem::take(&mut b.tags),
                        ));
                    }
                    doc_index = doc_index.saturating_add(1);
                    b.reset();
                }
                other => {
                    if !b.abandoned {
                        b.event(other, &span);
                    }
                }
            },
            Some(Err(error)) => {
                b.syntax(&error);
                b.reset();
                doc_index = doc_index.saturating_add(1);
                match parser.proceed_next_document() {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(error) => {
                        b.syntax(&error);
                        break;
                    }
                }
            }
        }
    }
    out.problems = b.problems;
    out
}

fn range(span: &YamlSpan) -> Range<usize> {
    span.byte_range().unwrap_or(0..0)
}

impl Builder<'_> {
    /// Starts a new document: anchors do not cross documents (YAML 1.2.2 §9.2: each document
    /// is independent), the alias budget does.
    fn reset(&mut self) {
        self.frames.clear();
        self.anchors.clear();
        self.root = None;
        self.yaml11.clear();
        self.tags.clear();
        self.abandoned = false;
    }

    fn syntax(&mut self, error: &ScanError) {
        let marker = error.marker();
        let at = marker
            .byte_offset()
            .unwrap_or_else(|| self.file.offset_of(marker.line(), marker.col()));
        self.problems.push(YamlProblem::Syntax {
            span: at..at,
            message: error.kind().to_string(),
        });
    }

    fn event(&mut self, event: Event<'_>, span: &YamlSpan) {
        let r = range(span);
        if let Some(tag) = event.tag().filter(|t| t.is_custom()) {
            self.tags.insert(r.start, tag.original());
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let (value, style) = match style {
                    ScalarStyle::Plain => {
                        let explicit_str = tag
                            .as_ref()
                            .is_some_and(|t| t.is_yaml_core_schema_tag("str"));
                        let (value, reading) = if explicit_str {
                            (Value::String(CompactString::from(&*text)), None)
                        } else {
                            resolve_plain(&text)
                        };
                        if let Some(reading) = reading {
                            let is_key = self.expecting_key();
                            self.yaml11.push(Yaml11Scalar {
                                span: r.clone(),
                                text: text.to_string(),
                                reading,
                                is_key,
                            });
                        }
                        (value, Style::Plain)
                    }
                    ScalarStyle::SingleQuoted => (
                        Value::String(CompactString::from(&*text)),
                        Style::SingleQuoted,
                    ),
                    ScalarStyle::DoubleQuoted => (
                        Value::String(CompactString::from(&*text)),
                        Style::DoubleQuoted,
                    ),
                    ScalarStyle::Literal => {
                        (Value::String(CompactString::from(&*text)), Style::Literal)
                    }
                    ScalarStyle::Folded => {
                        (Value::String(CompactString::from(&*text)), Style::Folded)
                    }
                };
                let node = Node {
                    span: TextSpan::new(r),
                    style,
                    origin: Origin::DOCUMENT,
                    value,
                };
                if anchor != 0 {
                    self.anchor(anchor, &node);
                }
                self.push(node);
            }
            Event::SequenceStart(_, anchor, _) => self.frames.push(Frame::Seq {
                start: r.start,
                anchor,
                items: Vec::new(),
            }),
            Event::MappingStart(_, anchor, _) => self.frames.push(Frame::Map {
                start: r.start,
                style: Style::Collection,
                anchor,
                entries: Vec::new(),
                pending_key: None,
                large: None,
                duplicates: false,
            }),
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    start,
                    anchor,
                    items,
                }) = self.frames.pop()
                {
                    let node = Node {
                        span: TextSpan::new(start..r.end.max(start)),
                        style: Style::Collection,
                        origin: Origin::DOCUMENT,
                        value: Value::Seq(items.into()),
                    };
                    self.finish(node, anchor);
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    start,
                    style,
                    anchor,
                    entries,
                    duplicates,
                    ..
                }) = self.frames.pop()
                {
                    // The shared slice is allocated at its final size: it gives back what
                    // growing the vector over-allocated.
                    let node = Node {
                        span: TextSpan::new(start..r.end.max(start)),
                        style,
                        origin: Origin::DOCUMENT,
                        value: Value::Map(apply_merge_keys(entries, duplicates).into()),
                    };
                    let node = unquoted_template(&self.file.text, node);
                    self.finish(node, anchor);
                }
            }
            Event::Alias(id) => match self.anchors.get_mut(&id) {
                Some(target) => {
                    // Computed once per anchor: it walks what the alias expands to, which is
                    // charged below, so the walk is paid for by the budget too.
                    let cost = *target
                        .cost
                        .get_or_insert_with(|| expansion_cost(&target.node));
                    let node = target.node.clone();
                    self.expanded = self.expanded.saturating_add(cost);
                    if self.expanded > self.budget {
                        self.problems.push(YamlProblem::AliasBudget {
                            span: r,
                            limit: self.budget,
                        });
                        self.abandoned = true;
                        return;
                    }
                    self.push(node);
                }
                None => {
                    self.problems
                        .push(YamlProblem::UnknownAlias { span: r.clone() });
                    self.push(Node {
                        span: TextSpan::new(r),
                        style: Style::Plain,
                        origin: Origin::DOCUMENT,
                        value: Value::Null,
                    });
                }
            },
            Event::UnresolvedAlias(_) => {
                self.problems
                    .push(YamlProblem::UnknownAlias { span: r.clone() });
                self.push(Node {
                    span: TextSpan::new(r),
                    style: Style::Plain,
                    origin: Origin::DOCUMENT,
                    value: Value::Null,
                });
            }
            _ => {}
        }
    }

    fn expecting_key(&self) -> bool {
        matches!(
            self.frames.last(),
            Some(Frame::Map {
                pending_key: None,
                ..
            })
        )
    }

    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchor(anchor, &node);
        }
        self.push(node);
    }

    /// Records an anchor: a reference to the collection the tree holds (a copy only of a
    /// scalar, whose text the file holds anyway).
    fn anchor(&mut self, anchor: usize, node: &Node) {
        self.anchors.insert(
            anchor,
            Anchor {
                node: node.clone(),
                cost: None,
            },
        );
    }

    fn push(&mut self, node: Node) {
        match self.frames.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                large,
                duplicates,
                ..
            }) => match pending_key.take() {
                None => {
                    let span = node.span;
                    *pending_key = Some((key_text(node), span));
                }
                Some((key, key_span)) => {
                    if key != "<<" {
                        const SCAN_LIMIT: usize = 16;
                        if large.is_none() && entries.len() >= SCAN_LIMIT {
                            let mut index = HashMap::with_capacity(entries.len() * 2);
                            for e in entries.iter().filter(|e| e.key != "<<") {
                                index.entry(e.key.clone()).or_insert(e.key_span);
                            }
                            *large = Some(index);
                        }
                        let first = match large {
                            Some(index) => match index.get(&key) {
                                Some(first) => Some(*first),
                                None => {
                                    index.insert(key.clone(), key_span);
                                    None
                                }
                            },
                            None => entries.iter().find(|e| e.key == key).map(|e| e.key_span),
                        };
                        if let Some(first) = first {
                            *duplicates = true;
                            self.problems.push(YamlProblem::DuplicateKey {
                                span: key_span.range(),
                                first: first.range(),
                                key: key.to_string(),
                            });
                        }
                    }
                    entries.push(Entry {
                        key,
                        key_span,
                        value: node,
                    });
                }
            },
        }
    }
}

/// `node`, or the string it is written as when it is an unquoted Go template expression
/// (`key: {{ .Values.host }}`).
///
/// YAML reads `{{ .Values.host }}` as a flow mapping whose only key is the flow mapping
/// `{ .Values.host }` and whose value is null (YAML 1.2.2 §7.4, flow mappings; a complex key
/// needs no `?` in flow context). No configuration means that: it is a Helm or Go template
/// (`text/template` actions are delimited by `{{` and `}}`) that was not rendered. Read as the
/// string it is written as, in the plain style no YAML scalar starting with `{` can have, the
/// document keeps its shape for the other checks, and the placeholder rule (PC006) reports it
/// instead of the schema reporting "a mapping" where a string or a number goes.
///
/// A template expression is one short line: longer spans are not looked at, so that deeply
/// nested flow mappings (`{{{{…}}}}`) cost a bounded scan at each level, not one of the file.
fn unquoted_template(text: &str, mut node: Node) -> Node {
    const MAX_TEMPLATE_BYTES: usize = 4096;
    let span = node.span.range();
    if span.len() > MAX_TEMPLATE_BYTES {
        return node;
    }
    let Some(written) = text.get(span) else {
        return node;
    };
    let is_template = written.starts_with("{{")
        && written.ends_with("}}")
        && !written.contains('\n')
        && matches!(&node.value, Value::Map(entries) if matches!(&entries[..], [only] if only.value.value == Value::Null));
    if is_template {
        node.style = Style::Plain;
        node.value = Value::String(CompactString::from(written));
    }
    node
}

/// The text of a mapping key; complex keys become compact JSON.
///
/// The rendering is capped: a complex key nested in a complex key would otherwise be escaped
/// again at every level, and `? ? ? … a` (one short line) doubled in size per `?` until memory
/// ran out (found by the `scope_sources` fuzz target).
fn key_text(node: Node) -> CompactString {
    match node.value {
        Value::String(s) => s,
        Value::Null => CompactString::default(),
        Value::Bool(b) => b.to_string().into(),
        Value::Number(n) => n.to_string().into(),
        Value::Seq(_) | Value::Map(_) => {
            let mut text = node.to_json().to_string();
            if text.len() > MAX_COMPLEX_KEY_BYTES {
                let mut end = MAX_COMPLEX_KEY_BYTES;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text.truncate(end);
                text.push('…');
            }
            text.into()
        }
    }
}

/// The longest rendering of a complex (mapping or sequence) key.
const MAX_COMPLEX_KEY_BYTES: usize = 256;

/// What an alias of `node` costs against the budget: one per node wherever it appears, and
/// one per 64 bytes of each string, key or value, which readers copy at every appearance.
fn expansion_cost(node: &Node) -> usize {
    let text = |s: &str| s.len() / 64;
    1 + match &node.value {
        Value::String(s) => text(s),
        Value::Seq(items) => items
            .iter()
            .fold(0, |sum: usize, n| sum.saturating_add(expansion_cost(n))),
        Value::Map(entries) => entries.iter().fold(0, |sum: usize, e| {
            sum.saturating_add(1 + text(&e.key))
                .saturating_add(expansion_cost(&e.value))
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

/// YAML 1.1 merge keys (`<<: *base`), which Kubernetes' YAML reader honours: keys of the merged
/// mappings are added unless the mapping sets them itself, and of several merged mappings
/// (`<<: [*a, *b]`) the earlier wins (<https://yaml.org/type/merge.html>). A duplicate key is
/// already reported and its later value wins, as it does for kubectl.
///
/// Linear in the keys: whether a key is present is looked up in a set (a scan of the output
/// for each merged key took 45 s for 90,000 keys).
fn apply_merge_keys(entries: Vec<Entry>, duplicates: bool) -> Vec<Entry> {
    if !entries.iter().any(|e| e.key == "<<") {
        return if duplicates {
            dedup_last_wins(entries)
        } else {
            entries
        };
    }
    let (merges, own): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| e.key == "<<");
    let mut out = dedup_last_wins(own);
    let mut present: HashSet<CompactString> = out.iter().map(|e| e.key.clone()).collect();
    for merge in merges {
        let sources: Vec<Node> = match merge.value.value {
            Value::Map(_) => vec![merge.value],
            Value::Seq(items) => items.to_vec(),
            _ => Vec::new(),
        };
        for source in &sources {
            if let Value::Map(inherited) = &source.value {
                for e in inherited.iter() {
                    if present.insert(e.key.clone()) {
                        out.push(e.clone());
                    }
                }
            }
        }
    }
    out
}

fn dedup_last_wins(entries: Vec<Entry>) -> Vec<Entry> {
    if entries.len() < 2 {
        return entries;
    }
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        last.insert(e.key.as_str(), i);
    }
    if last.len() == entries.len() {
        return entries;
    }
    let keep: Vec<bool> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| last.get(e.key.as_str()) == Some(&i))
        .collect();
    entries
        .into_iter()
        .zip(keep)
        .filter_map(|(e, k)| k.then_some(e))
        .collect()
}

#[cfg(test)]
mod tests;
