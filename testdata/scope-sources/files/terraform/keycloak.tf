resource "keycloak_realm" "realm" {
  realm = "example"
}

locals {
  scope_prefix = "product"
}

resource "keycloak_openid_client_scope" "tracks" {
  realm_id               = keycloak_realm.realm.id
  name                   = "${local.scope_prefix}:tracks"
  description            = "Access the tracks product"
  include_in_token_scope = true
}

resource "keycloak_openid_client_scope" "pets" {
  realm_id               = keycloak_realm.realm.id
  name                   = var.pets_scope_name
  include_in_token_scope = true
}

resource "keycloak_openid_client_default_scopes" "portal" {
  realm_id  = keycloak_realm.realm.id
  client_id = "portal"
  default_scopes = [
    "profile",
    keycloak_openid_client_scope.tracks.name,
    keycloak_openid_client_scope.pets.name,
  ]
}
