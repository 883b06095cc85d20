//! The request hooks around every generated call: what every request needs at the transport.
//!
//! `pre` puts our headers on the request; `exec` sends it once and caps the response body at the
//! client's size limit, so no code path (generated or ours) can read more, and marks an answer
//! from another origin (a caller's HTTP client that followed a redirect) so it is never decoded as
//! Polar's. Retrying is not done here: the loop in `run.rs` wraps the whole generated call.
//!
//! Both checks are free on the common answer: the origin is compared field by field with the base
//! URL's (parsed once per client), and a body whose `Content-Length` is within the limit is left
//! as it is, because hyper never yields more bytes than that header declares.

use http_body_util::Limited;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::{Body, Request, Response, ResponseBuilderExt, StatusCode};

use crate::core::state::ClientState;
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
        let state = self.inner();
        let elsewhere = !state.origin.holds(response.url());
        let limit = state.max_response_bytes;
        // hyper ends a body at its declared length, so a declared length within the limit bounds it.
        let bounded = response
            .content_length()
            .is_some_and(|length| length <= limit as u64);
        if bounded && !elsewhere {
            return Ok(response);
        }
        Ok(capped(response, limit, elsewhere))
    }
}

/// On an answer from another origin than the request was sent to: its real status. The answer's
/// status is replaced by `421 Misdirected Request`, which no operation decodes as success.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FromElsewhere(pub(crate) StatusCode);

/// The same response, its body failing with `LengthLimitError` once more than `limit` bytes
/// arrived (used when `Content-Length` is absent or above the limit), and marked
/// [`FromElsewhere`] when `elsewhere`.
fn capped(response: Response, limit: usize, elsewhere: bool) -> Response {
    let url = response.url().clone();
    let (mut parts, body) = http::Response::<Body>::from(response).into_parts();
    if elsewhere {
        parts.extensions.insert(FromElsewhere(parts.status));
        parts.status = StatusCode::MISDIRECTED_REQUEST;
    }
    // Keep the response's URL; without it reqwest parses a placeholder URL for every response.
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        parts.extensions.extend(carrier.into_parts().0.extensions);
    }
    Response::from(http::Response::from_parts(
        parts,
        Body::wrap(Limited::new(body, limit)),
    ))
}
