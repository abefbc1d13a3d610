# Okta scopes in Terraform, with a missing closing brace.
resource "okta_auth_server_scope" "tracks" {
  auth_server_id = "default"
  name           = "tracks"
