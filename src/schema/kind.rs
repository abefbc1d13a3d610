//! The documents portico publishes a JSON Schema for, and their names on the command line and
//! under `schemas/`.

/// The documents portico has a schema for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchemaKind {
    /// `networking.gloo.solo.io/v2` RouteTable.
    RouteTable,
    /// `security.policy.gloo.solo.io/v2` ExtAuthPolicy.
    ExtAuthPolicy,
    /// `admin.gloo.solo.io/v2` ExtAuthServer.
    ExtAuthServer,
    /// `enterprise.gloo.solo.io/v1` AuthConfig.
    AuthConfig,
    /// `portico.yaml`.
    Config,
}

impl SchemaKind {
    /// Every kind, in file-name order.
    pub const ALL: [SchemaKind; 5] = [
        SchemaKind::AuthConfig,
        SchemaKind::ExtAuthPolicy,
        SchemaKind::ExtAuthServer,
        SchemaKind::Config,
        SchemaKind::RouteTable,
    ];

    /// The file name under `schemas/`.
    #[must_use]
    pub fn file_name(self) -> &'static str {
        match self {
            SchemaKind::RouteTable => "routetable.schema.json",
            SchemaKind::ExtAuthPolicy => "extauthpolicy.schema.json",
            SchemaKind::ExtAuthServer => "extauthserver.schema.json",
            SchemaKind::AuthConfig => "authconfig.schema.json",
            SchemaKind::Config => "portico.schema.json",
        }
    }

    /// The name used on the command line (`portico schema routetable`).
    #[must_use]
    pub fn cli_name(self) -> &'static str {
        match self {
            SchemaKind::RouteTable => "routetable",
            SchemaKind::ExtAuthPolicy => "extauthpolicy",
            SchemaKind::ExtAuthServer => "extauthserver",
            SchemaKind::AuthConfig => "authconfig",
            SchemaKind::Config => "config",
        }
    }

    /// Looks a kind up by its command-line or Kubernetes name, ignoring case.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| {
            k.cli_name() == lower || (lower == "portico.yaml" && *k == SchemaKind::Config)
        })
    }
}
