//! `Customers::export` over real HTTP on loopback: the CSV comes back whole, asked for as
//! `text/csv`; a CSV over the client's response size limit is refused; a 503 is retried.

use crate::support;

use polar_client::{Error, Polar, RetryPolicy};
use std::time::Duration;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers};

const CSV: &str = "ID,External ID,Created At,Email,Name,Tax ID,Billing Address Line 1,Billing Address Line 2,Billing Address City,Billing Address State,Billing Address Zip,Billing Address Country,Metadata\r\n\
992fae2a-2a17-4b7a-8d9e-e287cf90131b,usr_1,2026-04-01T10:00:00.123456+00:00,jane@example.org,Jane,,,,,,,,{}\r\n";

fn client(server: &MockServer, max_response_bytes: usize) -> Polar {
    Polar::builder()
        .access_token(support::SECRET)
        .base_url(server.uri())
        .max_response_bytes(max_response_bytes)
        .retry_policy(
            RetryPolicy::new()
                .jitter(false)
                .initial_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

async fn csv_server(body: Vec<u8>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/v1/customers/export"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/csv; charset=utf-8")
                .set_body_bytes(body),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn the_export_returns_polars_csv_whole() {
    let server = csv_server(CSV.as_bytes().to_vec()).await;
    let csv = client(&server, polar_client::DEFAULT_MAX_RESPONSE_BYTES)
        .customers()
        .export()
        .await
        .unwrap();
    assert_eq!(csv, CSV.as_bytes());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0]
            .headers
            .get("accept")
            .map(|v| v.to_str().unwrap()),
        Some("text/csv")
    );
    assert!(
        requests[0].headers.get("authorization").is_some(),
        "the hooks ran"
    );
}

#[tokio::test]
async fn an_export_over_the_response_limit_is_refused() {
    let server = csv_server(vec![b'x'; 10_000]).await;
    let err = client(&server, 1_000)
        .customers()
        .export()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1_000, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_export_answered_503_is_retried() {
    let server = MockServer::start().await;
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/v1/customers/export"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/v1/customers/export"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(CSV.as_bytes()))
        .mount(&server)
        .await;
    let csv = client(&server, polar_client::DEFAULT_MAX_RESPONSE_BYTES)
        .customers()
        .export()
        .await
        .unwrap();
    assert_eq!(csv, CSV.as_bytes());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
