//! Receives Polar's webhooks with axum: verifies each delivery, skips the ones already handled
//! (by `webhook-id`), hands `customer.created` to a background worker, and answers at once.
//!
//! ```sh
//! POLAR_WEBHOOK_SECRET=whsec_… cargo run -p polar-client-tests --example webhook_receiver -- [PORT]
//! ```
//! It listens on 127.0.0.1:PORT (default 8767) at `/webhooks/polar` until Ctrl-C. Put a tunnel or
//! reverse proxy in front of it to receive Polar's deliveries, or point the mock's webhook delivery
//! at it (see `docs/WEBHOOKS.md`). It lives in the `polar-client-tests` package (`testsuite/`) so
//! that axum is not built for the crate's own examples.
//!
//! The answers follow Polar's contract: 2xx quickly (Polar gives up after 10 s and retries), 401 or
//! 400 for a delivery that fails verification, and 503 when the worker queue is full so Polar
//! retries later. Polar redelivers on any failure, so handling must be idempotent.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use polar_client::Customer;
use polar_client::webhooks::{Event, WebhookVerifier};
use tokio::sync::mpsc;

/// Where the receiver listens.
pub const PATH: &str = "/webhooks/polar";
/// How many `webhook-id`s are remembered; older ones are forgotten first.
const REMEMBERED_IDS: usize = 10_000;
/// How many customers may wait for the worker before deliveries are refused with 503.
const QUEUE: usize = 1_024;
/// The port used when none is given.
const DEFAULT_PORT: u16 = 8767;

/// The receiver's state: the verifier, the IDs already handled, the worker's queue.
struct Receiver {
    verifier: WebhookVerifier,
    seen: Mutex<SeenIds>,
    customers: mpsc::Sender<Customer>,
}

/// The most recent `webhook-id`s, bounded. In-memory, so a restart forgets them: a production
/// receiver records them where its data lives (e.g. a table with a unique key, in the same
/// transaction as the work), for at least as long as Polar retries (about an hour) or redelivers.
#[derive(Default)]
struct SeenIds {
    ids: HashSet<String>,
    order: VecDeque<String>,
}

impl SeenIds {
    /// Records `id`; false if it was already there.
    fn insert(&mut self, id: &str) -> bool {
        if !self.ids.insert(id.to_owned()) {
            return false;
        }
        self.order.push_back(id.to_owned());
        if self.order.len() > REMEMBERED_IDS
            && let Some(oldest) = self.order.pop_front()
        {
            self.ids.remove(&oldest);
        }
        true
    }

    /// Forgets `id` (its handling failed, so a retry must be handled).
    fn remove(&mut self, id: &str) {
        if self.ids.remove(id) {
            self.order.retain(|seen| seen != id);
        }
    }
}

/// The receiver's routes, and the queue of new customers its worker consumes.
pub fn router(verifier: WebhookVerifier) -> (Router, mpsc::Receiver<Customer>) {
    let (customers, queue) = mpsc::channel(QUEUE);
    let receiver = Arc::new(Receiver {
        verifier,
        seen: Mutex::new(SeenIds::default()),
        customers,
    });
    let router = Router::new()
        .route(PATH, post(receive))
        .with_state(receiver);
    (router, queue)
}

/// One delivery: verify, deduplicate, enqueue, answer.
async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let delivery = match receiver.verifier.verify(&headers, &body) {
        Ok(delivery) => delivery,
        Err(error) => return (error.status_code(), error.to_string()),
    };
    let id = delivery.webhook_id();
    let first_time = receiver
        .seen
        .lock()
        .map(|mut seen| seen.insert(id))
        .unwrap_or(true);
    if !first_time {
        return (StatusCode::OK, format!("{id} already handled"));
    }
    let Event::CustomerCreated { customer, .. } = delivery.event() else {
        return (
            StatusCode::ACCEPTED,
            format!("ignored {}", delivery.event().event_type()),
        );
    };
    match receiver.customers.try_send(customer.clone()) {
        Ok(()) => (StatusCode::ACCEPTED, format!("queued {}", customer.id())),
        Err(_) => {
            if let Ok(mut seen) = receiver.seen.lock() {
                seen.remove(id);
            }
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy, retry later".to_owned(),
            )
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = std::env::var("POLAR_WEBHOOK_SECRET")
        .map_err(|_| "set POLAR_WEBHOOK_SECRET to the endpoint's secret (whsec_…)")?;
    let port = match std::env::args().nth(1) {
        Some(port) => port
            .parse::<u16>()
            .map_err(|e| format!("PORT {port:?}: {e}"))?,
        None => DEFAULT_PORT,
    };

    let (router, mut customers) = router(WebhookVerifier::new(secret));
    tokio::spawn(async move {
        while let Some(customer) = customers.recv().await {
            // The slow work (welcome email, provisioning, …) happens here, after the answer.
            println!(
                "new customer {} <{}>",
                customer.id(),
                customer.email().unwrap_or("-")
            );
        }
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}{PATH}", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
