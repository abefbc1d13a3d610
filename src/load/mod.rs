//! Stage 1: find the input files and read them into spanned YAML documents and Rego sources.

pub mod embedded;
pub mod nesting;
pub mod node;
pub mod scalar;
pub mod source;
pub mod walk;
pub mod yaml;

use std::path::{Path, PathBuf};

use source::{FileId, SourceFile, Sources};
use walk::{FoundFile, WalkOptions, WalkProblemKind};
use yaml::{Document, YamlProblem};

/// Files larger than this are not read (a generated bundle or a data dump, not configuration).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The largest file the loader reads whatever limit is configured: spans in the tree are
/// `u32` offsets (see [`node::TextSpan`]), so a larger file could not be located exactly.
pub const MAX_SPANNED_BYTES: u64 = u32::MAX as u64;

/// One input of a run.
#[derive(Debug, Clone)]
pub enum Input {
    /// A directory (walked) or a file (always read).
    Path(PathBuf),
    /// A multi-document YAML stream read from standard input by the caller.
    Stdin(String),
}

/// What to read and how.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The inputs, in command-line order.
    pub inputs: Vec<Input>,
    /// Walk settings.
    pub walk: WalkOptions,
    /// Size limit per file.
    pub max_file_bytes: u64,
    /// A file already loaded as the configuration; not read again as an input.
    pub config_file: Option<PathBuf>,
}

/// A YAML document and the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedDocument {
    /// The file.
    pub file: FileId,
    /// The document.
    pub doc: Document,
}

/// A problem with a file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// Could not be read.
    Unreadable(String),
    /// Larger than the limit.
    TooLarge {
        /// Its size in bytes.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not UTF-8 text; `offset` is the first bad byte.
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// Holds NUL bytes: a binary file with a text extension.
    Binary,
    /// A symlink leading outside the root; not followed.
    OutsideRoot(PathBuf),
}

/// A problem found while loading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadProblem {
    /// The file as a whole.
    File {
        /// Which file.
        file: FileId,
        /// What.
        problem: FileProblem,
    },
    /// Its YAML.
    Yaml {
        /// Which file.
        file: FileId,
        /// What.
        problem: YamlProblem,
    },
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Repo {
    /// Every file read (and every file that failed to read, with empty text).
    pub sources: Sources,
    /// YAML documents in file order.
    pub documents: Vec<LoadedDocument>,
    /// Standalone `.rego` files.
    pub rego_files: Vec<FileId>,
    /// Other files read for later stages (`.tf` scope sources).
    pub other_files: Vec<FileId>,
    /// Problems met.
    pub problems: Vec<LoadProblem>,
    /// One slot per file (made by [`Repo::track_released`]), holding that file's documents
    /// parsed again from its text the first time a released tree of it is asked for.
    reparsed: Box<[std::sync::OnceLock<Vec<Document>>]>,
}

impl Repo {
    /// The root node of `documents[doc]`.
    ///
    /// While the document holds its tree, that tree. Once it was released
    /// ([`Document::release_tree`]), the file is parsed again from its text, once, the first
    /// time one of its documents is asked for: parsing is deterministic, so the tree and its
    /// spans are the ones the loader built.
    #[must_use]
    pub fn root(&self, doc: usize) -> Option<&node::Node> {
        let loaded = self.documents.get(doc)?;
        if !loaded.doc.is_released() {
            return Some(&loaded.doc.root);
        }
        let documents = self
            .reparsed
            .get(loaded.file.0 as usize)?
            .get_or_init(|| yaml::parse(self.sources.get(loaded.file)).documents);
        documents
            .iter()
            .find(|d| d.index == loaded.doc.index)
            .map(|d| &d.root)
    }

    /// Makes [`Repo::root`] ready to parse again the files whose trees were released; call it
    /// after releasing trees and before asking for them.
    pub fn track_released(&mut self) {
        if self.reparsed.len() < self.sources.len() {
            let mut slots = std::mem::take(&mut self.reparsed).into_vec();
            slots.resize_with(self.sources.len(), std::sync::OnceLock::new);
            self.reparsed = slots.into_boxed_slice();
        }
    }

    /// Releases every document's tree (see [`Document::release_tree`]).
    pub fn release_trees(&mut self) {
        for loaded in &mut self.documents {
            loaded.doc.release_tree();
        }
        self.track_released();
    }

    /// The files [`Repo::root`] parsed again, in id order.
    #[must_use]
    pub fn reparsed_files(&self) -> Vec<FileId> {
        (0u32..)
            .zip(self.reparsed.iter())
            .filter(|(_, slot)| slot.get().is_some())
            .map(|(id, _)| FileId(id))
            .collect()
    }
}

/// Why a run cannot start: a usage error, not a finding.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A path on the command line does not exist.
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
}

/// Reads every input.
///
/// # Errors
/// When an input path does not exist.
pub fn load(options: &LoadOptions, repo: &mut Repo) -> Result<(), LoadError> {
    load_with(options, repo, &|_, _| ()).map(|_| ())
}

