//! Usage billing in the mock: `POST /v1/events/ingest` with Polar's semantics ([`ingest`]), the
//! events it stored ([`MockPolar::usage_events`]) and the mock's own clock, which a test can set
//! behind or ahead of the machine's ([`MockPolar::set_usage_clock_offset`]).

pub(crate) mod ingest;
pub(crate) mod list;
pub(crate) mod meters;

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::MockPolar;

/// One stored usage event, as Polar keeps it (with the `external_id` its API never returns).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UsageEvent {
    /// The event's name.
    pub name: String,
    /// The customer's Polar ID, when the event named one.
    pub customer_id: Option<Uuid>,
    /// The customer's external ID, when the event named one.
    pub external_customer_id: Option<String>,
    /// The deduplication key, when the event had one.
    pub external_id: Option<String>,
    /// When the event happened (the mock's clock when it had no timestamp).
    pub timestamp: DateTime<Utc>,
    /// When the mock stored it.
    pub ingested_at: DateTime<Utc>,
    /// The metadata as sent.
    pub metadata: Map<String, Value>,
}

/// What the mock keeps of usage billing.
#[derive(Default)]
pub(crate) struct Usage {
    /// Stored events, oldest first.
    pub(crate) events: Vec<UsageEvent>,
    /// The `external_id`s stored (Polar's unique index per organization; the mock has one).
    pub(crate) external_ids: HashSet<String>,
    /// How far the mock's clock is from the machine's.
    pub(crate) clock_offset: TimeDelta,
    /// Ingest requests answered (any status).
    pub(crate) ingest_requests: u64,
    /// Meters the test defined.
    pub(crate) meters: Vec<meters::MockMeter>,
    /// How long after ingest an event counts in customer-meter balances.
    pub(crate) meter_lag: TimeDelta,
}

impl Usage {
    /// The mock's clock.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.clock_offset
    }
}

impl MockPolar {
    /// The usage events stored so far, oldest first (refused batches store nothing; a duplicate
    /// `external_id` is skipped, the first event kept).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = polar_client_mock::MockPolar::start().await?;
    /// assert!(mock.usage_events().is_empty());
    /// # Ok(()) }
    /// ```
    pub fn usage_events(&self) -> Vec<UsageEvent> {
        self.state.lock().usage.events.clone()
    }

    /// How many usage events are stored.
    pub fn usage_event_count(&self) -> usize {
        self.state.lock().usage.events.len()
    }

    /// Sets the mock's clock `offset` from this machine's (negative: behind). Ingest refuses
    /// timestamps ahead of the mock's clock, and its answers carry that clock in `Date`, as
    /// Polar's do with Polar's clock.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let mock = polar_client_mock::MockPolar::start().await?;
    /// mock.set_usage_clock_offset(chrono::TimeDelta::seconds(-30));
    /// # Ok(()) }
    /// ```
    pub fn set_usage_clock_offset(&self, offset: TimeDelta) {
        self.state.lock().usage.clock_offset = offset;
    }
}

impl MockPolar {
    /// How many ingest requests reached the application (those a fault cut short before it are
    /// not counted); tests use it to inject faults into a share of them.
    pub fn usage_ingest_requests(&self) -> u64 {
        self.state.lock().usage.ingest_requests
    }
}
