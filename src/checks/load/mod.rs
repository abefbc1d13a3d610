//! PC0xx: problems reading files and YAML.

pub mod alias_expansion_limit;
pub mod duplicate_key;
pub mod symlink_outside_root;
pub mod unreadable_file;
pub mod unrenderable_unit;
pub mod unrendered_helm_chart;
pub mod unresolved_placeholder;
pub mod yaml11_ambiguous_scalar;
pub mod yaml_syntax_error;
