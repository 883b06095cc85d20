//! The test-side helpers that attach subscriptions, benefit grants and meters to a customer,
//! whose `CustomerState` (`GET /v1/customers/{id}/state`, [`Stored::state_body`]) lists them.

use super::stamp;
use super::state::{Data, State};
use super::stored::Stored;
use chrono::{Duration, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

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
