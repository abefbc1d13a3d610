//! PC6xx: what `portico build` compiles.

pub mod authconfig_name_collision;
pub mod delegated_matcher_conflict;
pub mod invalid_generated_name;
