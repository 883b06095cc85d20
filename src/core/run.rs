//! The one retry loop, around one generated call: send, classify a failure into our [`Error`], let
//! the policy read that error, wait, send again.
//!
//! Every operation runs through [`run`] with its [`Operation`] (name, whether replaying it is
//! harmless, its success status); nothing travels through ambient state. What the loop learnt that
//! settling needs — could an attempt have been carried out although the call failed — comes back
//! in [`Finished`], with the instant the call started: work that settles the call afterwards (a
//! lookup after a lost create) runs through [`run_within`] and [`wait_within`], inside what is
//! left of the same overall deadline. Waits use tokio's clock, so the loop is tested with a paused
//! clock.

use std::future::Future;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use progenitor_client::{Error as GeneratedError, ResponseValue};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::{Instrument, field};

use crate::core::classify::{
    answered_elsewhere, classify_response, classify_transport, invalid_response,
};
use crate::core::hooks::FromElsewhere;
use crate::core::retry::{AttemptContext, Decision, Failure, decide};
use crate::core::state::ClientState;
use crate::deleted::Deleted;
use crate::error::Error;

/// What the loop needs to know about an operation.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Operation {
    /// Polar's operation id, e.g. `"customers:create"`, for logs.
    pub(crate) name: &'static str,
    /// Whether sending the request again can do nothing twice (reads, updates, deletes, a create
    /// whose body Polar deduplicates on).
    pub(crate) replay_safe: bool,
    /// The status the spec documents for success; the generated code decodes only that one, so a
    /// body it failed to decode came with it.
    pub(crate) success_status: u16,
}

impl Operation {
    /// A read (`GET`): always safe to replay, success `200`.
    pub(crate) const fn read(name: &'static str) -> Self {
        Self::replayable(name, 200)
    }

    /// A write that is safe to replay (a `PATCH`, a `DELETE`, a create Polar deduplicates).
    pub(crate) const fn replayable(name: &'static str, success_status: u16) -> Self {
        Self {
            name,
            replay_safe: true,
            success_status,
        }
    }
}

/// How a call ended, and what settling it needs to know.
#[derive(Debug)]
pub(crate) struct Finished<T> {
    /// The success value, or the final attempt's error.
    pub(crate) result: Result<T, Error>,
    /// Whether any attempt may have been carried out by Polar although it failed (a timeout or a
    /// connection lost after sending, a 5xx, a success whose body could not be read).
    pub(crate) may_have_landed: bool,
    /// When the call started: its overall deadline counts from here, follow-up lookups included.
    pub(crate) started: Instant,
}

impl Finished<()> {
    /// Settles a delete. A `404` after an attempt that may have been carried out is success
    /// that the client cannot attribute ([`Deleted::GoneAfterLostAnswer`]); a `404` with no such
    /// attempt names `what`.
    pub(crate) fn into_deleted(self, what: impl FnOnce() -> String) -> Result<Deleted, Error> {
        match self.result {
            Ok(()) => Ok(Deleted::ByThisCall),
            Err(Error::OutcomeUnknown { last, .. }) if matches!(*last, Error::NotFound { .. }) => {
                tracing::info!(
                    "gone when retried after an attempt whose answer was lost; that attempt may or may not have deleted it"
                );
                Ok(Deleted::GoneAfterLostAnswer)
            }
            Err(error) => Err(error.looking_for(what)),
        }
    }
}

/// The result type of every generated call: only success bodies are typed, every other answer
/// arrives raw (the spec pipeline drops the error responses).
type Generated<T> = Result<ResponseValue<T>, GeneratedError<()>>;

/// Runs `send` (one generated call per attempt) until it succeeds or the policy says stop: a call
/// of its own, whose overall deadline starts now.
pub(crate) async fn run<T, F, Fut>(state: &ClientState, op: Operation, send: F) -> Finished<T>
where
    T: DeserializeOwned,
    F: FnMut() -> Fut,
    Fut: Future<Output = Generated<T>>,
{
    run_within(state, op, None, send).await
}

/// What is left of the overall deadline of a call that started at `call_started` (zero when it
/// has passed).
pub(crate) fn time_left(state: &ClientState, call_started: Instant) -> Duration {
    state
        .retry
        .deadline()
        .saturating_sub(call_started.elapsed())
}

/// Waits `wait` when it ends before the overall deadline of the call that started at
/// `call_started`, and says whether it did; a wait that would end at or past it is not started.
pub(crate) async fn wait_within(
    state: &ClientState,
    call_started: Instant,
    wait: Duration,
) -> bool {
    let fits = wait < time_left(state, call_started);
    if fits {
        tokio::time::sleep(wait).await;
    }
    fits
}

