//! Customer state (`GET /v1/customers/{id}/state`): the customer with its active subscriptions,
//! granted benefits and meters, and the test-side helpers that attach those to a customer.

use super::stamp;
use super::state::{Data, State, Stored};
use chrono::{Duration, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// Subscription statuses that count as active in the state (`past_due` does not, although the
/// list's `active` filter counts it).
const STATE_ACTIVE: [&str; 2] = ["active", "trialing"];
/// Subscription statuses a customer deletion cancels at once.
pub(crate) const BILLABLE: [&str; 3] = ["trialing", "active", "past_due"];

/// What a test can attach to a customer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Attachment {
    /// A subscription (any status).
    Subscription,
    /// A granted benefit.
    Benefit,
    /// A customer meter.
    Meter,
}

impl Attachment {
    /// The full body of a new attachment: Polar's fields with plausible defaults, overridden
    /// and extended by `fields`.
    fn render(self, fields: Value) -> Value {
        let now = Utc::now();
        let common = json!({
            "id": stamp::new_id(),
            "created_at": stamp::timestamp(now),
            "modified_at": null,
        });
        let specific = match self {
            Self::Subscription => json!({
                "metadata": {},
                "custom_field_data": {},
                "status": "active",
                "amount": 1000,
                "currency": "usd",
                "recurring_interval": "month",
                "current_period_start": stamp::timestamp(now),
                "current_period_end": stamp::timestamp(now + Duration::days(30)),
                "trial_start": null,
                "trial_end": null,
                "cancel_at_period_end": false,
                "canceled_at": null,
                "started_at": stamp::timestamp(now),
                "ends_at": null,
                "product_id": stamp::new_id(),
                "price_id": stamp::new_id(),
                "discount_id": null,
                "meters": [],
            }),
            Self::Benefit => json!({
                "granted_at": stamp::timestamp(now),
                "benefit_id": stamp::new_id(),
                "benefit_type": "custom",
                "benefit_metadata": {},
                "properties": {},
            }),
            Self::Meter => json!({
                "meter_id": stamp::new_id(),
                "consumed_units": 0.0,
                "credited_units": 0,
                "balance": 0.0,
            }),
        };
        let mut body = Map::new();
        for part in [common, specific, fields] {
            if let Value::Object(part) = part {
                body.extend(part);
            }
        }
        Value::Object(body)
    }

    /// The customer's list this attachment goes to.
    fn list(self, stored: &mut Stored) -> &mut Vec<Value> {
        match self {
            Self::Subscription => &mut stored.subscriptions,
            Self::Benefit => &mut stored.benefits,
            Self::Meter => &mut stored.meters,
        }
    }
}

/// The `CustomerState` body: the customer's fields plus `active_subscriptions` (status active
/// or trialing), `granted_benefits` and `active_meters`.
pub(crate) fn render(stored: &Stored) -> Value {
    let mut state = stored.body.clone();
    if let Value::Object(fields) = &mut state {
        let active: Vec<Value> = stored
            .subscriptions
            .iter()
            .filter(|subscription| {
                subscription["status"]
                    .as_str()
                    .is_some_and(|status| STATE_ACTIVE.contains(&status))
            })
            .cloned()
            .collect();
        fields.insert("active_subscriptions".to_owned(), Value::Array(active));
        fields.insert(
            "granted_benefits".to_owned(),
            Value::Array(stored.benefits.clone()),
        );
        fields.insert(
            "active_meters".to_owned(),
            Value::Array(stored.meters.clone()),
        );
    }
    state
}

/// Whether the customer has a subscription that counts for the list's `active` filter
/// (trialing, active or past due).
pub(crate) fn has_billable_subscription(stored: &Stored) -> bool {
    stored.subscriptions.iter().any(|subscription| {
        subscription["status"]
            .as_str()
            .is_some_and(|status| BILLABLE.contains(&status))
    })
}

impl State {
    /// Attaches a new subscription, benefit grant or meter to a live customer and records
    /// `customer.state_changed`; `None` when no live customer has this id.
    pub(crate) fn attach(
        &self,
        customer_id: Uuid,
        kind: Attachment,
        fields: Value,
    ) -> Option<Value> {
        let mut data = self.lock();
        let index = live_index(&data, customer_id)?;
        let body = kind.render(fields);
        kind.list(&mut data.customers[index]).push(body.clone());
        data.emit_state_changed(index);
        Some(body)
    }
}

/// The index of the live customer with this id, whatever its organization.
fn live_index(data: &Data, customer_id: Uuid) -> Option<usize> {
    data.customers
        .iter()
        .position(|stored| stored.id == customer_id && !stored.deleted)
}
