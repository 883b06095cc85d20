//! Webhook delivery from the mock: [`MockPolar::deliver_webhooks`]
//! sends the mock's events to a URL as Polar would, and records every attempt.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::MockPolar;
use super::events::EventLog;
use super::webhook_dispatch;
use super::webhook_types::{DeliveryAttempt, Job, Log, Progress, Shared, WebhookEndpoint};

/// The running delivery of a mock's events to one [`WebhookEndpoint`]; dropping it stops the
/// delivery (including pending retries).
pub struct WebhookDeliveries {
    shared: Arc<Shared>,
    events: EventLog,
    redeliveries: mpsc::UnboundedSender<Job>,
    dispatcher: JoinHandle<()>,
}

impl MockPolar {
    /// Starts delivering this mock's events (those recorded from now on, see
    /// [`events`](Self::events)) to `endpoint` as Polar does: a `POST` of the
    /// `{"type","timestamp","data"}` body (keys in that order, see [`MockEvent::webhook_body`])
    /// with `webhook-id` (stable across retries), a fresh `webhook-timestamp` and
    /// `webhook-signature` on each attempt; only a 2xx within the timeout counts, redirects are
    /// not followed, and failures are retried with exponential backoff up to the endpoint's
    /// attempt limit. First attempts go out in event order; retries can overtake. After 10
    /// deliveries in a row fail for good, the endpoint is disabled, as Polar does.
    ///
    /// Events are read from the mock's log in order, so a slow receiver delays deliveries but
    /// never loses one, and the sender holds at most a small batch of events in memory.
    ///
    /// This is not `async` and needs no runtime in the calling thread: the delivery runs as a
    /// task on the Tokio runtime the mock was started on (with a current-thread runtime, it
    /// makes progress while that runtime is driven, e.g. while the test awaits something).
    ///
    /// [`MockEvent::webhook_body`]: super::MockEvent::webhook_body
    ///
    /// # Errors
    /// An `InvalidInput` I/O error when the URL is not `http(s)://…` or the secret is empty, or
    /// the error of building the HTTP client.
    ///
    /// # Examples
    /// ```
    /// use polar_client_mock::{MockPolar, WebhookEndpoint};
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = MockPolar::start().await?;
    /// let deliveries = polar.deliver_webhooks(
    ///     WebhookEndpoint::new("http://127.0.0.1:9/webhooks", "whsec_test").max_attempts(2),
    /// )?;
    /// // ... create customers through polar.base_url(), then:
    /// deliveries.all_settled(Duration::from_secs(10)).await?;
    /// assert!(deliveries.attempts().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn deliver_webhooks(
        &self,
        endpoint: WebhookEndpoint,
    ) -> std::io::Result<WebhookDeliveries> {
        let invalid =
            |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
        let url = reqwest::Url::parse(&endpoint.url)
            .map_err(|e| invalid(format!("webhook URL {:?}: {e}", endpoint.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(format!(
                "webhook URL {:?} is not http(s)",
                endpoint.url
            )));
        }
        if endpoint.secret.is_empty() {
            return Err(invalid("the webhook secret is empty".to_owned()));
        }
        let client = webhook_dispatch::http_client()?;
        let events = self.state.event_log();
        let from = events.len();
        let shared = Arc::new(Shared {
            log: Mutex::new(Log::default()),
            progress: watch::Sender::new(Progress {
                taken: from,
                ..Progress::default()
            }),
        });
        let (redeliveries, redelivery_queue) = mpsc::unbounded_channel();
        let dispatcher = self.runtime.spawn(webhook_dispatch::run(
            webhook_dispatch::Dispatcher {
                client,
                url,
                endpoint: Arc::new(endpoint),
                shared: Arc::clone(&shared),
            },
            events.clone(),
            from,
            redelivery_queue,
        ));
        Ok(WebhookDeliveries {
            shared,
            events,
            redeliveries,
            dispatcher,
        })
    }
}

impl WebhookDeliveries {
    /// Every attempt so far, in the order they finished.
    pub fn attempts(&self) -> Vec<DeliveryAttempt> {
        self.shared.lock().attempts.clone()
    }

