//! What the mock's webhook delivery is made of, shared by its handle
//! ([`WebhookDeliveries`](super::WebhookDeliveries)) and its sender (the dispatcher): the
//! endpoint's settings, the record of attempts, a delivery job, and the progress both watch.
//! A leaf: it depends on neither of them.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::events::MockEvent;
use crate::signing::Secret;

/// Polar's receiver deadline: an answer must come within 10 s.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Polar makes 10 attempts in all.
const DEFAULT_MAX_ATTEMPTS: u32 = 10;
/// Polar waits 2 s·2ⁿ; the mock compresses that to 10 ms·2ⁿ unless told otherwise.
const DEFAULT_RETRY_BASE_DELAY: Duration = Duration::from_millis(10);
/// Polar disables an endpoint whose 10 most recent deliveries all failed for good.
const DISABLE_AFTER_FAILED_DELIVERIES: usize = 10;

/// Where and how the mock delivers webhooks: the endpoint's URL and secret, the event types it
/// subscribed to, and Polar's retry rules with the delays compressed for tests.
///
/// # Examples
/// ```
/// use polar_client_mock::WebhookEndpoint;
/// use std::time::Duration;
///
/// let endpoint = WebhookEndpoint::new("http://127.0.0.1:8767/webhooks/polar", "whsec_test")
///     .event_types(["customer.created", "customer.updated"])
///     .max_attempts(3)
///     .retry_base_delay(Duration::from_millis(1))
///     .timeout(Duration::from_secs(2));
/// # let _ = endpoint;
/// ```
#[derive(Clone, Debug)]
pub struct WebhookEndpoint {
    pub(crate) url: String,
    pub(crate) secret: Secret,
    pub(crate) event_types: Option<BTreeSet<String>>,
    pub(crate) retry_base_delay: Duration,
    pub(crate) max_attempts: u32,
    pub(crate) timeout: Duration,
}

impl WebhookEndpoint {
    /// An endpoint at `url` (`http://` or `https://`) signing with `secret`, subscribed to every
    /// event type, with Polar's 10 attempts and 10 s timeout and a 10 ms retry base delay.
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            secret: Secret::new(secret.into()),
            event_types: None,
            retry_base_delay: DEFAULT_RETRY_BASE_DELAY,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Subscribes only to these event types (e.g. `customer.created`); others are not sent.
    #[must_use]
    pub fn event_types<S: Into<String>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        self.event_types = Some(types.into_iter().map(Into::into).collect());
        self
    }

    /// The base of the retry backoff (Polar: 2 s; default here 10 ms). After failed attempt `n`
    /// the next waits `base·2ⁿ`, capped at `600·base` (Polar's 20 minutes), times a random factor
    /// between 1 and 2.
    #[must_use]
    pub fn retry_base_delay(mut self, delay: Duration) -> Self {
        self.retry_base_delay = delay;
        self
    }

    /// Attempts per delivery, the first included (Polar: 10, the default; at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// How long the receiver has to answer an attempt (Polar: 10 s, the default).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// One attempt to deliver an event, as
/// [`WebhookDeliveries::attempts`](super::WebhookDeliveries::attempts) reports it.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryAttempt {
    /// The `webhook-id` sent: the same for every attempt and redelivery of one event.
    pub webhook_id: String,
    /// The event type, e.g. `customer.created`.
    pub event_type: String,
    /// 1 for the first attempt of a delivery (a redelivery starts again at 1).
    pub attempt: u32,
    /// The `webhook-timestamp` this attempt was signed with (each attempt is signed anew).
    pub signed_at: DateTime<Utc>,
    /// What came of it.
    pub outcome: AttemptOutcome,
}

impl DeliveryAttempt {
    /// Whether the receiver accepted the event (answered 2xx in time).
    pub fn succeeded(&self) -> bool {
        matches!(self.outcome, AttemptOutcome::Answered { status, .. } if (200..300).contains(&status))
    }
}

