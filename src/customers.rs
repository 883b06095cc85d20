//! [`Customers`]: the handler for Polar's customer operations, one file per operation below
//! `customers/` (each adds its methods to the handler), and the [`Target`] they address.

mod create;
mod delete;
mod get;
mod get_state;
mod list;
mod lookup;
mod patch;
pub(crate) mod state;
pub(crate) mod update;

pub use create::CreateOrGet;
pub use list::{CustomerSort, ListCustomers};

use uuid::Uuid;

use crate::client::Polar;
use crate::error::Error;
use crate::validate::{Checker, InputProblem};

/// Customer operations of one [`Polar`] client, from [`Polar::customers`].
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    polar: &'a Polar,
}

impl<'a> Customers<'a> {
    pub(crate) fn new(polar: &'a Polar) -> Self {
        Self { polar }
    }
}

/// The customer an operation addresses, checked before anything is sent: by Polar's ID (a
/// version-4 UUID, sent in its canonical form) or by the caller's external ID (one path segment).
#[derive(Clone, Copy, Debug)]
enum Target<'a> {
    /// Polar's customer ID.
    Id(Uuid),
    /// The caller's ID for the customer, checked by [`crate::path::segment`].
    External(&'a str),
}

impl<'a> Target<'a> {
    /// The customer with this Polar ID.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `id` is not a version-4 UUID.
    fn id(id: &str) -> Result<Self, Error> {
        checked_id(id, |_| {}).map(Target::Id)
    }

    /// The customer with this external ID.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `external_id` cannot be one path segment.
    fn external(external_id: &'a str) -> Result<Self, Error> {
        crate::path::segment("external_id", external_id).map(Target::External)
    }

    /// What a `404` for this target was about, for [`Error::looking_for`].
    fn describe(self) -> String {
        match self {
            Self::Id(id) => format!("customer with ID {id}"),
            Self::External(external_id) => format!("customer with external ID {external_id:?}"),
        }
    }
}

/// Checks a Polar customer ID (field `id`) together with whatever else `more` checks, reporting
/// every problem at once, and returns the parsed ID.
///
/// # Errors
/// [`Error::InvalidInput`] with every problem found.
fn checked_id(id: &str, more: impl FnOnce(&mut Checker)) -> Result<Uuid, Error> {
    let mut check = Checker::default();
    check.customer_id("id", id);
    more(&mut check);
    check
        .finish()
        .map_err(|problems| Error::InvalidInput { problems })?;
    // The checker accepted it, so it parses; mapped rather than unwrapped all the same.
    Uuid::parse_str(id).map_err(|_| Error::InvalidInput {
        problems: vec![InputProblem::new("id", "is not a customer ID")],
    })
}
