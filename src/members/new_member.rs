//! [`NewMember`] and [`NewMemberRole`]: a member to add to a customer.

use serde::Serialize;

use crate::InputProblem;
use crate::validate::Checker;

/// The role a new member gets: a plain member or a billing manager.
///
/// A customer's owner cannot be added: ownership is transferred to an existing member with
/// [`MemberUpdate::transfer_ownership`](crate::MemberUpdate::transfer_ownership).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "The role of a new member: `member` or `billing_manager`.")
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NewMemberRole {
    /// A member (Polar's default), `member` on the wire.
    #[default]
    Member,
    /// A member who manages billing, `billing_manager` on the wire.
    BillingManager,
}

/// A member to add to a (team) customer: an email address, optionally a name, your ID for the
/// member and a role.
///
/// Adding is idempotent by email: when the customer already has a member with this email (letter
/// case aside), Polar returns that member unchanged instead of a new one. An individual customer
/// has exactly one member, its owner; upgrade it to a team first
/// ([`CustomerUpdate::upgrade_to_team`](crate::CustomerUpdate::upgrade_to_team)).
///
/// Serialized, it is exactly the JSON body Polar expects (unset fields omitted).
///
/// ```
/// use polar_client::{NewMember, NewMemberRole};
///
/// let member = NewMember::new("accounts@acme.test")
///     .name("Accounts")
///     .external_id("usr_42")
///     .role(NewMemberRole::BillingManager);
/// assert!(member.validate().is_ok());
/// assert_eq!(
///     serde_json::to_value(&member)?,
///     serde_json::json!({
///         "email": "accounts@acme.test",
///         "name": "Accounts",
///         "external_id": "usr_42",
///         "role": "billing_manager"
///     })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(
        description = "A member to add to a customer (the body of the member create request)."
    )
)]
pub struct NewMember {
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<NewMemberRole>,
}

impl NewMember {
    /// A member with this email address (unique within the customer); a plain member unless
    /// [`role`](Self::role) says otherwise.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            name: None,
            external_id: None,
            role: None,
        }
    }

    /// Sets the member's name (at most 256 characters).
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

    /// Sets the member's role.
    #[must_use]
    pub fn role(mut self, role: NewMemberRole) -> Self {
        self.role = Some(role);
        self
    }

    /// Checks everything that can be checked without the server, reporting every problem at once
    /// (the client runs this before sending).
    ///
    /// # Errors
    ///
    /// One [`InputProblem`] per broken rule (`"email"`, `"name"`, `"external_id"`).
    ///
    /// ```
    /// use polar_client::NewMember;
    ///
    /// let problems = NewMember::new("nope").external_id("").validate().unwrap_err();
    /// let fields: Vec<&str> = problems.iter().map(|p| p.field()).collect();
    /// assert_eq!(fields, ["email", "external_id"]);
    /// ```
    pub fn validate(&self) -> Result<(), Vec<InputProblem>> {
        let mut check = Checker::default();
        check.email("email", &self.email);
        if let Some(name) = &self.name {
            check.name("name", name);
        }
        if let Some(external_id) = &self.external_id {
            check.identifier("external_id", external_id);
        }
        check.finish()
    }
}
