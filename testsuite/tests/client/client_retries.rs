//! Retries against a real local Polar: what is re-sent, what never is, and the lost-create recovery.

use std::time::{Duration, Instant};

use polar_client::{Customer, Error, NewCustomer, Polar, RetryPolicy};
use polar_client_mock::{Fault, MockPolar};

use crate::support;
use support::requests_seen;

fn quick_retries() -> RetryPolicy {
    RetryPolicy::new()
        .jitter(false)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
}

fn client(mock: &MockPolar) -> Polar {
    Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .retry_policy(quick_retries())
        .build()
        .unwrap()
}

/// Starts a mock, queues one `fault` and creates `customer` through [`client`].
async fn create_after(fault: Fault, customer: NewCustomer) -> (MockPolar, Result<Customer, Error>) {
    let mock = MockPolar::start().await.unwrap();
    mock.fail_next(1, fault);
    let result = client(&mock).customers().create(customer).await;
    (mock, result)
}

/// How many creates the mock received.
fn creates(mock: &MockPolar) -> usize {
    requests_seen(mock, "POST", "/v1/customers/")
}

/// On `server`: the first create answers `status`; every later one is Polar's 422 saying a
/// customer with `external_id` already exists.
async fn failed_then_duplicate(server: &wiremock::MockServer, status: u16, external_id: &str) {
    use wiremock::matchers::method;
    use wiremock::{Mock, ResponseTemplate};

    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    let duplicate = serde_json::json!({
        "error": "PolarRequestValidationError",
        "detail": [{
            "type": "value_error",
            "loc": ["body", "external_id"],
            "msg": "A customer with this external ID already exists.",
            "input": external_id,
        }],
    });
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422).set_body_json(duplicate))
        .with_priority(2)
        .mount(server)
        .await;
}

#[tokio::test]
async fn rate_limit_with_retry_after_zero_is_retried() {
    let mock = MockPolar::start().await.unwrap();
    mock.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Duration::ZERO,
        },
    );
    let customer = client(&mock)
        .customers()
        .create(NewCustomer::individual("a@example.org"))
        .await
        .unwrap();
    assert_eq!(customer.email(), Some("a@example.org"));
    assert_eq!(creates(&mock), 2);
    assert!(!customer.was_recovered());
}

#[tokio::test]
async fn rate_limit_above_the_cap_returns_at_once_with_retry_after() {
    let mock = MockPolar::start().await.unwrap();
    mock.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Duration::from_secs(60),
        },
    );
    let started = Instant::now();
    let err = client(&mock)
        .customers()
        .create(NewCustomer::individual("a@example.org"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(err.status(), Some(429));
    assert_eq!(creates(&mock), 1);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "must not wait out the minute"
    );
    assert!(mock.customers().is_empty());
}

#[tokio::test]
async fn server_error_then_created_for_an_individual() {
    let (mock, result) = create_after(
        Fault::ServerError { status: 503 },
        NewCustomer::individual("b@example.org"),
    )
    .await;
    let customer = result.unwrap();
    assert_eq!(customer.email(), Some("b@example.org"));
    assert_eq!(creates(&mock), 2);
}

#[tokio::test]
async fn a_team_without_dedup_key_is_never_resent_after_it_may_have_arrived() {
    let mock = MockPolar::start().await.unwrap();
    mock.fail_next(1, Fault::ServerError { status: 503 });
    let team = NewCustomer::team()
        .name("Acme")
        .owner(polar_client::Owner::new("owner@example.org"));
    let err = client(&mock)
        .customers()
        .create(team.clone())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(creates(&mock), 1);

    mock.fail_next(1, Fault::DropAfterStore);
    let err = client(&mock).customers().create(team).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                may_have_reached_server: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(creates(&mock), 2);
    assert_eq!(
        mock.customers().len(),
        1,
        "exactly the customer of the dropped attempt"
    );
}

#[tokio::test]
async fn internal_server_error_is_not_retried_for_a_create() {
    let (mock, result) = create_after(
        Fault::ServerError { status: 500 },
        NewCustomer::individual("c@example.org"),
    )
    .await;
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Server { .. }), "{err:?}");
    assert_eq!(creates(&mock), 1);
}

#[tokio::test]
async fn lost_response_after_commit_returns_the_customer_and_stores_one() {
    let (mock, result) = create_after(
        Fault::DropAfterStore,
        NewCustomer::individual("lost@example.org").external_id("usr_lost"),
    )
    .await;
    let customer = result.unwrap();
    assert!(customer.was_recovered());
    assert_eq!(customer.external_id(), Some("usr_lost"));
    assert_eq!(mock.customers().len(), 1);
    let gets = mock.requests().iter().filter(|r| r.method == "GET").count();
    assert_eq!((creates(&mock), gets), (2, 1));
}

