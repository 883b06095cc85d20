//! The mock's event log: what Polar would send webhooks for (`customer.*`, `member.*`), recorded
//! in order, read by index by the webhook delivery (which therefore never misses one) and
//! broadcast to live subscribers as it happens.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{broadcast, watch};

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
/// use polar_client_mock::{MockEvent, MockPolar};
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
    /// # use polar_client_mock::MockPolar;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let polar = MockPolar::start().await?;
    /// for event in polar.events() {
    ///     assert_eq!(event.envelope()["type"], event.event_type.as_str());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// A [`Value`] does not keep the order of its keys; [`webhook_body`](Self::webhook_body) has
    /// the bytes the mock sends, in Polar's order.
    #[must_use]
    pub fn envelope(&self) -> Value {
        serde_json::json!({
            "type": self.event_type,
            "timestamp": self.polar_timestamp(),
            "data": self.data,
        })
    }

    /// The webhook body as the mock sends it: compact JSON with the keys in Polar's order,
    /// `{"type":…,"timestamp":…,"data":…}`.
    ///
    /// # Examples
    /// ```
    /// # use polar_client_mock::MockPolar;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let polar = MockPolar::start().await?;
    /// for event in polar.events() {
    ///     assert!(event.webhook_body().starts_with(br#"{"type":""#));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn webhook_body(&self) -> Vec<u8> {
        let envelope = Envelope {
            event_type: &self.event_type,
            timestamp: self.polar_timestamp(),
            data: &self.data,
        };
        // Strings and a `serde_json::Value` always serialize.
        serde_json::to_vec(&envelope).unwrap_or_default()
    }

    /// The timestamp in UTC with `Z`, microseconds omitted when zero (Polar's serializer).
    fn polar_timestamp(&self) -> String {
        let format = if self.timestamp.timestamp_subsec_micros() == 0 {
            "%Y-%m-%dT%H:%M:%SZ"
        } else {
            "%Y-%m-%dT%H:%M:%S%.6fZ"
        };
        self.timestamp.format(format).to_string()
    }
}

/// The webhook body in Polar's key order, borrowed from a [`MockEvent`].
#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "type")]
    event_type: &'a str,
    timestamp: String,
    data: &'a Value,
}

/// The recorded events, shared by the server (which records) and its readers: the webhook
/// dispatcher reads them by index, so however far it falls behind it loses none.
#[derive(Clone)]
pub(crate) struct EventLog {
    shared: Arc<Shared>,
}

struct Shared {
    recorded: Mutex<Vec<MockEvent>>,
    /// How many events are recorded; readers by index wait on it.
    len: watch::Sender<usize>,
    /// The live feed of [`MockPolar::subscribe_events`](super::MockPolar::subscribe_events).
    sender: broadcast::Sender<MockEvent>,
}

impl Default for EventLog {
    fn default() -> Self {
        Self {
            shared: Arc::new(Shared {
                recorded: Mutex::new(Vec::new()),
                len: watch::Sender::new(0),
                sender: broadcast::channel(SUBSCRIBER_BACKLOG).0,
            }),
        }
    }
}

impl EventLog {
    fn lock(&self) -> MutexGuard<'_, Vec<MockEvent>> {
        self.shared
            .recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Records an event now, wakes the readers by index and broadcasts it to the current
    /// subscribers.
    pub(crate) fn emit(&self, event_type: &str, data: Value) {
        let event = MockEvent {
            event_type: event_type.to_owned(),
            timestamp: Utc::now(),
            data,
        };
        let len = {
            let mut recorded = self.lock();
            // No subscriber is not an error: the event stays in the log.
            let _ = self.shared.sender.send(event.clone());
            recorded.push(event);
            recorded.len()
        };
        self.shared.len.send_replace(len);
    }

    /// Every event so far, oldest first.
    pub(crate) fn recorded(&self) -> Vec<MockEvent> {
        self.lock().clone()
    }

    /// How many events are recorded.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// At most `max` events from index `from` on (fewer at the end of the log).
    pub(crate) fn range(&self, from: usize, max: usize) -> Vec<MockEvent> {
        let recorded = self.lock();
        let start = from.min(recorded.len());
        let end = start.saturating_add(max).min(recorded.len());
        recorded[start..end].to_vec()
    }

    /// Waits until more than `index` events are recorded (returns at once if they are).
    pub(crate) async fn wait_beyond(&self, index: usize) {
        let mut len = self.shared.len.subscribe();
        // The sender lives in `self.shared`, which `self` holds: the channel cannot close here.
        let _ = len.wait_for(|len| *len > index).await;
    }

    /// A receiver of the events emitted from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<MockEvent> {
        self.shared.sender.subscribe()
    }
}
