//! Ingesting a batch of usage events (`events:ingest`): validate, give every event an
//! `external_id`, check the body size, run the retry loop (replay-safe: Polar deduplicates on the
//! `external_id`), and read which events a `422` names.

use std::future::Future;
use std::io;
use std::sync::Mutex;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use progenitor_client::{Error as GeneratedError, ResponseValue};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::Events;
use super::new_event::NewEvent;
use crate::core::request::{Request, send_serialized};
use crate::core::run::Operation;
use crate::error::Error;
use crate::validate::{Checker, InputProblem};

/// Polar's request body limit (its `413`); a batch whose body would exceed it is refused locally.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// The bytes of `{"events":[` and `]}` around the events.
pub(crate) const ENVELOPE_BYTES: usize = 13;

/// What Polar answered to a batch: how many events it stored and how many it skipped because an
/// event with the same `external_id` was stored already (by an earlier attempt, an earlier batch
/// or earlier in the same batch).
///
/// ```
/// use polar_client::Ingested;
///
/// let ingested: Ingested = serde_json::from_str(r#"{"inserted": 2, "duplicates": 1, "new": 0}"#)?;
/// assert_eq!((ingested.inserted(), ingested.duplicates()), (2, 1));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Ingested {
    inserted: u64,
    #[serde(default)]
    duplicates: u64,
}

impl Ingested {
    /// Events stored by this call.
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// Events skipped as duplicates of stored ones.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }
}

/// One event a `422` refused, by its position in the batch as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventProblem {
    /// The event's index in the batch (as passed to [`Events::ingest`]).
    pub index: usize,
    /// The field Polar named below the event (`"customer_id"`, `"timestamp"`, …), without the
    /// variant name Polar puts in between; empty when it named the event as a whole.
    pub field: String,
    /// Polar's explanation, e.g. `"Customer not found."`.
    pub message: String,
}

impl EventProblem {
    /// Whether Polar refused the event only for a timestamp ahead of its clock.
    pub fn is_future_timestamp(&self) -> bool {
        self.field == "timestamp"
    }
}

impl Error {
    /// The events a refused batch named, when this is Polar's `422` for `events:ingest`: one
    /// entry per problem, in Polar's order (an event may appear more than once). Polar stores
    /// nothing of a refused batch, so the other events can be sent again at once. Empty for any
    /// other error.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::NewEvent;
    ///
    /// let unknown = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"; // no such customer
    /// let batch = vec![
    ///     NewEvent::for_external_customer("usr_1", "api.call"),
    ///     NewEvent::for_customer(unknown, "api.call"),
    /// ];
    /// let err = polar.events().ingest(batch).await.unwrap_err();
    /// let refused = err.rejected_events();
    /// assert_eq!(refused[0].index, 1);
    /// assert_eq!(refused[0].field, "customer_id");
    /// assert!(mock.usage_events().is_empty(), "nothing of a refused batch is stored");
    /// # Ok(()) }
    /// ```
    pub fn rejected_events(&self) -> Vec<EventProblem> {
        self.field_errors()
            .iter()
            .filter_map(|e| {
                let loc = e.loc();
                let is_event = loc.first().and_then(|v| v.as_str()) == Some("body")
                    && loc.get(1).and_then(|v| v.as_str()) == Some("events");
                let index = usize::try_from(loc.get(2)?.as_u64()?).ok()?;
                is_event.then(|| EventProblem {
                    index,
                    field: event_field(&loc[3..]),
                    message: e.message().to_owned(),
                })
            })
            .collect()
    }
}

