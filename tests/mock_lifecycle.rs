//! Behaviour tests of the mock Polar's customer lifecycle (get, update, delete, list, state,
//! members, customer sessions, events), over real HTTP on 127.0.0.1 with plain reqwest: each test
//! is one row of Polar's documented server behaviour, asserting status and body shape.
#![cfg(feature = "mock")]

use polar_client::mock::{MockEvent, MockPolar};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

/// The create and list endpoint.
const CUSTOMERS: &str = "/v1/customers/";

/// A reqwest client that does not follow redirects.
fn client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Sends `method path` with the organization token and an optional JSON body; returns the
/// status and the body as JSON (`Value::Null` when empty).
async fn call(
    polar: &MockPolar,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    call_as(polar, polar.organization_token(), method, path, body).await
}

/// [`call`] with another bearer token.
async fn call_as(
    polar: &MockPolar,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client()
        .request(method, format!("{}{path}", polar.base_url()))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let bytes = response.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, body)
}

/// Creates a customer from `body` and returns its JSON (asserting the 201).
async fn create(polar: &MockPolar, body: Value) -> Value {
    let (status, customer) = call(polar, Method::POST, CUSTOMERS, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{customer}");
    customer
}

/// The event types recorded so far, in order.
fn event_types(events: &[MockEvent]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event.event_type.as_str())
        .collect()
}

#[tokio::test]
async fn create_records_customer_created_then_state_changed_and_broadcasts_them() {
    let polar = MockPolar::start().await.unwrap();
    let mut receiver = polar.subscribe_events();
    let customer = create(&polar, json!({"email": "jane@example.org"})).await;
    let events = polar.events();
    assert_eq!(
        event_types(&events),
        ["customer.created", "customer.state_changed"]
    );
    assert_eq!(events[0].data, customer);
    assert_eq!(events[1].data["id"], customer["id"]);
    assert_eq!(events[1].data["active_subscriptions"], json!([]));
    assert_eq!(receiver.recv().await.unwrap(), events[0]);
    assert_eq!(receiver.recv().await.unwrap(), events[1]);
    let envelope = events[0].envelope();
    assert_eq!(envelope["type"], "customer.created");
    assert!(envelope["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(envelope["data"], customer);
}
