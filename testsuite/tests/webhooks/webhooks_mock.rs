//! The mock delivers its events as signed webhooks over loopback: end to end into the
//! `webhook_receiver` example, and against small misbehaving receivers for Polar's delivery rules
//! (2xx only, no redirects, timeout, retries with a stable `webhook-id`, bounded attempts).

use crate::receiver;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, post};
use polar_client::webhooks::{Event, WebhookVerifier};
use polar_client::{NewCustomer, Polar};
use polar_client_mock::{
    AttemptOutcome, DeliveryAttempt, MockPolar, WebhookDeliveries, WebhookEndpoint,
};

const SECRET: &str = "whsec_mockDeliveryTestSecret0123456789abcdefghij";
/// A bound on every wait, so a broken delivery fails the test instead of hanging it.
const PATIENCE: Duration = Duration::from_secs(60);

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
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

async fn settled(deliveries: &WebhookDeliveries, count: usize) -> Vec<DeliveryAttempt> {
    tokio::time::timeout(PATIENCE, deliveries.settled(count))
        .await
        .expect("deliveries did not settle");
    deliveries.attempts()
}

fn statuses(attempts: &[DeliveryAttempt]) -> Vec<u16> {
    attempts
        .iter()
        .map(|attempt| match &attempt.outcome {
            AttemptOutcome::Answered { status, .. } => *status,
            other => panic!("{other:?}"),
        })
        .collect()
}

fn fast(url: String, secret: &str) -> WebhookEndpoint {
    WebhookEndpoint::new(url, secret).retry_base_delay(Duration::from_millis(1))
}

#[tokio::test]
async fn the_example_receiver_handles_a_new_customer_once_even_when_redelivered() {
    let mock = MockPolar::start().await.unwrap();
    let (router, mut customers) = receiver::router(WebhookVerifier::new(SECRET));
    let url = format!("{}{}", serve(router).await, receiver::PATH);
    let deliveries = mock
        .deliver_webhooks(fast(url, SECRET).event_types(["customer.created"]))
        .unwrap();

    let id = create_customer(&mock, "jane@example.org").await;
    let attempts = settled(&deliveries, 1).await;
    assert_eq!(statuses(&attempts), [202]);
    assert_eq!(attempts[0].event_type, "customer.created");
    let handled = customers.try_recv().unwrap();
    assert_eq!(*handled.id(), id);
    assert_eq!(handled.email(), Some("jane@example.org"));

    // Polar's "redeliver" sends the event again under the same webhook-id: acknowledged, not redone.
    assert!(deliveries.redeliver(&attempts[0].webhook_id));
    let attempts = settled(&deliveries, 2).await;
    assert_eq!(statuses(&attempts), [202, 200]);
    assert_eq!(attempts[1].webhook_id, attempts[0].webhook_id);
    assert!(customers.try_recv().is_err());
    assert!(!deliveries.redeliver("not-a-sent-id"));
}

#[tokio::test]
async fn a_wrong_secret_gets_401_on_every_attempt_under_one_webhook_id() {
    let mock = MockPolar::start().await.unwrap();
    let (router, mut customers) = receiver::router(WebhookVerifier::new(SECRET));
    let url = format!("{}{}", serve(router).await, receiver::PATH);
    let deliveries = mock
        .deliver_webhooks(
            fast(url, "whsec_notTheReceiversSecret")
                .event_types(["customer.created"])
                .max_attempts(3),
        )
        .unwrap();

    create_customer(&mock, "mallory@example.org").await;
    let attempts = settled(&deliveries, 1).await;
    assert_eq!(statuses(&attempts), [401, 401, 401]);
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(
        attempts
            .iter()
            .all(|a| a.webhook_id == attempts[0].webhook_id)
    );
    assert!(customers.try_recv().is_err());
}

/// A receiver that verifies each request, records its headers, and answers the scripted statuses
/// in turn (the last one from then on).
async fn scripted(script: Vec<u16>) -> (String, Arc<Mutex<Vec<HeaderMap>>>) {
    let seen = Arc::new(Mutex::new(Vec::<HeaderMap>::new()));
    let log = Arc::clone(&seen);
    let verifier = WebhookVerifier::new(SECRET);
    let router = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| async move {
            let verified = verifier.verify(&headers, &body);
            let mut log = log.lock().unwrap();
            log.push(headers);
            let status = script[(log.len() - 1).min(script.len() - 1)];
            match verified {
                Ok(_) => StatusCode::from_u16(status).unwrap(),
                Err(error) => error.status_code(),
            }
        }),
    );
    (format!("{}/hook", serve(router).await), seen)
}

