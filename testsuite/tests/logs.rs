//! Tracing output: one span per operation with its fields, and never the access token.
//!
//! These tests install a thread-local subscriber; they live in their own test binary so that no
//! test without a subscriber can register the client's callsites first and have them cached as
//! disabled.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use polar_client::{NewCustomer, Polar, RetryPolicy};
use polar_client_mock::Fault;

mod support;

use support::{SECRET, client, mock_with_secret};

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
        "operation=\"customers:create\"",
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

/// The `redis` feature: a budget shared through a Redis that is not there.
#[cfg(feature = "redis")]
#[tokio::test]
async fn with_redis_unreachable_from_the_start_the_client_keeps_to_its_local_share_logged_once() {
    use futures_util::StreamExt;
    use polar_client::{RedisBudget, RequestBudget};

    // Needs no redis-server: nothing listens on the port.
    let (captured, _guard) = capture_logs();
    let mock = polar_client_mock::MockPolar::start().await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://:s3cret@127.0.0.1:{port}");
    // 40 a second, half of it locally: 20 a second without Redis.
    let budget = RequestBudget::per(40, Duration::from_secs(1)).shared_via_redis(
        RedisBudget::new(url, "polar:test:away")
            .local_share(0.5)
            .retry_every(Duration::from_millis(100)),
    );
    let polar = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .request_budget(budget)
        .build()
        .unwrap();
    let start = std::time::Instant::now();
    let customers = polar.customers();
    let results: Vec<_> = tokio::time::timeout(
        Duration::from_secs(30),
        futures_util::stream::iter(0..40)
            .map(|i| customers.create(NewCustomer::individual(format!("user{i}@example.org"))))
            .buffer_unordered(8)
            .collect::<Vec<_>>(),
    )
    .await
    .expect("no hang");
    let took = start.elapsed();
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(mock.customers().len(), 40, "each create once");
    let stats = polar.budget_stats();
    println!("40 creates without Redis: {took:?}; {stats:?}");
    assert_eq!((stats.shared, stats.local_fallback), (0, 40));
    // The local share's pace (one every 50 ms), not the whole limit's (one every ~26 ms).
    assert!(took >= Duration::from_millis(1_900), "{took:?}");
    let logs = captured.text();
    let warnings = logs.matches("Redis is unreachable").count();
    assert_eq!(
        warnings, 1,
        "logged once, not per call or per retry: {logs}"
    );
    assert!(!logs.contains("s3cret"), "{logs}");
}
