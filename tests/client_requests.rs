//! What goes on the wire, what the builder refuses, and where the token never shows up.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polar_client::mock::{Fault, MockPolar};
use polar_client::{Address, Country, Error, NewCustomer, Polar, RetryPolicy};

const SECRET: &str = "polar_oat_SuperSecretValue123";

async fn mock_with_secret() -> MockPolar {
    MockPolar::builder()
        .organization_token(SECRET)
        .start()
        .await
        .unwrap()
}

fn client(mock: &MockPolar) -> Polar {
    Polar::builder()
        .access_token(SECRET)
        .base_url(format!("{}/", mock.base_url()))
        .retry_policy(
            RetryPolicy::new()
                .jitter(false)
                .initial_backoff(Duration::from_millis(5)),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_request_carries_our_headers_and_a_content_length() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    polar
        .customers()
        .create(NewCustomer::individual("h@example.org").external_id("usr_h"))
        .await
        .unwrap();
    polar.customers().get_by_external_id("usr_h").await.unwrap();
    let requests = mock.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {SECRET}").as_str())
        );
        assert_eq!(request.header("polar-version"), Some("2026-04"));
        assert_eq!(request.header("accept"), Some("application/json"));
        let agent = request.header("user-agent").unwrap();
        assert!(agent.starts_with("polar-client/"), "{agent}");
        assert_eq!(
            request.header("api-version"),
            None,
            "progenitor's header must not leak"
        );
    }
    let post = &requests[0];
    assert_eq!(post.path, "/v1/customers/");
    assert_eq!(
        post.header("content-length"),
        Some(post.body.len().to_string().as_str())
    );
    assert_eq!(post.header("transfer-encoding"), None);
    let body: serde_json::Value = serde_json::from_slice(&post.body).unwrap();
    assert_eq!(body["type"], "individual");
    assert_eq!(requests[1].path, "/v1/customers/external/usr_h");
}

#[tokio::test]
async fn the_seed_customer_round_trips() {
    let mock = mock_with_secret().await;
    let customer = client(&mock)
        .customers()
        .create(
            NewCustomer::individual("customer@example.com")
                .name("John Doe")
                .external_id("usr_1337")
                .billing_address(Address::new(Country::US))
                .locale("en")
                .owner(
                    polar_client::Owner::new("member@example.com")
                        .name("Jane Doe")
                        .external_id("usr_1337"),
                ),
        )
        .await
        .unwrap();
    assert_eq!(customer.email(), Some("customer@example.com"));
    assert_eq!(customer.name(), Some("John Doe"));
    assert_eq!(customer.external_id(), Some("usr_1337"));
    assert_eq!(
        customer.billing_address().map(|a| a.country.clone()),
        Some(Country::US)
    );
    assert!(customer.is_individual());
}

