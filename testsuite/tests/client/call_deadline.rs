//! The overall deadline bounds the whole call: the lookups that settle a create whose answer may
//! have been lost run within what is left of the create's deadline, never a fresh one.
//!
//! Against the in-process mock on loopback, with tokio's paused clock: the mock runs on the test's
//! runtime, so its delays and the client's timeouts and waits all follow the same virtual clock,
//! and the elapsed times below are exact (no real time passes).

use std::time::Duration;

use polar_client::{CreateOrGet, Customer, Error, NewCustomer, Polar, RetryPolicy};
use polar_client_mock::{Fault, MockPolar};
use tokio::time::Instant;

use crate::support;
use support::requests_seen;

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

/// Asserts the call ended within the deadline (the 1 ms minimum attempt aside).
fn assert_within_deadline(started: Instant) {
    let took = started.elapsed();
    assert!(
        took <= DEADLINE + MIN_ATTEMPT,
        "deadline {DEADLINE:?}, took {took:?}"
    );
}

/// `call` (a create or a `create_or_get`) after creates that hang: attempts of 4 s, 4 s and the
/// last 0.5 s of the deadline (waits of 0.5 s and 1 s between them) use the deadline up exactly: it returns the
/// create's error at the deadline, without a lookup.
async fn not_looked_up_once_the_deadline_is_used_up<T, Fut>(call: impl FnOnce(Polar) -> Fut)
where
    T: std::fmt::Debug,
    Fut: Future<Output = Result<T, Error>>,
{
    let mock = MockPolar::start().await.unwrap();
    mock.fail_next_matching(
        http::Method::POST,
        "/v1/customers/",
        10,
        Fault::Delay(Duration::from_secs(3600)),
    );
    let started = Instant::now();
    let err = call(client(&mock, Duration::from_millis(500), 5))
        .await
        .unwrap_err();
    assert_within_deadline(started);
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.may_have_been_processed(), "{err:?}");
    assert_eq!(
        requests_seen(&mock, "POST", "/"),
        3,
        "4 s + 0.5 s + 4 s + 1 s + 0.5 s"
    );
    assert_eq!(
        requests_seen(&mock, "GET", "/"),
        0,
        "nothing left for a lookup"
    );
}

fn late() -> NewCustomer {
    NewCustomer::individual("late@example.org").external_id("usr_late")
}

#[tokio::test(start_paused = true)]
async fn a_create_that_used_up_the_deadline_is_not_looked_up_after() {
    not_looked_up_once_the_deadline_is_used_up(|polar| async move {
        polar.customers().create(late()).await
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn create_or_get_does_not_look_up_past_the_deadline() {
    not_looked_up_once_the_deadline_is_used_up(|polar| async move {
        polar.customers().create_or_get(late()).await
    })
    .await;
}

/// Creates `customer` while every create answers 503 (nothing stored): attempts at 0, 1, 3 and
/// 7 s, then the next wait (4 s) would end past the deadline. Asserts the call returns the create's
/// error within the deadline, and gives the (paused-clock) time it took.
async fn create_after_503s(mock: &MockPolar, customer: NewCustomer) -> Duration {
    mock.fail_next_matching(
        http::Method::POST,
        "/v1/customers/",
        10,
        Fault::ServerError { status: 503 },
    );
    let started = Instant::now();
    let err = client(mock, Duration::from_secs(1), 10)
        .customers()
        .create(customer)
        .await
        .unwrap_err();
    assert_within_deadline(started);
    assert_eq!(err.status(), Some(503), "the create's error: {err:?}");
    assert!(err.may_have_been_processed(), "{err:?}");
    assert_eq!(requests_seen(mock, "POST", "/"), 4);
    started.elapsed()
}

#[tokio::test(start_paused = true)]
async fn lookups_that_miss_stop_at_the_deadline() {
    let mock = MockPolar::start().await.unwrap();
    // Lookups by email miss: at 7 s, a 1 s wait, at 8 s; a 2 s wait would end at the deadline, so
    // it is not started.
    let took = create_after_503s(&mock, NewCustomer::individual("missing@example.org")).await;
    assert_eq!(took, Duration::from_secs(8));
    assert_eq!(
        requests_seen(&mock, "GET", "/"),
        2,
        "the lookups that fit in the 3 s left"
    );
}

#[tokio::test(start_paused = true)]
async fn a_hanging_lookup_is_cut_at_the_deadline() {
    let mock = MockPolar::start().await.unwrap();
    // The lookup at 7 s hangs: its attempt gets the 3 s left, not the 4 s timeout, and is not
    // tried again.
    mock.fail_next_matching(
        http::Method::GET,
        "/v1/customers/",
        10,
        Fault::Delay(Duration::from_secs(3600)),
    );
    let hang = NewCustomer::individual("hang@example.org").external_id("usr_hang");
    assert_eq!(create_after_503s(&mock, hang).await, DEADLINE);
    assert_eq!(requests_seen(&mock, "GET", "/"), 1);
}

/// `call` (a create or a `create_or_get`) after creates at 0, 1 and 3 s answered 503 and the one
/// at 7 s was stored but a proxy answered 504: the next wait would end past the deadline, so the
/// loop stops with 3 s left, enough for the lookup that finds the customer.
async fn found_with_time_left<Fut>(call: impl FnOnce(Polar) -> Fut)
where
    Fut: Future<Output = Result<Customer, Error>>,
{
    let mock = MockPolar::start().await.unwrap();
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
    let started = Instant::now();
    let customer = call(client(&mock, Duration::from_secs(1), 10))
        .await
        .unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(7));
    assert!(customer.was_recovered());
    assert_eq!(customer.external_id(), Some("usr_found"));
    assert_eq!(requests_seen(&mock, "POST", "/"), 4);
    assert_eq!(requests_seen(&mock, "GET", "/"), 1);
    assert_eq!(mock.customers().len(), 1);
}

fn found() -> NewCustomer {
    NewCustomer::individual("found@example.org").external_id("usr_found")
}

#[tokio::test(start_paused = true)]
async fn a_lost_create_is_still_found_when_time_is_left() {
    found_with_time_left(|polar| async move { polar.customers().create(found()).await }).await;
}

#[tokio::test(start_paused = true)]
async fn create_or_get_still_finds_a_lost_create_when_time_is_left() {
    found_with_time_left(|polar| async move {
        let outcome = polar.customers().create_or_get(found()).await?;
        assert!(matches!(outcome, CreateOrGet::Created(_)), "{outcome:?}");
        Ok(outcome.into_customer())
    })
    .await;
}
