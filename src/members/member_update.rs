//! [`MemberUpdate`]: the changes to make to a member (name, email, role, ownership transfer).

use serde::Serialize;

use crate::validate::Checker;
use crate::{InputProblem, MemberRole, NewMemberRole};

/// The changes to make to an existing member; fields left alone stay as they are.
///
/// A member's name can be changed but not removed (Polar ignores an empty name, so
/// [`validate`](Self::validate) refuses one). [`role`](Self::role) sets a member or billing
/// manager role; making a member the owner is [`transfer_ownership`](Self::transfer_ownership),
/// the one way to say it: the previous owner becomes a billing manager. Polar refuses to demote
/// the only owner, and to change the email of an individual customer's owner (change the
/// customer's email instead).
///
/// Serialized, it is exactly the JSON body Polar expects (unset fields omitted).
///
/// ```
/// use polar_client::{MemberUpdate, NewMemberRole};
///
/// let update = MemberUpdate::new().name("Jane Roe").role(NewMemberRole::BillingManager);
/// assert!(update.validate().is_ok());
/// assert_eq!(
///     serde_json::to_value(&update)?,
///     serde_json::json!({ "name": "Jane Roe", "role": "billing_manager" })
/// );
/// assert_eq!(
///     serde_json::to_value(MemberUpdate::new().transfer_ownership())?,
///     serde_json::json!({ "role": "owner" })
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "Changes to a member (the body of the member update request).")
)]
pub struct MemberUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<MemberRole>,
}

impl MemberUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes the member's name (1 to 256 characters; a name cannot be removed).
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Changes the member's email address (unique within the customer; a change of letter case
    /// alone is applied). Not allowed on an individual customer's owner.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Changes the member's role to member or billing manager; demoting the only owner is
    /// refused by Polar. To make the member the owner, use
    /// [`transfer_ownership`](Self::transfer_ownership).
    #[must_use]
    pub fn role(mut self, role: NewMemberRole) -> Self {
        self.role = Some(match role {
            NewMemberRole::Member => MemberRole::Member,
            NewMemberRole::BillingManager => MemberRole::BillingManager,
        });
        self
    }

    /// Makes this member the customer's owner; the previous owner becomes a billing manager.
    #[must_use]
    pub fn transfer_ownership(mut self) -> Self {
        self.role = Some(MemberRole::Owner);
        self
    }

    /// Checks everything that can be checked without the server, reporting every problem at once
    /// (the client runs this before sending).
    ///
    /// # Errors
    ///
    /// One [`InputProblem`] per broken rule: an empty or too long `name`, a malformed `email`.
    ///
    /// ```
    /// use polar_client::MemberUpdate;
    ///
    /// let problems = MemberUpdate::new()
    ///     .name("")
    ///     .email("not-an-email")
    ///     .validate()
    ///     .unwrap_err();
    /// let fields: Vec<&str> = problems.iter().map(|p| p.field()).collect();
    /// assert_eq!(fields, ["name", "email"]);
    /// ```
    pub fn validate(&self) -> Result<(), Vec<InputProblem>> {
        let mut check = Checker::default();
        if let Some(name) = &self.name {
            if name.trim().is_empty() {
                check.report(
                    "name",
                    "must not be empty: a member's name cannot be removed, and Polar ignores an empty one.",
                );
            } else {
                check.name("name", name);
            }
        }
        if let Some(email) = &self.email {
            check.email("email", email);
        }
        check.finish()
    }
}
