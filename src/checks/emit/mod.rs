//! PC6xx: what `portico build` compiles.

pub mod delegated_matcher_conflict;
