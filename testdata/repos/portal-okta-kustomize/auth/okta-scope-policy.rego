# OPA module for auth/ext-auth-policy.yaml, packed into ConfigMap okta-scope-policy by
# auth/kustomization.yaml.
package test

import rego.v1

default allow := false

# Allow when the access token was granted the scope named after the API product of
# the requested route. The gateway passes the product id (the route table's
# portalMetadata.apiProductId) in the io.solo.gloo.apimanagement metadata namespace.
# Okta lists granted scopes in the `scp` claim as a JSON array, for example
# ["openid", "petstore"]; its tokens have no space-separated `scope` string.
allow if {
    filter_metadata := input.check_request.attributes.metadata_context.filter_metadata
    product := filter_metadata["io.solo.gloo.apimanagement"].api_product_id
    product != ""
    product in input.state.jwtAccessToken.scp
}