/// The field path below an event, without the union variant's class name
/// (`["EventCreateCustomer", "timestamp"]` → `"timestamp"`).
fn event_field(rest: &[serde_json::Value]) -> String {
    let parts: Vec<String> = rest
        .iter()
        .filter(|part| !part.as_str().is_some_and(|s| s.starts_with("EventCreate")))
        .map(|part| match part {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    parts.join(".")
}

/// The body as sent.
#[derive(Serialize)]
struct Body<'a> {
    events: &'a [NewEvent],
}

/// One call's outcome with what the ingestor needs beyond it: the `Date` of Polar's last answer.
pub(crate) struct Sent {
    pub(crate) result: Result<Ingested, Error>,
    /// The body's size in bytes.
    pub(crate) body_bytes: Option<usize>,
    /// Polar's clock, from the `Date` header of the last answer that had one.
    pub(crate) server_date: Option<DateTime<Utc>>,
}

/// Counts bytes written, to size a body without building it.
struct Counter(usize);

impl io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The bytes `event` takes in a request body (without the comma between events).
pub(crate) fn encoded_len(event: &NewEvent) -> usize {
    let mut counter = Counter(0);
    // Serializing strings, numbers and a timestamp into a counter cannot fail; a failure would
    // only under-count, and Polar's 413 still stands behind it.
    let _ = serde_json::to_writer(&mut counter, event);
    counter.0
}

impl Events {
    /// Ingests a batch of usage events in one request, all or nothing.
    ///
    /// Every event without an `external_id` is given a random one before the first attempt, so
    /// the client's retries (timeouts, lost answers, 5xx, 429) never count an event twice: Polar
    /// stores one event per `external_id` and reports the rest as
    /// [`duplicates`](Ingested::duplicates). To be exactly-once across your own retries and
    /// restarts as well, set `external_id`s derived from your durable data. For many events from
    /// many tasks, use an [`Ingestor`](crate::Ingestor).
    ///
    /// Meter balances are computed by Polar in the background, seconds to minutes after the
    /// events are stored: a balance read right after `Ok` may not include them.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let mock = polar_client_mock::MockPolar::start().await?;
    /// # let polar = polar_client::Polar::builder()
    /// #     .access_token(mock.organization_token())
    /// #     .base_url(mock.base_url())
    /// #     .build()?;
    /// use polar_client::NewEvent;
    ///
    /// let event = || NewEvent::for_external_customer("usr_7", "api.call").external_id("req_1");
    /// let first = polar.events().ingest(vec![event()]).await?;
    /// assert_eq!((first.inserted(), first.duplicates()), (1, 0));
    /// // The same external_id again: skipped, not counted twice.
    /// let again = polar.events().ingest(vec![event()]).await?;
    /// assert_eq!((again.inserted(), again.duplicates()), (0, 1));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] (nothing sent) naming `events[i].field` for every event that breaks
    /// a rule Polar enforces whatever its data (empty or over-long name, customer ID syntax,
    /// metadata values, a timestamp more than a few seconds ahead of this machine's clock), or when
    /// the body would exceed Polar's 10 MiB limit ([`MAX_BODY_BYTES`]; split the batch).
    /// [`Error::Validation`] when Polar refused the batch — nothing was stored;
    /// [`Error::rejected_events`] lists the events by index (unknown customer, timestamp ahead of
    /// Polar's clock). Otherwise the errors of every call ([`Error`]): when one says
    /// [`may_have_been_processed`](Error::may_have_been_processed), sending the same events
    /// (same `external_id`s) again is safe.
    pub fn ingest(
        &self,
        events: Vec<NewEvent>,
    ) -> impl Future<Output = Result<Ingested, Error>> + Send + 'static + use<> {
        let this = self.clone();
        async move {
            let mut events = events;
            for event in &mut events {
                event.ensure_external_id();
            }
            check_batch(&events, DateTime::<Utc>::from(std::time::SystemTime::now()))?;
            let capacity = events.iter().map(NewEvent::size_bound).sum::<usize>() + ENVELOPE_BYTES;
            let mut body = Vec::with_capacity(capacity.min(MAX_BODY_BYTES));
            this.send_batch(&events, &mut body).await.result
        }
    }

    /// Sends a checked batch whose events all have an `external_id`, through the retry loop.
    ///
    /// The body is written into `buffer` (its contents are replaced; it grows if needed), and the
    /// buffer is handed back once no request holds it any more, so a caller sending batch after
    /// batch (the ingestor) reuses one buffer instead of allocating and freeing a large one per
    /// batch.
    pub(crate) async fn send_batch(&self, events: &[NewEvent], buffer: &mut Vec<u8>) -> Sent {
        let mut json = std::mem::take(buffer);
        json.clear();
        // Strings, numbers and timestamps into a `Vec`: serializing cannot fail; if it did, the
        // body would be cut short and Polar would refuse it (a 422 for the whole batch).
        let _ = serde_json::to_writer(&mut json, &Body { events });
        let body_bytes = Some(json.len());
        let json = bytes::Bytes::from(json);
        let request: Request<'_> = Request {
            operation_id: "events_ingest",
            method: Method::POST,
            path: "/v1/events/ingest",
            query: &[],
            body: None,
            success: 200,
        };
        let clock = Mutex::new(None);
        let api = self.core.api();
        let finished = self
            .core
            .run(Operation::replayable("events:ingest", 200), || async {
                // A clone of `Bytes` shares the buffer: every attempt sends the same body.
                let answer = send_serialized::<Ingested>(api, &request, json.clone()).await;
                note_date(&answer, &clock);
                answer
            })
            .await;
        let server_date = clock.lock().ok().and_then(|date| *date);
        // Every attempt has ended; if the HTTP stack still held a clone, the buffer is let go.
        if let Ok(unique) = json.try_into_mut() {
            *buffer = Vec::from(unique);
        }
        Sent {
            result: finished.result,
            body_bytes,
            server_date,
        }
    }
}

