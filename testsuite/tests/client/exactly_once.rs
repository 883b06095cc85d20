//! Create exactly once, against the crate's mock Polar over loopback: Ok and exactly one stored
//! and it is ours, or Err and nothing stored — for each scenario that once broke it, for every
//! sequence of up to three faults on the create, and under a seeded chaos run.

use std::sync::Arc;
use std::time::Duration;

use polar_client::{CreateOrGet, Customer, Error, NewCustomer, Polar, RequestBudget, RetryPolicy};
use polar_client_mock::{Fault, Method, MockPolar};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

const CREATE_PATH: &str = "/v1/customers/";

/// Fast waits, default attempt count.
fn fast() -> RetryPolicy {
    RetryPolicy::new()
        .jitter(false)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5))
}

fn client_with(mock: &MockPolar, policy: RetryPolicy) -> Polar {
    Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .retry_policy(policy)
        // Injected 429s are faults here, not the server's limit: no budget learns from them.
        .request_budget(RequestBudget::unlimited())
        .build()
        .unwrap()
}

/// Starts a mock, queues `faults` for the creates and creates `person(1)` through a fast client.
async fn create_after(faults: &[Fault]) -> (MockPolar, Result<Customer, Error>) {
    let mock = MockPolar::start().await.unwrap();
    fault_creates(&mock, faults);
    let result = client_with(&mock, fast())
        .customers()
        .create(person(1))
        .await;
    (mock, result)
}

/// A client that waits `timeout` for an answer and never retries.
fn impatient(mock: &MockPolar, timeout: Duration) -> Polar {
    Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .timeout(timeout)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

/// Queues `faults`, in order, for the next creates only (lookups are answered normally).
fn fault_creates(mock: &MockPolar, faults: &[Fault]) {
    for fault in faults {
        mock.fail_next_matching(Method::POST, CREATE_PATH, 1, fault.clone());
    }
}

fn person(n: usize) -> NewCustomer {
    NewCustomer::individual(format!("user{n}@example.org")).external_id(format!("usr_{n}"))
}

/// The stored customers holding this external ID.
fn stored_with(mock: &MockPolar, external_id: &str) -> Vec<serde_json::Value> {
    mock.customers()
        .into_iter()
        .filter(|c| c["external_id"] == external_id)
        .collect()
}

/// How one create ended, judged against what the server stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Ok, exactly one stored, and it is the customer returned and asked for.
    Created,
    /// Err, nothing stored.
    Failed,
    StoredTwice,
    CreatedButReportedFailed,
    ReportedCreatedButNotStored,
    WrongCustomerReturned,
}

fn judge(
    asked: (&str, &str),
    result: &Result<Customer, Error>,
    stored: &[serde_json::Value],
) -> Verdict {
    let (email, external_id) = asked;
    match (result, stored) {
        (_, [_, _, ..]) => Verdict::StoredTwice,
        (Ok(_), []) => Verdict::ReportedCreatedButNotStored,
        (Ok(c), [one])
            if c.id().as_str() == one["id"]
                && c.email() == Some(email)
                && c.external_id() == Some(external_id) =>
        {
            Verdict::Created
        }
        (Ok(_), [_]) => Verdict::WrongCustomerReturned,
        (Err(_), [_]) => Verdict::CreatedButReportedFailed,
        (Err(_), []) => Verdict::Failed,
    }
}

/// The eight fault kinds of the exhaustive run, each on one create attempt.
fn fault_kinds() -> Vec<(&'static str, Fault)> {
    vec![
        (
            "429 Retry-After 0",
            Fault::RateLimited {
                retry_after: Duration::ZERO,
            },
        ),
        ("502 HTML", Fault::ProxyErrorPage { status: 502 }),
        ("503", Fault::ServerError { status: 503 }),
        (
            "504 after store",
            Fault::ProxyErrorPageAfterStore { status: 504 },
        ),
        ("lost response after store", Fault::DropAfterStore),
        ("reset before store", Fault::DropBeforeStore),
        ("truncated 201", Fault::TruncatedBody),
        ("bad-JSON 201", Fault::MalformedBody),
    ]
}

