//! [`Customer`]: the customer Polar returns, decoded so that anything Polar adds later still reads.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::CustomerId;
use crate::open_enum::open_enum;
use crate::{Address, MetadataValue, TaxId};

open_enum! {
    /// Whether a customer is a single person or a team (Polar's `type` field).
    ///
    /// A type this crate does not know yet decodes as [`CustomerKind::Other`]. A response without a
    /// `type` reads as [`CustomerKind::Individual`], the server's default.
    pub enum CustomerKind ("A customer of type") {
        Individual => "individual",
        Team => "team",
    }
    /// A customer type this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "a customer type string"
}

// The enum comes from `open_enum!`, which cannot mark a `#[default]` variant.
#[allow(clippy::derivable_impls)]
impl Default for CustomerKind {
    fn default() -> Self {
        Self::Individual
    }
}

/// A customer as Polar returns it (an individual or a team).
///
/// Decoding is lenient so that a customer Polar created never turns into an error on our side:
/// - required: `id`, `created_at` (RFC 3339) and `organization_id` — every Polar customer has them,
///   and a body without them is not a customer;
/// - every other field may be missing or `null` (strings and timestamps read as `None`, `metadata` as
///   empty, `email_verified` as `false`, `type` as individual);
/// - unknown fields are ignored; unknown countries, tax-id formats and customer types read as
///   `Other(..)` values;
/// - a `tax_id` that is not a `[value, format]` pair of strings reads as `None`;
/// - metadata entries whose value is not a string, number or boolean (`null`, arrays, objects) are
///   skipped.
///
/// `Serialize` writes Polar's JSON shape back, so a stored customer decodes again.
///
/// ```
/// use polar_client::{Customer, CustomerKind};
///
/// let customer: Customer = serde_json::from_str(r#"{
///     "id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
///     "created_at": "2026-04-01T10:00:00.123456Z",
///     "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
///     "type": "individual",
///     "email": "customer@example.com",
///     "tax_id": ["911144442", "us_ein"]
/// }"#)?;
/// assert_eq!(customer.email(), Some("customer@example.com"));
/// assert_eq!(customer.kind(), &CustomerKind::Individual);
/// assert_eq!(customer.tax_id().map(|t| t.value()), Some("911144442"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
// Boxed: a customer is half a kilobyte, and on its way out of a call it is moved a dozen times
// (decoder, generated response, retry loop, settling, caller); boxed, each move is a pointer.
pub struct Customer(Box<fields::Customer>);

impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The schema of the fields themselves (the box is not part of the JSON).
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Customer {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        fields::Customer::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        fields::Customer::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        fields::Customer::json_schema(generator)
    }
}

/// The customer's fields, behind [`Customer`]'s box.
mod fields {
    use std::collections::BTreeMap;

    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Serialize};

    use crate::{Address, CustomerId, CustomerKind, MetadataValue, TaxId};

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
    #[cfg_attr(
        feature = "schemars",
        schemars(description = "A customer as Polar returns it (an individual or a team).")
    )]
    pub(crate) struct Customer {
        pub(crate) id: CustomerId,
        #[serde(deserialize_with = "crate::timestamp::required")]
        pub(crate) created_at: DateTime<Utc>,
        #[serde(default, deserialize_with = "crate::timestamp::optional")]
        pub(crate) modified_at: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "crate::metadata::lenient_map")]
        #[cfg_attr(
            feature = "schemars",
            schemars(with = "BTreeMap<String, MetadataValue>")
        )]
        pub(crate) metadata: BTreeMap<String, MetadataValue>,
        #[serde(default)]
        pub(crate) external_id: Option<String>,
        #[serde(default)]
        pub(crate) email: Option<String>,
        #[serde(default, deserialize_with = "crate::loose::null_as_default")]
        #[cfg_attr(feature = "schemars", schemars(with = "bool"))]
        pub(crate) email_verified: bool,
        #[serde(rename = "type", default)]
        pub(crate) kind: CustomerKind,
        #[serde(default)]
        pub(crate) name: Option<String>,
        #[serde(default)]
        pub(crate) billing_name: Option<String>,
        #[serde(default)]
        pub(crate) billing_address: Option<Address>,
        #[serde(default, deserialize_with = "crate::tax_id::lenient")]
        #[cfg_attr(feature = "schemars", schemars(with = "Option<TaxId>"))]
        pub(crate) tax_id: Option<TaxId>,
        #[serde(default)]
        pub(crate) locale: Option<String>,
        pub(crate) organization_id: String,
        #[serde(default)]
        pub(crate) default_payment_method_id: Option<String>,
        #[serde(default, deserialize_with = "crate::timestamp::optional")]
        pub(crate) deleted_at: Option<DateTime<Utc>>,
        #[serde(default, deserialize_with = "crate::timestamp::optional")]
        pub(crate) first_user_event_at: Option<DateTime<Utc>>,
        #[serde(default)]
        pub(crate) avatar_url: Option<String>,
        #[serde(skip)]
        pub(crate) recovered: bool,
    }
}

