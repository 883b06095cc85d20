//! The [`Ingestor`]: a cheap-to-clone handle any task can hand events to, and one background task
//! that packs them into batches and sends each through [`Events::send_batch`] — the same request,
//! retry loop and classification as [`Events::ingest`]; it has no HTTP path of its own.
//!
//! Every event gets its `external_id` (and timestamp) when it is handed over, so every re-send —
//! the retry loop's, the ingestor's own after a transient failure, the rest of a batch after a
//! refusal — carries the same keys, and Polar counts each event once.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use chrono::{DateTime, DurationRound, Utc};
use tokio::sync::{Notify, Semaphore, TryAcquireError, watch};
use tokio::time::Instant;

use super::Events;
use super::ingest::{ENVELOPE_BYTES, EventProblem, MAX_BODY_BYTES, check_one, encoded_len, now};
use super::new_event::NewEvent;
use crate::error::Error;
use crate::validate::InputProblem;

/// Called with each event Polar refused (see [`IngestorBuilder::on_rejected`]).
type RejectedHook = Arc<dyn Fn(RejectedEvent) + Send + Sync>;
/// Called with each event given up on (see [`IngestorBuilder::on_failed`]).
type FailedHook = Arc<dyn Fn(FailedEvent) + Send + Sync>;

/// An event Polar refused, handed back with its reasons; nothing of it was stored.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RejectedEvent {
    /// The event as last sent (with the `external_id` and timestamp the ingestor gave it).
    pub event: NewEvent,
    /// Polar's reasons; `index` is the event's position in the refused batch.
    pub problems: Vec<EventProblem>,
}

/// An event the ingestor gave up on after transient failures (or a failure no retry can fix, such
/// as a refused token). It may or may not have been stored: send it again with the same
/// `external_id` — Polar skips it if it has it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FailedEvent {
    /// The event as last sent, `external_id` included.
    pub event: NewEvent,
    /// The last error of its batch (shared by the batch's events).
    pub error: Arc<Error>,
}

/// A snapshot of an ingestor's counters ([`Ingestor::stats`]).
///
/// Once [`Ingestor::close`] has returned, `accepted = inserted + duplicates + rejected + failed`
/// and `queued = 0`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IngestStats {
    /// Events handed over by `send`/`try_send`.
    pub accepted: u64,
    /// Event sends: each event counted once per request the ingestor made with it (a batch sent
    /// again after a transient failure or a refusal counts again).
    pub sent: u64,
    /// Events Polar stored.
    pub inserted: u64,
    /// Events Polar skipped as already stored (e.g. stored by an attempt whose answer was lost).
    pub duplicates: u64,
    /// Events Polar refused, handed back.
    pub rejected: u64,
    /// Events given up on after failures, handed back.
    pub failed: u64,
    /// Events handed over and not settled yet (queued, batching or in flight).
    pub queued: u64,
    /// Events re-dated to Polar's clock because their timestamp was ahead of it (after a refusal,
    /// or before sending once Polar's clock is known).
    pub redated: u64,
    /// Requests the ingestor made (not counting the retry loop's own retries).
    pub requests: u64,
}

/// What an ingestor did, from [`Ingestor::close`].
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct IngestReport {
    /// The final counters.
    pub stats: IngestStats,
    /// Events Polar refused, unless an [`on_rejected`](IngestorBuilder::on_rejected) hook took them.
    pub rejected: Vec<RejectedEvent>,
    /// Events given up on, unless an [`on_failed`](IngestorBuilder::on_failed) hook took them.
    pub failed: Vec<FailedEvent>,
}

/// Why an event was not taken; the event comes back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The queue is full ([`Ingestor::try_send`] only).
    #[error("the ingestor's queue is full")]
    Full(Box<NewEvent>),
    /// The ingestor is closed (or its task ended).
    #[error("the ingestor is closed")]
    Closed(Box<NewEvent>),
    /// The event breaks a rule Polar enforces whatever its data; it would be refused.
    #[error("invalid event: {}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The event.
        event: Box<NewEvent>,
        /// Every problem found.
        problems: Vec<InputProblem>,
    },
}

impl SendError {
    /// The event that was not taken.
    pub fn into_event(self) -> NewEvent {
        match self {
            Self::Full(event) | Self::Closed(event) | Self::Invalid { event, .. } => *event,
        }
    }
}

/// Settings of an [`Ingestor`], from [`Events::ingestor`].
#[derive(Clone)]
pub struct IngestorBuilder {
    events: Events,
    max_batch: usize,
    max_delay: Duration,
    queue: usize,
    min_interval: Duration,
    retries: u32,
    retry_backoff: Duration,
    on_rejected: Option<RejectedHook>,
    on_failed: Option<FailedHook>,
}

