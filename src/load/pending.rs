//! The files of a run on their way in: each gets its id before it is read, is read, decoded,
//! parsed and handed to the caller's per-file work on any core, then added to the repository
//! in id order.

use std::path::PathBuf;

use super::read::{Opening, Refusal, decode, read_file_bytes};
use super::source::{FileId, SourceFile};
use super::walk::FoundFile;
use super::yaml::{self, YamlProblem};
use super::{
    FileProblem, LoadProblem, LoadedDocument, LoadedPart, PerFile, Repo, add_unread, file_id,
};

/// A file about to be read, with the id it gets.
pub(super) struct Pending {
    pub(super) id: FileId,
    pub(super) found: FoundFile,
    /// Where it really is, when that can be told (not for standard input).
    pub(super) canonical: Option<PathBuf>,
    pub(super) reading: Reading,
}

impl Pending {
    /// Standard input, named `<stdin>`, as the next file.
    pub(super) fn stream(repo: &Repo, bytes: Result<Vec<u8>, FileProblem>) -> Self {
        Self {
            id: file_id(repo.sources.len()),
            found: FoundFile {
                path: PathBuf::from("<stdin>"),
                name: "<stdin>".to_owned(),
            },
            canonical: None,
            reading: Reading::Bytes(bytes),
        }
    }
}

/// How a pending file's bytes are had.
pub(super) enum Reading {
    /// Found by the walk: opened as the regular file the walk saw ([`Opening::Walked`]).
    Walked,
    /// Named by the user ([`Opening::Named`]).
    Named,
    /// Already read (standard input).
    Bytes(Result<Vec<u8>, FileProblem>),
}

/// A file read and, for YAML, parsed and handed to the caller's per-file work: the expensive
/// part, done in parallel; files are added to the repository afterwards in id order, so the
/// result does not depend on which thread finished first.
enum Prepared<R> {
    Read {
        file: SourceFile,
        canonical: Option<PathBuf>,
        kind: FileKind,
        documents: Vec<LoadedDocument>,
        problems: Vec<YamlProblem>,
        directive_comments: Vec<yaml::DirectiveComment>,
        part: Option<R>,
    },
    Failed {
        found: FoundFile,
        canonical: Option<PathBuf>,
        refusal: Refusal,
    },
}

enum FileKind {
    Rego,
    Other,
    Yaml,
}

fn prepare<R>(pending: Pending, max_bytes: u64, per_file: PerFile<'_, R>) -> Prepared<R> {
    let Pending {
        id,
        found,
        canonical,
        reading,
    } = pending;
    let bytes = match reading {
        // The walk saw a regular file at its canonical path, which holds no link: that is
        // what is opened, without following a link and checked again on the open file, so a
        // name changed since (to a link out of the root, or to a FIFO) is not read.
        Reading::Walked => read_file_bytes(
            canonical.as_deref().unwrap_or(&found.path),
            max_bytes,
            Opening::Walked,
        ),
        Reading::Named => read_file_bytes(&found.path, max_bytes, Opening::Named),
        Reading::Bytes(bytes) => bytes,
    };
    match bytes.map_err(Refusal::of).and_then(decode) {
        Ok(text) => {
            let file = SourceFile::new(found.name, found.path, text);
            let kind = match file.path.extension().and_then(|e| e.to_str()) {
                Some("rego") => FileKind::Rego,
                Some("tf") => FileKind::Other,
                _ => FileKind::Yaml,
            };
            let (documents, problems, directive_comments, part) = match kind {
                FileKind::Yaml => {
                    let parsed = yaml::parse(&file);
                    let mut loaded: Vec<LoadedDocument> = parsed
                        .documents
                        .into_iter()
                        .map(|doc| LoadedDocument { file: id, doc })
                        .collect();
                    let part = per_file(id, &file, &mut loaded);
                    let comments = parsed.directive_comments;
                    (loaded, parsed.problems, comments, Some(part))
                }
                FileKind::Rego | FileKind::Other => (Vec::new(), Vec::new(), Vec::new(), None),
            };
            Prepared::Read {
                file,
                canonical,
                kind,
                documents,
                problems,
                directive_comments,
                part,
            }
        }
        Err(refusal) => Prepared::Failed {
            found,
            canonical,
            refusal,
        },
    }
}

/// Reads, parses and hands to `per_file` the pending files on every core, then adds them to
/// the repository in order.
pub(super) fn read_pending<R: Send>(
    repo: &mut Repo,
    pending: Vec<Pending>,
    max_bytes: u64,
    per_file: PerFile<'_, R>,
    parts: &mut Vec<LoadedPart<R>>,
) {
    use rayon::prelude::*;
    let prepared: Vec<Prepared<R>> = pending
        .into_par_iter()
        .map(|p| prepare(p, max_bytes, per_file))
        .collect();
    for p in prepared {
        add_prepared(repo, p, parts);
    }
}

/// Adds a prepared file. Its id was reserved as the next one when it became pending, and
/// files are added in that order, so [`Sources::add`](super::source::Sources::add) gives it
/// that id.
fn add_prepared<R>(repo: &mut Repo, prepared: Prepared<R>, parts: &mut Vec<LoadedPart<R>>) {
    match prepared {
        Prepared::Read {
            file,
            canonical,
            kind,
            documents,
            problems,
            directive_comments,
            part,
        } => {
            let id = repo.sources.add(file);
            repo.remember(canonical, id);
            match kind {
                FileKind::Rego => repo.rego_files.push(id),
                FileKind::Other => repo.other_files.push(id),
                FileKind::Yaml => {
                    repo.problems.extend(
                        problems
                            .into_iter()
                            .map(|problem| LoadProblem::Yaml { file: id, problem }),
                    );
                    repo.add_documents(id, documents);
                    repo.directive_comments
                        .extend(directive_comments.into_iter().map(|c| (id, c)));
                    if let Some(part) = part {
                        parts.push(LoadedPart { file: id, part });
                    }
                }
            }
        }
        Prepared::Failed {
            found,
            canonical,
            refusal,
        } => {
            add_unread(repo, found.name, found.path, refusal, canonical);
        }
    }
}