#[tokio::test]
async fn truncated_created_body_is_recovered_too() {
    let (mock, result) = create_after(
        Fault::TruncatedBody,
        NewCustomer::individual("cut@example.org").external_id("usr_cut"),
    )
    .await;
    let customer = result.unwrap();
    assert!(customer.was_recovered());
    assert_eq!(mock.customers().len(), 1);
}

#[tokio::test]
async fn lost_response_with_only_an_email_is_recovered_by_email() {
    let (mock, result) = create_after(
        Fault::DropAfterStore,
        NewCustomer::individual("Only-Email@example.org"),
    )
    .await;
    let customer = result.unwrap();
    assert!(customer.was_recovered());
    assert_eq!(customer.email(), Some("Only-Email@example.org"));
    assert_eq!(
        mock.customers().len(),
        1,
        "retried, but never created twice"
    );
    let lookups: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    assert_eq!(lookups.len(), 1);
    assert!(
        lookups[0].path.starts_with("/v1/customers/?"),
        "{}",
        lookups[0].path
    );
}

/// A create whose first attempt failed ambiguously (503) and whose retry is refused as a duplicate
/// of another customer (same external ID, other email): a real duplicate, not a lost create.
#[tokio::test]
async fn a_duplicate_of_another_customer_after_a_retry_stays_a_duplicate() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    failed_then_duplicate(&server, 503, "usr_old").await;
    let old = serde_json::json!({
        "id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b", "created_at": "2024-01-01T00:00:00Z",
        "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737", "type": "individual",
        "email": "old@example.org", "external_id": "usr_old", "metadata": {}
    });
    Mock::given(method("GET"))
        .and(path("/v1/customers/external/usr_old"))
        .respond_with(ResponseTemplate::new(200).set_body_json(old))
        .mount(&server)
        .await;
    let polar = Polar::builder()
        .access_token("polar_oat_test")
        .base_url(server.uri())
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let err = polar
        .customers()
        .create(NewCustomer::individual("someone-else@example.org").external_id("usr_old"))
        .await
        .unwrap_err();
    assert!(err.is_duplicate_external_id(), "{err:?}");
    let received = server.received_requests().await.unwrap();
    let methods: Vec<_> = received.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(
        methods,
        ["POST", "POST", "GET"],
        "looked it up, then kept the duplicate"
    );
}

#[tokio::test]
async fn a_duplicate_without_an_earlier_lost_attempt_is_not_looked_up() {
    let mock = MockPolar::start().await.unwrap();
    let polar = client(&mock);
    let jane = || NewCustomer::individual("jane@example.org").external_id("usr_jane");
    polar.customers().create(jane()).await.unwrap();
    let err = polar.customers().create(jane()).await.unwrap_err();
    assert!(
        err.is_duplicate_email() && err.is_duplicate_external_id(),
        "{err:?}"
    );
    assert_eq!(
        mock.requests().iter().filter(|r| r.method == "GET").count(),
        0
    );
}

#[tokio::test]
async fn find_by_email_matches_exactly_and_ignores_case() {
    let mock = MockPolar::start().await.unwrap();
    let polar = client(&mock);
    polar
        .customers()
        .create(NewCustomer::individual("Ann@example.org"))
        .await
        .unwrap();
    polar
        .customers()
        .create(NewCustomer::individual("anna@example.org"))
        .await
        .unwrap();
    let found = polar
        .customers()
        .find_by_email("ann@EXAMPLE.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.email(), Some("Ann@example.org"));
    assert!(
        polar
            .customers()
            .find_by_email("an@example.org")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn connection_refused_is_retried_until_the_server_is_up() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        MockPolar::builder().port(port).start().await.unwrap()
    });
    let polar = Polar::builder()
        .access_token("polar_oat_mock_organization_token")
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(
            quick_retries()
                .initial_backoff(Duration::from_millis(200))
                .max_attempts(5),
        )
        .build()
        .unwrap();
    let customer = polar
        .customers()
        .create(NewCustomer::individual("up@example.org"))
        .await
        .unwrap();
    let mock = server.await.unwrap();
    assert_eq!(customer.email(), Some("up@example.org"));
    assert_eq!(
        creates(&mock),
        1,
        "the refused attempts never reached a server"
    );
}