impl fmt::Debug for IngestorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IngestorBuilder")
            .field("max_batch", &self.max_batch)
            .field("max_delay", &self.max_delay)
            .field("queue", &self.queue)
            .field("min_interval", &self.min_interval)
            .field("retries", &self.retries)
            .field("retry_backoff", &self.retry_backoff)
            .finish_non_exhaustive()
    }
}

impl IngestorBuilder {
    fn new(events: Events) -> Self {
        Self {
            events,
            max_batch: 1_000,
            max_delay: Duration::from_secs(1),
            queue: 10_000,
            min_interval: Duration::from_millis(150),
            retries: 8,
            retry_backoff: Duration::from_millis(500),
            on_rejected: None,
            on_failed: None,
        }
    }

    /// Most events per request (default 1,000; at least 1). A batch is also sent before its body
    /// would pass Polar's 10 MiB limit.
    pub fn max_batch(mut self, events: usize) -> Self {
        self.max_batch = events.max(1);
        self
    }

    /// Longest an event waits for its batch to fill before the batch is sent (default 1 s).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How many events may wait in the queue (default 10,000; at least 1): beyond it,
    /// [`Ingestor::send`] waits and [`Ingestor::try_send`] hands the event back. This bounds the
    /// memory the ingestor holds (the queue, the batch being sent, the last batch stored until
    /// as many new events have been handed over, and one body buffer kept from batch to batch,
    /// about as large as the largest body sent, which is at most [`MAX_BODY_BYTES`]), and what a
    /// crash can lose.
    pub fn queue(mut self, events: usize) -> Self {
        self.queue = events.max(1);
        self
    }

    /// At most this many ingest requests per second from this ingestor (default 6.6, i.e. 400 a
    /// minute, under Polar's 500 a minute per organization); `0` or less: no limit. Other
    /// requests of the same client are not counted.
    pub fn max_requests_per_second(mut self, rate: f64) -> Self {
        self.min_interval = if rate > 0.0 && rate.is_finite() {
            Duration::try_from_secs_f64(1.0 / rate).unwrap_or(Duration::ZERO)
        } else {
            Duration::ZERO
        };
        self
    }

    /// How many times a batch is sent again after a call failed transiently (after the client's
    /// own [`RetryPolicy`](crate::RetryPolicy) gave up), waiting `backoff`, doubling, up to 30 s
    /// (default 8 times from 500 ms). Then its events are handed back as failed.
    pub fn retries(mut self, times: u32, backoff: Duration) -> Self {
        self.retries = times;
        self.retry_backoff = backoff;
        self
    }

    /// Hands each event Polar refused to `hook` (called on the ingestor's task: keep it short,
    /// e.g. send into a channel) instead of keeping it for the [`IngestReport`].
    pub fn on_rejected(mut self, hook: impl Fn(RejectedEvent) + Send + Sync + 'static) -> Self {
        self.on_rejected = Some(Arc::new(hook));
        self
    }

    /// Hands each event given up on to `hook` instead of keeping it for the [`IngestReport`].
    pub fn on_failed(mut self, hook: impl Fn(FailedEvent) + Send + Sync + 'static) -> Self {
        self.on_failed = Some(Arc::new(hook));
        self
    }

    /// Starts the background task on the current Tokio runtime.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] when called outside a Tokio runtime.
    pub fn start(self) -> Result<Ingestor, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::InvalidConfig {
            message: "an Ingestor must be started inside a Tokio runtime".to_owned(),
        })?;
        let queue = Arc::new(Queue::new(self.queue, self.max_batch.min(BATCH_ROOM)));
        let (done_tx, done_rx) = watch::channel(false);
        let shared = Arc::new(Shared::default());
        let task = Task {
            events: self.events.clone(),
            settings: self.clone(),
            shared: Arc::clone(&shared),
            next_send: Instant::now(),
            clock_offset: None,
            report_rejected: Vec::new(),
            report_failed: Vec::new(),
            body_ratio: 0.5,
            body: Vec::new(),
        };
        runtime.spawn(task.run(Arc::clone(&queue), done_tx));
        Ok(Ingestor {
            handle: Arc::new(Handle(queue)),
            shared,
            done: done_rx,
        })
    }
}

/// Counters shared by the handles and the task.
#[derive(Default)]
struct Shared {
    /// Written only under the queue's lock (see `Queue::push`).
    accepted: AtomicU64,
    sent: AtomicU64,
    inserted: AtomicU64,
    duplicates: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
    redated: AtomicU64,
    requests: AtomicU64,
    /// The report, left by the task when it ends; taken by the first `close`.
    report: Mutex<Option<IngestReport>>,
}

impl Shared {
    fn stats(&self) -> IngestStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Acquire);
        let inserted = load(&self.inserted);
        let duplicates = load(&self.duplicates);
        let rejected = load(&self.rejected);
        let failed = load(&self.failed);
        let accepted = load(&self.accepted);
        IngestStats {
            accepted,
            sent: load(&self.sent),
            inserted,
            duplicates,
            rejected,
            failed,
            queued: accepted.saturating_sub(inserted + duplicates + rejected + failed),
            redated: load(&self.redated),
            requests: load(&self.requests),
        }
    }
}

