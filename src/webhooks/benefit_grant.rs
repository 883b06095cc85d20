//! [`BenefitGrant`]: the `data` of the `benefit_grant.*` webhook events (`created`, `updated`,
//! `cycled`, `revoked`), read through [`Event::benefit_grant`](super::Event::benefit_grant).
//!
//! **When they come.** Polar hands benefits out in a background job, after the billing events
//! that caused them: a one-time purchase grants its product's benefits once its order is paid, a
//! subscription grants them once it becomes active, so `benefit_grant.created` arrives after
//! `order.paid` / `subscription.active` (possibly a while after, never inside the same burst).
//! `benefit_grant.updated` follows a change to an existing grant (the benefit was edited, the
//! customer connected the account the benefit needs, a retry succeeded); `benefit_grant.cycled`
//! comes when a subscription renews and the grant is handed out again for the new period (meter
//! credits are topped up then); `benefit_grant.revoked` follows the revocation of the
//! subscription (immediately, or when a cancellation takes effect at the end of the period).
//! As with the other billing events, act on the payload (`is_granted`, `is_revoked`), not on the
//! event's name, and order by `modified_at`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{BenefitId, BenefitType, CustomerId, MemberId, OrderId, SubscriptionId};

/// One benefit handed to one customer (Polar's `BenefitGrant`, as its `BenefitGrant*Webhook`
/// payloads send it): the `data` of a `benefit_grant.created`, `benefit_grant.updated`,
/// `benefit_grant.cycled` or `benefit_grant.revoked` event.
///
/// Polar grants a product's benefits in the background once the purchase that carries them is
/// settled — a paid order for a one-time product, an active subscription for a recurring one —
/// so these events come **after** `order.paid` or `subscription.active`. A renewal sends
/// `benefit_grant.cycled`; revoking the subscription (at once, or when a cancellation reaches the
/// end of its period) sends `benefit_grant.revoked`. A grant can exist without being granted:
/// while it waits on the customer (connecting a Discord or GitHub account, say) or after an
/// unrecoverable failure, reported in [`BenefitGrant::error`].
///
/// Decoding is lenient: only `id`, `customer_id` and `benefit_id` are required; every other field
/// may be missing or `null`; unknown fields are ignored (the full payload stays available through
/// [`Event::raw_data`](super::Event::raw_data)); a benefit type this crate does not know reads as
/// [`BenefitType::Other`]. `Serialize` writes Polar's field names back (the benefit's type as
/// `benefit.type`).
///
/// ```
/// use polar_client::BenefitType;
/// use polar_client::webhooks::BenefitGrant;
///
/// let grant: BenefitGrant = serde_json::from_str(r#"{
///     "id": "d322132c-a9d0-4e0d-b8d3-d81ad021a3a9",
///     "granted_at": "2026-04-01T10:00:05Z",
///     "is_granted": true,
///     "customer_id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
///     "benefit_id": "397a17aa-15cf-4cb4-9333-18040203cf98",
///     "benefit": { "type": "license_keys", "description": "Pro license" },
///     "something_new": 1
/// }"#)?;
/// assert!(grant.is_granted() && !grant.is_revoked());
/// assert_eq!(grant.customer_id(), "992fae2a-2a17-4b7a-8d9e-e287cf90131b");
/// assert_eq!(grant.benefit_type(), Some(&BenefitType::LicenseKeys));
/// assert_eq!(grant.subscription_id(), None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "A benefit granted (or once granted) to a customer.")
)]
pub struct BenefitGrant {
    id: String,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    modified_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    granted_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    is_granted: bool,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    revoked_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    is_revoked: bool,
    customer_id: CustomerId,
    #[serde(default)]
    member_id: Option<MemberId>,
    benefit_id: BenefitId,
    #[serde(default)]
    benefit: Option<BenefitSummary>,
    #[serde(default)]
    subscription_id: Option<SubscriptionId>,
    #[serde(default)]
    order_id: Option<OrderId>,
    #[serde(default)]
    error: Option<BenefitGrantError>,
}

/// The part of the grant's embedded `benefit` this crate reads: its type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
struct BenefitSummary {
    #[serde(rename = "type", default)]
    kind: Option<BenefitType>,
}

impl BenefitGrant {
    /// The grant's ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the grant was created, if Polar sent it.
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.created_at
    }

    /// When the grant was last modified, if it was.
    pub fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.modified_at
    }

    /// When the benefit was granted; `None` while it is not.
    pub fn granted_at(&self) -> Option<DateTime<Utc>> {
        self.granted_at
    }

    /// Whether the benefit is granted now (`false` when missing).
    pub fn is_granted(&self) -> bool {
        self.is_granted
    }

    /// When the benefit was revoked; `None` unless it was.
    pub fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.revoked_at
    }

    /// Whether the benefit has been revoked (`false` when missing).
    pub fn is_revoked(&self) -> bool {
        self.is_revoked
    }

    /// The customer the benefit is granted to.
    pub fn customer_id(&self) -> &CustomerId {
        &self.customer_id
    }

    /// The member of a team customer the benefit is granted to, for a per-member grant.
    pub fn member_id(&self) -> Option<&MemberId> {
        self.member_id.as_ref()
    }

    /// The benefit that is granted.
    pub fn benefit_id(&self) -> &BenefitId {
        &self.benefit_id
    }

    /// The benefit's kind (from the embedded `benefit.type`), when Polar sent the benefit; a kind
    /// this crate does not know reads as [`BenefitType::Other`].
    pub fn benefit_type(&self) -> Option<&BenefitType> {
        self.benefit
            .as_ref()
            .and_then(|benefit| benefit.kind.as_ref())
    }

    /// The subscription that granted the benefit, for a recurring product.
    pub fn subscription_id(&self) -> Option<&SubscriptionId> {
        self.subscription_id.as_ref()
    }

    /// The order that granted the benefit, for a one-time purchase.
    pub fn order_id(&self) -> Option<&OrderId> {
        self.order_id.as_ref()
    }

    /// Why granting or revoking failed for good, if it did.
    pub fn error(&self) -> Option<&BenefitGrantError> {
        self.error.as_ref()
    }
}

/// Why a benefit could not be granted or revoked (Polar's `BenefitGrantError`): an unrecoverable
/// failure Polar will not retry on its own. Every field reads as empty when missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "Why a benefit could not be granted or revoked.")
)]
pub struct BenefitGrantError {
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    message: String,
    #[serde(
        rename = "type",
        default,
        deserialize_with = "crate::loose::null_as_default"
    )]
    kind: String,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    timestamp: String,
}

impl BenefitGrantError {
    /// Polar's description of the failure.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The kind of failure, as Polar names it (its `type`).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// When the failure happened, as Polar wrote it.
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }
}
