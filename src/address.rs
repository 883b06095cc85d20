//! [`Address`]: a postal address, both the billing address you send and the one Polar returns.

use serde::{Deserialize, Serialize};

use crate::Country;

/// A billing address: a country plus optional lines, postal code, city and state.
///
/// The same type serves two purposes:
/// - **sending**: [`NewCustomer::billing_address`](crate::NewCustomer::billing_address) takes one;
///   only the fields you set are sent, and the country must be one Polar bills
///   ([`Country::is_supported_for_billing`]);
/// - **reading**: [`Customer::billing_address`](crate::Customer::billing_address) returns one;
///   its country may be a code this crate does not know ([`Country::Other`]).
///
/// For US and Canadian addresses `state` is the subdivision code, `"CA"` or `"US-CA"`; Polar
/// normalises it to the `US-CA` form. Elsewhere it is free text.
///
/// Build one with [`Address::new`] and the setters; read the public fields. The struct is
/// `#[non_exhaustive]` so that Polar adding an address field is not a breaking change.
///
/// ```
/// use polar_client::{Address, Country};
///
/// let address = Address::new(Country::US)
///     .line1("1 Main Street")
///     .postal_code("94105")
///     .city("San Francisco")
///     .state("CA");
/// assert_eq!(address.country, Country::US);
/// assert_eq!(address.city.as_deref(), Some("San Francisco"));
/// assert_eq!(address.line2, None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(
        description = "A postal address: the country code plus optional lines, postal code, city and state."
    )
)]
#[non_exhaustive]
pub struct Address {
    /// The country (required by Polar).
    pub country: Country,
    /// First address line (street and number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    /// Second address line (apartment, suite, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region; `US-CA` style for the US and Canada in what Polar returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl Address {
    /// An address in `country`, with every other field unset.
    pub fn new(country: Country) -> Self {
        Self {
            country,
            line1: None,
            line2: None,
            postal_code: None,
            city: None,
            state: None,
        }
    }

    /// Sets the first address line (street and number).
    #[must_use]
    pub fn line1(mut self, line1: impl Into<String>) -> Self {
        self.line1 = Some(line1.into());
        self
    }

    /// Sets the second address line (apartment, suite, …).
    #[must_use]
    pub fn line2(mut self, line2: impl Into<String>) -> Self {
        self.line2 = Some(line2.into());
        self
    }

    /// Sets the postal code.
    #[must_use]
    pub fn postal_code(mut self, postal_code: impl Into<String>) -> Self {
        self.postal_code = Some(postal_code.into());
        self
    }

    /// Sets the city.
    #[must_use]
    pub fn city(mut self, city: impl Into<String>) -> Self {
        self.city = Some(city.into());
        self
    }

    /// Sets the state or region (`"CA"` or `"US-CA"` for the US and Canada).
    #[must_use]
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }
}
