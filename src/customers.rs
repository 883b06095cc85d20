//! [`Customers`]: the handler for Polar's customer operations, one file per operation below
//! `customers/` (each adds its methods to the handler).

mod create;
mod lookup;
pub(crate) mod state;
pub(crate) mod update;

pub use create::CreateOrGet;

use crate::client::Polar;

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