/// Runs `send` as [`run`] does, as part of the call that started at `call_started` (`None`: a call
/// of its own, starting now): each attempt's timeout is cut to what is left of that call's overall
/// deadline, and no retry is scheduled past it. Callers settling a call check [`time_left`] first:
/// with nothing left, one attempt of 1 ms would still be sent.
pub(crate) async fn run_within<T, F, Fut>(
    state: &ClientState,
    op: Operation,
    call_started: Option<Instant>,
    mut send: F,
) -> Finished<T>
where
    T: DeserializeOwned,
    F: FnMut() -> Fut,
    Fut: Future<Output = Generated<T>>,
{
    // The one clock read of the loop's start; the span reports the loop's own duration.
    let started = Instant::now();
    let call_started = call_started.unwrap_or(started);
    let span = request_span(op.name);
    // Without a subscriber listening, nothing is recorded (not even the request-id header looked up).
    let traced = !span.is_disabled();
    async move {
        let mut progress = Progress::new(call_started);
        let result = loop {
            // A slot in the client's request budget first; its wait counts against the deadline.
            if !state.budget.admit_now(state.priority) {
                let left = time_left(state, progress.started);
                if let Err(refused) = Box::pin(state.budget.acquire(state.priority, left)).await {
                    break Err(refused);
                }
            }
            progress.tries += 1;
            let limit = progress.attempt_limit(state);
            let outcome = tokio::time::timeout(limit, attempt(state, op, limit, traced, &mut send));
            let error = match outcome.await {
                Ok(Ok(value)) => {
                    state.budget.answered();
                    break Ok(value);
                }
                Ok(Err(error)) => error,
                Err(_elapsed) => Error::Timeout {
                    after: limit,
                    may_have_reached_server: true,
                    replay_safe: false,
                },
            };
            // Boxed: the failure path (policy, log, wait) stays out of every call's future and
            // out of the code that runs on success.
            if let Some(error) = Box::pin(progress.after_failure(state, op, error)).await {
                break Err(error);
            }
        };
        let result = result.map_err(|error| progress.conclude(error, op));
        if traced {
            record_outcome(progress.tries, started.elapsed(), &result);
        }
        Finished {
            result,
            may_have_landed: progress.may_have_landed,
            started: call_started,
        }
    }
    .instrument(span)
    .await
}

/// The `polar.request` span of one call (not generic: one copy serves every operation).
#[inline(never)]
fn request_span(operation: &'static str) -> tracing::Span {
    tracing::info_span!(
        "polar.request",
        operation,
        attempts = field::Empty,
        status = field::Empty,
        duration_ms = field::Empty,
        request_id = field::Empty,
    )
}

/// What the loop has learnt so far; everything here is the same for every operation, so it is
/// compiled once rather than once per operation.
struct Progress {
    /// When the call started (its overall deadline counts from here).
    started: Instant,
    ctx: AttemptContext,
    tries: u32,
    may_have_landed: bool,
    /// What the first attempt that may have been carried out failed with, as text.
    landed: Option<String>,
}

impl Progress {
    fn new(started: Instant) -> Self {
        Self {
            started,
            ctx: AttemptContext::default(),
            tries: 0,
            may_have_landed: false,
            landed: None,
        }
    }

    /// How long the next attempt may take: the per-attempt timeout, or what is left of the
    /// overall deadline if that is less.
    fn attempt_limit(&self, state: &ClientState) -> Duration {
        state
            .timeout
            .min(time_left(state, self.started))
            .max(Duration::from_millis(1))
    }

    /// Notes a failed attempt and asks the policy; waits when it says retry (`None`), or hands
    /// back the error that ends the call.
    async fn after_failure(
        &mut self,
        state: &ClientState,
        op: Operation,
        error: Error,
    ) -> Option<Error> {
        let error = error.with_replay_safety(op.replay_safe);
        if error.may_have_been_processed() && !self.may_have_landed {
            self.may_have_landed = true;
            self.landed = Some(error.to_string());
        }
        let mut failure = error.failure();
        if let Failure::RateLimited { retry_after } = failure {
            // The budget pauses every call for Polar's `Retry-After`; this call only backs off
            // and then waits for its next slot, or ends now if the pause outlasts its deadline.
            if let Some(pause) = state.budget.rate_limited(retry_after) {
                if pause >= time_left(state, self.started) {
                    return Some(error);
                }
                failure = Failure::RateLimited { retry_after: None };
            }
        } else {
            state.budget.answered();
        }
        match failure {
            Failure::RateLimited { .. } => self.ctx.rate_limited += 1,
            _ => self.ctx.attempts += 1,
        }
        self.ctx.elapsed = self.started.elapsed();
        match decide(&state.retry, failure, &self.ctx, fastrand::f64) {
            Decision::Done => Some(error),
            Decision::RetryAfter(wait) => {
                tracing::warn!(
                    attempt = self.tries,
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    reason = %error,
                    "Polar request failed; retrying"
                );
                tokio::time::sleep(wait).await;
                None
            }
        }
    }
}

