//! PC3xx: API products.

pub mod duplicate_api_product_version;
pub mod policy_without_provider;
pub mod product_without_scope;
pub mod unprotected_product_route;
