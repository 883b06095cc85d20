//! The client's one error type, and the classification of every answer shape Polar's server sends.
//!
//! Classification is pure: status, response headers and body bytes in, an [`Error`] out. It never
//! sees the request, so it cannot leak the access token.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use crate::core::paging::problem::PagingProblem;
use crate::core::retry::Failure;
use crate::customers::customer::Customer;
use crate::excerpt::escape_controls;
use crate::validate::InputProblem;

/// The API versions Polar accepts in the `Polar-Version` header.
const SUPPORTED_API_VERSIONS: &str = "2026-04, 2026-10";

/// Everything that can go wrong when talking to Polar.
///
/// Each variant is one situation a caller may want to handle differently; match on it, or use the
/// helpers ([`is_duplicate_email`](Self::is_duplicate_email), [`is_retryable`](Self::is_retryable),
/// [`retry_after`](Self::retry_after), …). No error ever contains the access token.
///
/// # Examples
///
/// Invalid input is reported before anything is sent, so this runs without a server:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), polar_client::Error> {
/// use polar_client::{Error, NewCustomer, Polar};
///
/// let polar = Polar::builder().access_token("polar_oat_example").build()?;
/// let err = polar
///     .customers()
///     .create(NewCustomer::individual("not-an-email").locale("english"))
///     .await
///     .unwrap_err();
/// assert!(matches!(err, Error::InvalidInput { .. }));
/// let fields: Vec<&str> = err.problems().iter().map(|p| p.field()).collect();
/// assert_eq!(fields, ["email", "locale"]);
/// assert_eq!(err.status(), None);
/// assert!(!err.is_retryable());
/// # Ok(()) }
/// ```
///
/// A typical `match`:
///
/// ```no_run
/// # fn handle(result: Result<(), polar_client::Error>) {
/// use polar_client::Error;
///
/// match result {
///     Ok(()) => {}
///     Err(e) if e.is_duplicate_email() => println!("already a customer"),
///     Err(Error::RateLimited { retry_after, .. }) => println!("slow down: {retry_after:?}"),
///     Err(e) => eprintln!("{e}"),
/// }
/// # }
/// ```
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request was not sent: the caller's input breaks rules Polar would reject it for.
    #[non_exhaustive]
    #[error("invalid input, nothing was sent: {}", join(problems))]
    InvalidInput {
        /// Every problem found, not just the first.
        problems: Vec<InputProblem>,
    },

    /// The client could not be built: an empty or unusable access token, a bad base URL, ….
    #[non_exhaustive]
    #[error("invalid client configuration: {message}")]
    InvalidConfig {
        /// What is wrong (never the token itself).
        message: String,
    },

    /// Polar answered `422 Unprocessable Entity`: the request was understood but rejected.
    #[non_exhaustive]
    #[error("Polar rejected the request: {}", describe_field_errors(errors))]
    Validation {
        /// Which of Polar's validation stages rejected it.
        kind: ValidationKind,
        /// The individual problems, with field paths.
        errors: Vec<FieldError>,
        /// Polar's `x-request-id`, when it sent one.
        request_id: Option<String>,
    },

    /// Polar answered `401 Unauthorized`.
    #[non_exhaustive]
    #[error("{reason}")]
    Unauthorized {
        /// Whether the token was missing or refused.
        reason: AuthFailure,
        /// Polar's `x-request-id`, when it sent one.
        request_id: Option<String>,
    },

    /// Polar answered `403 Forbidden`: the token is valid, but lacks a scope or Polar does not
    /// permit the action ([`ForbiddenReason`]).
    #[non_exhaustive]
    #[error("{reason}: {message}")]
    Forbidden {
        /// Why the request was refused.
        reason: ForbiddenReason,
        /// Polar's explanation.
        message: String,
        /// Polar's error code (`"NotPermitted"`, `"AlreadyCanceledSubscription"`, …), when the
        /// body had one; [`Error::polar_error_code`] reads it.
        code: Option<String>,
        /// Polar's `x-request-id`, when it sent one.
        request_id: Option<String>,
    },

    /// Polar answered `402 Payment Required`: a charge Polar attempted during the request was
    /// declined (`PaymentFailed`) or needs the customer's action (`PaymentActionRequired`). Polar
    /// rolled the whole request back, so nothing changed; the customer must fix their payment
    /// method before the same request can succeed.
    #[non_exhaustive]
    #[error("the payment failed, so Polar changed nothing: {detail}")]
    PaymentFailed {
        /// Polar's error code (`"PaymentFailed"`, `"PaymentActionRequired"`), when the body had one.
        code: Option<String>,
        /// Polar's explanation, e.g. `Payment failed with reason: card_error.`.
        detail: String,
        /// Polar's `x-request-id`, when it sent one.
        request_id: Option<String>,
    },

    /// Polar answered `404 Not Found` for a resource, e.g. no customer with that external ID.
    #[non_exhaustive]
    #[error("Polar found no {}: {message}", resource.as_deref().unwrap_or("such resource"))]
    NotFound {
        /// What was looked up, e.g. `customer with external ID "usr_1"`, when the operation knows.
        resource: Option<String>,
        /// Polar's explanation.
        message: String,
        /// Polar's `x-request-id`, when it sent one.
        request_id: Option<String>,
    },

    /// Polar answered `429 Too Many Requests`; nothing was executed. Or, when `by_budget` is
    /// set, the client's own [request budget](crate::RequestBudget) had no slot for the attempt
    /// before the call's overall deadline, so the attempt was not sent at all.
    #[non_exhaustive]
    #[error("{}", describe_rate_limited(*retry_after, *by_budget))]
    RateLimited {
        /// How long Polar asked the client to wait (its `Retry-After`), when it said; for a
        /// budget refusal, how long until the budget would have had a slot.
        retry_after: Option<Duration>,
        /// Polar's `x-request-id`, when it sent one.
        request_id: Option<String>,
        /// `true` when the client's request budget refused the attempt: nothing was sent.
        by_budget: bool,
    },

    /// Polar does not know the API version the client asked for in `Polar-Version`.
    #[non_exhaustive]
    #[error(
        "Polar does not support API version {requested:?}; supported versions are {SUPPORTED_API_VERSIONS}"
    )]
    UnsupportedApiVersion {
        /// The version that was sent.
        requested: String,
    },

    /// Polar refused the request with another client-error status (411, 413, 400, …).
    #[non_exhaustive]
    #[error("Polar refused the request with HTTP {status}{}: {}", code_suffix(error.as_deref()), or_empty(detail))]
    RequestRejected {
        /// The HTTP status.
        status: u16,
        /// Polar's error code (`"RequestBodyTooLarge"`, …), when the body had one.
        error: Option<String>,
        /// Polar's explanation, or an excerpt of the body.
        detail: String,
        /// Polar's `x-request-id`, when it sent one.
        request_id: Option<String>,
        /// Whether sending the same request again can do nothing twice: true for reads,
        /// updates, deletes, and creates whose body Polar deduplicates on (an email or an
        /// `external_id`). When false and the request may have been carried out,
        /// [`Error::is_retryable`] says no.
        replay_safe: bool,
    },

    /// Polar, or a proxy in front of it, failed with a `5xx` status. The request reached a
    /// server, so it may have been carried out (a proxy's 504 can follow a stored customer);
    /// [`Error::may_have_been_processed`] says so.
    #[non_exhaustive]
    #[error(
        "Polar failed with server error HTTP {status}, so the request may have been carried out: {}",
        or_empty(body_excerpt)
    )]
    Server {
        /// The HTTP status.
        status: u16,
        /// The start of the body; an HTML page is reduced to its title.
        body_excerpt: String,
        /// Polar's `x-request-id`, when it sent one.
        request_id: Option<String>,
        /// Whether sending the same request again can do nothing twice: true for reads,
        /// updates, deletes, and creates whose body Polar deduplicates on (an email or an
        /// `external_id`). When false and the request may have been carried out,
        /// [`Error::is_retryable`] says no.
        replay_safe: bool,
    },

    /// The connection failed.
    #[non_exhaustive]
    #[error("{}", describe_transport(*may_have_reached_server))]
    Transport {
        /// `false` when the request certainly never left (connect refused, DNS failure); `true`
        /// when it may have been processed, e.g. a customer may have been created.
        may_have_reached_server: bool,
        /// The underlying HTTP client error.
        #[source]
        source: reqwest::Error,
        /// Whether sending the same request again can do nothing twice: true for reads,
        /// updates, deletes, and creates whose body Polar deduplicates on (an email or an
        /// `external_id`). When false and the request may have been carried out,
        /// [`Error::is_retryable`] says no.
        replay_safe: bool,
    },

    /// No answer arrived in time.
    #[non_exhaustive]
    #[error("{}", describe_timeout(*after, *may_have_reached_server))]
    Timeout {
        /// The time limit that ran out.
        after: Duration,
        /// Whether the request may have been processed, e.g. a customer may have been created.
        may_have_reached_server: bool,
        /// Whether sending the same request again can do nothing twice: true for reads,
        /// updates, deletes, and creates whose body Polar deduplicates on (an email or an
        /// `external_id`). When false and the request may have been carried out,
        /// [`Error::is_retryable`] says no.
        replay_safe: bool,
    },

    /// Polar reported success but the body could not be decoded; the action probably happened.
    #[non_exhaustive]
    #[error(
        "Polar answered HTTP {status} but its body could not be decoded, so the request was probably carried out"
    )]
    InvalidResponse {
        /// The (successful) HTTP status.
        status: u16,
        /// The raw body, kept for inspection (its `Debug` shows only its start).
        body: RawBody,
        /// Why decoding failed.
        #[source]
        source: serde_json::Error,
    },

    /// [`Customers::create_or_get`](crate::Customers::create_or_get) found a customer holding the
    /// `external_id` (or email) of the one asked for, but it is not that customer.
    #[non_exhaustive]
    #[error(
        "customer {} holds that key but is not the customer asked for: {}",
        escape_controls(existing.id()),
        describe_differences(differences)
    )]
    Conflict {
        /// The customer Polar has.
        existing: Box<Customer>,
        /// The fields that identify a customer and differ (never empty).
        differences: Vec<Difference>,
    },

    /// The server at the base URL answered with a redirect (`3xx` with a `Location`), or the
    /// caller's own HTTP client followed one to another origin. The client built by default follows
    /// no redirect; an answer from elsewhere is never taken for Polar's.
    #[non_exhaustive]
    #[error("{}", describe_redirect(*status, location, *followed))]
    Redirected {
        /// The redirect's status (`301`, `307`, …), or, when `followed`, the status of the answer
        /// from the other origin.
        status: u16,
        /// Where the redirect pointed (cleaned and shortened).
        location: String,
        /// Whether the HTTP client followed the redirect (a caller-supplied client with a redirect
        /// policy): the request then reached `location`, not Polar.
        followed: bool,
        /// The `x-request-id` of the redirecting answer, when it sent one.
        request_id: Option<String>,
    },

    /// A status Polar's API never sends to this client: `1xx` (such as `101 Switching
    /// Protocols`), `304 Not Modified`, or a `3xx` without a `Location`. Probably not a Polar API
    /// at the base URL.
    #[non_exhaustive]
    #[error("{}", describe_unexpected(*status))]
    UnexpectedStatus {
        /// The HTTP status.
        status: u16,
        /// The `x-request-id` of the answer, when it sent one.
        request_id: Option<String>,
    },

    /// An earlier attempt of this call may have been carried out by Polar — its answer was lost,
    /// or was a server error — and a later attempt then failed for another reason (a rate limit,
    /// a refusal, …). The call as a whole may have taken effect: `last` says why it stopped, not
    /// what happened to the earlier attempt. [`Error::may_have_been_processed`] is `true`; the
    /// other helpers ([`status`](Error::status), [`retry_after`](Error::retry_after),
    /// [`field_errors`](Error::field_errors), …) read `last`.
    ///
    /// Before deciding the operation did not happen, read the resource back (or use an operation
    /// that settles itself, such as [`Customers::create_or_get`](crate::Customers::create_or_get)).
    #[non_exhaustive]
    #[error(
        "an earlier attempt may have been carried out ({earlier}), then the call failed: {last}"
    )]
    OutcomeUnknown {
        /// What the earlier attempt that may have landed failed with, as text.
        earlier: String,
        /// The error of the attempt that ended the call.
        last: Box<Error>,
        /// Whether sending the same request again can do nothing twice (see
        /// [`Error::Server`]'s field of the same name).
        replay_safe: bool,
    },

    /// An answer was larger than the client's response size limit
    /// ([`PolarBuilder::max_response_bytes`](crate::PolarBuilder::max_response_bytes)); the client
    /// stopped reading it there. With a success status the request was carried out.
    #[non_exhaustive]
    #[error(
        "Polar's answer (HTTP {status}) exceeded the {limit}-byte response size limit{}",
        if (200..300).contains(status) { ", so the request was probably carried out" } else { "" }
    )]
    ResponseTooLarge {
        /// The HTTP status of the answer.
        status: u16,
        /// The limit, in bytes.
        limit: usize,
    },

    /// A walk over a list's pages stopped although every request succeeded: the pages did not
    /// add up (a repeated page, more pages than announced), so going on could loop. The walk
    /// can be resumed from `page` with [`Walk::resume`](crate::Walk::resume).
    #[non_exhaustive]
    #[error("the walk over the list stopped at page {page}: {problem}")]
    Paging {
        /// What did not add up.
        problem: PagingProblem,
        /// The page the walk was about to read, or had just read.
        page: u64,
    },
}