/// The bounded queue between the handles and the task: events in arrival order, one semaphore
/// permit per free place (so `send` waits, in turn, while it is full), and a wake-up for the
/// task. Its buffers grow to the capacity at most and are reused: handing an event over allocates
/// nothing (a channel that allocates a block per few dozen messages cost more than the rest of
/// the hand-over), and the task moves what it takes in one block rather than event by event.
struct Queue {
    state: Mutex<QueueState>,
    /// One permit per free place; closed with the queue.
    room: Semaphore,
    /// Wakes the task when the queue turns non-empty or closes.
    ready: Notify,
}

struct QueueState {
    /// The events, oldest first.
    events: Vec<NewEvent>,
    /// The loose bound of the bytes each event takes in a body, in the same order.
    sizes: Vec<usize>,
    /// Events of the last batch Polar stored, dropped one per event handed over (see
    /// [`Queue::push`]); at most one batch.
    spent: Vec<NewEvent>,
    /// No event is taken any more; those queued are still sent.
    closed: bool,
}

impl Queue {
    /// A queue of `capacity` places; `batch_room` is what a batch's vector is made room for.
    fn new(capacity: usize, batch_room: usize) -> Self {
        Self {
            state: Mutex::new(QueueState {
                events: Vec::new(),
                sizes: Vec::new(),
                // The vectors of the batches rotate through here: room for one up front.
                spent: Vec::with_capacity(batch_room),
                closed: false,
            }),
            room: Semaphore::new(capacity.min(Semaphore::MAX_PERMITS)),
            ready: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState> {
        // The lock is held for a few moves only and nothing in it panics; a poisoned lock's data
        // is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends an event that holds a place (its permit was taken) and counts it in `accepted`.
    ///
    /// Also hands out one event of the last batch stored, for the caller to drop once the lock
    /// is released: the memory of stored events is freed as new events come in, one for one, so
    /// the allocator gives the same blocks straight to the next event made. (Freed all at once by
    /// the sending task, a batch's blocks waited while the producer, having run ahead during the
    /// request, had no use for them, and the next request's larger allocations made `malloc`
    /// merge them for the small allocations after it to split again: ~700 instructions per
    /// event in `malloc` and `free`, as much as the ingestor's own work above a bare batcher.)
    #[inline]
    fn push(&self, event: NewEvent, bytes: usize, accepted: &AtomicU64) -> Pushed {
        let (was_empty, spent) = {
            let mut state = self.lock();
            if state.closed {
                return Pushed::Closed(event);
            }
            // Counted before the task can take it, so the task never settles more than was
            // accepted. Every count happens under this lock: a plain store, no atomic
            // read-modify-write on the hand-over's path.
            accepted.store(accepted.load(Ordering::Relaxed) + 1, Ordering::Release);
            state.events.push(event);
            state.sizes.push(bytes);
            (state.events.len() == 1, state.spent.pop())
        };
        if was_empty {
            self.ready.notify_one();
        }
        Pushed::Queued { spent }
    }

    /// Keeps the events of a batch Polar stored for [`push`](Self::push) to drop one by one;
    /// returns those of the batch before that are still there (fewer events came in since), to be
    /// dropped by the caller outside the lock, and whose vector becomes the next batch's room.
    fn keep_spent(&self, stored: Vec<NewEvent>) -> Vec<NewEvent> {
        std::mem::replace(&mut self.lock().spent, stored)
    }

    /// Stops taking events: waiting and later sends fail; queued events stay for the task.
    fn close(&self) {
        self.lock().closed = true;
        self.room.close();
        self.ready.notify_one();
    }
}

/// What [`Queue::push`] did with an event.
enum Pushed {
    /// Queued; `spent` is a stored event to drop now.
    Queued { spent: Option<NewEvent> },
    /// The queue is closed: the event comes back.
    Closed(NewEvent),
}

/// Closes the queue when the last handle is dropped, so the task sends what was queued and ends.
struct Handle(Arc<Queue>);

impl Drop for Handle {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// A handle to one ingestor: clone it into every task that produces events.
///
/// Events handed over are checked, given an `external_id` and a timestamp (now) when they have
/// none, queued, and sent by one background task in batches of up to
/// [`max_batch`](IngestorBuilder::max_batch) events, at most
/// [`max_delay`](IngestorBuilder::max_delay) after the first event of a batch arrived, and at
/// most [`max_requests_per_second`](IngestorBuilder::max_requests_per_second).
///
/// **Guarantees.** Every event handed over ends in exactly one of: stored by Polar (`inserted`,
/// or `duplicates` when an earlier attempt had stored it), handed back as rejected (Polar refused
/// it: nothing of it is stored; the rest of its batch is sent again at once), or handed back as
/// failed (after [`retries`](IngestorBuilder::retries) transient failures; it may have been
/// stored, and re-sending it is safe). Re-sends carry the same `external_id`s, so Polar counts
/// each event once. An event refused only because its timestamp is ahead of Polar's clock is
/// re-dated once to Polar's clock (its `Date` header) and sent again, so it is off by at most the
/// clocks' difference. From then on the ingestor knows a lower bound of Polar's clock (from every
/// answer's `Date`) and, when Polar's clock is behind this machine's, moves timestamps ahead of
/// it back before sending, so later batches are not refused for the clock; an event moved so is
/// off by at most the estimate's error (the `Date` header's one-second resolution at first, less
/// as answers accumulate). Both count in [`IngestStats::redated`].
///
/// **What a crash can lose.** Events live in this process's memory until Polar has them: a crash
/// (or a runtime shut down without [`close`](Ingestor::close)) loses at most the events queued,
/// batching and in flight — [`IngestStats::queued`], bounded by
/// [`queue`](IngestorBuilder::queue) plus one batch. For exactly-once end to end, derive each
/// event's `external_id` from your own durable data (a request ID, a log offset), keep the events
/// durable until `close` (or your own checkpoint) returns, and after a restart send again
/// everything not known to be settled: Polar skips what it already has.
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
/// let ingestor = polar.events().ingestor().max_batch(100).start()?;
/// let mut tasks = Vec::new();
/// for worker in 0..4 {
///     let ingestor = ingestor.clone();
///     tasks.push(tokio::spawn(async move {
///         for n in 0..50 {
///             let event = NewEvent::for_external_customer("usr_7", "api.call")
///                 .external_id(format!("w{worker}-{n}"))
///                 .metadata("tokens", 10);
///             ingestor.send(event).await?;
///         }
///         Ok::<_, polar_client::SendError>(())
///     }));
/// }
/// for task in tasks {
///     task.await??;
/// }
/// let report = ingestor.close().await;
/// assert_eq!(report.stats.inserted, 200);
/// assert!(report.rejected.is_empty() && report.failed.is_empty());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Ingestor {
    handle: Arc<Handle>,
    shared: Arc<Shared>,
    done: watch::Receiver<bool>,
}

impl fmt::Debug for Ingestor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ingestor")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Ingestor {
    /// Hands an event over, waiting while the queue is full (senders waiting for a place get one
    /// in the order they started waiting).
    ///
    /// Cancel-safe: if the future is dropped before it completes (a `select!`, a timeout), the
    /// event was not queued; once it completes with `Ok`, the event is the ingestor's. Each event
    /// taken also frees one event Polar has already stored, if any is left: the ingestor
    /// releases a stored batch's memory one event per event handed over (see
    /// [`queue`](IngestorBuilder::queue) for what it keeps).
    ///
    /// # Errors
    /// [`SendError::Invalid`] when the event breaks a rule Polar would refuse it for whatever its
    /// data; [`SendError::Closed`] after [`close`](Self::close). The event comes back in both.
    pub async fn send(&self, mut event: NewEvent) -> Result<(), SendError> {
        // In place: the event is moved as few times as possible on its way to the queue.
        let bytes = match prepare(&mut event) {
            Ok(bytes) => bytes,
            Err(problems) => return Err(invalid(event, problems)),
        };
        // A unit of the task's cooperative budget first (nothing is queued yet if the caller
        // gives up here): a fast producer then yields now and then, as it would waiting for a
        // place, and the sending task drains the queue in small steps (a producer that never
        // yields fills the whole queue before each drain, which cost more in `malloc` than the
        // yields).
        tokio::task::coop::consume_budget().await;
        let room = &self.handle.0.room;
        let permit = match room.try_acquire() {
            Ok(permit) => permit,
            Err(TryAcquireError::NoPermits) => match room.acquire().await {
                Ok(permit) => permit,
                Err(_closed) => return Err(SendError::Closed(Box::new(event))),
            },
            Err(TryAcquireError::Closed) => return Err(SendError::Closed(Box::new(event))),
        };
        permit.forget();
        self.enqueue(event, bytes)
    }

    /// Hands an event over if the queue has room, without waiting.
    ///
    /// # Errors
    /// [`SendError::Full`] when the queue is full, otherwise as [`send`](Self::send).
    pub fn try_send(&self, mut event: NewEvent) -> Result<(), SendError> {
        let bytes = match prepare(&mut event) {
            Ok(bytes) => bytes,
            Err(problems) => return Err(invalid(event, problems)),
        };
        match self.handle.0.room.try_acquire() {
            Ok(permit) => {
                permit.forget();
                self.enqueue(event, bytes)
            }
            Err(TryAcquireError::NoPermits) => Err(SendError::Full(Box::new(event))),
            Err(TryAcquireError::Closed) => Err(SendError::Closed(Box::new(event))),
        }
    }

    /// Queues an event whose place is taken.
    #[inline]
    fn enqueue(&self, event: NewEvent, bytes: usize) -> Result<(), SendError> {
        match self.handle.0.push(event, bytes, &self.shared.accepted) {
            // The stored event handed out is dropped here, outside the queue's lock.
            Pushed::Queued { spent } => {
                drop(spent);
                Ok(())
            }
            Pushed::Closed(event) => Err(SendError::Closed(Box::new(event))),
        }
    }

    /// The counters now.
    pub fn stats(&self) -> IngestStats {
        self.shared.stats()
    }

    /// Stops taking events, sends everything handed over so far, waits until each is settled
    /// (stored, rejected or failed) and returns the report. Any clone can close; the first call
    /// gets the rejected and failed events, later calls the counters only.
    pub async fn close(&self) -> IngestReport {
        // Events queued before it are still sent; sends waiting for room are refused.
        self.handle.0.close();
        let mut done = self.done.clone();
        // An error means the task ended without saying so (it cannot panic by design); the
        // counters are all there is then.
        let _ = done.wait_for(|finished| *finished).await;
        let taken = self
            .shared
            .report
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let mut report = taken.unwrap_or_default();
        report.stats = self.stats();
        report
    }
}

/// Checks an event and gives it what every send of it must carry: an `external_id` and a
/// timestamp; returns an upper bound of the bytes it takes in a body.
fn prepare(event: &mut NewEvent) -> Result<usize, Vec<InputProblem>> {
    let now = now_micros();
    let entries = check_one(event, now)?;
    event.ensure_external_id();
    if event.timestamp.is_none() {
        event.timestamp = Some(now);
    }
    // A loose bound, not a serialization: sizing reads no string twice. The task measures a
    // batch more closely once the loose total nears the body limit.
    let bytes = event.loose_size_bound_with(entries);
    if bytes + ENVELOPE_BYTES > MAX_BODY_BYTES
        && encoded_len(event) + ENVELOPE_BYTES > MAX_BODY_BYTES
    {
        return Err(vec![InputProblem::new(
            "events[0]",
            "the event alone exceeds Polar's 10 MiB body limit.",
        )]);
    }
    Ok(bytes)
}

/// The current time in whole microseconds, as events carry it (read once per event: built from
/// the clock's microseconds rather than truncated from a `DateTime`).
fn now_micros() -> DateTime<Utc> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_micros())
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .unwrap_or_else(now)
}

