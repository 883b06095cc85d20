//! The list walk over real HTTP on loopback: hostile servers (a page repeated forever, page 2
//! repeated, fresh items past what the first page announced) end it with a bounded number of
//! requests; ties on `created_at` and deletions during a walk lose no customer; one page with its
//! counts; resuming after a fault; metadata filters refused before sending.

use crate::support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use polar_client::{Customer, CustomerSort, Error, NewCustomer, PagingProblem, Polar, RetryPolicy};
use polar_client_mock::Fault;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

/// A customer as Polar writes it, with this id, email and creation time.
fn customer_body(id: &str, email: &str, created_at: &str) -> Value {
    json!({
        "id": id,
        "created_at": created_at,
        "modified_at": null,
        "metadata": {},
        "external_id": null,
        "email": email,
        "email_verified": false,
        "type": "individual",
        "name": null,
        "billing_name": null,
        "billing_address": null,
        "tax_id": null,
        "locale": null,
        "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
        "default_payment_method_id": null,
        "deleted_at": null,
        "avatar_url": "https://www.gravatar.com/avatar/xxx?d=404"
    })
}

/// The `n`th made-up customer ID.
fn nth_id(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A list answer.
fn page_body(items: Vec<Value>, total_count: u64, max_page: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "items": items,
        "pagination": {"total_count": total_count, "max_page": max_page},
    }))
}

/// A wiremock server answering `GET /v1/customers/` with `respond`.
async fn list_server(respond: impl Respond + 'static) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(matchers::method("GET"))
        .and(matchers::path("/v1/customers/"))
        .respond_with(respond)
        .mount(&server)
        .await;
    server
}

