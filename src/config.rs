//! `portico.yaml` (PRODUCT §2): read with the same span-keeping loader as every other input, so
//! a mistake in it is a diagnostic at its line like any other.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::gloo_version::GlooVersion;
use crate::load::node::escape_token;
use crate::load::source::FileId;
use crate::load::walk::FoundFile;
use crate::load::yaml::Document;
use crate::load::{Repo, parse_yaml_documents, read_source};

/// The default name of the configuration file at the root of the first input.
pub const CONFIG_FILE_NAME: &str = "portico.yaml";

/// `portico.yaml`: configuration of a portico run (identity providers, rule severities, paths
/// not to read, suppressions, the baseline, build output directory).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct ConfigFile {
    /// Who issues the access tokens the policies validate.
    pub identity_providers: Vec<IdentityProvider>,
    /// Severity overrides per rule code.
    pub rules: BTreeMap<String, RuleLevel>,
    /// Paths (globs relative to the root) not to read.
    pub ignore: Vec<String>,
    /// Findings not to report, by file glob and/or resource glob, for resources that cannot
    /// carry a `# portico-ignore` comment or a `portico.dev/ignore` annotation (vendored or
    /// upstream charts).
    pub suppressions: Vec<ConfigSuppression>,
    /// A baseline file written by `portico check --write-baseline`, relative to this file and
    /// inside its directory (no absolute path, no `..`, no symbolic link leading out): findings
    /// recorded in it are not reported, and entries that no longer occur are (PC906).
    pub baseline: Option<String>,
    /// Default output directory of `portico build`, relative to this file and inside its
    /// directory: no absolute path, no `..`, not `.git`, no symbolic link on the way.
    pub output: Option<String>,
    /// Files larger than this many bytes are not read (PC005); the default is 16 MiB.
    pub max_file_bytes: Option<u64>,
    /// How the ext auth service reads Rego.
    pub rego: RegoSettings,
    /// The Gloo Platform release the repository targets.
    pub gloo: GlooSettings,
    /// Folders (globs relative to the root, e.g. `environments/*` or `steps/*`) that are each
    /// deployed on their own: every matching folder's files are checked as a unit of their
    /// own, as each kustomization root is, so that copies of one object in several
    /// alternatives are not read as one repository. A file belongs to the deepest matching
    /// folder; files a kustomization lists belong to its unit instead.
    pub units: Vec<String>,
}

/// `gloo:` settings.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct GlooSettings {
    /// The Gloo Platform minor release the repository is written for (`"2.2"` to `"2.7"`;
    /// default the newest): schemas, rules and semantics follow its API.
    #[serde(deserialize_with = "GlooVersion::decode")]
    #[schemars(with = "Option<GlooVersion>")]
    pub version: Option<GlooVersion>,
}

impl GlooSettings {
    /// The release in force: the one configured, else the newest supported.
    #[must_use]
    pub fn version(&self) -> GlooVersion {
        self.version.unwrap_or(GlooVersion::LATEST)
    }
}

/// `rego:` settings.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RegoSettings {
    /// The Rego syntax the ext auth service's OPA accepts: `v1` (OPA 1.x), `v0` (v0
    /// compatibility mode, or an OPA before 1.0) or `auto` (either; a module that needs v0
    /// gets a note).
    pub version: RegoVersion,
}

/// `rego.version`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegoVersion {
    /// Accept both syntaxes.
    #[default]
    Auto,
    /// OPA 1.x syntax only.
    V1,
    /// Pre-1.0 syntax.
    V0,
}

/// One entry of `suppressions:`. A finding is suppressed when its code is listed and it matches
/// every glob given (`path` and/or `resource`; an entry with neither matches everywhere).
///
/// Globs use `*` (within one `/`-separated segment), `**` (across segments), `?`, `[abc]` and
/// `{a,b}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigSuppression {
    /// Glob on the file name as reported (relative to the root it was found under), e.g.
    /// `vendor/**`.
    #[serde(default)]
    pub path: Option<String>,
    /// Glob on the resource, `Kind/namespace/name`, e.g. `RouteTable/upstream-*/*`. A finding
    /// matches through the resource it names or the resource its location lies in.
    #[serde(default)]
    pub resource: Option<String>,
    /// The rule codes suppressed, e.g. `[PC201]`.
    pub codes: Vec<String>,
    /// Why these findings are accepted; a suppression without one is reported (PC903).
    #[serde(default)]
    pub reason: Option<String>,
}

