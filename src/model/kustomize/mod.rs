//! kustomize deploy units, built natively with positions.
//!
//! A `kustomization.yaml` (or `.yml`) defines a unit: the resources it lists (files, and
//! directories holding a kustomization), its components and generators, with its patches and
//! transformers applied. The roots are the kustomizations no other one includes; each root is
//! checked as its own repository, and the files of no unit form the plain part of the tree
//! (see `pipeline::lint`). A unit that cannot be rendered (a remote base, a plugin, a missing
//! file, a cycle) says so once (PC011) and its files stay plain.
//!
//! Every value of a rendered resource keeps its position: a node from a patch carries the
//! patch's file ([`crate::load::node::Origin`]), a value a transformer adds carries the line of
//! the kustomization that adds it. Only files the loader read are used: nothing outside the
//! repository is opened.
//!
//! `units:` globs of `portico.yaml` make folders units too, without kustomize: each matching
//! folder's files are checked as their own unit, as they are.

pub mod generator;
pub mod merge;
mod render;
mod select;
#[cfg(test)]
mod tests;
mod transform;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::diagnostic::Span;
use crate::load::node::Node;
use crate::load::source::FileId;
use crate::load::{LoadedDocument, Repo};

pub use generator::{Placement, add_generated_config_maps};

/// The file names kustomize reads as a kustomization in a directory (kustomize
/// `api/konfig/general.go`, `RecognizedKustomizationFileNames`: `kustomization.yaml`,
/// `kustomization.yml`, `Kustomization`; kustomize v5.5.0); the walk reads a file named
/// `Kustomization` although it has no extension.
pub const KUSTOMIZATION_FILE_NAMES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// One resource of a rendered unit: the document it came from and its tree after the unit's
/// patches and transformers.
#[derive(Debug, Clone)]
pub struct RenderedResource {
    /// The file of the document (the resource's file: its own nodes are in it).
    pub file: FileId,
    /// The document's index in that file.
    pub index: u32,
    /// The object, rendered.
    pub root: Node,
    /// `kind` and `metadata.name` as read from the file, before any prefix or suffix: a patch
    /// names its target either way.
    original_name: String,
    /// `metadata.namespace` as read from the file (`default` when absent).
    original_namespace: String,
}

/// A deploy unit: a root kustomization rendered, or a folder of `units:`.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The root kustomization, or the first file of a `units:` folder.
    pub name: String,
    /// What it deploys, in kustomize's order.
    pub resources: Vec<RenderedResource>,
    /// The kustomizations it read (their `configMapGenerator`s belong to the unit), with
    /// where what they generate ends up.
    pub kustomizations: BTreeMap<FileId, Placement>,
    /// Every file that is part of it (resources, patches, kustomizations, transformers).
    pub files: BTreeSet<FileId>,
    /// The files it lists that are not in the repository, said once (it is rendered without
    /// them).
    pub missing: Option<UnitProblem>,
}

/// Why a unit could not be rendered: where, and what.
#[derive(Debug, Clone)]
pub struct UnitProblem {
    /// The line of the kustomization that names what could not be read.
    pub span: Span,
    /// What.
    pub message: String,
    /// Whether the unit was rendered all the same (without what is missing), rather than
    /// left to be checked as plain files.
    pub rendered: bool,
}

/// The deploy units of a repository.
#[derive(Debug, Default)]
pub struct Units {
    /// The units, by root name.
    pub units: Vec<Unit>,
    /// Files that belong to a unit: not part of the plain tree.
    pub claimed: HashSet<FileId>,
    /// Files read only as patches (never as resources): no rule runs on them alone.
    pub patch_only: HashSet<FileId>,
    /// Units that could not be rendered, once each.
    pub problems: Vec<UnitProblem>,
    /// The directories holding a kustomization (rendered or not), or a `units:` folder.
    pub unit_dirs: Vec<String>,
}

impl Units {
    /// Whether a file of no unit lies outside every unit's directory: it is deployed next to
    /// the units (`kubectl apply -f routes/ && kubectl apply -k auth/`), so each unit is
    /// checked with it. A file of no unit inside a unit's directory is one the unit leaves
    /// out (or lists only in a comment): it is checked with the other files its nearest
    /// unit directory leaves out ([`Units::nearest_unit_dir`]).
    #[must_use]
    pub fn is_context(&self, name: &str, file: FileId) -> bool {
        !self.claimed.contains(&file) && self.nearest_unit_dir(name).is_none()
    }

