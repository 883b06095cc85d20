//! [`StoredEvent`]: a usage event as Polar lists it back (`events:list`, `events:get`), decoded
//! leniently — the read side of [`NewEvent`](crate::NewEvent). Named apart from the webhook
//! [`Event`](crate::webhooks::Event), which is a delivery, not a usage event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::{CustomerId, EventId, MemberId};
use crate::open_enum::open_enum;

open_enum! {
    /// Who created an event (`source`): you, through ingestion, or Polar itself (`meter.credited`,
    /// `order.paid`, …).
    pub enum EventSource ("An event source") {
        System => "system",
        User => "user",
    }
    /// A source this version of the crate does not know, exactly as Polar sent it.
    Other
    expecting "an event source string"
}

/// One usage event as Polar stores it: from [`Events::list`](crate::Events::list) or
/// [`Events::get`](crate::Events::get).
///
/// Polar does not send an event's `external_id` back: match stored events to yours by name,
/// customer, timestamp and metadata, or keep your own `external_id → event` map.
///
/// Decoding is lenient: only `id`, `name` and `timestamp` are required; every other field may
/// be missing or `null`; unknown fields (such as the embedded `customer`) are ignored; a source
/// this crate does not know reads as [`EventSource::Other`]. System events (`source: "system"`)
/// decode too, their variant's data left in [`metadata`](StoredEvent::metadata).
///
/// ```
/// use polar_client::{EventSource, StoredEvent};
///
/// let event: StoredEvent = serde_json::from_str(r#"{
///     "id": "0e5a2b4c-7d0b-4c1e-9a51-2f7b3e6c1d20",
///     "timestamp": "2026-04-01T10:00:05.123456Z",
///     "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
///     "customer_id": null,
///     "external_customer_id": "usr_7",
///     "label": "llm.completion",
///     "name": "llm.completion",
///     "source": "user",
///     "metadata": {"total_tokens": 77},
///     "something_new": true
/// }"#)?;
/// assert_eq!(event.name(), "llm.completion");
/// assert_eq!(event.external_customer_id(), Some("usr_7"));
/// assert_eq!(event.source(), Some(&EventSource::User));
/// assert_eq!(event.metadata()["total_tokens"], 77);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(
    feature = "schemars",
    schemars(description = "A usage event as Polar stores it.")
)]
pub struct StoredEvent {
    id: EventId,
    name: String,
    #[serde(deserialize_with = "crate::timestamp::required")]
    timestamp: DateTime<Utc>,
    #[serde(default)]
    organization_id: Option<String>,
    #[serde(default)]
    customer_id: Option<CustomerId>,
    #[serde(default)]
    external_customer_id: Option<String>,
    #[serde(default)]
    member_id: Option<MemberId>,
    #[serde(default)]
    external_member_id: Option<String>,
    #[serde(default)]
    parent_id: Option<EventId>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    child_count: u64,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    label: String,
    #[serde(default)]
    source: Option<EventSource>,
    #[serde(default, deserialize_with = "crate::loose::null_as_default")]
    metadata: Map<String, Value>,
}

impl StoredEvent {
    /// Polar's ID of the event.
    pub fn id(&self) -> &EventId {
        &self.id
    }

    /// The event's name (`llm.completion`; for system events Polar's own, e.g. `order.paid`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// When the event happened: the timestamp it was ingested with, or Polar's clock when it
    /// stored an event without one.
    pub fn timestamp(&self) -> DateTime<Utc> {
        self.timestamp
    }

    /// The organization that owns the event.
    pub fn organization_id(&self) -> Option<&str> {
        self.organization_id.as_deref()
    }

    /// The customer's Polar ID: set when the event named it, or when Polar matched the event's
    /// external customer ID to a customer.
    pub fn customer_id(&self) -> Option<&CustomerId> {
        self.customer_id.as_ref()
    }

    /// The customer's external ID, when the event named one.
    pub fn external_customer_id(&self) -> Option<&str> {
        self.external_customer_id.as_deref()
    }

    /// The member (inside a business customer) who acted, by Polar ID.
    pub fn member_id(&self) -> Option<&MemberId> {
        self.member_id.as_ref()
    }

    /// The member who acted, by your external ID.
    pub fn external_member_id(&self) -> Option<&str> {
        self.external_member_id.as_deref()
    }

    /// The parent event, when the event has one.
    pub fn parent_id(&self) -> Option<&EventId> {
        self.parent_id.as_ref()
    }

    /// How many events name this one as their parent (0 when Polar sent none).
    pub fn child_count(&self) -> u64 {
        self.child_count
    }

    /// The human-readable label of the event's type (empty when Polar sent none).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Who created the event, when Polar said.
    pub fn source(&self) -> Option<&EventSource> {
        self.source.as_ref()
    }

    /// The event's metadata as Polar returns it (numbers, text, booleans, and for some system
    /// events nested objects).
    pub fn metadata(&self) -> &Map<String, Value> {
        &self.metadata
    }
}
