//! Unit tests of the YAML parser: spans, syntax errors, duplicate keys, aliases and merge keys
//! with the alias budget, document size, tags and YAML 1.1 scalars.

use std::path::PathBuf;

use super::*;

fn parse_str(text: &str) -> (SourceFile, ParsedYaml) {
    let f = SourceFile::new("t.yaml".into(), PathBuf::from("t.yaml"), text.into());
    let p = parse(&f);
    (f, p)
}

#[test]
fn spans_of_keys_and_values() {
    let (f, p) = parse_str("a:\n  b: [1, two]\n---\nc: d\n");
    assert_eq!(p.documents.len(), 2);
    let found = p.documents[0]
        .root
        .pointer("/a/b/1")
        .map(|f| f.node.span.range());
    assert_eq!(found.map(|r| &f.text[r]), Some("two"));
    let key = p.documents[1]
        .root
        .pointer("/c")
        .and_then(|f| f.key_span.map(TextSpan::range));
    assert_eq!(key.map(|r| &f.text[r]), Some("c"));
}

#[test]
fn syntax_error_skips_only_its_document() {
    let (f, p) = parse_str("a: 1\n---\nbad: [\n---\nok: 1\n");
    assert_eq!(p.documents.len(), 2);
    assert_eq!(p.documents[1].index, 2);
    let YamlProblem::Syntax { span, .. } = &p.problems[0] else {
        unreachable!("expected a syntax problem, got {:?}", p.problems);
    };
    assert_eq!(f.line_col(span.start).line, 3);
}

/// A file of a million tiny documents holds a million of these (and of `LoadedDocument`).
#[test]
fn a_document_stays_small() {
    assert_eq!(std::mem::size_of::<Document>(), 56);
    assert_eq!(std::mem::size_of::<crate::load::LoadedDocument>(), 64);
}

#[test]
fn duplicate_keys_are_reported_with_both_ends() {
    let (f, p) = parse_str("a: 1\nb: 2\na: 3\n");
    let YamlProblem::DuplicateKey { span, first, key } = &p.problems[0] else {
        unreachable!("expected a duplicate key, got {:?}", p.problems);
    };
    assert_eq!(key, "a");
    assert_eq!(f.line_col(span.start).line, 3);
    assert_eq!(f.line_col(first.start).line, 1);
    assert_eq!(
        p.documents[0].root.get("a").map(|n| n.to_json()),
        Some(3.into())
    );
}

#[test]
fn duplicate_keys_in_a_large_mapping() {
    // Past 16 keys duplicates are found through a table instead of a scan: same findings.
    let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
    text.push_str("k3: again\nk39: last\n");
    let (f, p) = parse_str(&text);
    let found: Vec<(&str, usize, usize)> = p
        .problems
        .iter()
        .filter_map(|p| match p {
            YamlProblem::DuplicateKey { span, first, key } => Some((
                key.as_str(),
                f.line_col(span.start).line,
                f.line_col(first.start).line,
            )),
            _ => None,
        })
        .collect();
    assert_eq!(found, vec![("k3", 41, 4), ("k39", 42, 40)]);
    let root = p.documents[0].root.to_json();
    assert_eq!(root["k3"], serde_json::json!("again"));
    assert_eq!(root["k39"], serde_json::json!("last"));
    assert_eq!(root.as_object().map(serde_json::Map::len), Some(40));
}

#[test]
fn nested_complex_keys_stay_small() {
    // Each `?` opens a complex key holding the next one: the rendering used to double per
    // level. The fuzz artifact that found it is in testdata/hostile/.
    let text = format!("{}a\n", "? ".repeat(200));
    let (_, p) = parse_str(&text);
    let root = p.documents[0].root.to_json();
    let key = root.as_object().and_then(|m| m.keys().next()).cloned();
    assert!(key.is_some_and(|k| k.len() <= MAX_COMPLEX_KEY_BYTES + '…'.len_utf8()));
}

