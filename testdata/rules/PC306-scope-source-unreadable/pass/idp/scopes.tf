# Okta scopes in Terraform.
resource "okta_auth_server_scope" "tracks" {
  auth_server_id = "default"
  name           = "tracks"
}