/// What the receiver did with one attempt. Only a 2xx counts as delivered; a redirect is a
/// failure (Polar does not follow it).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver answered in time.
    Answered {
        /// The HTTP status.
        status: u16,
        /// The start of the response body (at most 2,048 characters, as Polar stores it).
        body: String,
    },
    /// No complete answer within the endpoint's timeout.
    TimedOut,
    /// The request could not be sent or its answer not read (connection refused, reset, …).
    Failed {
        /// What went wrong.
        reason: String,
    },
}

/// One event to deliver: its `webhook-id` (kept across retries and redeliveries) and body.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub(crate) webhook_id: String,
    pub(crate) event_type: String,
    pub(crate) body: Bytes,
}

impl Job {
    /// A new delivery of `event`, with a fresh random `webhook-id` (a UUID, as Polar's event IDs).
    pub(crate) fn new(event: &MockEvent) -> Self {
        let webhook_id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
            .into_uuid()
            .to_string();
        Self::again(webhook_id, event)
    }

    /// A delivery of `event` under a `webhook-id` it was sent with before (a redelivery).
    pub(crate) fn again(webhook_id: String, event: &MockEvent) -> Self {
        Self {
            webhook_id,
            event_type: event.event_type.clone(),
            body: Bytes::from(event.webhook_body()),
        }
    }
}

/// What the dispatcher and the handle share.
pub(crate) struct Shared {
    pub(crate) log: Mutex<Log>,
    pub(crate) progress: watch::Sender<Progress>,
}

/// How far the delivery has come, watched by the waits of
/// [`WebhookDeliveries`](super::WebhookDeliveries).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Progress {
    /// The index in the mock's event log of the next event the dispatcher has not taken yet.
    pub(crate) taken: usize,
    /// Deliveries started: subscribed events taken plus redeliveries asked for.
    pub(crate) started: usize,
    /// Deliveries finished: delivered, out of attempts, or skipped.
    pub(crate) settled: usize,
}

#[derive(Default)]
pub(crate) struct Log {
    pub(crate) attempts: Vec<DeliveryAttempt>,
    /// The index in the mock's event log of every event sent so far, by `webhook-id`, for
    /// redelivery (the body is rebuilt from the log, not kept twice).
    pub(crate) sent: HashMap<String, usize>,
    /// Deliveries that failed for good since the last success.
    pub(crate) failed_in_a_row: usize,
    pub(crate) disabled: bool,
    /// The `webhook-id`s of deliveries dropped because the endpoint was disabled.
    pub(crate) skipped: Vec<String>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks the event at `index` of the log as taken, starting a delivery if `delivered`
    /// (the endpoint subscribed to its type).
    pub(crate) fn take_event(&self, index: usize, delivered: bool) {
        self.progress.send_modify(|progress| {
            progress.taken = progress.taken.max(index + 1);
            progress.started += usize::from(delivered);
        });
    }

    /// Remembers which logged event a new job delivers (its index), so it can be redelivered.
    pub(crate) fn remember(&self, job: &Job, index: usize) {
        self.lock().sent.insert(job.webhook_id.clone(), index);
    }

    pub(crate) fn record(&self, attempt: DeliveryAttempt) {
        self.lock().attempts.push(attempt);
    }

    /// Counts one more delivery as finished, delivered or out of attempts; the tenth failure in a
    /// row disables the endpoint.
    pub(crate) fn settle(&self, delivered: bool) {
        {
            let mut log = self.lock();
            if delivered {
                log.failed_in_a_row = 0;
            } else {
                log.failed_in_a_row += 1;
                if log.failed_in_a_row >= DISABLE_AFTER_FAILED_DELIVERIES {
                    log.disabled = true;
                }
            }
        }
        self.progress.send_modify(|progress| progress.settled += 1);
    }

    /// Whether the endpoint is disabled (new and pending deliveries are skipped).
    pub(crate) fn is_disabled(&self) -> bool {
        self.lock().disabled
    }

    /// Drops a delivery because the endpoint is disabled; it counts as finished.
    pub(crate) fn skip(&self, job: &Job) {
        self.lock().skipped.push(job.webhook_id.clone());
        self.progress.send_modify(|progress| progress.settled += 1);
    }
}
