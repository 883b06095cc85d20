//! [`NewCustomerSession`]: a customer portal session to create, for exactly one customer.

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::InputProblem;
use crate::validate::Checker;

/// How a customer or a member is named: by Polar's ID or by the ID in your system.
#[derive(Clone, Debug, PartialEq)]
enum Ref {
    Id(String),
    External(String),
}

/// A customer portal session to create: whose portal (a customer, by Polar ID or external ID),
/// optionally as which member, and where the portal's back button leads.
///
/// The constructors make it impossible to name two customers (Polar's body is a union of the
/// two forms, and sending both lets one silently win). Likewise a session names at most one
/// member: [`member_id`](Self::member_id) and [`external_member_id`](Self::external_member_id)
/// replace each other. The member only matters when the organization uses members (then a team
/// customer needs one; an individual gets its owner); Polar ignores it otherwise.
///
/// Creating a session only mints a new one-hour token, so retrying a create is harmless.
///
/// ```
/// use polar_client::NewCustomerSession;
///
/// let session = NewCustomerSession::for_external_id("usr_1337")
///     .return_url("https://example.com/account");
/// assert!(session.validate().is_ok());
/// assert_eq!(
///     serde_json::to_value(&session)?,
///     serde_json::json!({
///         "external_customer_id": "usr_1337",
///         "return_url": "https://example.com/account"
///     })
/// );
///
/// let team = NewCustomerSession::for_customer("992fae2a-2a17-4b7a-8d9e-e287cf90131b")
///     .external_member_id("usr_42");
/// assert_eq!(
///     serde_json::to_value(&team)?,
///     serde_json::json!({
///         "customer_id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
///         "external_member_id": "usr_42"
///     })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct NewCustomerSession {
    customer: Ref,
    member: Option<Ref>,
    return_url: Option<String>,
}

impl NewCustomerSession {
    fn new(customer: Ref) -> Self {
        Self {
            customer,
            member: None,
            return_url: None,
        }
    }

    /// A session for the customer with this Polar ID (a UUID).
    pub fn for_customer(customer_id: impl Into<crate::CustomerId>) -> Self {
        Self::new(Ref::Id(customer_id.into().into_string()))
    }

    /// A session for the customer with this ID in your system (its `external_id`).
    pub fn for_external_id(external_customer_id: impl Into<String>) -> Self {
        Self::new(Ref::External(external_customer_id.into()))
    }

    /// Signs in as the member with this Polar ID (a UUID; it must belong to the customer).
    /// Replaces an [`external_member_id`](Self::external_member_id).
    #[must_use]
    pub fn member_id(mut self, member_id: impl Into<String>) -> Self {
        self.member = Some(Ref::Id(member_id.into()));
        self
    }

    /// Signs in as the member with this ID in your system (it must belong to the customer).
    /// Replaces a [`member_id`](Self::member_id).
    #[must_use]
    pub fn external_member_id(mut self, external_member_id: impl Into<String>) -> Self {
        self.member = Some(Ref::External(external_member_id.into()));
        self
    }

    /// Shows a back button in the portal leading to this absolute `http`/`https` URL (at most
    /// 2,083 characters; Polar may normalise it, e.g. add a trailing `/`).
    #[must_use]
    pub fn return_url(mut self, return_url: impl Into<String>) -> Self {
        self.return_url = Some(return_url.into());
        self
    }

    /// Checks everything that can be checked without the server, reporting every problem at once
    /// (the client runs this before sending).
    ///
    /// # Errors
    ///
    /// One [`InputProblem`] per broken rule: a `customer_id` that is not a version-4 UUID, an
    /// empty `external_customer_id` or `external_member_id`, a `member_id` that is not a UUID, a
    /// `return_url` that is not an absolute http(s) URL or is too long.
    ///
    /// ```
    /// use polar_client::NewCustomerSession;
    ///
    /// let problems = NewCustomerSession::for_customer("usr_1337")
    ///     .return_url("/account")
    ///     .validate()
    ///     .unwrap_err();
    /// let fields: Vec<&str> = problems.iter().map(|p| p.field()).collect();
    /// assert_eq!(fields, ["customer_id", "return_url"]);
    /// ```
    pub fn validate(&self) -> Result<(), Vec<InputProblem>> {
        let mut check = Checker::default();
        match &self.customer {
            Ref::Id(id) => check.customer_id("customer_id", id),
            Ref::External(id) if id.is_empty() => check.report(
                "external_customer_id",
                "must not be empty: name the customer by the external ID you gave it.",
            ),
            Ref::External(id) => {
                check.clean("external_customer_id", id);
            }
        }
        match &self.member {
            Some(Ref::Id(id)) => check.uuid("member_id", id),
            Some(Ref::External(id)) => check.identifier("external_member_id", id),
            None => {}
        }
        if let Some(url) = &self.return_url {
            check.http_url("return_url", url);
        }
        check.finish()
    }
}

impl Serialize for NewCustomerSession {
    /// Polar's body: one customer key, at most one member key, the return URL when set.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match &self.customer {
            Ref::Id(id) => map.serialize_entry("customer_id", id)?,
            Ref::External(id) => map.serialize_entry("external_customer_id", id)?,
        }
        match &self.member {
            Some(Ref::Id(id)) => map.serialize_entry("member_id", id)?,
            Some(Ref::External(id)) => map.serialize_entry("external_member_id", id)?,
            None => {}
        }
        if let Some(url) = &self.return_url {
            map.serialize_entry("return_url", url)?;
        }
        map.end()
    }
}
