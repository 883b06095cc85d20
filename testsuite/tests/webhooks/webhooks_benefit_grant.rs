//! `benefit_grant.*` events: each of the four event types decodes from a payload shaped as Polar
//! sends it (`Event::benefit_grant`), other events answer `None`, a payload that is not a grant is
//! an `InvalidPayload` naming the field; and, as properties, unknown fields and unknown benefit
//! types still decode, and a decoded grant serializes back to an equal one.

use polar_client::BenefitType;
use polar_client::webhooks::{BenefitGrant, Event, WebhookError};
use proptest::prelude::*;
use serde_json::{Value, json};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../fixtures/webhooks/events/", $name, ".json")).as_slice()
    };
}

const GRANT_ID: &str = "d322132c-a9d0-4e0d-b8d3-d81ad021a3a9";
const CUSTOMER_ID: &str = "992fae2a-2a17-4b7a-8d9e-e287cf90131b";
const BENEFIT_ID: &str = "397a17aa-15cf-4cb4-9333-18040203cf98";
const SUBSCRIPTION_ID: &str = "2a3c5e84-1b0e-4c7e-9f4b-9a1f0d6b7c11";

const EVENT_TYPES: [&str; 4] = [
    "benefit_grant.created",
    "benefit_grant.updated",
    "benefit_grant.cycled",
    "benefit_grant.revoked",
];

