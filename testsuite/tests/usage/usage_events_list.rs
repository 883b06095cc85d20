//! Reading usage events back over real HTTP against the mock: `events().list()` with its filters,
//! one page and the walk, `events().get`, the input checks; the meter lists on the walk (more
//! meters and customer meters than one page); and decoding of `StoredEvent` with unknown fields
//! and sources (proptest).

use crate::support;

use chrono::{DurationRound, TimeDelta, Utc};
use futures_util::{StreamExt, TryStreamExt};
use polar_client::{
    Error, EventSort, EventSource, NewCustomer, NewEvent, StoredEvent, UsageCustomer,
};
use proptest::prelude::*;
use support::{client, mock_with_secret, requests_seen};

#[tokio::test]
async fn events_are_listed_with_polars_filters_and_walked_once_each() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let jane = polar
        .customers()
        .create(NewCustomer::individual("jane@example.org").external_id("usr_7"))
        .await
        .unwrap();
    // Whole seconds: events keep microseconds.
    let start = (Utc::now() - TimeDelta::hours(1))
        .duration_trunc(TimeDelta::seconds(1))
        .unwrap();
    let at = |minutes: i64| start + TimeDelta::minutes(minutes);
    let mut events = Vec::new();
    for n in 0..23 {
        events.push(
            NewEvent::for_external_customer("usr_7", "llm.completion")
                .timestamp(at(n))
                .metadata("total_tokens", n),
        );
    }
    for n in 0..4 {
        events.push(NewEvent::for_customer(jane.id().clone(), "api.call").timestamp(at(30 + n)));
    }
    events.push(NewEvent::for_external_customer("usr_8", "api.call").timestamp(at(40)));
    polar.events().ingest(events).await.unwrap();

    // One page with its counts, newest first by default.
    let page = polar.events().list().page_size(10).page(1).await.unwrap();
    assert_eq!((page.total_count(), page.max_page()), (28, 3));
    assert_eq!(page.items().len(), 10);
    assert_eq!(page.items()[0].external_customer_id(), Some("usr_8"));
    assert!(
        page.items()
            .windows(2)
            .all(|w| w[0].timestamp() >= w[1].timestamp())
    );

    // The walk, in small pages, oldest first: every event once.
    let walked: Vec<StoredEvent> = polar
        .events()
        .list()
        .sort(EventSort::TimestampAsc)
        .page_size(4)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(walked.len(), 28);
    let mut ids: Vec<&str> = walked.iter().map(|e| e.id().as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 28, "each event once");
    assert!(
        walked
            .windows(2)
            .all(|w| w[0].timestamp() <= w[1].timestamp())
    );
    let first = &walked[0];
    assert_eq!(first.name(), "llm.completion");
    assert_eq!(first.timestamp(), at(0));
    assert_eq!(first.source(), Some(&EventSource::User));
    assert_eq!(first.metadata()["total_tokens"], 0);
    assert_eq!(
        first.customer_id(),
        Some(jane.id()),
        "an external customer ID is matched to the customer holding it"
    );

    // Filters.
    let count = |list: polar_client::ListEvents| async move {
        list.stream()
            .try_collect::<Vec<_>>()
            .await
            .map(|events| events.len())
    };
    assert_eq!(
        count(polar.events().list().name("api.call")).await.unwrap(),
        5
    );
    assert_eq!(
        count(polar.events().list().customer_id(jane.id().clone()))
            .await
            .unwrap(),
        27,
        "by Polar ID: her events sent with it and with her external ID"
    );
    assert_eq!(
        count(polar.events().list().external_customer_id("usr_8"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        count(
            polar
                .events()
                .list()
                .name("llm.completion")
                .start(at(5))
                .end(at(9))
        )
        .await
        .unwrap(),
        5,
        "bounds included"
    );
    assert_eq!(
        count(polar.events().list().source(EventSource::System))
            .await
            .unwrap(),
        0
    );
    let meter = mock.add_usage_meter("Calls", "api.call", None);
    assert_eq!(
        count(polar.events().list().meter_id(meter)).await.unwrap(),
        5
    );

    // One event by ID.
    let got = polar.events().get(first.id()).await.unwrap();
    assert_eq!(&got, first);
    let missing = polar
        .events()
        .get("992fae2a-2a17-4b7a-8d9e-e287cf90131b")
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
}

#[tokio::test]
async fn bad_listing_input_is_refused_before_sending() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let now = Utc::now();
    let refused = [
        polar.events().list().page(0).await.unwrap_err(),
        polar
            .events()
            .list()
            .page_size(0)
            .page(1)
            .await
            .unwrap_err(),
        polar
            .events()
            .list()
            .customer_id("not-a-uuid")
            .page(1)
            .await
            .unwrap_err(),
        polar
            .events()
            .list()
            .meter_id("../meters")
            .page(1)
            .await
            .unwrap_err(),
        polar
            .events()
            .list()
            .external_customer_id("")
            .page(1)
            .await
            .unwrap_err(),
        polar
            .events()
            .list()
            .name("a\0b")
            .page(1)
            .await
            .unwrap_err(),
        polar
            .events()
            .list()
            .start(now)
            .end(now - TimeDelta::seconds(1))
            .page(1)
            .await
            .unwrap_err(),
        polar.events().get("../../v1/customers").await.unwrap_err(),
        polar.meters().list().page(0).await.unwrap_err(),
        polar
            .customer_meters()
            .list()
            .customer(UsageCustomer::External(String::new()))
            .page(1)
            .await
            .unwrap_err(),
    ];
    for error in refused {
        assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
    }
    let mut walk = polar.events().list().page_size(0).stream();
    assert!(matches!(
        walk.next().await,
        Some(Err(Error::InvalidInput { .. }))
    ));
    assert!(walk.next().await.is_none());
    assert_eq!(requests_seen(&mock, "GET", "/v1/"), 0, "nothing was sent");
}