#[tokio::test]
async fn connection_refused_everywhere_says_nothing_was_sent() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let polar = Polar::builder()
        .access_token("polar_oat_x")
        .base_url(format!("http://127.0.0.1:{port}/"))
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let err = polar
        .customers()
        .create(NewCustomer::individual("x@example.org"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                may_have_reached_server: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("not"), "{err}");
}

#[tokio::test]
async fn the_overall_deadline_bounds_the_call() {
    let mock = MockPolar::start().await.unwrap();
    // Creates are slow (each is stored after 2 s); the lookups that settle the call are not.
    mock.fail_next_matching(
        http::Method::POST,
        "/v1/customers/",
        10,
        Fault::Delay(Duration::from_secs(2)),
    );
    let polar = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .timeout(Duration::from_millis(300))
        .retry_policy(
            quick_retries()
                .max_attempts(10)
                .overall_deadline(Duration::from_millis(800)),
        )
        .build()
        .unwrap();
    let started = Instant::now();
    let err = polar
        .customers()
        .create(NewCustomer::individual("slow@example.org"))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.may_have_been_processed(), "{err:?}");
    assert!(
        creates(&mock) <= 3,
        "{} attempts within an 800 ms deadline",
        creates(&mock)
    );
    assert!(
        took < Duration::from_secs(2),
        "deadline 800 ms, took {took:?}"
    );
}

#[tokio::test]
async fn sixteen_concurrent_creates_through_clones_all_succeed() {
    let mock = MockPolar::start().await.unwrap();
    let polar = client(&mock);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let polar = polar.clone();
            tokio::spawn(async move {
                polar
                    .customers()
                    .create(NewCustomer::individual(format!("c{i}@example.org")))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(mock.customers().len(), 16);
}

#[tokio::test]
async fn disabled_retries_send_once() {
    let mock = MockPolar::start().await.unwrap();
    mock.fail_next(1, Fault::ServerError { status: 503 });
    let polar = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let err = polar
        .customers()
        .create(NewCustomer::individual("d@example.org"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
    assert_eq!(creates(&mock), 1);
}

#[tokio::test]
async fn a_timeout_reports_the_limit_the_deadline_imposed() {
    let mock = MockPolar::start().await.unwrap();
    mock.fail_next(5, Fault::Delay(Duration::from_secs(2)));
    let polar = Polar::builder()
        .access_token(mock.organization_token())
        .base_url(mock.base_url())
        .timeout(Duration::from_secs(5))
        .retry_policy(quick_retries().overall_deadline(Duration::from_millis(400)))
        .build()
        .unwrap();
    let err = polar
        .customers()
        .create(NewCustomer::individual("deadline@example.org"))
        .await
        .unwrap_err();
    let Error::Timeout {
        after,
        may_have_reached_server,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(
        after <= Duration::from_millis(400),
        "the deadline, not the 5 s timeout: {after:?}"
    );
    assert!(may_have_reached_server);
}

/// Polar reads from a replica that can lag the write: right after a lost create, the lookup can
/// miss a customer that exists. One miss is not proof of absence: the lookup is tried again.
#[tokio::test]
async fn a_lookup_that_misses_right_after_a_lost_create_is_tried_again() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    // The create is stored, but its answer is a proxy's 504; every retry is a duplicate.
    failed_then_duplicate(&server, 504, "usr_lag").await;
    // The replica has not seen it yet on the first read.
    Mock::given(method("GET"))
        .and(path("/v1/customers/external/usr_lag"))
        .respond_with(ResponseTemplate::new(404).set_body_raw(
            r#"{"error":"ResourceNotFound","detail":"Not found"}"#,
            "application/json",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let stored = serde_json::json!({
        "id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b", "created_at": "2026-11-30T10:00:00Z",
        "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737", "type": "individual",
        "email": "lag@example.org", "external_id": "usr_lag", "metadata": {}
    });
    Mock::given(method("GET"))
        .and(path("/v1/customers/external/usr_lag"))
        .respond_with(ResponseTemplate::new(200).set_body_json(stored))
        .with_priority(2)
        .mount(&server)
        .await;
    let polar = Polar::builder()
        .access_token("polar_oat_test")
        .base_url(server.uri())
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let customer = polar
        .customers()
        .create(NewCustomer::individual("lag@example.org").external_id("usr_lag"))
        .await
        .unwrap();
    assert!(customer.was_recovered());
    assert_eq!(customer.id(), "992fae2a-2a17-4b7a-8d9e-e287cf90131b");
    let lookups = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "GET")
        .count();
    assert_eq!(lookups, 2, "a miss, then the hit");
}
