//! PC9xx: the configuration file, suppressions and the baseline.

pub mod invalid_config;
pub mod stale_baseline_entry;
pub mod suppression_without_reason;
pub mod unknown_rule_code;
pub mod unknown_suppression_code;
pub mod unused_suppression;
