//! Typed reads of the billing events — `checkout.*`, `subscription.*`, `order.*`,
//! `benefit_grant.*` — on [`Event`]: they arrive as [`Event::Other`] (so every existing `match`
//! keeps working, and event types Polar adds stay `Other`), and [`Event::checkout`],
//! [`Event::subscription`], [`Event::order`] and [`Event::benefit_grant`] decode their `data`
//! into the crate's models.
//!
//! **Ordering surprises** (Polar emits these inside one transaction; delivery is best-effort
//! FIFO, so deduplicate by `webhook-id`, order by the payload's `modified_at` and act on its
//! `status`, not on the event's name):
//! - a checkout's success emits `subscription.created` → `subscription.active` →
//!   `order.created` → `order.updated` → `order.paid` → `checkout.updated` (`succeeded`): the
//!   checkout's own success event comes **last**; provision on `order.paid` or
//!   `subscription.active`;
//! - a checkout's order is created already paid: `order.created` shows `status: "paid"`;
//! - every subscription change sends `subscription.updated` **before** the specific event, and a
//!   scheduled cancellation sends `subscription.canceled` **twice** (when scheduled, and again
//!   when the period ends, followed by `subscription.revoked`);
//! - `benefit_grant.*` events come from a background job, after the order or subscription event
//!   that caused them (see [`BenefitGrant`]).

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{BenefitGrant, Event, WebhookError};
use crate::{Checkout, Order, Subscription};

/// The `checkout.*` event types whose `data` is a `Checkout`.
const CHECKOUT_EVENTS: [&str; 3] = ["checkout.created", "checkout.updated", "checkout.expired"];
/// The `subscription.*` event types whose `data` is a `Subscription`.
const SUBSCRIPTION_EVENTS: [&str; 10] = [
    "subscription.created",
    "subscription.updated",
    "subscription.active",
    "subscription.canceled",
    "subscription.uncanceled",
    "subscription.revoked",
    "subscription.past_due",
    "subscription.paused",
    "subscription.resumed",
    "subscription.cycled",
];
/// The `order.*` event types whose `data` is an `Order`.
const ORDER_EVENTS: [&str; 4] = [
    "order.created",
    "order.updated",
    "order.paid",
    "order.refunded",
];
/// The `benefit_grant.*` event types whose `data` is a `BenefitGrant`.
const BENEFIT_GRANT_EVENTS: [&str; 4] = [
    "benefit_grant.created",
    "benefit_grant.updated",
    "benefit_grant.cycled",
    "benefit_grant.revoked",
];

impl Event {
    /// The checkout of a `checkout.created`, `checkout.updated` or `checkout.expired` event;
    /// `Ok(None)` for any other event. `checkout.expired` comes up to 15 minutes after the
    /// checkout's `expires_at`.
    ///
    /// ```
    /// use polar_client::CheckoutStatus;
    /// use polar_client::webhooks::Event;
    ///
    /// let event = Event::from_json(br#"{"type":"checkout.updated","timestamp":"2026-04-01T10:00:00Z",
    ///     "data":{"id":"0c3b8e8e-7d2a-4c1e-9b3f-5a6d7e8f9a0b","status":"succeeded"}}"#)?;
    /// let checkout = event.checkout()?.expect("a checkout event");
    /// assert_eq!(checkout.status(), &CheckoutStatus::Succeeded);
    /// assert!(event.subscription()?.is_none());
    /// # Ok::<(), polar_client::webhooks::WebhookError>(())
    /// ```
    ///
    /// # Errors
    /// [`WebhookError::InvalidPayload`] with the JSON path when the `data` of a checkout event
    /// is not a checkout.
    pub fn checkout(&self) -> Result<Option<Checkout>, WebhookError> {
        self.billing_data(&CHECKOUT_EVENTS)
    }

    /// The subscription of a `subscription.*` event (`created`, `updated`, `active`, `canceled`,
    /// `uncanceled`, `revoked`, `past_due`, `paused`, `resumed`, `cycled`); `Ok(None)` for any
    /// other event. Decide entitlement from the payload's status
    /// ([`Subscription::grants_access`]), not from the event's name.
    ///
    /// ```
    /// use polar_client::PastDuePolicy;
    /// use polar_client::webhooks::Event;
    ///
    /// let event = Event::from_json(br#"{"type":"subscription.canceled","timestamp":"2026-04-01T10:00:00Z",
    ///     "data":{"id":"2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11","status":"active","cancel_at_period_end":true}}"#)?;
    /// let subscription = event.subscription()?.expect("a subscription event");
    /// assert!(subscription.grants_access(PastDuePolicy::DenyAccess), "canceled at period end: still active");
    /// # Ok::<(), polar_client::webhooks::WebhookError>(())
    /// ```
    ///
    /// # Errors
    /// [`WebhookError::InvalidPayload`] when the `data` of a subscription event is not a
    /// subscription.
    pub fn subscription(&self) -> Result<Option<Subscription>, WebhookError> {
        self.billing_data(&SUBSCRIPTION_EVENTS)
    }