impl Error {
    /// The HTTP status of Polar's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Validation { .. } => Some(422),
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::PaymentFailed { .. } => Some(402),
            Self::NotFound { .. } | Self::UnsupportedApiVersion { .. } => Some(404),
            Self::RateLimited {
                by_budget: false, ..
            } => Some(429),
            Self::RateLimited {
                by_budget: true, ..
            } => None,
            Self::RequestRejected { status, .. }
            | Self::Server { status, .. }
            | Self::InvalidResponse { status, .. }
            | Self::Redirected { status, .. }
            | Self::UnexpectedStatus { status, .. }
            | Self::ResponseTooLarge { status, .. } => Some(*status),
            Self::OutcomeUnknown { last, .. } => last.status(),
            Self::InvalidInput { .. }
            | Self::InvalidConfig { .. }
            | Self::Transport { .. }
            | Self::Timeout { .. }
            | Self::Conflict { .. }
            | Self::Paging { .. } => None,
        }
    }

    /// Whether sending the same request again may succeed and cannot do anything twice: rate
    /// limiting, failures before the request left, and — when the request is safe to replay —
    /// timeouts, lost connections, 408, 502, 503 and 504.
    ///
    /// It is read from the same table as the client's own retry loop, so the client already
    /// retried these as far as its [`RetryPolicy`](crate::RetryPolicy) allows; this is for the
    /// caller's own, later retries. A create whose body has neither email nor `external_id` is
    /// never replay-safe: after it may have reached Polar, re-sending could make a second customer.
    /// To retry a create after an ambiguous failure, use
    /// [`Customers::create_or_get`](crate::Customers::create_or_get).
    pub fn is_retryable(&self) -> bool {
        self.failure().may_retry()
    }

    /// What this error means for trying again (the retry decision's input); the loop and
    /// [`Error::is_retryable`] both read it, so they cannot disagree.
    pub(crate) fn failure(&self) -> Failure {
        match *self {
            Error::RateLimited { retry_after, .. } => Failure::RateLimited { retry_after },
            Error::Transport {
                may_have_reached_server: false,
                ..
            }
            | Error::Timeout {
                may_have_reached_server: false,
                ..
            } => Failure::NotSent,
            Error::Transport { replay_safe, .. }
            | Error::Timeout { replay_safe, .. }
            | Error::Server {
                status: 502..=504,
                replay_safe,
                ..
            }
            | Error::RequestRejected {
                status: 408,
                replay_safe,
                ..
            } => Failure::Transient { replay_safe },
            // Sending again is harmless only when the operation is replay-safe.
            Error::OutcomeUnknown {
                ref last,
                replay_safe: true,
                ..
            } => last.failure(),
            _ => Failure::Final,
        }
    }

    /// A stable, lower-case name for the kind of error, for metrics labels and log fields
    /// (`"rate_limited"`, `"server_error"`, `"outcome_unknown"`, …). Names never change once
    /// released; new kinds get new names.
    ///
    /// ```
    /// let err = polar_client::Polar::builder().build().unwrap_err(); // no access token
    /// assert_eq!(err.kind(), "invalid_config");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "invalid_input",
            Self::InvalidConfig { .. } => "invalid_config",
            Self::Validation { .. } => "validation",
            Self::Unauthorized { .. } => "unauthorized",
            Self::Forbidden { .. } => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::RateLimited { .. } => "rate_limited",
            Self::UnsupportedApiVersion { .. } => "unsupported_api_version",
            Self::RequestRejected { .. } => "request_rejected",
            Self::Server { .. } => "server_error",
            Self::Transport { .. } => "transport",
            Self::Timeout { .. } => "timeout",
            Self::InvalidResponse { .. } => "invalid_response",
            Self::Conflict { .. } => "conflict",
            Self::Redirected { .. } => "redirected",
            Self::UnexpectedStatus { .. } => "unexpected_status",
            Self::OutcomeUnknown { .. } => "outcome_unknown",
            Self::Paging { .. } => "paging",
            Self::PaymentFailed { .. } => "payment_failed",
            Self::ResponseTooLarge { .. } => "response_too_large",
        }
    }

    /// Whether Polar may have carried out the request although the call failed: the connection
    /// failed or timed out after sending, a server error, or a success whose body could not be
    /// read. After a create, the customer may exist.
    pub fn may_have_been_processed(&self) -> bool {
        match self {
            Self::Transport {
                may_have_reached_server,
                ..
            }
            | Self::Timeout {
                may_have_reached_server,
                ..
            } => *may_have_reached_server,
            Self::Server { .. } | Self::InvalidResponse { .. } | Self::OutcomeUnknown { .. } => {
                true
            }
            Self::RequestRejected { status, .. } => *status == 408,
            Self::ResponseTooLarge { status, .. } => (200..300).contains(status),
            _ => false,
        }
    }

    /// Names what a `404` was about (`customer with external ID "usr_1"`); other errors pass.
    pub(crate) fn looking_for(mut self, what: impl FnOnce() -> String) -> Self {
        self.name_missing(what);
        self
    }

    fn name_missing(&mut self, what: impl FnOnce() -> String) {
        match self {
            Self::NotFound { resource, .. } => *resource = Some(what()),
            Self::OutcomeUnknown { last, .. } => last.name_missing(what),
            _ => {}
        }
    }

    /// Records whether the request that failed could be replayed without acting twice.
    pub(crate) fn with_replay_safety(mut self, safe: bool) -> Self {
        match &mut self {
            Self::Transport { replay_safe, .. }
            | Self::Timeout { replay_safe, .. }
            | Self::Server { replay_safe, .. }
            | Self::RequestRejected { replay_safe, .. } => *replay_safe = safe,
            _ => {}
        }
        self
    }

    /// How long Polar asked the client to wait before retrying, for a rate-limited request.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            Self::OutcomeUnknown { last, .. } => last.retry_after(),
            _ => None,
        }
    }

    /// Whether Polar refused to create a customer because one with this email already exists.
    pub fn is_duplicate_email(&self) -> bool {
        self.has_duplicate("email")
    }

    /// Whether Polar refused to create a customer because one with this external ID already exists.
    pub fn is_duplicate_external_id(&self) -> bool {
        self.has_duplicate("external_id")
    }

    fn has_duplicate(&self, field: &str) -> bool {
        self.field_errors()
            .iter()
            .any(|e| e.field() == field && e.is_already_exists())
    }

    /// Whether an existing customer holds the key of the one asked for but differs from it
    /// ([`Error::Conflict`]).
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }

    /// The differing fields of an [`Error::Conflict`]; empty otherwise.
    pub fn differences(&self) -> &[Difference] {
        match self {
            Self::Conflict { differences, .. } => differences,
            _ => &[],
        }
    }

    /// The problems found in the caller's input, for [`Error::InvalidInput`]; empty otherwise.
    pub fn problems(&self) -> &[InputProblem] {
        match self {
            Self::InvalidInput { problems } => problems,
            _ => &[],
        }
    }

    /// The field errors Polar reported, for [`Error::Validation`]; empty otherwise.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Validation { errors, .. } => errors,
            Self::OutcomeUnknown { last, .. } => last.field_errors(),
            _ => &[],
        }
    }

    /// Polar's `x-request-id` for the failed request, when known; quote it to Polar's support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Validation { request_id, .. }
            | Self::Unauthorized { request_id, .. }
            | Self::Forbidden { request_id, .. }
            | Self::PaymentFailed { request_id, .. }
            | Self::NotFound { request_id, .. }
            | Self::RateLimited { request_id, .. }
            | Self::RequestRejected { request_id, .. }
            | Self::Server { request_id, .. }
            | Self::Redirected { request_id, .. }
            | Self::UnexpectedStatus { request_id, .. } => request_id.as_deref(),
            Self::OutcomeUnknown { last, .. } => last.request_id(),
            _ => None,
        }
    }

    /// Polar's error code for a refusal that carried one (`"AlreadyCanceledSubscription"`,
    /// `"NotOpenCheckout"`, `"PaymentFailed"`, …): the `error` field of Polar's JSON error body,
    /// for [`Error::Forbidden`], [`Error::PaymentFailed`] and [`Error::RequestRejected`].
    pub fn polar_error_code(&self) -> Option<&str> {
        match self {
            Self::Forbidden { code, .. }
            | Self::PaymentFailed { code, .. }
            | Self::RequestRejected { error: code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// The raw body of a success answer that could not be decoded ([`Error::InvalidResponse`]).
    pub fn response_body(&self) -> Option<&[u8]> {
        match self {
            Self::InvalidResponse { body, .. } => Some(body),
            _ => None,
        }
    }
}

/// One field in which an existing customer differs from the customer asked for
/// ([`Error::Conflict`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    field: &'static str,
    requested: Option<String>,
    existing: Option<String>,
}

impl Difference {
    pub(crate) fn new(
        field: &'static str,
        requested: Option<&str>,
        existing: Option<&str>,
    ) -> Self {
        Self {
            field,
            requested: requested.map(str::to_owned),
            existing: existing.map(str::to_owned),
        }
    }

    /// The field: `"external_id"`, `"email"` or `"type"`.
    pub fn field(&self) -> &str {
        self.field
    }

    /// The value asked for (`None`: not set).
    pub fn requested(&self) -> Option<&str> {
        self.requested.as_deref()
    }

    /// The existing customer's value (`None`: not set).
    pub fn existing(&self) -> Option<&str> {
        self.existing.as_deref()
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Debug formatting quotes the values and escapes control characters.
        write!(
            f,
            "{} asked {:?}, existing {:?}",
            self.field, self.requested, self.existing
        )
    }
}

/// The raw bytes of an answer, kept in an [`Error::InvalidResponse`] for inspection.
///
/// It reads as a byte slice; its `Debug` shows the length and the first bytes only, so logging
/// the error stays short whatever the server sent.
///
/// ```
/// let body = polar_client::RawBody::from(bytes::Bytes::from(vec![b'x'; 10_000]));
/// assert_eq!(body.len(), 10_000);
/// assert!(format!("{body:?}").len() < 200);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RawBody(Bytes);

/// How many bytes of a [`RawBody`] its `Debug` shows.
const RAW_BODY_DEBUG_BYTES: usize = 64;

impl RawBody {
    /// The bytes, without copying.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl From<Bytes> for RawBody {
    fn from(bytes: Bytes) -> Self {
        Self(bytes)
    }
}

impl std::ops::Deref for RawBody {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for RawBody {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("RawBody");
        debug.field("len", &self.0.len());
        if holds_secret(&self.0) {
            // Wherever the field sits in the body, no part of it is shown.
            debug.field("start", &"<withheld: the body has a secret field>");
        } else {
            let start = &self.0[..self.0.len().min(RAW_BODY_DEBUG_BYTES)];
            debug.field("start", &String::from_utf8_lossy(start));
        }
        debug.finish()
    }
}

/// Whether a body names a field that holds a secret (a session token, a checkout's client
/// secret, a license key), anywhere in it.
fn holds_secret(body: &[u8]) -> bool {
    const MARKERS: [&[u8]; 4] = [b"token\"", b"secret\"", b"\"key\"", b"password\""];
    MARKERS.iter().any(|marker| {
        body.windows(marker.len())
            .any(|w| w.eq_ignore_ascii_case(marker))
    })
}

/// Which of Polar's validation stages rejected a request (`422`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidationKind {
    /// The body does not match the request schema (`RequestValidationError`): wrong types,
    /// malformed email, too long, unknown `type`, ….
    Schema,
    /// The body is well-formed but breaks a business rule (`PolarRequestValidationError`):
    /// duplicate email or external ID, disallowed `organization_id`, invalid tax ID, ….
    Business,
    /// Another or no error code.
    Other,
}