/// A severity override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    /// Report as an error.
    Error,
    /// Report as a warning.
    Warning,
    /// Report as information.
    Info,
    /// Do not run the rule.
    Off,
}

/// An identity provider.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentityProvider {
    /// Name used in findings.
    pub name: String,
    /// Which kind of provider: decides scope formats and token shape.
    #[serde(rename = "type")]
    pub provider_type: ProviderType,
    /// Token issuer (`iss`).
    #[serde(default)]
    pub issuer: Option<String>,
    /// JWKS URL.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// Cognito identifier, Auth0 audience, Entra App ID URI.
    #[serde(default)]
    pub resource_server: Option<String>,
    /// Scopes declared inline.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Files that declare scopes.
    #[serde(default)]
    pub scope_sources: Vec<String>,
}

/// The provider types PRODUCT §2 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProviderType {
    /// Okta: `scp` array.
    Okta,
    /// AWS Cognito: `scope` string of `Identifier/ScopeName`.
    Cognito,
    /// Auth0: `scope` string.
    Auth0,
    /// Keycloak: `scope` string.
    Keycloak,
    /// Microsoft Entra ID: `scp` space-separated string.
    Entra,
    /// RFC 9068: `scope` string.
    Generic,
}

/// A problem in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Where.
    pub span: Range<usize>,
    /// What.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
}

/// The loaded configuration.
#[derive(Debug, Default)]
pub struct Config {
    /// The file it came from, if any.
    pub file: Option<FileId>,
    /// Its document, for spans.
    pub doc: Option<Document>,
    /// The decoded settings (defaults when absent or broken).
    pub settings: ConfigFile,
    /// Problems in it.
    pub problems: Vec<ConfigProblem>,
    /// The globs of each `suppressions:` entry, compiled once: `None` for an entry with a glob
    /// that does not parse (reported as a problem; the entry is not applied).
    pub suppression_globs: Vec<Option<SuppressionGlobs>>,
    /// The file `baseline:` names, resolved against the directory of the configuration file;
    /// `None` without `baseline:`, or when it is a problem (PC901) and is not read.
    pub baseline_path: Option<PathBuf>,
    /// The codes `rules:` and `suppressions:` name that no rule has, in file order, with the
    /// span of each ([`Config::resolve_codes`]; PC902 reports them).
    pub unknown_codes: Vec<UnknownCode>,
}

/// A rule code of `portico.yaml` that no rule has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    /// As written.
    pub code: String,
    /// Where: the `rules:` key, or the entry of a suppression's `codes`.
    pub span: Range<usize>,
}

/// The compiled `path` and `resource` globs of a `suppressions:` entry.
#[derive(Debug, Clone)]
pub struct SuppressionGlobs {
    /// `path`, matched against file names.
    pub path: Option<globset::GlobMatcher>,
    /// `resource`, matched against `Kind/namespace/name`.
    pub resource: Option<globset::GlobMatcher>,
}

/// Compiles a `suppressions:` glob: `*` stays within a `/`-separated segment, `**` crosses them.
///
/// # Errors
/// The glob parser's message.
pub fn compile_glob(glob: &str) -> Result<globset::GlobMatcher, String> {
    globset::GlobBuilder::new(glob)
        .literal_separator(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| e.kind().to_string())
}

impl Config {
    /// Resolves the rule codes `rules:` and `suppressions:` name against the codes rules have
    /// (`is_code`, given by the caller, which knows the rules: the configuration is read before
    /// them), once, into [`Config::unknown_codes`].
    pub fn resolve_codes(&mut self, is_code: impl Fn(&str) -> bool) {
        let rules = self
            .settings
            .rules
            .keys()
            .map(|code| (code, format!("/rules/{}", escape_token(code))));
        let suppressions = self
            .settings
            .suppressions
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.codes
                    .iter()
                    .enumerate()
                    .map(move |(j, code)| (code, format!("/suppressions/{i}/codes/{j}")))
            });
        let unknown: Vec<UnknownCode> = rules
            .chain(suppressions)
            .filter(|(code, _)| !is_code(code))
            .map(|(code, pointer)| UnknownCode {
                code: code.clone(),
                span: self.key_span(&pointer).unwrap_or(0..0),
            })
            .collect();
        self.unknown_codes = unknown;
    }

    /// The span of the key at `pointer` (or of its closest parent) in the config file.
    #[must_use]
    pub fn key_span(&self, pointer: &str) -> Option<Range<usize>> {
        let doc = self.doc.as_ref()?;
        Some(doc.root.pointer_or_parent(pointer).key_or_value_span())
    }
}

