# Cognito user pool with a resource server for the public API and an app client.
resource "aws_cognito_user_pool" "pool" {
  name = "example-users"
}

resource "aws_cognito_resource_server" "api" {
  identifier   = "https://api.example.com"
  name         = "Example API"
  user_pool_id = aws_cognito_user_pool.pool.id

  scope {
    scope_name        = "tracks"
    scope_description = "Read and write tracks"
  }

  scope {
    scope_name        = "pets"
    scope_description = "Access the pet store"
  }
}

resource "aws_cognito_user_pool_client" "portal" {
  name                                 = "developer-portal"
  user_pool_id                         = aws_cognito_user_pool.pool.id
  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["client_credentials"]
  allowed_oauth_scopes = [
    "openid",
    "https://api.example.com/tracks",
    aws_cognito_resource_server.api.scope_identifiers[1],
    "${var.extra_identifier}/admin",
  ]
  depends_on = [aws_cognito_resource_server.api]
}
