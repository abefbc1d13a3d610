//! Stage 1: find the input files and read them into spanned YAML documents and Rego sources.

pub mod chart;
pub mod embedded;
pub mod locate;
pub mod nesting;
pub mod node;
mod pending;
pub mod read;
pub mod scalar;
pub mod source;
pub mod walk;
pub mod yaml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pending::{Pending, Reading, read_pending};
use read::{Refusal, read_bounded, read_text_or_refusal, within_size_limit};
use source::{FileId, SourceFile, Sources};
use walk::{FoundFile, WalkOptions, WalkProblemKind, WalkedFile};
use yaml::{Document, YamlProblem};

/// Files larger than this are not read (a generated bundle or a data dump, not configuration).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// One input of a run.
#[derive(Debug, Clone)]
pub enum Input {
    /// A directory (walked) or a file (always read).
    Path(PathBuf),
    /// A multi-document YAML stream the caller already holds (read from standard input by a
    /// library caller), named `<stdin>`.
    Stdin(String),
    /// The process's standard input (`-` on the command line), named `<stdin>`: read by the
    /// loader, as bytes and no further than the size limit, so that it gets the findings a
    /// file with the same bytes gets (PC005 for text that is not UTF-8, or too much of it).
    /// Read once, however often it is listed.
    StandardInput,
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
    /// Files that are not inputs even where a walk meets them: the configuration (read
    /// already) and the baseline (read by the caller).
    pub excluded: Vec<PathBuf>,
}

/// A document: its file and its 0-based position in that file ([`yaml::Document::index`]).
/// Fixed when the file is read, so whatever is built from a document is final when made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocId {
    /// The file.
    pub file: FileId,
    /// The document's position in it.
    pub index: u32,
}

/// A YAML document and the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedDocument {
    /// The file.
    pub file: FileId,
    /// The document.
    pub doc: Document,
}

impl LoadedDocument {
    /// Its id.
    #[must_use]
    pub fn id(&self) -> DocId {
        DocId {
            file: self.file,
            index: self.doc.index,
        }
    }
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
    /// A stream, a device or a file that grew while it was read held more than the limit;
    /// reading stopped one byte past it, so its size is unknown.
    OverLimit {
        /// The limit.
        limit: u64,
    },
    /// Not UTF-8 text; `offset` is the first bad byte.
    NotUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// UTF-16 text (it starts with a UTF-16 byte-order mark).
    Utf16,
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
    /// Where each file's documents are in `documents`, by file id (empty for a file without
    /// any): documents are added a whole file at a time ([`Repo::add_documents`]).
    file_documents: Vec<std::ops::Range<u32>>,
    /// Standalone `.rego` files.
    pub rego_files: Vec<FileId>,
    /// Other files read for later stages (`.tf` scope sources).
    pub other_files: Vec<FileId>,
    /// Problems met.
    pub problems: Vec<LoadProblem>,
    /// The Helm charts met by walks, whose templates were not read ([`chart`]), in walk order.
    pub charts: Vec<chart::Chart>,
    /// The YAML comments that may be suppressions, by file, recorded while parsing.
    pub directive_comments: Vec<(FileId, yaml::DirectiveComment)>,
    /// One slot per file (made by [`Repo::track_released`]), holding that file's documents
    /// parsed again from its text the first time a released tree of it is asked for.
    reparsed: Box<[std::sync::OnceLock<Vec<Document>>]>,
    /// Every file met, by canonical path (links and `..` resolved): a file two PATHs reach,
    /// or a scope source the walk read already, is not read again. Boxed: a path built by
    /// joining keeps spare capacity, which a repository of 100,000 files would hold all run.
    canonical: HashMap<Box<Path>, FileId>,
    /// Whether the process's standard input was read.
    standard_input_read: bool,
}

impl Repo {
    /// The documents of `file`, in order.
    #[must_use]
    pub fn documents_of(&self, file: FileId) -> &[LoadedDocument] {
        self.file_documents
            .get(file.0 as usize)
            .and_then(|r| self.documents.get(r.start as usize..r.end as usize))
            .unwrap_or_default()
    }