#[tokio::test]
async fn meter_lists_walk_every_page() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    for n in 0..7 {
        mock.add_usage_meter(&format!("Meter {n}"), &format!("event.{n}"), None);
    }
    let page = polar.meters().list().page_size(3).page(3).await.unwrap();
    assert_eq!(
        (page.items().len(), page.total_count(), page.max_page()),
        (1, 7, 3)
    );
    let meters: Vec<_> = polar
        .meters()
        .list()
        .page_size(3)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut names: Vec<String> = meters.iter().map(|m| m.name().to_owned()).collect();
    names.sort();
    assert_eq!(names.len(), 7);
    names.dedup();
    assert_eq!(names.len(), 7, "each meter once");
    assert_eq!(
        requests_seen(&mock, "GET", "/v1/meters/"),
        4,
        "one page, then three"
    );

    polar
        .customers()
        .create(NewCustomer::individual("bob@example.org").external_id("usr_9"))
        .await
        .unwrap();
    let events = (0..7)
        .map(|n| NewEvent::for_external_customer("usr_9", format!("event.{n}")))
        .collect();
    polar.events().ingest(events).await.unwrap();
    let rows: Vec<_> = polar
        .customer_meters()
        .list()
        .customer(UsageCustomer::External("usr_9".into()))
        .page_size(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|row| row.consumed_units() == 1.0));
    assert_eq!(requests_seen(&mock, "GET", "/v1/customer-meters/"), 4);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A stored event decodes whatever Polar adds: unknown fields, unknown sources, `null`s where
    /// the crate has defaults, system events with nested metadata.
    #[test]
    fn stored_events_decode_with_unknown_fields_and_sources(
        source in prop_oneof![
            Just("user".to_owned()),
            Just("system".to_owned()),
            "[a-z_]{1,12}",
        ],
        extra in "[a-z_]{1,12}",
        child_count in prop_oneof![Just(serde_json::Value::Null), (0u32..9).prop_map(serde_json::Value::from)],
        tokens in any::<i32>(),
    ) {
        prop_assume!(!["id", "name", "timestamp", "source", "metadata", "child_count", "label"].contains(&extra.as_str()));
        let body = serde_json::json!({
            "id": "0e5a2b4c-7d0b-4c1e-9a51-2f7b3e6c1d20",
            "timestamp": "2026-04-01T10:00:05.123456+00:00",
            "organization_id": "1dbfc517-0bbf-4301-9ba8-555ca42b9737",
            "customer_id": null,
            "customer": {"id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b", "unexpected": [1, 2]},
            "external_customer_id": "usr_7",
            "child_count": child_count,
            "label": null,
            "name": "meter.credited",
            "source": source.clone(),
            "metadata": {"total_tokens": tokens, "_llm": {"model": "small"}},
            extra.clone(): {"nested": true},
        });
        let event: StoredEvent = serde_json::from_value(body).unwrap();
        prop_assert_eq!(event.source().map(|s| s.code().to_owned()), Some(source.clone()));
        if !["user", "system"].contains(&source.as_str()) {
            prop_assert!(matches!(event.source(), Some(EventSource::Other(_))));
        }
        prop_assert_eq!(event.metadata()["total_tokens"].as_i64(), Some(i64::from(tokens)));
        prop_assert_eq!(event.label(), "");
        prop_assert_eq!(event.customer_id(), None);
    }
}
