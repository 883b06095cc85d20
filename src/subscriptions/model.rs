//! [`Subscription`]: a subscription as Polar returns it, decoded leniently (unknown fields
//! ignored, unknown statuses and reasons kept as `Other`), with the entitlement helpers
//! ([`Subscription::is_active_or_trialing`], [`Subscription::grants_access`]) and the choices the
//! update calls take ([`Proration`], [`CancellationReason`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::{CheckoutId, CustomerId, ProductId, SubscriptionId};
use crate::metadata::MetadataValue;
use crate::models::{RecurringInterval, SubscriptionStatus};
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
pub struct PendingUpdate {
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    applies_at: Option<DateTime<Utc>>,
    #[serde(default)]
    product_id: Option<ProductId>,
    #[serde(default)]
    seats: Option<u32>,
}

impl PendingUpdate {
    /// When the change applies.
    pub fn applies_at(&self) -> Option<DateTime<Utc>> {
        self.applies_at
    }

    /// The product the subscription will switch to, if the change is a product change.
    pub fn product_id(&self) -> Option<&ProductId> {
        self.product_id.as_ref()
    }

    /// The seat count the subscription will switch to, if the change is a seat change.
    pub fn seats(&self) -> Option<u32> {
        self.seats
    }
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
/// assert_eq!(subscription.status(), &SubscriptionStatus::PastDue);
/// assert!(!subscription.is_active_or_trialing());
/// assert!(subscription.grants_access(PastDuePolicy::GrantAccess));
/// assert!(!subscription.grants_access(PastDuePolicy::DenyAccess));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    id: SubscriptionId,
    #[serde(default = "unknown_status", deserialize_with = "open_or_unknown")]
    status: SubscriptionStatus,
    #[serde(default)]
    amount: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    recurring_interval: Option<RecurringInterval>,
    #[serde(default)]
    recurring_interval_count: Option<u32>,
    #[serde(default)]
    customer_id: Option<CustomerId>,
    #[serde(default)]
    product_id: Option<ProductId>,
    #[serde(default)]
    discount_id: Option<String>,
    #[serde(default)]
    checkout_id: Option<CheckoutId>,
    #[serde(default)]
    seats: Option<u32>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    modified_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    current_period_start: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    current_period_end: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    trial_start: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    trial_end: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    cancel_at_period_end: bool,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    canceled_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    started_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    ends_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    ended_at: Option<DateTime<Utc>>,
    #[serde(default)]
    customer_cancellation_reason: Option<CancellationReason>,
    #[serde(default)]
    customer_cancellation_comment: Option<String>,
    #[serde(default)]
    pending_update: Option<PendingUpdate>,
    #[serde(default, deserialize_with = "crate::metadata::lenient_map")]
    metadata: BTreeMap<String, MetadataValue>,
}

impl Subscription {
    /// Polar's ID of the subscription.
    pub fn id(&self) -> &SubscriptionId {
        &self.id
    }

    /// Where the subscription is in its life; unknown statuses are [`SubscriptionStatus::Other`].
    pub fn status(&self) -> &SubscriptionStatus {
        &self.status
    }

    /// What each period costs, in the currency's smallest unit (cents), before discounts.
    pub fn amount(&self) -> Option<i64> {
        self.amount
    }

    /// The currency (lower-case ISO 4217, e.g. `usd`).
    pub fn currency(&self) -> Option<&str> {
        self.currency.as_deref()
    }

    /// How often it renews.
    pub fn recurring_interval(&self) -> Option<&RecurringInterval> {
        self.recurring_interval.as_ref()
    }

    /// How many intervals make one period.
    pub fn recurring_interval_count(&self) -> Option<u32> {
        self.recurring_interval_count
    }

    /// The customer it belongs to.
    pub fn customer_id(&self) -> Option<&CustomerId> {
        self.customer_id.as_ref()
    }

    /// The product subscribed to.
    pub fn product_id(&self) -> Option<&ProductId> {
        self.product_id.as_ref()
    }

    /// The discount applied, if any.
    pub fn discount_id(&self) -> Option<&str> {
        self.discount_id.as_deref()
    }

    /// The checkout it was bought through, if any.
    pub fn checkout_id(&self) -> Option<&CheckoutId> {
        self.checkout_id.as_ref()
    }

    /// The seat count, for seat-based products.
    pub fn seats(&self) -> Option<u32> {
        self.seats
    }

    /// When it was created.
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.created_at
    }

    /// When it last changed.
    pub fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.modified_at
    }

    /// When the current period started.
    pub fn current_period_start(&self) -> Option<DateTime<Utc>> {
        self.current_period_start
    }

    /// When the current period ends (the next renewal, or the end of a scheduled cancellation).
    pub fn current_period_end(&self) -> Option<DateTime<Utc>> {
        self.current_period_end
    }

    /// When the trial started, if it had one.
    pub fn trial_start(&self) -> Option<DateTime<Utc>> {
        self.trial_start
    }

    /// When the trial ends or ended.
    pub fn trial_end(&self) -> Option<DateTime<Utc>> {
        self.trial_end
    }

    /// Whether it is scheduled to end at the end of the current period (it stays `active`, and
    /// entitled, until [`Subscription::ends_at`]).
    pub fn cancel_at_period_end(&self) -> bool {
        self.cancel_at_period_end
    }

    /// When a cancellation was requested.
    pub fn canceled_at(&self) -> Option<DateTime<Utc>> {
        self.canceled_at
    }

    /// When it started.
    pub fn started_at(&self) -> Option<DateTime<Utc>> {
        self.started_at
    }

    /// When it will end or ended (set by a cancellation).
    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.ends_at
    }

    /// When it actually ended.
    pub fn ended_at(&self) -> Option<DateTime<Utc>> {
        self.ended_at
    }

    /// Why the customer canceled, when they said.
    pub fn customer_cancellation_reason(&self) -> Option<&CancellationReason> {
        self.customer_cancellation_reason.as_ref()
    }

    /// The customer's comment on the cancellation.
    pub fn customer_cancellation_comment(&self) -> Option<&str> {
        self.customer_cancellation_comment.as_deref()
    }

    /// A change scheduled for the next renewal.
    pub fn pending_update(&self) -> Option<&PendingUpdate> {
        self.pending_update.as_ref()
    }

    /// The metadata (values that are not strings, numbers or booleans are skipped).
    pub fn metadata(&self) -> &BTreeMap<String, MetadataValue> {
        &self.metadata
    }
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
