//! The whole pipeline on one untrusted YAML stream: any text read as standard input is loaded,
//! modelled (with the rules that read trees run on it and its trees released), indexed,
//! evaluated and checked without a panic or hang, every diagnostic and related label lies
//! inside its file on character boundaries, and a second run reports the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portico::diagnostic::Span;
use portico::load::Input;

fn check_span(result: &portico::CheckResult, span: &Span) {
    let text = &result.repo.sources.get(span.file).text;
    let range = &span.range;
    assert!(range.start <= range.end && range.end <= text.len(), "{range:?} in {}", text.len());
    assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let request = portico::CheckRequest {
        inputs: vec![Input::Stdin(text.to_owned())],
        ..portico::CheckRequest::default()
    };
    let Ok(result) = portico::check(&request) else {
        return;
    };
    for d in &result.diagnostics {
        check_span(&result, &d.finding.span);
        for label in &d.finding.related {
            check_span(&result, &label.span);
        }
    }
    let again = portico::check(&request).map(|r| r.diagnostics);
    assert!(again.is_ok_and(|a| a == result.diagnostics), "a second run differs");
});
