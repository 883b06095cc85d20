//! The transport: the accept loop, HTTP/1 connections, and the stages before the application
//! (API version, body size, rate limit, injected faults) — including real connection drops and truncated
//! bodies.

use super::app;
use super::fault::Fault;
use super::recorded::RecordedRequest;
use super::reply::Reply;
use super::state::State;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{CONTENT_LENGTH, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// Largest accepted request body (10 MiB).
const MAX_BODY: usize = 10 * 1024 * 1024;
/// API versions the server accepts; the first is the default.
const VERSIONS: [&str; 2] = ["2026-04", "2026-10"];
/// Pause after a failed `accept` (e.g. out of file descriptors) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
/// How long a truncated body waits after its partial bytes, so they are flushed before the close.
const TRUNCATE_FLUSH: Duration = Duration::from_millis(20);

/// Accepts connections until the task is aborted; aborting drops the listener and, through the
/// `JoinSet`, every open connection.
pub(crate) async fn serve(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, Arc::clone(&state)));
                }
                Err(_) => tokio::time::sleep(ACCEPT_BACKOFF).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Serves one connection; an aborted connection (fault or client gone) just ends it.
///
/// Each request is handled on a task of its own: like Polar, the mock finishes (and stores) a
/// request it has accepted even if the client goes away meanwhile (e.g. during a `Delay`).
async fn serve_connection(stream: TcpStream, state: Arc<State>) {
    // Small answers should not wait for Nagle; failing to set it changes nothing visible.
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request| {
        let state = Arc::clone(&state);
        let handling = tokio::spawn(async move { handle(&state, request).await });
        async move { handling.await.unwrap_or(Err(ConnectionDropped)) }
    });
    // An error here means the client went away or a fault dropped the connection: nothing to do.
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
pub(crate) struct ConnectionDropped;

impl fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by the mock")
    }
}

impl std::error::Error for ConnectionDropped {}

/// Handles one request: record it, then version → body size → rate limit → fault → application.
async fn handle(
    state: &State,
    request: Request<Incoming>,
) -> Result<Response<MockBody>, ConnectionDropped> {
    let (parts, body) = request.into_parts();
    let declared_length = parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    let needs_length = matches!(parts.method, Method::POST | Method::PUT | Method::PATCH);
    let too_large = declared_length.is_some_and(|length| length > MAX_BODY as u64);
    let (bytes, too_large) = if (needs_length && declared_length.is_none()) || too_large {
        (Bytes::new(), too_large)
    } else {
        match Limited::new(body, MAX_BODY).collect().await {
            Ok(collected) => (collected.to_bytes(), false),
            Err(problem) if problem.is::<http_body_util::LengthLimitError>() => {
                (Bytes::new(), true)
            }
            Err(_) => return Err(ConnectionDropped),
        }
    };
    state.record(RecordedRequest {
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), ToString::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: bytes.to_vec(),
    });

    let Some(version) = api_version(parts.headers.get("polar-version")) else {
        return Ok(respond(Reply::not_found(), None, false));
    };
    if needs_length && declared_length.is_none() {
        return Ok(respond(Reply::length_required(), Some(version), false));
    }
    if too_large {
        return Ok(respond(Reply::too_large(MAX_BODY), Some(version), false));
    }
    if let Some(window) = state.rate_limit.check() {
        return Ok(respond(Reply::rate_limited(window), Some(version), false));
    }
    let fault = state.next_fault(&parts.method, parts.uri.path());
    match &fault {
        Some(Fault::RateLimited { retry_after }) => {
            return Ok(respond(
                Reply::rate_limited(*retry_after),
                Some(version),
                false,
            ));
        }
        Some(Fault::ServerError { status }) => {
            return Ok(respond(Reply::server_error(*status), Some(version), false));
        }
        Some(Fault::ProxyErrorPage { status }) => {
            return Ok(respond(Reply::proxy_page(*status), None, false));
        }
        Some(Fault::DropBeforeStore) => return Err(ConnectionDropped),
        Some(Fault::Delay(delay)) => tokio::time::sleep(*delay).await,
        _ => {}
    }
    let reply = app::answer(
        state,
        &app::Request {
            method: &parts.method,
            path: parts.uri.path(),
            query: parts.uri.query(),
            headers: &parts.headers,
            body: &bytes,
        },
    );
    match fault {
        Some(Fault::DropAfterStore) => Err(ConnectionDropped),
        Some(Fault::TruncatedBody) => Ok(respond(reply, Some(version), true)),
        Some(Fault::ProxyErrorPageAfterStore { status }) => {
            Ok(respond(Reply::proxy_page(status), None, false))
        }
        Some(Fault::MalformedBody) => Ok(respond(
            Reply {
                body: b"{\"id\": <not json>".to_vec(),
                ..reply
            },
            Some(version),
            false,
        )),
        _ => Ok(respond(reply, Some(version), false)),
    }
}

