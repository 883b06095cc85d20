//! Webhook events and deliveries serialize and decode back to the same value (so a receiver can
//! queue them instead of the raw body), every event keeps its raw `data` (fields the typed payload
//! drops included), and `WebhookVerifier::verify_request` verifies an `http::Request` as a
//! framework hands it over, end to end from the mock over loopback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use polar_client::webhooks::{self, Delivery, Event, WebhookError, WebhookSecret, WebhookVerifier};
use polar_client::{NewCustomer, Polar};
use polar_client_mock::{MockPolar, WebhookEndpoint};
use proptest::prelude::*;
use serde_json::{Value, json};

const SECRET: &str = "whsec_serializeTestSecret0123456789abcdefghijklm";
const PATIENCE: Duration = Duration::from_secs(60);

macro_rules! fixtures {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_bytes!(concat!("../fixtures/webhooks/events/", $name, ".json")).as_slice())),*]
    };
}

/// Every webhook fixture: each typed event kind, unknown types and values from the future.
const FIXTURES: [(&str, &[u8]); 12] = fixtures![
    "customer.created.individual",
    "customer.created.team",
    "customer.deleted.anonymized",
    "customer.from_the_future",
    "customer.state_changed.individual",
    "customer.state_changed.team_deleted",
    "customer.updated",
    "lifecycle.from_the_future",
    "member.created",
    "member.deleted",
    "member.updated",
    "order.paid",
];

/// Every event body of the fixtures (a fixture holding a JSON array is several events).
fn bodies() -> Vec<(String, Vec<u8>)> {
    let mut bodies = Vec::new();
    for (name, body) in FIXTURES {
        match serde_json::from_slice::<Value>(body).unwrap() {
            Value::Array(events) => {
                for (n, event) in events.iter().enumerate() {
                    bodies.push((format!("{name}[{n}]"), serde_json::to_vec(event).unwrap()));
                }
            }
            _ => bodies.push((name.to_owned(), body.to_vec())),
        }
    }
    bodies
}

