//! [`Event`]: a webhook body decoded into the crate's types, with every event type Polar may add
//! kept as [`Event::Other`].

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::WebhookError;
use crate::{Customer, CustomerState, Member};

/// The event a webhook delivers: Polar's `{"type", "timestamp", "data"}` envelope, decoded.
///
/// The customer and member events carry the crate's own types ([`Customer`], [`CustomerState`],
/// [`Member`]); every other event type (Polar has dozens, and adds more) is [`Event::Other`] with
/// its `data` as JSON, never an error. The enum is
/// `#[non_exhaustive]`: keep a catch-all arm, since later versions of the crate type more events.
///
/// Payloads are forward compatible like the API's answers: unknown fields are ignored by the typed
/// payload and unknown enum values decode as `Other(..)` values. Every event also keeps its `data`
/// exactly as sent ([`Event::raw_data`]), and serializes back to the webhook body
/// (`Serialize`/`Deserialize`), so an event can be queued or stored and decoded again.
///
/// # Examples
/// ```
/// use polar_client::webhooks::Event;
///
/// let event = Event::from_json(br#"{"type":"customer.deleted","timestamp":"2026-04-01T10:00:00Z",
///     "data":{"id":"992fae2a-2a17-4b7a-8d9e-e287cf90131b","created_at":"2026-03-01T09:00:00Z",
///     "organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737",
///     "deleted_at":"2026-04-01T10:00:00Z"}}"#)?;
/// match &event {
///     Event::CustomerCreated { customer, .. } | Event::CustomerUpdated { customer, .. } => {
///         println!("upsert {}", customer.id())
///     }
///     Event::CustomerDeleted { customer, .. } => println!("remove {}", customer.id()),
///     Event::CustomerStateChanged { state, .. } => {
///         println!("{} active subscriptions", state.active_subscriptions().len())
///     }
///     Event::MemberCreated { member, .. } => println!("new member {}", member.email()),
///     other => println!("ignoring {}", other.event_type()),
/// }
/// assert_eq!(event.event_type(), "customer.deleted");
/// # Ok::<(), polar_client::webhooks::WebhookError>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// `customer.created`: a customer was created (through the API, a checkout, …).
    CustomerCreated {
        /// When Polar built the event.
        timestamp: DateTime<Utc>,
        /// The customer as it was when the event was built.
        customer: Customer,
        /// The `data` object exactly as Polar sent it, fields this crate does not type included
        /// (also [`Event::raw_data`]).
        data: Value,
    },
    /// `customer.updated`: a customer was updated (every accepted update, even one that changed
    /// nothing). The payload is the customer as it was when the event was built, not a diff: two
    /// quick updates can produce two identical events.
    CustomerUpdated {
        /// When Polar built the event.
        timestamp: DateTime<Utc>,
        /// The customer as it was when the event was built.
        customer: Customer,
        /// The `data` object exactly as Polar sent it, fields this crate does not type included
        /// (also [`Event::raw_data`]).
        data: Value,
    },
    /// `customer.deleted`: a customer was deleted; `deleted_at` is set, and its `external_id` is
    /// still shown (Polar freed it for reuse, so key on the customer's `id`).
    CustomerDeleted {
        /// When Polar built the event.
        timestamp: DateTime<Utc>,
        /// The customer as it was when the event was built.
        customer: Customer,
        /// The `data` object exactly as Polar sent it, fields this crate does not type included
        /// (also [`Event::raw_data`]).
        data: Value,
    },
    /// `customer.state_changed`: the customer's subscriptions, benefits or meters changed (also
    /// sent right after each `customer.created`, `customer.updated` and `customer.deleted`, and
    /// while a deleted customer's subscriptions are cancelled).
    CustomerStateChanged {
        /// When Polar built the event.
        timestamp: DateTime<Utc>,
        /// The customer's state when the event was built.
        state: CustomerState,
        /// The `data` object exactly as Polar sent it, fields this crate does not type included
        /// (also [`Event::raw_data`]).
        data: Value,
    },
    /// `member.created`: a member was added to a customer (also the owner Polar creates with a
    /// customer).
    MemberCreated {
        /// When Polar built the event.
        timestamp: DateTime<Utc>,
        /// The member as created.
        member: Member,
        /// The `data` object exactly as Polar sent it, fields this crate does not type included
        /// (also [`Event::raw_data`]).
        data: Value,
    },
    /// `member.updated`: a member's name, email or role changed (on an ownership transfer, only
    /// the promoted member gets one).
    MemberUpdated {
        /// When Polar built the event.
        timestamp: DateTime<Utc>,
        /// The member after the change.
        member: Member,
        /// The `data` object exactly as Polar sent it, fields this crate does not type included
        /// (also [`Event::raw_data`]).
        data: Value,
    },
    /// `member.deleted`: a member was removed (one per member, before the `customer.deleted` of a
    /// deleted customer). The payload carries no deletion time.
    MemberDeleted {
        /// When Polar built the event.
        timestamp: DateTime<Utc>,
        /// The member as it was.
        member: Member,
        /// The `data` object exactly as Polar sent it, fields this crate does not type included
        /// (also [`Event::raw_data`]).
        data: Value,
    },
    /// Any other event type, including those this crate does not know yet.
    Other {
        /// Polar's event type, e.g. `order.paid`.
        event_type: String,
        /// When Polar built the event.
        timestamp: DateTime<Utc>,
        /// The `data` object as Polar sent it (`null` if it had none).
        data: Value,
    },
}

