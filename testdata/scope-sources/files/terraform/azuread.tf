resource "random_uuid" "tracks" {}

resource "azuread_application" "api" {
  display_name    = "example-api"
  identifier_uris = ["api://example"]

  api {
    requested_access_token_version = 2

    oauth2_permission_scope {
      admin_consent_description  = "Access the tracks product"
      admin_consent_display_name = "Tracks"
      enabled                    = true
      id                         = random_uuid.tracks.result
      type                       = "User"
      value                      = "tracks"
    }

    oauth2_permission_scope {
      admin_consent_description  = "Access the pets product (retired)"
      admin_consent_display_name = "Pets"
      enabled                    = false
      id                         = "9d4c2a0e-6a61-4b52-9a39-0c2e2c1f4b11"
      type                       = "Admin"
      value                      = "pets"
    }
  }
}
