//! The `Customer` body the server answers a create with (and stores for lookups).

use super::schema::{Address, NewCustomer};
use serde_json::{Value, json};
use uuid::Uuid;

/// Renders the 201 body of a freshly created customer.
pub(crate) fn render(
    customer: &NewCustomer,
    organization_id: Uuid,
    tax_id: Option<(String, &'static str)>,
) -> Value {
    let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
    let created_at = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    json!({
        "id": id,
        "created_at": created_at,
        "modified_at": null,
        "metadata": customer.metadata,
        "external_id": customer.external_id,
        "email": customer.email,
        "email_verified": false,
        "type": customer.kind.as_str(),
        "name": customer.name,
        "billing_name": customer.name,
        "billing_address": customer.billing_address.as_ref().map(address),
        "tax_id": tax_id.map(|(value, format)| json!([value, format])),
        "locale": customer.locale,
        "organization_id": organization_id,
        "default_payment_method_id": null,
        "deleted_at": null,
        "first_user_event_at": null,
        "avatar_url": customer.email.as_deref().map(avatar_url),
    })
}

/// The output `Address`: all six keys, nulls included.
fn address(address: &Address) -> Value {
    json!({
        "line1": address.line1,
        "line2": address.line2,
        "postal_code": address.postal_code,
        "city": address.city,
        "state": address.state,
        "country": address.country,
    })
}

/// A Gravatar-style URL derived from the lower-cased email (a stable hash, not Gravatar's MD5).
fn avatar_url(email: &str) -> String {
    let normalised = email.trim().to_lowercase();
    let hash = |seed: u64| {
        normalised.bytes().fold(seed, |state, byte| {
            (state ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    format!(
        "https://www.gravatar.com/avatar/{:016x}{:016x}?d=404",
        hash(0xcbf2_9ce4_8422_2325),
        hash(0x6c62_272e_07bb_0142)
    )
}