#[tokio::test]
async fn failures_are_retried_until_a_2xx_each_attempt_signed_for_its_own_timestamp() {
    let mock = MockPolar::start().await.unwrap();
    let (url, seen) = scripted(vec![500, 503, 204]).await;
    let deliveries = mock
        .deliver_webhooks(fast(url, SECRET).event_types(["customer.created"]))
        .unwrap();

    create_customer(&mock, "retry@example.org").await;
    let attempts = settled(&deliveries, 1).await;
    assert_eq!(statuses(&attempts), [500, 503, 204]);
    assert!(attempts[2].succeeded() && !attempts[0].succeeded());

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for (headers, attempt) in seen.iter().zip(&attempts) {
        assert_eq!(headers["webhook-id"], attempts[0].webhook_id.as_str());
        assert_eq!(
            headers["webhook-timestamp"],
            attempt.signed_at.timestamp().to_string().as_str()
        );
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers["user-agent"], "polar.sh webhooks");
    }
}

#[tokio::test]
async fn a_retry_is_signed_anew_with_its_own_timestamp() {
    let mock = MockPolar::start().await.unwrap();
    let (url, seen) = scripted(vec![500, 204]).await;
    // The wait before attempt 2 is base·2 × 1–2, so at least 1.2 s: the next whole second.
    let deliveries = mock
        .deliver_webhooks(
            WebhookEndpoint::new(url, SECRET)
                .event_types(["customer.created"])
                .retry_base_delay(Duration::from_millis(600)),
        )
        .unwrap();
    create_customer(&mock, "resigned@example.org").await;
    let attempts = settled(&deliveries, 1).await;
    assert_eq!(statuses(&attempts), [500, 204]);
    assert!(attempts[1].signed_at > attempts[0].signed_at);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0]["webhook-id"], seen[1]["webhook-id"]);
    assert_ne!(seen[0]["webhook-timestamp"], seen[1]["webhook-timestamp"]);
    assert_ne!(seen[0]["webhook-signature"], seen[1]["webhook-signature"]);
}

/// Sends `method path` to the mock with its organization token, asserting a 2xx.
async fn call(mock: &MockPolar, method: reqwest::Method, path: &str, body: Option<&str>) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", mock.base_url()))
        .bearer_auth(mock.organization_token());
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{response:?}");
}

#[tokio::test]
async fn a_customer_lifecycle_arrives_in_order_as_typed_events() {
    let mock = MockPolar::builder()
        .member_model(true)
        .start()
        .await
        .unwrap();
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    let verifier = WebhookVerifier::new(SECRET);
    let router = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| async move {
            match verifier.verify(&headers, &body) {
                Ok(delivery) => {
                    log.lock().unwrap().push(delivery.into_event());
                    StatusCode::NO_CONTENT
                }
                Err(error) => error.status_code(),
            }
        }),
    );
    let url = format!("{}/hook", serve(router).await);
    let everything = mock.deliver_webhooks(fast(url.clone(), SECRET)).unwrap();

    let id = create_customer(&mock, "order@example.org").await;
    let path = format!("/v1/customers/{id}");
    call(
        &mock,
        reqwest::Method::PATCH,
        &path,
        Some(r#"{"name":"Jo"}"#),
    )
    .await;
    call(&mock, reqwest::Method::DELETE, &path, None).await;
    let attempts = settled(&everything, 8).await;
    let kinds: Vec<&str> = attempts.iter().map(|a| a.event_type.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "member.created",
            "customer.created",
            "customer.state_changed",
            "customer.updated",
            "customer.state_changed",
            "member.deleted",
            "customer.deleted",
            "customer.state_changed",
        ]
    );
    assert!(attempts.iter().all(DeliveryAttempt::succeeded));

    // Every payload the mock sent decodes into its typed event, in the same order.
    let events = received.lock().unwrap();
    let decoded: Vec<&str> = events.iter().map(Event::event_type).collect();
    assert_eq!(decoded, kinds);
    assert!(
        events
            .iter()
            .all(|event| event.customer_id().map(|c| c.as_str()) == Some(id.as_str()))
    );
    assert!(matches!(&events[0], Event::MemberCreated { member, .. } if member.is_owner()));
    assert!(
        matches!(&events[3], Event::CustomerUpdated { customer, .. } if customer.name() == Some("Jo"))
    );
    assert!(matches!(&events[5], Event::MemberDeleted { .. }));
    assert!(
        matches!(&events[6], Event::CustomerDeleted { customer, .. } if customer.deleted_at().is_some())
    );
    assert!(
        matches!(&events[7], Event::CustomerStateChanged { state, .. } if state.customer().deleted_at().is_some())
    );
}

