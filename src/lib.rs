//! portico: a compiler and static linter for Gloo Platform API-gateway auth configuration.
//!
//! The module tree is the pipeline: [`load`] → [`schema`] → [`model`] → [`checks`] → [`report`].
//! The library never prints; the binary renders what [`run_check`] returns.

pub mod diagnostic;
pub mod load;
pub mod model;
pub mod schema;
pub mod suggest;
