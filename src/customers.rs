//! [`Customers`]: the handler for Polar's customer operations. Below `customers/`, one naming
//! rule, as in every resource folder: a file named after an operation holds that operation (each
//! adds its methods to the handler: `create`, `get`, `update`, `delete`, `list`, …), and a file
//! named after a model holds that model (`customer`, `new_customer`, `customer_update`, `state`).

mod create;
pub(crate) mod customer;
pub(crate) mod customer_update;
mod delete;
mod export;
mod get;
mod get_state;
mod list;
mod lookup;
pub(crate) mod new_customer;
pub(crate) mod state;
mod update;

pub use create::CreateOrGet;
pub use list::{CustomerSort, ListCustomers};

use uuid::Uuid;

use crate::core::Core;
use crate::error::Error;
use crate::ids::CustomerRef;
use crate::validate::{Checker, InputProblem};

/// Customer operations of one [`Polar`](crate::Polar) client, from [`Polar::customers`](crate::Polar::customers).
#[derive(Debug, Clone)]
pub struct Customers {
    core: Core,
}

impl Customers {
    pub(crate) fn new(core: Core) -> Self {
        Self { core }
    }
}

/// The customer with this Polar ID (field `id`).
///
/// # Errors
/// [`Error::InvalidInput`] when `id` is not a version-4 UUID.
fn by_id(id: &str) -> Result<CustomerRef<'static>, Error> {
    CustomerRef::by_id("id", id).map_err(|problems| Error::InvalidInput { problems })
}

/// The customer with this external ID (field `external_id`).
///
/// # Errors
/// [`Error::InvalidInput`] when `external_id` cannot be one path segment.
fn by_external_id(external_id: &str) -> Result<CustomerRef<'_>, Error> {
    CustomerRef::by_external_id("external_id", external_id)
        .map_err(|problems| Error::InvalidInput { problems })
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