/// Keeps the `Date` of an answer, success or failure.
fn note_date<T>(
    answer: &Result<ResponseValue<T>, GeneratedError<()>>,
    clock: &Mutex<Option<DateTime<Utc>>>,
) {
    let headers = match answer {
        Ok(value) => value.headers(),
        Err(GeneratedError::UnexpectedResponse(response)) => response.headers(),
        Err(_) => return,
    };
    let date = headers
        .get(reqwest::header::DATE)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| httpdate::parse_http_date(text).ok())
        .map(DateTime::<Utc>::from);
    if let (Some(date), Ok(mut kept)) = (date, clock.lock()) {
        *kept = Some(date);
    }
}

/// Checks every event and the body size, reporting every problem.
///
/// # Errors
/// [`Error::InvalidInput`] with every problem found.
pub(crate) fn check_batch(events: &[NewEvent], now: DateTime<Utc>) -> Result<(), Error> {
    let mut check = Checker::default();
    let mut bytes = ENVELOPE_BYTES;
    for (index, event) in events.iter().enumerate() {
        event.check(index, now, &mut check);
        bytes += encoded_len(event) + usize::from(index > 0);
    }
    if bytes > MAX_BODY_BYTES {
        check.report(
            "events",
            format!("the body would be {bytes} bytes; Polar accepts at most {MAX_BODY_BYTES}: split the batch."),
        );
    }
    check
        .finish()
        .map_err(|problems| Error::InvalidInput { problems })
}

/// The current time, as a `DateTime` (one place, for the ingestor too).
pub(crate) fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(SystemTime::now())
}

/// Problems for one event alone (the ingestor checks events as they are handed over; it checks
/// the size itself, once the event has its timestamp and `external_id`).
///
/// Returns the loose size bound of the event's metadata entries (see
/// [`NewEvent::loose_size_bound_with`]).
pub(crate) fn check_one(event: &NewEvent, now: DateTime<Utc>) -> Result<usize, Vec<InputProblem>> {
    let mut check = Checker::default();
    let entries = event.check(0, now, &mut check);
    check.finish().map(|()| entries)
}
