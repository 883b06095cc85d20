//! The mock's event log: what Polar would send webhooks for (`customer.*`, `member.*`), recorded
//! in order and broadcast to subscribers as it happens.

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::broadcast;

/// How many events a slow subscriber may fall behind before it misses some (it then gets
/// [`RecvError::Lagged`](tokio::sync::broadcast::error::RecvError::Lagged)).
const SUBSCRIBER_BACKLOG: usize = 1024;

/// One event Polar emits a webhook for, as the mock recorded it (see
/// [`MockPolar::events`](super::MockPolar::events)).
///
/// The fields are those of Polar's webhook envelope `{"type","timestamp","data"}`:
/// - `customer.created`, `customer.updated` (every accepted PATCH, even `{}`) and
///   `customer.deleted`: `data` is the `Customer` as stored after the change (a deleted one has
///   `deleted_at` set and `__external_id` in its metadata); each is followed at once by a
///   `customer.state_changed` whose `data` is the `CustomerState`;
/// - `customer.state_changed` also follows every change a test makes to a customer's
///   subscriptions, benefit grants or meters;
/// - `member.created`, `member.updated` (only for a member whose name, email or role changed, and
///   for ownership transfer only the promoted member) and `member.deleted` (a customer's members are
///   deleted, each with its event, before its `customer.deleted`): `data` is the `Member`.
///
/// # Examples
/// ```
/// use polar_client::mock::{MockEvent, MockPolar};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let polar = MockPolar::start().await?;
/// // ... create a customer through polar.base_url() ...
/// let kinds: Vec<String> = polar.events().into_iter().map(|event| event.event_type).collect();
/// assert!(kinds.is_empty());
/// # Ok(())
/// # }
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub struct MockEvent {
    /// The event type, e.g. `"customer.created"` (the envelope's `type`).
    pub event_type: String,
    /// When the mock recorded the event (the envelope's `timestamp`).
    pub timestamp: DateTime<Utc>,
    /// The payload (the envelope's `data`): a `Customer`, `CustomerState` or `Member` body.
    pub data: Value,
}

impl MockEvent {
    /// The webhook body Polar would deliver: `{"type","timestamp","data"}` with the timestamp in
    /// UTC with `Z` (microseconds omitted when zero, as Polar's serializer does).
    ///
    /// # Examples
    /// ```
    /// # use polar_client::mock::MockPolar;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let polar = MockPolar::start().await?;
    /// for event in polar.events() {
    ///     assert_eq!(event.envelope()["type"], event.event_type.as_str());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn envelope(&self) -> Value {
        let timestamp = if self.timestamp.timestamp_subsec_micros() == 0 {
            self.timestamp.format("%Y-%m-%dT%H:%M:%SZ")
        } else {
            self.timestamp.format("%Y-%m-%dT%H:%M:%S%.6fZ")
        };
        serde_json::json!({
            "type": self.event_type,
            "timestamp": timestamp.to_string(),
            "data": self.data,
        })
    }
}

/// The recorded events and the channel that broadcasts new ones.
pub(crate) struct EventLog {
    recorded: Vec<MockEvent>,
    sender: broadcast::Sender<MockEvent>,
}

impl Default for EventLog {
    fn default() -> Self {
        Self {
            recorded: Vec::new(),
            sender: broadcast::channel(SUBSCRIBER_BACKLOG).0,
        }
    }
}

impl EventLog {
    /// Records an event now and broadcasts it to the current subscribers.
    pub(crate) fn emit(&mut self, event_type: &str, data: Value) {
        let event = MockEvent {
            event_type: event_type.to_owned(),
            timestamp: Utc::now(),
            data,
        };
        // No subscriber is not an error: the event stays in the log.
        let _ = self.sender.send(event.clone());
        self.recorded.push(event);
    }

    /// Every event so far, oldest first.
    pub(crate) fn recorded(&self) -> Vec<MockEvent> {
        self.recorded.clone()
    }

    /// A receiver of the events emitted from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<MockEvent> {
        self.sender.subscribe()
    }
}