#[test]
fn aliases_and_merge_keys_expand() {
    let (_, p) = parse_str("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nref: *b\n");
    let root = p.documents[0].root.to_json();
    assert_eq!(root["other"], serde_json::json!({"y": 3, "x": 1}));
    assert_eq!(root["ref"], serde_json::json!({"x": 1, "y": 2}));
}

#[test]
fn alias_bomb_stops_at_the_budget() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
        ));
    }
    text.push_str("---\nnext: ok\n");
    let started = std::time::Instant::now();
    let (_, p) = parse_str(&text);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(
        p.problems
            .iter()
            .any(|x| matches!(x, YamlProblem::AliasBudget { .. }))
    );
    // The bomb's document is dropped; the next one still loads.
    assert_eq!(p.documents.len(), 1);
    assert_eq!(
        p.documents[0].root.get("next").and_then(Node::as_str),
        Some("ok")
    );
}

#[test]
fn an_alias_shares_its_anchors_collection() {
    // Nothing is copied, at the anchor or at the alias: both are the same items.
    let (_, p) = parse_str("base: &b [1, [2, 3]]\nref: *b\nmap: &m {k: v}\nagain: *m\n");
    let root = &p.documents[0].root;
    let items = |k: &str| match root.get(k).map(|n| &n.value) {
        Some(Value::Seq(items)) => Some(items.as_ptr()),
        _ => None,
    };
    assert!(items("base").is_some());
    assert_eq!(items("base"), items("ref"));
    let entries = |k: &str| match root.get(k).map(|n| &n.value) {
        Some(Value::Map(entries)) => Some(entries.as_ptr()),
        _ => None,
    };
    assert!(entries("map").is_some());
    assert_eq!(entries("map"), entries("again"));
}

#[test]
fn nested_anchors_without_aliases_cost_nothing() {
    // 250 levels of anchored sequences, each holding the next: copying each anchor made
    // this quadratic. Without an alias nothing is charged to the budget either.
    let depth = 250;
    let mut text = String::new();
    for chain in 0..40 {
        text.push_str(&format!("c{chain}: "));
        for d in 0..depth {
            text.push_str(&format!("&c{chain}_{d} [x, "));
        }
        text.push('x');
        text.push_str(&"]".repeat(depth));
        text.push('\n');
    }
    let (_, p) = parse_str(&text);
    assert_eq!(p.problems, Vec::new());
    let mut pointer = String::from("/c39");
    for _ in 0..depth {
        pointer.push_str("/1");
    }
    assert_eq!(
        p.documents[0]
            .root
            .pointer(&pointer)
            .and_then(|f| f.node.as_str()),
        Some("x")
    );
}

#[test]
fn the_alias_budget_covers_the_whole_file() {
    // Each document expands well within the budget; together they do not. The budget is
    // not reset by `---`: the documents after the one that passed it and still use
    // aliases are refused, each with its own problem.
    let items = vec!["x"; 100].join(", ");
    let aliases = vec!["*a"; 60].join(", ");
    let document = format!("---\na: &a [{items}]\nb: [{aliases}]\n");
    let text = document.repeat(10) + "---\nplain: document\n";
    let per_document = 60 * 101;
    let budget = alias_budget(text.len());
    let within = budget / per_document;
    assert!((1..10).contains(&within), "{within} of 10 documents fit");
    let (_, p) = parse_str(&text);
    let refused: Vec<usize> = p
        .problems
        .iter()
        .filter_map(|x| match x {
            YamlProblem::AliasBudget { limit, .. } => Some(*limit),
            _ => None,
        })
        .collect();
    assert_eq!(refused, vec![budget; 10 - within]);
    let read: Vec<u32> = p.documents.iter().map(|d| d.index).collect();
    let expected: Vec<u32> = (0..u32::try_from(within).unwrap_or(0))
        .chain([10])
        .collect();
    assert_eq!(read, expected, "the document without aliases is still read");
}

