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
/// assert_eq!(checkout.status(), &CheckoutStatus::Open);
/// assert!(checkout.is_expired_now(), "open on Polar's side, but past its expiry");
/// assert!(!format!("{checkout:?}").contains("polar_c_secret"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkout {
    id: CheckoutId,
    #[serde(
        default = "unknown_status",
        deserialize_with = "crate::subscriptions::model::open_or_unknown"
    )]
    status: CheckoutStatus,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    client_secret: Option<ClientSecret>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    expires_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    success_url: Option<String>,
    #[serde(default)]
    product_id: Option<ProductId>,
    #[serde(default)]
    customer_id: Option<CustomerId>,
    #[serde(default)]
    external_customer_id: Option<String>,
    #[serde(default)]
    customer_email: Option<String>,
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    total_amount: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    seats: Option<u32>,
    #[serde(default)]
    discount_id: Option<String>,
    #[serde(default)]
    subscription_id: Option<SubscriptionId>,
    #[serde(default, deserialize_with = "crate::metadata::lenient_map")]
    metadata: BTreeMap<String, MetadataValue>,
    #[serde(default, deserialize_with = "crate::metadata::lenient_map")]
    customer_metadata: BTreeMap<String, MetadataValue>,
}

impl Checkout {
    /// Polar's ID of the checkout.
    pub fn id(&self) -> &CheckoutId {
        &self.id
    }

    /// Where it is; unknown statuses are [`CheckoutStatus::Other`].
    pub fn status(&self) -> &CheckoutStatus {
        &self.status
    }

    /// The checkout page to send the buyer to. It contains the client secret, so `Debug` shows
    /// it as `<redacted>`.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// The secret of Polar's public checkout endpoints (never shown by `Debug`).
    pub fn client_secret(&self) -> Option<&ClientSecret> {
        self.client_secret.as_ref()
    }

    /// When it expires (24 hours after creation).
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    /// When it was created.
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.created_at
    }

    /// Where the buyer goes after paying (`{CHECKOUT_ID}` already replaced by Polar).
    pub fn success_url(&self) -> Option<&str> {
        self.success_url.as_deref()
    }

    /// The product selected.
    pub fn product_id(&self) -> Option<&ProductId> {
        self.product_id.as_ref()
    }

    /// The linked customer; `None` until Polar links one (at the latest when it succeeds).
    pub fn customer_id(&self) -> Option<&CustomerId> {
        self.customer_id.as_ref()
    }

    /// The external customer ID the checkout was created with.
    pub fn external_customer_id(&self) -> Option<&str> {
        self.external_customer_id.as_deref()
    }

    /// The buyer's email, as set or prefilled.
    pub fn customer_email(&self) -> Option<&str> {
        self.customer_email.as_deref()
    }

    /// The amount before discount and tax, in cents.
    pub fn amount(&self) -> Option<i64> {
        self.amount
    }

    /// The total to pay, in cents.
    pub fn total_amount(&self) -> Option<i64> {
        self.total_amount
    }

    /// Lower-case ISO 4217 currency.
    pub fn currency(&self) -> Option<&str> {
        self.currency.as_deref()
    }

    /// The seat count, for seat-based products.
    pub fn seats(&self) -> Option<u32> {
        self.seats
    }

    /// The discount applied.
    pub fn discount_id(&self) -> Option<&str> {
        self.discount_id.as_deref()
    }

    /// The subscription it created, once it succeeded (for a recurring product).
    pub fn subscription_id(&self) -> Option<&SubscriptionId> {
        self.subscription_id.as_ref()
    }

    /// The metadata, copied to the order and subscription.
    pub fn metadata(&self) -> &BTreeMap<String, MetadataValue> {
        &self.metadata
    }

    /// Merged into the customer's metadata when it succeeds.
    pub fn customer_metadata(&self) -> &BTreeMap<String, MetadataValue> {
        &self.customer_metadata
    }
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