/// The refusal of an event that breaks a rule Polar enforces whatever its data.
#[cold]
fn invalid(event: NewEvent, problems: Vec<InputProblem>) -> SendError {
    SendError::Invalid {
        event: Box::new(event),
        problems,
    }
}

/// Most events a batch's vector is made room for up front (beyond, it grows).
const BATCH_ROOM: usize = 4_096;

/// A batch being filled or sent.
struct Batch {
    events: Vec<NewEvent>,
    /// Whether each event was re-dated already (once at most).
    redated: Vec<bool>,
    /// An upper bound of the body's size so far: loose (every string byte counted as a 6-byte
    /// escape) until [`measure`](Batch::measure)d.
    bytes: usize,
    /// Whether `bytes` is the close bound ([`NewEvent::size_bound`]); events pushed after it are
    /// sized closely too.
    measured: bool,
}

impl Default for Batch {
    fn default() -> Self {
        Self {
            events: Vec::new(),
            redated: Vec::new(),
            bytes: ENVELOPE_BYTES,
            measured: false,
        }
    }
}

impl Batch {
    /// Sizes the batch with the close bound: its loose total neared the body limit.
    fn measure(&mut self) {
        self.bytes = ENVELOPE_BYTES
            + self.events.len().saturating_sub(1)
            + self.events.iter().map(NewEvent::size_bound).sum::<usize>();
        self.measured = true;
    }