/// Where the configuration is looked for: `explicit`, else `portico.yaml` at the first path
/// when that is a directory.
#[must_use]
pub fn locate(explicit: Option<&Path>, first_path: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    let dir = first_path.filter(|p| p.is_dir())?;
    let candidate = dir.join(CONFIG_FILE_NAME);
    candidate.is_file().then_some(candidate)
}

/// Reads and decodes the configuration at `path` like [`load`], unless the file lies in
/// `repository` (the first PATH) by its name but leads out of it through a symbolic link:
/// a pull request controls that name, and a link would have portico read, and show in its
/// findings, any file of the machine. That one is not read: PC901 says why, and the run goes
/// on with the defaults.
#[must_use]
pub fn load_in(path: &Path, display: String, repository: Option<&Path>, repo: &mut Repo) -> Config {
    // In the repository by its name: spelt under it (`repo/portico.yaml`, whatever links are
    // on the way), or in a directory of it.
    let outside = repository
        .filter(|root| root.is_dir())
        .and_then(|root| Some((root, root.canonicalize().ok()?)))
        .filter(|(root, canonical)| {
            path.starts_with(root) || crate::load::walk::own_location(path).starts_with(canonical)
        })
        .and_then(|(_, canonical)| {
            let target = path.canonicalize().ok()?;
            (!target.starts_with(&canonical)).then_some(target)
        });
    let Some(target) = outside else {
        return load(path, display, repo);
    };
    let found = FoundFile {
        path: path.to_path_buf(),
        name: display,
    };
    let shown = std::fs::read_link(path).unwrap_or(target);
    Config {
        file: Some(crate::load::add_refused(repo, &found)),
        problems: vec![ConfigProblem {
            span: 0..0,
            message: format!(
                "invalid configuration: {} leads outside the repository (to {}) through a symbolic link; it is not read, and the run uses the defaults",
                found.name,
                shown.display()
            ),
            help: Some(
                "the configuration is part of the repository, so a pull request controls it: commit the file itself, or pass `--config FILE`"
                    .into(),
            ),
        }],
        ..Config::default()
    }
}

/// Reads and decodes the configuration at `path`, adding the file to `repo`.
#[must_use]
pub fn load(path: &Path, display: String, repo: &mut Repo) -> Config {
    let mut config = Config::default();
    let found = FoundFile {
        path: path.to_path_buf(),
        name: display,
    };
    let id = match read_source(repo, &found, crate::load::DEFAULT_MAX_FILE_BYTES) {
        Ok(id) => id,
        Err(id) => {
            config.file = Some(id);
            return config;
        }
    };
    config.file = Some(id);
    let mut documents = parse_yaml_documents(repo, id).into_iter();
    let Some(doc) = documents.next() else {
        return config;
    };
    if let Some(extra) = documents.next() {
        config.problems.push(ConfigProblem {
            span: extra.root.span.range(),
            message:
                "the configuration file holds more than one YAML document; only the first is read"
                    .into(),
            help: Some("remove the `---` separator and merge the documents".into()),
        });
    }
    let mut json = doc.root.to_json();
    crate::schema::validate::strip_nulls(&mut json);
    let errors = validator().validate(&json, "");
    for error in &errors {
        let span = error.span_in(&doc.root);
        let (message, help) = error.describe();
        config.problems.push(ConfigProblem {
            span,
            message: format!("invalid configuration: {message}"),
            help,
        });
    }
    // Decoding is lenient about unknown keys (the schema reported them); a value it cannot read
    // leaves the defaults in place, and the schema error above says why.
    if !json.is_null() {
        match crate::schema::decode::<ConfigFile>(&json, "") {
            Ok(settings) => config.settings = settings,
            Err(error) if errors.is_empty() => {
                let found = doc.root.pointer_or_parent(&error.pointer);
                config.problems.push(ConfigProblem {
                    span: found.node.span.range(),
                    message: format!("invalid configuration: {}", error.message),
                    help: None,
                });
            }
            Err(_) => {}
        }
    }
    check_suppressions(&mut config, &doc);
    check_unit_globs(&mut config, &doc);
    check_output(&mut config, &doc);
    check_baseline(&mut config, &doc, path);
    config.doc = Some(doc);
    config
}

