//! Scope declarations read from identity-provider files (PRODUCT §3): Terraform, CloudFormation,
//! and the JSON/YAML exports of Cognito, Okta, Keycloak, Auth0, Entra and OIDC discovery
//! metadata. The format is detected from the content. Every declaration keeps its byte span in
//! the source file, so findings point at it.

pub mod documents;
pub mod terraform;

use std::ops::Range;

use crate::load::source::SourceFile;
use crate::load::yaml::Document;

/// Which kind of file declared the scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceFormat {
    /// Terraform (`okta_auth_server_scope`, `aws_cognito_resource_server`,
    /// `auth0_resource_server_scope(s)`, `azuread_application`, `keycloak_openid_client_scope`).
    Terraform,
    /// CloudFormation or SAM (`AWS::Cognito::UserPoolResourceServer`, `UserPoolClient`).
    CloudFormation,
    /// `aws cognito-idp describe-resource-server` / `list-resource-servers` output.
    CognitoCli,
    /// Okta `GET /api/v1/authorizationServers/{id}/scopes` output.
    OktaScopes,
    /// RFC 8414 / OpenID discovery metadata (`scopes_supported`): may be incomplete.
    OidcMetadata,
    /// Keycloak realm export (`clientScopes`).
    KeycloakRealm,
    /// Auth0 Deploy CLI (`tenant.yaml` `resourceServers`, `resource-servers/*.json`).
    Auth0DeployCli,
    /// Microsoft Entra application manifest (`oauth2PermissionScopes`).
    EntraManifest,
}

/// One declared scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredScope {
    /// The scope's own name or value as declared (Cognito `ScopeName`, Okta `name`, Auth0
    /// `value`, Entra `value`, Keycloak client scope `name`). `None` when it could not be
    /// resolved (Terraform interpolation of a variable, an unresolvable `!Ref`): unknown, never
    /// missing.
    pub name: Option<String>,
    /// The resource server the scope belongs to, when the format has one: Cognito `Identifier`,
    /// Auth0 API `identifier` (audience), Entra App ID URI. `None` when absent or unresolved.
    pub resource_server: Option<String>,
    /// The resource server's display name (Cognito `Name`), a common wrong prefix.
    pub resource_server_name: Option<String>,
    /// Entra: every App ID URI of the application that declares the scope (manifest
    /// `identifierUris`, Terraform `identifier_uris`). A token is issued for one resource, so the
    /// scope counts for a provider only when its configured `resourceServer` is among them.
    /// `None` when the format has no such list or does not say which application the scope
    /// belongs to; an entry is `None` when it could not be resolved.
    pub app_id_uris: Option<Vec<Option<String>>>,
    /// `false` when the source marks the scope disabled (Entra `isEnabled: false`).
    pub enabled: bool,
    /// Byte range of the name in the source file (or of the declaration when unresolved).
    pub span: Range<usize>,
}

/// A scope an application client is allowed to request: Okta policy rule `scope_whitelist`,
/// Cognito `AllowedOAuthScopes`, Keycloak client default/optional scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedScope {
    /// The scope as the grant writes it (Cognito: the full `identifier/name`; `*` = all);
    /// `None` when unresolved.
    pub scope: Option<String>,
    /// Byte range in the source file.
    pub span: Range<usize>,
}

/// What one source file declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeSource {
    /// The detected format.
    pub format: SourceFormat,
    /// Declared scopes, in file order.
    pub scopes: Vec<DeclaredScope>,
    /// Grants, when the file shows them (`None`: the file says nothing about grants).
    pub grants: Option<Vec<GrantedScope>>,
    /// Whether the declarations are complete. Discovery metadata lists only published scopes.
    pub complete: bool,
    /// Problems in the file itself (a declaration without a name, an unexpected shape), with
    /// their byte ranges.
    pub problems: Vec<(Range<usize>, String)>,
}

/// Why a file could not be read as a scope source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// The file does not parse in its language; range and message of the parser.
    Syntax(Range<usize>, String),
    /// It parses, but is none of the known formats.
    UnknownFormat,
}

/// Reads a scope source: Terraform by extension (`.tf`), everything else as JSON/YAML (the
/// caller passes the documents the loader parsed from `file`).
///
/// # Errors
/// When the file does not parse, or its content matches no known format.
pub fn read(file: &SourceFile, documents: &[Document]) -> Result<ScopeSource, SourceError> {
    if file.name.ends_with(".tf") {
        terraform::parse(file)
    } else {
        documents::detect(file, documents)
    }
}