#[tokio::test]
async fn another_customer_is_never_returned_as_ours() {
    let mock = MockPolar::start().await.unwrap();
    let polar = client_with(&mock, fast());
    let alice = polar
        .customers()
        .create(NewCustomer::individual("alice@example.org").external_id("usr_42"))
        .await
        .unwrap();
    // Bob's first attempt meets a proxy's 503 (nothing stored); the retry is refused because
    // Alice holds usr_42. Alice is not Bob.
    fault_creates(&mock, &[Fault::ProxyErrorPage { status: 503 }]);
    let bob = polar
        .customers()
        .create(NewCustomer::individual("bob@example.org").external_id("usr_42"))
        .await;
    let err = bob.unwrap_err();
    assert!(err.is_duplicate_external_id(), "{err:?}");
    assert_eq!(stored_with(&mock, "usr_42").len(), 1);
    assert_eq!(mock.customers()[0]["id"], alice.id().as_str());
}

#[tokio::test]
async fn a_call_ending_in_a_rate_limit_after_a_lost_create_returns_the_customer() {
    for faults in [
        vec![
            Fault::DropAfterStore,
            Fault::ProxyErrorPage { status: 502 },
            Fault::RateLimited {
                retry_after: Duration::ZERO,
            },
        ],
        vec![
            Fault::RateLimited {
                retry_after: Duration::ZERO,
            },
            Fault::ServerError { status: 503 },
            Fault::ProxyErrorPageAfterStore { status: 504 },
        ],
    ] {
        let (mock, result) = create_after(&faults).await;
        let customer = result.unwrap_or_else(|e| panic!("{faults:?}: {e:?}"));
        assert!(customer.was_recovered(), "{faults:?}");
        assert_eq!(stored_with(&mock, "usr_1").len(), 1, "{faults:?}");
    }
}

#[tokio::test]
async fn rate_limits_do_not_use_up_the_default_attempts() {
    let mock = MockPolar::start().await.unwrap();
    let one_second = Fault::RateLimited {
        retry_after: Duration::from_secs(1),
    };
    fault_creates(&mock, &[one_second.clone(), one_second.clone(), one_second]);
    // The default policy: three attempts, yet three 429s in a row do not exhaust it.
    let customer = client_with(&mock, RetryPolicy::new())
        .customers()
        .create(person(1))
        .await
        .unwrap();
    assert!(!customer.was_recovered());
    let posts = mock
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 4);
}

#[tokio::test]
async fn a_created_answer_that_is_not_json_returns_the_customer() {
    let (mock, customer) = create_after(&[Fault::MalformedBody]).await;
    let customer = customer.unwrap();
    assert!(customer.was_recovered());
    assert_eq!(stored_with(&mock, "usr_1")[0]["id"], customer.id().as_str());
}

#[tokio::test]
async fn after_a_timeout_create_or_get_returns_the_customer() {
    let mock = MockPolar::start().await.unwrap();
    // Polar finishes the create after the client gave up waiting.
    fault_creates(&mock, &[Fault::Delay(Duration::from_millis(600))]);
    let impatient = impatient(&mock, Duration::from_millis(150));
    let err = impatient.customers().create(person(1)).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                may_have_reached_server: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.may_have_been_processed());
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        stored_with(&mock, "usr_1").len(),
        1,
        "the mock finished the create"
    );

    let again = client_with(&mock, fast())
        .customers()
        .create_or_get(person(1))
        .await
        .unwrap();
    assert!(matches!(again, CreateOrGet::Existing(_)), "{again:?}");
    assert_eq!(again.customer().external_id(), Some("usr_1"));
    assert_eq!(stored_with(&mock, "usr_1").len(), 1);
}

