//! [`Member`] and [`MemberRole`]: a person who belongs to a customer, as Polar returns it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::{CustomerId, MemberId};
use crate::open_enum::open_enum;

open_enum! {
    /// A member's role within its customer (Polar's `MemberRole`).
    ///
    /// Every customer has exactly one owner. A role this crate does not know decodes as
    /// [`MemberRole::Other`].
    ///
    /// ```
    /// use polar_client::MemberRole;
    ///
    /// assert_eq!(MemberRole::BillingManager.code(), "billing_manager");
    /// ```
    pub enum MemberRole ("The role") {
        Owner => "owner",
        BillingManager => "billing_manager",
        Member => "member",
    }
    /// A role this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "a member role string"
}

/// A member of a customer: a person with an email and a role (Polar's `Member`).
///
/// Individual customers have one member, their owner; team customers can have several. Required
/// when decoding: `id`, `created_at`, `customer_id`, `email` and `role`; the rest may be missing or
/// `null`, unknown fields are ignored and an unknown role reads as [`MemberRole::Other`].
/// `Serialize` writes Polar's JSON shape back.
///
/// ```
/// use polar_client::{Member, MemberRole};
///
/// let member: Member = serde_json::from_str(r#"{
///     "id": "4c5b2f0e-9f5e-4b8e-8a6d-2c1f0e9d8b7a",
///     "created_at": "2026-04-01T10:00:00Z",
///     "modified_at": null,
///     "customer_id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
///     "email": "member@example.com",
///     "name": "Jane Doe",
///     "external_id": "usr_1337",
///     "role": "owner"
/// }"#)?;
/// assert_eq!(member.email(), "member@example.com");
/// assert!(member.is_owner());
/// assert_eq!(member.role(), &MemberRole::Owner);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "A member of a customer, with its role.")
)]
pub struct Member {
    id: MemberId,
    #[serde(deserialize_with = "crate::timestamp::required")]
    created_at: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    modified_at: Option<DateTime<Utc>>,
    customer_id: CustomerId,
    email: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    external_id: Option<String>,
    role: MemberRole,
}

impl Member {
    /// The member's ID in Polar.
    pub fn id(&self) -> &MemberId {
        &self.id
    }

    /// When the member was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// When the member was last modified, if it was.
    pub fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.modified_at
    }

    /// The ID of the customer the member belongs to.
    pub fn customer_id(&self) -> &CustomerId {
        &self.customer_id
    }

    /// The member's email address (unique within the customer).
    pub fn email(&self) -> &str {
        &self.email
    }

    /// The member's name, if set.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The ID of this member in your system, if you gave one.
    pub fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    /// The member's role.
    pub fn role(&self) -> &MemberRole {
        &self.role
    }

    /// Whether this member owns the customer.
    pub fn is_owner(&self) -> bool {
        self.role == MemberRole::Owner
    }
}
