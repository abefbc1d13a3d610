//! Offsets inside a block scalar map back into the file: for `key: |` (and the other block
//! indicators) holding arbitrary lines, every character of the decoded value maps to a file
//! offset inside the file, on a character boundary.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portico::load::source::SourceFile;

fuzz_target!(|input: (u8, &str)| {
    let (indicator, body) = input;
    let header = ["|", "|-", "|+", "|2", ">", ">-"][usize::from(indicator) % 6];
    let mut text = format!("key: {header}\n");
    for line in body.lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    let file = SourceFile::new("f.yaml".into(), "f.yaml".into(), text.clone());
    let parsed = portico::load::yaml::parse(&file);
    let Some(doc) = parsed.documents.first() else {
        return;
    };
    let Some(found) = doc.root.pointer("/key") else {
        return;
    };
    let Some(value) = found.node.as_str() else {
        return;
    };
    let map = portico::load::embedded::map_scalar(&file, found.node);
    for (offset, _) in value
        .char_indices()
        .chain(std::iter::once((value.len(), ' ')))
    {
        let at = map.file_offset(offset);
        assert!(at <= text.len(), "offset {offset} maps outside the file");
        assert!(text.is_char_boundary(at));
    }
});
