use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::load::source::FileId;
use crate::load::{FileProblem, LoadProblem};

crate::declare_rule! {
    /// ## What it does
    /// Reports an input file that could not be read: permissions, a symlink loop, a file that
    /// vanished during the walk, a file over the size limit, a binary file, or text that is not
    /// UTF-8.
    ///
    /// Standard input, a FIFO or a device named on the command line is read as a stream and
    /// reading stops one byte past the limit; a FIFO or a device met while walking a directory
    /// is reported and not opened. Standard input gets the same findings as a file holding the
    /// same bytes.
    ///
    /// ## Why is this bad?
    /// A file portico cannot read is a file it cannot check. Saying nothing would let the
    /// gate pass on configuration nobody looked at.
    ///
    /// ## Example
    /// A `routes.yaml` saved as UTF-16 by an editor, or a binary file named `policy.yaml`.
    ///
    /// ## Use instead
    /// Save configuration as UTF-8 text; keep binaries out of the configuration tree, or
    /// exclude them with `ignore:` in `portico.yaml`.
    code: "PC005",
    slug: "unreadable-file",
    severity: Error,
    since: "0.1.0",
}

/// The finding for `problem` with the file `file`; `None` for a problem another rule reports.
fn finding(file: FileId, problem: &FileProblem) -> Option<Finding> {
    let (message, help) = match problem {
        FileProblem::Unreadable(e) => (
            format!("cannot read file: {e}"),
            "check the file's permissions and links",
        ),
        FileProblem::TooLarge { size, limit } => (
            format!("file is {size} bytes, over the {limit}-byte limit; not read"),
            "raise `maxFileBytes` in portico.yaml (or pass `--max-file-bytes`), split the file, \
                 or exclude it with `ignore:` if it is not configuration",
        ),
        FileProblem::OverLimit { limit } => (
            format!(
                "input holds more than the {limit}-byte limit; read stopped there, not checked"
            ),
            "raise `maxFileBytes` in portico.yaml (or pass `--max-file-bytes`), or name a \
                 smaller input",
        ),
        FileProblem::Utf16 => (
            "file is UTF-16 text, not UTF-8; not read".to_owned(),
            "save the file as UTF-8",
        ),
        FileProblem::NotUtf8 { offset } => (
            format!("file is not UTF-8 text (invalid byte at offset {offset}); not read"),
            "save the file as UTF-8",
        ),
        FileProblem::Binary => (
            "file holds NUL bytes: it is binary, not YAML; not read".to_owned(),
            "remove it from the configuration tree or exclude it with `ignore:` in \
                 portico.yaml",
        ),
        FileProblem::OutsideRoot(_) => return None,
    };
    let at = match problem {
        FileProblem::NotUtf8 { offset } => *offset..*offset + 1,
        _ => 0..0,
    };
    Some(Finding::new(message, Span::new(file, at)).help(help))
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for problem in &ctx.repo.problems {
        let LoadProblem::File { file, problem } = problem else {
            continue;
        };
        out.extend(finding(*file, problem));
    }
}
