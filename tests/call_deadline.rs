//! The overall deadline bounds the whole call: the lookups that settle a create whose answer may
//! have been lost run within what is left of the create's deadline, never a fresh one.
//!
//! Against the in-process mock on loopback, with tokio's paused clock: the mock runs on the test's
//! runtime, so its delays and the client's timeouts and waits all follow the same virtual clock,
//! and the elapsed times below are exact (no real time passes).

use std::time::Duration;

use polar_client::mock::{Fault, MockPolar};
use polar_client::{CreateOrGet, Error, NewCustomer, Polar, RetryPolicy};
use tokio::time::Instant;

/// Every test's overall deadline.
const DEADLINE: Duration = Duration::from_secs(10);

/// The shortest attempt the loop sends when the deadline is (nearly) used up.
const MIN_ATTEMPT: Duration = Duration::from_millis(1);

/// A client with a 4 s attempt timeout and a 10 s deadline; waits of `initial_backoff`, doubling
/// up to 4 s, no jitter.
fn client(mock: &MockPolar, initial_backoff: Duration, max_attempts: u32) -> Polar {
    Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .timeout(Duration::from_secs(4))
        .retry_policy(
            RetryPolicy::new()
                .jitter(false)
                .max_attempts(max_attempts)
                .initial_backoff(initial_backoff)
                .max_backoff(Duration::from_secs(4))
                .overall_deadline(DEADLINE),
        )
        .build()
        .unwrap()
}

/// Requests the mock saw with `method`.
fn seen(mock: &MockPolar, method: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| r.method == method)
        .count()
}

/// Creates hang: attempts of 4 s, 4 s and the last 0.5 s of the deadline (waits of 0.5 s and
/// 1 s between them) use the deadline up exactly.
fn creates_hang(mock: &MockPolar) {
    mock.fail_next_matching(
        http::Method::POST,
        "/v1/customers/",
        10,
        Fault::Delay(Duration::from_secs(3600)),
    );
}

/// Asserts the call ended within the deadline (the 1 ms minimum attempt aside).
fn assert_within_deadline(started: Instant) {
    let took = started.elapsed();
    assert!(
        took <= DEADLINE + MIN_ATTEMPT,
        "deadline {DEADLINE:?}, took {took:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_create_that_used_up_the_deadline_is_not_looked_up_after() {
    let mock = MockPolar::start().await.unwrap();
    creates_hang(&mock);
    let polar = client(&mock, Duration::from_millis(500), 5);
    let started = Instant::now();
    let err = polar
        .customers()
        .create(NewCustomer::individual("late@example.org").external_id("usr_late"))
        .await
        .unwrap_err();
    assert_within_deadline(started);
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.may_have_been_processed(), "{err:?}");
    assert_eq!(seen(&mock, "POST"), 3, "4 s + 0.5 s + 4 s + 1 s + 0.5 s");
    assert_eq!(seen(&mock, "GET"), 0, "nothing left for a lookup");
}

#[tokio::test(start_paused = true)]
async fn create_or_get_does_not_look_up_past_the_deadline() {
    let mock = MockPolar::start().await.unwrap();
    creates_hang(&mock);
    let polar = client(&mock, Duration::from_millis(500), 5);
    let started = Instant::now();
    let err = polar
        .customers()
        .create_or_get(NewCustomer::individual("late@example.org").external_id("usr_late"))
        .await
        .unwrap_err();
    assert_within_deadline(started);
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.may_have_been_processed(), "{err:?}");
    assert_eq!(seen(&mock, "GET"), 0, "nothing left for a lookup");
}

#[tokio::test(start_paused = true)]
async fn lookups_that_miss_stop_at_the_deadline() {
    let mock = MockPolar::start().await.unwrap();
    // Creates at 0, 1, 3 and 7 s answer 503 (nothing stored); the next wait (4 s) would end past
    // the deadline. Lookups by email then miss: at 7 s, a 1 s wait, at 8 s; a 2 s wait would end
    // at the deadline, so it is not started.
    mock.fail_next_matching(
        http::Method::POST,
        "/v1/customers/",
        10,
        Fault::ServerError { status: 503 },
    );
    let polar = client(&mock, Duration::from_secs(1), 10);
    let started = Instant::now();
    let err = polar
        .customers()
        .create(NewCustomer::individual("missing@example.org"))
        .await
        .unwrap_err();
    assert_within_deadline(started);
    assert_eq!(started.elapsed(), Duration::from_secs(8));
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert!(err.may_have_been_processed(), "{err:?}");
    assert_eq!(seen(&mock, "POST"), 4);
    assert_eq!(
        seen(&mock, "GET"),
        2,
        "the lookups that fit in the 3 s left"
    );
}

#[tokio::test(start_paused = true)]
async fn a_hanging_lookup_is_cut_at_the_deadline() {
    let mock = MockPolar::start().await.unwrap();
    // Creates fail with 503 until 7 s (as above); the lookup then hangs: its attempt gets the 3 s
    // left, not the 4 s timeout, and is not tried again.
    mock.fail_next_matching(
        http::Method::POST,
        "/v1/customers/",
        10,
        Fault::ServerError { status: 503 },
    );
    mock.fail_next_matching(
        http::Method::GET,
        "/v1/customers/",
        10,
        Fault::Delay(Duration::from_secs(3600)),
    );
    let polar = client(&mock, Duration::from_secs(1), 10);
    let started = Instant::now();
    let err = polar
        .customers()
        .create(NewCustomer::individual("hang@example.org").external_id("usr_hang"))
        .await
        .unwrap_err();
    assert_within_deadline(started);
    assert_eq!(started.elapsed(), DEADLINE);
    assert_eq!(err.status(), Some(503), "the create's error: {err:?}");
    assert!(err.may_have_been_processed(), "{err:?}");
    assert_eq!(seen(&mock, "GET"), 1);
}

/// Creates at 0, 1 and 3 s answer 503; the one at 7 s is stored but a proxy answers 504. The next
/// wait would end past the deadline, so the loop stops with 3 s left.
fn stored_late(mock: &MockPolar) {
    mock.fail_next_matching(
        http::Method::POST,
        "/v1/customers/",
        3,
        Fault::ServerError { status: 503 },
    );
    mock.fail_next_matching(
        http::Method::POST,
        "/v1/customers/",
        1,
        Fault::ProxyErrorPageAfterStore { status: 504 },
    );
}

#[tokio::test(start_paused = true)]
async fn a_lost_create_is_still_found_when_time_is_left() {
    let mock = MockPolar::start().await.unwrap();
    stored_late(&mock);
    let polar = client(&mock, Duration::from_secs(1), 10);
    let started = Instant::now();
    let customer = polar
        .customers()
        .create(NewCustomer::individual("found@example.org").external_id("usr_found"))
        .await
        .unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(7));
    assert!(customer.was_recovered());
    assert_eq!(customer.external_id(), Some("usr_found"));
    assert_eq!(seen(&mock, "POST"), 4);
    assert_eq!(seen(&mock, "GET"), 1);
    assert_eq!(mock.customers().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn create_or_get_still_finds_a_lost_create_when_time_is_left() {
    let mock = MockPolar::start().await.unwrap();
    stored_late(&mock);
    let polar = client(&mock, Duration::from_secs(1), 10);
    let started = Instant::now();
    let outcome = polar
        .customers()
        .create_or_get(NewCustomer::individual("found@example.org").external_id("usr_found"))
        .await
        .unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(7));
    let CreateOrGet::Created(customer) = outcome else {
        panic!("{outcome:?}")
    };
    assert!(customer.was_recovered());
    assert_eq!(seen(&mock, "GET"), 1);
}