impl Progress {
    /// The error that ends the call, saying what the whole call knows: when an earlier attempt
    /// may have been carried out but the last one's error says nothing was, the call's outcome is
    /// unknown ([`Error::OutcomeUnknown`]), never "not applied".
    #[inline(never)]
    fn conclude(&mut self, last: Error, op: Operation) -> Error {
        match self.landed.take() {
            Some(earlier) if !last.may_have_been_processed() => Error::OutcomeUnknown {
                earlier,
                last: Box::new(last),
                replay_safe: op.replay_safe,
            },
            _ => last,
        }
    }
}

/// Records how the call ended on the current (`polar.request`) span.
#[inline(never)]
fn record_outcome<T>(tries: u32, elapsed: Duration, result: &Result<T, Error>) {
    let span = tracing::Span::current();
    span.record("attempts", tries);
    span.record(
        "duration_ms",
        u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
    );
    if let Err(error) = result {
        if let Some(status) = error.status() {
            span.record("status", status);
        }
        if let Some(id) = error.request_id() {
            span.record("request_id", id);
        }
    }
}

/// Records a successful answer's status and request id on the current span.
#[inline(never)]
fn record_success(status: u16, headers: &reqwest::header::HeaderMap) {
    let span = tracing::Span::current();
    span.record("status", status);
    if let Some(id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        span.record("request_id", id);
    }
}

/// One attempt: the generated call, its failure classified.
async fn attempt<T, F, Fut>(
    state: &ClientState,
    op: Operation,
    limit: Duration,
    traced: bool,
    send: &mut F,
) -> Result<T, Error>
where
    T: DeserializeOwned,
    F: FnMut() -> Fut,
    Fut: Future<Output = Generated<T>>,
{
    match send().await {
        Ok(value) => {
            if traced {
                record_success(value.status().as_u16(), value.headers());
            }
            Ok(value.into_inner())
        }
        // Boxed: rare paths, kept out of every call's future.
        Err(error) => match Box::pin(classify(state, op, limit, error)).await {
            Unlisted::Success { status, body } => {
                // An empty body reads as `null`: what an operation without a body (a delete,
                // documented as 204) expects.
                let json: &[u8] = if body.is_empty() { b"null" } else { &body };
                serde_json::from_slice::<T>(json).map_err(|e| invalid_response(status, body, e))
            }
            Unlisted::Failed(error) => Err(error),
        },
    }
}

/// What a generated call that did not return its documented success became.
enum Unlisted {
    /// A success status the spec does not list (200 instead of 201): its body, to decode all
    /// the same.
    Success { status: u16, body: Bytes },
    /// A failure, classified.
    Failed(Error),
}

/// Classifies a failed generated call into our [`Error`], from status, headers and raw bytes.
/// Not generic: one copy serves every operation.
async fn classify(
    state: &ClientState,
    op: Operation,
    limit: Duration,
    error: GeneratedError<()>,
) -> Unlisted {
    Unlisted::Failed(match error {
        GeneratedError::UnexpectedResponse(response) => {
            if let Some(FromElsewhere(status)) = response.extensions().get() {
                return Unlisted::Failed(answered_elsewhere(status.as_u16(), response.url()));
            }
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = match read_body(response).await {
                Ok(body) => body,
                Err(BodyError::TooLarge(partial)) if !(200..300).contains(&status) => partial,
                Err(BodyError::TooLarge(_)) => {
                    return Unlisted::Failed(Error::ResponseTooLarge {
                        status,
                        limit: state.max_response_bytes,
                    });
                }
                // The status line arrived: a refusal (a 404, a 429, …) is that refusal however its
                // body ended, classified from what arrived of it.
                Err(BodyError::Transport(_, partial)) if !(200..300).contains(&status) => partial,
                Err(BodyError::Transport(e, _)) => {
                    return Unlisted::Failed(classify_transport(e, limit));
                }
            };
            if (200..300).contains(&status) {
                return Unlisted::Success { status, body };
            }
            classify_response(status, &headers, &body, state.api_version())
        }
        GeneratedError::ResponseBodyError(e) if is_too_large(&e) => Error::ResponseTooLarge {
            status: op.success_status,
            limit: state.max_response_bytes,
        },
        GeneratedError::CommunicationError(e)
        | GeneratedError::ResponseBodyError(e)
        | GeneratedError::InvalidUpgrade(e) => classify_transport(e, limit),
        GeneratedError::InvalidResponsePayload(body, e) => {
            invalid_response(op.success_status, body, e)
        }
        GeneratedError::ErrorResponse(response) => classify_response(
            response.status().as_u16(),
            response.headers(),
            b"",
            state.api_version(),
        ),
        GeneratedError::InvalidRequest(message) | GeneratedError::Custom(message) => {
            Error::InvalidConfig {
                message: format!("the request could not be built: {message}"),
            }
        }
    })
}