#[tokio::test]
async fn create_or_get_creates_finds_and_refuses_another_customer() {
    let mock = MockPolar::start().await.unwrap();
    let polar = client_with(&mock, fast());
    let first = polar.customers().create_or_get(person(1)).await.unwrap();
    assert!(first.was_created());
    // Polar compares emails without regard to case.
    let same = NewCustomer::individual("USER1@example.org").external_id("usr_1");
    let second = polar.customers().create_or_get(same).await.unwrap();
    assert_eq!(second, CreateOrGet::Existing(first.customer().clone()));

    let other = NewCustomer::individual("bob@example.org").external_id("usr_1");
    let err = polar.customers().create_or_get(other).await.unwrap_err();
    let Error::Conflict {
        existing,
        differences,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(existing.id(), first.customer().id());
    assert_eq!(differences.len(), 1);
    assert_eq!(differences[0].field(), "email");
    assert_eq!(differences[0].requested(), Some("bob@example.org"));
    assert_eq!(differences[0].existing(), Some("user1@example.org"));
    assert!(err.to_string().contains("bob@example.org"), "{err}");

    // Same email, no external ID asked for but one stored: not the customer asked for either.
    let by_email = NewCustomer::individual("user1@example.org");
    let err = polar.customers().create_or_get(by_email).await.unwrap_err();
    assert_eq!(err.differences()[0].field(), "external_id", "{err:?}");

    let team = NewCustomer::team().name("No key");
    let err = polar.customers().create_or_get(team).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(mock.customers().len(), 1);
}

#[tokio::test]
async fn create_or_get_after_a_lost_create_reports_it_created() {
    let mock = MockPolar::start().await.unwrap();
    fault_creates(&mock, &[Fault::DropAfterStore]);
    let result = client_with(&mock, fast())
        .customers()
        .create_or_get(person(1))
        .await
        .unwrap();
    assert!(result.was_created(), "{result:?}");
    assert!(result.customer().was_recovered());
    assert_eq!(stored_with(&mock, "usr_1").len(), 1);
}

#[tokio::test]
async fn retryability_agrees_with_the_loop() {
    // A team without email or external ID is not deduplicated by Polar: after a lost answer
    // the loop does not re-send it, and the error says so.
    let mock = MockPolar::start().await.unwrap();
    fault_creates(&mock, &[Fault::DropAfterStore]);
    let team = NewCustomer::team()
        .name("Acme")
        .owner(polar_client::Owner::new("owner@example.org"));
    let err = client_with(&mock, fast())
        .customers()
        .create(team)
        .await
        .unwrap_err();
    assert!(err.may_have_been_processed(), "{err:?}");
    assert!(
        !err.is_retryable(),
        "re-sending could create a second team: {err:?}"
    );
    assert_eq!(mock.requests().len(), 1);
    assert_eq!(mock.customers().len(), 1);

    // A 500 after the customer was stored says it may exist; with a key, it is returned.
    let mock = MockPolar::start().await.unwrap();
    fault_creates(&mock, &[Fault::ProxyErrorPageAfterStore { status: 500 }]);
    let team = NewCustomer::team()
        .name("Acme")
        .owner(polar_client::Owner::new("o@example.org"));
    let err = client_with(&mock, fast())
        .customers()
        .create(team)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Server { status: 500, .. }), "{err:?}");
    assert!(err.may_have_been_processed());
    assert!(
        err.to_string().contains("may have been carried out"),
        "{err}"
    );
    assert!(!err.is_retryable());

    let (_, customer) = create_after(&[Fault::ProxyErrorPageAfterStore { status: 500 }]).await;
    let customer = customer.unwrap();
    assert!(customer.was_recovered());

    // 501 is an answer, not a hiccup: neither the loop nor is_retryable retries it.
    let (mock, err) = create_after(&[Fault::ServerError { status: 501 }]).await;
    let err = err.unwrap_err();
    assert!(!err.is_retryable(), "{err:?}");
    assert_eq!(
        mock.requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        1
    );
}