/// Reads every input, doing `per_file` on each YAML file found by walking a directory as
/// soon as it is parsed, and returns what it did, in document order. Files given by name and
/// standard input are read without it.
///
/// # Errors
/// When an input path does not exist.
pub fn load_with<R: Send>(
    options: &LoadOptions,
    repo: &mut Repo,
    per_file: PerFile<'_, R>,
) -> Result<Vec<LoadedPart<R>>, LoadError> {
    let mut parts = Vec::new();
    let config = options
        .config_file
        .as_ref()
        .and_then(|p| p.canonicalize().ok());
    for input in &options.inputs {
        match input {
            Input::Stdin(text) => {
                if let Err(problem) = within_size_limit(text.len() as u64, options.max_file_bytes) {
                    add_unread(repo, "<stdin>".into(), PathBuf::from("<stdin>"), problem);
                    continue;
                }
                let file =
                    SourceFile::new("<stdin>".into(), PathBuf::from("<stdin>"), text.clone());
                add_text_file(repo, file);
            }
            Input::Path(path) => {
                let meta =
                    std::fs::metadata(path).map_err(|_| LoadError::NotFound(path.clone()))?;
                if meta.is_dir() {
                    let (files, problems) = walk::walk_dir(path, &options.walk);
                    for problem in problems {
                        let kind = match problem.kind {
                            WalkProblemKind::Unreadable(message) => {
                                FileProblem::Unreadable(message)
                            }
                            WalkProblemKind::OutsideRoot(target) => {
                                FileProblem::OutsideRoot(target)
                            }
                        };
                        add_unread(repo, problem.name, problem.path, kind);
                    }
                    let files: Vec<FoundFile> = files
                        .into_iter()
                        .filter(|f| config.is_none() || f.path.canonicalize().ok() != config)
                        .collect();
                    for prepared in prepare_all(&files, options.max_file_bytes, per_file) {
                        add_prepared(repo, prepared, &mut parts);
                    }
                } else {
                    let name = path.to_string_lossy().replace('\\', "/");
                    let name = name.strip_prefix("./").map(str::to_owned).unwrap_or(name);
                    let found = FoundFile {
                        path: path.clone(),
                        name,
                    };
                    read_file(repo, &found, options.max_file_bytes);
                }
            }
        }
    }
    Ok(parts)
}

/// Reads one file's text, or records why it could not be read. Returns its id.
pub fn read_source(repo: &mut Repo, found: &FoundFile, max_bytes: u64) -> Result<FileId, FileId> {
    match read_text(&found.path, max_bytes) {
        Ok(text) => Ok(repo.sources.add(SourceFile::new(
            found.name.clone(),
            found.path.clone(),
            text,
        ))),
        Err(problem) => {
            let id = add_unread(repo, found.name.clone(), found.path.clone(), problem);
            Err(id)
        }
    }
}

/// A file read and, for YAML, parsed (and handed to the caller's per-file work), before it is
/// given an id: the expensive part, done in parallel; ids and order are assigned afterwards in
/// discovery order, so the result does not depend on which thread finished first.
enum Prepared<R> {
    Read {
        file: SourceFile,
        kind: FileKind,
        /// The documents of a YAML file, numbered [`UNNUMBERED`] until the file is added.
        documents: Vec<LoadedDocument>,
        problems: Vec<YamlProblem>,
        part: Option<R>,
    },
    Failed {
        found: FoundFile,
        problem: FileProblem,
    },
}

/// The file id of documents parsed before their file was added to the repository.
const UNNUMBERED: FileId = FileId(u32::MAX);

enum FileKind {
    Rego,
    Other,
    Yaml,
}

/// What [`load_with`]'s per-file work returned for a file read while walking a directory.
#[derive(Debug)]
pub struct LoadedPart<R> {
    /// The file.
    pub file: FileId,
    /// Its documents: indices into [`Repo::documents`].
    pub documents: std::ops::Range<usize>,
    /// What the per-file work returned.
    pub part: R,
}

/// The work [`load_with`] does on each YAML file as soon as it is parsed, on the thread that
/// parsed it. The documents are not numbered yet ([`LoadedPart`] says where they went).
pub type PerFile<'a, R> = &'a (dyn Fn(&SourceFile, &mut [LoadedDocument]) -> R + Sync);

fn prepare<R>(found: &FoundFile, max_bytes: u64, per_file: PerFile<'_, R>) -> Prepared<R> {
    match read_text(&found.path, max_bytes) {
        Ok(text) => {
            let file = SourceFile::new(found.name.clone(), found.path.clone(), text);
            let kind = match found.path.extension().and_then(|e| e.to_str()) {
                Some("rego") => FileKind::Rego,
                Some("tf") => FileKind::Other,
                _ => FileKind::Yaml,
            };
            let (mut documents, problems) = match kind {
                FileKind::Yaml => {
                    let parsed = yaml::parse(&file);
                    let documents: Vec<LoadedDocument> = parsed
                        .documents
                        .into_iter()
                        .map(|doc| LoadedDocument {
                            file: UNNUMBERED,
                            doc,
                        })
                        .collect();
                    (documents, parsed.problems)
                }
                FileKind::Rego | FileKind::Other => (Vec::new(), Vec::new()),
            };
            let part = matches!(kind, FileKind::Yaml).then(|| per_file(&file, &mut documents));
            Prepared::Read {
                file,
                kind,
                documents,
                problems,
                part,
            }
        }
        Err(problem) => Prepared::Failed {
            found: found.clone(),
            problem,
        },
    }
}

