//! Every rule, in code order. A code is never reused: a retired rule keeps its number.

use super::Rule;
use super::{auth, config, load, products, references, schema};

/// All rules.
pub static RULES: &[Rule] = &[
    load::yaml_syntax_error::RULE,
    load::duplicate_key::RULE,
    load::yaml11_ambiguous_scalar::RULE,
    load::alias_expansion_limit::RULE,
    load::unreadable_file::RULE,
    load::unresolved_placeholder::RULE,
    load::symlink_outside_root::RULE,
    schema::invalid_field_type::RULE,
    references::route_selector_matches_nothing::RULE,
    references::delegate_selector_matches_nothing::RULE,
    references::ext_auth_server_not_found::RULE,
    references::opa_module_config_map_not_found::RULE,
    references::route_selected_by_several_policies::RULE,
    references::duplicate_resource::RULE,
    references::duplicate_route_name::RULE,
    references::delegated_table_sets_hosts::RULE,
    references::delegation_cycle::RULE,
    products::unprotected_product_route::RULE,
    products::duplicate_api_product_version::RULE,
    auth::policy_applies_to_all_destinations::RULE,
    auth::invalid_token_url::RULE,
    auth::insecure_token_url::RULE,
    auth::invalid_inline_jwks::RULE,
    auth::jwks_without_signing_key::RULE,
    auth::required_scopes_bare_list::RULE,
    config::invalid_config::RULE,
    config::unknown_rule_code::RULE,
];