/// The accepted API version: absent or empty means the default; `None` for anything unsupported.
fn api_version(header: Option<&HeaderValue>) -> Option<&'static str> {
    let requested = match header {
        None => return Some(VERSIONS[0]),
        Some(value) => value.to_str().ok()?.trim(),
    };
    if requested.is_empty() {
        return Some(VERSIONS[0]);
    }
    VERSIONS.into_iter().find(|version| *version == requested)
}

/// Turns a reply into a hyper response; an accepted version is echoed along with a request id.
/// A truncated response declares the full length but sends only part of the body.
fn respond(reply: Reply, version: Option<&str>, truncate: bool) -> Response<MockBody> {
    let full_length = reply.body.len();
    let body = if truncate {
        let mut sent = reply.body;
        sent.truncate(full_length / 2);
        MockBody::truncated(Bytes::from(sent))
    } else {
        MockBody::full(Bytes::from(reply.body))
    };
    let mut response = Response::new(body);
    *response.status_mut() =
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    let mut extra = Vec::new();
    if let Some(version) = version {
        extra.push(("polar-version", version.to_owned()));
        extra.push((
            "x-request-id",
            uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
                .into_uuid()
                .simple()
                .to_string(),
        ));
    }
    if truncate {
        extra.push(("content-length", full_length.max(1).to_string()));
    }
    for (name, value) in reply.headers.into_iter().chain(extra) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.append(name, value);
        }
    }
    response
}

/// A response body: either whole, or part of it followed by an error that makes hyper close the
/// connection short of the declared `Content-Length`.
pub(crate) struct MockBody {
    data: Option<Bytes>,
    /// For a truncated body: the pause that lets the partial bytes reach the socket before the
    /// connection is closed.
    cut: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl MockBody {
    /// A complete body.
    fn full(data: Bytes) -> Self {
        Self {
            data: Some(data),
            cut: None,
        }
    }

    /// A body that stops after `data`.
    fn truncated(data: Bytes) -> Self {
        Self {
            data: Some(data),
            cut: Some(Box::pin(tokio::time::sleep(TRUNCATE_FLUSH))),
        }
    }
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = ConnectionDropped;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ConnectionDropped>>> {
        if let Some(data) = self.data.take().filter(|data| !data.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        match self.cut.as_mut() {
            None => Poll::Ready(None),
            Some(pause) => pause
                .as_mut()
                .poll(cx)
                .map(|()| Some(Err(ConnectionDropped))),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.cut.is_none() && self.data.as_ref().is_none_or(Bytes::is_empty)
    }

    fn size_hint(&self) -> SizeHint {
        match (&self.cut, &self.data) {
            (Some(_), _) => SizeHint::default(),
            (None, Some(data)) => SizeHint::with_exact(data.len() as u64),
            (None, None) => SizeHint::with_exact(0),
        }
    }
}
