//! PC3xx: API products.

pub mod duplicate_api_product_version;
pub mod empty_scope_source;
pub mod invalid_product_id;
pub mod policy_without_provider;
pub mod product_missing_from_metadata;
pub mod product_with_several_providers;
pub mod product_without_scope;
pub mod scope_not_granted;
pub mod scope_source_unreadable;
pub mod unprotected_product_route;
pub mod unused_scope;