#[tokio::test]
async fn only_subscribed_event_types_are_sent() {
    let mock = MockPolar::start().await.unwrap();
    let (url, seen) = scripted(vec![204]).await;
    let only_state = mock
        .deliver_webhooks(fast(url, SECRET).event_types(["customer.state_changed"]))
        .unwrap();
    create_customer(&mock, "state@example.org").await;
    create_customer(&mock, "state2@example.org").await;
    let attempts = settled(&only_state, 2).await;
    assert!(
        attempts
            .iter()
            .all(|a| a.event_type == "customer.state_changed" && a.succeeded())
    );
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn redirects_are_failures_and_are_not_followed() {
    let mock = MockPolar::start().await.unwrap();
    let followed = Arc::new(Mutex::new(0));
    let count = Arc::clone(&followed);
    let router = Router::new()
        .route(
            "/hook",
            any(|| async { (StatusCode::TEMPORARY_REDIRECT, [("location", "/elsewhere")]) }),
        )
        .route(
            "/elsewhere",
            any(move || async move {
                *count.lock().unwrap() += 1;
                StatusCode::OK
            }),
        );
    let url = format!("{}/hook", serve(router).await);
    let deliveries = mock
        .deliver_webhooks(
            fast(url, SECRET)
                .event_types(["customer.created"])
                .max_attempts(2),
        )
        .unwrap();
    create_customer(&mock, "redirect@example.org").await;
    let attempts = settled(&deliveries, 1).await;
    assert_eq!(statuses(&attempts), [307, 307]);
    assert_eq!(*followed.lock().unwrap(), 0);
}

#[tokio::test]
async fn a_receiver_that_never_answers_times_out_and_a_closed_port_fails() {
    let mock = MockPolar::start().await.unwrap();
    let router = Router::new().route("/hook", post(std::future::pending::<StatusCode>));
    let url = format!("{}/hook", serve(router).await);
    let silent = mock
        .deliver_webhooks(
            fast(url, SECRET)
                .event_types(["customer.created"])
                .max_attempts(2)
                .timeout(Duration::from_millis(50)),
        )
        .unwrap();

    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", listener.local_addr().unwrap())
    };
    let refused = mock
        .deliver_webhooks(
            fast(closed, SECRET)
                .event_types(["customer.created"])
                .max_attempts(1),
        )
        .unwrap();

    create_customer(&mock, "silent@example.org").await;
    let attempts = settled(&silent, 1).await;
    assert_eq!(attempts.len(), 2);
    assert!(
        attempts
            .iter()
            .all(|a| a.outcome == AttemptOutcome::TimedOut)
    );
    let attempts = settled(&refused, 1).await;
    assert!(matches!(
        &attempts[..],
        [DeliveryAttempt {
            outcome: AttemptOutcome::Failed { .. },
            ..
        }]
    ));
}

#[tokio::test]
async fn only_the_start_of_a_long_answer_is_kept() {
    let mock = MockPolar::start().await.unwrap();
    let router = Router::new().route(
        "/hook",
        post(|| async { (StatusCode::OK, "é".repeat(1 << 20)).into_response() }),
    );
    let url = format!("{}/hook", serve(router).await);
    let deliveries = mock
        .deliver_webhooks(fast(url, SECRET).event_types(["customer.created"]))
        .unwrap();
    create_customer(&mock, "long@example.org").await;
    let attempts = settled(&deliveries, 1).await;
    let AttemptOutcome::Answered { status, body } = &attempts[0].outcome else {
        panic!("{attempts:?}");
    };
    assert_eq!(*status, 200);
    assert_eq!(body.chars().count(), 2048);
    assert!(body.chars().all(|c| c == 'é'));
}

#[tokio::test]
async fn unusable_endpoints_are_refused_up_front() {
    let mock = MockPolar::start().await.unwrap();
    for endpoint in [
        WebhookEndpoint::new("not a url", SECRET),
        WebhookEndpoint::new("ftp://127.0.0.1/hook", SECRET),
        WebhookEndpoint::new("http://127.0.0.1:9/hook", " "),
    ] {
        let error = mock.deliver_webhooks(endpoint).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(!error.to_string().contains(SECRET));
    }
}

#[tokio::test]
async fn ten_failed_deliveries_in_a_row_disable_the_endpoint() {
    let mock = MockPolar::start().await.unwrap();
    let mut script = vec![500; 10];
    script.push(204);
    let (url, seen) = scripted(script).await;
    let deliveries = mock
        .deliver_webhooks(
            fast(url, SECRET)
                .event_types(["customer.created"])
                .max_attempts(1),
        )
        .unwrap();
    for n in 0..11 {
        create_customer(&mock, &format!("c{n}@example.org")).await;
    }
    let attempts = settled(&deliveries, 11).await;
    assert_eq!(statuses(&attempts), [500; 10]);
    assert!(deliveries.is_disabled());
    let skipped = deliveries.skipped();
    assert_eq!(skipped.len(), 1);
    assert_eq!(seen.lock().unwrap().len(), 10);

    // Enabled again, the skipped event can be redelivered.
    deliveries.enable();
    assert!(!deliveries.is_disabled());
    assert!(deliveries.redeliver(&skipped[0]));
    let attempts = settled(&deliveries, 12).await;
    assert_eq!(attempts.last().unwrap().webhook_id, skipped[0]);
    assert!(attempts.last().unwrap().succeeded());
}
