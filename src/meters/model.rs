//! The usage models read back from Polar: [`Meter`], [`CustomerMeter`], [`MeterQuantities`] and
//! the page they are listed in, read through accessors. Decoding is lenient: only `id` is
//! required; unknown fields are ignored and unknown codes land in `Other`, so a meter Polar adds
//! features to still decodes.

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
pub struct MeterAggregation {
    func: AggregationFunction,
    #[serde(default)]
    property: Option<String>,
}

impl MeterAggregation {
    /// The function.
    pub fn func(&self) -> &AggregationFunction {
        &self.func
    }

    /// The property aggregated, e.g. `"total_tokens"` (metadata keys read as `metadata.key` on
    /// some versions; kept as sent).
    pub fn property(&self) -> Option<&str> {
        self.property.as_deref()
    }
}

/// A meter: which events it counts and how ([`Meters::get`](crate::Meters::get)).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Meter {
    id: MeterId,
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit: Option<MeterUnit>,
    #[serde(default, deserialize_with = "lenient")]
    aggregation: Option<MeterAggregation>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    archived_at: Option<DateTime<Utc>>,
}

impl Meter {
    /// Polar's ID.
    pub fn id(&self) -> &MeterId {
        &self.id
    }

    /// The name shown on invoices.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The unit, when Polar sent one.
    pub fn unit(&self) -> Option<&MeterUnit> {
        self.unit.as_ref()
    }

    /// The aggregation, when it could be read.
    pub fn aggregation(&self) -> Option<&MeterAggregation> {
        self.aggregation.as_ref()
    }

    /// When the meter was created.
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        self.created_at
    }

    /// When the meter was archived; archived meters stop counting.
    pub fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.archived_at
    }
}

/// One customer's balance on one meter ([`CustomerMeters`](crate::CustomerMeters)).
///
/// Polar updates it in the background, seconds to minutes after events are ingested: a read right
/// after [`Events::ingest`](crate::Events::ingest) may not include them.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CustomerMeter {
    id: String,
    #[serde(default)]
    customer_id: Option<CustomerId>,
    #[serde(default)]
    meter_id: Option<MeterId>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    consumed_units: f64,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    credited_units: f64,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    balance: f64,
    #[serde(default, deserialize_with = "crate::timestamp::optional")]
    modified_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient")]
    meter: Option<Meter>,
}

impl CustomerMeter {
    /// Polar's ID of this customer meter.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The customer.
    pub fn customer_id(&self) -> Option<&CustomerId> {
        self.customer_id.as_ref()
    }

    /// The meter.
    pub fn meter_id(&self) -> Option<&MeterId> {
        self.meter_id.as_ref()
    }

    /// Units consumed in the current period.
    pub fn consumed_units(&self) -> f64 {
        self.consumed_units
    }

    /// Units credited (by a subscription's benefit).
    pub fn credited_units(&self) -> f64 {
        self.credited_units
    }

    /// `credited_units - consumed_units`.
    pub fn balance(&self) -> f64 {
        self.balance
    }

    /// When Polar last updated it.
    pub fn modified_at(&self) -> Option<DateTime<Utc>> {
        self.modified_at
    }

    /// The meter, when Polar embedded it and it could be read.
    pub fn meter(&self) -> Option<&Meter> {
        self.meter.as_ref()
    }
}

/// A meter's quantities over a time range ([`Meters::quantities`](crate::Meters::quantities)).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct MeterQuantities {
    #[serde(default)]
    quantities: Vec<MeterQuantity>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    total: f64,
}

impl MeterQuantities {
    /// One entry per interval, oldest first.
    pub fn quantities(&self) -> &[MeterQuantity] {
        &self.quantities
    }

    /// The total over the range.
    pub fn total(&self) -> f64 {
        self.total
    }
}

/// The quantity of one interval.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct MeterQuantity {
    #[serde(deserialize_with = "crate::timestamp::required")]
    timestamp: DateTime<Utc>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    quantity: f64,
}

impl MeterQuantity {
    /// The interval's start.
    pub fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }

    /// The quantity in it.
    pub fn quantity(&self) -> f64 {
        self.quantity
    }
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
