//! [`NewCustomer`] and [`Owner`]: what you ask Polar to create, built from ordinary Rust values.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{CustomerKind, InputProblem, MetadataValue, NewAddress};

/// A customer to create: an individual (identified by email) or a team.
///
/// Start with [`NewCustomer::individual`] or [`NewCustomer::team`] and chain the setters; unset
/// fields are simply not sent. Nothing is checked while building: the client checks everything
/// before sending and reports all problems at once, and [`NewCustomer::validate`] runs the same
/// checks up front.
///
/// Serialized, it is exactly the JSON body Polar expects (`type` always explicit, unset fields
/// omitted). The customer from Polar's API documentation:
///
/// ```
/// use polar_client::{Country, NewAddress, NewCustomer, Owner};
///
/// let customer = NewCustomer::individual("customer@example.com")
///     .name("John Doe")
///     .external_id("usr_1337")
///     .billing_address(NewAddress::new(Country::US))
///     .locale("en")
///     .organization_id("1dbfc517-0bbf-4301-9ba8-555ca42b9737")
///     .owner(Owner::new("member@example.com").name("Jane Doe").external_id("usr_1337"));
/// assert!(customer.validate().is_ok());
/// assert_eq!(
///     serde_json::to_value(&customer)?,
///     serde_json::json!({
///         "type": "individual",
///         "email": "customer@example.com",
///         "name": "John Doe",
///         "external_id": "usr_1337",
///         "billing_address": { "country": "US" },
///         "locale": "en",
///         "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
///         "owner": { "email": "member@example.com", "name": "Jane Doe", "external_id": "usr_1337" }
///     })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// A team, with metadata from plain values:
///
/// ```
/// use polar_client::{NewCustomer, Owner};
///
/// let team = NewCustomer::team()
///     .name("Acme Inc.")
///     .owner(Owner::new("admin@acme.test"))
///     .metadata("plan", "pro")
///     .metadata("seats", 12)
///     .metadata("trial", false);
/// assert!(team.validate().is_ok());
/// ```
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(
        description = "The body of a create-customer request; `email` is required for an individual.",
        transform = crate::json_schema::individual_needs_email
    )
)]
pub struct NewCustomer {
    // Fields are read by the client when it builds the request (integrator) and by validation.
    #[serde(rename = "type")]
    pub(crate) kind: CustomerKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) billing_address: Option<NewAddress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tax_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) organization_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) owner: Option<Owner>,
    // Optional in the body: omitted when empty.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "schemars", schemars(default))]
    pub(crate) metadata: BTreeMap<String, MetadataValue>,
}

impl NewCustomer {
    fn of_kind(kind: CustomerKind, email: Option<String>) -> Self {
        Self {
            kind,
            email,
            name: None,
            external_id: None,
            billing_address: None,
            tax_id: None,
            locale: None,
            organization_id: None,
            owner: None,
            metadata: BTreeMap::new(),
        }
    }

    /// An individual customer with this email address (required, unique per organization).
    pub fn individual(email: impl Into<String>) -> Self {
        Self::of_kind(CustomerKind::Individual, Some(email.into()))
    }

    /// A team customer. Give it an [`email`](NewCustomer::email), or an [`owner`](NewCustomer::owner)
    /// with one.
    ///
    /// A team with neither email nor [`external_id`](NewCustomer::external_id) cannot be
    /// deduplicated by Polar, so the client does not retry its creation after an ambiguous failure.
    pub fn team() -> Self {
        Self::of_kind(CustomerKind::Team, None)
    }

    /// Sets the email address (for a team; an individual gets it from [`NewCustomer::individual`]).
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets the customer's name (at most 256 characters).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the ID of this customer in your system: unique per organization, cannot be changed later,
    /// and lets the client recover the customer if a retried create finds it already exists.
    #[must_use]
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets the billing address.
    #[must_use]
    pub fn billing_address(mut self, address: impl Into<NewAddress>) -> Self {
        self.billing_address = Some(address.into());
        self
    }

    /// Sets the tax ID (the number alone, e.g. `"DE123456789"`); needs a billing address, whose
    /// country Polar uses to validate it.
    #[must_use]
    pub fn tax_id(mut self, tax_id: impl Into<String>) -> Self {
        self.tax_id = Some(tax_id.into());
        self
    }

    /// Sets the locale as a BCP 47 tag: a language (`"en"`) optionally with a region (`"en-US"`).
    #[must_use]
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }

    /// Sets the owning organization's ID (a UUID). Needed with a personal access token
    /// (`polar_pat_…`); must be left unset with an organization token (`polar_oat_…`).
    #[must_use]
    pub fn organization_id(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_id = Some(organization_id.into());
        self
    }

    /// Sets the owner member to create with the customer (used when the organization has member
    /// features enabled; Polar ignores it otherwise).
    #[must_use]
    pub fn owner(mut self, owner: Owner) -> Self {
        self.owner = Some(owner);
        self
    }

    /// Adds one metadata entry (at most 50; keys of 1 to 40 characters). Setting a key again
    /// replaces its value.
    #[must_use]
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<MetadataValue>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Checks everything that can be checked without the server and without knowing the token,
    /// reporting every problem at once. The client runs these checks (plus the token-dependent
    /// `organization_id` rules) before sending anything.
    ///
    /// # Errors
    ///
    /// One [`InputProblem`] per broken rule, each naming the field path (`"owner.email"`,
    /// `"metadata.plan"`, …).
    ///
    /// ```
    /// use polar_client::NewCustomer;
    ///
    /// let problems = NewCustomer::individual("not-an-email").external_id("").validate().unwrap_err();
    /// let fields: Vec<&str> = problems.iter().map(|p| p.field()).collect();
    /// assert_eq!(fields, ["email", "external_id"]);
    /// ```
    pub fn validate(&self) -> Result<(), Vec<InputProblem>> {
        crate::validate::validate(self, crate::validate::TokenKind::Unknown)
    }

    /// Whether Polar deduplicates this body (it has an email or an external ID), so that re-sending
    /// it after an ambiguous failure cannot create a second customer.
    pub(crate) fn has_dedup_key(&self) -> bool {
        let set = |field: &Option<String>| field.as_deref().is_some_and(|s| !s.is_empty());
        set(&self.email) || set(&self.external_id)
    }

    /// Whether this is a team customer.
    pub(crate) fn is_team(&self) -> bool {
        self.kind == CustomerKind::Team
    }
}

/// The owner member created together with a customer: an email address, optionally a name and
/// your own ID for the member.
///
/// ```
/// use polar_client::Owner;
///
/// let owner = Owner::new("member@example.com").name("Jane Doe");
/// assert_eq!(
///     serde_json::to_value(&owner)?,
///     serde_json::json!({ "email": "member@example.com", "name": "Jane Doe" })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "The owner member created together with a customer.")
)]
pub struct Owner {
    pub(crate) email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) external_id: Option<String>,
}

impl Owner {
    /// An owner with this email address.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            name: None,
            external_id: None,
        }
    }

    /// Sets the owner's name (at most 256 characters).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the ID of the member in your system (unique within the customer).
    #[must_use]
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }
}
