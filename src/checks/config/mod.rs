//! PC9xx: the configuration file.

pub mod invalid_config;
pub mod unknown_rule_code;
