//! The Rego seam: any text either parses (then the AST walk for facts and every recorded
//! range stays inside the text) or yields an error positioned inside the text; queries too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portico::rego::{facts::module_facts, query::query_facts};
use portico::rego::parse::{Accepted, parse_module, parse_query};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for accepted in [Accepted::Auto, Accepted::V1, Accepted::V0] {
        match parse_module("fuzz.rego", text, accepted) {
            Ok(parsed) => {
                let facts = module_facts(&parsed.module);
                for read in &facts.input_reads {
                    assert!(read.range.end <= text.len());
                    assert!(read.segment_ranges.iter().all(|r| r.end <= text.len()));
                }
                assert!(facts.rules.iter().all(|r| r.range.end <= text.len()));
                assert!(facts.calls.iter().all(|c| c.range.end <= text.len()));
            }
            Err(error) => {
                assert!(error.range.end <= text.len() && error.range.start <= error.range.end)
            }
        }
    }
    match parse_query(text) {
        Ok(query) => {
            let facts = query_facts(&query);
            assert!(facts.data_refs.iter().all(|r| r.range.end <= text.len()));
        }
        Err(error) => assert!(error.range.end <= text.len()),
    }
});
