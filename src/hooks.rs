//! The request hooks around every generated call: our headers, then the attempt loop
//! (send, buffer, classify, ask the retry policy, sleep, resend).

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, Request, Response, ResponseBuilderExt, StatusCode, Url};
use tracing::{Instrument, field};

use crate::call::Call;
use crate::classify::classify_response;
use crate::client::ClientState;
use crate::generated::Client;
use crate::retry::{AttemptContext, AttemptOutcome, Decision, decide, parse_retry_after};

impl ClientHooks<ClientState> for Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner().apply_headers(request.headers_mut());
        Ok(())
    }

    async fn exec(&self, request: Request, info: &OperationInfo) -> reqwest::Result<Response> {
        let call = Call::current();
        let replay_safe =
            request.method() == Method::GET || call.as_ref().is_some_and(|c| c.replay_safe);
        let span = tracing::info_span!(
            "polar.request",
            operation = info.operation_id,
            attempts = field::Empty,
            status = field::Empty,
            duration_ms = field::Empty,
            request_id = field::Empty,
        );
        let attempts = Attempts {
            http: self.client(),
            state: self.inner(),
            replay_safe,
            call: call.as_deref(),
        };
        // Boxed: the attempt loop's state (request, spare, response, timers) is kilobytes, and
        // unboxed it would be copied along with every future that awaits this call.
        Box::pin(attempts.run(request).instrument(span)).await
    }
}

/// A response read to its last byte, so a broken body counts as a failed attempt.
struct Buffered {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    url: Url,
}

impl Buffered {
    async fn receive(http: &reqwest::Client, request: Request) -> reqwest::Result<Self> {
        let mut response = http.execute(request).await?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let url = response.url().clone();
        let body = response.bytes().await?;
        Ok(Self {
            status,
            headers,
            body,
            url,
        })
    }

    fn outcome(&self) -> AttemptOutcome {
        let retry_after = self
            .headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        AttemptOutcome::Status {
            status: self.status.as_u16(),
            retry_after,
        }
    }

    fn request_id(&self) -> Option<&str> {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
    }

    fn into_response(self) -> Response {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        // Keep the response's URL; without it reqwest parses a placeholder URL for every response.
        if let Ok(carrier) = http::Response::builder().url(self.url).body(()) {
            *response.extensions_mut() = carrier.into_parts().0.extensions;
        }
        Response::from(response)
    }
}

/// One generated call's attempts.
struct Attempts<'a> {
    http: &'a reqwest::Client,
    state: &'a ClientState,
    replay_safe: bool,
    call: Option<&'a Call>,
}

impl Attempts<'_> {
    async fn run(&self, mut request: Request) -> reqwest::Result<Response> {
        let policy = &self.state.retry;
        let started = Instant::now();
        let mut earlier_attempt_may_have_landed = false;
        let mut attempt = 1;
        loop {
            // A body that cannot be cloned (a stream) is sent once: there is nothing to resend.
            let spare = request.try_clone();
            let remaining = policy.deadline().saturating_sub(started.elapsed());
            let limit = self
                .state
                .timeout
                .min(remaining)
                .max(Duration::from_millis(1));
            *request.timeout_mut() = Some(limit);
            let result = Buffered::receive(self.http, request).await;
            let outcome = match &result {
                Ok(response) => response.outcome(),
                Err(e) if e.is_connect() => AttemptOutcome::NotSent,
                Err(e) => AttemptOutcome::MaybeSent {
                    timed_out: e.is_timeout(),
                },
            };
            let context = AttemptContext {
                attempt,
                elapsed: started.elapsed(),
                replay_safe: self.replay_safe,
            };
            let decision = decide(policy, &outcome, &context, fastrand::f64);
            match (decision, spare) {
                (Decision::RetryAfter(wait), Some(next)) => {
                    tracing::warn!(
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        reason = %outcome,
                        "Polar request failed; retrying"
                    );
                    earlier_attempt_may_have_landed |= outcome.may_have_been_acted_on();
                    tokio::time::sleep(wait).await;
                    request = next;
                    attempt += 1;
                }
                _ => {
                    let last = Last {
                        attempt,
                        outcome,
                        limit,
                        started,
                        earlier_attempt_may_have_landed,
                    };
                    return self.finish(result, last);
                }
            }
        }
    }

    /// Records the final attempt in the span and the call report, and hands it to the generated code.
    fn finish(&self, result: reqwest::Result<Buffered>, last: Last) -> reqwest::Result<Response> {
        let span = tracing::Span::current();
        span.record("attempts", last.attempt);
        span.record("duration_ms", last.started.elapsed().as_millis() as u64);
        let last_may_have_reached_server = matches!(last.outcome, AttemptOutcome::MaybeSent { .. });
        let status = result
            .as_ref()
            .ok()
            .map(|response| response.status.as_u16());
        let error = match &result {
            Ok(response) => {
                span.record("status", response.status.as_u16());
                if let Some(id) = response.request_id() {
                    span.record("request_id", id);
                }
                (!response.status.is_success()).then(|| {
                    classify_response(
                        response.status.as_u16(),
                        &response.headers,
                        &response.body,
                        self.state.api_version(),
                    )
                })
            }
            Err(_) => None,
        };
        if let Some(call) = self.call {
            call.record(|report| {
                report.error = error;
                report.attempts = last.attempt;
                report.attempt_timeout = last.limit;
                report.status = status;
                report.last_may_have_reached_server = last_may_have_reached_server;
                report.earlier_attempt_may_have_landed = last.earlier_attempt_may_have_landed;
            });
        }
        result.map(Buffered::into_response)
    }
}

/// What the loop knows about its final attempt.
struct Last {
    /// Its number, 1-based.
    attempt: u32,
    /// How it ended.
    outcome: AttemptOutcome,
    /// Its time limit: the per-attempt timeout, or less when the overall deadline was nearer.
    limit: Duration,
    /// When the first attempt started.
    started: Instant,
    /// Whether an attempt before it may have reached Polar and been acted upon.
    earlier_attempt_may_have_landed: bool,
}
