//! [`WebhookVerifier`]: checks a delivery's headers, timestamp and signature, then decodes it.

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::Mac;
use http::HeaderMap;

use super::signature::{self, VERSION_PREFIX, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};
use super::{Delivery, Event, WebhookError, WebhookSecret};

/// How far a delivery's `webhook-timestamp` may be from the receiver's clock by default (5 min).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Verifies Polar's webhook deliveries for one endpoint secret.
///
/// [`verify`](Self::verify) takes the request headers and the **raw** body bytes (verify before
/// parsing: re-serialized JSON does not match the signature) and checks, in order:
/// 1. the `webhook-id`, `webhook-timestamp` and `webhook-signature` headers are present and well formed;
/// 2. the timestamp is within the tolerance of now (default ±5 minutes, [`DEFAULT_TOLERANCE`]);
/// 3. one of the `v1` signatures is the HMAC-SHA256 of `{id}.{timestamp}.{body}` keyed with the
///    whole secret (compared in constant time);
/// 4. the body is a Polar event, decoded into an [`Event`].
///
/// Each failure is its own [`WebhookError`]. A verifier is cheap to clone and can be shared.
///
/// # Examples
/// ```
/// use polar_client::webhooks::{self, Event, WebhookSecret, WebhookVerifier};
/// use std::time::Duration;
///
/// let secret = WebhookSecret::new("whsec_test_secret");
/// let verifier = WebhookVerifier::new(secret.clone()).tolerance(Duration::from_secs(60));
///
/// let body = br#"{"type":"customer.created","timestamp":"2026-04-01T10:00:00Z","data":{
///     "id":"992fae2a-2a17-4b7a-8d9e-e287cf90131b","created_at":"2026-04-01T10:00:00Z",
///     "organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737","email":"jane@example.org"}}"#;
/// let headers = webhooks::sign(&secret, "msg_1", std::time::SystemTime::now(), body)?;
///
/// let delivery = verifier.verify(&headers, body)?;
/// assert_eq!(delivery.webhook_id(), "msg_1");
/// match delivery.event() {
///     Event::CustomerCreated { customer, .. } => assert_eq!(customer.email(), Some("jane@example.org")),
///     other => panic!("unexpected {}", other.event_type()),
/// }
///
/// // One changed byte and the delivery is refused.
/// let tampered = String::from_utf8_lossy(body).replace("jane", "mallory");
/// assert_eq!(
///     verifier.verify(&headers, tampered.as_bytes()).unwrap_err(),
///     webhooks::WebhookError::SignatureMismatch,
/// );
/// # Ok::<(), webhooks::WebhookError>(())
/// ```
#[derive(Clone, Debug)]
pub struct WebhookVerifier {
    secret: WebhookSecret,
    tolerance: Duration,
}