/// The JSON Schema of `portico.yaml` (draft 2020-12), generated from [`ConfigFile`].
#[must_use]
pub fn schema() -> serde_json::Value {
    crate::schema::generate::root_schema::<ConfigFile>(CONFIG_FILE_NAME)
}

/// [`schema`], compiled once.
fn validator() -> &'static crate::schema::validate::CompiledSchema {
    static COMPILED: std::sync::OnceLock<crate::schema::validate::CompiledSchema> =
        std::sync::OnceLock::new();
    COMPILED.get_or_init(|| crate::schema::validate::CompiledSchema::new("config", schema()))
}

/// Why `output:` cannot be the build's output directory, if it cannot.
///
/// A pull request controls `portico.yaml`, so `output:` must name a directory inside the
/// repository (the directory of `portico.yaml`): not an absolute path, no `..` (even one that
/// comes back: the rule stays one that can be read at a glance), not the repository itself,
/// and not inside `.git` under any spelling a file system takes for it ([`is_git_dir_name`]).
/// Checked by name here, for a finding at the line; `portico build` checks it again on the
/// path as it resolves (no symbolic link inside the repository, no `.git`) whether or not the
/// finding is turned off.
#[must_use]
pub fn output_problem(output: &str) -> Option<&'static str> {
    path_problem(output)
}

/// Why `baseline:` cannot be read, if it cannot by its name: like `output:`, it must name a
/// file inside the repository (the directory of `portico.yaml`), which a pull request
/// controls; the run checks again, before reading it, that it does not resolve out of the
/// repository through a symbolic link.
#[must_use]
pub fn baseline_problem(baseline: &str) -> Option<&'static str> {
    path_problem(baseline)
}

/// Why a path of `portico.yaml` does not name something inside the repository.
fn path_problem(path: &str) -> Option<&'static str> {
    use std::path::Component;
    let components: Vec<Component<'_>> = Path::new(path).components().collect();
    if components
        .iter()
        .any(|c| matches!(c, Component::RootDir | Component::Prefix(_)))
    {
        return Some("is an absolute path");
    }
    if components.iter().any(|c| matches!(c, Component::ParentDir)) {
        return Some("leads out of the repository with `..`");
    }
    if !components.iter().any(|c| matches!(c, Component::Normal(_))) {
        return Some("is the repository itself");
    }
    // A backslash separates components on Windows, where `a\.git` is inside `.git`.
    if path
        .split(['/', '\\'])
        .any(|name| is_git_dir_name(std::ffi::OsStr::new(name)))
    {
        return Some("is inside `.git`");
    }
    None
}

/// Whether a file system may take the path component `name` for `.git`, the repository's own
/// directory, whose hooks and configuration run code: `.git` in any case (macOS and Windows
/// file systems ignore case: `.GIT/hooks` is `.git/hooks` there), followed by any dots and
/// spaces (Windows drops them: `.git.` is `.git`) or by an NTFS stream (`.git::$INDEX_ALLOCATION`),
/// its NTFS short name `git~1`, and with the code points HFS+ ignores left out
/// (`.g\u{200c}it`). This is the set git and libgit2 refuse as a path of a tree: git's
/// `is_ntfs_dotgit` and `is_hfs_dotgit` (path.c, utf8.c; CVE-2014-9390, CVE-2019-1352),
/// libgit2's `verify_dotgit_ntfs` and `next_hfs_char` (src/libgit2/path.c).
#[must_use]
pub fn is_git_dir_name(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    // The code points HFS+ ignores when it compares names (libgit2 `next_hfs_char`).
    let kept: String = name
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{200c}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{206a}'..='\u{206f}' | '\u{feff}'
            )
        })
        .collect();
    // An NTFS stream name follows the first `:`.
    let file = kept.split(':').next().unwrap_or_default();
    let trimmed = file.trim_end_matches(['.', ' ']);
    trimmed.eq_ignore_ascii_case(".git") || trimmed.eq_ignore_ascii_case("git~1")
}