impl Event {
    /// Decodes a webhook body **without verifying it**: for bodies already verified, e.g. stored
    /// after [`WebhookVerifier::verify`](super::WebhookVerifier::verify). Never use it on a request
    /// you have not verified.
    ///
    /// # Errors
    /// [`WebhookError::InvalidPayload`] with the JSON path of the problem: the body is not a JSON
    /// object, `type` is not a string, `timestamp` is not an RFC 3339 date-time, or the `data` of a
    /// typed event does not decode.
    ///
    /// # Examples
    /// ```
    /// use polar_client::webhooks::{Event, WebhookError};
    ///
    /// let error = Event::from_json(br#"{"type":"customer.created","timestamp":"2026-04-01T10:00:00Z",
    ///     "data":{"id":"992fae2a-2a17-4b7a-8d9e-e287cf90131b","organization_id":"o"}}"#).unwrap_err();
    /// assert!(matches!(error, WebhookError::InvalidPayload { path, .. } if path == "data"));
    /// ```
    pub fn from_json(body: &[u8]) -> Result<Self, WebhookError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| invalid(".", e))?;
        Self::from_value(value)
    }

    /// Decodes a webhook body already parsed as JSON, **without verifying it** (see
    /// [`from_json`](Self::from_json)).
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json): [`WebhookError::InvalidPayload`] with the JSON path of
    /// the problem.
    ///
    /// # Examples
    /// ```
    /// use polar_client::webhooks::Event;
    ///
    /// let event = Event::from_value(serde_json::json!({
    ///     "type": "order.paid", "timestamp": "2026-04-01T10:00:00Z", "data": {"id": "o_1"}
    /// }))?;
    /// assert_eq!(event.raw_data()["id"], "o_1");
    /// # Ok::<(), polar_client::webhooks::WebhookError>(())
    /// ```
    pub fn from_value(value: Value) -> Result<Self, WebhookError> {
        let Value::Object(mut envelope) = value else {
            return Err(invalid(".", "expected a JSON object"));
        };
        let event_type = match envelope.remove("type") {
            Some(Value::String(event_type)) => event_type,
            Some(_) => return Err(invalid("type", "expected a string")),
            None => return Err(invalid("type", "missing field")),
        };
        let timestamp = timestamp(&envelope)?;
        let raw = envelope.remove("data");
        let data = raw.clone().unwrap_or(Value::Null);
        Ok(match event_type.as_str() {
            "customer.created" => Self::CustomerCreated {
                timestamp,
                customer: typed(raw)?,
                data,
            },
            "customer.updated" => Self::CustomerUpdated {
                timestamp,
                customer: typed(raw)?,
                data,
            },
            "customer.deleted" => Self::CustomerDeleted {
                timestamp,
                customer: typed(raw)?,
                data,
            },
            "customer.state_changed" => Self::CustomerStateChanged {
                timestamp,
                state: typed(raw)?,
                data,
            },
            "member.created" => Self::MemberCreated {
                timestamp,
                member: typed(raw)?,
                data,
            },
            "member.updated" => Self::MemberUpdated {
                timestamp,
                member: typed(raw)?,
                data,
            },
            "member.deleted" => Self::MemberDeleted {
                timestamp,
                member: typed(raw)?,
                data,
            },
            _ => Self::Other {
                event_type,
                timestamp,
                data,
            },
        })
    }

    /// Polar's event type, e.g. `customer.created`.
    pub fn event_type(&self) -> &str {
        match self {
            Self::CustomerCreated { .. } => "customer.created",
            Self::CustomerUpdated { .. } => "customer.updated",
            Self::CustomerDeleted { .. } => "customer.deleted",
            Self::CustomerStateChanged { .. } => "customer.state_changed",
            Self::MemberCreated { .. } => "member.created",
            Self::MemberUpdated { .. } => "member.updated",
            Self::MemberDeleted { .. } => "member.deleted",
            Self::Other { event_type, .. } => event_type,
        }
    }

    /// When Polar built the event; order events by it (delivery order is only best effort).
    pub fn timestamp(&self) -> DateTime<Utc> {
        match self {
            Self::CustomerCreated { timestamp, .. }
            | Self::CustomerUpdated { timestamp, .. }
            | Self::CustomerDeleted { timestamp, .. }
            | Self::CustomerStateChanged { timestamp, .. }
            | Self::MemberCreated { timestamp, .. }
            | Self::MemberUpdated { timestamp, .. }
            | Self::MemberDeleted { timestamp, .. }
            | Self::Other { timestamp, .. } => *timestamp,
        }
    }

    /// The event's `data` object exactly as Polar sent it (`null` if it had none): every field,
    /// including those the typed payload of this crate version drops.
    ///
    /// # Examples
    /// ```
    /// use polar_client::webhooks::Event;
    ///
    /// let event = Event::from_json(br#"{"type":"member.deleted","timestamp":"2026-04-01T10:00:00Z",
    ///     "data":{"id":"0a4f6d1e-5c1b-4f4e-9a57-3c1f2b6d8e90","customer_id":"992fae2a-2a17-4b7a-8d9e-e287cf90131b",
    ///     "email":"jane@example.org","name":null,"external_id":null,"role":"member",
    ///     "created_at":"2026-03-01T09:00:00Z","modified_at":null,"brand_new_field":[1,2]}}"#)?;
    /// assert_eq!(event.raw_data()["brand_new_field"], serde_json::json!([1, 2]));
    /// # Ok::<(), polar_client::webhooks::WebhookError>(())
    /// ```
    pub fn raw_data(&self) -> &Value {
        match self {
            Self::CustomerCreated { data, .. }
            | Self::CustomerUpdated { data, .. }
            | Self::CustomerDeleted { data, .. }
            | Self::CustomerStateChanged { data, .. }
            | Self::MemberCreated { data, .. }
            | Self::MemberUpdated { data, .. }
            | Self::MemberDeleted { data, .. }
            | Self::Other { data, .. } => data,
        }
    }

    /// The customer of a `customer.*` event (for `customer.state_changed`, the state's customer).
    pub fn customer(&self) -> Option<&Customer> {
        match self {
            Self::CustomerCreated { customer, .. }
            | Self::CustomerUpdated { customer, .. }
            | Self::CustomerDeleted { customer, .. } => Some(customer),
            Self::CustomerStateChanged { state, .. } => Some(state.customer()),
            _ => None,
        }
    }

    /// The member of a `member.*` event.
    pub fn member(&self) -> Option<&Member> {
        match self {
            Self::MemberCreated { member, .. }
            | Self::MemberUpdated { member, .. }
            | Self::MemberDeleted { member, .. } => Some(member),
            _ => None,
        }
    }

    /// The ID of the customer a `customer.*` or `member.*` event is about: the key to order or
    /// serialize a customer's events by.
    pub fn customer_id(&self) -> Option<&crate::CustomerId> {
        self.customer()
            .map(Customer::id)
            .or_else(|| self.member().map(Member::customer_id))
    }
}

