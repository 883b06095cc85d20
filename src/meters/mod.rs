//! Reading usage back: [`Meters`] (list, get, quantities over a time range) and
//! [`CustomerMeters`] (each customer's consumption and balance per meter). Reads only; meters are
//! defined in Polar's dashboard.
//!
//! Polar computes balances in the background, seconds to minutes after events are ingested: a
//! read right after [`Events::ingest`](crate::Events::ingest) may not include them yet.

mod list;
mod model;
mod read;

pub use list::{ListCustomerMeters, ListMeters};
pub use model::{
    AggregationFunction, CustomerMeter, Meter, MeterAggregation, MeterQuantities, MeterQuantity,
    MeterUnit,
};
pub use read::{MeterInterval, UsageCustomer};

use crate::core::Core;

/// Meters of one [`Polar`](crate::Polar) client, from [`Polar::meters`](crate::Polar::meters).
#[derive(Debug, Clone)]
pub struct Meters {
    core: Core,
}

/// Customer meters of one [`Polar`](crate::Polar) client, from
/// [`Polar::customer_meters`](crate::Polar::customer_meters).
#[derive(Debug, Clone)]
pub struct CustomerMeters {
    core: Core,
}

impl Meters {
    pub(crate) fn new(core: Core) -> Self {
        Self { core }
    }
}

impl CustomerMeters {
    pub(crate) fn new(core: Core) -> Self {
        Self { core }
    }
}
