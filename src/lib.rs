//! `polar-client`: create customers in Polar (polar.sh) from a Rust service — typed, retrying, never twice.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod customer;
mod error;
mod generated;
mod new_customer;
mod retry;
mod validate;

#[cfg(feature = "mock")]
pub mod mock;
