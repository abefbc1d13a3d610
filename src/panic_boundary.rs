//! A boundary around the third-party parsers and evaluators portico hands untrusted text to
//! (the YAML parser, regorus): should one of them panic on some input, that file or that
//! evaluation gets a diagnostic and the run goes on, the way ruff reports a panic while
//! linting one file instead of aborting the whole run. Fuzzing found no such input today;
//! this keeps a future one from taking the other findings down with it. It does not hide
//! one from fuzzing: libfuzzer-sys' panic hook aborts before the unwinding this catches.

use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `work`; a panic inside it becomes `Err` with a message naming `what` failed.
///
/// `AssertUnwindSafe` is sound here because callers drop whatever `work` borrowed mutably
/// (a half-built parser, an engine mid-evaluation) once it returns an error.
pub(crate) fn run<T>(what: &str, work: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(work)).map_err(|payload| {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        format!(
            "internal error: {what} panicked ({detail}); this is a bug in portico or a library \
             it uses, please report it with the input"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_passes_through() {
        assert_eq!(run("adding", || 1 + 1), Ok(2));
    }

    #[test]
    #[allow(clippy::panic)]
    fn a_panic_becomes_an_error_naming_the_work() {
        let formatted = run("the YAML parser", || -> u8 {
            panic!("index {} out of range", 7)
        });
        let error = formatted.err().unwrap_or_default();
        assert!(
            error.starts_with("internal error: the YAML parser panicked (index 7 out of range)"),
            "{error}"
        );
        let literal = run("regorus", || -> u8 { panic!("boom") });
        assert!(literal.err().unwrap_or_default().contains("(boom)"));
    }
}
