//! What the mock stamps on every object it creates: random version-4 ids and UTC timestamps in
//! Polar's format.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A random version-4 UUID.
pub(crate) fn new_id() -> Uuid {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid()
}

/// A time as Polar writes it: UTC, microseconds, `Z`.
pub(crate) fn timestamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The current time as Polar writes it.
pub(crate) fn now() -> String {
    timestamp(Utc::now())
}
