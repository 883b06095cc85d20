//! Postal addresses: [`Address`], the one Polar returns (read through accessors), and
//! [`NewAddress`], the one you send (built with setters).

use serde::{Deserialize, Serialize};

use crate::Country;

/// A billing address as Polar returns it
/// ([`Customer::billing_address`](crate::Customer::billing_address),
/// [`Order::billing_address`](crate::Order::billing_address)): a country plus optional lines,
/// postal code, city and state.
///
/// Its country may be a code this crate does not know ([`Country::Other`]). For US and Canadian
/// addresses Polar returns the state in the `US-CA` form; elsewhere it is free text. To send an
/// address, build a [`NewAddress`]; `NewAddress::from(address)` sends one you read back unchanged.
///
/// `Serialize` writes Polar's JSON shape back, so a stored address decodes again.
///
/// ```
/// use polar_client::{Address, Country};
///
/// let address: Address = serde_json::from_str(r#"{
///     "country": "US",
///     "line1": "1 Main Street",
///     "line2": null,
///     "city": "San Francisco",
///     "state": "US-CA"
/// }"#)?;
/// assert_eq!(address.country(), &Country::US);
/// assert_eq!(address.city(), Some("San Francisco"));
/// assert_eq!(address.line2(), None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(
        description = "A postal address: the country code plus optional lines, postal code, city and state."
    )
)]
pub struct Address {
    pub(crate) country: Country,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) line1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) state: Option<String>,
}

impl Address {
    /// The country (always present; [`Country::Other`] for a code this crate does not know).
    pub fn country(&self) -> &Country {
        &self.country
    }

    /// The first address line (street and number).
    pub fn line1(&self) -> Option<&str> {
        self.line1.as_deref()
    }

    /// The second address line (apartment, suite, …).
    pub fn line2(&self) -> Option<&str> {
        self.line2.as_deref()
    }

    /// The postal code.
    pub fn postal_code(&self) -> Option<&str> {
        self.postal_code.as_deref()
    }

    /// The city.
    pub fn city(&self) -> Option<&str> {
        self.city.as_deref()
    }

    /// The state or region; `US-CA` style for the US and Canada.
    pub fn state(&self) -> Option<&str> {
        self.state.as_deref()
    }
}

/// A billing address to send: a country plus the optional lines, postal code, city and state
/// you set. Taken by [`NewCustomer::billing_address`](crate::NewCustomer::billing_address),
/// [`CustomerUpdate::billing_address`](crate::CustomerUpdate::billing_address) and
/// [`BillingDetails::address`](crate::BillingDetails::address).
///
/// Only the fields you set are sent. The country must be one Polar bills
/// ([`Country::is_supported_for_billing`]); for US and Canadian addresses `state` is the
/// subdivision code, `"CA"` or `"US-CA"` (Polar normalises it to the `US-CA` form).
///
/// ```
/// use polar_client::{Country, NewAddress, NewCustomer};
///
/// let address = NewAddress::new(Country::US)
///     .line1("1 Main Street")
///     .postal_code("94105")
///     .city("San Francisco")
///     .state("CA");
/// let customer = NewCustomer::individual("jane@example.com").billing_address(address);
/// # let _ = customer;
/// ```
///
/// An address read from Polar converts into one, to send it on unchanged:
///
/// ```
/// use polar_client::{Address, NewAddress};
///
/// let read: Address = serde_json::from_str(r#"{"country": "DE", "city": "Berlin"}"#)?;
/// let again = NewAddress::from(read.clone());
/// assert_eq!(serde_json::to_value(&again)?, serde_json::to_value(&read)?);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
#[must_use]
pub struct NewAddress(pub(crate) Address);

impl NewAddress {
    /// An address in `country`, with every other field unset.
    pub fn new(country: Country) -> Self {
        Self(Address {
            country,
            line1: None,
            line2: None,
            postal_code: None,
            city: None,
            state: None,
        })
    }

    /// Sets the first address line (street and number).
    pub fn line1(mut self, line1: impl Into<String>) -> Self {
        self.0.line1 = Some(line1.into());
        self
    }

    /// Sets the second address line (apartment, suite, …).
    pub fn line2(mut self, line2: impl Into<String>) -> Self {
        self.0.line2 = Some(line2.into());
        self
    }

    /// Sets the postal code.
    pub fn postal_code(mut self, postal_code: impl Into<String>) -> Self {
        self.0.postal_code = Some(postal_code.into());
        self
    }

    /// Sets the city.
    pub fn city(mut self, city: impl Into<String>) -> Self {
        self.0.city = Some(city.into());
        self
    }

    /// Sets the state or region (`"CA"` or `"US-CA"` for the US and Canada).
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.0.state = Some(state.into());
        self
    }
}

/// The same JSON shape as [`Address`], so the same schema (and one definition in a generated
/// schema that uses both).
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for NewAddress {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        Address::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        Address::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Address::json_schema(generator)
    }
}

impl From<Address> for NewAddress {
    fn from(address: Address) -> Self {
        Self(address)
    }
}

impl From<&Address> for NewAddress {
    fn from(address: &Address) -> Self {
        Self(address.clone())
    }
}
