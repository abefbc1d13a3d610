variable "auth_server_id" {
  type = string
}

locals {
  products = ["tracks", "pets"]
}

resource "okta_auth_server_scope" "products" {
  for_each         = toset(local.products)
  auth_server_id   = var.auth_server_id
  name             = each.value
  description      = "Access to the ${each.value} API product"
  consent          = "IMPLICIT"
  metadata_publish = "NO_CLIENTS"
}

resource "okta_auth_server_scope" "orders" {
  auth_server_id = var.auth_server_id
  name           = "orders"
  display_name   = "Orders"
}

resource "okta_auth_server_policy" "portal" {
  auth_server_id   = var.auth_server_id
  status           = "ACTIVE"
  name             = "Developer portal"
  priority         = 1
  client_whitelist = ["ALL_CLIENTS"]
}

resource "okta_auth_server_policy_rule" "portal" {
  auth_server_id       = var.auth_server_id
  policy_id            = okta_auth_server_policy.portal.id
  status               = "ACTIVE"
  name                 = "client credentials"
  priority             = 1
  grant_type_whitelist = ["client_credentials"]
  scope_whitelist      = ["tracks", okta_auth_server_scope.orders.name]
}
