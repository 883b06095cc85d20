//! `polar-client`: create customers in Polar (polar.sh) from a Rust service — typed, retrying, never twice.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod address;
mod country;
mod customer;
mod error;
mod loose;
mod metadata;
mod new_customer;
mod open_enum;
mod retry;
mod tax_id;
mod validate;

pub use error::{AuthFailure, Error, FieldError, ForbiddenReason, ValidationKind};
pub use retry::RetryPolicy;

#[cfg(feature = "mock")]
pub mod mock;

pub use address::Address;
pub use country::{Country, ParseCountryError};
pub use customer::{Customer, CustomerKind};
pub use metadata::MetadataValue;
pub use new_customer::{NewCustomer, Owner};
pub use tax_id::{TaxId, TaxIdFormat};
pub use validate::InputProblem;