/// Writes the webhook body back: `{"type","timestamp","data"}` in Polar's key order, with the
/// raw `data` as received (so nothing the typed payload drops is lost) and the timestamp in RFC 3339
/// UTC with `Z`. [`Event::from_json`] of the result gives the same event again: queue or store the
/// event instead of the raw body.
impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut envelope = serializer.serialize_struct("Event", 3)?;
        envelope.serialize_field("type", self.event_type())?;
        envelope.serialize_field(
            "timestamp",
            &self
                .timestamp()
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        )?;
        envelope.serialize_field("data", self.raw_data())?;
        envelope.end()
    }
}

/// Reads the webhook body (as [`Event::from_value`]), e.g. an event stored with `Serialize`.
impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_value(value).map_err(serde::de::Error::custom)
    }
}

/// The envelope's `timestamp`, an RFC 3339 date-time (Polar omits zero microseconds).
fn timestamp(envelope: &Map<String, Value>) -> Result<DateTime<Utc>, WebhookError> {
    match envelope.get("timestamp") {
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text)
            .map(|time| time.with_timezone(&Utc))
            .map_err(|e| invalid("timestamp", format!("not an RFC 3339 date-time: {e}"))),
        Some(_) => Err(invalid("timestamp", "expected a string")),
        None => Err(invalid("timestamp", "missing field")),
    }
}

/// The `data` of a typed event, decoded with the path of any problem.
fn typed<T: DeserializeOwned>(data: Option<Value>) -> Result<T, WebhookError> {
    let data = data.ok_or_else(|| invalid("data", "missing field"))?;
    serde_path_to_error::deserialize(data).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." {
            "data".to_owned()
        } else {
            format!("data.{path}")
        };
        invalid(path, e.into_inner())
    })
}

fn invalid(path: impl Into<String>, message: impl ToString) -> WebhookError {
    WebhookError::InvalidPayload {
        path: path.into(),
        message: message.to_string(),
    }
}
