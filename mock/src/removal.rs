//! `DELETE /v1/customers/{id}` (and by external id): Polar's soft delete, with what it frees and
//! what it records, and the `anonymize=true` rewrite.

use super::customer::{avatar_url, stable_hash};
use super::stamp;
use super::state::Data;
use super::stored::BILLABLE;
use serde_json::{Value, json};

/// The domain anonymized emails are moved to.
const ANONYMIZED_DOMAIN: &str = "anonymized.polar.sh";

/// Soft-deletes the live customer at `index`: its members are deleted first (one
/// `member.deleted` each), its `external_id` is cleared for re-use and kept in
/// `metadata.__external_id` (the body still shows it), its email is free for a new customer,
/// its billable subscriptions are cancelled and its benefits revoked; then `customer.deleted`
/// and `customer.state_changed`. With `anonymize`, personal data is replaced by hashes first.
pub(crate) fn delete(data: &mut Data, index: usize, anonymize: bool) {
    let now = stamp::now();
    let stored = &mut data.customers[index];
    let members = std::mem::take(&mut stored.members);
    stored.deleted = true;
    stored.benefits.clear();
    for subscription in &mut stored.subscriptions {
        let billable = subscription["status"]
            .as_str()
            .is_some_and(|status| BILLABLE.contains(&status));
        if billable {
            subscription["status"] = json!("canceled");
            subscription["canceled_at"] = json!(now);
            subscription["ends_at"] = json!(now);
        }
    }
    let body = &mut stored.body;
    body["deleted_at"] = json!(now);
    if let Some(external_id) = body["external_id"].as_str().map(str::to_owned) {
        set_metadata(body, "__external_id", json!(external_id));
    }
    if anonymize {
        anonymize_body(body, &now);
    }
    for member in members {
        data.events.emit("member.deleted", member);
    }
    data.emit_customer(index, "customer.deleted");
}

/// Polar's anonymization: email, names and billing address replaced; tax id, external id and
/// a business's name (a customer with a tax id) kept; `metadata.__anonymized_at` set.
fn anonymize_body(body: &mut Value, now: &str) {
    let hashed = |field: &str| body[field].as_str().map(|text| stable_hash(text, 4));
    let email = format!(
        "{}@{ANONYMIZED_DOMAIN}",
        stable_hash(body["email"].as_str().unwrap_or_default(), 4)
    );
    let name = hashed("name");
    let billing_name = hashed("billing_name");
    if body["tax_id"].is_null() {
        body["name"] = json!(name);
    }
    body["billing_name"] = json!(billing_name);
    body["avatar_url"] = json!(avatar_url(&email));
    body["email"] = json!(email);
    body["email_verified"] = json!(false);
    body["billing_address"] = Value::Null;
    set_metadata(body, "__anonymized_at", json!(now));
}

/// Sets one metadata key of a customer body.
fn set_metadata(body: &mut Value, key: &str, value: Value) {
    if let Value::Object(metadata) = &mut body["metadata"] {
        metadata.insert(key.to_owned(), value);
    }
}