/// `output:` that leads out of the repository (see [`output_problem`]).
fn check_output(config: &mut Config, doc: &Document) {
    let Some(output) = &config.settings.output else {
        return;
    };
    if let Some(problem) = output_problem(output) {
        config.problems.push(ConfigProblem {
            span: doc.root.pointer_or_parent("/output").node.span.range(),
            message: format!(
                "invalid configuration: `output: {output}` {problem}; the build output must be a directory inside the repository"
            ),
            help: Some(
                "portico.yaml is part of the repository, so a pull request controls it: use a relative path such as `generated`, or pass `--out DIR` to build elsewhere"
                    .into(),
            ),
        });
    }
}

/// `baseline:` that leads out of the repository (see [`baseline_problem`]): reported here, and
/// the run does not read it.
fn check_baseline(config: &mut Config, doc: &Document, config_file: &Path) {
    let Some(baseline) = config.settings.baseline.clone() else {
        return;
    };
    if let Some(problem) = baseline_problem(&baseline) {
        config.problems.push(ConfigProblem {
            span: doc.root.pointer_or_parent("/baseline").node.span.range(),
            message: format!(
                "invalid configuration: `baseline: {baseline}` {problem}; the baseline must be a file inside the repository, and is not read"
            ),
            help: Some(
                "portico.yaml is part of the repository, so a pull request controls it: use a relative path such as `portico-baseline.json`, or pass `--baseline FILE`"
                    .into(),
            ),
        });
        return;
    }
    let base = config_file.parent().unwrap_or(Path::new(""));
    let path = base.join(&baseline);
    // A symbolic link in the repository may lead the name out of it: not read either.
    let base_dir = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    if let (Ok(target), Ok(root)) = (path.canonicalize(), base_dir.canonicalize())
        && !target.starts_with(&root)
    {
        config.problems.push(ConfigProblem {
            span: doc.root.pointer_or_parent("/baseline").key_or_value_span(),
            message: format!(
                "invalid configuration: `baseline: {baseline}` leads outside the repository (to {}) through a symbolic link; the baseline must be a file inside the repository, and is not read",
                target.display()
            ),
            help: Some(
                "portico.yaml is part of the repository, so a pull request controls it: commit the baseline itself, or pass `--baseline FILE`"
                    .into(),
            ),
        });
        return;
    }
    config.baseline_path = Some(path);
}

/// `units:` globs that do not parse (the folders they meant are then not units).
fn check_unit_globs(config: &mut Config, doc: &Document) {
    for (i, glob) in config.settings.units.iter().enumerate() {
        if let Err(message) = compile_glob(glob.trim_end_matches('/')) {
            let pointer = format!("/units/{i}");
            config.problems.push(ConfigProblem {
                span: doc.root.pointer_or_parent(&pointer).node.span.range(),
                message: format!("invalid configuration: `{glob}` is not a glob: {message}"),
                help: Some("the folders it meant are not checked as units; fix the glob".into()),
            });
        }
    }
}

/// Problems in `suppressions:` the schema cannot see: globs that do not parse, entries that
/// name no code.
fn check_suppressions(config: &mut Config, doc: &Document) {
    let mut problems = Vec::new();
    let mut compiled = Vec::new();
    for (i, entry) in config.settings.suppressions.iter().enumerate() {
        let mut compile = |field: &str, glob: &Option<String>| {
            let glob = glob.as_deref()?;
            compile_glob(glob)
                .map_err(|message| {
                    let pointer = format!("/suppressions/{i}/{field}");
                    problems.push(ConfigProblem {
                        span: doc.root.pointer_or_parent(&pointer).node.span.range(),
                        message: format!(
                            "invalid configuration: `{glob}` is not a glob: {message}"
                        ),
                        help: Some("the entry is not applied; fix the glob".into()),
                    });
                })
                .map(Some)
                .transpose()
        };
        let path = compile("path", &entry.path).transpose();
        let resource = compile("resource", &entry.resource).transpose();
        compiled.push(match (path, resource) {
            (Ok(path), Ok(resource)) => Some(SuppressionGlobs { path, resource }),
            _ => None,
        });
        if entry.codes.is_empty() {
            let pointer = format!("/suppressions/{i}/codes");
            problems.push(ConfigProblem {
                span: doc.root.pointer_or_parent(&pointer).node.span.range(),
                message: "invalid configuration: the suppression names no rule code".into(),
                help: Some("list the codes it suppresses, e.g. `codes: [PC201]`".into()),
            });
        }
    }
    config.problems.extend(problems);
    config.suppression_globs = compiled;
}