impl WebhookVerifier {
    /// A verifier for the endpoint secret (`whsec_…`, as Polar shows it) with the default tolerance.
    pub fn new(secret: impl Into<WebhookSecret>) -> Self {
        Self {
            secret: secret.into(),
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// How far `webhook-timestamp` may be from now, in either direction (default 5 minutes).
    /// Polar signs every attempt anew, so retries of an old event still pass.
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Verifies a delivery against the system clock and decodes its event.
    ///
    /// # Errors
    /// The first check that fails, as a [`WebhookError`] (see the type's documentation).
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, WebhookError> {
        self.verify_at(headers, body, SystemTime::now())
    }

    /// Verifies an [`http::Request`] whose body is already read into bytes (`Request<Bytes>`,
    /// `Request<Vec<u8>>`, `Request<String>`, …): the one call a handler in any framework built
    /// on the `http` crate (axum, hyper, …) needs. Pair it with [`WebhookError::response`] for
    /// the answer to a refused delivery.
    ///
    /// # Errors
    /// As [`verify`](Self::verify): the first check that fails, as a [`WebhookError`].
    ///
    /// # Examples
    /// ```
    /// use polar_client::webhooks::{self, Event, WebhookError, WebhookSecret, WebhookVerifier};
    ///
    /// /// A framework-neutral handler: whatever the framework, hand it the request with its body.
    /// fn handle(verifier: &WebhookVerifier, request: &http::Request<Vec<u8>>) -> http::Response<String> {
    ///     let delivery = match verifier.verify_request(request) {
    ///         Ok(delivery) => delivery,
    ///         Err(refused) => return refused.response(),
    ///     };
    ///     if let Event::CustomerDeleted { customer, .. } = delivery.event() {
    ///         println!("forget {}", customer.id());
    ///     }
    ///     http::Response::new(String::new())
    /// }
    ///
    /// let secret = WebhookSecret::new("whsec_test_secret");
    /// let body = br#"{"type":"order.paid","timestamp":"2026-04-01T10:00:00Z","data":{}}"#.to_vec();
    /// let headers = webhooks::sign(&secret, "msg_1", std::time::SystemTime::now(), &body)?;
    /// let mut request = http::Request::new(body);
    /// *request.headers_mut() = headers;
    /// let verifier = WebhookVerifier::new(secret);
    /// assert_eq!(handle(&verifier, &request).status(), http::StatusCode::OK);
    ///
    /// request.headers_mut().remove(webhooks::WEBHOOK_SIGNATURE);
    /// assert_eq!(handle(&verifier, &request).status(), http::StatusCode::BAD_REQUEST);
    /// # Ok::<(), WebhookError>(())
    /// ```
    pub fn verify_request<B: AsRef<[u8]>>(
        &self,
        request: &http::Request<B>,
    ) -> Result<Delivery, WebhookError> {
        self.verify(request.headers(), request.body().as_ref())
    }

    /// Like [`verify`](Self::verify), with the receiver's clock reading `now` (for tests, or to
    /// verify a delivery you stored with the time you received it).
    ///
    /// # Errors
    /// The first check that fails, as a [`WebhookError`].
    ///
    /// # Examples
    /// ```
    /// use polar_client::webhooks::{self, WebhookError, WebhookSecret, WebhookVerifier};
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let secret = WebhookSecret::new("whsec_test_secret");
    /// let signed_at = UNIX_EPOCH + Duration::from_secs(1_775_037_600);
    /// let body = br#"{"type":"order.paid","timestamp":"2026-04-01T10:00:00Z","data":{}}"#;
    /// let headers = webhooks::sign(&secret, "msg_1", signed_at, body)?;
    ///
    /// let ten_minutes_later = signed_at + Duration::from_secs(600);
    /// let error = WebhookVerifier::new(secret).verify_at(&headers, body, ten_minutes_later);
    /// assert!(matches!(error, Err(WebhookError::TimestampTooOld { .. })));
    /// # Ok::<(), WebhookError>(())
    /// ```
    pub fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: impl Into<DateTime<Utc>>,
    ) -> Result<Delivery, WebhookError> {
        if self.secret.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        let webhook_id = single_header(headers, WEBHOOK_ID)?;
        let timestamp_text = single_header(headers, WEBHOOK_TIMESTAMP)?;
        let signatures = signature_header(headers)?;
        let signed_at = parse_timestamp(timestamp_text)?;
        self.check_tolerance(signed_at, now.into())?;

        let expected = signature::mac(&self.secret, webhook_id, timestamp_text, body);
        let matched = signatures
            .iter()
            .flat_map(|value| value.split_ascii_whitespace())
            .filter_map(|entry| entry.strip_prefix(VERSION_PREFIX))
            .filter_map(|encoded| BASE64.decode(encoded).ok())
            .any(|candidate| expected.clone().verify_slice(&candidate).is_ok());
        if !matched {
            return Err(WebhookError::SignatureMismatch);
        }

        Ok(Delivery::new(
            webhook_id.to_owned(),
            signed_at,
            Event::from_json(body)?,
        ))
    }

    /// Refuses a timestamp further than the tolerance from `now`.
    fn check_tolerance(
        &self,
        signed_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), WebhookError> {
        let tolerance = self.tolerance;
        match (now - signed_at).to_std() {
            Ok(age) if age > tolerance => Err(WebhookError::TimestampTooOld { age, tolerance }),
            Ok(_) => Ok(()),
            Err(_) => match (signed_at - now).to_std() {
                Ok(ahead) if ahead > tolerance => {
                    Err(WebhookError::TimestampInFuture { ahead, tolerance })
                }
                _ => Ok(()),
            },
        }
    }
}

/// The text of a header that must appear exactly once, non-empty and visible ASCII.
fn single_header<'h>(headers: &'h HeaderMap, name: &'static str) -> Result<&'h str, WebhookError> {
    let mut values = headers.get_all(name).iter();
    let value = values.next().ok_or(WebhookError::MissingHeader { name })?;
    if values.next().is_some() {
        return Err(malformed(name, "it appears more than once"));
    }
    let text = value
        .to_str()
        .map_err(|_| malformed(name, "it is not visible ASCII"))?;
    if text.trim().is_empty() {
        return Err(malformed(name, "it is empty"));
    }
    Ok(text)
}

/// Every `webhook-signature` value (one is usual; several are read as one list).
fn signature_header(headers: &HeaderMap) -> Result<Vec<&str>, WebhookError> {
    let values = headers
        .get_all(WEBHOOK_SIGNATURE)
        .iter()
        .map(|value| {
            value
                .to_str()
                .map_err(|_| malformed(WEBHOOK_SIGNATURE, "it is not visible ASCII"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if values.is_empty() {
        return Err(WebhookError::MissingHeader {
            name: WEBHOOK_SIGNATURE,
        });
    }
    if values.iter().all(|value| value.trim().is_empty()) {
        return Err(malformed(WEBHOOK_SIGNATURE, "it holds no signature"));
    }
    Ok(values)
}

/// `webhook-timestamp`: Unix seconds as plain decimal digits.
fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, WebhookError> {
    let not_a_time = || malformed(WEBHOOK_TIMESTAMP, "it is not a Unix time in seconds");
    if !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(not_a_time());
    }
    let seconds = text.parse::<i64>().map_err(|_| not_a_time())?;
    DateTime::from_timestamp(seconds, 0).ok_or_else(not_a_time)
}

fn malformed(name: &'static str, problem: &'static str) -> WebhookError {
    WebhookError::MalformedHeader { name, problem }
}
