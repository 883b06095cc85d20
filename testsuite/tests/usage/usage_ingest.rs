//! `events().ingest(…)` over real HTTP against the mock: storage and deduplication, client-side
//! checks, a refused batch read by index, and each failure of the server-behaviour sheet's usage
//! section a client can meet (lost answer after commit, 504 after commit, 503, reset before
//! commit, 429, unknown customer, timestamp ahead of Polar's clock, body over 10 MiB).

use crate::support;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use polar_client::{Error, NewEvent};
use polar_client_mock::{Fault, Method, MockPolar};
use support::{client, mock_with_secret, requests_seen};

fn batch(n: usize) -> Vec<NewEvent> {
    (0..n)
        .map(|i| {
            NewEvent::for_external_customer(format!("usr_{}", i % 3), "llm.completion")
                .metadata("total_tokens", i as i64)
        })
        .collect()
}

/// How many stored events carry each external_id.
fn counts(mock: &MockPolar) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for event in mock.usage_events() {
        *counts
            .entry(event.external_id.unwrap_or_default())
            .or_insert(0) += 1;
    }
    counts
}

#[tokio::test]
async fn a_batch_is_stored_with_an_external_id_on_every_event() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let ingested = polar.events().ingest(batch(25)).await.unwrap();
    assert_eq!((ingested.inserted(), ingested.duplicates()), (25, 0));
    let counts = counts(&mock);
    assert_eq!(counts.len(), 25, "25 distinct external ids");
    assert!(counts.keys().all(|id| !id.is_empty()));
    let stored = mock.usage_events();
    assert_eq!(stored[7].metadata["total_tokens"], 7);
    assert_eq!(stored[7].external_customer_id.as_deref(), Some("usr_1"));
}

#[tokio::test]
async fn the_callers_external_ids_deduplicate_across_calls_and_within_a_batch() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let event = |id: &str| NewEvent::for_external_customer("usr_1", "api.call").external_id(id);
    let first = polar
        .events()
        .ingest(vec![event("a"), event("b"), event("a")])
        .await
        .unwrap();
    assert_eq!((first.inserted(), first.duplicates()), (2, 1));
    let again = polar.events().ingest(vec![event("b")]).await.unwrap();
    assert_eq!((again.inserted(), again.duplicates()), (0, 1));
    assert_eq!(mock.usage_event_count(), 2);
}

#[tokio::test]
async fn invalid_events_are_refused_before_anything_is_sent() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let events = vec![
        NewEvent::for_external_customer("usr_1", "x".repeat(129)),
        NewEvent::for_customer("not-a-uuid", "api.call"),
        NewEvent::for_external_customer("usr_1", "api.call").metadata("model", ""),
        NewEvent::for_external_customer("usr_1", "api.call")
            .timestamp(Utc::now() + TimeDelta::minutes(10)),
        NewEvent::for_external_customer("usr_1", "api.call").metadata("ratio", f64::NAN),
    ];
    let err = polar.events().ingest(events).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let fields: Vec<&str> = err.problems().iter().map(|p| p.field()).collect();
    assert_eq!(
        fields,
        [
            "events[0].name",
            "events[1].customer_id",
            "events[2].metadata.model",
            "events[3].timestamp",
            "events[4].metadata.ratio"
        ]
    );
    assert_eq!(requests_seen(&mock, "POST", "/v1/events"), 0);
}

#[tokio::test]
async fn a_body_over_ten_mebibytes_is_refused_locally() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let events: Vec<NewEvent> = (0..25_000)
        .map(|_| {
            NewEvent::for_external_customer("usr_1", "api.call").metadata("blob", "x".repeat(450))
        })
        .collect();
    let err = polar.events().ingest(events).await.unwrap_err();
    assert!(
        err.problems()
            .iter()
            .any(|p| p.field() == "events" && p.message().contains("split")),
        "{err}"
    );
    assert_eq!(requests_seen(&mock, "POST", "/v1/events"), 0);
}

#[tokio::test]
async fn an_unknown_customer_refuses_the_whole_batch_by_index() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let unknown = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";
    let mut events = batch(6);
    events[2] = NewEvent::for_customer(unknown, "api.call");
    events[5] = NewEvent::for_customer(unknown, "api.call");
    let err = polar.events().ingest(events).await.unwrap_err();
    assert_eq!(err.status(), Some(422));
    let refused = err.rejected_events();
    let indices: Vec<usize> = refused.iter().map(|p| p.index).collect();
    assert_eq!(indices, [2, 5]);
    assert_eq!(refused[0].field, "customer_id");
    assert_eq!(refused[0].message, "Customer not found.");
    assert_eq!(mock.usage_event_count(), 0, "all or nothing");
    assert_eq!(
        requests_seen(&mock, "POST", "/v1/events"),
        1,
        "a 422 is not retried"
    );
}

#[tokio::test]
async fn a_timestamp_ahead_of_polars_clock_is_named_as_such() {
    let mock = mock_with_secret().await;
    mock.set_usage_clock_offset(TimeDelta::seconds(-3));
    let polar = client(&mock);
    let events = vec![
        NewEvent::for_external_customer("usr_1", "api.call"),
        NewEvent::for_external_customer("usr_1", "api.call").timestamp(Utc::now()),
    ];
    let err = polar.events().ingest(events).await.unwrap_err();
    let refused = err.rejected_events();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].index, 1);
    assert!(refused[0].is_future_timestamp(), "{refused:?}");
}

/// Each transient fault on the first attempt: the retry carries the same external ids, so the
/// batch is stored exactly once whatever happened to the first attempt.
#[tokio::test]
async fn transient_failures_are_retried_without_double_counting() {
    let faults = [
        (Fault::DropAfterStore, true),
        (Fault::ProxyErrorPageAfterStore { status: 504 }, true),
        (Fault::ServerError { status: 503 }, false),
        (Fault::DropBeforeStore, false),
        (
            Fault::RateLimited {
                retry_after: Duration::from_secs(1),
            },
            false,
        ),
    ];
    for (fault, stored_first) in faults {
        let mock = mock_with_secret().await;
        let polar = client(&mock);
        mock.fail_next_matching(Method::POST, "/v1/events/ingest", 1, fault.clone());
        let ingested = polar.events().ingest(batch(10)).await.unwrap();
        let expected = if stored_first { (0, 10) } else { (10, 0) };
        assert_eq!(
            (ingested.inserted(), ingested.duplicates()),
            expected,
            "{fault:?}"
        );
        let counts = counts(&mock);
        assert_eq!(counts.len(), 10, "{fault:?}");
        assert!(counts.values().all(|n| *n == 1), "{fault:?}");
        assert_eq!(requests_seen(&mock, "POST", "/v1/events"), 2, "{fault:?}");
    }
}
