//! Stage 5: rendering diagnostics. Reporters return strings; the binary decides where they go.

pub mod human;
pub mod json;
pub mod matrix;