    /// The document `id`.
    #[must_use]
    pub fn document(&self, id: DocId) -> Option<&LoadedDocument> {
        let documents = self.documents_of(id.file);
        let at = documents
            .binary_search_by_key(&id.index, |d| d.doc.index)
            .ok()?;
        documents.get(at)
    }

    /// Adds the documents of `file`, which has none yet.
    pub fn add_documents(&mut self, file: FileId, mut documents: Vec<LoadedDocument>) {
        let start = u32::try_from(self.documents.len()).unwrap_or(u32::MAX);
        if self.documents.is_empty() {
            // A single file of a million documents is not copied.
            self.documents = documents;
        } else {
            self.documents.append(&mut documents);
        }
        let end = u32::try_from(self.documents.len()).unwrap_or(u32::MAX);
        let slot = file.0 as usize;
        if self.file_documents.len() <= slot {
            self.file_documents.resize(slot + 1, 0..0);
        }
        if let Some(range) = self.file_documents.get_mut(slot) {
            *range = start..end;
        }
    }

    /// The root node of the document `id`.
    ///
    /// While the document holds its tree, that tree. Once it was released
    /// ([`Document::release_tree`]), the file is parsed again from its text, once, the first
    /// time one of its documents is asked for: parsing is deterministic, so the tree and its
    /// spans are the ones the loader built.
    #[must_use]
    pub fn root(&self, id: DocId) -> Option<&node::Node> {
        let loaded = self.document(id)?;
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

    /// The file read (or met and not read) at `path`, however it is spelled: a relative or an
    /// absolute path, through a link or `..`.
    #[must_use]
    pub fn file_at(&self, path: &Path) -> Option<FileId> {
        let canonical = path.canonicalize().ok()?;
        self.canonical.get(canonical.as_path()).copied()
    }

    /// Whether the file could not be read (its problem is among [`Repo::problems`]).
    #[must_use]
    pub fn is_unread(&self, id: FileId) -> bool {
        self.problems
            .iter()
            .any(|p| matches!(p, LoadProblem::File { file, .. } if *file == id))
    }

    /// Records that the file at `canonical` is `id`, unless a file was recorded there first.
    fn remember(&mut self, canonical: Option<PathBuf>, id: FileId) {
        if let Some(canonical) = canonical {
            self.canonical
                .entry(canonical.into_boxed_path())
                .or_insert(id);
        }
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
    load_with(options, repo, &|_, _, _| ()).map(|_| ())
}

/// Reads every input, doing `per_file` on each YAML file as soon as it is parsed, and returns
/// what it did, in file order.
///
/// Every input takes the same path: a file found by walking a directory, a file named on the
/// command line and standard input each get their [`FileId`] before they are read (a walk's
/// files in its sorted order, the others in command-line order), are read and parsed on any
/// core, and `per_file` sees them with their final ids, so what it builds is final when made.
///
/// Each file is read once however the inputs overlap (`check repo repo/auth`, a link inside
/// the root to another file of it, the configuration file): the first input that reaches it
/// names it.
///
/// # Errors
/// When an input path does not exist.
pub fn load_with<R: Send>(
    options: &LoadOptions,
    repo: &mut Repo,
    per_file: PerFile<'_, R>,
) -> Result<Vec<LoadedPart<R>>, LoadError> {
    let mut parts = Vec::new();
    let limit = options.max_file_bytes;
    // Files the caller read already (the configuration) or reads itself (the baseline) are
    // not inputs, even where a walk meets them.
    let excluded: Vec<PathBuf> = options
        .excluded
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    for input in &options.inputs {
        match input {
            Input::Stdin(text) => {
                let bytes =
                    within_size_limit(text.len() as u64, limit).map(|()| text.clone().into_bytes());
                let pending = Pending::stream(repo, bytes);
                read_pending(repo, vec![pending], limit, per_file, &mut parts);
            }
            Input::StandardInput => {
                if repo.standard_input_read {
                    continue;
                }
                repo.standard_input_read = true;
                let bytes = read_bounded(std::io::stdin().lock(), limit, 0);
                let pending = Pending::stream(repo, bytes);
                read_pending(repo, vec![pending], limit, per_file, &mut parts);
            }
            Input::Path(path) => {
                let meta =
                    std::fs::metadata(path).map_err(|_| LoadError::NotFound(path.clone()))?;
                if meta.is_dir() {
                    let walked = walk::walk_dir(path, &options.walk);
                    for problem in walked.problems {
                        if repo.canonical.contains_key(problem.location.as_path()) {
                            continue;
                        }
                        let kind = match problem.kind {
                            WalkProblemKind::Unreadable(message) => {
                                FileProblem::Unreadable(message)
                            }
                            WalkProblemKind::OutsideRoot(target) => {
                                FileProblem::OutsideRoot(target)
                            }
                        };
                        let refusal = Refusal::of(kind);
                        add_unread(
                            repo,
                            problem.name,
                            problem.path,
                            refusal,
                            Some(problem.location),
                        );
                    }
                    let (files, charts) = chart::set_templates_apart(walked.files);
                    let wanted = first_names(&files, |f| {
                        !excluded.contains(&f.canonical)
                            && !repo.canonical.contains_key(f.canonical.as_path())
                    });
                    let first = repo.sources.len();
                    let pending: Vec<Pending> = files
                        .into_iter()
                        .zip(wanted)
                        .filter_map(|(f, wanted)| wanted.then_some(f))
                        .enumerate()
                        .map(|(i, walked)| Pending {
                            id: file_id(first + i),
                            found: walked.found,
                            canonical: Some(walked.canonical),
                            reading: Reading::Walked,
                        })
                        .collect();
                    read_pending(repo, pending, limit, per_file, &mut parts);
                    add_charts(repo, charts);
                } else {
                    let canonical = path.canonicalize().ok();
                    if canonical.as_ref().is_some_and(|c| {
                        repo.canonical.contains_key(c.as_path()) || excluded.contains(c)
                    }) {
                        continue;
                    }
                    let name = path.to_string_lossy().replace('\\', "/");
                    let name = name.strip_prefix("./").map(str::to_owned).unwrap_or(name);
                    let pending = Pending {
                        id: file_id(repo.sources.len()),
                        found: FoundFile {
                            path: path.clone(),
                            name,
                        },
                        canonical,
                        reading: Reading::Named,
                    };
                    read_pending(repo, vec![pending], limit, per_file, &mut parts);
                }
            }
        }
    }
    Ok(parts)
}

/// Reads one more file the way [`load_with`] reads a file named on the command line (a scope
/// source the walk did not reach), unless it was read already; returns its id, whether it
/// could be read, and what `per_file` did on it.
pub fn load_named<R: Send>(
    repo: &mut Repo,
    found: FoundFile,
    max_bytes: u64,
    per_file: PerFile<'_, R>,
) -> (FileId, bool, Option<LoadedPart<R>>) {
    let canonical = found.path.canonicalize().ok();
    if let Some(id) = canonical
        .as_ref()
        .and_then(|c| repo.canonical.get(c.as_path()))
    {
        return (*id, !repo.is_unread(*id), None);
    }
    let id = file_id(repo.sources.len());
    let pending = Pending {
        id,
        found,
        canonical,
        reading: Reading::Named,
    };
    let mut parts = Vec::new();
    read_pending(repo, vec![pending], max_bytes, per_file, &mut parts);
    (id, !repo.is_unread(id), parts.pop())
}

/// Records the charts a walk found, once each however the inputs overlap: their `Chart.yaml`
/// was read by now (or reported unreadable), so it has an id.
fn add_charts(repo: &mut Repo, charts: Vec<chart::FoundChart>) {
    for found in charts {
        let Some(file) = repo.canonical.get(found.canonical.as_path()).copied() else {
            continue;
        };
        // The same chart reached by two overlapping PATHs is the first one's (its names).
        if !repo.charts.iter().any(|c| c.file == file) {
            repo.charts.push(chart::Chart {
                file,
                templates: found.templates,
            });
        }
    }
}

/// The id of the file at position `n` of the run's sources.
fn file_id(n: usize) -> FileId {
    FileId(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Which of a walk's files to read: those `new` accepts, each file once. Of several names of
/// one file (links inside the root), its own name wins over a link's, then the first in the
/// walk's sorted order: which one never varies.
fn first_names(files: &[WalkedFile], new: impl Fn(&WalkedFile) -> bool) -> Vec<bool> {
    if !files.iter().any(|f| f.linked) {
        // Without links every file has one name: the walk met each once.
        return files.iter().map(new).collect();
    }
    let mut chosen: HashMap<&Path, usize> = HashMap::new();
    let mut wanted = vec![false; files.len()];
    for (i, file) in files.iter().enumerate() {
        if !new(file) {
            continue;
        }
        let replaced = match chosen.entry(file.canonical.as_path()) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(i);
                None
            }
            std::collections::hash_map::Entry::Occupied(mut slot) => {
                let before = *slot.get();
                if files.get(before).is_some_and(|f| f.linked) && !file.linked {
                    slot.insert(i);
                    Some(before)
                } else {
                    continue;
                }
            }
        };
        if let Some(w) = replaced.and_then(|before| wanted.get_mut(before)) {
            *w = false;
        }
        if let Some(w) = wanted.get_mut(i) {
            *w = true;
        }
    }
    wanted
}

/// Reads one file's text, or records why it could not be read. Returns its id. A file read
/// before under any spelling of its path is not read again: its id is returned. For files
/// that are not inputs (the configuration); inputs are read by [`load_with`].
pub fn read_source(repo: &mut Repo, found: &FoundFile, max_bytes: u64) -> Result<FileId, FileId> {
    let canonical = found.path.canonicalize().ok();
    if let Some(id) = canonical
        .as_ref()
        .and_then(|c| repo.canonical.get(c.as_path()))
    {
        return if repo.is_unread(*id) {
            Err(*id)
        } else {
            Ok(*id)
        };
    }
    match read_text_or_refusal(&found.path, max_bytes) {
        Ok(text) => {
            let id = repo.sources.add(SourceFile::new(
                found.name.clone(),
                found.path.clone(),
                text,
            ));
            repo.remember(canonical, id);
            Ok(id)
        }
        Err(refusal) => Err(add_unread(
            repo,
            found.name.clone(),
            found.path.clone(),
            refusal,
            canonical,
        )),
    }
}

/// Adds a file the caller refuses to read, for the findings it reports about it: its text is
/// empty, and the walk does not report the same entry again (it is remembered at its own
/// place, a link not followed, as the walk names one).
pub fn add_refused(repo: &mut Repo, found: &FoundFile) -> FileId {
    let id = repo.sources.add(SourceFile::new(
        found.name.clone(),
        found.path.clone(),
        String::new(),
    ));
    repo.remember(Some(walk::own_location(&found.path)), id);
    id
}

/// What [`load_with`]'s per-file work returned for a YAML file.
#[derive(Debug)]
pub struct LoadedPart<R> {
    /// The file.
    pub file: FileId,
    /// What the per-file work returned.
    pub part: R,
}

/// The work [`load_with`] does on each YAML file as soon as it is parsed, on the thread that
/// parsed it: the file's id, its text and its documents.
pub type PerFile<'a, R> = &'a (dyn Fn(FileId, &SourceFile, &mut [LoadedDocument]) -> R + Sync);

/// Parses a loaded file that is not an input (the configuration) as YAML, records its
/// problems and returns its documents.
pub fn parse_yaml_documents(repo: &mut Repo, id: FileId) -> Vec<Document> {
    let parsed = yaml::parse(repo.sources.get(id));
    repo.problems.extend(
        parsed
            .problems
            .into_iter()
            .map(|problem| LoadProblem::Yaml { file: id, problem }),
    );
    repo.directive_comments
        .extend(parsed.directive_comments.into_iter().map(|c| (id, c)));
    parsed.documents
}

/// Records a file that could not be read and why; returns its id.
fn add_unread(
    repo: &mut Repo,
    name: String,
    path: PathBuf,
    refusal: Refusal,
    canonical: Option<PathBuf>,
) -> FileId {
    let id = repo.sources.add(SourceFile::new(name, path, refusal.shown));
    repo.problems.push(LoadProblem::File {
        file: id,
        problem: refusal.problem,
    });
    repo.remember(canonical, id);
    id
}