/// Prepares files on every core, keeping their order.
fn prepare_all<R: Send>(
    files: &[FoundFile],
    max_bytes: u64,
    per_file: PerFile<'_, R>,
) -> Vec<Prepared<R>> {
    use rayon::prelude::*;
    files
        .par_iter()
        .map(|f| prepare(f, max_bytes, per_file))
        .collect()
}

fn add_prepared<R>(repo: &mut Repo, prepared: Prepared<R>, parts: &mut Vec<LoadedPart<R>>) {
    match prepared {
        Prepared::Read {
            file,
            kind,
            mut documents,
            problems,
            part,
        } => {
            let id = repo.sources.add(file);
            match kind {
                FileKind::Rego => repo.rego_files.push(id),
                FileKind::Other => repo.other_files.push(id),
                FileKind::Yaml => {
                    repo.problems.extend(
                        problems
                            .into_iter()
                            .map(|problem| LoadProblem::Yaml { file: id, problem }),
                    );
                    for loaded in &mut documents {
                        loaded.file = id;
                    }
                    let start = repo.documents.len();
                    if repo.documents.is_empty() {
                        // A single file of a million documents is not copied.
                        repo.documents = documents;
                    } else {
                        repo.documents.append(&mut documents);
                    }
                    if let Some(part) = part {
                        parts.push(LoadedPart {
                            file: id,
                            documents: start..repo.documents.len(),
                            part,
                        });
                    }
                }
            }
        }
        Prepared::Failed { found, problem } => {
            add_unread(repo, found.name, found.path, problem);
        }
    }
}

fn read_file(repo: &mut Repo, found: &FoundFile, max_bytes: u64) {
    let Ok(id) = read_source(repo, found, max_bytes) else {
        return;
    };
    match found.path.extension().and_then(|e| e.to_str()) {
        Some("rego") => repo.rego_files.push(id),
        Some("tf") => repo.other_files.push(id),
        _ => parse_yaml_file(repo, id),
    }
}

fn add_text_file(repo: &mut Repo, file: SourceFile) {
    if file.text.contains('\0') {
        let id = repo
            .sources
            .add(SourceFile::new(file.name, file.path, String::new()));
        repo.problems.push(LoadProblem::File {
            file: id,
            problem: FileProblem::Binary,
        });
        return;
    }
    let id = repo.sources.add(file);
    parse_yaml_file(repo, id);
}

/// Parses a loaded file as YAML and records its documents and problems.
pub fn parse_yaml_file(repo: &mut Repo, id: FileId) {
    let documents = parse_yaml_documents(repo, id);
    repo.documents.extend(
        documents
            .into_iter()
            .map(|doc| LoadedDocument { file: id, doc }),
    );
}

/// Parses a loaded file as YAML, records its problems and returns its documents.
pub fn parse_yaml_documents(repo: &mut Repo, id: FileId) -> Vec<Document> {
    let parsed = yaml::parse(repo.sources.get(id));
    repo.problems.extend(
        parsed
            .problems
            .into_iter()
            .map(|problem| LoadProblem::Yaml { file: id, problem }),
    );
    parsed.documents
}

/// Records a file that could not be read and why; returns its id.
fn add_unread(repo: &mut Repo, name: String, path: PathBuf, problem: FileProblem) -> FileId {
    // Keep a lossy copy of text that is not UTF-8 so the finding can show the line of the
    // first bad byte; every byte before it is valid, so its offset is unchanged.
    let text = match &problem {
        FileProblem::NotUtf8 { .. } => std::fs::read(&path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default(),
        _ => String::new(),
    };
    let id = repo.sources.add(SourceFile::new(name, path, text));
    repo.problems.push(LoadProblem::File { file: id, problem });
    id
}

/// Whether `size` bytes are within the limit, which never exceeds [`MAX_SPANNED_BYTES`].
fn within_size_limit(size: u64, max_bytes: u64) -> Result<(), FileProblem> {
    let limit = max_bytes.min(MAX_SPANNED_BYTES);
    if size > limit {
        return Err(FileProblem::TooLarge { size, limit });
    }
    Ok(())
}

/// Reads a file as UTF-8 text within the size limit.
///
/// # Errors
/// The [`FileProblem`] that kept it from being read.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String, FileProblem> {
    let meta = std::fs::metadata(path).map_err(|e| FileProblem::Unreadable(e.to_string()))?;
    within_size_limit(meta.len(), max_bytes)?;
    let bytes = std::fs::read(path).map_err(|e| FileProblem::Unreadable(e.to_string()))?;
    if bytes.contains(&0) {
        return Err(FileProblem::Binary);
    }
    let mut text = String::from_utf8(bytes).map_err(|e| FileProblem::NotUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })?;
    // A byte-order mark is not content; drop it so offsets and columns match what editors show.
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}
