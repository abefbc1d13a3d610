resource "okta_auth_server_scope" "tracks" {
  auth_server_id = "aus1"
  name           = 
}
