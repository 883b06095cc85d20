//! The usage models read back from Polar: [`Meter`], [`CustomerMeter`], [`MeterQuantities`] and
//! the page they are listed in. Decoding is lenient: only `id` is required; unknown fields are
//! ignored and unknown codes land in `Other`, so a meter Polar adds features to still decodes.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::id::{CustomerId, MeterId};
use crate::open_enum::open_enum;

open_enum! {
    /// The unit a meter counts in (`unit`).
    pub enum MeterUnit ("A meter unit") {
        Scalar => "scalar",
        Token => "token",
        Custom => "custom",
    }
    /// A unit this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "a meter unit string"
}

open_enum! {
    /// How a meter aggregates the events it matches (`aggregation.func`).
    pub enum AggregationFunction ("The aggregation") {
        Count => "count",
        Sum => "sum",
        Max => "max",
        Min => "min",
        Avg => "avg",
        Unique => "unique",
    }
    /// A function this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "an aggregation function string"
}

/// A meter's aggregation: the function, and the metadata property it reads (none for `count`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct MeterAggregation {
    /// The function.
    pub func: AggregationFunction,
    /// The property aggregated, e.g. `"total_tokens"` (metadata keys read as `metadata.key` on
    /// some versions; kept as sent).
    #[serde(default)]
    pub property: Option<String>,
}

/// A meter: which events it counts and how ([`Meters::get`](crate::Meters::get)).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Meter {
    /// Polar's ID.
    pub id: MeterId,
    /// The name shown on invoices.
    #[serde(default)]
    pub name: String,
    /// The unit, when Polar sent one.
    #[serde(default)]
    pub unit: Option<MeterUnit>,
    /// The aggregation, when it could be read.
    #[serde(default, deserialize_with = "lenient")]
    pub aggregation: Option<MeterAggregation>,
    /// When the meter was created.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the meter was archived; archived meters stop counting.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub archived_at: Option<DateTime<Utc>>,
}

/// One customer's balance on one meter ([`CustomerMeters`](crate::CustomerMeters)).
///
/// Polar updates it in the background, seconds to minutes after events are ingested: a read right
/// after [`Events::ingest`](crate::Events::ingest) may not include them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct CustomerMeter {
    /// Polar's ID of this customer meter.
    pub id: String,
    /// The customer.
    #[serde(default)]
    pub customer_id: Option<CustomerId>,
    /// The meter.
    #[serde(default)]
    pub meter_id: Option<MeterId>,
    /// Units consumed in the current period.
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    pub consumed_units: f64,
    /// Units credited (by a subscription's benefit).
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    pub credited_units: f64,
    /// `credited_units - consumed_units`.
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    pub balance: f64,
    /// When Polar last updated it.
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    pub modified_at: Option<DateTime<Utc>>,
    /// The meter, when Polar embedded it and it could be read.
    #[serde(default, deserialize_with = "lenient")]
    pub meter: Option<Meter>,
}

/// A meter's quantities over a time range ([`Meters::quantities`](crate::Meters::quantities)).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct MeterQuantities {
    /// One entry per interval, oldest first.
    #[serde(default)]
    pub quantities: Vec<MeterQuantity>,
    /// The total over the range.
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    pub total: f64,
}

/// The quantity of one interval.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct MeterQuantity {
    /// The interval's start.
    #[serde(deserialize_with = "crate::timestamp::required")]
    pub timestamp: DateTime<Utc>,
    /// The quantity in it.
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    pub quantity: f64,
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct UsagePage<T> {
    /// The page's items.
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    /// How many items all pages hold, and the last page's number.
    #[serde(default)]
    pub pagination: UsagePagination,
}

/// Where a page is among all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct UsagePagination {
    /// Items over all pages.
    #[serde(default)]
    pub total_count: u64,
    /// The last page's number (1-based).
    #[serde(default)]
    pub max_page: u64,
}

/// Reads a nested object, or `None` when it is missing, `null` or of a shape not understood.
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}