#[test]
fn every_fixture_event_serializes_and_decodes_back_to_the_same_event() {
    for (name, body) in bodies() {
        let body = body.as_slice();
        let event = Event::from_json(body).unwrap_or_else(|e| panic!("{name}: {e}"));
        let serialized = serde_json::to_vec(&event).unwrap();
        let again = Event::from_json(&serialized).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again, event, "{name}");
        let through_serde: Event = serde_json::from_slice(&serialized).unwrap();
        assert_eq!(through_serde, event, "{name}");
        // The body written back is the envelope, keys in Polar's order, `data` untouched.
        let text = String::from_utf8(serialized).unwrap();
        assert!(text.starts_with(r#"{"type":""#), "{name}: {text}");
        let original: Value = serde_json::from_slice(body).unwrap();
        let written: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(written["data"], original["data"], "{name}");
        assert_eq!(written["type"], original["type"], "{name}");
    }
}

#[test]
fn every_event_keeps_its_raw_data_with_the_fields_the_typed_payload_drops() {
    for (name, body) in bodies() {
        let body = body.as_slice();
        let original: Value = serde_json::from_slice(body).unwrap();
        let event = Event::from_json(body).unwrap();
        assert_eq!(event.raw_data(), &original["data"], "{name}");
    }
    let body = json!({
        "type": "customer.updated",
        "timestamp": "2026-04-01T10:00:00Z",
        "data": {
            "id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
            "created_at": "2026-03-01T09:00:00Z",
            "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
            "email": "jane@example.org",
            "loyalty": {"tier": "gold", "since": 2019},
        },
    });
    let event = Event::from_json(&serde_json::to_vec(&body).unwrap()).unwrap();
    let Event::CustomerUpdated { customer, .. } = &event else {
        panic!("{event:?}");
    };
    assert_eq!(customer.email(), Some("jane@example.org"));
    assert_eq!(event.raw_data()["loyalty"]["tier"], "gold");
    // Serialized and decoded again, the unknown field is still there.
    let again = Event::from_json(&serde_json::to_vec(&event).unwrap()).unwrap();
    assert_eq!(again.raw_data()["loyalty"]["since"], 2019);
}

#[test]
fn a_delivery_serializes_and_decodes_back_to_the_same_delivery() {
    let secret = WebhookSecret::new(SECRET);
    let verifier = WebhookVerifier::new(secret.clone());
    for (name, body) in bodies() {
        let body = body.as_slice();
        let headers = webhooks::sign(&secret, "msg_7", std::time::SystemTime::now(), body).unwrap();
        let delivery = verifier.verify(&headers, body).unwrap();
        let queued = serde_json::to_string(&delivery).unwrap();
        let dequeued: Delivery = serde_json::from_str(&queued).unwrap();
        assert_eq!(dequeued, delivery, "{name}");
        assert_eq!(dequeued.webhook_id(), "msg_7");
    }
    // A stored delivery whose event is not a Polar event is refused with the decoding error.
    let broken = r#"{"webhook_id":"m","signed_at":"2026-04-01T10:00:00Z","event":{"type":1}}"#;
    assert!(serde_json::from_str::<Delivery>(broken).is_err());
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z0-9 éü\"\\\\]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    /// Events of any type with any `data` and any timestamp (down to the nanosecond) round-trip.
    #[test]
    fn any_other_event_round_trips(
        event_type in "[a-z]{1,10}\\.[a-z_]{1,12}",
        data in json_value(),
        seconds in 0_i64..4_102_444_800,
        nanos in 0_u32..1_000_000_000,
    ) {
        prop_assume!(!event_type.starts_with("customer.") && !event_type.starts_with("member."));
        let timestamp = chrono::DateTime::from_timestamp(seconds, nanos).unwrap();
        let body = json!({
            "type": event_type,
            "timestamp": timestamp.to_rfc3339(),
            "data": data,
        });
        let event = Event::from_json(&serde_json::to_vec(&body).unwrap()).unwrap();
        prop_assert_eq!(event.timestamp(), timestamp);
        prop_assert_eq!(event.raw_data(), &data);
        let again = Event::from_json(&serde_json::to_vec(&event).unwrap()).unwrap();
        prop_assert_eq!(again, event);
    }

    /// A typed event with extra fields of any shape keeps them through a round trip.
    #[test]
    fn typed_events_keep_extra_fields_through_a_round_trip(extra in json_value()) {
        let body = json!({
            "type": "member.updated",
            "timestamp": "2026-04-01T10:00:00.5Z",
            "data": {
                "id": "0a4f6d1e-5c1b-4f4e-9a57-3c1f2b6d8e90",
                "customer_id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
                "email": "m@example.org", "name": null, "external_id": null, "role": "member",
                "created_at": "2026-03-01T09:00:00Z", "modified_at": null,
                "zz_extra": extra,
            },
        });
        let event = Event::from_json(&serde_json::to_vec(&body).unwrap()).unwrap();
        let again = Event::from_json(&serde_json::to_vec(&event).unwrap()).unwrap();
        prop_assert_eq!(&again.raw_data()["zz_extra"], &extra);
        prop_assert_eq!(again, event);
    }
}

/// A receiver written the framework-neutral way: the request as `http::Request<Bytes>`, one
/// `verify_request` call, the error's own response; accepted deliveries are queued serialized.
async fn queueing_receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    let queue = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&queue);
    let verifier = WebhookVerifier::new(SECRET);
    let router = Router::new().route(
        "/hook",
        post(move |request: Request| async move {
            let (parts, body) = request.into_parts();
            let Ok(body) = axum::body::to_bytes(body, 1 << 20).await else {
                return StatusCode::PAYLOAD_TOO_LARGE.into_response();
            };
            let request = http::Request::from_parts(parts, body);
            match verifier.verify_request(&request) {
                Ok(delivery) => {
                    sink.lock()
                        .unwrap()
                        .push(serde_json::to_string(&delivery).unwrap());
                    StatusCode::ACCEPTED.into_response()
                }
                Err(refused) => refused.response().into_response(),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{address}/hook"), queue)
}

#[tokio::test]
async fn verify_request_accepts_the_mocks_deliveries_and_the_queued_ones_decode_again() {
    let mock = MockPolar::start().await.unwrap();
    let (url, queue) = queueing_receiver().await;
    let good = mock
        .deliver_webhooks(WebhookEndpoint::new(url.clone(), SECRET))
        .unwrap();
    let polar = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let customer = polar
        .customers()
        .create(NewCustomer::individual("queued@example.org"))
        .await
        .unwrap();
    good.all_settled(PATIENCE).await.unwrap();
    assert!(good.attempts().iter().all(|attempt| attempt.succeeded()));

    let queued = queue.lock().unwrap().clone();
    assert_eq!(queued.len(), 2);
    let deliveries: Vec<Delivery> = queued
        .iter()
        .map(|text| serde_json::from_str(text).unwrap())
        .collect();
    let recorded = mock.events();
    for (delivery, event) in deliveries.iter().zip(&recorded) {
        assert_eq!(delivery.event().event_type(), event.event_type);
        assert_eq!(delivery.event().raw_data(), &event.data);
    }
    assert_eq!(
        deliveries[0].event().customer().map(|c| c.id()),
        Some(customer.id())
    );

    // A wrong secret: the error's response (401 with its text) is what Polar records.
    drop(good);
    let bad = mock
        .deliver_webhooks(WebhookEndpoint::new(url, "whsec_someoneElsesSecret").max_attempts(1))
        .unwrap();
    polar
        .customers()
        .create(NewCustomer::individual("refused@example.org"))
        .await
        .unwrap();
    bad.all_settled(PATIENCE).await.unwrap();
    let attempts = bad.attempts();
    assert_eq!(attempts.len(), 2);
    for attempt in attempts {
        match attempt.outcome {
            polar_client_mock::AttemptOutcome::Answered { status, body } => {
                assert_eq!(status, 401);
                assert_eq!(body, WebhookError::SignatureMismatch.to_string());
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(queue.lock().unwrap().len(), 2);
}

#[test]
fn an_error_response_carries_the_status_and_the_text() {
    let error = WebhookError::MissingHeader {
        name: webhooks::WEBHOOK_ID,
    };
    let response: http::Response<String> = error.response();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.body(), &error.to_string());
    assert_eq!(
        response.headers()[http::header::CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    let _: Response = response.into_response();
}