/// What became of one `scopeSources` entry of a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceState {
    /// Read.
    Read(ScopeSource),
    /// The file was read but is not a scope source.
    Failed(SourceError),
    /// The file does not exist.
    Missing,
    /// The entry leads outside the repository (`../`, an absolute path, a link pointing out);
    /// nothing of it was read.
    OutsideRoot,
    /// The file exists but could not be read: it is not a regular file, or reading it failed
    /// (PC005 on the file says why).
    Unreadable,
}

/// One `scopeSources` entry, loaded.
#[derive(Debug, Clone)]
pub struct LoadedSource {
    /// Index of the provider in `identityProviders`.
    pub provider: usize,
    /// Index of the entry in its `scopeSources`.
    pub entry: usize,
    /// The file, once read.
    pub file: Option<crate::load::source::FileId>,
    /// The outcome.
    pub state: SourceState,
}

/// Reads every provider's `scopeSources`, relative to `base` (the directory of portico.yaml).
///
/// `portico.yaml` is untrusted (a pull request controls it), so an entry is read only when it
/// resolves (links and `..` followed) to a file inside one of `roots`: the directory of
/// portico.yaml and the first PATH. Anything else is refused unread, so that no code frame
/// can show a file from elsewhere on the machine (`../../.aws/credentials`,
/// `/proc/self/environ`).
///
/// A file the walk already read is not read again: it is looked up by its canonical path,
/// so each entry costs one path resolution, however many files the repository holds. One the
/// walk did not reach is read as a file named on the command line is, `per_file` included;
/// what `per_file` did on such files is returned beside the sources.
pub fn load_sources<R: Send>(
    repo: &mut crate::load::Repo,
    providers: &[crate::config::IdentityProvider],
    base: &std::path::Path,
    roots: &[std::path::PathBuf],
    max_file_bytes: u64,
    per_file: crate::load::PerFile<'_, R>,
) -> (Vec<LoadedSource>, Vec<crate::load::LoadedPart<R>>) {
    let roots: Vec<std::path::PathBuf> = roots
        .iter()
        .map(|r| {
            // The directory of `portico.yaml` is empty when it is named without one.
            if r.as_os_str().is_empty() {
                std::path::Path::new(".")
            } else {
                r.as_path()
            }
        })
        .filter_map(|r| r.canonicalize().ok())
        .collect();
    let mut out = Vec::new();
    let mut parts = Vec::new();
    for (p, provider) in providers.iter().enumerate() {
        for (entry, relative) in provider.scope_sources.iter().enumerate() {
            let (file, state) = load_source(
                repo,
                base,
                &roots,
                relative,
                max_file_bytes,
                per_file,
                &mut parts,
            );
            out.push(LoadedSource {
                provider: p,
                entry,
                file,
                state,
            });
        }
    }
    (out, parts)
}

/// Reads one `scopeSources` entry (see [`load_sources`]).
fn load_source<R: Send>(
    repo: &mut crate::load::Repo,
    base: &std::path::Path,
    roots: &[std::path::PathBuf],
    relative: &str,
    max_file_bytes: u64,
    per_file: crate::load::PerFile<'_, R>,
    parts: &mut Vec<crate::load::LoadedPart<R>>,
) -> (Option<crate::load::source::FileId>, SourceState) {
    let path = base.join(relative);
    let Ok(canonical) = path.canonicalize() else {
        return (None, SourceState::Missing);
    };
    if !roots.iter().any(|root| canonical.starts_with(root)) {
        return (None, SourceState::OutsideRoot);
    }
    let id = match repo.file_at(&canonical) {
        Some(id) => id,
        None => {
            // A FIFO would block and a device would never end: only regular files are opened.
            if !canonical.is_file() {
                return (None, SourceState::Unreadable);
            }
            let found = crate::load::walk::FoundFile {
                path: path.clone(),
                name: relative.replace('\\', "/"),
            };
            let (id, read, part) = crate::load::load_named(repo, found, max_file_bytes, per_file);
            parts.extend(part);
            if !read {
                return (Some(id), SourceState::Unreadable);
            }
            id
        }
    };
    if repo.is_unread(id) {
        return (Some(id), SourceState::Unreadable);
    }
    let documents: Vec<Document> = repo
        .documents_of(id)
        .iter()
        .map(|d| d.doc.clone())
        .collect();
    let state = match read(repo.sources.get(id), &documents) {
        Ok(source) => SourceState::Read(source),
        Err(error) => SourceState::Failed(error),
    };
    (Some(id), state)
}
