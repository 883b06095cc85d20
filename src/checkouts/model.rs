//! [`Checkout`]: a checkout session as Polar returns it, decoded leniently (unknown fields
//! ignored, unknown statuses kept as `Other`), with its [`ClientSecret`] kept out of `Debug`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::{CheckoutId, CustomerId, ProductId, SubscriptionId};
use crate::metadata::MetadataValue;
use crate::open_enum::open_enum;

open_enum! {
    /// Where a checkout is (Polar's `CheckoutStatus`): `open` → (buyer confirms) `confirmed` →
    /// (payment processed) `succeeded`; a failed payment goes back to `open`; an open checkout
    /// turns `expired` — **up to 15 minutes after** [`Checkout::expires_at`], so judge expiry
    /// with [`Checkout::is_expired_now`].
    ///
    /// ```
    /// use polar_client::CheckoutStatus;
    ///
    /// assert_eq!(CheckoutStatus::Succeeded.code(), "succeeded");
    /// ```
    pub enum CheckoutStatus ("A checkout with status") {
        Open => "open",
        Expired => "expired",
        Confirmed => "confirmed",
        Succeeded => "succeeded",
        Failed => "failed",
    }
    /// A status this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "a checkout status string"
}

/// A checkout's client secret (`polar_c_…`): the only credential of Polar's public checkout
/// endpoints, so treat it like a password. Its `Debug` never shows it.
///
/// ```
/// use polar_client::ClientSecret;
///
/// let secret = ClientSecret::from("polar_c_abc123".to_owned());
/// assert_eq!(format!("{secret:?}"), "ClientSecret(***)");
/// assert_eq!(secret.expose(), "polar_c_abc123");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// The secret itself, e.g. to hand to Polar's embedded checkout.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for ClientSecret {
    fn from(secret: String) -> Self {
        Self(secret)
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(***)")
    }
}

/// A checkout session as Polar returns it.
///
/// Decoding is lenient: only `id` is required; other fields may be missing or `null`, unknown
/// fields (Polar sends hidden, deprecated ones) are ignored, and an unknown status reads as
/// [`CheckoutStatus::Other`].
///
/// ```
/// use polar_client::{Checkout, CheckoutStatus};
///
/// let checkout: Checkout = serde_json::from_str(r#"{
///     "id": "0c3b8e8e-7d2a-4c1e-9b3f-5a6d7e8f9a0b",
///     "status": "open",
///     "client_secret": "polar_c_secret",
///     "url": "https://polar.sh/checkout/polar_c_secret",
///     "expires_at": "2020-01-01T00:00:00Z",
///     "something_new": {"a": 1}
/// }"#)?;
/// assert_eq!(checkout.status, CheckoutStatus::Open);
/// assert!(checkout.is_expired_now(), "open on Polar's side, but past its expiry");
/// assert!(!format!("{checkout:?}").contains("polar_c_secret"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Checkout {
    /// Polar's ID of the checkout.
    pub id: CheckoutId,
    /// Where it is; unknown statuses are [`CheckoutStatus::Other`].
    #[serde(
        default = "unknown_status",
        deserialize_with = "crate::subscriptions::model::open_or_unknown"
    )]
    pub status: CheckoutStatus,
    /// The checkout page to send the buyer to. It contains the client secret, so `Debug` shows
    /// it as `<redacted>`.
    #[serde(default)]
    pub url: Option<String>,
    /// The secret of Polar's public checkout endpoints (never shown by `Debug`).
    #[serde(default)]
    pub client_secret: Option<ClientSecret>,
    /// When it expires (24 hours after creation).
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was created.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub created_at: Option<DateTime<Utc>>,
    /// Where the buyer goes after paying (`{CHECKOUT_ID}` already replaced by Polar).
    #[serde(default)]
    pub success_url: Option<String>,
    /// The product selected.
    #[serde(default)]
    pub product_id: Option<ProductId>,
    /// The linked customer; `None` until Polar links one (at the latest when it succeeds).
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// The external customer ID the checkout was created with.
    #[serde(default)]
    pub external_customer_id: Option<String>,
    /// The buyer's email, as set or prefilled.
    #[serde(default)]
    pub customer_email: Option<String>,
    /// The amount before discount and tax, in cents.
    #[serde(default)]
    pub amount: Option<i64>,
    /// The total to pay, in cents.
    #[serde(default)]
    pub total_amount: Option<i64>,
    /// Lower-case ISO 4217 currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// The seat count, for seat-based products.
    #[serde(default)]
    pub seats: Option<u32>,
    /// The discount applied.
    #[serde(default)]
    pub discount_id: Option<String>,
    /// The subscription it created, once it succeeded (for a recurring product).
    #[serde(default)]
    pub subscription_id: Option<SubscriptionId>,
    /// The metadata, copied to the order and subscription.
    #[serde(default, deserialize_with = "crate::metadata::lenient_map")]
    pub metadata: BTreeMap<String, MetadataValue>,
    /// Merged into the customer's metadata when it succeeds.
    #[serde(default, deserialize_with = "crate::metadata::lenient_map")]
    pub customer_metadata: BTreeMap<String, MetadataValue>,
}

impl fmt::Debug for Checkout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkout")
            .field("id", &self.id)
            .field("status", &self.status)
            .field("url", &self.url.as_ref().map(|_| "<redacted>"))
            .field("client_secret", &self.client_secret)
            .field("expires_at", &self.expires_at)
            .field("created_at", &self.created_at)
            .field(
                "success_url",
                // Polar's default success URL embeds the client secret.
                &self
                    .success_url
                    .as_deref()
                    .map(|url| match &self.client_secret {
                        Some(secret) if url.contains(secret.expose()) => "<redacted>",
                        _ => url,
                    }),
            )
            .field("product_id", &self.product_id)
            .field("customer_id", &self.customer_id)
            .field("external_customer_id", &self.external_customer_id)
            .field("customer_email", &self.customer_email)
            .field("amount", &self.amount)
            .field("total_amount", &self.total_amount)
            .field("currency", &self.currency)
            .field("seats", &self.seats)
            .field("discount_id", &self.discount_id)
            .field("subscription_id", &self.subscription_id)
            .field("metadata", &self.metadata)
            .field("customer_metadata", &self.customer_metadata)
            .finish()
    }
}

fn unknown_status() -> CheckoutStatus {
    CheckoutStatus::Other(String::new())
}

impl Checkout {
    /// Whether the checkout can no longer be paid: status `expired`, or past
    /// [`Checkout::expires_at`] by our clock (Polar flips the status up to 15 minutes late, and
    /// its public endpoints already refuse the checkout then).
    pub fn is_expired_now(&self) -> bool {
        self.is_expired_at(DateTime::<Utc>::from(std::time::SystemTime::now()))
    }

    /// As [`Checkout::is_expired_now`], at `now`.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        self.status == CheckoutStatus::Expired || self.expires_at.is_some_and(|at| at <= now)
    }
}