fn client_of(server: &MockServer) -> Polar {
    Polar::builder()
        .access_token(support::SECRET)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

/// The query parameters of a request, in order.
fn query(request: &Request) -> Vec<(String, String)> {
    request.url.query_pairs().into_owned().collect()
}

fn number(request: &Request, name: &str) -> u64 {
    query(request)
        .into_iter()
        .find(|(key, _)| key == name)
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(1)
}

/// Walks `list` to its end (or its first error), at most 10 s.
async fn walk_all(walk: polar_client::Walk<Customer>) -> Vec<Result<Customer, Error>> {
    tokio::time::timeout(Duration::from_secs(10), walk.collect::<Vec<_>>())
        .await
        .expect("the walk ended within 10 s")
}

// ---- (a), (b): hostile servers --------------------------------------------------------------

#[tokio::test]
async fn a_server_repeating_the_same_page_forever_ends_the_walk_after_two_requests() {
    let items = vec![customer_body(
        &nth_id(1),
        "a@example.org",
        "2026-04-01T10:00:00Z",
    )];
    let server =
        list_server(move |_: &Request| page_body(items.clone(), 100_000_000, 1_000_000)).await;
    let results = walk_all(client_of(&server).customers().list().stream()).await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(results[0].is_ok());
    match &results[1] {
        Err(Error::Paging { problem, page, .. }) => {
            assert_eq!(*problem, PagingProblem::RepeatedPage);
            assert_eq!(*page, 2);
        }
        other => panic!("expected a paging error, got {other:?}"),
    }
    let message = results[1].as_ref().unwrap_err().to_string();
    assert!(message.contains("repeated a page"), "{message}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_server_repeating_page_two_ends_the_walk_at_page_three() {
    let server = list_server(|request: &Request| {
        let page = number(request, "page");
        let (a, b) = if page == 1 { (1, 2) } else { (3, 4) };
        let items = vec![
            customer_body(
                &nth_id(a),
                &format!("{a}@example.org"),
                "2026-04-01T10:00:00Z",
            ),
            customer_body(
                &nth_id(b),
                &format!("{b}@example.org"),
                "2026-04-01T10:00:00Z",
            ),
        ];
        page_body(items, 2_000_000, 1_000_000)
    })
    .await;
    let results = walk_all(client_of(&server).customers().list().page_size(2).stream()).await;
    assert_eq!(results.len(), 5, "{results:?}");
    assert!(results[..4].iter().all(Result::is_ok));
    assert!(
        matches!(
            results[4],
            Err(Error::Paging {
                problem: PagingProblem::RepeatedPage,
                page: 3,
                ..
            })
        ),
        "{:?}",
        results[4]
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn fresh_items_past_what_the_first_page_announced_end_the_walk() {
    // Every page brings new customers, and claims a million pages, but the first page said there
    // were 10 customers: 1 page of 100. The walk allows 2 pages of growth, then stops.
    let served = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&served);
    let server = list_server(move |_: &Request| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let items = (0..10)
            .map(|i| {
                let id = n * 10 + i;
                customer_body(
                    &nth_id(id),
                    &format!("{id}@example.org"),
                    "2026-04-01T10:00:00Z",
                )
            })
            .collect();
        page_body(items, 10, 1_000_000)
    })
    .await;
    let results = walk_all(client_of(&server).customers().list().stream()).await;
    let last = results.last().unwrap();
    assert!(
        matches!(
            last,
            Err(Error::Paging {
                problem: PagingProblem::TooManyPages { last_page: 3 },
                ..
            }) | Err(Error::Paging {
                problem: PagingProblem::TooManyItems { .. },
                ..
            })
        ),
        "{last:?}"
    );
    assert!(server.received_requests().await.unwrap().len() <= 3);
}

// ---- (c): ties on created_at -----------------------------------------------------------------

/// A list server that sorts like Polar: by the `sorting` keys it is sent (default
/// `-created_at`), with no tiebreaker of its own — customers equal on every key come in an order
/// that changes from one page request to the next.
struct SortsLikePolar {
    customers: Vec<Value>,
}

impl Respond for SortsLikePolar {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let pairs = query(request);
        let page = number(request, "page");
        let limit = number(request, "limit").clamp(1, 100);
        let mut keys: Vec<String> = pairs
            .iter()
            .filter(|(key, _)| key == "sorting")
            .map(|(_, value)| value.clone())
            .collect();
        if keys.is_empty() {
            keys.push("-created_at".to_owned());
        }
        let field = |customer: &Value, name: &str| customer[name].as_str().map(str::to_owned);
        // The ties' order of this request: a hash of the id and the page.
        let tie = |customer: &Value| {
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ page.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            for byte in customer["id"].as_str().unwrap_or("").bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
            hash
        };
        let mut sorted = self.customers.clone();
        sorted.sort_by(|a, b| {
            keys.iter()
                .map(|key| {
                    let (descending, name) = match key.strip_prefix('-') {
                        Some(name) => (true, name),
                        None => (false, key.as_str()),
                    };
                    let ordering = field(a, name).cmp(&field(b, name));
                    if descending {
                        ordering.reverse()
                    } else {
                        ordering
                    }
                })
                .find(|ordering| ordering.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| tie(a).cmp(&tie(b)))
        });
        let total = sorted.len() as u64;
        let start = usize::try_from((page - 1) * limit).unwrap_or(usize::MAX);
        let items = sorted
            .into_iter()
            .skip(start)
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        page_body(items, total, total.div_ceil(limit))
    }
}

#[tokio::test]
async fn sixty_customers_created_in_the_same_microsecond_are_all_walked() {
    let customers: Vec<Value> = (0..60)
        .map(|n| {
            customer_body(
                &nth_id(n),
                &format!("user{n:02}@example.org"),
                "2026-04-01T10:00:00.000000Z",
            )
        })
        .collect();
    let server = list_server(SortsLikePolar { customers }).await;
    let polar = client_of(&server);
    for list in [
        polar.customers().list(),
        polar.customers().list().sort_by(CustomerSort::CreatedAtAsc),
        polar.customers().list().sort_by(CustomerSort::NameAsc),
    ] {
        let walked: Vec<Customer> = list.page_size(7).stream().try_collect().await.unwrap();
        let unique: HashSet<&str> = walked.iter().map(|c| c.id().as_str()).collect();
        assert_eq!(unique.len(), 60, "missed {}", 60 - unique.len());
        assert_eq!(walked.len(), 60);
    }
    // The tiebreaker is sent after the caller's keys.
    let requests = server.received_requests().await.unwrap();
    let sorting: Vec<String> = query(&requests[0])
        .into_iter()
        .filter(|(key, _)| key == "sorting")
        .map(|(_, value)| value)
        .collect();
    assert_eq!(sorting, ["-created_at", "email"]);
}

// ---- (d): deletions during a walk (the crate's mock) -----------------------------------------

async fn create_many(polar: &Polar, n: usize) -> Vec<Customer> {
    let mut out = Vec::new();
    for i in 0..n {
        let customer = NewCustomer::individual(format!("user{i:02}@example.org"));
        out.push(polar.customers().create(customer).await.unwrap());
    }
    out
}

#[tokio::test]
async fn deletions_during_a_walk_lose_no_customer_that_was_never_deleted() {
    for sort in [CustomerSort::CreatedAtAsc, CustomerSort::CreatedAtDesc] {
        let mock = support::mock_with_secret().await;
        let polar = support::client(&mock);
        let created = create_many(&polar, 30).await;
        let mut walk = polar.customers().list().sort_by(sort).page_size(4).stream();
        let mut yielded: Vec<Customer> = Vec::new();
        let mut deleted = HashSet::new();
        while let Some(customer) = walk.next().await {
            let customer = customer.unwrap();
            yielded.push(customer);
            // After every third customer: delete two already yielded (everything after them
            // moves back, onto pages already read) and one not yet seen.
            if yielded.len().is_multiple_of(3) {
                let seen: HashSet<&str> = yielded.iter().map(|c| c.id().as_str()).collect();
                let behind = yielded
                    .iter()
                    .map(|c| c.id().clone())
                    .filter(|id| !deleted.contains(id))
                    .take(2)
                    .collect::<Vec<_>>();
                let ahead = created
                    .iter()
                    .map(|c| c.id().clone())
                    .find(|id| !seen.contains(id.as_str()) && !deleted.contains(id));
                for id in behind.into_iter().chain(ahead) {
                    polar.customers().delete(&id).await.unwrap();
                    deleted.insert(id);
                }
            }
        }
        let ids: Vec<&str> = yielded.iter().map(|c| c.id().as_str()).collect();
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "a customer came twice: {ids:?}");
        let missed: Vec<&str> = created
            .iter()
            .map(|c| c.id().as_str())
            .filter(|id| !deleted.contains(*id) && !unique.contains(id))
            .collect();
        assert!(missed.is_empty(), "{sort:?}: missed {missed:?}");
    }
}

