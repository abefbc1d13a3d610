//! PC3xx: API products.

pub mod duplicate_api_product_version;
pub mod invalid_product_id;
pub mod policy_without_provider;
pub mod product_without_scope;
pub mod unprotected_product_route;
