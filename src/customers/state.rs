//! [`CustomerState`] and its items: what a customer is entitled to right now (active subscriptions,
//! granted benefits, meters), decoded so that anything Polar adds later still reads.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::customers::customer::Customer;
use crate::metadata::MetadataValue;
use crate::models::{BenefitType, RecurringInterval, SubscriptionStatus};

/// A customer with what it is entitled to right now: its active subscriptions, granted benefits
/// and meters (Polar's `CustomerState`, for individuals and teams alike).
///
/// This is the answer to "is this user entitled to X?". The customer's own fields are read through
/// [`CustomerState::customer`]. Polar caches the state for up to an hour and refreshes it when a
/// change is processed, so right after an update it may still show the previous name or email.
///
/// Decoding is as lenient as [`Customer`]'s: unknown fields are ignored, unknown statuses,
/// intervals and benefit types read as `Other(..)` values, and a missing or `null` list reads as
/// empty. `Serialize` writes Polar's JSON shape back (the customer's fields at the top level).
///
/// ```
/// use polar_client::{BenefitType, CustomerState};
///
/// let state: CustomerState = serde_json::from_str(r#"{
///     "id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
///     "created_at": "2026-04-01T10:00:00Z",
///     "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
///     "type": "individual",
///     "email": "customer@example.com",
///     "active_subscriptions": [],
///     "granted_benefits": [{
///         "id": "d322132c-a9d0-4e0d-b8d3-d81ad021a3a9",
///         "created_at": "2026-04-01T10:00:00Z",
///         "granted_at": "2026-04-01T10:00:00Z",
///         "benefit_id": "397a17aa-15cf-4cb4-9333-18040203cf98",
///         "benefit_type": "license_keys",
///         "benefit_metadata": {},
///         "properties": { "display_key": "****-1234" }
///     }],
///     "active_meters": []
/// }"#)?;
/// assert_eq!(state.customer().email(), Some("customer@example.com"));
/// assert!(state.has_benefit("397a17aa-15cf-4cb4-9333-18040203cf98"));
/// assert_eq!(state.granted_benefits()[0].benefit_type(), &BenefitType::LicenseKeys);
/// assert!(state.active_subscriptions().is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(
        description = "A customer with its active subscriptions, granted benefits and meters."
    )
)]
pub struct CustomerState {
    #[serde(flatten)]
    customer: Customer,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    active_subscriptions: Vec<ActiveSubscription>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    granted_benefits: Vec<GrantedBenefit>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    active_meters: Vec<ActiveMeter>,
}

impl CustomerState {
    /// The customer itself (ID, email, name, metadata, …).
    pub fn customer(&self) -> &Customer {
        &self.customer
    }

    /// The customer, dropping the rest of the state.
    pub fn into_customer(self) -> Customer {
        self.customer
    }

    /// The subscriptions that are `active` or `trialing`, in no particular order.
    pub fn active_subscriptions(&self) -> &[ActiveSubscription] {
        &self.active_subscriptions
    }

    /// The benefits currently granted to the customer, in no particular order.
    pub fn granted_benefits(&self) -> &[GrantedBenefit] {
        &self.granted_benefits
    }

    /// The customer's meters, oldest first (every meter the customer has, not only recently used ones).
    pub fn active_meters(&self) -> &[ActiveMeter] {
        &self.active_meters
    }

    /// Whether the benefit with this ID is currently granted.
    pub fn has_benefit(&self, benefit_id: &str) -> bool {
        self.granted_benefits
            .iter()
            .any(|grant| grant.benefit_id == benefit_id)
    }

    /// Whether the customer has an active or trialing subscription to the product with this ID.
    pub fn is_subscribed_to(&self, product_id: &str) -> bool {
        self.active_subscriptions
            .iter()
            .any(|subscription| subscription.product_id == product_id)
    }
}

/// One `active` or `trialing` subscription in a [`CustomerState`] (Polar's `CustomerStateSubscription`).
///
/// Required when decoding: `id`, `created_at`, `status`, `amount`, `currency`,
/// `recurring_interval`, `current_period_start` and `product_id`; every other field may be missing
/// or `null`. `price_id` is read although Polar's spec does not list it (it is deprecated there
/// but still sent).
///
/// ```
/// use polar_client::{ActiveSubscription, RecurringInterval, SubscriptionStatus};
///
/// let subscription: ActiveSubscription = serde_json::from_str(r#"{
///     "id": "e5149aae-e521-42b9-b24c-abb3d71eea2e",
///     "created_at": "2025-01-03T13:37:00Z",
///     "status": "trialing",
///     "amount": 1000,
///     "currency": "usd",
///     "recurring_interval": "month",
///     "current_period_start": "2025-02-03T13:37:00Z",
///     "current_period_end": "2025-03-03T13:37:00Z",
///     "product_id": "d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23",
///     "price_id": "5f6c9b43-4a7e-4cdb-9d5a-6e9f4c8b7a21",
///     "meters": []
/// }"#)?;
/// assert_eq!(subscription.status(), &SubscriptionStatus::Trialing);
/// assert_eq!(subscription.recurring_interval(), &RecurringInterval::Month);
/// assert_eq!(subscription.amount(), 1000);
/// assert_eq!(subscription.price_id(), Some("5f6c9b43-4a7e-4cdb-9d5a-6e9f4c8b7a21"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "An active or trialing subscription of a customer.")
)]
pub struct ActiveSubscription {
    id: String,
    #[serde(deserialize_with = "crate::timestamp::required")]
    created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    modified_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::metadata::lenient_map")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "BTreeMap<String, MetadataValue>")
    )]
    metadata: BTreeMap<String, MetadataValue>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    custom_field_data: BTreeMap<String, Value>,
    status: SubscriptionStatus,
    amount: i64,
    currency: String,
    recurring_interval: RecurringInterval,
    #[serde(deserialize_with = "crate::timestamp::required")]
    current_period_start: DateTime<Utc>,
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
    product_id: String,
    #[serde(default)]
    price_id: Option<String>,
    #[serde(default)]
    discount_id: Option<String>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    meters: Vec<SubscriptionMeter>,
}

