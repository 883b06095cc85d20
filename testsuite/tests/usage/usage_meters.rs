//! Reading usage back over real HTTP against the mock: meters, quantities with the interval
//! rules, customer meters by Polar ID and external ID (with the balance lag), and decoding of
//! the new response types with unknown fields and enum values (proptest).

use crate::support;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use polar_client::{
    AggregationFunction, CustomerMeter, Error, Meter, MeterInterval, MeterQuantities, MeterUnit,
    NewCustomer, NewEvent, UsageCustomer,
};
use proptest::prelude::*;
use support::{client, mock_with_secret, requests_seen};

#[tokio::test]
async fn meters_quantities_and_customer_meters_follow_ingested_events() {
    let mock = mock_with_secret().await;
    let meter = mock.add_usage_meter("Tokens", "llm.completion", Some("total_tokens"));
    let polar = client(&mock);
    let jane = polar
        .customers()
        .create(NewCustomer::individual("jane@example.org").external_id("usr_7"))
        .await
        .unwrap();
    let events = vec![
        NewEvent::for_external_customer("usr_7", "llm.completion").metadata("total_tokens", 100),
        NewEvent::for_customer(jane.id().clone(), "llm.completion").metadata("total_tokens", 20),
        NewEvent::for_external_customer("usr_8", "llm.completion").metadata("total_tokens", 5),
        NewEvent::for_external_customer("usr_7", "other").metadata("total_tokens", 1_000),
    ];
    polar.events().ingest(events).await.unwrap();

    let listed = polar.meters().list().page_size(10).page(1).await.unwrap();
    assert_eq!(listed.total_count(), 1);
    let got = polar.meters().get(meter).await.unwrap();
    assert_eq!(got.name(), "Tokens");
    assert_eq!(got.unit(), Some(&MeterUnit::Scalar));
    let aggregation = got.aggregation().unwrap();
    assert_eq!(aggregation.func(), &AggregationFunction::Sum);

    let end = Utc::now() + TimeDelta::minutes(1);
    let all = polar
        .meters()
        .quantities(
            meter,
            end - TimeDelta::days(1),
            end,
            MeterInterval::Hour,
            None,
        )
        .await
        .unwrap();
    assert_eq!(all.total(), 125.0);
    assert!(all.quantities().len() >= 24);
    let hers = polar
        .meters()
        .quantities(
            meter,
            end - TimeDelta::days(1),
            end,
            MeterInterval::Day,
            Some(UsageCustomer::External("usr_7".into())),
        )
        .await
        .unwrap();
    assert_eq!(
        hers.total(),
        100.0,
        "by external id: the events sent with it"
    );

    let by_id = polar
        .customer_meters()
        .list()
        .customer(UsageCustomer::Id(jane.id().clone()))
        .page(1)
        .await
        .unwrap();
    assert_eq!(by_id.items().len(), 1);
    let row = &by_id.items()[0];
    assert_eq!(row.consumed_units(), 120.0, "both ways of naming her count");
    assert_eq!(row.balance(), -120.0);
    let by_external = polar
        .customer_meters()
        .list()
        .customer(UsageCustomer::External("usr_7".into()))
        .meter_id(meter)
        .page(1)
        .await
        .unwrap();
    assert_eq!(by_external.items()[0].id(), row.id());
    let fetched = polar
        .customer_meters()
        .get(row.id().to_owned())
        .await
        .unwrap();
    assert_eq!(fetched.consumed_units(), 120.0);
}

#[tokio::test]
async fn a_balance_read_right_after_ingest_may_not_include_it() {
    let mock = mock_with_secret().await;
    mock.add_usage_meter("Calls", "api.call", None);
    mock.set_meter_lag(Duration::from_secs(3600));
    let polar = client(&mock);
    polar
        .customers()
        .create(NewCustomer::individual("bob@example.org").external_id("usr_9"))
        .await
        .unwrap();
    polar
        .events()
        .ingest(vec![NewEvent::for_external_customer("usr_9", "api.call")])
        .await
        .unwrap();
    let page = polar
        .customer_meters()
        .list()
        .customer(UsageCustomer::External("usr_9".into()))
        .page_size(10)
        .page(1)
        .await
        .unwrap();
    assert_eq!(page.items()[0].consumed_units(), 0.0, "not counted yet");
}

