//! The request budget over real HTTP on loopback, against the mock's rate limit: a client told
//! the limit never meets a `429` and keeps close to the limit's pace; a client left at defaults
//! against a server whose limit it was not told learns it from the first `429`s and finishes.

use std::time::{Duration, Instant};

use futures_util::{StreamExt, stream};
use polar_client::{NewCustomer, Polar, RequestBudget};
use polar_client_mock::MockPolar;

use crate::support;
use support::stored_once;

/// Creates `n` customers through `polar`, 32 at a time; the errors, if any.
async fn create_all(polar: &Polar, n: usize) -> Vec<String> {
    let customers = polar.customers();
    stream::iter(0..n)
        .map(|i| customers.create(NewCustomer::individual(format!("user{i}@example.org"))))
        .buffer_unordered(32)
        .filter_map(|result| async move { result.err().map(|e| e.to_string()) })
        .collect()
        .await
}

fn client(mock: &MockPolar, budget: Option<RequestBudget>) -> Polar {
    let builder = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url());
    match budget {
        Some(budget) => builder.request_budget(budget),
        None => builder,
    }
    .build()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_told_the_limit_meets_no_429_and_keeps_its_pace() {
    let (limit, window) = (1_000, Duration::from_secs(8));
    let mock = MockPolar::builder()
        .rate_limit(limit, window)
        .start()
        .await
        .unwrap();
    let polar = client(&mock, Some(RequestBudget::per(limit, window)));
    let started = Instant::now();
    let errors = create_all(&polar, 2_000).await;
    let took = started.elapsed();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(mock.rate_limited_count(), 0);
    assert_eq!(stored_once(&mock), 2_000);
    // The limit's own pace: 2,000 requests at 1,000 per 8 s.
    let minimum = Duration::from_secs(16);
    println!("2,000 creates at 1,000 per 8 s took {took:?}");
    // The budget's own plan is 3.6 % over the limit's pace (a 1 % margin, the burst of 49 taken
    // out of the steady rate: 1,951 slots 8 s / 942 apart, 16.57 s); the run ends within 10 % of
    // the limit's pace. The wait dominates: 125 creates a second on loopback leave the 32 in
    // flight idle most of the time, so a loaded machine delays the end by milliseconds, not
    // seconds.
    assert!(
        took >= Duration::from_millis(16_500),
        "{took:?}: faster than the budget"
    );
    assert!(
        took <= minimum + minimum / 10,
        "{took:?} is more than 10 % over {minimum:?}"
    );
    let stats = polar.budget_stats();
    assert_eq!(stats.granted, 2_000);
    assert_eq!(stats.rate_limited, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_at_defaults_learns_an_unknown_limit_from_its_first_429s() {
    let mock = MockPolar::builder()
        .rate_limit(100, Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let polar = client(&mock, None);
    let errors = create_all(&polar, 600).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(stored_once(&mock), 600);
    let refused = mock.rate_limited_count();
    let stats = polar.budget_stats();
    println!("429s: {refused}; budget: {stats:?}");
    // Only the requests in flight when the first window filled: at most 32, and a few of the
    // retries that were already on their way.
    assert!(refused <= 40, "{refused} 429s");
    assert_eq!(
        stats.pauses, 1,
        "one pause: the budget kept to the learnt rate"
    );
    assert!(stats.limit.is_some_and(|(n, _)| n <= 100), "{stats:?}");
}

#[tokio::test]
async fn a_long_retry_after_the_deadline_allows_pauses_the_client_instead_of_failing() {
    let mock = MockPolar::builder()
        .rate_limit(3, Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    // Without a budget, a `Retry-After` above `max_retry_after` (5 s) ends a call; the default
    // policy's 30 s deadline holds a pause of the mock's 2 s window.
    let polar = client(&mock, Some(RequestBudget::adaptive()));
    let errors = create_all(&polar, 8).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(stored_once(&mock), 8);
}