impl ActiveSubscription {
    /// The subscription's ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the subscription was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// When the subscription was last modified, if it was.
    pub fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.modified_at
    }

    /// The subscription's metadata (sorted by key).
    pub fn metadata(&self) -> &BTreeMap<String, MetadataValue> {
        &self.metadata
    }

    /// The values of the checkout's custom fields, by field key, as JSON (a string, number,
    /// boolean, date-time string or `null`).
    pub fn custom_field_data(&self) -> &BTreeMap<String, Value> {
        &self.custom_field_data
    }

    /// `active` or `trialing` (or a status this crate does not know yet).
    pub fn status(&self) -> &SubscriptionStatus {
        &self.status
    }

    /// The amount per period, in the currency's smallest unit (cents).
    pub fn amount(&self) -> i64 {
        self.amount
    }

    /// The currency code, lower-case (`"usd"`).
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// How often the subscription renews.
    pub fn recurring_interval(&self) -> &RecurringInterval {
        &self.recurring_interval
    }

    /// When the current billing period started.
    pub fn current_period_start(&self) -> DateTime<Utc> {
        self.current_period_start
    }

    /// When the current billing period ends.
    pub fn current_period_end(&self) -> Option<DateTime<Utc>> {
        self.current_period_end
    }

    /// When the trial started, for a subscription with a trial.
    pub fn trial_start(&self) -> Option<DateTime<Utc>> {
        self.trial_start
    }

    /// When the trial ends, for a subscription with a trial.
    pub fn trial_end(&self) -> Option<DateTime<Utc>> {
        self.trial_end
    }

    /// Whether the subscription ends at the end of the current period instead of renewing.
    pub fn cancel_at_period_end(&self) -> bool {
        self.cancel_at_period_end
    }

    /// When the subscription was canceled; it may still be active until the period ends.
    pub fn canceled_at(&self) -> Option<DateTime<Utc>> {
        self.canceled_at
    }

    /// When the subscription started.
    pub fn started_at(&self) -> Option<DateTime<Utc>> {
        self.started_at
    }

    /// When the subscription will end, if that is known.
    pub fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.ends_at
    }

    /// The ID of the subscribed product.
    pub fn product_id(&self) -> &str {
        &self.product_id
    }

    /// The ID of the product price, when Polar sends it (it does, but its spec no longer lists it).
    pub fn price_id(&self) -> Option<&str> {
        self.price_id.as_deref()
    }

    /// The ID of the applied discount, if any.
    pub fn discount_id(&self) -> Option<&str> {
        self.discount_id.as_deref()
    }

    /// Usage and spending of the subscription's metered prices in the current period.
    pub fn meters(&self) -> &[SubscriptionMeter] {
        &self.meters
    }
}

/// Usage of one metered price of an [`ActiveSubscription`] in the current billing period (Polar's
/// `CustomerStateSubscriptionMeter`).
///
/// Required when decoding: `id`, `created_at` and `meter_id`; the numbers read as 0 when missing.
///
/// ```
/// use polar_client::SubscriptionMeter;
///
/// let meter: SubscriptionMeter = serde_json::from_str(r#"{
///     "id": "8a7e1c55-0c5e-4bb0-9d3e-6d2f1f3a9b10",
///     "created_at": "2025-02-03T13:37:00Z",
///     "meter_id": "d498a884-e2cd-4d3e-8002-f536468a8b22",
///     "consumed_units": 25,
///     "credited_units": 100,
///     "amount": 0
/// }"#)?;
/// assert_eq!(meter.consumed_units(), 25.0);
/// assert_eq!(meter.credited_units(), 100);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "Consumption and spending of one subscription meter this period.")
)]
pub struct SubscriptionMeter {
    id: String,
    #[serde(deserialize_with = "crate::timestamp::required")]
    created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    modified_at: Option<DateTime<Utc>>,
    meter_id: String,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    consumed_units: f64,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    credited_units: i64,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    amount: i64,
}

