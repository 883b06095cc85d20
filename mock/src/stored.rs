//! A stored customer ([`Stored`]): its `Customer` body and what hangs off it (members,
//! subscriptions, benefit grants, meters), with the JSON bodies derived from it (the
//! `CustomerState`, a new `Member`). A leaf of the mock: the store and the resource handlers
//! use it, it uses neither.

use super::stamp;
use serde_json::{Value, json};
use uuid::Uuid;

/// Subscription statuses that count as active in the state (`past_due` does not, although the
/// list's `active` filter counts it).
const STATE_ACTIVE: [&str; 2] = ["active", "trialing"];
/// Subscription statuses a customer deletion cancels at once.
pub(crate) const BILLABLE: [&str; 3] = ["trialing", "active", "past_due"];

/// A stored customer: its `Customer` body (the source of truth for its fields) and what hangs
/// off it.
pub(crate) struct Stored {
    pub(crate) id: Uuid,
    pub(crate) organization_id: Uuid,
    /// Soft-deleted: kept, but invisible to every endpoint.
    pub(crate) deleted: bool,
    pub(crate) body: Value,
    /// `Member` bodies of the active members.
    pub(crate) members: Vec<Value>,
    /// Subscription bodies, whatever their status.
    pub(crate) subscriptions: Vec<Value>,
    /// Granted benefit-grant bodies.
    pub(crate) benefits: Vec<Value>,
    /// Customer-meter bodies, oldest first.
    pub(crate) meters: Vec<Value>,
}

impl Stored {
    /// The email, lower-cased (Polar's duplicate key).
    pub(crate) fn email_key(&self) -> Option<String> {
        self.body["email"].as_str().map(str::to_lowercase)
    }

    /// The external id.
    pub(crate) fn external_id(&self) -> Option<&str> {
        self.body["external_id"].as_str()
    }

    /// Whether this is a team customer.
    pub(crate) fn is_team(&self) -> bool {
        self.body["type"] == "team"
    }

    /// The `CustomerState` body: the customer's fields plus `active_subscriptions` (status
    /// active or trialing), `granted_benefits` and `active_meters`.
    pub(crate) fn state_body(&self) -> Value {
        let mut state = self.body.clone();
        if let Value::Object(fields) = &mut state {
            let active: Vec<Value> = self
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
                Value::Array(self.benefits.clone()),
            );
            fields.insert(
                "active_meters".to_owned(),
                Value::Array(self.meters.clone()),
            );
        }
        state
    }

    /// Whether the customer has a subscription that counts for the list's `active` filter
    /// (trialing, active or past due).
    pub(crate) fn has_billable_subscription(&self) -> bool {
        self.subscriptions.iter().any(|subscription| {
            subscription["status"]
                .as_str()
                .is_some_and(|status| BILLABLE.contains(&status))
        })
    }
}

/// A new `Member` body.
pub(crate) fn new_member(
    customer_id: Uuid,
    email: Option<String>,
    name: Option<String>,
    external_id: Option<String>,
    role: &str,
) -> Value {
    json!({
        "id": stamp::new_id(),
        "created_at": stamp::now(),
        "modified_at": null,
        "customer_id": customer_id,
        "email": email,
        "name": name,
        "external_id": external_id,
        "role": role,
    })
}
