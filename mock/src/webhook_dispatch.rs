//! The mock's webhook sender: turns recorded events into deliveries, sends each attempt signed
//! anew, reads a bounded excerpt of the answer, and schedules retries with Polar's backoff.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::events::{EventLog, MockEvent};
use super::webhook_types::{AttemptOutcome, DeliveryAttempt, Job, Shared, WebhookEndpoint};
use crate::signing::sign;

/// Polar stores the first 2,048 characters of a receiver's answer.
const EXCERPT_CHARS: usize = 2048;
/// At most this many bytes of an answer are read (enough for 2,048 UTF-8 characters).
const EXCERPT_BYTES: usize = EXCERPT_CHARS * 4;
/// Polar caps its backoff at 20 minutes, 600 times its 2 s base.
const MAX_BACKOFF_FACTOR: u32 = 600;

/// Everything an attempt needs; cheap to clone into a retry task.
#[derive(Clone)]
pub(crate) struct Dispatcher {
    pub(crate) client: reqwest::Client,
    pub(crate) url: reqwest::Url,
    pub(crate) endpoint: Arc<WebhookEndpoint>,
    pub(crate) shared: Arc<Shared>,
}

/// The HTTP client of the deliveries: redirects are not followed (a 3xx is a failure).
pub(crate) fn http_client() -> std::io::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(std::io::Error::other)
}

/// How many recorded events the dispatcher copies out of the log at a time: its memory is
/// bounded by this however far the receiver falls behind.
const BATCH: usize = 64;

/// The dispatcher's place in the event log: the next index to read and the events read ahead.
struct Cursor {
    log: EventLog,
    next: usize,
    batch: VecDeque<(usize, MockEvent)>,
}

impl Cursor {
    /// The next recorded event and its index, waiting for one if the log has none yet.
    /// Cancel-safe: an event read from the log stays in the batch until it is returned.
    async fn next(&mut self) -> (usize, MockEvent) {
        loop {
            if let Some(next) = self.batch.pop_front() {
                return next;
            }
            self.log.wait_beyond(self.next).await;
            let events = self.log.range(self.next, BATCH);
            for event in events {
                self.batch.push_back((self.next, event));
                self.next += 1;
            }
        }
    }
}

/// Delivers every event recorded from index `from` on, read from the log in order (however far
/// the receiver falls behind, none is skipped), and redeliveries as they are asked for, until
/// aborted. First attempts go out one at a time in order; retries run beside them and can
/// overtake.
pub(crate) async fn run(
    dispatcher: Dispatcher,
    log: EventLog,
    from: usize,
    mut redeliveries: mpsc::UnboundedReceiver<Job>,
) {
    let mut retries = JoinSet::new();
    let mut cursor = Cursor {
        log,
        next: from,
        batch: VecDeque::new(),
    };
    loop {
        let job = tokio::select! {
            biased;
            Some(_) = retries.join_next(), if !retries.is_empty() => continue,
            Some(job) = redeliveries.recv() => job,
            (index, event) = cursor.next() => {
                if dispatcher.subscribed(&event) {
                    let job = Job::new(&event);
                    dispatcher.shared.remember(&job, index);
                    dispatcher.shared.take_event(index, true);
                    job
                } else {
                    dispatcher.shared.take_event(index, false);
                    continue;
                }
            }
        };
        if dispatcher.shared.is_disabled() {
            dispatcher.shared.skip(&job);
        } else if dispatcher.attempt(&job, 1).await {
            dispatcher.shared.settle(true);
        } else if dispatcher.endpoint.max_attempts == 1 {
            dispatcher.shared.settle(false);
        } else {
            retries.spawn(dispatcher.clone().retry(job));
        }
    }
}

impl Dispatcher {
    fn subscribed(&self, event: &MockEvent) -> bool {
        self.endpoint
            .event_types
            .as_ref()
            .is_none_or(|types| types.contains(&event.event_type))
    }

    /// Attempts 2 and later, each after its backoff, until one succeeds or none is left; skipped
    /// if the endpoint is disabled meanwhile.
    async fn retry(self, job: Job) {
        for number in 2..=self.endpoint.max_attempts {
            tokio::time::sleep(backoff(self.endpoint.retry_base_delay, number - 1)).await;
            if self.shared.is_disabled() {
                self.shared.skip(&job);
                return;
            }
            if self.attempt(&job, number).await {
                self.shared.settle(true);
                return;
            }
        }
        self.shared.settle(false);
    }

    /// One signed `POST`; records it and returns whether it was delivered.
    async fn attempt(&self, job: &Job, number: u32) -> bool {
        let now = Utc::now();
        let signed_at = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
        let outcome = match sign(&self.endpoint.secret, &job.webhook_id, signed_at, &job.body) {
            Ok(headers) => self.send(headers, job.body.clone()).await,
            Err(reason) => AttemptOutcome::Failed {
                reason: reason.to_owned(),
            },
        };
        let attempt = DeliveryAttempt {
            webhook_id: job.webhook_id.clone(),
            event_type: job.event_type.clone(),
            attempt: number,
            signed_at,
            outcome,
        };
        let delivered = attempt.succeeded();
        self.shared.record(attempt);
        delivered
    }

    /// Sends the request and reads the status and an excerpt of the answer within the timeout.
    async fn send(&self, headers: http::HeaderMap, body: Bytes) -> AttemptOutcome {
        let request = self
            .client
            .post(self.url.clone())
            .headers(headers)
            .body(body);
        let exchange = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            Ok::<_, reqwest::Error>((status, excerpt(response).await))
        };
        match tokio::time::timeout(self.endpoint.timeout, exchange).await {
            Err(_) => AttemptOutcome::TimedOut,
            Ok(Err(error)) => AttemptOutcome::Failed {
                reason: error.to_string(),
            },
            Ok(Ok((status, body))) => AttemptOutcome::Answered { status, body },
        }
    }
}

/// The first 2,048 characters of an answer, reading no more than needed whatever its size.
async fn excerpt(mut response: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = EXCERPT_BYTES - bytes.len();
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            // The end, or a broken body: keep what arrived.
            Ok(None) | Err(_) => break,
        }
    }
    String::from_utf8_lossy(&bytes)
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

/// The wait after failed attempt `n`: `base·2ⁿ`, capped at `600·base`, times a random 1–2.
fn backoff(base: Duration, failed_attempt: u32) -> Duration {
    let factor = 2_u32
        .checked_pow(failed_attempt)
        .map_or(MAX_BACKOFF_FACTOR, |factor| factor.min(MAX_BACKOFF_FACTOR));
    let nominal = base.saturating_mul(factor);
    Duration::try_from_secs_f64(nominal.as_secs_f64() * (1.0 + fastrand::f64())).unwrap_or(nominal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_twice_the_base_up_to_the_cap_with_jitter_between_one_and_two() {
        let base = Duration::from_secs(2);
        for (failed, nominal) in [(1, 4), (2, 8), (3, 16), (9, 1024), (10, 1200), (40, 1200)] {
            let wait = backoff(base, failed);
            let nominal = Duration::from_secs(nominal);
            assert!(wait >= nominal && wait <= nominal * 2, "{failed}: {wait:?}");
        }
        assert!(backoff(Duration::MAX, 3) >= Duration::MAX / 2);
    }
}
