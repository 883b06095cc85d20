//! Which customer an operation addresses — by Polar's ID or by the caller's external ID — checked
//! before anything is sent, and the small checks behind it: every ID a path carries is checked
//! here (`checked_uuid` for the billing and usage resources).

use std::fmt;

use uuid::Uuid;

use crate::error::Error;
use crate::validate::{Checker, InputProblem};

/// A customer as a request path names it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CustomerRef<'s> {
    /// Polar's ID, a version-4 UUID (sent in its canonical form).
    Id(Uuid),
    /// The caller's ID for the customer, one path segment ([`crate::path::segment`]).
    External(&'s str),
}

impl<'s> CustomerRef<'s> {
    /// The customer with this Polar ID, the caller's `field`; it must be a version-4 UUID.
    pub(crate) fn by_id(field: &str, id: &str) -> Result<Self, Vec<InputProblem>> {
        let mut check = Checker::default();
        check.customer_id(field, id);
        check.finish()?;
        parsed(field, id).map(Self::Id)
    }

    /// The customer with this external ID, the caller's `field`; it must fit one path segment.
    pub(crate) fn by_external_id(field: &str, id: &'s str) -> Result<Self, Vec<InputProblem>> {
        segment(field, id).map(Self::External)
    }
}

/// What a `404` for this customer was about, for [`crate::Error::looking_for`].
impl fmt::Display for CustomerRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => write!(f, "customer with ID {id}"),
            Self::External(id) => write!(f, "customer with external ID {id:?}"),
        }
    }
}

/// A UUID that passed its check, parsed (a parse error is still reported, never unwrapped).
pub(crate) fn parsed(field: &str, id: &str) -> Result<Uuid, Vec<InputProblem>> {
    Uuid::parse_str(id).map_err(|e| vec![InputProblem::new(field, e.to_string())])
}

/// A caller's ID that becomes one path segment ([`crate::path::segment`]).
pub(crate) fn segment<'s>(field: &str, id: &'s str) -> Result<&'s str, Vec<InputProblem>> {
    crate::path::segment(field, id).map_err(|e| e.problems().to_vec())
}

/// Checks an ID the caller gave for `field` (a UUID) and returns it parsed: a parsed UUID is
/// always one clean path segment.
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` when `id` is not a UUID.
pub(crate) fn checked_uuid(field: &str, id: &str) -> Result<Uuid, Error> {
    let mut check = Checker::default();
    check.uuid(field, id);
    check
        .finish()
        .map_err(|problems| Error::InvalidInput { problems })?;
    Uuid::parse_str(id).map_err(|_| Error::InvalidInput {
        problems: vec![InputProblem::new(field, "is not a UUID")],
    })
}
