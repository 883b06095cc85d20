//! The mock's webhook delivery over loopback against a slow receiver: every recorded event is
//! attempted (none lost behind a backlog), the wait for "everything so far" returns, and the body
//! a receiver reads has Polar's key order.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::serve::ListenerExt;
use polar_client::webhooks::WebhookVerifier;
use polar_client::{NewCustomer, Polar};
use polar_client_mock::{MockPolar, NotSettled, WebhookEndpoint};
use serde_json::json;

const SECRET: &str = "whsec_mockSlowReceiverSecret0123456789abcdefghij";
/// A bound on every wait, so a lost event fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(60);

/// One request as the receiver got it: `webhook-id` and the raw body bytes.
type Seen = Arc<Mutex<Vec<(String, Bytes)>>>;

/// A receiver that verifies each delivery, sleeps `delay` (a slow handler), records it and
/// answers 204.
async fn slow_receiver(delay: Duration) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    let verifier = WebhookVerifier::new(SECRET);
    let router = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| async move {
            tokio::time::sleep(delay).await;
            let Ok(delivery) = verifier.verify(&headers, &body) else {
                return StatusCode::UNAUTHORIZED;
            };
            log.lock()
                .unwrap()
                .push((delivery.webhook_id().to_owned(), body));
            StatusCode::NO_CONTENT
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    // No Nagle delay on the answers, so a slow handler is slow by its sleep alone.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}/hook"), seen)
}

async fn create_customer(mock: &MockPolar, email: &str) -> String {
    let polar = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let customer = polar
        .customers()
        .create(NewCustomer::individual(email))
        .await
        .unwrap();
    customer.id().to_string()
}

/// The event type of a raw webhook body.
fn event_type(body: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    value["type"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_receiver_gets_every_one_of_1200_events_and_the_wait_returns() {
    const EVENTS: usize = 1200;
    let mock = MockPolar::start().await.unwrap();
    let (url, seen) = slow_receiver(Duration::from_millis(3)).await;
    let deliveries = mock
        .deliver_webhooks(WebhookEndpoint::new(url, SECRET).max_attempts(1))
        .unwrap();

    // 20 customers over HTTP (customer.created + customer.state_changed each), then meter
    // changes recorded in one burst far faster than the receiver answers (one
    // customer.state_changed each), spread over the customers so each state stays small.
    let mut customers = Vec::new();
    for n in 0..20 {
        let id = create_customer(&mock, &format!("slow{n}@example.org")).await;
        customers.push(id.parse::<polar_client_mock::Uuid>().unwrap());
    }
    for units in 0..EVENTS - 40 {
        let meter = mock.add_meter(
            customers[units % customers.len()],
            json!({"consumed_units": units}),
        );
        assert!(meter.is_some());
    }
    assert_eq!(mock.events().len(), EVENTS);

    deliveries.all_settled(PATIENCE).await.unwrap();

    let attempts = deliveries.attempts();
    assert_eq!(attempts.len(), EVENTS, "every recorded event is attempted");
    assert!(attempts.iter().all(|attempt| attempt.succeeded()));
    assert!(deliveries.skipped().is_empty());
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), EVENTS);
    // First attempts go out in the order the events were recorded.
    let recorded: Vec<String> = mock.events().into_iter().map(|e| e.event_type).collect();
    let received: Vec<String> = seen.iter().map(|(_, body)| event_type(body)).collect();
    assert_eq!(received, recorded);
    let mut ids: Vec<&str> = seen.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), EVENTS, "one webhook-id per event");
}

#[tokio::test]
async fn the_body_a_receiver_reads_lists_type_then_timestamp_then_data() {
    let mock = MockPolar::start().await.unwrap();
    let (url, seen) = slow_receiver(Duration::ZERO).await;
    let deliveries = mock
        .deliver_webhooks(WebhookEndpoint::new(url, SECRET).event_types(["customer.created"]))
        .unwrap();
    create_customer(&mock, "order@example.org").await;
    deliveries.all_settled(PATIENCE).await.unwrap();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let body = std::str::from_utf8(&seen[0].1).unwrap();
    assert!(
        body.starts_with(r#"{"type":"customer.created","timestamp":""#),
        "{body}"
    );
    let timestamp = body.find(r#","timestamp":"#).unwrap();
    let data = body.find(r#","data":{"#).unwrap();
    assert!(timestamp < data, "{body}");
    // Compact JSON, as Polar sends it.
    assert!(!body.contains(": ") && !body.contains('\n'), "{body}");
}

#[tokio::test]
async fn all_settled_counts_unsubscribed_events_as_settled_and_times_out_on_a_hung_receiver() {
    let mock = MockPolar::start().await.unwrap();
    let (url, seen) = slow_receiver(Duration::from_secs(30)).await;
    // Nothing recorded: settled at once.
    let deliveries = mock
        .deliver_webhooks(WebhookEndpoint::new(url.clone(), SECRET).event_types(["member.created"]))
        .unwrap();
    deliveries.all_settled(PATIENCE).await.unwrap();
    // Only unsubscribed events: nothing to deliver, settled once they are taken.
    create_customer(&mock, "quiet@example.org").await;
    deliveries.all_settled(PATIENCE).await.unwrap();
    assert!(deliveries.attempts().is_empty());

    // A receiver that hangs: the wait gives up after its timeout and says what is outstanding.
    let hung = mock
        .deliver_webhooks(
            WebhookEndpoint::new(url, SECRET)
                .event_types(["customer.created"])
                .timeout(Duration::from_secs(20)),
        )
        .unwrap();
    create_customer(&mock, "hung@example.org").await;
    let started = tokio::time::Instant::now();
    let error = hung
        .all_settled(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    // The first attempt of customer.created hangs; its customer.state_changed waits behind it
    // (not taken, since first attempts go out one at a time in order).
    assert_eq!(
        (error.events_not_taken, error.deliveries_under_way),
        (1, 1),
        "{error}"
    );
    assert_eq!(error.timeout, Duration::from_millis(300));
    let _: &NotSettled = &error;
    assert!(seen.lock().unwrap().is_empty());
}

/// `deliver_webhooks` is not async: it can be called from a thread outside the runtime the mock
/// runs on, and the delivery runs on that runtime.
#[test]
fn deliver_webhooks_works_from_a_thread_outside_the_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (mock, (url, seen)) = runtime.block_on(async {
        (
            MockPolar::start().await.unwrap(),
            slow_receiver(Duration::ZERO).await,
        )
    });
    // Not inside `block_on`: no runtime in this thread.
    let deliveries = mock
        .deliver_webhooks(WebhookEndpoint::new(url, SECRET).event_types(["customer.created"]))
        .unwrap();
    runtime.block_on(async {
        create_customer(&mock, "outside@example.org").await;
        deliveries.all_settled(PATIENCE).await.unwrap();
    });
    assert_eq!(seen.lock().unwrap().len(), 1);
    drop(deliveries);
    drop(mock);
}
