//! The Rego stage: every module parsed once through regorus (the one seam to it is
//! [`parse`]), facts read from the AST for the static checks, and the engine that evaluates
//! the access matrix.

pub mod builtins_opa;
pub mod facts;
pub mod parse;