    /// The order of an `order.created`, `order.updated`, `order.paid` or `order.refunded` event;
    /// `Ok(None)` for any other event.
    ///
    /// ```
    /// use polar_client::OrderStatus;
    /// use polar_client::webhooks::Event;
    ///
    /// let event = Event::from_json(br#"{"type":"order.created","timestamp":"2026-04-01T10:00:00Z",
    ///     "data":{"id":"7d1f0c8e-2b3a-4c5d-8e9f-0a1b2c3d4e5f","status":"paid"}}"#)?;
    /// assert_eq!(event.order()?.map(|o| o.status().clone()), Some(OrderStatus::Paid));
    /// # Ok::<(), polar_client::webhooks::WebhookError>(())
    /// ```
    ///
    /// # Errors
    /// [`WebhookError::InvalidPayload`] when the `data` of an order event is not an order.
    pub fn order(&self) -> Result<Option<Order>, WebhookError> {
        self.billing_data(&ORDER_EVENTS)
    }

    /// The benefit grant of a `benefit_grant.created`, `benefit_grant.updated`,
    /// `benefit_grant.cycled` or `benefit_grant.revoked` event; `Ok(None)` for any other event.
    /// These come after the `order.paid` or `subscription.active` that granted the benefit, and
    /// after the `subscription.revoked` that took it away; decide from
    /// [`BenefitGrant::is_granted`] and [`BenefitGrant::is_revoked`], not from the event's name.
    ///
    /// ```
    /// use polar_client::BenefitType;
    /// use polar_client::webhooks::Event;
    ///
    /// let event = Event::from_json(br#"{"type":"benefit_grant.revoked","timestamp":"2026-05-01T10:00:00Z",
    ///     "data":{"id":"d322132c-a9d0-4e0d-b8d3-d81ad021a3a9","is_granted":false,"is_revoked":true,
    ///     "revoked_at":"2026-05-01T10:00:00Z","customer_id":"992fae2a-2a17-4b7a-8d9e-e287cf90131b",
    ///     "benefit_id":"397a17aa-15cf-4cb4-9333-18040203cf98","benefit":{"type":"feature_flag"}}}"#)?;
    /// let grant = event.benefit_grant()?.expect("a benefit grant event");
    /// assert!(grant.is_revoked());
    /// assert_eq!(grant.benefit_id(), "397a17aa-15cf-4cb4-9333-18040203cf98");
    /// assert_eq!(grant.benefit_type(), Some(&BenefitType::FeatureFlag));
    /// assert!(event.order()?.is_none());
    /// # Ok::<(), polar_client::webhooks::WebhookError>(())
    /// ```
    ///
    /// # Errors
    /// [`WebhookError::InvalidPayload`] when the `data` of a benefit grant event is not a
    /// benefit grant (no `id`, `customer_id` or `benefit_id`, or a field of the wrong type).
    pub fn benefit_grant(&self) -> Result<Option<BenefitGrant>, WebhookError> {
        self.billing_data(&BENEFIT_GRANT_EVENTS)
    }

    /// The `data` of an [`Event::Other`] whose type is one of `types`, decoded.
    fn billing_data<T: DeserializeOwned>(&self, types: &[&str]) -> Result<Option<T>, WebhookError> {
        match self {
            Self::Other {
                event_type, data, ..
            } if types.contains(&event_type.as_str()) => decode(data).map(Some),
            _ => Ok(None),
        }
    }
}

/// Decodes `data`, naming the JSON path of a problem as `data.…`.
fn decode<T: DeserializeOwned>(data: &Value) -> Result<T, WebhookError> {
    serde_path_to_error::deserialize(data).map_err(|e| {
        let path = e.path().to_string();
        WebhookError::InvalidPayload {
            path: if path == "." {
                "data".to_owned()
            } else {
                format!("data.{path}")
            },
            message: e.into_inner().to_string(),
        }
    })
}