/// One problem Polar found in a request (an item of a `422` answer).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    kind: String,
    loc: Vec<serde_json::Value>,
    field: String,
    message: String,
    input: Option<serde_json::Value>,
}

impl FieldError {
    pub(crate) fn new(
        kind: String,
        loc: Vec<serde_json::Value>,
        field: String,
        message: String,
        input: Option<serde_json::Value>,
    ) -> Self {
        Self {
            kind,
            loc,
            field,
            message,
            input,
        }
    }

    /// The error type Polar reported, e.g. `"value_error"`, `"string_too_long"`, `"missing"`.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The location as Polar sent it, e.g. `["body", "individual", "email"]`.
    pub fn loc(&self) -> &[serde_json::Value] {
        &self.loc
    }

    /// The offending field as a dotted path into the request body, e.g. `"email"` or
    /// `"billing_address.country"`; empty when the whole body is meant.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Polar's explanation.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The rejected value, when Polar echoed it.
    pub fn input(&self) -> Option<&serde_json::Value> {
        self.input.as_ref()
    }

    fn is_already_exists(&self) -> bool {
        self.message.to_ascii_lowercase().contains("already exists")
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Why Polar answered `401 Unauthorized`.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFailure {
    /// No usable `Authorization: Bearer` header reached Polar.
    MissingToken,
    /// The token is unknown, expired, revoked, or belongs to the other environment.
    InvalidToken,
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingToken => "Polar received no access token; send one as a Bearer token",
            Self::InvalidToken => {
                "Polar refused the access token as expired, revoked or invalid; sandbox and \
                 production tokens are not interchangeable, so check that the token belongs to \
                 the server you are calling"
            }
        })
    }
}

