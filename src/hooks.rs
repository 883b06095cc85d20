//! The request hooks around every generated call: what every request needs at the transport.
//!
//! `pre` puts our headers on the request; `exec` sends it once and caps the response body at the
//! client's size limit, so no code path (generated or ours) can read more. Retrying is not done
//! here: the loop in `run.rs` wraps the whole generated call.

use http_body_util::Limited;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::{Body, Request, Response, ResponseBuilderExt};

use crate::client::ClientState;
use crate::generated::Client;

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner().apply_headers(request.headers_mut());
        Ok(())
    }

    async fn exec(&self, request: Request, _info: &OperationInfo) -> reqwest::Result<Response> {
        let response = self.client().execute(request).await?;
        Ok(capped(response, self.inner().max_response_bytes))
    }
}

/// The same response, its body failing with `LengthLimitError` once more than `limit` bytes
/// arrived (whatever `Content-Length` claims).
fn capped(response: Response, limit: usize) -> Response {
    let url = response.url().clone();
    let (mut parts, body) = http::Response::<Body>::from(response).into_parts();
    // Keep the response's URL; without it reqwest parses a placeholder URL for every response.
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(carrier.into_parts().0.extensions);
    }
    Response::from(http::Response::from_parts(
        parts,
        Body::wrap(Limited::new(body, limit)),
    ))
}
