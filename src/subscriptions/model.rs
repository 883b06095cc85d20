//! [`Subscription`]: a subscription as Polar returns it, decoded leniently (unknown fields
//! ignored, unknown statuses and reasons kept as `Other`), with the entitlement helpers
//! ([`Subscription::is_active_or_trialing`], [`Subscription::grants_access`]) and the choices the
//! update calls take ([`Proration`], [`CancellationReason`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::customers::state::{RecurringInterval, SubscriptionStatus};
use crate::id::{CheckoutId, CustomerId, ProductId, SubscriptionId};
use crate::metadata::MetadataValue;
use crate::open_enum::open_enum;

open_enum! {
    /// Why a customer canceled (Polar's `CustomerCancellationReason`).
    ///
    /// A reason this crate does not know decodes as [`CancellationReason::Other`]; Polar's own
    /// `other` reason is [`CancellationReason::Unspecified`].
    ///
    /// ```
    /// use polar_client::CancellationReason;
    ///
    /// assert_eq!(CancellationReason::TooExpensive.code(), "too_expensive");
    /// assert_eq!(CancellationReason::Unspecified.code(), "other");
    /// ```
    pub enum CancellationReason ("The cancellation reason") {
        CustomerService => "customer_service",
        LowQuality => "low_quality",
        MissingFeatures => "missing_features",
        SwitchedService => "switched_service",
        TooComplex => "too_complex",
        TooExpensive => "too_expensive",
        Unused => "unused",
        Unspecified => "other",
    }
    /// A reason this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "a cancellation reason string"
}

/// How a product or seat change is billed (Polar's `proration_behavior`): a required choice,
/// because two of them charge the customer during the request.
///
/// ```
/// use polar_client::Proration;
///
/// assert!(Proration::Invoice.charges_now());
/// assert!(!Proration::NextPeriod.charges_now());
/// assert_eq!(Proration::Prorate.code(), "prorate");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Proration {
    /// Apply now and charge the difference at once, inside the request (a declined card is
    /// [`Error::PaymentFailed`](crate::Error::PaymentFailed) and nothing changes).
    Invoice,
    /// Apply now; the difference is added to the next invoice.
    Prorate,
    /// Apply at the next renewal (Polar stores a pending update until then).
    NextPeriod,
    /// Invoice the full new price now and restart the billing cycle (only for organizations
    /// where Polar enabled it).
    Reset,
}

impl Proration {
    /// The value Polar's `proration_behavior` takes.
    pub fn code(self) -> &'static str {
        match self {
            Self::Invoice => "invoice",
            Self::Prorate => "prorate",
            Self::NextPeriod => "next_period",
            Self::Reset => "reset",
        }
    }

    /// Whether Polar charges the customer inside the request (`invoice`, `reset`): such a change
    /// is never sent twice by this client.
    pub fn charges_now(self) -> bool {
        matches!(self, Self::Invoice | Self::Reset)
    }
}

/// When a subscription's trial ends, for [`Subscriptions::trial`](crate::Subscriptions::trial).
///
/// ```
/// use polar_client::TrialEnd;
///
/// let end = TrialEnd::At("2027-01-01T00:00:00Z".parse().unwrap());
/// assert_ne!(end, TrialEnd::Now);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrialEnd {
    /// End the trial now: the subscription turns `active` and Polar starts (and bills) a new
    /// period at once.
    Now,
    /// End (or extend) the trial at this future time; an `active` subscription turns
    /// `trialing` when it is after the current period's end.
    At(DateTime<Utc>),
}

/// What access a `past_due` subscription (a renewal payment failed; Polar is retrying it) gives:
/// Polar leaves this to the organization's grace period, so the caller says it.
///
/// ```
/// use polar_client::PastDuePolicy;
///
/// let policy = PastDuePolicy::GrantAccess;
/// assert_ne!(policy, PastDuePolicy::DenyAccess);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PastDuePolicy {
    /// Keep access while Polar retries the payment.
    GrantAccess,
    /// Cut access as soon as a payment fails.
    DenyAccess,
}

/// A change Polar has scheduled for the next renewal (`proration_behavior: next_period`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PendingUpdate {
    /// When the change applies.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub applies_at: Option<DateTime<Utc>>,
    /// The product the subscription will switch to, if the change is a product change.
    #[serde(default)]
    pub product_id: Option<ProductId>,
    /// The seat count the subscription will switch to, if the change is a seat change.
    #[serde(default)]
    pub seats: Option<u32>,
}