/// Why Polar answered `403 Forbidden`.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForbiddenReason {
    /// The token lacks a scope the operation needs.
    InsufficientScope {
        /// The scope Polar asked for (e.g. `"customers:write"`), when it named it.
        required_scope: Option<String>,
    },
    /// Polar does not permit the action: the token's user lacks the permission in the
    /// organization, or the organization or the customer does not allow it (members not
    /// enabled, a second member for an individual customer); the message says which.
    NotPermitted,
}

impl fmt::Display for ForbiddenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InsufficientScope {
                required_scope: Some(scope),
            } => write!(f, "the access token lacks the {scope:?} scope"),
            Self::InsufficientScope {
                required_scope: None,
            } => f.write_str("the access token lacks a required scope"),
            Self::NotPermitted => f.write_str("Polar does not permit this"),
        }
    }
}

fn join(problems: &[InputProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// How many field errors a 422's message lists; [`Error::field_errors`] has them all.
const FIELD_ERRORS_SHOWN: usize = 10;

fn describe_field_errors(errors: &[FieldError]) -> String {
    if errors.is_empty() {
        return "no details given (HTTP 422)".to_owned();
    }
    let mut text = errors
        .iter()
        .take(FIELD_ERRORS_SHOWN)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if let Some(more) = errors
        .len()
        .checked_sub(FIELD_ERRORS_SHOWN)
        .filter(|n| *n > 0)
    {
        text.push_str(&format!("; and {more} more"));
    }
    text
}

fn describe_differences(differences: &[Difference]) -> String {
    differences
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe_rate_limited(retry_after: Option<Duration>, by_budget: bool) -> String {
    if by_budget {
        return format!(
            "the client's request budget had no slot before the call's deadline, nothing was sent; {}",
            describe_retry_after(retry_after)
        );
    }
    format!(
        "Polar rate-limited the request; {}",
        describe_retry_after(retry_after)
    )
}

fn describe_retry_after(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!("retry in {}", human_duration(wait)),
        None => "retry a little later".to_owned(),
    }
}

/// A wait in the units a person reads, rounded up to the second: `45 s`, `1 min 30 s`, `1 h 5 min`.
fn human_duration(wait: Duration) -> String {
    let seconds = wait
        .as_secs()
        .saturating_add(u64::from(wait.subsec_nanos() > 0));
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let parts = [(hours, "h"), (minutes, "min"), (seconds, "s")];
    let shown: Vec<String> = parts
        .iter()
        .skip_while(|(n, _)| *n == 0)
        .take(2)
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect();
    if shown.is_empty() {
        "0 s".to_owned()
    } else {
        shown.join(" ")
    }
}

fn describe_redirect(status: u16, location: &str, followed: bool) -> String {
    if followed {
        format!(
            "the HTTP client followed a redirect to {location:?}, another origin than the base URL, and its answer (HTTP {status}) was not taken for Polar's; configure the client not to follow redirects (reqwest::redirect::Policy::none())"
        )
    } else {
        format!(
            "the server at the base URL answered HTTP {status}, a redirect to {location:?}; the client follows no redirects, so nothing was sent there: check the base URL"
        )
    }
}

fn describe_unexpected(status: u16) -> String {
    let what = match status {
        101 => "Switching Protocols, though no upgrade was asked for",
        100..=199 => "an informational status, where an answer was due",
        304 => "Not Modified, though the request was not conditional",
        _ => "a redirect without a Location",
    };
    format!(
        "the server at the base URL answered HTTP {status}, {what}: it does not look like Polar's API, so check the base URL"
    )
}

fn describe_transport(may_have_reached_server: bool) -> &'static str {
    if may_have_reached_server {
        "the connection to Polar failed after the request was sent, so it may have been carried out"
    } else {
        "could not connect to Polar; the request was not sent, so nothing was done"
    }
}

fn describe_timeout(after: Duration, may_have_reached_server: bool) -> String {
    if may_have_reached_server {
        format!("Polar did not answer within {after:?}, so the request may have been carried out")
    } else {
        format!(
            "could not reach Polar within {after:?}; the request was not sent, so nothing was done"
        )
    }
}

fn code_suffix(code: Option<&str>) -> String {
    code.map(|c| format!(" ({c})")).unwrap_or_default()
}

fn or_empty(text: &str) -> &str {
    if text.is_empty() {
        "(empty body)"
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_side_errors() {
        let err = Error::InvalidInput {
            problems: vec![
                InputProblem::new("email", "is not an email address"),
                InputProblem::new("name", "is longer than 256 characters"),
            ],
        };
        assert_eq!(
            err.to_string(),
            "invalid input, nothing was sent: email: is not an email address; name: is longer than 256 characters"
        );
        assert_eq!(err.problems().len(), 2);
        assert_eq!(err.status(), None);
        assert!(!err.is_retryable());
        assert!(err.field_errors().is_empty());

        let err = Error::InvalidConfig {
            message: "the access token is empty".to_owned(),
        };
        assert_eq!(
            err.to_string(),
            "invalid client configuration: the access token is empty"
        );
        assert!(err.problems().is_empty());
    }

    #[test]
    fn reset_after_send_may_have_created_the_customer() {
        let text = describe_transport(true);
        assert_eq!(
            text,
            "the connection to Polar failed after the request was sent, so it may have been carried out"
        );
    }

    #[test]
    fn a_long_list_of_field_errors_is_shortened() {
        let error = |i: usize| {
            FieldError::new(
                "missing".into(),
                vec![],
                format!("f{i}"),
                "required".into(),
                None,
            )
        };
        let err = Error::Validation {
            kind: ValidationKind::Schema,
            errors: (0..25).map(error).collect(),
            request_id: None,
        };
        let text = err.to_string();
        assert!(text.ends_with("f9: required; and 15 more"), "{text}");
        assert_eq!(err.field_errors().len(), 25);
    }

    #[test]
    fn waits_read_in_human_units() {
        let ms = Duration::from_millis;
        let s = Duration::from_secs;
        #[rustfmt::skip]
        let rows = [
            (Duration::ZERO, "0 s"), (ms(1), "1 s"), (s(45), "45 s"), (s(60), "1 min"),
            (s(90), "1 min 30 s"), (ms(89_001), "1 min 30 s"), (s(1800), "30 min"),
            (s(3600), "1 h"), (s(3900), "1 h 5 min"), (s(3661), "1 h 1 min"),
            (Duration::MAX, "5124095576030431 h"),
        ];
        for (wait, text) in rows {
            assert_eq!(human_duration(wait), text, "{wait:?}");
        }
    }

    #[test]
    fn error_is_thread_safe_and_static() {
        fn assert_bounds<T: Send + Sync + 'static + std::error::Error>() {}
        assert_bounds::<Error>();
    }
}
