resource "auth0_resource_server" "api" {
  name        = "Example API"
  identifier  = "https://api.example.com"
  signing_alg = "RS256"
}

resource "auth0_resource_server_scopes" "api" {
  resource_server_identifier = auth0_resource_server.api.identifier

  scopes {
    name        = "tracks"
    description = "Access the tracks product"
  }

  scopes {
    name        = "pets"
    description = "Access the pets product"
  }
}

resource "auth0_resource_server_scope" "orders" {
  resource_server_identifier = auth0_resource_server.api.identifier
  scope                      = "orders"
  description                = "Access the orders product"
}

# Legacy provider v0.x: scopes inline on the resource server.
resource "auth0_resource_server" "legacy" {
  name       = "Legacy API"
  identifier = "https://legacy.example.com"

  scopes {
    value       = "invoices"
    description = "Read invoices"
  }
}
