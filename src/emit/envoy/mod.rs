//! Envoy v3 configuration for the gateway (PRODUCT §6, gloo-api.md §5): the ext_authz HTTP
//! filter of each ExtAuthServer, the clusters it and the routes point at, a RouteConfiguration
//! per root route table with delegation flattened, and a static bootstrap that runs the whole
//! result locally.
//!
//! The API-product metadata the Rego reads under `metadata_context.filter_metadata
//! ["io.solo.gloo.apimanagement"]` is dynamic metadata in Gloo (gloo-api.md §5). Plain Envoy has
//! no filter of Gloo's that sets it, so each product route carries a per-route config of the
//! `envoy.filters.http.set_metadata` filter with the product's values as constants, and
//! ext_authz forwards that namespace through `metadata_context_namespaces`. Nothing a client
//! sends takes part: the values are in the route configuration, and set_metadata reads no
//! header. (An earlier design set them with `header_to_metadata` rules that fired
//! `on_header_missing` for a header no client was expected to send: any client that sent it
//! removed the product from the check request, and policies that let requests without a
//! product through then opened every product route.) set_metadata accepts a per-route config
//! (`SetMetadataConfig::createRouteSpecificFilterConfigTyped` in Envoy's
//! source/extensions/filters/http/set_metadata/config.cc); tests/build.rs proves with the real
//! Envoy 1.40 that the values reach the ext_authz check request, also when a client sends
//! headers of its own.
//!
//! [`emit`] is the sequence of builders: `ext_authz` (with the servers' clusters), `routes`
//! (with the destinations' clusters), `clusters` and `bootstrap`. The routes come flattened
//! from [`crate::model::flatten`].

mod bootstrap;
mod clusters;
mod ext_authz;
mod routes;

use serde_json::Value as Json;

use super::{EmitError, EmitInput};
use crate::model::flatten::flatten_all;
use clusters::Clusters;
use ext_authz::Filters;
use routes::RouteContext;

/// An Envoy document of the build.
#[derive(Clone)]
struct Document {
    /// The artifact path.
    path: String,
    /// The document.
    json: Json,
    /// The Envoy API message it is, which it is validated as.
    message: &'static str,
}

/// Every Envoy document: (artifact path, document), by path.
///
/// # Errors
/// When a document fails validation against Envoy's descriptors.
pub fn emit(input: &EmitInput<'_>) -> Result<Vec<(String, Json)>, EmitError> {
    let model = input.model;
    let mut clusters = Clusters::default();
    let filters = Filters::build(model, &mut clusters);
    let protector = &input.facts.protection;
    let flattened = &flatten_all(model, input.index, input.facts.gloo_version);
    let context = RouteContext {
        input,
        protector,
        filters: &filters,
    };
    let routes = routes::build(&context, flattened, &mut clusters);
    let bootstrap = bootstrap::build(&routes, &filters, &clusters);
    let mut docs: Vec<Document> = filters.documents().collect();
    docs.extend(routes.documents);
    docs.extend(clusters.documents());
    docs.extend(bootstrap);
    validate_all(&docs)?;
    let mut out: Vec<(String, Json)> = docs.into_iter().map(|d| (d.path, d.json)).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Validates every document against Envoy's descriptors. Validation is independent per
/// document: on every core, first error in document order.
fn validate_all(docs: &[Document]) -> Result<(), EmitError> {
    use rayon::prelude::*;
    docs.par_iter()
        .map(|d| {
            if d.message == bootstrap::MESSAGE {
                bootstrap::validate(&d.path, &d.json)
            } else {
                validate(&d.path, d.message, &d.json)
            }
        })
        .collect::<Result<Vec<()>, EmitError>>()
        .map(|_| ())
}

fn validate(path: &str, message: &str, doc: &Json) -> Result<(), EmitError> {
    super::envoy_schema::validate(message, doc).map_err(|e| EmitError::Invalid {
        file: path.to_string(),
        pointer: e.pointer,
        message: e.message,
    })
}
