//! [`WebhookError`]: why a delivery was refused, one variant per thing a receiver can act on.

use std::time::Duration;

use http::StatusCode;

/// Why a webhook delivery was not accepted.
///
/// The variants follow the order of the checks: headers, timestamp, signature, then the body. A
/// body that fails to decode is reported as [`InvalidPayload`](Self::InvalidPayload) only after its
/// signature matched, so a parse problem is never mistaken for a forgery, and a forgery is never
/// parsed. No variant contains the secret.
///
/// ```
/// use polar_client::webhooks::WebhookError;
/// use http::StatusCode;
///
/// let error = WebhookError::MissingHeader { name: "webhook-signature" };
/// assert_eq!(error.to_string(), "the `webhook-signature` header is missing");
/// assert_eq!(error.status_code(), StatusCode::BAD_REQUEST);
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// A required header (`webhook-id`, `webhook-timestamp` or `webhook-signature`) is absent.
    #[error("the `{name}` header is missing")]
    MissingHeader {
        /// The header's name, lowercase.
        name: &'static str,
    },
    /// A header is present but unusable (not visible ASCII, repeated, not a number, empty …).
    #[error("the `{name}` header is malformed: {problem}")]
    MalformedHeader {
        /// The header's name, lowercase.
        name: &'static str,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// `webhook-timestamp` is further in the past than the tolerance: a replay, or a delivery
    /// that sat in a queue too long. Polar re-signs every retry, so a fresh attempt will pass.
    #[error("the delivery was signed {age:?} ago, more than the {tolerance:?} tolerated")]
    TimestampTooOld {
        /// How long ago the delivery was signed.
        age: Duration,
        /// The tolerance in force.
        tolerance: Duration,
    },
    /// `webhook-timestamp` is further in the future than the tolerance (a clock out of sync).
    #[error("the delivery is dated {ahead:?} in the future, more than the {tolerance:?} tolerated")]
    TimestampInFuture {
        /// How far ahead of the receiver's clock the timestamp is.
        ahead: Duration,
        /// The tolerance in force.
        tolerance: Duration,
    },
    /// No `v1` signature in `webhook-signature` matches the body with this secret: a wrong
    /// secret, a body altered on the way (re-serialized JSON included), or a forgery.
    #[error("no signature in the `webhook-signature` header matches the body and the secret")]
    SignatureMismatch,
    /// The secret is empty, which would accept forgeries; nothing is verified with it.
    #[error("the webhook secret is empty")]
    EmptySecret,
    /// The signature matched but the body is not an event Polar sends: not JSON, no `type` or
    /// `timestamp`, or a known event type whose `data` does not decode.
    #[error("the body is not a Polar event: at `{path}`: {message}")]
    InvalidPayload {
        /// Where in the JSON the problem is, e.g. `data.created_at` (`.` for the whole body).
        path: String,
        /// What is wrong there.
        message: String,
    },
}

impl WebhookError {
    /// The status a receiver should answer this delivery with: `401 Unauthorized` when it cannot
    /// be trusted (bad signature, timestamp out of tolerance), `400 Bad Request` for missing or
    /// malformed headers and undecodable bodies, `500` for an empty secret (a receiver problem).
    ///
    /// Polar retries any answer other than 2xx, so every one of these is retried.
    ///
    /// ```
    /// use polar_client::webhooks::WebhookError;
    /// use http::StatusCode;
    ///
    /// assert_eq!(WebhookError::SignatureMismatch.status_code(), StatusCode::UNAUTHORIZED);
    /// ```
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::TimestampTooOld { .. }
            | Self::TimestampInFuture { .. }
            | Self::SignatureMismatch => StatusCode::UNAUTHORIZED,
            Self::EmptySecret => StatusCode::INTERNAL_SERVER_ERROR,
            Self::MissingHeader { .. }
            | Self::MalformedHeader { .. }
            | Self::InvalidPayload { .. } => StatusCode::BAD_REQUEST,
        }
    }

    /// The answer to send Polar for a refused delivery: [`status_code`](Self::status_code) and
    /// the error's text as a `text/plain` body (Polar stores the first 2,048 characters of it,
    /// shown in its dashboard). Frameworks built on the `http` crate send it as is (axum:
    /// `http::Response<String>` is an `IntoResponse`).
    ///
    /// # Examples
    /// ```
    /// use polar_client::webhooks::WebhookError;
    ///
    /// let response = WebhookError::SignatureMismatch.response();
    /// assert_eq!(response.status(), http::StatusCode::UNAUTHORIZED);
    /// assert_eq!(response.body(), &WebhookError::SignatureMismatch.to_string());
    /// ```
    #[must_use]
    pub fn response(&self) -> http::Response<String> {
        let mut response = http::Response::new(self.to_string());
        *response.status_mut() = self.status_code();
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }

    /// Whether the delivery was shown to come from Polar (its signature matched) even though it
    /// was refused; only [`InvalidPayload`](Self::InvalidPayload) is.
    pub fn is_authentic(&self) -> bool {
        matches!(self, Self::InvalidPayload { .. })
    }
}