impl Customer {
    /// The customer's ID in Polar (a UUID string).
    pub fn id(&self) -> &CustomerId {
        &self.0.id
    }

    /// The email address; `None` for a team customer created without one.
    pub fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Whether the email address is verified (it becomes verified when the customer uses the portal).
    pub fn email_verified(&self) -> bool {
        self.0.email_verified
    }

    /// The customer's name.
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// The name for invoices; Polar falls back to [`Customer::name`] when it was not set.
    pub fn billing_name(&self) -> Option<&str> {
        self.0.billing_name.as_deref()
    }

    /// The ID of this customer in your system, if you gave one.
    pub fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// The metadata key/value pairs (sorted by key).
    pub fn metadata(&self) -> &BTreeMap<String, MetadataValue> {
        &self.0.metadata
    }

    /// When the customer was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the customer was last modified; `None` right after creation.
    pub fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.0.modified_at
    }

    /// When the customer was soft-deleted, if it was.
    pub fn deleted_at(&self) -> Option<DateTime<Utc>> {
        self.0.deleted_at
    }

    /// When the first event for this customer was ingested; can predate [`Customer::created_at`].
    pub fn first_user_event_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_user_event_at
    }

    /// Individual, team, or a type this crate does not know yet.
    pub fn kind(&self) -> &CustomerKind {
        &self.0.kind
    }

    /// Whether this is a team customer.
    pub fn is_team(&self) -> bool {
        self.0.kind == CustomerKind::Team
    }

    /// Whether this is an individual customer.
    pub fn is_individual(&self) -> bool {
        self.0.kind == CustomerKind::Individual
    }

    /// The billing address, if one is set.
    pub fn billing_address(&self) -> Option<&Address> {
        self.0.billing_address.as_ref()
    }

    /// The tax ID with its format, if one is set (and was in the expected `[value, format]` shape).
    pub fn tax_id(&self) -> Option<&TaxId> {
        self.0.tax_id.as_ref()
    }

    /// The locale as Polar normalised it (may differ from what was sent, e.g. `en-us` → `en-US`).
    pub fn locale(&self) -> Option<&str> {
        self.0.locale.as_deref()
    }

    /// The ID of the organization that owns the customer.
    pub fn organization_id(&self) -> &str {
        &self.0.organization_id
    }

    /// The avatar image URL (Gravatar or logo), if any.
    pub fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }

    /// The ID of the customer's default payment method, if any.
    pub fn default_payment_method_id(&self) -> Option<&str> {
        self.0.default_payment_method_id.as_deref()
    }

    /// True when the create call did not get this customer from Polar's `201` answer but found it by
    /// its `external_id`, because a retried request found that an earlier attempt (whose answer was
    /// lost) had already created it. The customer is the real one either way; fields you sent are
    /// as the first attempt stored them.
    pub fn was_recovered(&self) -> bool {
        self.0.recovered
    }

    /// Marks the customer as found by lookup after a retried create (see [`Customer::was_recovered`]).
    pub(crate) fn mark_recovered(&mut self) {
        self.0.recovered = true;
    }
}