/// A subscription as Polar returns it.
///
/// Decoding is lenient: only `id` is required; every other field may be missing or `null`,
/// unknown fields are ignored (Polar sends hidden ones such as `price_id` and `user`), and an
/// unknown status or cancellation reason reads as an `Other(..)` value, which grants no access.
///
/// ```
/// use polar_client::{PastDuePolicy, Subscription, SubscriptionStatus};
///
/// let subscription: Subscription = serde_json::from_str(r#"{
///     "id": "2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11",
///     "status": "past_due",
///     "amount": 1900,
///     "currency": "usd",
///     "customer_id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
///     "product_id": "5b1e9f1a-6c1d-4f0e-8a37-2f8f1a2b3c4d",
///     "cancel_at_period_end": false,
///     "brand_new_field": [1, 2, 3]
/// }"#)?;
/// assert_eq!(subscription.status, SubscriptionStatus::PastDue);
/// assert!(!subscription.is_active_or_trialing());
/// assert!(subscription.grants_access(PastDuePolicy::GrantAccess));
/// assert!(!subscription.grants_access(PastDuePolicy::DenyAccess));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Subscription {
    /// Polar's ID of the subscription.
    pub id: SubscriptionId,
    /// Where the subscription is in its life; unknown statuses are [`SubscriptionStatus::Other`].
    #[serde(default = "unknown_status", deserialize_with = "open_or_unknown")]
    pub status: SubscriptionStatus,
    /// What each period costs, in the currency's smallest unit (cents), before discounts.
    #[serde(default)]
    pub amount: Option<i64>,
    /// The currency (lower-case ISO 4217, e.g. `usd`).
    #[serde(default)]
    pub currency: Option<String>,
    /// How often it renews.
    #[serde(default)]
    pub recurring_interval: Option<RecurringInterval>,
    /// How many intervals make one period.
    #[serde(default)]
    pub recurring_interval_count: Option<u32>,
    /// The customer it belongs to.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// The product subscribed to.
    #[serde(default)]
    pub product_id: Option<ProductId>,
    /// The discount applied, if any.
    #[serde(default)]
    pub discount_id: Option<String>,
    /// The checkout it was bought through, if any.
    #[serde(default)]
    pub checkout_id: Option<CheckoutId>,
    /// The seat count, for seat-based products.
    #[serde(default)]
    pub seats: Option<u32>,
    /// When it was created.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub created_at: Option<DateTime<Utc>>,
    /// When it last changed.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub modified_at: Option<DateTime<Utc>>,
    /// When the current period started.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub current_period_start: Option<DateTime<Utc>>,
    /// When the current period ends (the next renewal, or the end of a scheduled cancellation).
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub current_period_end: Option<DateTime<Utc>>,
    /// When the trial started, if it had one.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub trial_start: Option<DateTime<Utc>>,
    /// When the trial ends or ended.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub trial_end: Option<DateTime<Utc>>,
    /// Whether it is scheduled to end at the end of the current period (it stays `active`, and
    /// entitled, until [`Subscription::ends_at`]).
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    pub cancel_at_period_end: bool,
    /// When a cancellation was requested.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub canceled_at: Option<DateTime<Utc>>,
    /// When it started.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub started_at: Option<DateTime<Utc>>,
    /// When it will end or ended (set by a cancellation).
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub ends_at: Option<DateTime<Utc>>,
    /// When it actually ended.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Why the customer canceled, when they said.
    #[serde(default)]
    pub customer_cancellation_reason: Option<CancellationReason>,
    /// The customer's comment on the cancellation.
    #[serde(default)]
    pub customer_cancellation_comment: Option<String>,
    /// A change scheduled for the next renewal.
    #[serde(default)]
    pub pending_update: Option<PendingUpdate>,
    /// The metadata (values that are not strings, numbers or booleans are skipped).
    #[serde(default, deserialize_with = "crate::metadata::lenient_map")]
    pub metadata: BTreeMap<String, MetadataValue>,
}

fn unknown_status() -> SubscriptionStatus {
    SubscriptionStatus::Other(String::new())
}

/// An open enum that may be `null` or missing: read as `Other("")` then, which no helper counts
/// as a known state (the billing models' statuses).
pub(crate) fn open_or_unknown<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + crate::open_enum::FromWire,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_else(|| T::from_wire("")))
}

impl Subscription {
    /// Whether the status is `active` or `trialing`: what Polar counts as active (and lists in
    /// the customer state). A subscription scheduled to cancel stays active until it ends.
    ///
    /// ```
    /// # let subscription: polar_client::Subscription =
    /// #     serde_json::from_str(r#"{"id":"2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11","status":"trialing"}"#)?;
    /// assert!(subscription.is_active_or_trialing());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn is_active_or_trialing(&self) -> bool {
        matches!(
            self.status,
            SubscriptionStatus::Active | SubscriptionStatus::Trialing
        )
    }

    /// Whether the subscription entitles the customer to the product now: `active` and
    /// `trialing` do, `past_due` does as `past_due` says, every other status (including ones this
    /// crate does not know) does not.
    ///
    /// ```
    /// use polar_client::PastDuePolicy;
    /// # let subscription: polar_client::Subscription =
    /// #     serde_json::from_str(r#"{"id":"2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11","status":"paused"}"#)?;
    /// assert!(!subscription.grants_access(PastDuePolicy::GrantAccess));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn grants_access(&self, past_due: PastDuePolicy) -> bool {
        self.is_active_or_trialing()
            || (self.status == SubscriptionStatus::PastDue
                && past_due == PastDuePolicy::GrantAccess)
    }

    /// Whether it has ended for good (`canceled` or `unpaid`, Polar's "revoked" group).
    pub fn is_revoked(&self) -> bool {
        matches!(
            self.status,
            SubscriptionStatus::Canceled | SubscriptionStatus::Unpaid
        )
    }
}