// ---- (e): one page and its counts ------------------------------------------------------------

#[tokio::test]
async fn a_page_reports_its_number_and_the_list_counts() {
    let mock = support::mock_with_secret().await;
    let polar = support::client(&mock);
    let created = create_many(&polar, 5).await;
    let list = polar
        .customers()
        .list()
        .sort_by(CustomerSort::CreatedAtAsc)
        .page_size(2);
    let first = list.page(1).await.unwrap();
    assert_eq!(
        (first.page_number(), first.max_page(), first.total_count()),
        (1, 3, 5)
    );
    assert!(first.has_next());
    let emails: Vec<_> = first.items().iter().map(|c| c.email()).collect();
    assert_eq!(emails, [created[0].email(), created[1].email()]);
    let last = list.page(3).await.unwrap();
    assert_eq!((last.items().len(), last.has_next()), (1, false));
    let past = list.page(4).await.unwrap();
    assert!(past.items().is_empty());
    assert_eq!((past.total_count(), past.max_page()), (5, 3));
    assert_eq!(past.into_items().len(), 0);
    let before = mock.requests().len();
    let err = list.page(0).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(err.problems()[0].field(), "page");
    assert_eq!(mock.requests().len(), before, "page 0 sent nothing");
}

// ---- (f): resuming after a fault -------------------------------------------------------------

#[tokio::test]
async fn a_walk_resumes_where_a_fault_stopped_it() {
    let mock = support::mock_with_secret().await;
    let polar = Polar::builder()
        .access_token(support::SECRET)
        .base_url(mock.base_url())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let created = create_many(&polar, 10).await;
    let mut walk = polar.customers().list().page_size(3).stream();
    let mut yielded = Vec::new();
    for _ in 0..4 {
        yielded.push(walk.next().await.unwrap().unwrap());
    }
    // Page 2 is in hand; page 3 fails.
    mock.fail_next(1, Fault::ServerError { status: 500 });
    let mut failures = Vec::new();
    loop {
        match walk.next().await {
            Some(Ok(customer)) => yielded.push(customer),
            Some(Err(error)) => {
                failures.push((walk.next_page(), error));
                assert!(walk.next().await.is_none(), "an error ends the stream");
                walk = walk.resume();
            }
            None => break,
        }
    }
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].0, Some(3));
    assert_eq!(failures[0].1.status(), Some(500));
    let ids: Vec<&str> = yielded.iter().map(|c| c.id().as_str()).collect();
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), 10, "{ids:?}");
    assert!(created.iter().all(|c| unique.contains(c.id().as_str())));
    assert_eq!(walk.yielded(), Some(10));
    // Pages 1, 2, 3 (failed), 3, 4.
    assert_eq!(support::requests_seen(&mock, "GET", "/v1/customers/"), 5);
}

// ---- (g): metadata filters refused before sending --------------------------------------------

#[tokio::test]
async fn metadata_filters_polar_cannot_be_sent_are_refused_before_sending() {
    let mock = support::mock_with_secret().await;
    let polar = support::client(&mock);
    let list = polar
        .customers()
        .list()
        .metadata("", "x")
        .metadata("a[b]", 1)
        .metadata("ratio", f64::NAN)
        .metadata("limit", f64::INFINITY)
        .metadata("low", f64::NEG_INFINITY)
        .metadata("plan", "pro");
    let err = list.page(1).await.unwrap_err();
    let problems: HashMap<&str, &str> = err
        .problems()
        .iter()
        .map(|p| (p.field(), p.message()))
        .collect();
    assert_eq!(err.problems().len(), 5, "{:?}", err.problems());
    assert!(problems["metadata."].contains("empty"), "{problems:?}");
    assert!(problems["metadata.a[b]"].contains('['), "{problems:?}");
    assert!(
        problems["metadata.ratio"].contains("finite"),
        "{problems:?}"
    );
    assert!(
        problems["metadata.limit"].contains("finite"),
        "{problems:?}"
    );
    assert!(problems["metadata.low"].contains("finite"), "{problems:?}");
    let mut walk = list.stream();
    assert!(matches!(
        walk.next().await,
        Some(Err(Error::InvalidInput { .. }))
    ));
    assert!(walk.next().await.is_none());
    assert_eq!(mock.requests().len(), 0, "nothing was sent");
    // A finite float is sent as JSON writes it.
    let _ = polar
        .customers()
        .list()
        .metadata("ratio", 0.5)
        .page(1)
        .await
        .unwrap();
    let sent = &mock.requests()[0].path;
    assert!(sent.contains("metadata%5Bratio%5D=0.5"), "{sent}");
}