    /// Waits until `deliveries` deliveries have finished: delivered, out of attempts, or skipped
    /// because the endpoint is disabled (each subscribed event is one delivery, and so is each
    /// [`redeliver`](Self::redeliver)). It has no timeout: prefer
    /// [`all_settled`](Self::all_settled), which needs no count, or bound this wait with
    /// `tokio::time::timeout`.
    ///
    /// # Examples
    /// ```
    /// # use polar_client_mock::{MockPolar, WebhookEndpoint};
    /// # use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let polar = MockPolar::start().await?;
    /// let deliveries = polar.deliver_webhooks(WebhookEndpoint::new("http://127.0.0.1:9/", "whsec_t"))?;
    /// // Nothing recorded yet: zero deliveries have finished at once.
    /// tokio::time::timeout(Duration::from_secs(1), deliveries.settled(0)).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn settled(&self, deliveries: usize) {
        let mut progress = self.shared.progress.subscribe();
        // The sender lives in `shared`, which `self` holds: the channel cannot close here.
        let _ = progress
            .wait_for(|progress| progress.settled >= deliveries)
            .await;
    }

    /// Waits, at most `timeout`, until every event the mock has recorded so far has been taken
    /// by the delivery and no delivery is still under way: each was delivered, ran out of
    /// attempts, or was skipped (unsubscribed types need no delivery; redeliveries asked for
    /// count too). Events recorded during the wait may extend it, never past `timeout`.
    ///
    /// # Errors
    /// [`NotSettled`] when the timeout passes first, with what was still outstanding.
    ///
    /// # Examples
    /// ```
    /// use polar_client_mock::{MockPolar, WebhookEndpoint};
    /// use std::time::Duration;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let polar = MockPolar::start().await?;
    /// let deliveries = polar.deliver_webhooks(
    ///     WebhookEndpoint::new("http://127.0.0.1:9/hook", "whsec_test").max_attempts(1),
    /// )?;
    /// // ... create customers through polar.base_url() ...
    /// deliveries.all_settled(Duration::from_secs(30)).await?;
    /// for attempt in deliveries.attempts() {
    ///     println!("{} {} {:?}", attempt.webhook_id, attempt.event_type, attempt.outcome);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn all_settled(&self, timeout: Duration) -> Result<(), NotSettled> {
        let recorded = self.events.len();
        let mut progress = self.shared.progress.subscribe();
        let done = |progress: &Progress| {
            progress.taken >= recorded && progress.settled >= progress.started
        };
        // The sender lives in `shared`, which `self` holds: the channel cannot close here.
        if let Ok(Ok(_)) = tokio::time::timeout(timeout, progress.wait_for(done)).await {
            return Ok(());
        }
        let progress = *self.shared.progress.borrow();
        if done(&progress) {
            return Ok(());
        }
        Err(NotSettled {
            events_not_taken: recorded.saturating_sub(progress.taken),
            deliveries_under_way: progress.started.saturating_sub(progress.settled),
            timeout,
        })
    }

    /// Whether the endpoint is disabled: as Polar does, after 10 deliveries in a row failed for
    /// good (every attempt used). A disabled endpoint skips new events and pending retries.
    pub fn is_disabled(&self) -> bool {
        self.shared.is_disabled()
    }

    /// The `webhook-id`s of the deliveries skipped because the endpoint was disabled; they can be
    /// sent with [`redeliver`](Self::redeliver) after [`enable`](Self::enable).
    pub fn skipped(&self) -> Vec<String> {
        self.shared.lock().skipped.clone()
    }

    /// Enables a disabled endpoint again (as in Polar's dashboard) and restarts its failure count.
    pub fn enable(&self) {
        let mut log = self.shared.lock();
        log.disabled = false;
        log.failed_in_a_row = 0;
    }

    /// Sends an event again with the same `webhook-id`, as Polar's dashboard "redeliver" does;
    /// `false` if no event with that ID was sent to this endpoint.
    pub fn redeliver(&self, webhook_id: &str) -> bool {
        let Some(index) = self.shared.lock().sent.get(webhook_id).copied() else {
            return false;
        };
        let Some(event) = self.events.range(index, 1).pop() else {
            return false;
        };
        let job = Job::again(webhook_id.to_owned(), &event);
        // Counted before it is queued, so `all_settled` cannot miss it.
        self.shared
            .progress
            .send_modify(|progress| progress.started += 1);
        if self.redeliveries.send(job).is_ok() {
            return true;
        }
        self.shared
            .progress
            .send_modify(|progress| progress.started -= 1);
        false
    }
}

impl Drop for WebhookDeliveries {
    fn drop(&mut self) {
        self.dispatcher.abort();
    }
}

impl std::fmt::Debug for WebhookDeliveries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookDeliveries")
            .field("attempts", &self.shared.lock().attempts.len())
            .finish_non_exhaustive()
    }
}

/// The error of [`WebhookDeliveries::all_settled`]: the timeout passed with deliveries still
/// outstanding.
///
/// # Examples
/// ```
/// use polar_client_mock::{MockPolar, NotSettled, WebhookDeliveries};
///
/// fn report(result: Result<(), NotSettled>) {
///     if let Err(error) = result {
///         eprintln!("{error}: {} events not taken, {} deliveries under way",
///             error.events_not_taken, error.deliveries_under_way);
///     }
/// }
/// # report(Ok(()));
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "webhook deliveries not settled within {timeout:?}: {events_not_taken} recorded events not \
     taken yet, {deliveries_under_way} deliveries under way"
)]
pub struct NotSettled {
    /// Recorded events the delivery had not reached yet.
    pub events_not_taken: usize,
    /// Deliveries started but not finished (first attempts, retries and redeliveries).
    pub deliveries_under_way: usize,
    /// The timeout that passed.
    pub timeout: Duration,
}