    /// Moves the `count` oldest queued events into the batch (their bytes are counted already):
    /// the whole queue in one block when it is all taken.
    fn take_from(&mut self, queue: &mut QueueState, count: usize) {
        if count == queue.events.len() {
            self.events.append(&mut queue.events);
            queue.sizes.clear();
        } else {
            self.events.extend(queue.events.drain(..count));
            queue.sizes.drain(..count);
        }
        self.redated.resize(self.events.len(), false);
    }

    fn push(&mut self, event: NewEvent, bytes: usize) {
        self.bytes += bytes + usize::from(!self.events.is_empty());
        self.events.push(event);
        self.redated.push(false);
    }

    fn len(&self) -> usize {
        self.events.len()
    }
}

/// The background task's state.
struct Task {
    events: Events,
    settings: IngestorBuilder,
    shared: Arc<Shared>,
    /// The earliest time the next request may go (the interval limiter).
    next_send: Instant,
    /// A lower bound of how far Polar's clock is ahead of ours (negative: behind), learnt from
    /// `Date` headers: each answer's `Date` (whole seconds, rounded down) minus our clock after
    /// the answer is at most the true offset; the largest seen is kept.
    clock_offset: Option<chrono::TimeDelta>,
    report_rejected: Vec<RejectedEvent>,
    report_failed: Vec<FailedEvent>,
    /// The last body's size over its batch's loose bound, to size the next body's buffer.
    body_ratio: f64,
    /// The body buffer, reused from batch to batch (about as large as the largest body sent):
    /// one large allocation and free fewer per batch, each of which also made `malloc` merge
    /// the small blocks freed before it.
    body: Vec<u8>,
}