/// Why a body could not be read whole.
enum BodyError {
    /// Larger than the client's limit; what arrived before it.
    TooLarge(Bytes),
    /// The connection failed while reading; what arrived before it.
    Transport(reqwest::Error, Bytes),
}

/// Reads a response body, which the request hooks have already capped at the client's limit.
async fn read_body(mut response: reqwest::Response) -> Result<Bytes, BodyError> {
    let mut body = BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => return Ok(body.freeze()),
            Err(e) if is_too_large(&e) => return Err(BodyError::TooLarge(body.freeze())),
            Err(e) => return Err(BodyError::Transport(e, body.freeze())),
        }
    }
}

/// Whether a body error is the size cap the hooks put on every response.
fn is_too_large(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if cause.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = cause.source();
    }
    false
}

#[cfg(test)]
// The canned attempts return what generated calls return: progenitor's (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    use super::*;
    use crate::client::Polar;
    use crate::core::retry::RetryPolicy;

    const CREATE: Operation = Operation {
        name: "customers:create",
        replay_safe: true,
        success_status: 201,
    };

    fn state(policy: RetryPolicy) -> Polar {
        Polar::builder()
            .access_token("polar_oat_test")
            .base_url("http://127.0.0.1:9")
            .retry_policy(policy)
            // The retry policy alone, as without a budget: these tests are about the loop.
            .request_budget(crate::RequestBudget::unlimited())
            .build()
            .unwrap()
    }

    fn answer(status: u16, headers: &[(&str, &str)]) -> Generated<String> {
        let mut response = http::Response::builder().status(status);
        for (name, value) in headers {
            response = response.header(*name, *value);
        }
        let response = reqwest::Response::from(response.body(Vec::<u8>::new()).unwrap());
        Err(GeneratedError::UnexpectedResponse(response))
    }

    fn created() -> Generated<String> {
        Ok(ResponseValue::new(
            "created".to_owned(),
            StatusCode::CREATED,
            HeaderMap::new(),
        ))
    }

    /// Runs the loop over canned attempts (the last one repeats), counting the calls.
    async fn run_over(
        polar: &Polar,
        op: Operation,
        script: &[fn() -> Generated<String>],
    ) -> (Finished<String>, u32) {
        let calls = AtomicU32::new(0);
        let finished = run(polar.core().state(), op, || {
            let n = calls.fetch_add(1, Ordering::SeqCst) as usize;
            let step = script[n.min(script.len() - 1)];
            async move { step() }
        })
        .await;
        (finished, calls.load(Ordering::SeqCst))
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::new().jitter(false)
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limits_wait_and_do_not_use_up_attempts() {
        let polar = state(policy());
        let started = Instant::now();
        let (finished, calls) = run_over(
            &polar,
            CREATE,
            &[
                || answer(429, &[("retry-after", "2")]),
                || answer(429, &[("retry-after", "2")]),
                || answer(503, &[]),
                || answer(429, &[]),
                || answer(503, &[]),
                created,
            ],
        )
        .await;
        assert_eq!(finished.result.unwrap(), "created");
        assert_eq!(calls, 6, "two 503s and three 429s before the success");
        assert!(finished.may_have_landed, "a 503 may have been carried out");
        // 2 s + 2 s (server waits), 200 ms and 400 ms (backoff after the 503s), 800 ms (the
        // third 429's own backoff).
        assert_eq!(started.elapsed(), Duration::from_millis(5_400));
    }

    #[tokio::test(start_paused = true)]
    async fn an_ambiguous_failure_is_not_replayed_unless_replay_safe() {
        let polar = state(policy());
        let unsafe_create = Operation {
            replay_safe: false,
            ..CREATE
        };
        let (finished, calls) =
            run_over(&polar, unsafe_create, &[|| answer(503, &[]), created]).await;
        let err = finished.result.unwrap_err();
        assert_eq!(calls, 1);
        assert!(finished.may_have_landed);
        assert!(
            matches!(
                err,
                Error::Server {
                    status: 503,
                    replay_safe: false,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!err.is_retryable(), "the loop and the error agree");
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_bounds_endless_rate_limits() {
        let polar = state(policy().overall_deadline(Duration::from_secs(5)));
        let started = Instant::now();
        let (finished, calls) =
            run_over(&polar, CREATE, &[|| answer(429, &[("retry-after", "1")])]).await;
        assert!(matches!(finished.result, Err(Error::RateLimited { .. })));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!((4..=5).contains(&calls), "{calls} calls");
        assert!(!finished.may_have_landed, "a 429 executes nothing");
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_attempt_times_out_within_the_deadline() {
        let polar = Polar::builder()
            .access_token("polar_oat_test")
            .base_url("http://127.0.0.1:9")
            .timeout(Duration::from_secs(4))
            .retry_policy(policy().overall_deadline(Duration::from_secs(6)))
            .build()
            .unwrap();
        let started = Instant::now();
        let finished: Finished<String> = run(polar.core().state(), CREATE, || async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            created()
        })
        .await;
        let err = finished.result.unwrap_err();
        // 4 s, a 200 ms wait, then what is left of the 6 s deadline.
        assert!(
            matches!(err, Error::Timeout { after, may_have_reached_server: true, replay_safe: true } if after == Duration::from_millis(1_800)),
            "{err:?}"
        );
        assert_eq!(started.elapsed(), Duration::from_secs(6));
        assert!(finished.may_have_landed);
    }

    #[tokio::test(start_paused = true)]
    async fn an_undecodable_success_is_final_and_may_have_landed() {
        let polar = state(policy());
        let (finished, calls) = run_over(
            &polar,
            CREATE,
            &[|| {
                let source = serde_json::from_str::<String>("{").unwrap_err();
                Err(GeneratedError::InvalidResponsePayload(
                    Bytes::from_static(b"{"),
                    source,
                ))
            }],
        )
        .await;
        assert_eq!(calls, 1);
        assert!(finished.may_have_landed);
        let err = finished.result.unwrap_err();
        assert!(
            matches!(err, Error::InvalidResponse { status: 201, .. }),
            "{err:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_unlisted_success_status_is_decoded() {
        let polar = state(policy());
        let (finished, _) = run_over(
            &polar,
            CREATE,
            &[|| {
                let response = http::Response::builder()
                    .status(200)
                    .body(br#""ok""#.to_vec())
                    .unwrap();
                Err(GeneratedError::UnexpectedResponse(reqwest::Response::from(
                    response,
                )))
            }],
        )
        .await;
        assert_eq!(finished.result.unwrap(), "ok");
    }

    #[tokio::test(start_paused = true)]
    async fn an_unlisted_empty_success_is_nothing() {
        let polar = state(policy());
        let delete = Operation {
            name: "customers:delete",
            replay_safe: true,
            success_status: 204,
        };
        let finished: Finished<()> = run(polar.core().state(), delete, || async {
            let response = http::Response::builder()
                .status(200)
                .body(Vec::new())
                .unwrap();
            Err(GeneratedError::UnexpectedResponse(reqwest::Response::from(
                response,
            )))
        })
        .await;
        assert!(finished.result.is_ok(), "{:?}", finished.result);
    }

    #[tokio::test(start_paused = true)]
    async fn every_final_error_after_a_landed_attempt_says_it_may_have_been_processed() {
        let finals: [fn() -> Generated<String>; 7] = [
            || answer(401, &[]),
            || answer(403, &[]),
            || answer(404, &[]),
            || answer(422, &[]),
            || answer(400, &[]),
            || answer(409, &[]),
            || answer(429, &[("retry-after", "30")]),
        ];
        for replay_safe in [true, false] {
            for last in finals {
                let polar = state(policy());
                let op = Operation {
                    replay_safe,
                    ..CREATE
                };
                // A timeout-like failure that may have landed, then the final answer (a replay-
                // safe call gets there; one that is not stops at the first failure).
                let (finished, _) = run_over(&polar, op, &[|| answer(504, &[]), last]).await;
                let err = finished.result.unwrap_err();
                assert!(finished.may_have_landed);
                assert!(err.may_have_been_processed(), "{err:?}");
                if replay_safe {
                    assert_eq!(err.kind(), "outcome_unknown", "{err:?}");
                    assert_ne!(err.status(), Some(504), "the helpers read the last attempt");
                }
            }
        }
    }
}