#[test]
fn long_strings_count_for_what_readers_copy() {
    // One node per alias would let a 100 kB string be copied 400 times (40 MB) by every
    // reader; its bytes count.
    let text = format!(
        "s: &s {}\nl: [{}]\n",
        "y".repeat(100_000),
        vec!["*s"; 400].join(", ")
    );
    assert!(
        400 < alias_budget(text.len()),
        "one node per alias would pass"
    );
    let (_, p) = parse_str(&text);
    assert!(
        p.problems
            .iter()
            .any(|x| matches!(x, YamlProblem::AliasBudget { .. })),
        "{:?}",
        p.problems
    );
}

#[test]
fn merge_keys_are_linear_and_keep_their_precedence() {
    // The mapping's own keys win over merged ones, and of several merged mappings the
    // earlier wins; 50,000 keys merged into 50,000 (a scan per key took minutes).
    let (_, p) =
        parse_str("a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  x: own\n");
    assert_eq!(
        p.documents[0].root.get("c").map(Node::to_json),
        Some(serde_json::json!({"x": "own", "y": 1, "z": 2}))
    );
    let n = 50_000;
    let mut text = String::from("base: &base\n");
    for i in 0..n {
        text.push_str(&format!("  k{i}: {i}\n"));
    }
    text.push_str("derived:\n  <<: *base\n");
    for i in 0..n {
        text.push_str(&format!("  o{i}: {i}\n"));
    }
    text.push_str("  k7: mine\n");
    let (_, p) = parse_str(&text);
    assert_eq!(p.problems, Vec::new());
    let derived = p.documents[0].root.get("derived").map(Node::to_json);
    let derived = derived.as_ref().and_then(serde_json::Value::as_object);
    assert_eq!(derived.map(serde_json::Map::len), Some(2 * n));
    assert_eq!(derived.and_then(|d| d.get("k7")), Some(&"mine".into()));
    assert_eq!(derived.and_then(|d| d.get("k8")), Some(&8.into()));
}

#[test]
fn local_tags_are_kept_by_node_start() {
    let (_, p) = parse_str("a: !Ref Pool\nb: !Sub \"${Id}/read\"\nc: !GetAtt [X, Y]\nd: !!str 1\n");
    let doc = &p.documents[0];
    let tag = |k: &str| {
        doc.root
            .get(k)
            .and_then(|n| doc.tag_at(n.span.start()))
            .map(str::to_owned)
    };
    assert_eq!(tag("a").as_deref(), Some("!Ref"));
    assert_eq!(tag("b").as_deref(), Some("!Sub"));
    assert_eq!(tag("c").as_deref(), Some("!GetAtt"));
    assert_eq!(tag("d"), None);
}

#[test]
fn yaml11_scalars_are_recorded() {
    let (_, p) = parse_str("a: yes\nb: \"on\"\nc: 0755\nd: !!str off\n");
    let texts: Vec<_> = p.documents[0]
        .yaml11()
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(texts, vec!["yes", "0755"]);
}

#[test]
fn an_unquoted_template_is_the_string_it_is_written_as() {
    let text = "ref:\n  namespace: {{.Echo.Namespace}}\n  port: {{ .Values.port | int }}\nhosts:\n  - {{ $.Values.host }}\n";
    let (f, p) = parse_str(text);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    let root = &p.documents[0].root;
    for (pointer, written) in [
        ("/ref/namespace", "{{.Echo.Namespace}}"),
        ("/ref/port", "{{ .Values.port | int }}"),
        ("/hosts/0", "{{ $.Values.host }}"),
    ] {
        let found = root.pointer(pointer).map(|f| f.node);
        assert_eq!(found.and_then(Node::as_str), Some(written), "{pointer}");
        assert_eq!(found.map(|n| n.style), Some(Style::Plain));
        assert_eq!(found.map(|n| &f.text[n.span.range()]), Some(written));
    }
}

#[test]
fn flow_mappings_that_are_not_templates_stay_mappings() {
    let (_, p) = parse_str("a: {b: {c: 1}}\nd: {{e: 1}: null}\nf: {x: 1, y: 2}\n");
    let root = &p.documents[0].root;
    for pointer in ["/a", "/d", "/f"] {
        let found = root.pointer(pointer).map(|f| &f.node.value);
        assert!(matches!(found, Some(Value::Map(_))), "{pointer}: {found:?}");
    }
}