    /// The deepest unit directory (kustomization or `units:` folder) holding the file
    /// `name`.
    #[must_use]
    pub fn nearest_unit_dir(&self, name: &str) -> Option<&str> {
        self.unit_dirs
            .iter()
            .filter(|dir| {
                dir.is_empty()
                    || name
                        .strip_prefix(dir.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|dir| dir.len())
            .map(String::as_str)
    }

    /// Whether the repository has no unit and nothing to say about one: then it is checked
    /// exactly as before units existed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.units.is_empty() && self.problems.is_empty()
    }
}

/// The file name part of a `/`-separated path.
fn base_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The directory part of a `/`-separated path (empty at the root).
fn dir_name(name: &str) -> &str {
    name.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Joins a kustomization-relative path onto its directory, resolving `.` and `..`; `None` when
/// it leaves the repository.
fn join(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The repository's files by name, and which directories hold files.
struct Tree<'a> {
    repo: &'a Repo,
    by_name: BTreeMap<&'a str, FileId>,
    dirs: HashSet<&'a str>,
}

impl<'a> Tree<'a> {
    fn new(repo: &'a Repo) -> Self {
        let by_name: BTreeMap<&str, FileId> = repo
            .sources
            .iter()
            .map(|(id, f)| (f.name.as_str(), id))
            .collect();
        let mut dirs = HashSet::new();
        for name in by_name.keys() {
            let mut dir = dir_name(name);
            loop {
                if !dirs.insert(dir) || dir.is_empty() {
                    break;
                }
                dir = dir_name(dir);
            }
        }
        Self {
            repo,
            by_name,
            dirs,
        }
    }

    /// The kustomization file of directory `dir`, if it has one.
    fn kustomization_in(&self, dir: &str) -> Option<FileId> {
        KUSTOMIZATION_FILE_NAMES.iter().find_map(|file| {
            let name = if dir.is_empty() {
                (*file).to_owned()
            } else {
                format!("{dir}/{file}")
            };
            self.by_name.get(name.as_str()).copied()
        })
    }

    /// The root of the first document of `file` (a kustomization has one).
    fn first_root(&self, file: FileId) -> Option<&'a Node> {
        let loaded = self.repo.documents_of(file).first()?;
        self.repo.root(loaded.id())
    }
}

/// Every kustomization file of the repository (by its file name), in name order.
fn kustomization_files(tree: &Tree<'_>) -> Vec<FileId> {
    tree.by_name
        .iter()
        .filter(|(name, _)| KUSTOMIZATION_FILE_NAMES.contains(&base_name(name)))
        .map(|(_, id)| *id)
        .collect()
}

/// The local directories a kustomization includes (`resources`, `bases`, `components` that
/// hold a kustomization).
fn included(tree: &Tree<'_>, file: FileId) -> Vec<FileId> {
    let Some(root) = tree.first_root(file) else {
        return Vec::new();
    };
    let dir = dir_name(&tree.repo.sources.get(file).name);
    ["resources", "bases", "components"]
        .iter()
        .filter_map(|key| root.get(key))
        .flat_map(render::sequence)
        .filter_map(Node::as_str)
        .filter_map(|entry| join(dir, entry))
        .filter_map(|path| tree.kustomization_in(&path))
        .collect()
}

/// Finds and renders the deploy units: the root kustomizations, and the folders `units`
/// (globs of `portico.yaml`) match.
#[must_use]
pub fn discover(repo: &Repo, unit_globs: &[String]) -> Units {
    let tree = Tree::new(repo);
    let kustomizations = kustomization_files(&tree);
    let mut units = Units {
        unit_dirs: kustomizations
            .iter()
            .map(|k| dir_name(&repo.sources.get(*k).name).to_owned())
            .collect(),
        ..Units::default()
    };
    let included: HashSet<FileId> = kustomizations
        .iter()
        .flat_map(|k| included(&tree, *k))
        .collect();
    for &root in kustomizations.iter().filter(|k| !included.contains(k)) {
        match render::render_root(&tree, root) {
            Ok((unit, patches)) => {
                units.problems.extend(unit.missing.clone());
                units.claimed.extend(unit.files.iter().copied());
                units.patch_only.extend(patches);
                units.units.push(unit);
            }
            Err(problem) => units.problems.push(problem),
        }
    }
    // A file both a resource somewhere and a patch elsewhere is read as the resource there.
    let resources: HashSet<FileId> = units
        .units
        .iter()
        .flat_map(|u| u.resources.iter().map(|r| r.file))
        .collect();
    units.patch_only.retain(|f| !resources.contains(f));
    folder_units(&tree, unit_globs, &mut units);
    units
}

/// The folders `units:` globs match, each a unit of its files that no kustomization claims.
fn folder_units(tree: &Tree<'_>, globs: &[String], units: &mut Units) {
    let Some(set) = build_globs(globs) else {
        return;
    };
    let mut folders: BTreeMap<&str, Vec<FileId>> = BTreeMap::new();
    for (name, id) in &tree.by_name {
        if units.claimed.contains(id) {
            continue;
        }
        // The deepest matching folder holding the file.
        let mut dir = dir_name(name);
        loop {
            if set.iter().any(|glob| glob.is_match(dir)) {
                folders.entry(dir).or_default().push(*id);
                break;
            }
            if dir.is_empty() {
                break;
            }
            dir = dir_name(dir);
        }
    }
    for (folder, files) in folders {
        let mut resources = Vec::new();
        for &file in &files {
            for loaded in tree.repo.documents_of(file) {
                if let Some(root) = tree.repo.root(loaded.id()) {
                    resources.push(RenderedResource {
                        file,
                        index: loaded.doc.index,
                        root: root.clone(),
                        original_name: String::new(),
                        original_namespace: String::new(),
                    });
                }
            }
        }
        units.claimed.extend(files.iter().copied());
        units.unit_dirs.push(folder.to_owned());
        units.units.push(Unit {
            name: folder.to_owned(),
            resources,
            kustomizations: BTreeMap::new(),
            files: files.into_iter().collect(),
            missing: None,
        });
    }
}

/// The `units:` globs, compiled as `suppressions:` globs are (`*` within a segment); the
/// configuration check reports those that do not parse (PC901).
fn build_globs(globs: &[String]) -> Option<Vec<globset::GlobMatcher>> {
    let compiled: Vec<globset::GlobMatcher> = globs
        .iter()
        .filter_map(|glob| crate::config::compile_glob(glob.trim_end_matches('/')).ok())
        .collect();
    (!compiled.is_empty()).then_some(compiled)
}

impl Unit {
    /// The unit's resources as documents to model: each keeps its file and index, with its
    /// rendered tree.
    #[must_use]
    pub fn documents(&self) -> Vec<LoadedDocument> {
        self.resources
            .iter()
            .map(|r| LoadedDocument {
                file: r.file,
                doc: crate::load::yaml::Document::rendered(r.index, r.root.clone()),
            })
            .collect()
    }
}