impl Task {
    async fn run(mut self, queue: Arc<Queue>, done: watch::Sender<bool>) {
        let mut batch = self.empty_batch();
        let mut deadline: Option<Instant> = None;
        // One timer for the whole run, moved when the batch's deadline changes (a timer per
        // event would cost more than the rest of its handling).
        let mut timer = std::pin::pin!(tokio::time::sleep_until(Instant::now()));
        loop {
            let (taken, full, finished) = self.take(&queue, &mut batch, &mut deadline);
            if taken > 0 {
                queue.room.add_permits(taken);
            }
            if full {
                self.flush(&queue, &mut batch).await;
                deadline = None;
                continue;
            }
            if finished {
                break;
            }
            // Wait for events (or the close), or the batch's deadline.
            let ready = queue.ready.notified();
            let mut ready = std::pin::pin!(ready);
            match deadline {
                Some(at) => {
                    if timer.deadline() != at {
                        timer.as_mut().reset(at);
                    }
                    let woken = std::future::poll_fn(|cx| {
                        if ready.as_mut().poll(cx).is_ready() {
                            return Poll::Ready(true);
                        }
                        timer.as_mut().poll(cx).map(|()| false)
                    })
                    .await;
                    if !woken {
                        self.flush(&queue, &mut batch).await;
                        deadline = None;
                    }
                }
                None => ready.await,
            }
        }
        self.flush(&queue, &mut batch).await;
        // Nothing more comes in: the last batch stored is dropped now.
        drop(queue.keep_spent(Vec::new()));
        let report = IngestReport {
            stats: self.shared.stats(),
            rejected: std::mem::take(&mut self.report_rejected),
            failed: std::mem::take(&mut self.report_failed),
        };
        *self
            .shared
            .report
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(report);
        let _ = done.send(true);
    }

    /// Moves queued events into the batch until it is full (by count or by bytes) or the queue is
    /// empty. Returns how many were taken, whether the batch is to be sent now, and whether the
    /// queue is closed and drained.
    fn take(
        &self,
        queue: &Queue,
        batch: &mut Batch,
        deadline: &mut Option<Instant>,
    ) -> (usize, bool, bool) {
        let mut state = queue.lock();
        let mut taken = 0;
        let full = loop {
            // How many of the oldest events fit, by count and by bytes.
            let room = self.settings.max_batch.saturating_sub(batch.len());
            let mut fit = 0;
            let mut over = false;
            for (event, loose) in state.events.iter().zip(&state.sizes).take(room) {
                let bytes = if batch.measured {
                    event.size_bound()
                } else {
                    *loose
                };
                let separator = usize::from(batch.len() + fit > 0);
                if batch.len() + fit > 0 && batch.bytes + separator + bytes > MAX_BODY_BYTES {
                    over = true;
                    break;
                }
                batch.bytes += separator + bytes;
                fit += 1;
            }
            if fit > 0 {
                if batch.len() == 0 {
                    *deadline = Some(Instant::now() + self.settings.max_delay);
                }
                batch.take_from(&mut state, fit);
                taken += fit;
            }
            if over && !batch.measured {
                // The loose total nears the limit: size the batch closely and look again.
                batch.measure();
                continue;
            }
            break over || batch.len() >= self.settings.max_batch;
        };
        let finished = state.closed && state.events.is_empty();
        (taken, full, finished)
    }

    /// An empty batch with room for a full one (up to a few thousand events; beyond, it grows).
    fn empty_batch(&self) -> Batch {
        let capacity = self.settings.max_batch.min(BATCH_ROOM);
        Batch {
            events: Vec::with_capacity(capacity),
            redated: Vec::with_capacity(capacity),
            bytes: ENVELOPE_BYTES,
            measured: false,
        }
    }