#[tokio::test]
async fn the_mock_finishes_a_create_whose_client_went_away() {
    let mock = MockPolar::start().await.unwrap();
    fault_creates(&mock, &[Fault::Delay(Duration::from_millis(400))]);
    let impatient = impatient(&mock, Duration::from_millis(100));
    let err = impatient.customers().create(person(1)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    for _ in 0..50 {
        if !stored_with(&mock, "usr_1").is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the mock dropped a create it had accepted");
}

/// Every sequence of one to three faults on the create, drawn from the eight kinds: the invariant
/// holds for all 584. One mock and one client; the sequences run one after another, each creating
/// its own customer, so each fault meets the create it was queued for.
#[tokio::test]
async fn every_fault_sequence_up_to_three_keeps_the_invariant() {
    let kinds = fault_kinds();
    let mut sequences: Vec<Vec<usize>> = Vec::new();
    for len in 1..=3u32 {
        for n in 0..kinds.len().pow(len) {
            let mut rest = n;
            sequences.push(
                (0..len)
                    .map(|_| {
                        let kind = rest % kinds.len();
                        rest /= kinds.len();
                        kind
                    })
                    .collect(),
            );
        }
    }
    assert_eq!(sequences.len(), 584);

    let mock = MockPolar::start().await.unwrap();
    let polar = client_with(&mock, fast());
    let mut counts = std::collections::BTreeMap::new();
    let mut broken = Vec::new();
    for (n, sequence) in sequences.iter().enumerate() {
        let faults: Vec<Fault> = sequence.iter().map(|&k| kinds[k].1.clone()).collect();
        fault_creates(&mock, &faults);
        let result = polar.customers().create(person(n)).await;
        // Faults the call did not reach (it stopped early) must not hit the next sequence.
        mock.clear_faults();
        let (email, external_id) = (format!("user{n}@example.org"), format!("usr_{n}"));
        let verdict = judge(
            (&email, &external_id),
            &result,
            &stored_with(&mock, &external_id),
        );
        *counts.entry(format!("{verdict:?}")).or_insert(0) += 1;
        if !matches!(verdict, Verdict::Created | Verdict::Failed) {
            let names: Vec<&str> = sequence.iter().map(|&k| kinds[k].0).collect();
            broken.push(format!(
                "{}: {verdict:?} {:?}",
                names.join(" → "),
                result.err()
            ));
        }
    }
    println!("584 fault sequences: {counts:?}");
    assert!(
        broken.is_empty(),
        "{} sequences broke the invariant:\n{}",
        broken.len(),
        broken.join("\n")
    );
}

/// A seeded chaos run: 320 distinct creates, 16 in flight through one client, a shuffled fault on
/// about one request in five (lookups included).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_chaos_keeps_the_invariant() {
    const CREATES: usize = 320;
    let mock = MockPolar::start().await.unwrap();
    let mut faults = fault_kinds();
    // Polar's per-second rule answers `Retry-After: 1`.
    faults[0].1 = Fault::RateLimited {
        retry_after: Duration::from_secs(1),
    };
    let mut rng = fastrand::Rng::with_seed(20_261_130);
    for _ in 0..CREATES * 4 {
        let fault = if rng.u8(0..5) == 0 {
            faults[rng.usize(0..faults.len())].1.clone()
        } else {
            // Answered normally.
            Fault::Delay(Duration::ZERO)
        };
        mock.fail_next(1, fault);
    }
    let polar = client_with(&mock, fast());
    let gate = Arc::new(Semaphore::new(16));
    let mut runs = JoinSet::new();
    for n in 0..CREATES {
        let (polar, gate) = (polar.clone(), Arc::clone(&gate));
        runs.spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            (n, polar.customers().create(person(n)).await)
        });
    }
    let mut results = Vec::new();
    while let Some(run) = runs.join_next().await {
        results.push(run.unwrap());
    }
    let mut counts = std::collections::BTreeMap::new();
    let mut broken = Vec::new();
    for (n, result) in &results {
        let (email, external_id) = (format!("user{n}@example.org"), format!("usr_{n}"));
        let verdict = judge(
            (&email, &external_id),
            result,
            &stored_with(&mock, &external_id),
        );
        *counts.entry(format!("{verdict:?}")).or_insert(0) += 1;
        if !matches!(verdict, Verdict::Created | Verdict::Failed) {
            broken.push(format!(
                "create {n}: {verdict:?} {:?}",
                result.as_ref().err()
            ));
        }
    }
    let recovered = results
        .iter()
        .filter(|(_, r)| r.as_ref().is_ok_and(Customer::was_recovered))
        .count();
    println!("chaos, {CREATES} creates: {counts:?}, {recovered} recovered after a lost answer");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    assert_eq!(
        mock.customers().len(),
        counts.get("Created").copied().unwrap_or(0)
    );
}