/// The grant of a fixture, checking the event's type and that no other billing accessor claims it.
fn grant(body: &[u8], event_type: &str) -> BenefitGrant {
    let event = Event::from_json(body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(event.event_type(), event_type);
    assert!(matches!(event, Event::Other { .. }), "{event:?}");
    assert_eq!(event.order().unwrap(), None);
    assert_eq!(event.subscription().unwrap(), None);
    let grant = event.benefit_grant().unwrap().expect("a benefit grant");
    assert_eq!(grant.id(), GRANT_ID);
    assert_eq!(grant.customer_id(), CUSTOMER_ID);
    assert_eq!(grant.benefit_id(), BENEFIT_ID);
    assert_eq!(grant.member_id(), None);
    grant
}

#[test]
fn created_by_a_paid_order() {
    let grant = grant(fixture!("benefit_grant.created"), "benefit_grant.created");
    assert!(grant.is_granted());
    assert!(!grant.is_revoked());
    assert_eq!(
        grant.granted_at().map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-04-01T10:00:03.456789+00:00")
    );
    assert_eq!(
        grant.created_at().map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-04-01T10:00:03.120+00:00")
    );
    assert_eq!(grant.modified_at(), None);
    assert_eq!(grant.revoked_at(), None);
    assert_eq!(
        grant.order_id().map(|id| id.as_str()),
        Some("b1f0e1f4-2d2e-4c55-8d61-6a4f3f1e2a10")
    );
    assert_eq!(grant.subscription_id(), None);
    assert_eq!(grant.benefit_type(), Some(&BenefitType::LicenseKeys));
    assert_eq!(grant.error(), None);
}

#[test]
fn updated_when_the_customer_connects_an_account() {
    let grant = grant(fixture!("benefit_grant.updated"), "benefit_grant.updated");
    assert!(grant.is_granted());
    assert_eq!(
        grant.modified_at().map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-04-02T08:30:00+00:00")
    );
    assert_eq!(
        grant.subscription_id().map(|id| id.as_str()),
        Some(SUBSCRIPTION_ID)
    );
    assert_eq!(grant.benefit_type(), Some(&BenefitType::GithubRepository));
}

#[test]
fn cycled_on_renewal() {
    let grant = grant(fixture!("benefit_grant.cycled"), "benefit_grant.cycled");
    assert!(grant.is_granted() && !grant.is_revoked());
    assert_eq!(
        grant.subscription_id().map(|id| id.as_str()),
        Some(SUBSCRIPTION_ID)
    );
    assert_eq!(grant.order_id(), None);
    assert_eq!(grant.benefit_type(), Some(&BenefitType::MeterCredit));
}

#[test]
fn revoked_with_an_error() {
    let grant = grant(fixture!("benefit_grant.revoked"), "benefit_grant.revoked");
    assert!(!grant.is_granted());
    assert!(grant.is_revoked());
    assert_eq!(grant.granted_at(), None);
    assert_eq!(
        grant.revoked_at().map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-06-01T10:00:01+00:00")
    );
    assert_eq!(grant.benefit_type(), Some(&BenefitType::Discord));
    let error = grant.error().expect("an error");
    assert_eq!(error.kind(), "BenefitActionRequiredError");
    assert_eq!(
        error.message(),
        "The bot lacks the permission to remove the role."
    );
    assert_eq!(error.timestamp(), "2026-06-01T10:00:01.5Z");
}

#[test]
fn the_smallest_grant_and_other_events() {
    let event = Event::from_json(
        format!(
            r#"{{"type":"benefit_grant.created","timestamp":"2026-04-01T10:00:00Z",
            "data":{{"id":"{GRANT_ID}","customer_id":"{CUSTOMER_ID}","benefit_id":"{BENEFIT_ID}",
            "is_granted":null,"benefit":null,"error":null,"subscription_id":null}}}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    let grant = event.benefit_grant().unwrap().expect("a benefit grant");
    assert!(!grant.is_granted() && !grant.is_revoked());
    assert_eq!(grant.created_at(), None);
    assert_eq!(grant.benefit_type(), None);
    assert_eq!(grant.subscription_id(), None);

    let order = Event::from_json(fixture!("order.paid")).unwrap();
    assert_eq!(order.benefit_grant().unwrap(), None);
    let unknown = Event::from_json(
        br#"{"type":"benefit_grant.something_new","timestamp":"2026-04-01T10:00:00Z","data":{}}"#,
    )
    .unwrap();
    assert_eq!(unknown.benefit_grant().unwrap(), None);
}

#[test]
fn a_payload_that_is_not_a_grant_names_the_field() {
    let event = Event::from_json(
        format!(
            r#"{{"type":"benefit_grant.revoked","timestamp":"2026-04-01T10:00:00Z",
            "data":{{"id":"{GRANT_ID}","benefit_id":"{BENEFIT_ID}"}}}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    let Err(WebhookError::InvalidPayload { path, message }) = event.benefit_grant() else {
        panic!("expected InvalidPayload");
    };
    assert_eq!(path, "data");
    assert!(message.contains("customer_id"), "{message}");

    let event = Event::from_json(
        format!(
            r#"{{"type":"benefit_grant.updated","timestamp":"2026-04-01T10:00:00Z",
            "data":{{"id":"{GRANT_ID}","customer_id":"{CUSTOMER_ID}","benefit_id":"{BENEFIT_ID}",
            "granted_at":"yesterday"}}}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    let Err(WebhookError::InvalidPayload { path, .. }) = event.benefit_grant() else {
        panic!("expected InvalidPayload");
    };
    assert_eq!(path, "data.granted_at");
}

/// Every field name `BenefitGrant` reads, so that generated unknown fields do not collide.
const KNOWN_FIELDS: [&str; 15] = [
    "id",
    "created_at",
    "modified_at",
    "granted_at",
    "is_granted",
    "revoked_at",
    "is_revoked",
    "customer_id",
    "member_id",
    "benefit_id",
    "benefit",
    "subscription_id",
    "order_id",
    "error",
    "type",
];

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Fields this crate does not read, with any values.
fn unknown_fields() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::vec(
        (
            "[a-z_]{1,20}".prop_filter("unknown", |name| !KNOWN_FIELDS.contains(&name.as_str())),
            any_json(),
        ),
        0..6,
    )
}

/// A benefit type: one Polar documents, or a code this crate has never seen.
fn benefit_type_code() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "custom",
            "discord",
            "github_repository",
            "downloadables",
            "license_keys",
            "meter_credit",
            "feature_flag",
            "slack_shared_channel",
        ])
        .prop_map(str::to_owned),
        "[a-z_]{1,24}",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn unknown_fields_and_benefit_types_still_decode(
        event_type in prop::sample::select(EVENT_TYPES.to_vec()),
        code in benefit_type_code(),
        top in unknown_fields(),
        in_benefit in unknown_fields(),
        in_error in unknown_fields(),
        is_granted in any::<bool>(),
    ) {
        let mut benefit = json!({ "type": code });
        benefit.as_object_mut().unwrap().extend(in_benefit);
        let mut error = json!({ "message": "m", "type": "t", "timestamp": "2026-04-01T10:00:00Z" });
        error.as_object_mut().unwrap().extend(in_error);
        let mut data = json!({
            "id": GRANT_ID,
            "created_at": "2026-04-01T10:00:00Z",
            "is_granted": is_granted,
            "is_revoked": !is_granted,
            "customer_id": CUSTOMER_ID,
            "benefit_id": BENEFIT_ID,
            "subscription_id": SUBSCRIPTION_ID,
            "benefit": benefit,
            "error": error,
        });
        data.as_object_mut().unwrap().extend(top);
        let body = serde_json::to_vec(&json!({
            "type": event_type,
            "timestamp": "2026-04-01T10:00:00Z",
            "data": data,
        })).unwrap();

        let event = Event::from_json(&body).unwrap();
        let grant = event.benefit_grant().unwrap().expect("a benefit grant");
        prop_assert_eq!(grant.id(), GRANT_ID);
        prop_assert_eq!(grant.is_granted(), is_granted);
        prop_assert_eq!(grant.is_revoked(), !is_granted);
        let benefit_type = grant.benefit_type().expect("a benefit type");
        prop_assert_eq!(benefit_type.code(), code.as_str());
        let known = !matches!(benefit_type, BenefitType::Other(_));
        prop_assert_eq!(known, [
            "custom", "discord", "github_repository", "downloadables", "license_keys",
            "meter_credit", "feature_flag", "slack_shared_channel",
        ].contains(&code.as_str()));
        prop_assert_eq!(grant.error().map(|e| e.kind()), Some("t"));

        // What is written back decodes to the same grant.
        let written = serde_json::to_string(&grant).unwrap();
        let again: BenefitGrant = serde_json::from_str(&written).unwrap();
        prop_assert_eq!(again, grant);
    }
}
