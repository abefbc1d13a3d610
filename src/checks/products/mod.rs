//! PC3xx: API products.

pub mod duplicate_api_product_version;
pub mod unprotected_product_route;
