//! Typed arguments of the test-side helpers that attach things to a customer's state:
//! [`MockSubscription`] ([`MockPolar::add_subscription`](super::MockPolar::add_subscription)) and
//! [`MockBenefitGrant`] ([`MockPolar::grant_benefit`](super::MockPolar::grant_benefit)).
//!
//! Each is a builder over Polar's fields: what is not set keeps a documented default, and
//! [`field`](MockSubscription::field) adds or overrides any other field as raw JSON (to test
//! forward compatibility with fields Polar may add).

use serde_json::{Map, Value};
use uuid::Uuid;

/// A subscription to attach to a customer with
/// [`MockPolar::add_subscription`](super::MockPolar::add_subscription).
///
/// Defaults (what Polar would send for a plain monthly subscription):
///
/// | field | default |
/// |---|---|
/// | `id`, `product_id`, `price_id` | fresh random UUIDs |
/// | `status` | `"active"` |
/// | `amount`, `currency` | `1000`, `"usd"` (10.00 USD) |
/// | `recurring_interval` | `"month"` |
/// | `created_at`, `started_at`, `current_period_start` | now |
/// | `current_period_end` | now + 30 days |
/// | `trial_start`, `trial_end`, `canceled_at`, `ends_at`, `discount_id`, `modified_at` | `null` |
/// | `cancel_at_period_end` | `false` |
/// | `metadata`, `custom_field_data` | `{}` |
/// | `meters` | `[]` |
///
/// The customer's state lists the subscription among `active_subscriptions` only when its status
/// is `active` or `trialing`; the customer list's `active=true` filter also counts `past_due`.
///
/// # Examples
/// ```
/// use polar_client_mock::{MockSubscription, Uuid};
///
/// let product = Uuid::from_u128(0x0b7e_52d2_3a4c_4d5e_8f60_7182_93a4_b5c6);
/// let trial = MockSubscription::new()
///     .product_id(product)
///     .status("trialing")
///     .amount(2500, "eur")
///     .recurring_interval("year")
///     .field("brand_new_field", serde_json::json!({"a": 1}));
/// # let _ = trial;
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct MockSubscription {
    fields: Map<String, Value>,
}

impl MockSubscription {
    /// An `active` monthly subscription of 10.00 USD to a fresh product (the defaults above).
    pub fn new() -> Self {
        Self::default()
    }

    /// The product subscribed to (default: a fresh UUID).
    pub fn product_id(self, id: Uuid) -> Self {
        self.field("product_id", id.to_string())
    }

    /// The price (default: a fresh UUID).
    pub fn price_id(self, id: Uuid) -> Self {
        self.field("price_id", id.to_string())
    }

    /// The status: Polar's `incomplete`, `incomplete_expired`, `trialing`, `active`,
    /// `past_due`, `canceled`, `unpaid`, or any other string (default `active`).
    pub fn status(self, status: impl Into<String>) -> Self {
        self.field("status", status.into())
    }

    /// The amount in the currency's smallest unit and the currency (default 1000 `usd`).
    pub fn amount(self, amount: i64, currency: impl Into<String>) -> Self {
        self.field("amount", amount)
            .field("currency", currency.into())
    }

    /// The billing interval: `day`, `week`, `month`, `year`, or any other string
    /// (default `month`).
    pub fn recurring_interval(self, interval: impl Into<String>) -> Self {
        self.field("recurring_interval", interval.into())
    }

    /// Sets any field of the subscription body, replacing a default or adding a field Polar may
    /// add (kept as given).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// The fields set, to lay over the defaults.
    pub(crate) fn into_fields(self) -> Value {
        Value::Object(self.fields)
    }
}

/// A benefit grant to give a customer with
/// [`MockPolar::grant_benefit`](super::MockPolar::grant_benefit).
///
/// Defaults:
///
/// | field | default |
/// |---|---|
/// | `id`, `benefit_id` | fresh random UUIDs |
/// | `benefit_type` | `"custom"` |
/// | `granted_at`, `created_at` | now |
/// | `modified_at` | `null` |
/// | `benefit_metadata`, `properties` | `{}` |
///
/// # Examples
/// ```
/// use polar_client_mock::MockBenefitGrant;
/// use serde_json::json;
///
/// let grant = MockBenefitGrant::new()
///     .benefit_type("license_keys")
///     .properties(json!({"license_key_id": "lk_1"}))
///     .field("extra", json!([1, 2]));
/// # let _ = grant;
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct MockBenefitGrant {
    fields: Map<String, Value>,
}

impl MockBenefitGrant {
    /// A `custom` benefit grant with empty metadata and properties (the defaults above).
    pub fn new() -> Self {
        Self::default()
    }

    /// The benefit granted (default: a fresh UUID).
    pub fn benefit_id(self, id: Uuid) -> Self {
        self.field("benefit_id", id.to_string())
    }

    /// The benefit's type: Polar's `custom`, `discord`, `github_repository`, `downloadables`,
    /// `license_keys`, `meter_credit`, or any other string, kept as given (default `custom`).
    pub fn benefit_type(self, benefit_type: impl Into<String>) -> Self {
        self.field("benefit_type", benefit_type.into())
    }

    /// The benefit's metadata object (default `{}`).
    pub fn benefit_metadata(self, metadata: Value) -> Self {
        self.field("benefit_metadata", metadata)
    }

    /// The grant's type-specific properties (default `{}`).
    pub fn properties(self, properties: Value) -> Self {
        self.field("properties", properties)
    }

    /// Sets any field of the grant body, replacing a default or adding a field Polar may add
    /// (kept as given).
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// The fields set, to lay over the defaults.
    pub(crate) fn into_fields(self) -> Value {
        Value::Object(self.fields)
    }
}
