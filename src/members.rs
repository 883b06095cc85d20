//! Members of a customer: the [`Members`] handler, whose operations live one per file below
//! `members/` (create, get, update, delete), the [`Member`] Polar returns with its
//! [`MemberRole`], and the [`NewMember`] and [`MemberUpdate`] request bodies.
//!
//! Every operation names its customer, and the member, either by Polar's IDs or by the IDs in
//! your system; the IDs and the body are checked together before anything is sent.

mod create;
mod delete;
mod get;
mod member;
mod member_update;
mod new_member;
mod update;

pub use member::{Member, MemberRole};
pub use member_update::MemberUpdate;
pub use new_member::{NewMember, NewMemberRole};

use std::fmt;

use uuid::Uuid;

use crate::core::Core;
use crate::error::Error;
use crate::id::{CustomerId, MemberId};
use crate::ids::{CustomerRef, parsed, segment};
use crate::validate::{Checker, InputProblem};

/// Member operations of one [`Polar`](crate::Polar) client, from [`Polar::members`](crate::Polar::members).
///
/// They apply when the organization uses members (its member model or seat-based pricing is
/// on); otherwise Polar refuses them with [`Error::Forbidden`].
#[derive(Debug, Clone)]
pub struct Members {
    core: Core,
}

impl Members {
    pub(crate) fn new(core: Core) -> Self {
        Self { core }
    }
}

/// One member, as the request path names it: by Polar's IDs for both the customer and the
/// member, or by your IDs for both.
#[derive(Clone, Copy, Debug)]
enum MemberRef<'s> {
    /// The customer's ID (a version-4 UUID) and the member's (any UUID).
    Ids { customer: Uuid, member: Uuid },
    /// The customer's and the member's `external_id`s.
    External { customer: &'s str, member: &'s str },
}

impl<'s> MemberRef<'s> {
    /// A member named by Polar's IDs; both are checked, all problems at once.
    fn by_ids(customer_id: &str, member_id: &str) -> Result<Self, Vec<InputProblem>> {
        let member = {
            let mut check = Checker::default();
            check.uuid("member_id", member_id);
            check.finish().and_then(|()| parsed("member_id", member_id))
        };
        match (CustomerRef::by_id("customer_id", customer_id), member) {
            (Ok(CustomerRef::Id(customer)), Ok(member)) => Ok(Self::Ids { customer, member }),
            (customer, member) => Err(problems_of(customer.err(), member.err())),
        }
    }

    /// A member named by your IDs for the customer and the member.
    fn by_external_ids(
        external_customer_id: &'s str,
        external_member_id: &'s str,
    ) -> Result<Self, Vec<InputProblem>> {
        match (
            segment("external_customer_id", external_customer_id),
            segment("external_member_id", external_member_id),
        ) {
            (Ok(customer), Ok(member)) => Ok(Self::External { customer, member }),
            (customer, member) => Err(problems_of(customer.err(), member.err())),
        }
    }
}

/// The member an operation names, as the caller gave it: owned, so that the call's future is
/// `'static`, and checked together with the request body by [`MemberKey::checked`] before
/// anything is sent.
#[derive(Clone, Debug)]
enum MemberKey {
    /// Polar's IDs of the customer and the member.
    Ids(CustomerId, MemberId),
    /// The IDs in the caller's system (`external_id`s) of the customer and the member.
    External(String, String),
}

impl MemberKey {
    fn ids(customer_id: impl Into<CustomerId>, member_id: impl Into<MemberId>) -> Self {
        Self::Ids(customer_id.into(), member_id.into())
    }

    fn external(customer_id: impl Into<String>, member_id: impl Into<String>) -> Self {
        Self::External(customer_id.into(), member_id.into())
    }

    /// The member reference to send to, or [`Error::InvalidInput`] with every problem of the
    /// IDs and of `body` at once.
    fn checked(&self, body: Result<(), Vec<InputProblem>>) -> Result<MemberRef<'_>, Error> {
        let ids = match self {
            Self::Ids(customer, member) => MemberRef::by_ids(customer, member),
            Self::External(customer, member) => MemberRef::by_external_ids(customer, member),
        };
        checked(ids, body)
    }
}

impl fmt::Display for MemberRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ids { customer, member } => write!(f, "member {member} of customer {customer}"),
            Self::External { customer, member } => write!(
                f,
                "member with external ID {member:?} of customer with external ID {customer:?}"
            ),
        }
    }
}

impl Members {
    /// The Polar IDs of the customer and the member `target` names. A member named by external
    /// IDs is looked up first (one read), so that a write sent again after a lost answer can only
    /// reach the member the lookup found — never one that took a freed external ID meanwhile.
    async fn polar_ids(&self, target: MemberRef<'_>) -> Result<(Uuid, Uuid), Error> {
        match target {
            MemberRef::Ids { customer, member } => Ok((customer, member)),
            MemberRef::External { .. } => {
                let found = self.fetch(target).await?;
                match checked(MemberRef::by_ids(found.customer_id(), found.id()), Ok(()))? {
                    MemberRef::Ids { customer, member } => Ok((customer, member)),
                    MemberRef::External { .. } => Err(Error::InvalidInput {
                        problems: vec![InputProblem::new("member_id", "is not a member ID")],
                    }),
                }
            }
        }
    }
}

/// The IDs of a request, once they and its body have passed their checks; otherwise every
/// problem of both, as [`Error::InvalidInput`].
fn checked<T>(
    ids: Result<T, Vec<InputProblem>>,
    body: Result<(), Vec<InputProblem>>,
) -> Result<T, Error> {
    match (ids, body) {
        (Ok(ids), Ok(())) => Ok(ids),
        (ids, body) => Err(Error::InvalidInput {
            problems: problems_of(ids.err(), body.err()),
        }),
    }
}

/// The problems of two checks, in order.
fn problems_of(
    first: Option<Vec<InputProblem>>,
    second: Option<Vec<InputProblem>>,
) -> Vec<InputProblem> {
    first.into_iter().chain(second).flatten().collect()
}
