# The portal's Cognito user pool, its resource server (one scope per API product) and the app
# client that may request them. Tokens carry "<identifier>/<scope_name>", e.g.
# "https://api.example.com/tracks".
locals {
  api_identifier = "https://api.example.com"
  api_products = {
    tracks   = "Tracks API product"
    petstore = "Petstore API product"
  }
}

resource "aws_cognito_user_pool" "portal" {
  name = "portal"
}

resource "aws_cognito_resource_server" "api" {
  identifier   = local.api_identifier
  name         = "portal-api"
  user_pool_id = aws_cognito_user_pool.portal.id

  dynamic "scope" {
    for_each = local.api_products
    content {
      scope_name        = scope.key
      scope_description = scope.value
    }
  }
}

resource "aws_cognito_user_pool_client" "portal" {
  name                                 = "dev-portal"
  user_pool_id                         = aws_cognito_user_pool.portal.id
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = concat(["openid"], aws_cognito_resource_server.api.scope_identifiers)
  callback_urls                        = ["https://portal.example.com/callback"]
  supported_identity_providers         = ["COGNITO"]
}