#[tokio::test]
async fn an_invalid_create_sends_nothing_and_lists_every_problem() {
    let mock = mock_with_secret().await;
    let err = client(&mock)
        .customers()
        .create(
            NewCustomer::individual("not an email")
                .name("x".repeat(300))
                .locale("english"),
        )
        .await
        .unwrap_err();
    let Error::InvalidInput { problems, .. } = &err else {
        panic!("{err:?}")
    };
    let fields: Vec<_> = problems.iter().map(|p| p.field()).collect();
    assert_eq!(fields, ["email", "name", "locale"]);
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn an_unsupported_version_is_named_as_such() {
    let mock = mock_with_secret().await;
    let polar = Polar::builder()
        .access_token(SECRET)
        .base_url(mock.base_url())
        .api_version("2019-01")
        .build()
        .unwrap();
    let err = polar
        .customers()
        .create(NewCustomer::individual("v@example.org"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::UnsupportedApiVersion { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("2019-01"), "{err}");
}

#[tokio::test]
async fn a_missing_external_id_is_not_found() {
    let mock = mock_with_secret().await;
    let err = client(&mock)
        .customers()
        .get_by_external_id("nobody")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn a_wrong_token_says_environments_differ() {
    let mock = mock_with_secret().await;
    let polar = Polar::builder()
        .access_token("polar_oat_other")
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let err = polar
        .customers()
        .create(NewCustomer::individual("w@example.org"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().to_lowercase().contains("sandbox"), "{err}");
}

#[test]
fn the_builder_refuses_unusable_configuration() {
    let cases = [
        Polar::builder().build(),
        Polar::builder().access_token("   ").build(),
        Polar::builder().access_token("polar_oat_a\nb").build(),
        Polar::builder()
            .access_token("polar_oat_x")
            .base_url("not a url")
            .build(),
        Polar::builder()
            .access_token("polar_oat_x")
            .base_url("ftp://example.org")
            .build(),
        Polar::builder()
            .access_token("polar_oat_x")
            .api_version("")
            .build(),
        Polar::builder()
            .access_token("polar_oat_x")
            .timeout(Duration::ZERO)
            .build(),
    ];
    for case in cases {
        let err = case.unwrap_err();
        assert!(matches!(err, Error::InvalidConfig { .. }), "{err:?}");
        assert!(!err.to_string().contains("polar_oat_a"), "{err}");
    }
    let polar = Polar::builder()
        .access_token(" polar_oat_x\n")
        .base_url("http://127.0.0.1:9/")
        .build()
        .unwrap();
    assert_eq!(polar.base_url(), "http://127.0.0.1:9");
    assert_eq!(polar.api_version(), "2026-04");
}

/// A `tracing` writer that keeps everything written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything written so far, as text.
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Captures all tracing output of the current thread (spans printed with their fields on close).
fn capture_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[tokio::test]
async fn each_operation_is_one_span_with_attempts_status_and_request_id() {
    let (captured, _guard) = capture_logs();
    let mock = mock_with_secret().await;
    mock.fail_next(1, Fault::ServerError { status: 503 });
    client(&mock)
        .customers()
        .create(NewCustomer::individual("s@example.org"))
        .await
        .unwrap();
    let logs = captured.text();
    let closed: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("polar.request") && l.contains("close"))
        .collect();
    assert_eq!(
        closed.len(),
        1,
        "one span for the whole create, retries included: {logs}"
    );
    for field in [
        "operation=\"customers_create\"",
        "attempts=2",
        "status=201",
        "request_id=",
        "duration_ms=",
    ] {
        assert!(
            closed[0].contains(field),
            "{field} missing from {}",
            closed[0]
        );
    }
    let retry = logs
        .lines()
        .find(|l| l.contains("retrying"))
        .expect("the retry is logged");
    assert!(
        retry.contains("WARN") && retry.contains("HTTP 503"),
        "{retry}"
    );
}

#[tokio::test]
async fn the_token_never_appears_in_debug_errors_or_logs() {
    let (captured, _guard) = capture_logs();

    let mock = mock_with_secret().await;
    let polar = client(&mock);
    mock.fail_next(1, Fault::ServerError { status: 503 });
    polar
        .customers()
        .create(NewCustomer::individual("t@example.org").external_id("usr_t"))
        .await
        .unwrap();
    mock.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Duration::from_secs(60),
        },
    );
    let rate_limited = polar
        .customers()
        .create(NewCustomer::individual("u@example.org"))
        .await
        .unwrap_err();
    let wrong = Polar::builder()
        .access_token(format!("{SECRET}x"))
        .base_url(mock.base_url())
        .build()
        .unwrap();
    let unauthorized = wrong
        .customers()
        .create(NewCustomer::individual("v@example.org"))
        .await
        .unwrap_err();
    let refused = Polar::builder()
        .access_token(SECRET)
        .base_url("http://127.0.0.1:9")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
        .customers()
        .create(NewCustomer::individual("x@example.org"))
        .await
        .unwrap_err();

    let logs = captured.text();
    assert!(logs.contains("retrying"), "the retry was logged: {logs}");
    let texts = [
        format!("{polar:?}"),
        format!("{wrong:?}"),
        format!("{:?}", Polar::builder().access_token(SECRET)),
        format!("{rate_limited} {rate_limited:?}"),
        format!("{unauthorized} {unauthorized:?}"),
        format!("{refused} {refused:?}"),
        logs,
    ];
    for text in texts {
        assert!(!text.contains("SuperSecret"), "token leaked into: {text}");
    }
}
