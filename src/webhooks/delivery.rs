//! [`Delivery`]: one verified webhook request: its event, the ID to deduplicate on, when it was signed.

use chrono::{DateTime, Utc};

use super::Event;

/// A verified delivery, as returned by [`WebhookVerifier::verify`](super::WebhookVerifier::verify).
///
/// Polar delivers at least once and only roughly in order: the same event can arrive again (a
/// retry after a timeout, a manual redelivery), and a retried event can overtake a newer one.
/// Deduplicate on [`webhook_id`](Self::webhook_id) and order by the event's
/// [`timestamp`](Event::timestamp) (or the object's `modified_at`).
#[derive(Clone, Debug, PartialEq)]
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