    /// Sends the batch until every event in it is settled, and leaves it empty.
    async fn flush(&mut self, queue: &Queue, slot: &mut Batch) {
        if slot.len() == 0 {
            return;
        }
        let mut batch = std::mem::take(slot);
        let mut failures = 0u32;
        while batch.len() > 0 {
            self.pace().await;
            self.clamp_to_polars_clock(&mut batch);
            let count = batch.len() as u64;
            self.shared.sent.fetch_add(count, Ordering::AcqRel);
            self.shared.requests.fetch_add(1, Ordering::AcqRel);
            // The body's size, from the last batch's ratio of body to bound (a measured bound is
            // close enough as it is).
            let capacity = if batch.measured {
                batch.bytes
            } else {
                (batch.bytes as f64 * self.body_ratio) as usize + 1_024
            };
            self.body.clear();
            self.body.reserve(capacity.min(MAX_BODY_BYTES));
            let sent = self.events.send_batch(&batch.events, &mut self.body).await;
            if let Some(bytes) = sent.body_bytes
                && batch.bytes > 0
            {
                self.body_ratio = (bytes as f64 / batch.bytes as f64).clamp(0.05, 1.0) * 1.05;
            }
            if let Some(date) = sent.server_date {
                let seen = date - now();
                // A refusal for the clock means the kept bound no longer holds (a clock moved):
                // start again from this answer.
                let refused_for_clock = sent.result.as_ref().err().is_some_and(|e| {
                    e.rejected_events()
                        .iter()
                        .any(EventProblem::is_future_timestamp)
                });
                self.clock_offset = Some(match self.clock_offset {
                    Some(kept) if !refused_for_clock => kept.max(seen),
                    _ => seen,
                });
            }
            let error = match sent.result {
                Ok(ingested) => {
                    // Polar's counts; whatever it says, every event of the batch is settled.
                    let duplicates = count.saturating_sub(ingested.inserted().min(count));
                    self.shared
                        .inserted
                        .fetch_add(count - duplicates, Ordering::AcqRel);
                    self.shared
                        .duplicates
                        .fetch_add(duplicates, Ordering::AcqRel);
                    // The stored events go to the queue, to be dropped one per event handed over;
                    // what is left of the batch before is dropped now, and its emptied vector is
                    // the next batch's room.
                    let mut leftover = queue.keep_spent(std::mem::take(&mut batch.events));
                    leftover.clear();
                    batch.events = leftover;
                    batch.redated.clear();
                    batch.bytes = ENVELOPE_BYTES;
                    batch.measured = false;
                    *slot = batch;
                    return;
                }
                Err(error) => error,
            };
            let problems = if error.status() == Some(422) {
                error.rejected_events()
            } else {
                Vec::new()
            };
            let named: BTreeMap<usize, Vec<EventProblem>> =
                problems.into_iter().fold(BTreeMap::new(), |mut map, p| {
                    if p.index < batch.len() {
                        map.entry(p.index).or_insert_with(Vec::new).push(p);
                    }
                    map
                });
            if !named.is_empty() {
                failures = 0;
                batch = self.split(batch, named, sent.server_date);
                continue;
            }
            let transient = error.is_retryable()
                || error.may_have_been_processed()
                || matches!(error, Error::RateLimited { .. } | Error::Server { .. });
            if transient && failures < self.settings.retries {
                failures += 1;
                tracing::warn!(
                    attempt = failures,
                    events = count,
                    reason = %error,
                    "Polar ingest failed; sending the batch again"
                );
                tokio::time::sleep(self.backoff(failures)).await;
                continue;
            }
            let error = Arc::new(error);
            self.shared.failed.fetch_add(count, Ordering::AcqRel);
            for event in batch.events {
                let failed = FailedEvent {
                    event,
                    error: Arc::clone(&error),
                };
                match &self.settings.on_failed {
                    Some(hook) => hook(failed),
                    None => self.report_failed.push(failed),
                }
            }
            return;
        }
    }

    /// Takes the events a `422` named out of the batch (re-dating, once, those refused only for a
    /// timestamp ahead of Polar's clock) and returns what is to be sent again.
    fn split(
        &mut self,
        batch: Batch,
        mut named: BTreeMap<usize, Vec<EventProblem>>,
        server_date: Option<DateTime<Utc>>,
    ) -> Batch {
        let mut rest = Batch {
            measured: true,
            ..Batch::default()
        };
        for (index, (mut event, redated)) in batch.events.into_iter().zip(batch.redated).enumerate()
        {
            let Some(problems) = named.remove(&index) else {
                let bytes = event.size_bound();
                rest.push(event, bytes);
                if let Some(flag) = rest.redated.last_mut() {
                    *flag = redated;
                }
                continue;
            };
            let only_timestamp = problems.iter().all(EventProblem::is_future_timestamp);
            match server_date {
                Some(date) if only_timestamp && !redated => {
                    // `Date` has whole seconds, rounded down: at or behind Polar's clock.
                    event.timestamp = Some(event.timestamp.map_or(date, |t| t.min(date)));
                    self.shared.redated.fetch_add(1, Ordering::AcqRel);
                    let bytes = event.size_bound();
                    rest.push(event, bytes);
                    if let Some(flag) = rest.redated.last_mut() {
                        *flag = true;
                    }
                }
                _ => {
                    self.shared.rejected.fetch_add(1, Ordering::AcqRel);
                    let rejected = RejectedEvent { event, problems };
                    match &self.settings.on_rejected {
                        Some(hook) => hook(rejected),
                        None => self.report_rejected.push(rejected),
                    }
                }
            }
        }
        rest
    }

