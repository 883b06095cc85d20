//! Polar's signature scheme (Standard Webhooks with the whole secret as the key), and [`sign`],
//! which produces a delivery's headers exactly as Polar does.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use http::header::{CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use sha2::Sha256;

use super::{WebhookError, WebhookSecret};

/// The header carrying the event's ID, the same on every attempt: deduplicate on it.
pub const WEBHOOK_ID: &str = "webhook-id";
/// The header carrying the Unix time (seconds) at which this attempt was signed.
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// The header carrying space-separated `v1,<base64>` signatures.
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// The only signature version Polar (and Standard Webhooks' symmetric scheme) uses.
pub(crate) const VERSION_PREFIX: &str = "v1,";
/// The `user-agent` Polar's deliveries carry.
const POLAR_USER_AGENT: &str = "polar.sh webhooks";

/// The HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the secret's bytes, ready to finalize
/// or verify.
pub(crate) fn mac(
    secret: &WebhookSecret,
    webhook_id: &str,
    timestamp: &str,
    body: &[u8],
) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this never fails.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.key())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(webhook_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Signs `body` as Polar would deliver it as event `webhook_id` at `timestamp`, and returns the
/// request headers of that delivery: `webhook-id`, `webhook-timestamp` (Unix seconds),
/// `webhook-signature` (`v1,<base64>`), `content-type: application/json` and Polar's
/// `user-agent`.
///
/// For unit tests of your receiver: feed the headers and the same body bytes to your handler.
///
/// # Errors
/// [`WebhookError::EmptySecret`] for an empty secret, and [`WebhookError::MalformedHeader`] when
/// `webhook_id` is empty or cannot be a header value (control characters, non-ASCII).
///
/// # Examples
/// ```
/// use polar_client::webhooks::{self, Event, WebhookSecret, WebhookVerifier};
///
/// let secret = WebhookSecret::new("whsec_test_secret");
/// let body = br#"{"type":"checkout.created","timestamp":"2026-04-01T10:00:00Z","data":{}}"#;
/// let now = std::time::SystemTime::now();
/// let headers = webhooks::sign(&secret, "msg_1", now, body)?;
/// assert_eq!(headers["webhook-id"], "msg_1");
///
/// let delivery = WebhookVerifier::new(secret).verify_at(&headers, body, now)?;
/// assert!(matches!(delivery.event(), Event::Other { event_type, .. } if event_type == "checkout.created"));
/// # Ok::<(), polar_client::webhooks::WebhookError>(())
/// ```
pub fn sign(
    secret: &WebhookSecret,
    webhook_id: &str,
    timestamp: impl Into<DateTime<Utc>>,
    body: &[u8],
) -> Result<HeaderMap, WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    if webhook_id.is_empty() {
        return Err(WebhookError::MalformedHeader {
            name: WEBHOOK_ID,
            problem: "it is empty",
        });
    }
    // `to_str` is what receivers read headers with: it refuses non-ASCII that a header may hold.
    let id = HeaderValue::from_str(webhook_id)
        .ok()
        .filter(|id| id.to_str().is_ok())
        .ok_or(WebhookError::MalformedHeader {
            name: WEBHOOK_ID,
            problem: "it is not visible ASCII",
        })?;
    let seconds = timestamp.into().timestamp();
    let timestamp = seconds.to_string();
    let digest = mac(secret, webhook_id, &timestamp, body)
        .finalize()
        .into_bytes();
    let signature = format!("{VERSION_PREFIX}{}", BASE64.encode(digest));

    let mut headers = HeaderMap::with_capacity(5);
    headers.insert(WEBHOOK_ID, id);
    headers.insert(WEBHOOK_TIMESTAMP, HeaderValue::from(seconds));
    headers.insert(
        WEBHOOK_SIGNATURE,
        HeaderValue::try_from(signature).unwrap_or_else(|_| unreachable!("base64 is ASCII")),
    );
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, HeaderValue::from_static(POLAR_USER_AGENT));
    Ok(headers)
}
