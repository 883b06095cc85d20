//! The `webhook_receiver` example, served on loopback and sent signed deliveries over real HTTP:
//! verification, deduplication by `webhook-id`, the `customer.created` hand-off.

use crate::receiver;

use std::time::SystemTime;

use polar_client::Customer;
use polar_client::webhooks::{self, WebhookSecret, WebhookVerifier};
use tokio::sync::mpsc;

const SECRET: &str = "whsec_receiverTestSecret0123456789abcdefghijklmn";

struct Running {
    url: String,
    customers: mpsc::Receiver<Customer>,
    http: reqwest::Client,
}

async fn start() -> Running {
    let (router, customers) = receiver::router(WebhookVerifier::new(SECRET));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}{}",
        listener.local_addr().unwrap(),
        receiver::PATH
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    Running {
        url,
        customers,
        http: http_client(),
    }
}

/// A plain-HTTP client.
fn http_client() -> reqwest::Client {
    reqwest::Client::new()
}

fn customer_created(email: &str) -> Vec<u8> {
    format!(
        r#"{{"type":"customer.created","timestamp":"2026-04-01T10:00:00Z","data":{{"id":"992fae2a-2a17-4b7a-8d9e-e287cf90131b","created_at":"2026-04-01T10:00:00Z","organization_id":"1dbfc517-0bbf-4301-9ba8-555ca42b9737","email":"{email}"}}}}"#
    )
    .into_bytes()
}

impl Running {
    async fn deliver(&self, id: &str, body: &[u8], secret: &str) -> (u16, String) {
        let headers =
            webhooks::sign(&WebhookSecret::new(secret), id, SystemTime::now(), body).unwrap();
        self.post(headers, body.to_vec()).await
    }

    async fn post(&self, headers: http::HeaderMap, body: Vec<u8>) -> (u16, String) {
        let response = self
            .http
            .post(&self.url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

#[tokio::test]
async fn a_new_customer_is_queued_once_however_often_it_is_delivered() {
    let mut running = start().await;
    let body = customer_created("jane@example.org");
    let (status, text) = running.deliver("msg_1", &body, SECRET).await;
    assert_eq!(status, 202, "{text}");
    let queued = running.customers.try_recv().unwrap();
    assert_eq!(queued.email(), Some("jane@example.org"));

    // A retry of the same event (re-signed, as Polar does) is acknowledged but not handled again.
    let (status, text) = running.deliver("msg_1", &body, SECRET).await;
    assert_eq!((status, text.as_str()), (200, "msg_1 already handled"));
    assert!(running.customers.try_recv().is_err());

    // Another event with the same body is another delivery.
    let (status, _) = running.deliver("msg_2", &body, SECRET).await;
    assert_eq!(status, 202);
    assert!(running.customers.try_recv().is_ok());
}

#[tokio::test]
async fn a_bad_signature_is_refused_and_not_remembered() {
    let mut running = start().await;
    let body = customer_created("mallory@example.org");
    let (status, text) = running
        .deliver("msg_1", &body, "whsec_someoneElsesSecret")
        .await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("signature"), "{text}");
    assert!(running.customers.try_recv().is_err());

    // The genuine delivery with that ID still goes through.
    let (status, _) = running.deliver("msg_1", &body, SECRET).await;
    assert_eq!(status, 202);
    assert!(running.customers.try_recv().is_ok());
}

#[tokio::test]
async fn missing_headers_and_tampered_bodies_are_client_errors() {
    let mut running = start().await;
    let (status, text) = running
        .post(http::HeaderMap::new(), customer_created("a@example.org"))
        .await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("webhook-id"), "{text}");

    let body = customer_created("a@example.org");
    let headers = webhooks::sign(
        &WebhookSecret::new(SECRET),
        "msg_3",
        SystemTime::now(),
        &body,
    )
    .unwrap();
    let (status, _) = running
        .post(headers, customer_created("b@example.org"))
        .await;
    assert_eq!(status, 401);
    assert!(running.customers.try_recv().is_err());
}

#[tokio::test]
async fn other_events_are_acknowledged_and_ignored() {
    let mut running = start().await;
    let body = br#"{"type":"order.paid","timestamp":"2026-04-01T10:00:00Z","data":{}}"#;
    let (status, text) = running.deliver("msg_9", body, SECRET).await;
    assert_eq!((status, text.as_str()), (202, "ignored order.paid"));
    assert!(running.customers.try_recv().is_err());
}