    /// Moves timestamps that would be ahead of Polar's clock (by the learnt offset, when Polar's
    /// clock is behind ours) back to it, so a batch is not refused for them; the offset is a lower
    /// bound, so a moved event is never ahead of Polar's clock, and is off by at most the
    /// estimate's error (under a second once a few answers have been seen).
    fn clamp_to_polars_clock(&self, batch: &mut Batch) {
        let Some(offset) = self.clock_offset.filter(|o| *o < chrono::TimeDelta::zero()) else {
            return;
        };
        let limit = now() + offset;
        // Whole microseconds, as events carry them; rounding down keeps it behind Polar's clock.
        let limit = limit
            .duration_trunc(chrono::TimeDelta::microseconds(1))
            .unwrap_or(limit);
        let mut moved = 0u64;
        for event in &mut batch.events {
            if event.timestamp.is_some_and(|t| t > limit) {
                event.timestamp = Some(limit);
                moved += 1;
            }
        }
        if moved > 0 {
            self.shared.redated.fetch_add(moved, Ordering::AcqRel);
        }
    }

    /// Waits until the next request may go (the interval limiter).
    async fn pace(&mut self) {
        let now = Instant::now();
        if self.next_send > now {
            tokio::time::sleep_until(self.next_send).await;
        }
        self.next_send = self.next_send.max(now) + self.settings.min_interval;
    }

    /// The wait before the `n`th re-send: `retry_backoff` doubling, at most 30 s, with up to a
    /// quarter taken off at random.
    fn backoff(&self, n: u32) -> Duration {
        let base = self
            .settings
            .retry_backoff
            .saturating_mul(1u32 << (n.saturating_sub(1)).min(16))
            .min(Duration::from_secs(30));
        base.mul_f64(1.0 - fastrand::f64() * 0.25)
    }
}

impl Events {
    /// Settings for an [`Ingestor`] sending through this client; finish with
    /// [`IngestorBuilder::start`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let polar = polar_client::Polar::builder().access_token("polar_oat_example").build()?;
    /// use std::time::Duration;
    ///
    /// let ingestor = polar
    ///     .events()
    ///     .ingestor()
    ///     .max_batch(500)
    ///     .max_delay(Duration::from_millis(250))
    ///     .queue(50_000)
    ///     .start()?;
    /// assert_eq!(ingestor.stats().accepted, 0);
    /// # Ok(()) }
    /// ```
    pub fn ingestor(&self) -> IngestorBuilder {
        IngestorBuilder::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: usize) -> NewEvent {
        NewEvent::for_external_customer("usr_1", "api.call").external_id(format!("e{n}"))
    }

    fn pushed(queue: &Queue, n: usize, accepted: &AtomicU64) -> Option<String> {
        match queue.push(event(n), 10, accepted) {
            Pushed::Queued { spent } => spent.and_then(|e| e.external_id),
            Pushed::Closed(_) => panic!("the queue is open"),
        }
    }

    #[test]
    fn stored_events_are_dropped_one_per_event_handed_over_and_never_more_than_a_batch() {
        let queue = Queue::new(10, 4);
        let accepted = AtomicU64::new(0);
        // Nothing stored yet: nothing handed out.
        assert_eq!(pushed(&queue, 0, &accepted), None);
        // A stored batch of three: each event handed over takes one of them out.
        let leftover = queue.keep_spent((1..=3).map(event).collect());
        assert!(leftover.is_empty());
        assert_eq!(pushed(&queue, 4, &accepted).as_deref(), Some("e3"));
        assert_eq!(pushed(&queue, 5, &accepted).as_deref(), Some("e2"));
        // The next batch stored: what is left of the last one comes back to be dropped, so at
        // most one batch is kept.
        let leftover = queue.keep_spent(vec![event(6)]);
        let left: Vec<_> = leftover
            .iter()
            .filter_map(NewEvent::external_id_ref)
            .collect();
        assert_eq!(left, ["e1"]);
        assert_eq!(pushed(&queue, 7, &accepted).as_deref(), Some("e6"));
        assert_eq!(pushed(&queue, 8, &accepted), None);
        assert_eq!(accepted.load(Ordering::Acquire), 5);
        // Closed: the event comes back, uncounted, and nothing is handed out.
        queue.close();
        assert!(matches!(
            queue.push(event(9), 10, &accepted),
            Pushed::Closed(e) if e.external_id_ref() == Some("e9")
        ));
        assert_eq!(accepted.load(Ordering::Acquire), 5);
    }
}