impl SubscriptionMeter {
    /// The ID of this record.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When this record was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// When this record was last modified, if it was.
    pub fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.modified_at
    }

    /// The ID of the meter.
    pub fn meter_id(&self) -> &str {
        &self.meter_id
    }

    /// Units consumed so far in this billing period.
    pub fn consumed_units(&self) -> f64 {
        self.consumed_units
    }

    /// Units credited so far in this billing period.
    pub fn credited_units(&self) -> i64 {
        self.credited_units
    }

    /// The amount due so far in this billing period, in cents.
    pub fn amount(&self) -> i64 {
        self.amount
    }
}

/// One benefit currently granted to the customer (Polar's `CustomerStateBenefitGrant`).
///
/// `properties` depends on the benefit type (a license key's `display_key`, a Discord
/// `guild_id`, …) and is kept as JSON; a `meter_credit` grant has `{}`. Required when decoding:
/// `id`, `created_at`, `benefit_id` and `benefit_type`.
///
/// ```
/// use polar_client::{BenefitType, GrantedBenefit};
///
/// let grant: GrantedBenefit = serde_json::from_str(r#"{
///     "id": "d322132c-a9d0-4e0d-b8d3-d81ad021a3a9",
///     "created_at": "2025-01-03T13:37:00Z",
///     "granted_at": "2025-01-03T13:37:00Z",
///     "benefit_id": "397a17aa-15cf-4cb4-9333-18040203cf98",
///     "benefit_type": "a_kind_added_later",
///     "benefit_metadata": { "tier": "gold" },
///     "properties": {}
/// }"#)?;
/// assert_eq!(grant.benefit_type(), &BenefitType::Other("a_kind_added_later".into()));
/// assert_eq!(grant.benefit_metadata()["tier"].as_str(), Some("gold"));
/// assert_eq!(grant.properties(), &serde_json::json!({}));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "A benefit currently granted to a customer.")
)]
pub struct GrantedBenefit {
    id: String,
    #[serde(deserialize_with = "crate::timestamp::required")]
    created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    modified_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    granted_at: Option<DateTime<Utc>>,
    benefit_id: String,
    benefit_type: BenefitType,
    #[serde(default, deserialize_with = "crate::metadata::lenient_map")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "BTreeMap<String, MetadataValue>")
    )]
    benefit_metadata: BTreeMap<String, MetadataValue>,
    #[serde(default)]
    properties: Value,
}

impl GrantedBenefit {
    /// The ID of the grant.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the grant was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// When the grant was last modified, if it was.
    pub fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.modified_at
    }

    /// When the benefit was granted.
    pub fn granted_at(&self) -> Option<DateTime<Utc>> {
        self.granted_at
    }

    /// The ID of the granted benefit (the same for every customer who has it).
    pub fn benefit_id(&self) -> &str {
        &self.benefit_id
    }

    /// The kind of benefit.
    pub fn benefit_type(&self) -> &BenefitType {
        &self.benefit_type
    }

    /// The benefit's metadata, as set on the benefit (sorted by key).
    pub fn benefit_metadata(&self) -> &BTreeMap<String, MetadataValue> {
        &self.benefit_metadata
    }

    /// The grant's type-specific properties as JSON (`null` if Polar sent none).
    pub fn properties(&self) -> &Value {
        &self.properties
    }
}

/// One of the customer's meters with its balance (Polar's `CustomerStateMeter`).
///
/// Required when decoding: `id`, `created_at` and `meter_id`; the numbers read as 0 when missing.
///
/// ```
/// use polar_client::ActiveMeter;
///
/// let meter: ActiveMeter = serde_json::from_str(r#"{
///     "id": "0b7d2c1e-4f3a-4e6b-8c9d-1a2b3c4d5e6f",
///     "created_at": "2025-01-03T13:37:00Z",
///     "meter_id": "d498a884-e2cd-4d3e-8002-f536468a8b22",
///     "consumed_units": 25.0,
///     "credited_units": 100,
///     "balance": 75.0
/// }"#)?;
/// assert_eq!(meter.balance(), 75.0);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "A customer's meter with consumed and credited units and the balance.")
)]
pub struct ActiveMeter {
    id: String,
    #[serde(deserialize_with = "crate::timestamp::required")]
    created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    modified_at: Option<DateTime<Utc>>,
    meter_id: String,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    consumed_units: f64,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    credited_units: i64,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    balance: f64,
}

impl ActiveMeter {
    /// The ID of this customer meter.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When this customer meter was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// When this customer meter was last modified, if it was.
    pub fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.modified_at
    }

    /// The ID of the meter.
    pub fn meter_id(&self) -> &str {
        &self.meter_id
    }

    /// Units consumed.
    pub fn consumed_units(&self) -> f64 {
        self.consumed_units
    }

    /// Units credited.
    pub fn credited_units(&self) -> i64 {
        self.credited_units
    }

    /// Credited minus consumed units.
    pub fn balance(&self) -> f64 {
        self.balance
    }
}
