# Custom scopes of the Okta default authorization server, one per API product, and the policy
# rule that lets the developer portal's client request them.
data "okta_auth_server" "default" {
  name = "default"
}

resource "okta_auth_server_scope" "tracks" {
  auth_server_id   = data.okta_auth_server.default.id
  name             = "tracks"
  description      = "Tracks API product"
  consent          = "IMPLICIT"
  metadata_publish = "ALL_CLIENTS"
}

resource "okta_auth_server_scope" "petstore" {
  auth_server_id   = data.okta_auth_server.default.id
  name             = "petstore"
  description      = "Petstore API product"
  consent          = "IMPLICIT"
  metadata_publish = "NO_CLIENTS"
}

resource "okta_auth_server_policy" "portal" {
  auth_server_id   = data.okta_auth_server.default.id
  name             = "dev-portal"
  description      = "Developer portal"
  priority         = 1
  client_whitelist = ["ALL_CLIENTS"]
}

resource "okta_auth_server_policy_rule" "portal" {
  auth_server_id       = data.okta_auth_server.default.id
  policy_id            = okta_auth_server_policy.portal.id
  name                 = "dev-portal"
  priority             = 1
  grant_type_whitelist = ["authorization_code"]
  group_whitelist      = ["EVERYONE"]
  scope_whitelist      = ["openid", "tracks", "petstore"]
}
