//! [`MemberUpdate`]: the changes to make to a member (name, email, role, ownership transfer).

use serde::Serialize;

use crate::validate::Checker;
use crate::{InputProblem, MemberRole};

/// The changes to make to an existing member; fields left alone stay as they are.
///
/// A member's name can be changed but not removed (Polar ignores an empty name, so
/// [`validate`](Self::validate) refuses one). Giving a member the [`MemberRole::Owner`] role
/// **transfers ownership**: the previous owner becomes a billing manager
/// ([`transfer_ownership`](Self::transfer_ownership) says so in the code). Polar refuses to
/// demote the only owner, and to change the email of an individual customer's owner (change the
/// customer's email instead).
///
/// Serialized, it is exactly the JSON body Polar expects (unset fields omitted).
///
/// ```
/// use polar_client::{MemberRole, MemberUpdate};
///
/// let update = MemberUpdate::new().name("Jane Roe").role(MemberRole::BillingManager);
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

    /// Changes the member's role. [`MemberRole::Owner`] transfers ownership to this member (the
    /// previous owner becomes a billing manager); demoting the only owner is refused by Polar.
    #[must_use]
    pub fn role(mut self, role: MemberRole) -> Self {
        self.role = Some(role);
        self
    }

    /// Makes this member the customer's owner; the previous owner becomes a billing manager.
    /// The same as `.role(MemberRole::Owner)`.
    #[must_use]
    pub fn transfer_ownership(self) -> Self {
        self.role(MemberRole::Owner)
    }

    /// Checks everything that can be checked without the server, reporting every problem at once
    /// (the client runs this before sending).
    ///
    /// # Errors
    ///
    /// One [`InputProblem`] per broken rule: an empty or too long `name`, a malformed `email`, a
    /// `role` Polar does not know ([`MemberRole::Other`]).
    ///
    /// ```
    /// use polar_client::{MemberRole, MemberUpdate};
    ///
    /// let problems = MemberUpdate::new()
    ///     .name("")
    ///     .role(MemberRole::Other("admin".into()))
    ///     .validate()
    ///     .unwrap_err();
    /// let fields: Vec<&str> = problems.iter().map(|p| p.field()).collect();
    /// assert_eq!(fields, ["name", "role"]);
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
        if let Some(MemberRole::Other(code)) = &self.role {
            check.report(
                "role",
                format!(
                    "`{}` is not a role Polar accepts: use owner, billing_manager or member.",
                    code.escape_debug()
                ),
            );
        }
        check.finish()
    }
}