#[tokio::test]
async fn quantity_ranges_beyond_the_interval_rule_are_refused_locally() {
    let mock = mock_with_secret().await;
    let polar = client(&mock);
    let meter = "d498a884-e2cd-4d3e-8002-f536468a8b22";
    let end = Utc::now();
    let cases = [
        (TimeDelta::days(8), MeterInterval::Hour, "interval"),
        (TimeDelta::days(367), MeterInterval::Day, "interval"),
        (TimeDelta::days(372), MeterInterval::Week, "interval"),
        (
            TimeDelta::days(4 * 365 + 1),
            MeterInterval::Month,
            "interval",
        ),
        (TimeDelta::days(-1), MeterInterval::Day, "end_timestamp"),
    ];
    for (range, interval, field) in cases {
        let err = polar
            .meters()
            .quantities(meter, end - range, end, interval, None)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
        assert!(
            err.problems().iter().any(|p| p.field() == field),
            "{interval:?}: {err}"
        );
    }
    let old = chrono::DateTime::parse_from_rfc3339("2022-06-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let err = polar
        .meters()
        .quantities(
            meter,
            old,
            old + TimeDelta::days(2),
            MeterInterval::Day,
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.problems()[0].field(), "start_timestamp");
    assert_eq!(requests_seen(&mock, "GET", "/v1/meters"), 0);
    // At the limit, the mock (as Polar) answers.
    polar
        .meters()
        .quantities(
            meter,
            end - TimeDelta::days(7),
            end,
            MeterInterval::Hour,
            None,
        )
        .await
        .unwrap_err()
        .status()
        .map(|status| assert_eq!(status, 404))
        .unwrap();
}

fn unknown_text() -> impl Strategy<Value = String> {
    "[a-z_]{1,12}"
}

proptest! {
    #[test]
    fn usage_types_decode_with_unknown_fields_and_codes(
        unit in prop_oneof![Just("scalar".to_owned()), Just("token".to_owned()), unknown_text()],
        func in prop_oneof![Just("sum".to_owned()), Just("count".to_owned()), unknown_text()],
        extra in unknown_text(),
        consumed in -1e9f64..1e9,
    ) {
        let meter = serde_json::json!({
            "id": "d498a884-e2cd-4d3e-8002-f536468a8b22",
            "name": "Tokens",
            "unit": unit,
            "aggregation": {"func": func, "property": "total_tokens", extra.clone(): 1},
            "created_at": "2026-01-01T00:00:00Z",
            extra.clone(): {"nested": [1, 2]},
        });
        let decoded: Meter = serde_json::from_value(meter.clone()).unwrap();
        prop_assert_eq!(decoded.unit().unwrap().code().to_owned(), unit);
        prop_assert_eq!(decoded.aggregation().unwrap().func().code().to_owned(), func);

        let row = serde_json::json!({
            "id": "f498a884-e2cd-4d3e-8002-f536468a8b22",
            "customer_id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
            "meter_id": "d498a884-e2cd-4d3e-8002-f536468a8b22",
            "consumed_units": consumed,
            "credited_units": null,
            "balance": -consumed,
            "meter": meter,
            "customer": {"unexpected": true},
            extra.clone(): "x",
        });
        let decoded: CustomerMeter = serde_json::from_value(row.clone()).unwrap();
        prop_assert_eq!(decoded.consumed_units(), consumed);
        prop_assert_eq!(decoded.credited_units(), 0.0);
        let quantities: MeterQuantities = serde_json::from_value(serde_json::json!({
            "quantities": [{"timestamp": "2026-01-01T00:00:00Z", "quantity": consumed, extra.clone(): 1}],
            "total": consumed,
            extra: [],
        })).unwrap();
        prop_assert_eq!(quantities.total(), consumed);

        let ingested: polar_client::Ingested = serde_json::from_value(serde_json::json!({
            "inserted": 3, "unexpected": "x"
        })).unwrap();
        prop_assert_eq!((ingested.inserted(), ingested.duplicates()), (3, 0));
    }
}

/// Every `get` by ID sends the ID's canonical form in its own path segment, as the billing gets
/// do: a UUID written with braces, as a URN or in capitals (all of which `Uuid` and Polar parse)
/// reaches the same meter, event or customer meter, and the path on the wire is the canonical one.
#[tokio::test]
async fn gets_by_id_send_the_canonical_uuid_whatever_form_the_caller_wrote() {
    let mock = mock_with_secret().await;
    let meter = mock.add_usage_meter("Tokens", "llm.completion", Some("total_tokens"));
    let polar = client(&mock);
    polar
        .customers()
        .create(NewCustomer::individual("jane@example.org").external_id("usr_7"))
        .await
        .unwrap();
    polar
        .events()
        .ingest(vec![
            NewEvent::for_external_customer("usr_7", "llm.completion").metadata("total_tokens", 3),
        ])
        .await
        .unwrap();
    let forms = |id: String| {
        [
            format!("{{{id}}}"),
            format!("urn:uuid:{id}"),
            id.to_uppercase(),
        ]
    };
    for form in forms(meter.to_string()) {
        let got = polar.meters().get(form.as_str()).await;
        assert_eq!(got.unwrap().id().to_string(), meter.to_string(), "{form}");
    }
    let event = polar
        .events()
        .list()
        .page(1)
        .await
        .unwrap()
        .into_items()
        .remove(0);
    for form in forms(event.id().to_string()) {
        let got = polar.events().get(form.as_str()).await;
        assert_eq!(got.unwrap().id(), event.id(), "{form}");
    }
    let row = polar
        .customer_meters()
        .list()
        .page(1)
        .await
        .unwrap()
        .into_items()
        .remove(0);
    for form in forms(row.id().to_string()) {
        let got = polar.customer_meters().get(form.as_str()).await;
        assert_eq!(got.unwrap().id(), row.id(), "{form}");
    }
    let canonical = [
        format!("/v1/meters/{meter}"),
        format!("/v1/events/{}", event.id()),
        format!("/v1/customer-meters/{}", row.id()),
    ];
    let gets: Vec<String> = mock
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && !r.path.contains('?') && !r.path.ends_with('/'))
        .filter(|r| {
            ["/v1/meters/", "/v1/events/", "/v1/customer-meters/"]
                .iter()
                .any(|route| r.path.starts_with(route))
        })
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(gets.len(), 9, "{gets:#?}");
    for path in &gets {
        assert!(canonical.contains(path), "not canonical: {path}");
    }
}
