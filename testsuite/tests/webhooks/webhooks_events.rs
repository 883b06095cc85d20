//! Webhook payloads decode into typed events: every customer and member event shape Polar sends
//! (individual and team customers, state with subscriptions, benefits and meters, members), payloads
//! with values and fields this crate does not know, and unknown event types as `Event::Other`.

use polar_client::webhooks::{Event, WebhookError};
use polar_client::{
    BenefitType, Country, CustomerKind, MemberRole, MetadataValue, RecurringInterval,
    SubscriptionStatus, TaxIdFormat,
};

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../fixtures/webhooks/events/", $name, ".json")).as_slice()
    };
}

fn decode(body: &[u8]) -> Event {
    Event::from_json(body).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn customer_created_individual_with_every_field() {
    let event = decode(fixture!("customer.created.individual"));
    assert_eq!(event.event_type(), "customer.created");
    assert_eq!(
        event.timestamp().to_rfc3339(),
        "2026-04-01T10:00:00.123456+00:00"
    );
    let Event::CustomerCreated { customer, .. } = &event else {
        panic!("{event:?}");
    };
    assert_eq!(event.customer(), Some(customer));
    assert_eq!(customer.id(), "992fae2a-2a17-4b7a-8d9e-e287cf90131b");
    assert_eq!(customer.kind(), &CustomerKind::Individual);
    assert_eq!(customer.email(), Some("jane@example.org"));
    assert_eq!(customer.external_id(), Some("usr_1337"));
    assert_eq!(customer.modified_at(), None);
    assert_eq!(
        customer.metadata().get("seats"),
        Some(&MetadataValue::from(3))
    );
    let address = customer.billing_address().unwrap();
    assert_eq!(address.country(), &Country::US);
    assert_eq!(address.state(), Some("US-NY"));
    assert_eq!(customer.tax_id().unwrap().format(), &TaxIdFormat::UsEin);
    assert_eq!(customer.locale(), Some("en-US"));
}

#[test]
fn customer_created_team_without_email() {
    let event = decode(fixture!("customer.created.team"));
    let Event::CustomerCreated {
        customer,
        timestamp,
        ..
    } = &event
    else {
        panic!("{event:?}");
    };
    assert_eq!(timestamp.to_rfc3339(), "2026-04-01T10:00:00+00:00");
    assert!(customer.is_team());
    assert_eq!(customer.email(), None);
    assert_eq!(customer.name(), Some("Acme Inc."));
    assert_eq!(customer.billing_address(), None);
}

#[test]
fn customer_updated() {
    let event = decode(fixture!("customer.updated"));
    let Event::CustomerUpdated { customer, .. } = &event else {
        panic!("{event:?}");
    };
    assert_eq!(event.event_type(), "customer.updated");
    assert!(customer.is_team());
    assert_eq!(customer.email(), Some("jane.doe@example.org"));
    assert_eq!(customer.billing_name(), Some("Doe Consulting"));
    assert_eq!(customer.tax_id().unwrap().format(), &TaxIdFormat::EuVat);
    assert_eq!(customer.default_payment_method_id(), Some("pm_1"));
    assert!(customer.modified_at().unwrap() < event.timestamp());
}

#[test]
fn customer_deleted_with_anonymized_data_and_saved_external_id() {
    let event = decode(fixture!("customer.deleted.anonymized"));
    let Event::CustomerDeleted { customer, .. } = &event else {
        panic!("{event:?}");
    };
    assert!(customer.deleted_at().is_some());
    // Polar still shows the external ID it freed, and keeps it in the metadata.
    assert_eq!(customer.external_id(), Some("usr_1337"));
    assert_eq!(
        customer.metadata().get("__external_id"),
        Some(&MetadataValue::from("usr_1337"))
    );
    assert!(customer.email().unwrap().ends_with("@anonymized.polar.sh"));
}

#[test]
fn unknown_enum_values_and_fields_decode() {
    let event = decode(fixture!("customer.from_the_future"));
    let customer = event.customer().unwrap();
    assert_eq!(customer.kind(), &CustomerKind::Other("organization".into()));
    let address = customer.billing_address().unwrap();
    assert_eq!(address.country(), &Country::Other("XK".into()));
    assert_eq!(
        customer.tax_id().unwrap().format(),
        &TaxIdFormat::Other("xk_vat".into())
    );
    assert!(!customer.email_verified());
    assert_eq!(customer.metadata().len(), 1);
    assert_eq!(customer.locale(), Some("sq-XK"));
}

#[test]
fn an_unknown_event_type_is_other_with_its_data() {
    let event = decode(fixture!("order.paid"));
    let Event::Other {
        event_type,
        timestamp,
        data,
    } = &event
    else {
        panic!("{event:?}");
    };
    assert_eq!(event_type, "order.paid");
    assert_eq!(event.event_type(), "order.paid");
    assert_eq!(timestamp.to_rfc3339(), "2026-04-01T10:05:00.000001+00:00");
    assert_eq!(data["total_amount"], 1900);
    assert_eq!(event.customer(), None);

    for event_type in [
        "subscription.created",
        "benefit_grant.cycled",
        "a.type.from.2030",
    ] {
        let body = format!(r#"{{"type":"{event_type}","timestamp":"2026-04-01T10:00:00Z"}}"#);
        let event = decode(body.as_bytes());
        assert!(
            matches!(&event, Event::Other { data, .. } if data.is_null()),
            "{event:?}"
        );
        assert_eq!(event.event_type(), event_type);
    }
}

#[test]
fn a_typed_event_whose_data_does_not_decode_names_the_path() {
    let body = br#"{"type":"customer.created","timestamp":"2026-04-01T10:00:00Z","data":{"id":"c","created_at":"2026-04-01T10:00:00Z"}}"#;
    match Event::from_json(body) {
        Err(WebhookError::InvalidPayload { path, message }) => {
            assert_eq!(path, "data");
            assert!(message.contains("organization_id"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let error = Event::from_json(
        br#"{"type":"customer.created","timestamp":"2026-04-01T10:00:00Z","data":[]}"#,
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("the body is not a Polar event: at `data`"),
        "{error}"
    );
}

#[test]
fn customer_state_changed_with_subscriptions_benefits_and_meters() {
    let event = decode(fixture!("customer.state_changed.individual"));
    let Event::CustomerStateChanged {
        state, timestamp, ..
    } = &event
    else {
        panic!("{event:?}");
    };
    assert_eq!(event.event_type(), "customer.state_changed");
    assert_eq!(timestamp.to_rfc3339(), "2026-04-01T10:00:01.250+00:00");
    assert_eq!(event.customer(), Some(state.customer()));
    assert_eq!(
        event.customer_id().map(|c| c.as_str()),
        Some("992fae2a-2a17-4b7a-8d9e-e287cf90131b")
    );
    let subscription = &state.active_subscriptions()[0];
    assert_eq!(subscription.status(), &SubscriptionStatus::Trialing);
    assert_eq!(subscription.recurring_interval(), &RecurringInterval::Month);
    assert_eq!(
        subscription.price_id(),
        Some("5f6c9b43-4a7e-4cdb-9d5a-6e9f4c8b7a21")
    );
    assert_eq!(subscription.meters()[0].consumed_units(), 25.5);
    assert!(state.is_subscribed_to("d8dd2de1-21b7-4a41-8bc3-ce909c0cfe23"));
    let kinds: Vec<&BenefitType> = state
        .granted_benefits()
        .iter()
        .map(|grant| grant.benefit_type())
        .collect();
    assert_eq!(
        kinds,
        [&BenefitType::LicenseKeys, &BenefitType::MeterCredit]
    );
    assert_eq!(state.active_meters()[0].balance(), 74.5);
}

#[test]
fn customer_state_changed_for_a_deleted_team_with_empty_lists() {
    let event = decode(fixture!("customer.state_changed.team_deleted"));
    let Event::CustomerStateChanged { state, .. } = &event else {
        panic!("{event:?}");
    };
    assert!(state.customer().is_team());
    assert!(state.customer().deleted_at().is_some());
    assert!(state.active_subscriptions().is_empty());
    assert!(state.granted_benefits().is_empty());
    assert!(state.active_meters().is_empty());
}

#[test]
fn member_created_updated_and_deleted() {
    let created = decode(fixture!("member.created"));
    let Event::MemberCreated { member, .. } = &created else {
        panic!("{created:?}");
    };
    assert!(member.is_owner());
    assert_eq!(member.email(), "member@example.com");
    assert_eq!(member.external_id(), Some("usr_1337"));
    assert_eq!(created.member(), Some(member));
    assert_eq!(created.customer(), None);
    assert_eq!(
        created.customer_id().map(|c| c.as_str()),
        Some("5d0c9a52-6d4c-4d3a-b2a5-0c3f0a6e8b11")
    );

    let updated = decode(fixture!("member.updated"));
    let Event::MemberUpdated { member, .. } = &updated else {
        panic!("{updated:?}");
    };
    assert_eq!(member.role(), &MemberRole::BillingManager);
    assert_eq!(member.name(), None);
    assert_eq!(updated.event_type(), "member.updated");

    let deleted = decode(fixture!("member.deleted"));
    let Event::MemberDeleted {
        member, timestamp, ..
    } = &deleted
    else {
        panic!("{deleted:?}");
    };
    assert_eq!(member.role(), &MemberRole::Member);
    assert_eq!(timestamp.to_rfc3339(), "2026-04-03T08:59:59.700+00:00");
    assert_eq!(deleted.event_type(), "member.deleted");
}

#[test]
fn unknown_values_and_fields_in_state_and_member_payloads_decode() {
    let bodies: Vec<serde_json::Value> =
        serde_json::from_slice(fixture!("lifecycle.from_the_future")).unwrap();
    let events: Vec<Event> = bodies
        .iter()
        .map(|body| decode(body.to_string().as_bytes()))
        .collect();
    let Event::CustomerStateChanged { state, .. } = &events[0] else {
        panic!("{:?}", events[0]);
    };
    assert_eq!(
        state.customer().kind(),
        &CustomerKind::Other("household".into())
    );
    let subscription = &state.active_subscriptions()[0];
    assert_eq!(
        subscription.status(),
        &SubscriptionStatus::Other("grace_period".into())
    );
    assert_eq!(
        subscription.recurring_interval(),
        &RecurringInterval::Other("fortnight".into())
    );
    assert_eq!(
        state.granted_benefits()[0].benefit_type(),
        &BenefitType::Other("api_quota".into())
    );
    let Event::MemberUpdated { member, .. } = &events[1] else {
        panic!("{:?}", events[1]);
    };
    assert_eq!(member.role(), &MemberRole::Other("auditor".into()));
}

#[test]
fn a_member_event_without_a_member_names_the_missing_field() {
    let error = Event::from_json(
        br#"{"type":"member.deleted","timestamp":"2026-04-01T10:00:00Z","data":{"id":"m","created_at":"2026-04-01T10:00:00Z","customer_id":"c","role":"member"}}"#,
    )
    .unwrap_err();
    assert!(
        matches!(&error, WebhookError::InvalidPayload { message, .. } if message.contains("email")),
        "{error}"
    );
}
