//! The `Customer` body the server answers a create with (and stores for lookups), and the
//! pieces of it an update rewrites.

use super::schema::{Address, NewCustomer};
use super::stamp;
use serde_json::{Value, json};
use uuid::Uuid;

/// Renders the 201 body of a freshly created customer.
pub(crate) fn render(
    customer: &NewCustomer,
    id: Uuid,
    organization_id: Uuid,
    tax_id: Option<(String, &'static str)>,
) -> Value {
    json!({
        "id": id,
        "created_at": stamp::now(),
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
pub(crate) fn address(address: &Address) -> Value {
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
pub(crate) fn avatar_url(email: &str) -> String {
    format!(
        "https://www.gravatar.com/avatar/{}?d=404",
        stable_hash(&email.trim().to_lowercase(), 2)
    )
}

/// A stable hex digest of `text`, 16 hex digits per `words` (FNV-1a with different seeds: the
/// mock needs stable, distinct values, not Gravatar's MD5 or the SHA-256 Polar anonymizes with).
pub(crate) fn stable_hash(text: &str, words: u64) -> String {
    (0..words)
        .map(|word| {
            let seed = 0xcbf2_9ce4_8422_2325_u64 ^ word.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let hash = text.bytes().fold(seed, |state, byte| {
                (state ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            });
            format!("{hash:016x}")
        })
        .collect()
}
