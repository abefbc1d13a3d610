//! PC1xx: documents whose shape is wrong for their kind.

pub mod invalid_field_type;
