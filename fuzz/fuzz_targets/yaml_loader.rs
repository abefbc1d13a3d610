//! The YAML loader and its span index: any text parses to documents and problems without a
//! panic or hang, every span lies inside the text on character boundaries, and pointer
//! lookups of every key path find what the tree holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portico::load::node::{Node, Value, escape_token};
use portico::load::source::SourceFile;

fn check_spans(text: &str, node: &Node, pointer: &str, root: &Node, depth: usize) {
    assert!(node.span.start() <= node.span.end() && node.span.end() <= text.len());
    assert!(text.is_char_boundary(node.span.start()) && text.is_char_boundary(node.span.end()));
    if depth > 64 {
        return;
    }
    assert!(
        root.pointer(pointer).is_some(),
        "pointer {pointer} not found"
    );
    match &node.value {
        Value::Map(entries) => {
            for entry in entries {
                assert!(entry.key_span.end() <= text.len());
                let child = format!("{pointer}/{}", escape_token(&entry.key));
                check_spans(text, &entry.value, &child, root, depth + 1);
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                check_spans(text, item, &format!("{pointer}/{i}"), root, depth + 1);
            }
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = SourceFile::new("fuzz.yaml".into(), "fuzz.yaml".into(), text.to_string());
    let parsed = portico::load::yaml::parse(&file);
    for doc in &parsed.documents {
        check_spans(&file.text, &doc.root, "", &doc.root, 0);
        let _ = doc.root.to_json();
    }
});
