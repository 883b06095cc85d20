//! [`Delivery`]: one verified webhook request: its event, the ID to deduplicate on, when it was signed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Event;

/// A verified delivery, as returned by [`WebhookVerifier::verify`](super::WebhookVerifier::verify).
///
/// Polar delivers at least once and only roughly in order: the same event can arrive again (a
/// retry after a timeout, a manual redelivery), and a retried event can overtake a newer one.
/// Deduplicate on [`webhook_id`](Self::webhook_id) and order by the event's
/// [`timestamp`](Event::timestamp) (or the object's `modified_at`).
///
/// A delivery serializes as `{"webhook_id","signed_at","event"}` (the event as its webhook body,
/// raw `data` included) and deserializes back to an equal delivery, so a receiver can queue it
/// and answer Polar at once instead of keeping the raw body to verify and decode again later.
///
/// # Examples
/// ```
/// use polar_client::webhooks::{self, Delivery, WebhookSecret, WebhookVerifier};
///
/// let secret = WebhookSecret::new("whsec_test_secret");
/// let body = br#"{"type":"order.paid","timestamp":"2026-04-01T10:00:00Z","data":{"id":"o_1"}}"#;
/// let headers = webhooks::sign(&secret, "msg_1", std::time::SystemTime::now(), body)?;
/// let delivery = WebhookVerifier::new(secret).verify(&headers, body)?;
///
/// let queued = serde_json::to_string(&delivery).expect("a delivery serializes");
/// let dequeued: Delivery = serde_json::from_str(&queued).expect("and decodes again");
/// assert_eq!(dequeued, delivery);
/// # Ok::<(), webhooks::WebhookError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    webhook_id: String,
    signed_at: DateTime<Utc>,
    event: Event,
}

impl Delivery {
    pub(crate) fn new(webhook_id: String, signed_at: DateTime<Utc>, event: Event) -> Self {
        Self {
            webhook_id,
            signed_at,
            event,
        }
    }

    /// The `webhook-id` header: the event's ID, identical on every retry and redelivery of the
    /// event (and distinct per endpoint). Record it and skip deliveries you have already handled.
    pub fn webhook_id(&self) -> &str {
        &self.webhook_id
    }

    /// When this attempt was signed (`webhook-timestamp`); each retry has its own. For ordering
    /// events use [`Event::timestamp`] instead.
    pub fn signed_at(&self) -> DateTime<Utc> {
        self.signed_at
    }

    /// The decoded event.
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// The decoded event, by value.
    pub fn into_event(self) -> Event {
        self.event
    }
}
