//! Typed shapes of the Kubernetes kinds portico reads. Decoding is lenient (unknown keys are
//! ignored here); the schema stage validates the same documents against the strict JSON Schemas
//! generated from these types ([`schema`]) and reports every unknown key.

pub mod auth_config;
pub mod common;
pub mod config_map;
pub mod ext_auth_policy;
pub mod ext_auth_server;
pub mod route_table;
pub mod schema;
pub mod versions;

pub use auth_config::*;
pub use common::*;
pub use config_map::*;
pub use ext_auth_policy::*;
pub use ext_auth_server::*;
pub use route_table::*;