#[cfg(test)]
mod tests {
    use super::{baseline_problem, output_problem};

    #[test]
    fn output_must_name_a_directory_inside_the_repository() {
        for good in ["generated", "generated/", "./out/gloo", "a.b/c"] {
            assert_eq!(output_problem(good), None, "{good}");
        }
        for (bad, problem) in [
            ("/home/user/.aws", "is an absolute path"),
            ("../x", "leads out of the repository with `..`"),
            ("a/../../x", "leads out of the repository with `..`"),
            ("a/..", "leads out of the repository with `..`"),
            (".", "is the repository itself"),
            ("", "is the repository itself"),
            (".git/hooks", "is inside `.git`"),
            ("sub/.git", "is inside `.git`"),
            (".GIT/hooks", "is inside `.git`"),
            (".Git./hooks", "is inside `.git`"),
            (".git . /hooks", "is inside `.git`"),
            (".git::$INDEX_ALLOCATION/hooks", "is inside `.git`"),
            ("GIT~1/hooks", "is inside `.git`"),
            ("a\\.git\\hooks", "is inside `.git`"),
            (".g\u{200c}it/hooks", "is inside `.git`"),
        ] {
            assert_eq!(output_problem(bad), Some(problem), "{bad}");
        }
        for good in [".github", ".gitx", "git", "x.git", ".gi t"] {
            assert_eq!(output_problem(good), None, "{good}");
        }
    }

    /// `gloo.version` outside the supported releases is a problem at its value, and the rest
    /// of the file still applies; an unquoted `2.4` is that release.
    #[test]
    #[allow(clippy::unwrap_used)]
    fn gloo_version_is_a_supported_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portico.yaml");
        let load = |text: &str| {
            std::fs::write(&path, text).unwrap();
            super::load(
                &path,
                "portico.yaml".into(),
                &mut crate::load::Repo::default(),
            )
        };
        let config = load("rego:\n  version: v0\ngloo:\n  version: \"2.9\"\n");
        assert_eq!(config.problems.len(), 1, "{:?}", config.problems);
        assert_eq!(config.problems[0].span, 37..42);
        assert!(config.problems[0].message.contains("`2.9`"));
        assert_eq!(config.settings.rego.version, super::RegoVersion::V0);
        assert_eq!(config.settings.gloo.version(), super::GlooVersion::LATEST);
        let config = load("gloo:\n  version: 2.4\n");
        assert!(config.problems.is_empty(), "{:?}", config.problems);
        assert_eq!(config.settings.gloo.version(), super::GlooVersion::V2_4);
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn unit_globs_that_do_not_parse_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portico.yaml");
        std::fs::write(&path, "units:\n  - steps/*\n  - \"steps/[a\"\n").unwrap();
        let config = super::load(
            &path,
            "portico.yaml".into(),
            &mut crate::load::Repo::default(),
        );
        let messages: Vec<&str> = config.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0].contains("`steps/[a` is not a glob"),
            "{messages:?}"
        );
        assert_eq!(config.settings.units, ["steps/*", "steps/[a"]);
    }

    #[test]
    fn baseline_must_name_a_file_inside_the_repository() {
        assert_eq!(baseline_problem("portico-baseline.json"), None);
        assert_eq!(baseline_problem("ci/baseline.json"), None);
        for bad in [
            "/home/user/.aws/credentials",
            "../baseline.json",
            "a/../../b",
        ] {
            assert!(baseline_problem(bad).is_some(), "{bad}");
        }
    }
}
